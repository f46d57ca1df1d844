//! OCR with tesseract (`eng+chi_sim`), for images and for PDF pages without a text layer.
//! Runs inside the sandbox child, so tesseract inherits its memory and CPU limits. Images
//! are checked for their pixel count before anything is decoded (a 20,000 × 20,000 PNG is a
//! few kilobytes and 400 million pixels), turned upright by their EXIF orientation, laid on
//! white where transparent, made grey, and scaled up when small: tesseract reads capital
//! letters around 30 px tall best.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use image::{DynamicImage, GrayImage, ImageDecoder, ImageReader, Luma, imageops::FilterType};

use super::{ExtractedText, tool};

/// Images narrower than this are scaled up before OCR.
const MIN_WIDTH: u32 = 1600;
const LANGUAGES: &str = "eng+chi_sim";

/// Text of one image file (PNG or JPEG).
pub fn image_text(path: &Path, max_pixels: u64, time: Duration) -> Result<ExtractedText, String> {
    let page = prepare(path, max_pixels)?;
    // Raw PGM: encoding and decoding a PNG of a page cost more than a tenth of the OCR.
    let prepared = scratch("pgm");
    page.save(&prepared)
        .map_err(|e| format!("preparing the image for OCR failed: {e}"))?;
    let text = recognise(&prepared, time).map_err(|late| {
        late.unwrap_or_else(|| {
            format!(
                "OCR of the image took longer than the {} limit",
                seconds(time)
            )
        })
    });
    let _ = std::fs::remove_file(&prepared);
    let text = text?;
    if text.is_empty() {
        return Err("no text was found in the image".into());
    }
    Ok(ExtractedText { text, pages: 1 })
}

/// Text of a PDF's first `pages` pages by OCR, one page at a time: rendered at 300 dpi in
/// grey by poppler (raw PGM), then read, each page within `page_time`. `progress` hears of each page.
pub fn pdf_text(
    path: &Path,
    pages: u32,
    page_time: Duration,
    mut progress: impl FnMut(u32, u32),
) -> Result<ExtractedText, String> {
    let dir = scratch("pages");
    std::fs::create_dir_all(&dir).map_err(|e| format!("preparing OCR: {e}"))?;
    let mut text = String::new();
    let mut outcome = Ok(());
    progress(0, pages);
    for page in 1..=pages {
        match read_page(path, page, page_time, &dir) {
            Ok(read) => {
                text.push_str(&read);
                text.push_str("\n\n");
                progress(page, pages);
            }
            Err(reason) => {
                outcome = Err(reason);
                break;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    outcome?;
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err("the PDF has no text layer and no text was found by OCR".into());
    }
    Ok(ExtractedText { text, pages })
}

/// Renders page `page` and reads it; both within `time`.
fn read_page(path: &Path, page: u32, time: Duration, dir: &Path) -> Result<String, String> {
    let started = Instant::now();
    let late = || {
        format!(
            "OCR of page {page} took longer than the {} limit per page",
            seconds(time)
        )
    };
    let image = dir.join(format!("page-{page}"));
    let number = page.to_string();
    let rendered = tool::output_within(
        Command::new("pdftoppm")
            .args(["-r", "300", "-gray", "-singlefile"])
            .args(["-f", &number, "-l", &number])
            .arg(path)
            .arg(&image),
        time,
    )
    .map_err(|e| format!("OCR is not available here (pdftoppm: {e})"))?
    .ok_or_else(late)?;
    if !rendered.status.success() {
        return Err(format!(
            "page {page} of the PDF could not be rendered for OCR"
        ));
    }
    let left = time.saturating_sub(started.elapsed());
    let image = image.with_extension("pgm");
    let text = recognise(&image, left).map_err(|e| e.unwrap_or_else(late));
    let _ = std::fs::remove_file(&image);
    text
}

/// `time` in words: "30 s", or "0.2 s".
fn seconds(time: Duration) -> String {
    format!("{} s", time.as_secs_f64())
}

fn prepare(path: &Path, max_pixels: u64) -> Result<GrayImage, String> {
    let open = || {
        ImageReader::open(path)
            .and_then(ImageReader::with_guessed_format)
            .map_err(|e| format!("the image cannot be read: {e}"))
    };
    let (width, height) = open()?
        .into_dimensions()
        .map_err(|e| format!("the image is damaged: {e}"))?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(format!(
            "the image is {width} × {height} pixels; the limit is {} megapixels",
            max_pixels / 1_000_000
        ));
    }
    let mut decoder = open()?
        .into_decoder()
        .map_err(|e| format!("the image is damaged: {e}"))?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image =
        DynamicImage::from_decoder(decoder).map_err(|e| format!("the image is damaged: {e}"))?;
    image.apply_orientation(orientation);
    let grey = on_white(&image);
    Ok(if grey.width() < MIN_WIDTH {
        let scale = f64::from(MIN_WIDTH) / f64::from(grey.width().max(1));
        let height = (f64::from(grey.height()) * scale).round() as u32;
        image::imageops::resize(&grey, MIN_WIDTH, height.max(1), FilterType::CatmullRom)
    } else {
        grey
    })
}

/// Grey, with transparency composited over white (a transparent background would read as
/// black and swallow black text).
fn on_white(image: &DynamicImage) -> GrayImage {
    let rgba = image.to_luma_alpha8();
    GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [luma, alpha] = rgba.get_pixel(x, y).0;
        let alpha = u16::from(alpha);
        Luma([((u16::from(luma) * alpha + 255 * (255 - alpha)) / 255) as u8])
    })
}

