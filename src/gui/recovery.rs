//! Who owns which recovery copy. Every window (process) writes its own copy,
//! `recovery-PID.sextant` with `recovery-PID.origin` (the session file it belongs to), and holds
//! `recovery-PID.lock` exclusively locked for its whole life. The operating system drops the
//! lock when the process ends, however it ends, so a copy whose lock can be taken belongs to a
//! process that is gone: that is an orphan, offered back at start. A pid alone would not tell:
//! pids are reused, and a live window's copy must never be offered or removed by another.
//!
//! A window offering an orphan holds that orphan's lock while the user decides, so two windows
//! started together do not offer the same copy. The single `recovery.sextant` of earlier
//! versions (no lock) is found by the same scan, as the orphan with stem `recovery`, and so is
//! offered once.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::data::write::{remove_stale_temporaries, same_file};

const PREFIX: &str = "recovery";
const COPY: &str = "sextant";
const ORIGIN: &str = "origin";
const LOCK: &str = "lock";

/// The recovery folder, as one process sees it: its own copy, held locked.
pub struct RecoveryStore {
    dir: PathBuf,
    own: Held,
}

/// A stem (`recovery-1234`) whose lock this process holds.
struct Held {
    stem: String,
    /// Dropping it releases the lock.
    _lock: File,
}

/// An orphaned copy this process has claimed (its lock held) to offer it.
pub struct Claimed {
    dir: PathBuf,
    held: Held,
    modified: SystemTime,
}

impl RecoveryStore {
    /// Take a stem of our own in `dir` (made if missing) and hold its lock.
    pub fn open(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        sweep_lock_files(dir);
        let pid = std::process::id();
        for n in 0..100u32 {
            let stem = match n {
                0 => format!("{PREFIX}-{pid}"),
                n => format!("{PREFIX}-{pid}-{n}"),
            };
            // A dead process that had our pid may have left a copy under this stem: that
            // copy is an orphan to offer, not ours to overwrite.
            if file(dir, &stem, COPY).exists() {
                continue;
            }
            let Some(held) = try_hold(dir, &stem)? else {
                continue;
            };
            if file(dir, &stem, COPY).exists() {
                continue;
            }
            return Ok(Self {
                dir: dir.to_path_buf(),
                own: held,
            });
        }
        Err(io::Error::other(
            "no free name for a recovery copy (100 taken by this process id)",
        ))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The stem of this process's files (`recovery-1234`).
    pub fn stem(&self) -> &str {
        &self.own.stem
    }

    /// This process's recovery copy.
    pub fn copy_path(&self) -> PathBuf {
        file(&self.dir, &self.own.stem, COPY)
    }

    /// Where this process's copy names the session file it belongs to.
    pub fn origin_path(&self) -> PathBuf {
        file(&self.dir, &self.own.stem, ORIGIN)
    }

    /// Remove this process's copy (saved, discarded, or closed cleanly). Nobody else's.
    pub fn remove_own(&self) {
        let _ = std::fs::remove_file(self.copy_path());
        let _ = std::fs::remove_file(self.origin_path());
    }

    /// The process ends: its lock file goes too when no copy is left for the next start.
    pub fn close(self) {
        if !self.copy_path().exists() {
            let _ = std::fs::remove_file(file(&self.dir, &self.own.stem, LOCK));
        }
    }

    /// Claim the newest orphaned copy (its owner gone, nobody else offering it).
    pub fn claim_newest_orphan(&self) -> Option<Claimed> {
        for (stem, _) in self.candidates() {
            if let Ok(Some(held)) = try_hold(&self.dir, &stem) {
                let copy = file(&self.dir, &stem, COPY);
                // Gone while we looked: its owner saved or discarded it.
                let Ok(modified) = std::fs::metadata(&copy).and_then(|m| m.modified()) else {
                    drop(held);
                    continue;
                };
                return Some(Claimed {
                    dir: self.dir.clone(),
                    held,
                    modified,
                });
            }
        }
        None
    }

    /// How many orphaned copies there are now, not counting our own or those claimed (by this
    /// window or another).
    pub fn orphan_count(&self) -> usize {
        self.candidates()
            .into_iter()
            .filter(|(stem, _)| try_hold(&self.dir, stem).is_ok_and(|h| h.is_some()))
            .count()
    }

    /// Every copy but our own, newest first.
    fn candidates(&self) -> Vec<(String, SystemTime)> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut found: Vec<(String, SystemTime)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let stem = name.strip_suffix(&format!(".{COPY}"))?.to_string();
                let ours = stem == PREFIX || stem.starts_with(&format!("{PREFIX}-"));
                let modified = e.metadata().and_then(|m| m.modified()).ok()?;
                (ours && stem != self.own.stem).then_some((stem, modified))
            })
            .collect();
        found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        found
    }
}

impl Claimed {
    pub fn copy_path(&self) -> PathBuf {
        file(&self.dir, &self.held.stem, COPY)
    }

    /// The session file the copy belongs to, if it had one.
    pub fn origin(&self) -> Option<PathBuf> {
        std::fs::read_to_string(file(&self.dir, &self.held.stem, ORIGIN))
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .map(PathBuf::from)
    }

    /// When the copy was last written.
    pub fn modified(&self) -> SystemTime {
        self.modified
    }

    /// The user restored or declined it: remove the copy, then its lock file, then let go.
    pub fn remove(self) {
        for ext in [COPY, ORIGIN] {
            let path = file(&self.dir, &self.held.stem, ext);
            let _ = std::fs::remove_file(&path);
            // What its window left when it was killed in the middle of an autosave.
            remove_stale_temporaries(&path);
        }
        let _ = std::fs::remove_file(file(&self.dir, &self.held.stem, LOCK));
    }
}

/// Remove the lock files that windows killed without a copy (nothing unsaved) left behind.
/// One whose lock is taken belongs to a live window; one beside a copy marks an orphan.
fn sweep_lock_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(&format!(".{LOCK}")) else {
            continue;
        };
        if !(stem == PREFIX || stem.starts_with(&format!("{PREFIX}-"))) {
            continue;
        }
        let path = entry.path();
        // Only an existing file: a lock file made here could not be told from a new owner's.
        let Ok(lock) = OpenOptions::new().read(true).write(true).open(&path) else {
            continue;
        };
        // While we hold its lock nobody can start writing a copy under this stem (an owner
        // locks first and checks that its lock file is still the one at the path).
        if lock.try_lock().is_ok() && same_file(&lock, &path) && !file(dir, stem, COPY).exists() {
            remove_stale_temporaries(&file(dir, stem, COPY));
            remove_stale_temporaries(&file(dir, stem, ORIGIN));
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn file(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    dir.join(format!("{stem}.{ext}"))
}

/// Lock `STEM.lock` (made if missing) without waiting; `None` when a live process holds it.
fn try_hold(dir: &Path, stem: &str) -> io::Result<Option<Held>> {
    let path = file(dir, stem, LOCK);
    let lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)?;
    match lock.try_lock() {
        // The lock file may have been removed (by an owner closing) and made anew between our
        // open and our lock: a lock on the removed file guards nothing.
        Ok(()) if same_file(&lock, &path) => Ok(Some(Held {
            stem: stem.to_string(),
            _lock: lock,
        })),
        Ok(()) | Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}
