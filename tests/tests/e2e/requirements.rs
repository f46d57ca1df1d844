//! Requirements, not keywords: what a job asks for — a skill met by any of its
//! alternatives, years in a skill, a degree's level and field — checked against what the
//! resume shows, with the line or figures that meet it.

use prepq_tests::{TestApp, User, analysed, read_resume, strings};
use serde_json::{Value, json};

const PYTHON_DEVELOPER: &str = "Alex Lee\nalex.lee@example.com | (555) 010-2233\n\n\
Experience\nPython Developer, Acme Corp, 2019 - 2023\n\
- Built data services in Python and Django for 40 teams\n\n\
Education\nB.Sc. Computer Science, State University, 2015 - 2019\n\n\
Skills\nPython, Django, PostgreSQL\n";

const TWO_YEARS_OF_GO: &str = "Sam Park\nsam.park@example.com | (555) 010-4455\n\n\
Experience\nBackend Engineer, Beta Systems, Jan 2022 - Dec 2023\n\
- Wrote Go services that handle 2 million requests a day\n\
Support Engineer, Gamma Ltd, Jan 2016 - Dec 2021\n\
- Answered customer tickets and wrote runbooks for the team\n\n\
Education\nMaster of Science in Electrical Engineering, Tech University, 2014 - 2016\n\n\
Skills\nGo, Linux\n";

const CHINESE_BACKEND: &str = "张伟\nzhangwei@example.com | 138 0000 0000\n\n\
工作经历\n后端工程师，星辰科技有限公司，2019.07 - 2024.06\n\
- 使用 Go 和 Redis 开发订单服务，接口延迟降低 30%\n\
- 负责缓存架构设计，支撑日均 500 万次请求\n\n\
教育背景\n华东大学 计算机科学与技术 本科 2015.09 - 2019.06\n\n\
专业技能\nGo、Redis、MySQL、Linux\n";

/// The diagnosis of `resume` against a job described by `description`.
async fn diagnosis(user: &User, resume: &str, description: &str) -> Value {
    let resume = read_resume(user, resume.as_bytes().to_vec(), "resume.txt").await;
    let target = json!({ "title": "Engineer", "description": description });
    let view = analysed(
        user,
        "/api/v1/diagnoses",
        json!({ "resume_id": resume, "target": target }),
    )
    .await;
    assert_eq!(view["status"], "succeeded", "{view}");
    view["diagnosis"].clone()
}

