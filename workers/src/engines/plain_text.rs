//! Plain-text resumes. The API only accepts UTF-8 (a BOM allowed) as text, so decoding is a
//! check, not a guess.

use super::{pdf::tidy, reading::ExtractedText};

pub fn extract(bytes: &[u8]) -> Result<ExtractedText, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| "the text file is not valid UTF-8")?;
    let text = tidy(&text.replace("\r\n", "\n"));
    if text.is_empty() {
        return Err("the text file is empty".into());
    }
    Ok(ExtractedText { text, pages: 1 })
}
