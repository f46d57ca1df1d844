//! Text from PDFs with a text layer. pdf-extract panics on malformed fonts, can overflow its
//! stack and run without bound on hostile files, and returns empty text for encrypted ones:
//! it runs only inside the sandbox child (see `sandbox.rs`), after the checks here.

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::{ExtractedText, Point};

/// What a person can do about a damaged file, said instead of the parser's words.
pub const DAMAGED: &str = "the file is damaged and cannot be read: export it again as PDF (or save it as DOCX) and upload that";

/// Why a PDF's text layer gave nothing: refused in words a user understands, or simply
/// absent (a scan), which OCR can still read.
#[derive(Debug, thiserror::Error)]
pub enum Unreadable {
    #[error("the PDF has no text layer")]
    NoTextLayer { pages: u32 },
    /// Text is drawn, but much of it with fonts that don't say which characters their
    /// glyphs are (CID fonts without a ToUnicode map, typical of Chinese LaTeX output):
    /// pdf-extract drops those characters silently.
    #[error("much of the PDF's text layer cannot be decoded")]
    PoorTextLayer { pages: u32, glyphs: u64 },
    /// Its structure cannot be parsed (cut short, a broken cross-reference table); poppler
    /// may still read it.
    #[error("{DAMAGED}")]
    Damaged,
    #[error("{0}")]
    Refused(String),
}

impl From<String> for Unreadable {
    fn from(reason: String) -> Self {
        Self::Refused(reason)
    }
}

impl From<&str> for Unreadable {
    fn from(reason: &str) -> Self {
        Self::Refused(reason.to_owned())
    }
}

/// Extracts the text layer, or says why there is none to be had.
pub fn extract(bytes: &[u8], max_pages: u32) -> Result<ExtractedText, Unreadable> {
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
            Unreadable::Refused(ENCRYPTED.to_owned())
        } else {
            tracing::debug!(error = %message, "the PDF's structure could not be parsed");
            Unreadable::Damaged
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
        return Err(format!("the PDF has {pages} pages; the limit is {max_pages}").into());
    }
    // The document parsed above, not a second parse of the bytes. Unwind-safe to assert:
    // after a panic the document is only dropped.
    let text = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut text = String::new();
        pdf_extract::output_doc(&doc, &mut pdf_extract::PlainTextOutput::new(&mut text))
            .map(|()| text)
    }))
    .map_err(|_| "the PDF's text could not be decoded: the parser failed on its fonts".to_owned())?
    .map_err(|e| format!("the PDF's text could not be extracted: {e}"))?;
    let text = tidy(&text);
    if text.is_empty() {
        return Err(Unreadable::NoTextLayer { pages });
    }
    let drawn = glyphs_drawn(&doc);
    let replaced = text
        .chars()
        .filter(|&c| c == char::REPLACEMENT_CHARACTER)
        .count() as u64;
    if drawn.unmapped * 10 > drawn.total || replaced * 50 > drawn.total.max(1) {
        return Err(Unreadable::PoorTextLayer {
            pages,
            glyphs: drawn.total,
        });
    }
    Ok(ExtractedText { text, pages })
}

/// `/ModDate (D:YYYYMM…)`, else `/CreationDate`, as written in the document's Info.
static INFO_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/(ModDate|CreationDate)\s*\(D:((?:19|20)\d{2})(\d{2})").expect("date pattern")
});

/// A PDF date's year and month: `D:YYYYMM…`.
static PDF_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"D:((?:19|20)\d{2})(\d{2})").expect("date pattern"));

/// The month the PDF says it was last written (its Info `ModDate`, else `CreationDate`):
/// found in the bytes when the Info is stored plainly, else read from the parsed document
/// (an Info inside a compressed object stream).
pub fn written(bytes: &[u8]) -> Option<Point> {
    let mut plain: Vec<(bool, Point)> = INFO_DATE
        .captures_iter(bytes)
        .filter_map(|c| Some((&c[1] == b"ModDate", month_of(&c[2], &c[3])?)))
        .collect();
    plain.sort_by_key(|(modified, _)| !modified);
    plain
        .first()
        .map(|(_, point)| *point)
        .or_else(|| parsed_info_date(bytes))
}

fn parsed_info_date(bytes: &[u8]) -> Option<Point> {
    let doc = lopdf::Document::load_mem(bytes).ok()?;
    let info = doc.trailer.get_deref(b"Info", &doc).ok()?.as_dict().ok()?;
    [b"ModDate".as_slice(), b"CreationDate"]
        .iter()
        .find_map(|key| {
            let raw = info.get_deref(key, &doc).ok()?.as_str().ok()?;
            // A UTF-16 date has a zero byte before each ASCII one.
            let ascii: Vec<u8> = raw.iter().copied().filter(|b| *b != 0).collect();
            let found = PDF_DATE.captures(&ascii)?;
            month_of(&found[1], &found[2])
        })
}

