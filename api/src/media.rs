//! What an upload is, judged by its bytes: never by its name or the client's MIME type.

/// The media type of an accepted resume upload, or `None`.
pub fn sniff_resume(bytes: &[u8]) -> Option<&'static str> {
    // PDF readers accept the header anywhere in the first 1024 bytes.
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5)
        .any(|w| w == b"%PDF-")
        .then_some("application/pdf")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_name() {
        assert_eq!(sniff_resume(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff_resume(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(sniff_resume(b"PK\x03\x04 a docx"), None);
        assert_eq!(sniff_resume(b""), None);
    }
}
