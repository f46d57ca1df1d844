use prepq_jobs::kinds::{ResumeExtract, ResumeText};
use prepq_schema::BlobStore;

use crate::{
    context::{JobContext, JobError},
    engines::pdf,
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
        match self.media_type.as_str() {
            "application/pdf" => {
                ctx.progress(10);
                let extracted = pdf::extract_isolated(&path, &ctx.limits).await?;
                ctx.progress(90);
                Ok(ResumeText {
                    chars: extracted.text.chars().count() as u64,
                    pages: extracted.pages,
                    text: extracted.text,
                })
            }
            other => Err(JobError::Permanent(format!(
                "text extraction from {other} is not supported yet"
            ))),
        }
    }
}
