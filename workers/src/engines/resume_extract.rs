use std::{ffi::OsString, path::PathBuf, time::Duration};

use prepq_jobs::{
    NewJob,
    kinds::{ResumeExtract, ResumeText},
};
use prepq_schema::BlobStore;

use super::sandbox::{self, ChildLimits, ChildOutcome};
use crate::{
    context::{JobContext, JobError},
    kinds::{Record, Run},
};

impl Run for ResumeExtract {
    /// Reads the text a file carries; files without one go on to `resume.ocr`.
    async fn run(self, ctx: &JobContext) -> Result<ResumeText, JobError> {
        if matches!(self.media_type.as_str(), "image/png" | "image/jpeg") {
            return Err(JobError::HandOff(NewJob::of(&self.into_ocr(1))));
        }
        let path = stored_file(ctx, &self.sha256).await?;
        ctx.progress(10);
        let args: Vec<OsString> = vec![
            "extract".into(),
            "--media-type".into(),
            self.media_type.clone().into(),
            "--max-pages".into(),
            ctx.limits.pdf_max_pages.to_string().into(),
            path.into(),
        ];
        let limits = ChildLimits {
            memory_mb: ctx.limits.extract_memory_mb,
            time: Duration::from_secs(ctx.limits.extract_timeout_secs),
        };
        match sandbox::run_child(args, limits, |_, _| {}).await? {
            ChildOutcome::Extracted(read) => Ok(read),
            ChildOutcome::NeedsOcr { pages } if pages > ctx.limits.ocr_max_pages => {
                Err(JobError::Permanent(format!(
                    "the PDF has no readable text layer and {pages} pages; OCR reads at most {}",
                    ctx.limits.ocr_max_pages
                )))
            }
            ChildOutcome::NeedsOcr { pages } => {
                Err(JobError::HandOff(NewJob::of(&self.into_ocr(pages))))
            }
        }
    }

    fn record(read: &ResumeText, _payload: &Self) -> Option<Record> {
        Some(Record::ResumeRead(read.clone()))
    }
}

/// Where the job's file is, if it is still stored.
pub async fn stored_file(ctx: &JobContext, sha256: &str) -> Result<PathBuf, JobError> {
    let path = BlobStore::new(&ctx.blob_dir)
        .path(sha256)
        .ok_or_else(|| JobError::Permanent("the file reference is not valid".into()))?;
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(JobError::Permanent(
            "the uploaded file is no longer stored".into(),
        ));
    }
    Ok(path)
}