/// The text tesseract reads in `image`; `Err(None)` when it took longer than `time`.
fn recognise(image: &Path, time: Duration) -> Result<String, Option<String>> {
    let output = tool::output_within(
        Command::new("tesseract")
            .arg(image)
            .args(["stdout", "-l", LANGUAGES, "--psm", "3"])
            // One core per page: the workers' concurrency is the parallelism.
            .env("OMP_THREAD_LIMIT", "1"),
        time,
    )
    .map_err(|e| Some(format!("OCR is not available here (tesseract: {e})")))?
    .ok_or(None)?;
    if !output.status.success() {
        return Err(Some(format!(
            "OCR failed: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )));
    }
    let text = join_cjk(&super::pdf::tidy(&String::from_utf8_lossy(&output.stdout)));
    Ok(crate::engines::parse::columns::in_reading_order(&text).unwrap_or(text))
}

/// tesseract puts a space between Chinese characters; Chinese has none.
fn join_cjk(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_cjk = c == ' '
            && i > 0
            && chars.get(i + 1).is_some_and(|&next| is_cjk(next))
            && is_cjk(chars[i - 1]);
        if !between_cjk {
            out.push(c);
        }
    }
    out
}

fn is_cjk(c: char) -> bool {
    prepq_text::is_han(c)
        || matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// A path of its own in the temporary directory.
fn scratch(extension: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "prepq-ocr-{}-{}.{extension}",
        std::process::id(),
        uuid::Uuid::now_v7().simple()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_between_chinese_characters_go_and_others_stay() {
        assert_eq!(
            join_cjk("软 件 工 程 师 Rust 工 程"),
            "软件工程师 Rust 工程"
        );
        assert_eq!(join_cjk("John Doe"), "John Doe");
    }

    #[test]
    fn huge_images_are_refused_before_decoding() {
        // 20,000 × 20,000 grey pixels: a small file that would need 400 MB decoded.
        let path = scratch("png");
        let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut encoder = png::Encoder::new(file, 20_000, 20_000);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_compression(png::Compression::Fastest);
        let mut rows = encoder
            .write_header()
            .unwrap()
            .into_stream_writer()
            .unwrap();
        let row = vec![255u8; 20_000];
        for _ in 0..20_000 {
            std::io::Write::write_all(&mut rows, &row).unwrap();
        }
        rows.finish().unwrap();
        let refused = prepare(&path, 40_000_000).unwrap_err();
        let _ = std::fs::remove_file(&path);
        assert_eq!(
            refused,
            "the image is 20000 × 20000 pixels; the limit is 40 megapixels"
        );
    }
}
