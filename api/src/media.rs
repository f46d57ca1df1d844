//! What an upload is, judged by its bytes: never by its name or the client's MIME type.

use std::io::Cursor;

pub const PDF: &str = "application/pdf";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub const PNG: &str = "image/png";
pub const JPEG: &str = "image/jpeg";
pub const TEXT: &str = "text/plain";

/// The media type of an accepted resume upload, or why it is refused. The name never makes
/// a file acceptable; it can only refuse one: a `.pdf` whose bytes are text is a broken
/// PDF to its owner, not a text resume.
pub fn sniff_resume(bytes: &[u8], name: Option<&str>) -> Result<&'static str, String> {
    let sniffed = sniff(bytes).ok_or_else(|| {
        "the file is not a PDF, DOCX, PNG, JPEG or text (UTF-8 or GBK) file; \
         those are the resume formats accepted"
            .to_owned()
    })?;
    let extension = name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let binary_name = matches!(
        extension.as_deref(),
        Some("pdf" | "docx" | "doc" | "png" | "jpg" | "jpeg")
    );
    if sniffed == TEXT && binary_name {
        return Err(format!(
            "the file is named .{} but its content is plain text: it is damaged or not what \
             its name says",
            extension.unwrap_or_default()
        ));
    }
    Ok(sniffed)
}

fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        // PDF readers accept the header anywhere in the first 1024 bytes.
        Some(PDF)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(PNG)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(JPEG)
    } else if bytes.starts_with(b"PK\x03\x04") {
        is_docx(bytes).then_some(DOCX)
    } else {
        is_text(bytes).then_some(TEXT)
    }
}

/// A zip whose directory names the main document part. Only the central directory is
/// read here; the worker enforces the limits on what decompresses.
fn is_docx(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes))
        .is_ok_and(|archive| archive.index_for_name("word/document.xml").is_some())
}

/// UTF-8 or GBK/GB18030 Chinese text (see `prepq_jobs::text`) without NULs and with few
/// control characters.
fn is_text(bytes: &[u8]) -> bool {
    let Some(text) = prepq_text::decode(bytes) else {
        return false;
    };
    let mut chars = 0usize;
    let mut controls = 0usize;
    for c in text.chars() {
        chars += 1;
        if c == '\0' {
            return false;
        }
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}') {
            controls += 1;
        }
    }
    chars > 0 && controls * 100 <= chars
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_with(name: &str) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"<w:document/>").unwrap();
        zip.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn a_name_can_refuse_a_file_but_never_make_it_acceptable() {
        assert_eq!(sniff_resume(b"%PDF-1.7", Some("cv.txt")), Ok(PDF));
        assert_eq!(sniff_resume(b"plain words", Some("cv.TXT")), Ok(TEXT));
        assert_eq!(sniff_resume(b"plain words", None), Ok(TEXT));
        let broken = sniff_resume(b"This is a corrupt pdf", Some("cv.pdf")).unwrap_err();
        assert!(broken.contains("named .pdf"), "{broken}");
        assert!(sniff_resume(b"\x00\x01", Some("cv.pdf")).is_err());
    }

    #[test]
    fn sniffs_by_content_not_name() {
        let sniff_resume = |bytes: &[u8]| sniff(bytes);
        assert_eq!(sniff_resume(b"%PDF-1.7\n..."), Some(PDF));
        assert_eq!(sniff_resume(b"\x89PNG\r\n\x1a\n...."), Some(PNG));
        assert_eq!(sniff_resume(b"\xFF\xD8\xFF\xE0...."), Some(JPEG));
        assert_eq!(sniff_resume(&zip_with("word/document.xml")), Some(DOCX));
        assert_eq!(
            sniff_resume(&zip_with("xl/workbook.xml")),
            None,
            "a spreadsheet"
        );
        assert_eq!(sniff_resume(b"PK\x03\x04 not really a zip"), None);
        assert_eq!(sniff_resume("张伟\n软件工程师\n".as_bytes()), Some(TEXT));
        assert_eq!(
            sniff_resume(b"\xEF\xBB\xBFJohn Doe\r\nEngineer"),
            Some(TEXT)
        );
        assert_eq!(
            sniff_resume(b"MZ\x90\x00\x03\x00\x00\x00"),
            None,
            "an executable"
        );
        assert_eq!(sniff_resume(b"\x00\x01\x02\x03"), None);
        assert_eq!(sniff_resume(b""), None);
    }
}
