//! Where uploaded bytes live, behind a small interface: [`Storage`]. [`LocalFs`], a
//! directory on the local filesystem, is the one backend today; an object store would
//! be the second.
//!
//! Keys are `<user id>/<file id>`, two UUIDs chosen by the service ([`StorageKey`]):
//! no file name ever reaches a path, so no name can escape the storage directory.
//! Uploads are written to a staging file first ([`Staged`]), which is removed when
//! dropped unless committed: an upload that fails or is cancelled at any point leaves
//! no bytes behind. Polars reads local files, so every backend stages locally and gives
//! a local path to read from.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncWriteExt, BufWriter};
use uuid::Uuid;

use crate::domain::{FileId, UserId};

/// Staging files older than this are leftovers of a crash and removed at start.
const STALE_STAGING: Duration = Duration::from_secs(24 * 3600);
/// Write buffer of a staging file, so small chunks do not each cost a system call.
const WRITE_BUFFER: usize = 1024 * 1024;

/// Where a stored file is: `<user id>/<file id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageKey {
    user: Uuid,
    file: Uuid,
}

impl StorageKey {
    /// The key of `file` of `user`.
    pub fn new(user: UserId, file: FileId) -> Self {
        Self {
            user: user.0,
            file: file.0,
        }
    }

    /// Parses a stored key; `None` unless it is exactly two UUIDs.
    pub fn parse(raw: &str) -> Option<Self> {
        let (user, file) = raw.split_once('/')?;
        Some(Self {
            user: Uuid::parse_str(user).ok()?,
            file: Uuid::parse_str(file).ok()?,
        })
    }

    /// The text stored in the database.
    pub fn to_text(&self) -> String {
        format!("{}/{}", self.user, self.file)
    }
}

/// An upload being written: a local file removed on drop unless committed.
pub struct Staged {
    path: PathBuf,
    writer: Option<BufWriter<tokio::fs::File>>,
    written: u64,
    armed: bool,
}

impl Staged {
    async fn create(path: PathBuf) -> std::io::Result<Self> {
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        Ok(Self {
            path,
            writer: Some(BufWriter::with_capacity(WRITE_BUFFER, file)),
            written: 0,
            armed: true,
        })
    }

    /// Appends `bytes`.
    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let writer = self
            .writer
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the staging file is closed"))?;
        writer.write_all(bytes).await?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Flushes the bytes to disk and closes the file.
    pub async fn finish(&mut self) -> std::io::Result<()> {
        if let Some(mut writer) = self.writer.take() {
            writer.flush().await?;
            writer.get_ref().sync_data().await?;
        }
        Ok(())
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The local file, to read it back.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Hands the file over to a backend that keeps it: no longer removed on drop.
    fn disarm(mut self) -> PathBuf {
        self.armed = false;
        std::mem::take(&mut self.path)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // Dropped in any context, including a cancelled call's future: remove at once.
        drop(self.writer.take());
        if let Err(error) = std::fs::remove_file(&self.path)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::error!(%error, path = %self.path.display(), "cannot remove a staging file");
        }
    }
}

/// A place to keep uploaded files.
#[tonic::async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Starts a new upload.
    async fn stage(&self) -> std::io::Result<Staged>;
    /// A directory for temporary files while reading (rewritten JSON).
    fn scratch_dir(&self) -> &Path;
    /// Keeps a finished upload under `key`.
    async fn commit(&self, staged: Staged, key: &StorageKey) -> std::io::Result<()>;
    /// Removes the file under `key`; a missing file is not an error.
    async fn delete(&self, key: &StorageKey) -> std::io::Result<()>;
    /// A local path Polars can read the file under `key` from.
    fn local_path(&self, key: &StorageKey) -> PathBuf;
    /// A URI for the file under `key` that the agent can open.
    fn location(&self, key: &StorageKey) -> String;
}

/// Files under a local directory: `<root>/<user id>/<file id>`, uploads staged in
/// `<root>/.staging` (the same filesystem, so committing is an atomic rename).
pub struct LocalFs {
    root: PathBuf,
    staging: PathBuf,
}

