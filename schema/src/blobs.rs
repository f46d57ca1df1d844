//! Local-disk blob store: uploaded bytes live under their SHA-256, never under a name a
//! user chose, so paths can't be steered and identical uploads are stored once.

use std::{
    io,
    path::{Path, PathBuf},
};

use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Where the blob with this hash lives; `None` for anything but a SHA-256 in hex.
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    pub fn digest(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    /// Stores the bytes and returns their hash. Written to a temporary file and renamed,
    /// so a reader never sees half a blob and concurrent writers of one blob agree.
    /// Callers that record a file go through `files::insert`, which holds the blob's lock.
    pub(crate) async fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let sha256 = Self::digest(bytes);
        let path = self.path(&sha256).expect("a fresh digest is valid hex");
        if tokio::fs::try_exists(&path).await? {
            return Ok(sha256);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        tokio::fs::create_dir_all(dir).await?;
        let tmp = dir.join(format!(".{sha256}.{}", uuid::Uuid::now_v7()));
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, &path).await?;
        Ok(sha256)
    }

    /// Removes a blob; one already gone is not an error.
    pub(crate) async fn remove(&self, sha256: &str) -> io::Result<()> {
        let Some(path) = self.path(sha256) else {
            return Ok(());
        };
        match tokio::fs::remove_file(&path).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hex_digests_map_to_paths() {
        let store = BlobStore::new("/blobs");
        assert!(store.path("../../etc/passwd").is_none());
        assert!(store.path(&"g".repeat(64)).is_none());
        let sha = "ab".repeat(32);
        assert_eq!(store.path(&sha).unwrap(), Path::new("/blobs/ab").join(&sha));
    }
}
