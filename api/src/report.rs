//! A diagnosis as a Markdown document to download and keep.

use std::fmt::Write;

use prepq_jobs::kinds::ResumeDiagnosis;

pub fn markdown(diagnosis: &ResumeDiagnosis, target_title: Option<&str>) -> String {
    let zh = diagnosis.language == "zh-CN";
    let label = |en: &'static str, zh_text: &'static str| if zh { zh_text } else { en };
    let mut out = String::new();
    let title = target_title.unwrap_or(label("the target job", "目标职位"));
    let _ = writeln!(
        out,
        "# {} — {title}\n",
        label("Resume diagnosis", "简历诊断")
    );
    let _ = writeln!(
        out,
        "**{}: {}/100**\n",
        label("Overall", "总分"),
        diagnosis.overall_score
    );
    let d = &diagnosis.dimensions;
    for (name, score) in [
        (
            label("Requirements match", "岗位要求匹配"),
            d.requirements_match,
        ),
        (label("Skills coverage", "技能覆盖"), d.skills_coverage),
        (label("Quantified impact", "量化成果"), d.quantified_impact),
        (label("Structure", "结构"), d.structure),
        (label("Clarity", "清晰度"), d.clarity),
        (label("ATS readability", "ATS 可读性"), d.ats_readability),
    ] {
        let _ = writeln!(out, "- {name}: {score}");
    }
    let k = &diagnosis.keywords;
    let _ = writeln!(out, "\n## {}\n", label("Keywords", "关键词"));
    let _ = writeln!(
        out,
        "- {}: {}",
        label("Matched", "已具备"),
        k.matched_must_have.join(", ")
    );
    let _ = writeln!(
        out,
        "- {}: {}",
        label("Missing", "缺少"),
        k.missing_must_have.join(", ")
    );
    for (heading, lines) in [
        (label("Strengths", "优势"), &diagnosis.strengths),
        (label("Weaknesses", "不足"), &diagnosis.weaknesses),
    ] {
        let _ = writeln!(out, "\n## {heading}\n");
        for line in lines {
            let _ = writeln!(out, "- {line}");
        }
    }
    let _ = writeln!(out, "\n## {}\n", label("Suggestions", "修改建议"));
    for s in &diagnosis.suggestions {
        if !s.passage.is_empty() {
            let _ = writeln!(out, "> {}\n", s.passage);
        }
        let _ = writeln!(out, "- {}", s.advice);
        if !s.example_rewrite.is_empty() {
            let _ = writeln!(
                out,
                "  - {}: {}",
                label("For example", "例如"),
                s.example_rewrite
            );
        }
    }
    out
}
