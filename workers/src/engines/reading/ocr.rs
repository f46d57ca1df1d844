//! OCR with libtesseract (English and Simplified Chinese models), for images and for PDF
//! pages without a text layer. Runs inside the sandbox child, under its memory and CPU
//! limits; the models load once per document, and pages are handed over as decoded grey
//! pixels. Images are checked for their pixel count before anything is decoded (a 20,000 ×
//! 20,000 PNG is a few kilobytes and 400 million pixels), turned upright by their EXIF
//! orientation, laid on white where transparent, made grey, and scaled up when small:
//! tesseract reads capital letters around 30 px tall best.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use image::{DynamicImage, GrayImage, ImageDecoder, ImageReader, Luma, imageops::FilterType};
use tesseract::{PageSegMode, Tesseract};

use super::{ExtractedText, OcrPage, tool, watchdog::Watchdog};

/// Images narrower than this are scaled up before OCR.
const MIN_WIDTH: u32 = 1600;

/// Text of one image file (PNG or JPEG).
pub fn image_text(path: &Path, read: OcrPage) -> Result<ExtractedText, String> {
    let time = read.time;
    let watchdog = Watchdog::start();
    watchdog.arm(
        time,
        format!(
            "OCR of the image took longer than the {} limit",
            seconds(time)
        ),
    );
    let text =
        prepare(path, read.max_pixels).and_then(|page| Reader::new(read.first).read(&page, None));
    watchdog.disarm();
    let text = text?;
    if text.is_empty() {
        return Err("no text was found in the image".into());
    }
    Ok(ExtractedText { text, pages: 1 })
}

/// Text of a PDF's first `pages` pages by OCR, one page at a time: rendered in grey by
/// poppler (raw PGM) at the resolution `read` says, then read, each page within its time.
/// `progress` hears of each page.
pub fn pdf_text(
    path: &Path,
    pages: u32,
    read: OcrPage,
    mut progress: impl FnMut(u32, u32),
) -> Result<ExtractedText, String> {
    let OcrPage {
        dpi,
        time: page_time,
        ..
    } = read;
    let dir = scratch("pages");
    std::fs::create_dir_all(&dir).map_err(|e| format!("preparing OCR: {e}"))?;
    let watchdog = Watchdog::start();
    let mut reader = Reader::new(read.first);
    let mut text = String::new();
    let mut outcome = Ok(());
    progress(0, pages);
    for page in 1..=pages {
        let late = format!(
            "OCR of page {page} took longer than the {} limit per page",
            seconds(page_time)
        );
        watchdog.arm(page_time, late.clone());
        let read_page = render(path, page, dpi, page_time, &dir)
            .map_err(|e| e.unwrap_or(late))
            .and_then(|image| reader.read(&image, Some(dpi)));
        watchdog.disarm();
        match read_page {
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

/// The models of a document's pages, each loaded once, when first needed. A page is read
/// with one model, not both: given `eng+chi_sim`, tesseract reads nearly every line twice,
/// once per language, for text no better than one model's on a page of one script (CER on
/// the corpus scans). A page is read first with the model the previous page was best read with (the first page with the
/// one its name or its owner's language suggests); when tesseract is not confident of that
/// reading, or the Chinese model found no Chinese, it is read with the other model too, and
/// the more confident reading is kept. `chi_sim` reads Latin letters as well, so Chinese
/// resumes keep their English terms.
struct Reader {
    english: Model,
    chinese: Model,
    /// The model that read the last page best.
    last: OcrModel,
}

/// One of the two models a page can be read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OcrModel {
    English,
    Chinese,
}

impl OcrModel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::English => "english",
            Self::Chinese => "chinese",
        }
    }

    fn other(self) -> Self {
        match self {
            Self::English => Self::Chinese,
            Self::Chinese => Self::English,
        }
    }
}

/// A model, loaded when a page first needs it: most files are read with one.
struct Model {
    language: &'static str,
    /// The crate's calls take the engine and give it back; `None` until loaded, within a
    /// reading, and after a reading that failed.
    engine: Option<Tesseract>,
}

/// Mean word confidence (0–100) from which a reading is taken without trying the other
/// model: English pages of the corpus read 87–95 in English, the Chinese one 69.
const CONFIDENT: i32 = 80;

/// Of the letters the Chinese model read, the share of Han characters below which the page
/// is not taken for Chinese (Chinese resumes carry Latin terms: Java, SQL, a school's name).
const CHINESE_SHARE: f64 = 0.2;

impl Reader {
    /// `first`: the model the first page is read with.
    fn new(first: OcrModel) -> Self {
        Self {
            english: Model::new("eng"),
            chinese: Model::new("chi_sim"),
            last: first,
        }
    }

    fn model(&mut self, which: OcrModel) -> &mut Model {
        match which {
            OcrModel::English => &mut self.english,
            OcrModel::Chinese => &mut self.chinese,
        }
    }

    /// The text of `page`; `dpi` when the page's resolution is known.
    fn read(&mut self, page: &GrayImage, dpi: Option<u32>) -> Result<String, String> {
        let first = self.last;
        let (mut text, confidence) = self.model(first).read(page, dpi)?;
        let chinese_found = first == OcrModel::English || han_share(&text) >= CHINESE_SHARE;
        if confidence < CONFIDENT || !chinese_found {
            let other = first.other();
            let (other_text, other_confidence) = self.model(other).read(page, dpi)?;
            if other_confidence > confidence {
                text = other_text;
                self.last = other;
            }
        }
        let text = join_cjk(&super::pdf::tidy(&text));
        Ok(crate::engines::parse::columns::in_reading_order(&text).unwrap_or(text))
    }
}

