//! Plain-text resumes: UTF-8, or GBK/GB18030 Chinese text, as the API accepted them.

use super::{ExtractedText, pdf::tidy};

pub fn extract(bytes: &[u8]) -> Result<ExtractedText, String> {
    let text = prepq_text::decode(bytes)
        .ok_or("the text file is neither UTF-8 nor GBK/GB18030 Chinese text")?;
    let text = tidy(&text.replace("\r\n", "\n"));
    if text.is_empty() {
        return Err("the text file is empty".into());
    }
    Ok(ExtractedText { text, pages: 1 })
}