fn month_of(year: &[u8], month: &[u8]) -> Option<Point> {
    let number = |digits: &[u8]| std::str::from_utf8(digits).ok()?.parse::<u16>().ok();
    let month = u8::try_from(number(month)?)
        .ok()
        .filter(|m| (1..=12).contains(m));
    Some(Point {
        year: number(year)?,
        month,
    })
}

/// Glyphs the pages' content streams draw, and how many of them use a composite font
/// without a ToUnicode map (whose characters no extractor can name for sure).
#[derive(Debug, Default, Clone, Copy)]
pub struct GlyphCount {
    pub total: u64,
    pub unmapped: u64,
}

pub fn glyphs_drawn(doc: &lopdf::Document) -> GlyphCount {
    let mut count = GlyphCount::default();
    for page_id in doc.get_pages().into_values() {
        let fonts = doc.get_page_fonts(page_id).unwrap_or_default();
        let Ok(content) = doc.get_and_decode_page_content(page_id) else {
            continue;
        };
        // Bytes per glyph and whether the current font maps to Unicode.
        let mut font = (1u64, true);
        for operation in &content.operations {
            match operation.operator.as_str() {
                "Tf" => {
                    let name = operation.operands.first().and_then(|o| o.as_name().ok());
                    font = name
                        .and_then(|n| fonts.get(n))
                        .map_or((1, true), |dict| font_kind(dict));
                }
                "Tj" | "TJ" | "'" | "\"" => {
                    let bytes: u64 = operation.operands.iter().map(string_bytes).sum();
                    let glyphs = bytes / font.0;
                    count.total += glyphs;
                    if !font.1 {
                        count.unmapped += glyphs;
                    }
                }
                _ => {}
            }
        }
    }
    count
}

fn font_kind(font: &lopdf::Dictionary) -> (u64, bool) {
    let composite = font
        .get(b"Subtype")
        .and_then(lopdf::Object::as_name)
        .is_ok_and(|s| s == b"Type0");
    if composite {
        (2, font.has(b"ToUnicode"))
    } else {
        (1, true)
    }
}

fn string_bytes(operand: &lopdf::Object) -> u64 {
    match operand {
        lopdf::Object::String(bytes, _) => bytes.len() as u64,
        lopdf::Object::Array(items) => items.iter().map(string_bytes).sum(),
        _ => 0,
    }
}

const ENCRYPTED: &str = "the PDF is password-protected; upload a copy without a password";

/// PDF readers accept the header anywhere in the first 1024 bytes.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
}

/// Trims each line and collapses runs of blank lines, as pdf-extract pads generously;
/// characters that only look like spaces or hyphens are made plain ones first.
pub fn tidy(text: &str) -> String {
    let text = plain_characters(text);
    let spread = word_spaced(&text);
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines().map(str::trim_end) {
        let line = if spread {
            one_space(line).into()
        } else {
            std::borrow::Cow::from(line)
        };
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(&unspaced(&line));
        out.push('\n');
    }
    out.trim().to_owned()
}

/// Tabs, carriage returns inside lines (pdf-extract writes some), no-break and other
/// Unicode spaces become a space and the hyphens some fonts
/// draw (a soft hyphen as the dash of `Sep. 2023 \u{ad} Mar. 2024`, U+2010, U+2011) a
/// hyphen-minus, so dates, words and skills read the same whatever the template used.
fn plain_characters(text: &str) -> std::borrow::Cow<'_, str> {
    let odd = |c: char| {
        matches!(c, '\u{ad}' | '\u{2010}' | '\u{2011}')
            || (c != '\n' && c != ' ' && c.is_whitespace())
    };
    if !text.contains(odd) {
        return text.into();
    }
    let mut plain = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // Some templates draw one hyphen as `-`, a soft hyphen and U+2010 in a row.
            '\u{ad}' | '\u{2010}' | '\u{2011}' if plain.ends_with('-') => {}
            '\u{ad}' | '\u{2010}' | '\u{2011}' => plain.push('-'),
            c if odd(c) => plain.push(' '),
            c => plain.push(c),
        }
    }
    plain.into()
}