impl LocalFs {
    /// Opens (creating if needed) the directory `root`, and removes staging files left
    /// by a crash more than a day ago (younger ones may belong to another instance).
    pub async fn open(root: &Path) -> std::io::Result<Self> {
        tokio::fs::create_dir_all(root).await?;
        let root = tokio::fs::canonicalize(root).await?;
        let staging = root.join(".staging");
        tokio::fs::create_dir_all(&staging).await?;
        let mut entries = tokio::fs::read_dir(&staging).await?;
        while let Some(entry) = entries.next_entry().await? {
            let modified = entry.metadata().await?.modified()?;
            let age = SystemTime::now().duration_since(modified).unwrap_or_default();
            if age > STALE_STAGING {
                tracing::info!(path = %entry.path().display(), "removing a stale staging file");
                tokio::fs::remove_file(entry.path()).await?;
            }
        }
        Ok(Self { root, staging })
    }

    /// The directory the files live under.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[tonic::async_trait]
impl Storage for LocalFs {
    async fn stage(&self) -> std::io::Result<Staged> {
        Staged::create(self.staging.join(format!("{}.part", Uuid::new_v4()))).await
    }

    fn scratch_dir(&self) -> &Path {
        &self.staging
    }

    async fn commit(&self, staged: Staged, key: &StorageKey) -> std::io::Result<()> {
        let target = self.local_path(key);
        if let Some(directory) = target.parent() {
            tokio::fs::create_dir_all(directory).await?;
        }
        tokio::fs::rename(staged.path(), &target).await?;
        staged.disarm();
        Ok(())
    }

    async fn delete(&self, key: &StorageKey) -> std::io::Result<()> {
        match tokio::fs::remove_file(self.local_path(key)).await {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    fn local_path(&self, key: &StorageKey) -> PathBuf {
        self.root.join(key.user.to_string()).join(key.file.to_string())
    }

    fn location(&self, key: &StorageKey) -> String {
        file_uri(&self.local_path(key))
    }
}

/// `file://` and the absolute path, percent-encoded where a URI needs it.
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_two_uuids_and_nothing_else() {
        let key = StorageKey::new(UserId(Uuid::new_v4()), FileId(Uuid::new_v4()));
        assert_eq!(StorageKey::parse(&key.to_text()), Some(key));
        for raw in ["", "a/b", "../x", "/etc/passwd", &format!("{}", Uuid::new_v4())] {
            assert_eq!(StorageKey::parse(raw), None, "{raw:?}");
        }
        let traversal = format!("{}/../{}", Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(StorageKey::parse(&traversal), None);
    }

    #[test]
    fn file_uris_are_percent_encoded() {
        assert_eq!(
            file_uri(Path::new("/data/my files/ü")),
            "file:///data/my%20files/%C3%BC"
        );
    }

    #[tokio::test]
    async fn a_dropped_upload_leaves_nothing_and_a_committed_one_stays() {
        let root = std::env::temp_dir().join(format!("sextant-storage-{}", Uuid::new_v4()));
        let storage = LocalFs::open(&root).await.expect("open");
        let mut staged = storage.stage().await.expect("stage");
        staged.write(b"a,b\n").await.expect("write");
        let path = staged.path().to_owned();
        drop(staged);
        assert!(!path.exists(), "a dropped upload is removed");

        let mut staged = storage.stage().await.expect("stage");
        staged.write(b"a,b\n1,2\n").await.expect("write");
        staged.finish().await.expect("finish");
        let key = StorageKey::new(UserId(Uuid::new_v4()), FileId(Uuid::new_v4()));
        storage.commit(staged, &key).await.expect("commit");
        let stored = storage.local_path(&key);
        assert_eq!(std::fs::read(&stored).expect("read"), b"a,b\n1,2\n");
        assert!(stored.starts_with(storage.root()));
        storage.delete(&key).await.expect("delete");
        storage.delete(&key).await.expect("deleting twice is fine");
        assert!(!stored.exists());
        std::fs::remove_dir_all(root).expect("clean up");
    }
}
