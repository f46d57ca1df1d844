//! Text from PDFs with a text layer. pdf-extract panics on malformed fonts, can overflow its
//! stack and run without bound on hostile files, and returns empty text for encrypted ones:
//! it runs only inside the sandbox child (see `sandbox.rs`), after the checks here.

use super::sandbox::ExtractedText;

/// Extracts the text, or says in words a user understands why it can't.
pub fn extract(bytes: &[u8], max_pages: u32) -> Result<ExtractedText, String> {
    if bytes.is_empty() {
        return Err("the file is empty".into());
    }
    if !is_pdf(bytes) {
        return Err("the file is not a PDF".into());
    }
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| {
        let message = e.to_string();
        if message.to_lowercase().contains("decrypt") || message.to_lowercase().contains("password")
        {
            ENCRYPTED.to_owned()
        } else {
            format!("the PDF is damaged and cannot be read ({message})")
        }
    })?;
    if doc.is_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
        return Err(ENCRYPTED.into());
    }
    let pages = doc.get_pages().len() as u32;
    if pages == 0 {
        return Err("the PDF has no pages".into());
    }
    if pages > max_pages {
        return Err(format!(
            "the PDF has {pages} pages; the limit is {max_pages}"
        ));
    }
    let text = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes))
        .map_err(|_| {
            "the PDF's text could not be decoded: the parser failed on its fonts".to_owned()
        })?
        .map_err(|e| format!("the PDF's text could not be extracted: {e}"))?;
    let text = tidy(&text);
    if text.is_empty() {
        return Err("the PDF has no text layer (a scanned document?); \
                    text extraction from scans is not supported yet"
            .into());
    }
    Ok(ExtractedText { text, pages })
}

const ENCRYPTED: &str = "the PDF is password-protected; upload a copy without a password";

/// PDF readers accept the header anywhere in the first 1024 bytes.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
}

/// Trims each line and collapses runs of blank lines, as pdf-extract pads generously.
pub fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_a_readable_pdf() {
        assert_eq!(extract(b"", 10).unwrap_err(), "the file is empty");
        assert_eq!(
            extract(b"hello world", 10).unwrap_err(),
            "the file is not a PDF"
        );
        assert!(
            extract(b"%PDF-1.4 garbage", 10)
                .unwrap_err()
                .contains("damaged")
        );
    }

    #[test]
    fn tidy_collapses_blank_runs() {
        assert_eq!(tidy("  a  \n\n\n\nb\n\n"), "a\n\nb");
    }
}