/// Whether the text's words are set apart by runs of two to four spaces (`Leo   Leopard`,
/// as some exports turn each space into a tab and more): most lines of several words have
/// no single space between them.
fn word_spaced(text: &str) -> bool {
    let (mut spread, mut plain) = (0, 0);
    for line in text.lines() {
        let runs: Vec<usize> = line
            .trim()
            .split(|c: char| c != ' ')
            .filter(|run| !run.is_empty())
            .map(str::len)
            .collect();
        if runs.len() < 2 {
            continue;
        }
        if runs.contains(&1) {
            plain += 1;
        } else if runs.iter().filter(|&&run| run <= 4).count() >= 2 {
            spread += 1;
        }
    }
    spread > plain
}

/// `line` with each run of two to four spaces made one; wider gaps, between columns, stay.
fn one_space(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(gap) = rest.find(' ') {
        out.push_str(&rest[..gap]);
        let after = rest[gap..].trim_start_matches(' ');
        let width = rest.len() - gap - after.len();
        out.push_str(if (2..=4).contains(&width) {
            " "
        } else {
            &rest[gap..gap + width]
        });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A letter-spaced line (`j o h n . d o e @ e x a m p l e . c o m`, as some templates
/// draw headers) with its letters joined; words stay apart where the gap is wider.
fn unspaced(line: &str) -> std::borrow::Cow<'_, str> {
    let tokens: Vec<&str> = line.split(' ').filter(|t| !t.is_empty()).collect();
    let single = tokens.iter().filter(|t| t.chars().count() == 1).count();
    if tokens.len() < 6 || single * 10 < tokens.len() * 9 {
        return line.into();
    }
    let indent = &line[..line.len() - line.trim_start().len()];
    let words: Vec<String> = line
        .trim()
        .split("  ")
        .map(|word| word.split(' ').collect::<String>())
        .filter(|word| !word.is_empty())
        .collect();
    format!("{indent}{}", words.join(" ")).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_a_readable_pdf() {
        let refusal = |bytes: &[u8]| extract(bytes, 10).unwrap_err().to_string();
        assert_eq!(refusal(b""), "the file is empty");
        assert_eq!(refusal(b"hello world"), "the file is not a PDF");
        assert!(refusal(b"%PDF-1.4 garbage").contains("damaged"));
    }

    #[test]
    fn a_pdf_was_written_when_its_info_was_last_modified() {
        let info = b"1 0 obj << /CreationDate (D:20150611101010Z) /ModDate (D:20230716173357Z) >>";
        assert_eq!(
            written(info),
            Some(Point {
                year: 2023,
                month: Some(7)
            })
        );
        assert_eq!(written(b"no info here"), None);
    }

    #[test]
    fn an_info_in_a_compressed_object_stream_is_read_from_the_document() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/billryan_resume-en.pdf"
        );
        let bytes = std::fs::read(path).expect("the fixture");
        assert!(!INFO_DATE.is_match(&bytes), "not stored plainly");
        assert_eq!(
            written(&bytes),
            Some(Point {
                year: 2015,
                month: Some(12)
            })
        );
    }

    #[test]
    fn letter_spaced_lines_are_joined_and_words_stay_apart() {
        assert_eq!(
            tidy("j o h n . d o e @ e x a m p l e . c o m\nJ O H N   D O E\nA B testing is a plan"),
            "john.doe@example.com\nJOHN DOE\nA B testing is a plan"
        );
    }

    #[test]
    fn tabs_odd_spaces_and_drawn_hyphens_read_as_plain_ones() {
        assert_eq!(
            tidy(
                "Leo\t  Leopard\t  CA\nSep. 2023 \u{ad} Mar. 2024\non\u{ad}premise\u{a0}AWS\u{2011}EKS\u{3000}x"
            ),
            "Leo   Leopard   CA\nSep. 2023 - Mar. 2024\non-premise AWS-EKS x"
        );
        assert_eq!(tidy("(909) 555-\u{ad}\u{2010}5555\r\n"), "(909) 555-5555");
    }

    #[test]
    fn word_spaced_lines_keep_one_space_between_words_and_their_columns_apart() {
        assert_eq!(
            tidy(
                "Leo \r Leopard\nBachelor   of   Arts\nUniversity   of   La   Verne                  June   2016\n•  Led   groups"
            ),
            "Leo Leopard\nBachelor of Arts\nUniversity of La Verne                  June 2016\n• Led groups"
        );
        let layout = "Java  Python and more            Jan 2015 - Present\nLeo  Leopard";
        assert_eq!(tidy(layout), layout);
    }

    #[test]
    fn tidy_collapses_blank_runs() {
        assert_eq!(tidy("  a  \n\n\n\nb\n\n"), "a\n\nb");
    }
}
