//! Files the scenarios make instead of shipping: scans, huge images, bombs, long PDFs.

use std::io::{Cursor, Write};

use lopdf::{Document, Object, Stream, dictionary};

/// Page `page` (from 1) of a PDF rendered by poppler at `dpi`, as a grey PNG: what a
/// scanner or a phone would produce from the printed page.
pub fn render_page(pdf: &[u8], page: u32, dpi: u32) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("prepq-render-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let input = dir.join("in.pdf");
    std::fs::write(&input, pdf).expect("writing the PDF");
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png", "-singlefile"])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(&input)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils) is installed by scripts/lib/services.sh");
    assert!(status.success(), "pdftoppm failed");
    let png = std::fs::read(dir.join("page.png")).expect("rendered page");
    let _ = std::fs::remove_dir_all(&dir);
    png
}

/// A PDF whose pages are these images and nothing else: a scanned document.
pub fn scanned_pdf(pngs: &[Vec<u8>]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let kids = pngs
        .iter()
        .map(|png| {
            let image = image::load_from_memory(png).expect("a PNG").to_luma8();
            let (width, height) = image.dimensions();
            let mut pixels = Stream::new(
                dictionary! {
                    "Type" => "XObject",
                    "Subtype" => "Image",
                    "Width" => width as i64,
                    "Height" => height as i64,
                    "ColorSpace" => "DeviceGray",
                    "BitsPerComponent" => 8,
                },
                image.into_raw(),
            );
            pixels.compress().expect("compressing the image");
            let image_id = doc.add_object(pixels);
            // A4 in points, the image filling it.
            let content = b"q 595 0 0 842 0 0 cm /Scan Do Q".to_vec();
            let content_id = doc.add_object(Stream::new(dictionary! {}, content));
            doc.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                "Contents" => content_id,
                "Resources" => dictionary! { "XObject" => dictionary! { "Scan" => image_id } },
            })
            .into()
        })
        .collect();
    finish(doc, pages_id, kids)
}

/// A PDF of `pages` blank pages.
pub fn blank_pdf(pages: usize) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let kids = (0..pages)
        .map(|_| {
            doc.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            })
            .into()
        })
        .collect();
    finish(doc, pages_id, kids)
}

fn finish(mut doc: Document, pages_id: lopdf::ObjectId, kids: Vec<Object>) -> Vec<u8> {
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("writing the PDF");
    out
}

/// A white grey-scale PNG of `width` × `height`: a few hundred kilobytes for 400 megapixels.
pub fn blank_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_compression(png::Compression::Fastest);
    let mut writer = encoder.write_header().expect("PNG header");
    let mut rows = writer.stream_writer().expect("PNG stream");
    let row = vec![255u8; width as usize];
    for _ in 0..height {
        rows.write_all(&row).expect("PNG row");
    }
    rows.finish().expect("PNG end");
    drop(writer);
    out.into_inner()
}

/// A DOCX whose document part inflates to `inflated` bytes of one repeated letter.
pub fn docx_bomb(inflated: usize) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default().large_file(inflated > u32::MAX as usize);
    zip.start_file("word/document.xml", options)
        .expect("zip entry");
    zip.write_all(b"<w:document><w:body><w:p><w:r><w:t>")
        .expect("zip");
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..inflated / chunk.len() {
        zip.write_all(&chunk).expect("zip");
    }
    zip.write_all(b"</w:t></w:r></w:p></w:body></w:document>")
        .expect("zip");
    zip.finish().expect("zip end");
    out.into_inner()
}

/// `text` in GBK, as Windows in China saves a `.txt` file.
pub fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "GBK has every character of {text:?}");
    bytes.into_owned()
}
