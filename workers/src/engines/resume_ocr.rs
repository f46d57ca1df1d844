use std::{ffi::OsString, time::Duration};

use prepq_jobs::kinds::{ResumeOcr, ResumeText};

use super::{
    resume_extract::stored_file,
    sandbox::{self, ChildLimits, ChildOutcome},
};
use crate::{
    context::{JobContext, JobError},
    kinds::{Record, Run},
};

/// Time to start the child and parse its text, beside the time its pages may take.
const OVERHEAD: Duration = Duration::from_secs(10);

impl Run for ResumeOcr {
    /// Reads the file page by page, reporting pages done.
    async fn run(self, ctx: &JobContext) -> Result<ResumeText, JobError> {
        let path = stored_file(ctx, &self.sha256).await?;
        let page_time = ctx.limits.ocr_page_time();
        let args: Vec<OsString> = vec![
            "ocr".into(),
            "--media-type".into(),
            self.media_type.into(),
            "--pages".into(),
            self.pages.to_string().into(),
            "--max-pixels".into(),
            ctx.limits.image_max_pixels.to_string().into(),
            "--page-timeout-ms".into(),
            ctx.limits.ocr_page_timeout_ms.to_string().into(),
            path.into(),
        ];
        let limits = ChildLimits {
            memory_mb: ctx.limits.extract_memory_mb,
            time: page_time.saturating_mul(self.pages.max(1)) + OVERHEAD,
        };
        let progress = |done, total| ctx.steps(done, total, 10);
        match sandbox::run_child(args, limits, progress).await? {
            ChildOutcome::Extracted(read) => Ok(read),
            ChildOutcome::NeedsOcr { .. } => Err(JobError::Permanent(
                "the OCR reader answered that the file needs OCR".into(),
            )),
        }
    }

    fn record(read: &ResumeText, _payload: &Self) -> Option<Record> {
        Some(Record::ResumeRead(read.clone()))
    }
}
