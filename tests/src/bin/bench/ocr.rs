//! OCR speed against accuracy: corpus pages with a text layer are printed to 300-dpi
//! scans, then read back by `workers ocr` with the PDF rendered at each resolution asked
//! for, and as the photo itself. The character error rate is the edit distance between
//! what OCR read and the page's own text layer (poppler's `pdftotext`), whitespace aside,
//! over the length of that text.

use std::{path::Path, process::Command, time::Instant};

/// Corpus files with a text layer, and the pages of each that are read.
const PAGES: [(&str, &[u32]); 5] = [
    ("billryan_resume-en.pdf", &[1]),
    ("billryan_resume-zh_CN.pdf", &[1]),
    ("rm_john_doe.pdf", &[1, 2]),
    ("scorelia_sample_resume.pdf", &[1]),
    ("rm_barry_allen_fe.pdf", &[1]),
];

/// `workers ocr` for a one-page file, as a worker starts it.
pub const ONE_PAGE: [&str; 7] = [
    "ocr",
    "--pages",
    "1",
    "--max-pixels",
    "40000000",
    "--page-timeout-ms",
    "60000",
];

struct Page {
    name: String,
    truth: Vec<char>,
    photo: Vec<u8>,
    scan: Vec<u8>,
}

pub fn accuracy(resolutions: &[u32], corpus: &[std::path::PathBuf]) {
    let pages = pages(corpus);
    let dir = std::env::temp_dir().join(format!("prepq-bench-ocr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let input = dir.join("input");
    let mut runs: Vec<(String, Vec<u8>, &str, Option<u32>)> = Vec::new();
    for page in &pages {
        runs.push((page.name.clone(), page.photo.clone(), "image/png", None));
    }
    for &dpi in resolutions {
        for page in &pages {
            runs.push((
                page.name.clone(),
                page.scan.clone(),
                "application/pdf",
                Some(dpi),
            ));
        }
    }
    let mut rows: Vec<(String, f64, usize, usize)> = Vec::new();
    for (name, bytes, media_type, dpi) in runs {
        std::fs::write(&input, bytes).expect("writing the input");
        let started = Instant::now();
        let text = read(&input, media_type, dpi);
        let took = started.elapsed().as_secs_f64();
        let page = pages.iter().find(|p| p.name == name).expect("a page");
        let read: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        let errors = edit_distance(&read, &page.truth);
        let how = dpi.map_or("photo 300 dpi".to_owned(), |d| format!("scan at {d} dpi"));
        println!(
            "ocr {how}, {name}: {took:.2} s, CER {:.3} ({errors} of {})",
            errors as f64 / page.truth.len() as f64,
            page.truth.len()
        );
        rows.push((how, took, errors, page.truth.len()));
    }
    let mut kinds: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    kinds.dedup();
    for how in kinds {
        let of: Vec<_> = rows.iter().filter(|r| r.0 == how).collect();
        let mut took: Vec<f64> = of.iter().map(|r| r.1).collect();
        took.sort_by(f64::total_cmp);
        let errors: usize = of.iter().map(|r| r.2).sum();
        let chars: usize = of.iter().map(|r| r.3).sum();
        println!(
            "ocr {how}: p50 {:.2} s a page, max {:.2} s, CER {:.3} over {} pages ({errors} of {chars} characters)",
            took[took.len() / 2],
            took[took.len() - 1],
            errors as f64 / chars as f64,
            of.len()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn pages(corpus: &[std::path::PathBuf]) -> Vec<Page> {
    let mut pages = Vec::new();
    for (file, numbers) in PAGES {
        let path = corpus
            .iter()
            .map(|dir| dir.join("resumes").join(file))
            .find(|path| path.exists())
            .unwrap_or_else(|| panic!("{file} is in neither corpus"));
        let pdf = std::fs::read(&path).expect("reading the corpus file");
        for &number in numbers {
            let photo = prepq_tests::files::render_page(&pdf, number, 300);
            pages.push(Page {
                name: format!("{file} p{number}"),
                truth: text_layer(&path, number)
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect(),
                scan: prepq_tests::files::scanned_pdf(std::slice::from_ref(&photo)),
                photo,
            });
        }
    }
    pages
}

fn text_layer(pdf: &Path, page: u32) -> String {
    let output = Command::new("pdftotext")
        .args([
            "-enc",
            "UTF-8",
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
        ])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/lib/services.sh");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text `workers ocr` read in the file.
fn read(input: &Path, media_type: &str, dpi: Option<u32>) -> String {
    let mut command = Command::new(prepq_tests::bin_dir().join("workers"));
    // As the sandbox starts it: one core for tesseract.
    command
        .env("OMP_THREAD_LIMIT", "1")
        .args(ONE_PAGE)
        .args(["--media-type", media_type]);
    if let Some(dpi) = dpi {
        command.args(["--dpi", &dpi.to_string()]);
    }
    let output = command.arg(input).output().expect("running workers ocr");
    let report = String::from_utf8_lossy(&output.stdout);
    let last: serde_json::Value = report
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("workers ocr gave no report: {report}"));
    last["text"]
        .as_str()
        .unwrap_or_else(|| panic!("workers ocr read nothing: {last}"))
        .to_owned()
}

/// Levenshtein distance, two rows at a time.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}
