//! Resume uploads: the multipart form, the size bound checked before the body is read, and
//! the checks (size, emptiness, content type by the bytes) before a file is stored and the
//! job that reads it is queued.

use poem::{Endpoint, EndpointExt, Request};
use poem_openapi::{Multipart, types::multipart::Upload};
use prepq_jobs::{
    Job as _, NewJob,
    kinds::{ResumeExtract, ResumeOcr},
};
use prepq_schema::{BlobStore, files, jobs};
use uuid::Uuid;

use crate::{
    enqueue::{enqueue, key_reused},
    error::{ApiError, ErrorBody},
    media,
    state::AppState,
};

#[derive(Debug, Multipart)]
pub struct ResumeUpload {
    /// The resume: PDF (text or scanned), DOCX, PNG, JPEG or text (UTF-8 or GBK), typed by its
    /// content; Chinese and English.
    pub file: Upload,
}

/// Rejects an upload before reading it when its declared length is over the limit
/// (with room for the multipart envelope). The file's own size is checked again after.
pub fn upload_limit(ep: impl Endpoint) -> impl Endpoint {
    ep.before(|mut req: Request| async move {
        let max = req.data::<AppState>().map_or(usize::MAX, |s| {
            s.config.max_upload_bytes.saturating_add(64 * 1024)
        });
        let length = req
            .header(poem::http::header::CONTENT_LENGTH)
            .and_then(|v| v.parse::<usize>().ok())
            .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::LENGTH_REQUIRED))?;
        if length > max {
            // Answering before the client has sent its body closes the connection under
            // it, and it may see a broken pipe instead of the 413; reading a bounded
            // amount first lets ordinary clients read the answer.
            if length <= DRAIN_MAX {
                let _ = req.take_body().into_bytes_limit(DRAIN_MAX).await;
            }
            return Err(poem::Error::from_status(
                poem::http::StatusCode::PAYLOAD_TOO_LARGE,
            ));
        }
        Ok(req)
    })
}

/// Most of a refused upload's body read (and dropped) before answering.
const DRAIN_MAX: usize = 8 * 1024 * 1024;

/// Reads, checks and stores an uploaded resume and queues the job that reads it. A retry
/// under the same `Idempotency-Key` with the same bytes answers the first upload's job and
/// stores nothing; with other bytes it is refused.
pub async fn accept_resume(
    state: &AppState,
    owner: Uuid,
    upload: ResumeUpload,
    idempotency_key: Option<&str>,
) -> Result<prepq_schema::jobs::JobRow, ApiError> {
    let name = upload
        .file
        .file_name()
        .map(|n| n.chars().take(255).collect::<String>());
    let bytes = upload.file.into_vec().await.map_err(|e| {
        ApiError::BadRequest(ErrorBody::new(
            "invalid_upload",
            format!("reading the upload: {e}"),
        ))
    })?;
    if let Some(key) = idempotency_key
        && let Some(earlier) = earlier_upload(state, owner, key, &bytes).await?
    {
        return Ok(earlier);
    }
    let job = store_resume(state, owner, name, &bytes).await?;
    let file_id = job.file_id;
    match enqueue(state, owner, &NewJob::of(&job), idempotency_key).await {
        Err(ApiError::Conflict(refusal)) => {
            // A retry of this same upload got in first: keep its file, drop ours.
            let key = idempotency_key.unwrap_or_default();
            let earlier = earlier_upload(state, owner, key, &bytes).await?;
            let mut conn = state.conn().await?;
            files::delete_owned(&mut conn, &state.blobs, owner, file_id).await?;
            earlier.ok_or(ApiError::Conflict(refusal))
        }
        accepted => accepted,
    }
}

/// The job of an earlier upload under `key`: `None` if there is none, a conflict if it
/// was for other bytes or another request.
async fn earlier_upload(
    state: &AppState,
    owner: Uuid,
    key: &str,
    bytes: &[u8],
) -> Result<Option<prepq_schema::jobs::JobRow>, ApiError> {
    let mut conn = state.conn().await?;
    let Some(earlier) = jobs::find_by_key(&mut conn, owner, key).await? else {
        return Ok(None);
    };
    // A reading that went on as OCR keeps its id and the file's digest.
    let is_reading = [ResumeExtract::KIND, ResumeOcr::KIND].contains(&earlier.kind.as_str());
    let same_file = earlier.payload["sha256"].as_str() == Some(&BlobStore::digest(bytes));
    if is_reading && same_file {
        Ok(Some(earlier))
    } else {
        Err(key_reused())
    }
}

/// Checks and stores an uploaded resume, returning the job that will read it.
async fn store_resume(
    state: &AppState,
    owner_id: Uuid,
    original_name: Option<String>,
    bytes: &[u8],
) -> Result<ResumeExtract, ApiError> {
    let limit = state.config.max_upload_bytes;
    if bytes.len() > limit {
        return Err(ApiError::PayloadTooLarge(ErrorBody::new(
            "payload_too_large",
            format!("the file is {} bytes; the limit is {limit}", bytes.len()),
        )));
    }
    if bytes.is_empty() {
        return Err(ApiError::unprocessable("the file is empty"));
    }
    let media_type = media::sniff_resume(bytes, original_name.as_deref()).map_err(|refusal| {
        ApiError::UnsupportedMediaType(ErrorBody::new("unsupported_media_type", refusal))
    })?;
    let sha256 = BlobStore::digest(bytes);
    let file = files::StoredFile {
        id: Uuid::now_v7(),
        owner_id,
        sha256: sha256.clone(),
        size_bytes: bytes.len() as i64,
        media_type: media_type.to_owned(),
        original_name,
        created_at: chrono::Utc::now(),
    };
    let mut conn = state.conn().await?;
    files::insert(&mut conn, &state.blobs, &file, bytes).await?;
    Ok(ResumeExtract {
        file_id: file.id,
        sha256,
        media_type: media_type.to_owned(),
    })
}
