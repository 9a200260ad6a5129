//! From a session file to its data: where the datasets it names are now, whether they are
//! still there, and whether they changed since the session was saved. Nothing here reads a
//! data file's content except [`changed_since_saved`], which the caller runs after the user has
//! seen the paths.

use std::path::{Path, PathBuf};

use crate::data::{Dataset, RoleMap};
use crate::vocab::Slot;

use super::paths;
use super::{DatasetRef, Session};

/// A dataset a session names, resolved against the session file's folder.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedDataset {
    pub slot: Slot,
    /// The path as written in the session.
    pub stored: PathBuf,
    /// The path it names on this machine.
    pub path: PathBuf,
    /// Whether a file is there (a metadata lookup; nothing is read).
    pub exists: bool,
}

/// The folder a session file's relative paths start from.
pub fn base_dir(session_path: &Path) -> PathBuf {
    paths::absolute(session_path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The datasets a session names: training, production, then the experiment log.
pub fn named_datasets(session: &Session, session_path: &Path) -> Vec<NamedDataset> {
    let dir = base_dir(session_path);
    Slot::ALL
        .into_iter()
        .filter_map(|slot| {
            let entry = session.dataset(slot)?;
            let path = paths::resolve(&dir, &entry.path);
            Some(NamedDataset {
                slot,
                stored: entry.path.clone(),
                exists: crate::data::many::source_exists(&path),
                path,
            })
        })
        .collect()
}

/// The session entry for a loaded dataset, its path written relative to `session_dir` where
/// natural.
pub fn dataset_ref(ds: &Dataset, session_dir: &Path) -> DatasetRef {
    DatasetRef {
        path: paths::to_stored(session_dir, &paths::absolute(&ds.path)),
        bytes: ds.file_bytes,
        fingerprint: ds.fingerprint().map(str::to_string),
    }
}

/// One sentence when a loaded dataset differs from what the session saw, `None` when it is the
/// same file content (or the session did not record a fingerprint).
pub fn changed_since_saved(entry: &DatasetRef, ds: &Dataset, slot: Slot) -> Option<String> {
    let saved = entry.fingerprint.as_deref()?;
    let now = ds.fingerprint()?;
    (saved != now).then(|| {
        let size = if entry.bytes != ds.file_bytes {
            format!(
                " (it was {} bytes, it is {} bytes)",
                entry.bytes, ds.file_bytes
            )
        } else {
            " (same size, different content)".to_string()
        };
        format!(
            "The {} file {} changed since the session was saved{size}; results may differ from the saved analysis",
            slot.short().to_lowercase(),
            ds.path.display()
        )
    })
}

/// The model a session names (Compression tab), resolved against the session file's folder:
/// `(path, exists)`.
pub fn named_model(session: &Session, session_path: &Path) -> Option<(PathBuf, bool)> {
    let stored = session.views.compression.model_path.as_ref()?;
    let path = paths::resolve(&base_dir(session_path), stored);
    let exists = path.is_file();
    Some((path, exists))
}

/// A session over these datasets with inferred roles and default settings, paths written
/// relative to the folder of `session_path`.
pub fn starting_session(
    reference: &Dataset,
    current: Option<&Dataset>,
    session_path: &Path,
) -> Session {
    let dir = base_dir(session_path);
    let mut roles = RoleMap::default();
    roles.add_inferred(&reference.columns);
    if let Some(c) = current {
        roles.add_inferred(&c.columns);
    }
    let mut s = Session {
        roles,
        ..Session::default()
    };
    s.datasets.reference = Some(dataset_ref(reference, &dir));
    s.datasets.current = current.map(|c| dataset_ref(c, &dir));
    s
}