/// The requirement checks whose kind is `kind`.
fn checks<'d>(diagnosis: &'d Value, kind: &str) -> Vec<&'d Value> {
    diagnosis["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .filter(|c| c["kind"] == kind)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn python_ruby_or_java_is_met_by_python_and_leaves_no_java_or_ruby_gap() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.verified_user().await;
    let diagnosis = diagnosis(
        &user,
        PYTHON_DEVELOPER,
        "Backend Developer\n\nRequirements:\n- Python, Ruby or Java\n- PostgreSQL",
    )
    .await;

    let skills = checks(&diagnosis, "skill");
    let languages = skills
        .iter()
        .find(|c| strings(&c["alternatives"]).contains(&"Ruby"))
        .expect("one requirement for the three languages");
    assert_eq!(
        strings(&languages["alternatives"]),
        ["Python", "Ruby", "Java"]
    );
    assert_eq!(languages["status"], "met");
    assert!(
        languages["evidence"].as_str().unwrap().contains("Python"),
        "{languages}"
    );
    assert_eq!(skills.len(), 2, "{skills:?}");
    let missing = strings(&diagnosis["keywords"]["missing_must_have"]);
    assert!(missing.is_empty(), "{missing:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn languages_such_as_a_list_are_one_requirement_and_years_in_a_field_count_the_entries_in_it()
{
    let app = TestApp::builder().workers(1).start().await;
    let user = app.verified_user().await;
    // Two lines of a real posting (tests/fixtures/corpus/jd/rm_job_desc_full_stack_engineer.pdf).
    let job = "Requirements\n\
               - 3+ years of experience in web development.\n\
               - Proficiency with server-side languages such as Python, Ruby, Java, PHP, and .Net.";
    let diagnosis = diagnosis(&user, PYTHON_DEVELOPER, job).await;

    let languages = checks(&diagnosis, "skill");
    assert_eq!(languages.len(), 1, "{languages:?}");
    assert_eq!(
        strings(&languages[0]["alternatives"]),
        ["Python", "Ruby", "Java", "PHP", ".NET"]
    );
    assert_eq!(languages[0]["status"], "met");
    // Four years of Python data services, none of them on the web.
    let years = checks(&diagnosis, "years");
    assert_eq!(years.len(), 1, "{years:?}");
    assert_eq!(years[0]["label"], "3+ years in web development");
    assert_eq!(years[0]["status"], "missing");

    let web = PYTHON_DEVELOPER.replace("Built data services", "Built web services");
    let diagnosis = self::diagnosis(&user, &web, job).await;
    let years = checks(&diagnosis, "years");
    assert_eq!(years[0]["status"], "met", "{years:?}");
    assert!(
        years[0]["evidence"].as_str().unwrap().contains("Acme Corp"),
        "{years:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn five_years_of_go_against_two_is_partly_met_with_the_figures() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.verified_user().await;
    let diagnosis = diagnosis(
        &user,
        TWO_YEARS_OF_GO,
        "Senior Go Engineer\n\nRequirements:\n- 5+ years of Go in production",
    )
    .await;

    let years = checks(&diagnosis, "years");
    assert_eq!(years.len(), 1, "{years:?}");
    let go = years[0];
    assert_eq!(go["years"], 5.0);
    assert_eq!(strings(&go["alternatives"]), ["Go"]);
    assert_eq!(go["status"], "partly_met");
    let shown = go["evidence"].as_str().unwrap();
    assert!(
        shown.starts_with("2 years") && shown.contains("Beta Systems"),
        "counts only the entry that uses Go: {shown}"
    );
    assert_eq!(go["label"], "5+ years of Go");
    assert!(strings(&diagnosis["keywords"]["missing_must_have"]).contains(&"5+ years of Go"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bachelors_in_cs_against_a_masters_in_ee_is_met_for_level_partly_for_field() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.verified_user().await;
    let diagnosis = diagnosis(
        &user,
        TWO_YEARS_OF_GO,
        "Engineer\n\nRequirements:\n- Bachelor's degree in CS\n- Go",
    )
    .await;

    let degrees = checks(&diagnosis, "degree");
    assert_eq!(degrees.len(), 1, "{degrees:?}");
    let degree = degrees[0];
    assert_eq!(degree["status"], "partly_met");
    let shown = degree["evidence"].as_str().unwrap();
    assert!(
        shown.contains("Electrical Engineering") && shown.contains("the level, in another field"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_url_ending_in_html_is_no_html_requirement() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.verified_user().await;
    let diagnosis = diagnosis(
        &user,
        PYTHON_DEVELOPER,
        "Backend Developer\nApply at https://jobs.example.com/careers/job.html\n\n\
         Requirements:\n- Python\n- Details: careers/backend.html",
    )
    .await;

    let asked: Vec<&str> = checks(&diagnosis, "skill")
        .iter()
        .flat_map(|c| strings(&c["alternatives"]))
        .collect();
    assert_eq!(asked, ["Python"]);
    let text = diagnosis.to_string();
    assert!(!text.contains("HTML"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chinese_job_asks_for_a_degree_years_and_a_skill_and_is_answered_in_chinese() {
    let app = TestApp::builder().workers(1).start().await;
    let user = app.verified_user().await;
    let diagnosis = diagnosis(
        &user,
        CHINESE_BACKEND,
        "后端开发工程师\n岗位要求：\n1. 本科及以上学历\n2. 3年以上后端开发经验\n3. 熟悉 Redis",
    )
    .await;
    assert_eq!(diagnosis["language"], "zh-CN");

    let degree = checks(&diagnosis, "degree");
    assert_eq!(
        (degree.len(), degree[0]["status"].as_str()),
        (1, Some("met"))
    );
    assert_eq!(degree[0]["label"], "本科及以上学历");
    let years = checks(&diagnosis, "years");
    assert_eq!(years.len(), 1);
    assert_eq!(
        (years[0]["years"].as_f64(), years[0]["status"].as_str()),
        (Some(3.0), Some("met"))
    );
    assert_eq!(years[0]["label"], "3年以上后端开发经验");
    let redis = checks(&diagnosis, "skill");
    assert_eq!(redis.len(), 1, "{redis:?}");
    assert_eq!(
        (
            strings(&redis[0]["alternatives"]),
            redis[0]["level"].as_str(),
            redis[0]["status"].as_str()
        ),
        (vec!["Redis"], Some("proficient"), Some("met"))
    );
}
