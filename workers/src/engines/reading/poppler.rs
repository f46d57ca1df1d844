//! A second reader of PDF text layers: poppler's `pdftotext` decodes composite fonts from
//! their embedded character maps where pdf-extract gives up. Exact text beats OCR, so it is
//! tried first when pdf-extract's yield is poor; its own yield is judged the same way.

use std::{path::Path, process::Command};

use super::{ExtractedText, pdf::tidy};

/// The text, if poppler names at least 80% of the glyphs the pages draw.
pub fn pdf_text(path: &Path, pages: u32, glyphs: u64) -> Option<ExtractedText> {
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-l", &pages.to_string()])
        .arg(path)
        .arg("-")
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = tidy(&String::from_utf8_lossy(&output.stdout));
    let named = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != char::REPLACEMENT_CHARACTER)
        .count() as u64;
    (named * 10 >= glyphs * 8).then_some(ExtractedText { text, pages })
}
