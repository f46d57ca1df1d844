//! A second reader of PDF text layers: poppler's `pdftotext` decodes composite fonts from
//! their embedded character maps where pdf-extract gives up. Exact text beats OCR, so it is
//! tried first when pdf-extract's yield is poor; its own yield is judged the same way.

use std::{path::Path, process::Command};

use super::{ExtractedText, pdf::tidy};

/// The text, if poppler names at least 80% of the glyphs the pages draw.
pub fn pdf_text(path: &Path, pages: u32, glyphs: u64) -> Option<ExtractedText> {
    let text = tidy(&pdftotext(path, pages)?);
    let named = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != char::REPLACEMENT_CHARACTER)
        .count() as u64;
    (named * 10 >= glyphs * 8).then_some(ExtractedText { text, pages })
}

/// The text of a PDF our parser refused as damaged (cut short, a broken cross-reference
/// table), which poppler often still reads: up to `max_pages` pages, if any text at all.
pub fn damaged_pdf_text(path: &Path, max_pages: u32) -> Option<ExtractedText> {
    let raw = pdftotext(path, max_pages)?;
    // pdftotext ends every page it read with a form feed.
    let pages = raw.matches('\u{c}').count().max(1) as u32;
    let text = tidy(&raw);
    (!text.is_empty()).then_some(ExtractedText { text, pages })
}

fn pdftotext(path: &Path, pages: u32) -> Option<String> {
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-l", &pages.to_string()])
        .arg(path)
        .arg("-")
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}
