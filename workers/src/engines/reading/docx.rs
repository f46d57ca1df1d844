//! Text from DOCX: the main document part's paragraphs and tables, in order. A DOCX is a
//! zip, so its size on disk says little about what it inflates to: entries and inflated
//! bytes are bounded here, and the sandbox's memory limit stands behind that.

use std::io::{Cursor, Read};

use quick_xml::{Reader, events::Event};

use super::{ExtractedText, pdf::tidy};

pub const MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// Most entries a resume's zip may list.
const MAX_ENTRIES: usize = 2_000;
/// Most bytes the document part may inflate to.
const MAX_DOCUMENT_BYTES: u64 = 32 * 1024 * 1024;

/// What a person can do about a DOCX that cannot be opened; the reader's words go to the log.
fn damaged(error: &dyn std::fmt::Display) -> String {
    tracing::debug!(%error, "the DOCX could not be opened");
    "the DOCX is damaged and cannot be read: save it again as DOCX (or export it as PDF) and upload that".to_owned()
}

pub fn extract(bytes: &[u8]) -> Result<ExtractedText, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged(&e))?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!(
            "the DOCX holds {} parts; the limit is {MAX_ENTRIES}",
            archive.len()
        ));
    }
    let part = archive
        .by_name("word/document.xml")
        .map_err(|_| "the DOCX has no document part (word/document.xml)".to_owned())?;
    if part.encrypted() {
        return Err("the DOCX is password-protected; upload a copy without a password".into());
    }
    let mut xml = Vec::new();
    part.take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|e| damaged(&e))?;
    if xml.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "the DOCX's document inflates to more than {} MB: refused as a decompression bomb",
            MAX_DOCUMENT_BYTES / (1024 * 1024)
        ));
    }
    let text = tidy(&document_text(&xml)?);
    if text.is_empty() {
        return Err("the DOCX has no text".into());
    }
    Ok(ExtractedText { text, pages: 1 })
}

/// Paragraphs become lines; table cells are separated by tabs and rows by lines.
fn document_text(xml: &[u8]) -> Result<String, String> {
    let mut reader = Reader::from_reader(xml);
    let mut out = String::new();
    let mut in_text = false;
    let mut tables = 0usize;
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("the DOCX's document is not valid XML ({e})"))?;
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                b"t" => in_text = true,
                b"tab" => out.push('\t'),
                b"br" | b"cr" => out.push('\n'),
                b"tbl" => tables += 1,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => out.push('\t'),
                b"br" | b"cr" => out.push('\n'),
                b"p" => end_paragraph(&mut out, tables),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => end_paragraph(&mut out, tables),
                b"tc" => out.push('\t'),
                b"tr" => out.push('\n'),
                b"tbl" => tables = tables.saturating_sub(1),
                _ => {}
            },
            Event::Text(t) if in_text => {
                let text = t.unescape().map_err(|e| {
                    format!("the DOCX's document has a bad character reference ({e})")
                })?;
                out.push_str(&text);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// A paragraph ends a line, except inside a table cell, where the cell's tab does.
fn end_paragraph(out: &mut String, tables: usize) {
    out.push(if tables > 0 { ' ' } else { '\n' });
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn docx(document: &str) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(document.as_bytes()).unwrap();
        zip.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn paragraphs_and_tables_come_out_in_order() {
        let xml = r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
            <w:p><w:r><w:t>张伟</w:t></w:r></w:p>
            <w:p><w:r><w:t xml:space="preserve">Software </w:t></w:r><w:r><w:t>Engineer &amp; lead</w:t></w:r></w:p>
            <w:p/>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>2019–2023</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>ACME</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            <w:p><w:r><w:t>Skills</w:t><w:tab/><w:t>Rust</w:t></w:r></w:p>
        </w:body></w:document>"#;
        let extracted = extract(&docx(xml)).unwrap();
        assert_eq!(
            extracted.text,
            // Cells and tabs are spaces: no field keeps a tab.
            "张伟\nSoftware Engineer & lead\n\n2019–2023  ACME\nSkills Rust"
        );
    }

    #[test]
    fn bombs_and_damage_are_refused_in_words() {
        let huge = format!(
            "<w:document><w:body><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:body></w:document>",
            "a".repeat(MAX_DOCUMENT_BYTES as usize)
        );
        let bomb = docx(&huge);
        assert!(
            bomb.len() < 1024 * 1024,
            "compresses well: {} bytes",
            bomb.len()
        );
        assert!(extract(&bomb).unwrap_err().contains("decompression bomb"));
        assert!(
            extract(b"PK\x03\x04 broken")
                .unwrap_err()
                .contains("damaged")
        );
        let crossed = extract(&docx("<w:document><w:p><w:t>x</w:p></w:t></w:document>"));
        assert!(crossed.unwrap_err().contains("not valid XML"));
    }
}
