use prepq_tests::{JobView, TestApp, User, fixture};
use serde_json::Value;

use crate::JOB_DEADLINE;

/// The extracted text and its parse.
async fn parsed(user: &User, bytes: Vec<u8>, name: &str) -> (String, Value) {
    let response = user.upload(bytes, name).await;
    assert_eq!(response.status(), 202, "{name}");
    let job: JobView = response.json().await.unwrap();
    let job = user.finished(job.id, JOB_DEADLINE).await;
    assert_eq!(job.status, "succeeded", "{name}: {:?}", job.error);
    let result = job.result.unwrap();
    (
        result["text"].as_str().unwrap().to_owned(),
        result["parse"].clone(),
    )
}

fn strings<'a>(parse: &'a Value, list: &str, field: &str) -> Vec<&'a str> {
    parse[list]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|item| item[field].as_str())
        .collect()
}

fn section<'t>(text: &'t str, parse: &Value, kind: &str) -> &'t str {
    let found = parse["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} section in {parse}"));
    let start = found["start"].as_u64().unwrap() as usize;
    let end = found["end"].as_u64().unwrap() as usize;
    &text[start..end]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pdf_and_the_docx_of_one_resume_parse_the_same() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let (pdf_text, pdf) = parsed(&user, fixture("scorelia_sample_resume.pdf"), "cv.pdf").await;
    let (docx_text, docx) = parsed(&user, fixture("scorelia_sample_resume.docx"), "cv.docx").await;
    for field in [
        "contact",
        "education",
        "experience",
        "skills",
        "language",
        "confidence",
    ] {
        assert_eq!(pdf[field], docx[field], "{field}");
    }
    assert_eq!(
        strings(&pdf, "sections", "kind"),
        strings(&docx, "sections", "kind")
    );
    assert_eq!(
        strings(&pdf, "education", "institution"),
        ["Stanford University", "MIT"]
    );
    assert_eq!(
        strings(&pdf, "education", "degree"),
        [
            "B.Tech in Computer Science",
            "Master of Science in Artificial Intelligence"
        ]
    );
    assert_eq!(
        strings(&pdf, "experience", "heading"),
        ["Software Engineer at Google", "ML Engineer at Meta"]
    );
    assert_eq!(strings(&pdf, "experience", "start"), ["2020-01", "2019-06"]);
    for (text, parse) in [(&pdf_text, &pdf), (&docx_text, &docx)] {
        let skills = section(text, parse, "skills");
        assert!(
            skills.contains("FastAPI") && !skills.contains("Stanford"),
            "{skills}"
        );
    }
    let found = strings(&pdf, "skills", "skill");
    for skill in [
        "Python",
        "FastAPI",
        "SQL",
        "Docker",
        "PyTorch",
        "Git",
        "Machine Learning",
    ] {
        assert!(found.contains(&skill), "{skill} in {found:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn english_and_chinese_resumes_yield_sections_dates_and_skills() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;

    let (text, john) = parsed(&user, fixture("rm_john_doe.pdf"), "john.pdf").await;
    assert_eq!(john["language"], "en");
    assert_eq!(john["contact"]["name"], "JOHN DOE");
    assert_eq!(john["contact"]["emails"][0], "john.doe@email.com");
    assert_eq!(john["contact"]["phones"][0], "(123) 456-7890");
    assert_eq!(
        strings(&john, "sections", "kind"),
        [
            "summary",
            "skills",
            "experience",
            "education",
            "certifications"
        ]
    );
    assert!(section(&text, &john, "summary").contains("Full Stack Developer"));
    assert_eq!(
        strings(&john, "experience", "start"),
        ["2018-06", "2016-07"]
    );
    assert_eq!(john["experience"][0]["current"], true);
    assert_eq!(john["experience"][1]["end"], "2018-06");
    assert_eq!(
        strings(&john, "education", "institution"),
        ["State University"]
    );
    let skills = strings(&john, "skills", "skill");
    for skill in [
        "Java",
        "Spring Boot",
        "Angular",
        "JavaScript",
        "MongoDB",
        "Docker",
        "JUnit",
    ] {
        assert!(skills.contains(&skill), "{skill} in {skills:?}");
    }
    // "Present" is when the PDF was written (its ModDate, July 2023), not today:
    // July 2016 to July 2023.
    assert_eq!(john["years_of_experience"].as_f64(), Some(7.1));

    let (_, zh) = parsed(&user, fixture("billryan_resume-zh_CN.pdf"), "zh.pdf").await;
    assert_eq!(zh["language"], "zh-CN");
    assert_eq!(zh["contact"]["name"], "你的大名");
    // As labelled: 获奖情况 and 其他 are sections of their own, not more skills.
    assert_eq!(
        strings(&zh, "sections", "kind"),
        ["education", "experience", "skills", "awards", "other"]
    );
    assert_eq!(
        strings(&zh, "education", "institution"),
        ["上海交通大学", "西安电子科技大学"]
    );
    assert!(
        zh["education"][0]["degree"]
            .as_str()
            .unwrap()
            .contains("硕士")
    );
    assert_eq!(zh["education"][1]["degree"], "学士 通信工程");
    assert_eq!(strings(&zh, "education", "start"), ["2013", "2009"]);
    assert_eq!(zh["experience"][0]["heading"], "黑科技公司上海");
    assert_eq!(zh["experience"][0]["start"], "2015-03");
    assert_eq!(zh["experience"][0]["end"], "2015-05");
    // The two 个人项目 among the jobs are projects; the internship is no professional year.
    assert_eq!(zh["experience"].as_array().unwrap().len(), 1, "{zh}");
    assert_eq!(zh["years_of_experience"].as_f64(), Some(0.0));
    let skills = strings(&zh, "skills", "skill");
    for skill in ["Go", "Linux", "Python", "LaTeX"] {
        assert!(skills.contains(&skill), "{skill} in {skills:?}");
    }
}

/// A PDF cut short (its cross-reference table gone) is read by poppler instead of being
/// called unreadable; one past repair fails with what to do, not the parser's words.
#[tokio::test(flavor = "multi_thread")]
async fn a_pdf_cut_short_is_still_read_and_a_damaged_one_says_what_to_do() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let whole = fixture("rm_john_doe.pdf");
    let cut = whole[..whole.len() * 8 / 10].to_vec();
    let (text, parse) = parsed(&user, cut, "john-cut.pdf").await;
    assert!(text.contains("JOHN DOE"), "{text}");
    assert!(!parse["sections"].as_array().unwrap().is_empty());

    let response = user
        .upload(b"%PDF-1.4\n1 0 obj garbage\n".to_vec(), "broken.pdf")
        .await;
    assert_eq!(response.status(), 202);
    let job: JobView = response.json().await.unwrap();
    let job = user.finished(job.id, JOB_DEADLINE).await;
    assert_eq!(job.status, "failed");
    let reason = job.error.unwrap_or_default();
    assert!(
        reason.contains("export it again as PDF") && !reason.contains("cross reference"),
        "{reason}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_resume_with_dates_in_a_column_keeps_every_job_and_names_schools_without_university()
{
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let (_, parse) = parsed(
        &user,
        fixture("corpus/resumes/rm_bruce_wayne_fullstack.pdf"),
        "cv.pdf",
    )
    .await;
    // `June 2020 –` / `Present` sit on two lines of the left column.
    let starts = strings(&parse, "experience", "start");
    assert_eq!(starts, ["2020-06", "2015-07", "2012-06"], "{parse}");
    assert_eq!(
        strings(&parse, "education", "institution"),
        ["CalTech", "MIT", "UC San Diego"]
    );
    assert_eq!(
        strings(&parse, "education", "degree")[0],
        "PhD in Computer Science"
    );
    // June 2012 to the month the PDF was written (July 2023), overlaps once.
    let years = parse["years_of_experience"].as_f64().unwrap();
    assert!((11.0..=11.3).contains(&years), "{years}");
}

#[tokio::test(flavor = "multi_thread")]
async fn real_templates_keep_their_schools_jobs_and_contact_and_count_no_unpaid_years() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.user().await;
    let corpus = |name: &str| fixture(&format!("corpus/resumes/{name}"));

    // Deedy's two columns: each school above its degree and a `Dec 2014 | Ithaca, NY` line.
    let (_, deedy) = parsed(&user, corpus("deedy_resume-openfont.pdf"), "deedy.pdf").await;
    assert_eq!(
        strings(&deedy, "education", "institution"),
        [
            "CORNELL UNIVERSITY",
            "CORNELL UNIVERSITY",
            "LA MARTINIERE FOR BOYS"
        ]
    );
    assert_eq!(
        strings(&deedy, "education", "end"),
        ["2014-12", "2014-05", "2011-05"]
    );
    assert_eq!(deedy["experience"].as_array().unwrap().len(), 6, "{deedy}");

    // open-resume's export: tabs and runs of spaces between words, a soft hyphen drawn as a
    // dash; entries under "On Campus Involvement" and "Volunteer Experience" are unpaid.
    let (text, laverne) = parsed(&user, corpus("open-resume_laverne-resume.pdf"), "lv.pdf").await;
    assert!(!text.contains(['\t', '\r', '\u{ad}']), "{text:?}");
    assert_eq!(laverne["contact"]["name"], "Leo Leopard");
    assert_eq!(
        strings(&laverne, "experience", "start"),
        ["2013-08", "2012-06", "2013-06"]
    );
    assert_eq!(laverne["years_of_experience"].as_f64(), Some(0.0));

    // sb2nov: `Data Scientist Summer 2012 and 2013` is an entry, a student's, no professional year.
    let (_, sb2nov) = parsed(&user, corpus("sb2nov_sourabh_bajaj_resume.pdf"), "sb.pdf").await;
    assert_eq!(
        strings(&sb2nov, "experience", "start"),
        ["2016-10", "2014-01", "2012-06", "2012-01"]
    );
}
