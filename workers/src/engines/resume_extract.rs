use prepq_jobs::kinds::{ResumeExtract, ResumeText};
use prepq_schema::BlobStore;

use super::sandbox;
use crate::{
    context::{JobContext, JobError},
    kinds::{Record, Run},
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
        let read = sandbox::extract_isolated(&path, &self.media_type, &ctx.limits).await?;
        ctx.progress(90);
        Ok(read)
    }

    fn record(read: &ResumeText) -> Option<Record> {
        Some(Record::ResumeRead(read.clone()))
    }
}
