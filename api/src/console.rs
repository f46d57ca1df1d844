//! The administrators' console: one page and its script and styles, compiled into the
//! binary, so nothing is built or installed at run time. The page holds no data: its
//! script calls the admin API with the administrator's token, and the API's checks decide
//! what anyone sees.

use poem::{Endpoint, EndpointExt, Response, Route, get, handler, http::StatusCode};

const PAGE: &str = include_str!("../console/index.html");
const SCRIPT: &str = include_str!("../console/console.js");
const STYLES: &str = include_str!("../console/console.css");

/// What the console's answers allow a browser: its own script, styles and API calls,
/// nothing inline, nothing from elsewhere, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type(content_type)
        .body(body)
}

#[handler]
fn page() -> Response {
    asset("text/html; charset=utf-8", PAGE)
}

#[handler]
fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

#[handler]
fn styles() -> Response {
    asset("text/css; charset=utf-8", STYLES)
}

/// Served under `/console`.
pub fn routes() -> impl Endpoint {
    Route::new()
        .at("/", get(page))
        .at("/console.js", get(script))
        .at("/console.css", get(styles))
        .map_to_response()
}
