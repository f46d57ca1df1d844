//! Reading resume files: the format readers, and the sandbox that runs them in a child
//! process. The child side is what `workers extract` and `workers ocr` do; each prints JSON
//! lines (see `sandbox::ChildReport`).

mod docx;
mod ocr;
mod pdf;
mod plain_text;
mod poppler;
pub mod sandbox;
mod slots;
mod tool;
mod watchdog;

pub use ocr::OcrModel;
pub use slots::{ChildSlot, ChildSlots};

use std::{path::Path, process::ExitCode, time::Duration};

use prepq_jobs::kinds::ResumeText;

use super::parse::{
    self,
    dates::{self, Point},
};
use sandbox::ChildReport;

/// What a format's reader gives back, before the parse.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractedText {
    pub text: String,
    pub pages: u32,
}

/// When the document says it was written: its "Present" means then, not today.
fn written(bytes: &[u8], media_type: &str) -> Option<Point> {
    (media_type == "application/pdf")
        .then(|| pdf::written(bytes))
        .flatten()
}

/// `workers extract`: the text a file carries, or word that it needs OCR. The parse runs
/// here too: its patterns meet untrusted text.
pub fn extract_command(path: &Path, media_type: &str, max_pages: u32) -> ExitCode {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return unreadable(&e),
    };
    let extracted = match media_type {
        "application/pdf" => match pdf::extract(&bytes, max_pages) {
            Err(pdf::Unreadable::NoTextLayer { pages }) => {
                return ChildReport::NeedsOcr { pages }.emit();
            }
            Err(pdf::Unreadable::Damaged) => {
                poppler::damaged_pdf_text(path, max_pages).ok_or_else(|| pdf::DAMAGED.to_owned())
            }
            Err(pdf::Unreadable::PoorTextLayer { pages, glyphs }) => {
                match poppler::pdf_text(path, pages, glyphs) {
                    Some(extracted) => Ok(extracted),
                    None => return ChildReport::NeedsOcr { pages }.emit(),
                }
            }
            other => other.map_err(|e| e.to_string()),
        },
        docx::MEDIA_TYPE => docx::extract(&bytes),
        "text/plain" => plain_text::extract(&bytes),
        other => Err(format!("text extraction from {other} is not supported")),
    };
    finish(extracted, written(&bytes, media_type))
}

/// Resolution a PDF page is rendered at for OCR, chosen by speed against the character
/// error rate on the corpus scans (`scripts/bench --phases ocr`): 200 dpi read them as well
/// as 300 (CER 0.101 against 0.106) in three quarters of the time; 150 lost accuracy.
pub const OCR_DPI: u32 = 200;

/// How one page is read by OCR.
#[derive(Debug, Clone, Copy)]
pub struct OcrPage {
    /// Largest image, in pixels.
    pub max_pixels: u64,
    /// Resolution of a rendered PDF page.
    pub dpi: u32,
    /// Time to render and read it.
    pub time: Duration,
    /// The model the first page is read with.
    pub first: OcrModel,
}

/// `workers ocr`: the text of an image, or of a PDF's first `pages` pages, by OCR, each
/// page read as `page` says. Reports each page done.
pub fn ocr_command(path: &Path, media_type: &str, pages: u32, page: OcrPage) -> ExitCode {
    let progress = |done, total| {
        ChildReport::Progress { done, total }.emit();
    };
    let extracted = match media_type {
        "application/pdf" => ocr::pdf_text(path, pages, page, progress),
        "image/png" | "image/jpeg" => ocr::image_text(path, page),
        other => Err(format!("OCR of {other} is not supported")),
    };
    // Only a PDF says when it was written: an image's bytes are not read again for it.
    let written = (media_type == "application/pdf")
        .then(|| std::fs::read(path).ok())
        .flatten()
        .and_then(|bytes| pdf::written(&bytes));
    finish(extracted, written)
}

fn finish(extracted: Result<ExtractedText, String>, written: Option<Point>) -> ExitCode {
    match extracted {
        Ok(extracted) => ChildReport::Extracted(Box::new(read(extracted, written))),
        Err(reason) => ChildReport::Rejected { reason },
    }
    .emit()
}

fn unreadable(e: &std::io::Error) -> ExitCode {
    ChildReport::Rejected {
        reason: format!("the file could not be read: {e}"),
    }
    .emit()
}

/// The reading of extracted text; ranges open to the present run to `written`, when the
/// document says when that was (and it is not in the future), else to today.
fn read(extracted: ExtractedText, written: Option<Point>) -> ResumeText {
    let today = Point::today();
    let now = written.filter(|w| *w <= today).unwrap_or(today);
    // Layouts that break a date range across lines would otherwise lose the entry.
    let text = dates::join_broken_ranges(&extracted.text);
    ResumeText {
        chars: text.chars().count() as u64,
        pages: extracted.pages,
        parse: Some(parse::layout(&text, now)),
        text,
    }
}
