//! How good the product's reading and diagnosis are, measured against hand labels
//! (`corpus/labels`, see its README): each labelled resume is uploaded and read by the
//! platform, each labelled pair diagnosed, and the answers compared with the labels.
//! Figures are printed; nothing is asserted (quality goals live in benchmarks).

use std::{collections::BTreeSet, path::Path};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::{TestApp, User, analysed};

#[derive(Debug, Deserialize)]
struct ResumeLabel {
    sections: Vec<String>,
    #[serde(default)]
    education: Vec<Value>,
    #[serde(default)]
    experience: Vec<Value>,
    #[serde(default)]
    skills: Vec<String>,
    /// `None` where the labeller could not tell.
    years_experience: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct PairLabel {
    resume: String,
    jd: String,
    missing_must_have: Vec<String>,
    matched_must_have: Vec<String>,
}

/// Counts of one set-valued figure, summed over files.
#[derive(Default)]
struct Tally {
    found: usize,
    labelled: usize,
    right: usize,
}

impl Tally {
    fn add<T: Ord>(&mut self, found: &BTreeSet<T>, labelled: &BTreeSet<T>) {
        self.found += found.len();
        self.labelled += labelled.len();
        self.right += found.intersection(labelled).count();
    }

    fn line(&self, name: &str) -> String {
        let precision = ratio(self.right, self.found);
        let recall = ratio(self.right, self.labelled);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        format!("{name}: F1 {f1:.2} (precision {precision:.2}, recall {recall:.2})")
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// A folder of labelled files: `labels/` beside `resumes/` and `jd/`.
struct Corpus<'a> {
    dir: &'a Path,
    resumes: std::collections::BTreeMap<String, ResumeLabel>,
    pairs: Vec<PairLabel>,
}

impl<'a> Corpus<'a> {
    fn load(dir: &'a Path) -> Self {
        let labels = |name: &str| {
            std::fs::read(dir.join("labels").join(name))
                .unwrap_or_else(|e| panic!("{}: {name}: {e}", dir.display()))
        };
        Corpus {
            dir,
            resumes: serde_json::from_slice(&labels("resumes.json")).expect("resume labels parse"),
            pairs: serde_json::from_slice(&labels("pairs.json")).expect("pair labels parse"),
        }
    }
}

/// Reads every labelled file of the corpora through a fresh platform and prints the figures.
pub async fn measure(dirs: &[std::path::PathBuf]) {
    let corpora: Vec<Corpus> = dirs.iter().map(|dir| Corpus::load(dir)).collect();
    let mut app = TestApp::builder()
        .api_env("PREPQ_POINTS_SIGNUP_GRANT", "1000000")
        .start()
        .await;
    app.start_workers(1, &[]).await;
    let user = app.verified_user().await;

    let (mut sections, mut skills) = (Tally::default(), Tally::default());
    let (mut entries_right, mut schools_right) = (0, 0);
    let (mut names_right, mut names_labelled) = (0, 0);
    let mut years_errors = Vec::new();
    let mut resume_ids = std::collections::BTreeMap::new();
    let resumes = corpora.iter().flat_map(|c| {
        c.resumes
            .iter()
            .map(move |(file, label)| (c.dir, file, label))
    });
    for (dir, file, label) in resumes {
        let bytes = std::fs::read(dir.join("resumes").join(file)).expect("a corpus resume");
        let (id, parse) = read(&user, bytes, file).await;
        resume_ids.insert((dir, file.clone()), id);
        let kinds = |list: Vec<&str>| list.into_iter().map(str::to_owned).collect();
        let found_sections: BTreeSet<String> = kinds(
            parse["sections"]
                .as_array()
                .map(|s| s.iter().filter_map(|s| s["kind"].as_str()).collect())
                .unwrap_or_default(),
        );
        let labelled_sections: BTreeSet<String> = label.sections.iter().cloned().collect();
        sections.add(&found_sections, &labelled_sections);
        let found_skills: BTreeSet<String> = parse["skills"]
            .as_array()
            .map(|s| {
                s.iter()
                    .filter_map(|s| s["skill"].as_str())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let labelled_skills: BTreeSet<String> = label.skills.iter().map(|s| canonical(s)).collect();
        skills.add(&found_skills, &labelled_skills);
        let entries = parse["experience"].as_array().map_or(0, Vec::len);
        entries_right += usize::from(entries == label.experience.len());
        let schools = parse["education"].as_array().map_or(0, Vec::len);
        schools_right += usize::from(schools == label.education.len());
        let read: Vec<String> = parse["education"]
            .as_array()
            .map(|e| {
                e.iter()
                    .filter_map(|e| e["institution"].as_str())
                    .map(str::to_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        for school in label.education.iter().filter_map(|e| e["school"].as_str()) {
            names_labelled += 1;
            let school = school.to_lowercase();
            // "University of California, Berkeley" is read as its first part.
            names_right += usize::from(read.iter().any(|r| {
                *r == school
                    || school
                        .strip_prefix(r.as_str())
                        .is_some_and(|rest| rest.starts_with(','))
            }));
        }
        let years = parse["years_of_experience"].as_f64().unwrap_or(0.0);
        if let Some(labelled) = label.years_experience {
            years_errors.push((years - labelled).abs());
        }
        println!(
            "  {file}: sections {found_sections:?}, {entries}/{} work entries, {schools}/{} schools, {years}/{:?} years",
            label.experience.len(),
            label.education.len(),
            label.years_experience
        );
        println!(
            "    skills not labelled {:?}; labelled, not found {:?}",
            found_skills
                .difference(&labelled_skills)
                .collect::<Vec<_>>(),
            labelled_skills
                .difference(&found_skills)
                .collect::<Vec<_>>()
        );
    }
    let n = resume_ids.len();
    println!("quality over {n} labelled resumes:");
    println!("  {}", sections.line("sections"));
    println!(
        "  {}",
        skills.line("skills (labels through the vocabulary's aliases)")
    );
    println!(
        "  work entries right in {entries_right} of {n}; education entries in {schools_right} of {n}; schools named right {names_right} of {names_labelled}"
    );
    println!(
        "  years of experience: mean error {:.1} over {} resumes labelled with years",
        years_errors.iter().sum::<f64>() / years_errors.len().max(1) as f64,
        years_errors.len()
    );

    let (mut gaps_asked, mut gaps_known) = (0, 0);
    let (mut missing_found, mut missing_labelled, mut false_missing, mut said_missing) =
        (0, 0, 0, 0);
    let pairs = corpora
        .iter()
        .flat_map(|c| c.pairs.iter().map(move |pair| (c.dir, pair)));
    for (dir, pair) in pairs {
        let Some(resume) = resume_ids.get(&(dir, pair.resume.clone())) else {
            continue;
        };
        let description = job_text(&dir.join("jd").join(&pair.jd));
        let view = analysed(
            &user,
            "/api/v1/diagnoses",
            json!({ "resume_id": resume, "target": { "description": description } }),
        )
        .await;
        let checks = view["diagnosis"]["requirements"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let short: Vec<&Value> = checks
            .iter()
            .filter(|c| c["must_have"] == true && c["status"] != "met")
            .collect();
        missing_labelled += pair.missing_must_have.len();
        missing_found += pair
            .missing_must_have
            .iter()
            .filter(|label| short.iter().any(|c| same_concept(label, c)))
            .count();
        said_missing += short.len();
        false_missing += short
            .iter()
            .filter(|c| {
                pair.matched_must_have
                    .iter()
                    .any(|label| same_concept(label, c))
            })
            .count();
        let set = analysed(
            &user,
            "/api/v1/question-sets",
            json!({ "resume_id": resume, "target": { "description": description }, "count": 10 }),
        )
        .await;
        let whys: Vec<&str> = set["question_set"]["questions"]
            .as_array()
            .map(|q| q.iter().filter_map(|q| q["why"].as_str()).collect())
            .unwrap_or_default();
        for label in &pair.missing_must_have {
            if let Some(check) = short.iter().find(|c| same_concept(label, c)) {
                gaps_known += 1;
                let asked = check["label"].as_str().unwrap_or_default();
                gaps_asked += usize::from(whys.iter().any(|why| why.contains(asked)));
            }
        }
        let said: Vec<String> = checks
            .iter()
            .filter(|c| c["must_have"] == true)
            .map(|c| {
                format!(
                    "{} {}",
                    c["label"].as_str().unwrap_or(""),
                    c["status"].as_str().unwrap_or("")
                )
            })
            .collect();
        println!("  {} × {}: {said:?}", pair.resume, pair.jd);
    }
    println!(
        "  pairs: missing-must-have recall {:.2} ({missing_found} of {missing_labelled}), false-missing rate {:.2} ({false_missing} of {said_missing})",
        ratio(missing_found, missing_labelled),
        if said_missing == 0 {
            0.0
        } else {
            false_missing as f64 / said_missing as f64
        },
    );
    println!(
        "  questions: {gaps_asked} of the {gaps_known} labelled gaps found get a question in a set of 10"
    );
}

/// A labelled skill in the vocabulary's spelling, when the vocabulary knows it.
fn canonical(skill: &str) -> String {
    prepq_text::skills::find(skill)
        .first()
        .map_or_else(|| skill.to_owned(), |m| m.skill.to_owned())
}

/// A labelled requirement and a product's check name the same concept: the same number of
/// years, or a skill of the label among the check's alternatives.
fn same_concept(label: &str, check: &Value) -> bool {
    let alternatives: Vec<&str> = check["alternatives"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let years = |text: &str| -> Option<f64> {
        let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    match check["kind"].as_str() {
        Some("years") => {
            label.to_lowercase().contains("year") && years(label) == check["years"].as_f64()
        }
        Some("degree") => label.to_lowercase().contains("degree"),
        _ => prepq_text::skills::find(label)
            .iter()
            .any(|m| alternatives.contains(&m.skill)),
    }
}

/// Uploads a resume and waits for its reading; its id and parse.
async fn read(user: &User, bytes: Vec<u8>, name: &str) -> (String, Value) {
    let id = crate::read_resume(user, bytes, name).await;
    let view: Value = user
        .get(&format!("/api/v1/resumes/{id}"))
        .await
        .json()
        .await
        .expect("the resume view");
    (id, view["parse"].clone())
}

/// A job description's text: as it is, or read with poppler from a PDF.
fn job_text(path: &Path) -> String {
    if path.extension().is_some_and(|e| e == "pdf") {
        let out = std::process::Command::new("pdftotext")
            .arg("-layout")
            .arg(path)
            .arg("-")
            .output()
            .expect("pdftotext");
        String::from_utf8_lossy(&out.stdout).into_owned()
    } else {
        std::fs::read_to_string(path).expect("a job description")
    }
}
