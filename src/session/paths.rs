//! Dataset paths in a session: stored relative to the session file's folder where that is
//! natural (a project folder holding both the session and its data moves as a whole), absolute
//! otherwise; resolved against the session's folder on open.

use std::path::{Component, Path, PathBuf};

/// How `target` is written in a session saved in `session_dir`: relative when the two share
/// more than the file-system root and the relative path climbs at most two folders, else
/// absolute (always, for an empty `session_dir`: an untitled session). Both paths should be
/// absolute (the caller makes them so).
pub fn to_stored(session_dir: &Path, target: &Path) -> PathBuf {
    let from: Vec<Component> = normal(session_dir);
    let to: Vec<Component> = normal(target);
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    // Only the root (and perhaps a drive prefix) in common: keep it absolute.
    let roots = to
        .iter()
        .take_while(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
        .count();
    let ups = from.len() - common;
    if common <= roots || ups > 2 {
        return target.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in 0..ups {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c.as_os_str());
    }
    out
}

/// The path a stored entry names, for a session file in `session_dir`.
pub fn resolve(session_dir: &Path, stored: &Path) -> PathBuf {
    if stored.is_absolute() {
        stored.to_path_buf()
    } else {
        lexical_join(session_dir, stored)
    }
}

/// An absolute form of `path` without touching the file system (no symlink resolution).
pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    lexical_join(&cwd, path)
}

/// `base` joined with `rel`, `..` and `.` folded lexically.
fn lexical_join(base: &Path, rel: &Path) -> PathBuf {
    let mut out: Vec<Component> = normal(base);
    for c in rel.components() {
        match c {
            Component::ParentDir => {
                if matches!(out.last(), Some(Component::Normal(_))) {
                    out.pop();
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out.iter().map(|c| c.as_os_str()).collect()
}

/// Components with `.` dropped and `..` folded.
fn normal(path: &Path) -> Vec<Component<'_>> {
    let mut out = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_when_near_absolute_when_far() {
        let dir = Path::new("/home/ana/project/sessions");
        assert_eq!(
            to_stored(dir, Path::new("/home/ana/project/sessions/a.csv")),
            PathBuf::from("a.csv")
        );
        assert_eq!(
            to_stored(dir, Path::new("/home/ana/project/data/a.csv")),
            PathBuf::from("../data/a.csv")
        );
        // Three folders up is no longer "near".
        assert_eq!(
            to_stored(Path::new("/a/b/c/d"), Path::new("/a/x.csv")),
            PathBuf::from("/a/x.csv")
        );
        // Only the root in common.
        assert_eq!(
            to_stored(dir, Path::new("/data/a.csv")),
            PathBuf::from("/data/a.csv")
        );
    }

    #[test]
    fn untitled_sessions_keep_paths_absolute() {
        let target = Path::new("/home/ana/data/a.csv");
        assert_eq!(to_stored(Path::new(""), target), target.to_path_buf());
    }

    #[test]
    fn resolve_inverts_to_stored() {
        let dir = Path::new("/home/ana/project/sessions");
        for target in [
            "/home/ana/project/sessions/a.csv",
            "/home/ana/project/data/x/b.parquet",
            "/srv/shared/c.arrow",
        ] {
            let stored = to_stored(dir, Path::new(target));
            assert_eq!(resolve(dir, &stored), PathBuf::from(target), "{stored:?}");
        }
    }

    #[test]
    fn absolute_folds_dots() {
        let p = absolute(Path::new("./x/../y.csv"));
        assert!(p.is_absolute());
        assert!(p.ends_with("y.csv"));
        assert!(!p.to_string_lossy().contains(".."));
    }
}
