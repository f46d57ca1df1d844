//! What every request passes before a handler sees it: a body bounded in size and time
//! (uploads have their own, larger bound on their routes) and text PostgreSQL can store.

use poem::{Body, Endpoint, IntoResponse, Request, Response, http::StatusCode};

use crate::{error::ErrorBody, state::AppState};

/// Refuses a body over the limit with 413 before or while reading it, so memory stays
/// bounded whatever the client declares, and refuses a NUL character in the query or in a
/// JSON string with 400 (PostgreSQL text cannot hold one).
pub async fn guard_requests<E: Endpoint>(ep: E, mut req: Request) -> poem::Result<Response> {
    let Some((limit, timeout)) = req.data::<AppState>().map(|s| {
        let timeout = std::time::Duration::from_secs(s.config.body_timeout_secs);
        (s.config.max_json_bytes, timeout)
    }) else {
        return Ok(ep.call(req).await?.into_response());
    };
    if has_nul_in_query(req.uri().query().unwrap_or("")) {
        return Ok(nul_refused());
    }
    if is_multipart(&req) {
        // Multipart is only read by the upload routes, whose transform bounds it.
        return Ok(ep.call(req).await?.into_response());
    }
    let declared = req
        .header(poem::http::header::CONTENT_LENGTH)
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Ok(too_large(limit));
    }
    let reading = tokio::time::timeout(timeout, req.take_body().into_bytes_limit(limit));
    let body = match reading.await {
        Ok(Ok(body)) => body,
        Ok(Err(poem::error::ReadBodyError::PayloadTooLarge)) => return Ok(too_large(limit)),
        Err(_) => {
            return Ok(ErrorBody::new(
                "request_timeout",
                format!("the request body did not arrive within {timeout:?}"),
            )
            .with_status(StatusCode::REQUEST_TIMEOUT)
            .into_response());
        }
        Ok(Err(e)) => {
            return Ok(
                ErrorBody::new("invalid_request", format!("reading the body: {e}"))
                    .with_status(StatusCode::BAD_REQUEST)
                    .into_response(),
            );
        }
    };
    if has_escaped_nul(&body) {
        return Ok(nul_refused());
    }
    req.set_body(Body::from_bytes(body));
    Ok(ep.call(req).await?.into_response())
}

fn is_multipart(req: &Request) -> bool {
    req.content_type()
        .is_some_and(|t| t.trim_start().starts_with("multipart/"))
}

fn too_large(limit: usize) -> Response {
    ErrorBody::new(
        "payload_too_large",
        format!("the request body is over the limit of {limit} bytes"),
    )
    .with_status(StatusCode::PAYLOAD_TOO_LARGE)
    .into_response()
}

fn nul_refused() -> Response {
    ErrorBody::new(
        "invalid_request",
        "text must not contain the NUL character (U+0000)",
    )
    .with_status(StatusCode::BAD_REQUEST)
    .into_response()
}

fn has_nul_in_query(query: &str) -> bool {
    query.contains("%00")
}

/// A raw NUL is already invalid JSON; an escaped one is `\u0000` preceded by an odd run of
/// backslashes (an even run is escaped backslashes followed by the letters `u0000`).
fn has_escaped_nul(body: &[u8]) -> bool {
    let mut backslashes = 0usize;
    for (i, &byte) in body.iter().enumerate() {
        if byte == b'\\' {
            backslashes += 1;
            continue;
        }
        if backslashes % 2 == 1
            && byte == b'u'
            && body.get(i + 1..i + 5).is_some_and(|hex| hex == b"0000")
        {
            return true;
        }
        backslashes = 0;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escaped_nul_is_found_and_an_escaped_backslash_before_u0000_is_not() {
        assert!(has_escaped_nul(br#"{"email":"a\u0000b"}"#));
        assert!(has_escaped_nul(br#"{"email":"a\\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"email":"a\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"email":"a\u00e9"}"#));
        assert!(!has_escaped_nul(b"{}"));
    }

    #[test]
    fn a_nul_in_the_query_is_found_and_an_escaped_percent_is_not() {
        assert!(has_nul_in_query("q=a%00b"));
        assert!(has_nul_in_query("q=%00"));
        assert!(!has_nul_in_query("q=%2500"));
        assert!(!has_nul_in_query("q=100"));
    }
}
