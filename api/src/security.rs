//! Response headers every answer carries, and CORS for the browser origins configured.

use poem::{
    Endpoint, IntoResponse, Request, Response,
    http::{HeaderValue, Method, header},
    middleware::Cors,
};

/// What browsers should do with our answers: sniff nothing, frame nothing, leak no
/// referrer, keep nothing cached (answers carry tokens and personal data), and run no
/// script, except on the interactive docs page, which needs its own, and the console,
/// which runs only its own.
pub async fn security_headers<E: Endpoint>(ep: E, req: Request) -> poem::Result<Response> {
    let is_docs = req.uri().path().starts_with("/docs");
    let is_console = req.uri().path().starts_with("/console");
    let mut response = ep.call(req).await?.into_response();
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("referrer-policy", "no-referrer");
    set("cross-origin-opener-policy", "same-origin");
    set(
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    );
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    if !is_docs {
        let policy = if is_console {
            crate::console::CONTENT_SECURITY_POLICY
        } else {
            "default-src 'none'; frame-ancestors 'none'"
        };
        set("content-security-policy", policy);
        set(header::CACHE_CONTROL.as_str(), "no-store");
    }
    Ok(response)
}

/// `None` when no origin is configured: then no CORS header is ever sent, and browsers
/// keep other sites' pages from calling the API.
pub fn cors(origins: &[String]) -> Option<Cors> {
    let origins: Vec<&str> = origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        Cors::new()
            .allow_origins(origins)
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT_LANGUAGE,
                header::HeaderName::from_static("idempotency-key"),
            ])
            .expose_headers([header::RETRY_AFTER, header::LOCATION])
            .allow_credentials(false)
            .max_age(600),
    )
}
