//! `resume.ocr`: a scan or a photo read page by page by OCR in the sandbox, pages done
//! reported as steps; the parse is kept with the job's success.

use std::{ffi::OsString, time::Duration};

use prepq_jobs::kinds::{ResumeOcr, ResumeText};
use prepq_schema::{BlobStore, DbPool, files};
use uuid::Uuid;

use super::{
    Outcome, Run,
    resume_extract::{keep_reading, stored_file},
};
use crate::{
    config::ExtractLimits,
    context::JobContext,
    engines::reading::{
        ChildSlots, OcrModel,
        sandbox::{self, ChildLimits, ChildOutcome},
    },
    error::JobError,
};

/// Time to start the child and parse its text, beside the time its pages may take.
const OVERHEAD: Duration = Duration::from_secs(10);

impl Run for ResumeOcr {
    type Needs = (BlobStore, ExtractLimits, ChildSlots, DbPool);

    async fn run(
        self,
        ctx: &JobContext,
        (blobs, limits, slots, db): Self::Needs,
    ) -> Result<Outcome<ResumeText>, JobError> {
        let path = stored_file(&blobs, &self.sha256).await?;
        let first = first_model(&db, self.file_id).await;
        let page_time = limits.ocr_page_time();
        let args: Vec<OsString> = vec![
            "ocr".into(),
            "--media-type".into(),
            self.media_type.into(),
            "--pages".into(),
            self.pages.to_string().into(),
            "--max-pixels".into(),
            limits.image_max_pixels.to_string().into(),
            "--page-timeout-ms".into(),
            limits.ocr_page_timeout_ms.to_string().into(),
            "--first-model".into(),
            first.as_str().into(),
            path.into(),
        ];
        let child = ChildLimits {
            memory_mb: limits.extract_memory_mb,
            time: page_time.saturating_mul(self.pages.max(1)) + OVERHEAD,
        };
        let progress = |done, total| ctx.steps(done, total, 10);
        let _slot = slots.acquire(ctx.owner).await;
        match sandbox::run_child(args, child, progress).await? {
            ChildOutcome::Extracted(read) => Ok(keep_reading(*read)),
            ChildOutcome::NeedsOcr { .. } => Err(JobError::permanent(
                "the OCR reader answered that the file needs OCR",
            )),
        }
    }
}

/// The model OCR tries first: Chinese for a file named in Chinese (简历.pdf) or owned by
/// someone whose profile is in Chinese — such scans are most likely Chinese, and an English
/// reading of a Chinese page costs more than the Chinese reading itself (a third more than
/// reading it in both, on real Chinese resumes). An English page is then read again in
/// English. Only a hint: when the store cannot say, English.
async fn first_model(db: &DbPool, file: Uuid) -> OcrModel {
    let hints = match db.get().await {
        Ok(mut conn) => files::language_hints(&mut conn, file).await.ok().flatten(),
        Err(_) => None,
    };
    let Some(hints) = hints else {
        return OcrModel::English;
    };
    let named_in_chinese = hints
        .original_name
        .is_some_and(|name| name.chars().any(prepq_text::is_han));
    if named_in_chinese || hints.owner_language == "zh-CN" {
        OcrModel::Chinese
    } else {
        OcrModel::English
    }
}
