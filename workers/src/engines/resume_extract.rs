use prepq_jobs::kinds::{ResumeExtract, ResumeText};
use prepq_schema::BlobStore;

use chrono::Datelike;

use super::{
    dates::Point,
    docx,
    pdf::tidy,
    resume_parse,
    sandbox::{self, ExtractedText},
};
use crate::{
    context::{JobContext, JobError},
    kinds::Run,
};

impl Run for ResumeExtract {
    async fn run(self, ctx: &JobContext) -> Result<ResumeText, JobError> {
        let path = BlobStore::new(&ctx.blob_dir)
            .path(&self.sha256)
            .ok_or_else(|| JobError::Permanent("the file reference is not valid".into()))?;
        if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Err(JobError::Permanent(
                "the uploaded file is no longer stored".into(),
            ));
        }
        ctx.progress(10);
        let extracted = match self.media_type.as_str() {
            "application/pdf" | docx::MEDIA_TYPE | "image/png" | "image/jpeg" => {
                sandbox::extract_isolated(&path, &self.media_type, &ctx.limits).await?
            }
            "text/plain" => plain_text(&path).await?,
            other => {
                return Err(JobError::Permanent(format!(
                    "text extraction from {other} is not supported yet"
                )));
            }
        };
        ctx.progress(90);
        let today = chrono::Utc::now().date_naive();
        let now = Point {
            year: u16::try_from(today.year()).unwrap_or(u16::MAX),
            month: Some(today.month() as u8),
        };
        Ok(ResumeText {
            chars: extracted.text.chars().count() as u64,
            pages: extracted.pages,
            parse: Some(resume_parse::parse(&extracted.text, now)),
            text: extracted.text,
        })
    }
}

/// The API only accepts UTF-8 (a BOM allowed) as text, so decoding is a check, not a guess.
async fn plain_text(path: &std::path::Path) -> Result<ExtractedText, JobError> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| JobError::Transient(format!("reading the stored file: {e}")))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| JobError::Permanent("the text file is not valid UTF-8".into()))?;
    let text = tidy(&text.replace("\r\n", "\n"));
    if text.is_empty() {
        return Err(JobError::Permanent("the text file is empty".into()));
    }
    Ok(ExtractedText { text, pages: 1 })
}
