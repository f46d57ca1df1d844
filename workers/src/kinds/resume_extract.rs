//! `resume.extract`: the text a resume file carries and its parse, read in the sandbox;
//! files without readable text continue as `resume.ocr`. The parse is kept with the
//! job's success.

use std::{ffi::OsString, path::PathBuf, time::Duration};

use prepq_jobs::{
    NewJob,
    kinds::{ResumeExtract, ResumeText},
};
use prepq_schema::{BlobStore, resume_parses};

use super::{Outcome, Record, Run, record};
use crate::{
    config::ExtractLimits,
    context::JobContext,
    engines::reading::{
        ChildSlots,
        sandbox::{self, ChildLimits, ChildOutcome},
    },
    error::JobError,
};

impl Run for ResumeExtract {
    type Needs = (BlobStore, ExtractLimits, ChildSlots);

    async fn run(
        self,
        ctx: &JobContext,
        (blobs, limits, slots): Self::Needs,
    ) -> Result<Outcome<ResumeText>, JobError> {
        if matches!(self.media_type.as_str(), "image/png" | "image/jpeg") {
            return Ok(Outcome::Continue(NewJob::of(&self.into_ocr(1))));
        }
        let path = stored_file(&blobs, &self.sha256).await?;
        ctx.progress(10);
        let args: Vec<OsString> = vec![
            "extract".into(),
            "--media-type".into(),
            self.media_type.clone().into(),
            "--max-pages".into(),
            limits.pdf_max_pages.to_string().into(),
            path.into(),
        ];
        let child = ChildLimits {
            memory_mb: limits.extract_memory_mb,
            time: Duration::from_secs(limits.extract_timeout_secs),
        };
        let _slot = slots.acquire(ctx.owner).await;
        match sandbox::run_child(args, child, |_, _| {}).await? {
            ChildOutcome::Extracted(read) => Ok(keep_reading(*read)),
            ChildOutcome::NeedsOcr { pages } if pages > limits.ocr_max_pages => {
                Err(JobError::permanent(format!(
                    "the PDF has no readable text layer and {pages} pages; OCR reads at most {}",
                    limits.ocr_max_pages
                )))
            }
            ChildOutcome::NeedsOcr { pages } => {
                Ok(Outcome::Continue(NewJob::of(&self.into_ocr(pages))))
            }
        }
    }
}

/// A reading done: its parse is stored with the job's success.
pub(super) fn keep_reading(read: ResumeText) -> Outcome<ResumeText> {
    let write: Record = record(read.clone(), |conn, job_id, read| {
        Box::pin(async move { resume_parses::record(conn, job_id, read).await.map(drop) })
    });
    Outcome::done_keeping(read, write)
}

/// Where the job's file is, if it is still stored.
pub(super) async fn stored_file(blobs: &BlobStore, sha256: &str) -> Result<PathBuf, JobError> {
    let path = blobs
        .path(sha256)
        .ok_or_else(|| JobError::permanent("the file reference is not valid"))?;
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(JobError::permanent("the uploaded file is no longer stored"));
    }
    Ok(path)
}