/// Han characters among the letters of `text`.
fn han_share(text: &str) -> f64 {
    let (han, letters) = text
        .chars()
        .filter(|c| c.is_alphabetic())
        .fold((0u32, 0u32), |(han, letters), c| {
            (han + u32::from(prepq_text::is_han(c)), letters + 1)
        });
    f64::from(han) / f64::from(letters.max(1))
}

impl Model {
    fn new(language: &'static str) -> Self {
        Self {
            language,
            engine: None,
        }
    }

    fn load(&self) -> Result<Tesseract, String> {
        let language = self.language;
        let mut engine = Tesseract::new(None, Some(language))
            .map_err(|e| format!("OCR is not available here (tesseract {language}: {e})"))?;
        engine.set_page_seg_mode(PageSegMode::PsmAuto);
        Ok(engine)
    }

    /// What the model reads in `page`, and its mean confidence.
    fn read(&mut self, page: &GrayImage, dpi: Option<u32>) -> Result<(String, i32), String> {
        let failed = |e: &dyn std::fmt::Display| format!("OCR failed: {e}");
        let engine = match self.engine.take() {
            Some(engine) => engine,
            None => self.load()?,
        };
        let (width, height) = (to_int(page.width())?, to_int(page.height())?);
        let mut engine = engine
            .set_frame(page.as_raw(), width, height, 1, width)
            .map_err(|e| failed(&e))?;
        if let Some(dpi) = dpi {
            engine = engine.set_source_resolution(to_int(dpi)?);
        }
        let mut engine = engine.recognize().map_err(|e| failed(&e))?;
        let text = engine.get_text().map_err(|e| failed(&e));
        let confidence = engine.mean_text_conf();
        self.engine = Some(engine);
        Ok((text?, confidence))
    }
}

fn to_int(n: u32) -> Result<i32, String> {
    i32::try_from(n).map_err(|_| format!("the page is too large for OCR ({n} pixels)"))
}

/// Page `page` of the PDF at `dpi`, in grey; `Err(None)` when poppler took longer than `time`.
fn render(
    path: &Path,
    page: u32,
    dpi: u32,
    time: Duration,
    dir: &Path,
) -> Result<GrayImage, Option<String>> {
    let image = dir.join(format!("page-{page}"));
    let number = page.to_string();
    let rendered = tool::output_within(
        Command::new("pdftoppm")
            .args(["-r", &dpi.to_string(), "-gray", "-singlefile"])
            .args(["-f", &number, "-l", &number])
            .arg(path)
            .arg(&image),
        time,
    )
    .map_err(|e| Some(format!("OCR is not available here (pdftoppm: {e})")))?
    .ok_or(None)?;
    let unreadable = || {
        Some(format!(
            "page {page} of the PDF could not be rendered for OCR"
        ))
    };
    if !rendered.status.success() {
        return Err(unreadable());
    }
    let image = image.with_extension("pgm");
    let grey = image::open(&image).map(DynamicImage::into_luma8);
    let _ = std::fs::remove_file(&image);
    grey.map_err(|_| unreadable())
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
    use crate::engines::reading::OCR_DPI;

    #[test]
    fn spaces_between_chinese_characters_go_and_others_stay() {
        assert_eq!(
            join_cjk("软 件 工 程 师 Rust 工 程"),
            "软件工程师 Rust 工程"
        );
        assert_eq!(join_cjk("John Doe"), "John Doe");
    }

    /// Page `page` of a fixture PDF rendered at `dpi`, in grey.
    fn rendered(fixture: &str, page: u32) -> GrayImage {
        let pdf = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(fixture);
        let dir = scratch("render");
        std::fs::create_dir_all(&dir).unwrap();
        let image = render(&pdf, page, OCR_DPI, Duration::from_secs(30), &dir).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        image
    }

    /// Reads `page` of `fixture` and checks it holds `expected`, read best by `model`.
    fn assert_read(
        reader: &mut Reader,
        (fixture, page): (&str, u32),
        expected: &str,
        model: OcrModel,
    ) {
        let text = reader
            .read(&rendered(fixture, page), Some(OCR_DPI))
            .unwrap();
        assert!(text.contains(expected), "{fixture} p{page}: {text}");
        assert_eq!(reader.last, model, "{fixture} p{page}");
    }

    #[test]
    fn each_page_is_read_with_the_model_of_its_script() {
        let mut reader = Reader::new(OcrModel::English);
        let chinese = ("billryan_resume-zh_CN.pdf", 1);
        assert_read(&mut reader, chinese, "西安电子科技大学", OcrModel::Chinese);
        // The next page starts with the Chinese model, which finds no Chinese in it.
        let english = ("rm_john_doe.pdf", 1);
        assert_read(
            &mut reader,
            english,
            "PROFESSIONAL SUMMARY",
            OcrModel::English,
        );
    }

    #[test]
    fn a_reader_told_to_start_in_chinese_keeps_to_the_script_of_each_page() {
        let mut reader = Reader::new(OcrModel::Chinese);
        let chinese = ("billryan_resume-zh_CN.pdf", 1);
        assert_read(&mut reader, chinese, "在读硕士研究生", OcrModel::Chinese);
        let english = ("rm_john_doe.pdf", 2);
        assert_read(
            &mut reader,
            english,
            "Oracle Certified Professional",
            OcrModel::English,
        );
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
