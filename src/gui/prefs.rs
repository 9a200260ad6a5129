//! Preferences that persist between runs through eframe's storage: theme and recent files.
//! (Window size is persisted by eframe itself.) Sessions are a separate, stricter mechanism:
//! eframe storage silently drops what it cannot decode, which is fine for preferences only.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::vocab::Slot;

const KEY: &str = "sextant.prefs.v1";
/// Recent files remembered.
pub const MAX_RECENT: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ThemeChoice {
    #[default]
    Dark,
    Light,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentFile {
    pub path: PathBuf,
    /// Where it was opened (serialised as `side`, as before the experiment slot existed).
    pub side: Slot,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub theme: ThemeChoice,
    pub recent: Vec<RecentFile>,
    /// Session files, most recent first.
    pub recent_sessions: Vec<PathBuf>,
}

impl Prefs {
    pub fn load(storage: &dyn eframe::Storage) -> Self {
        eframe::get_value(storage, KEY).unwrap_or_default()
    }

    pub fn save(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, KEY, self);
    }

    /// Put a file at the top of the recent list (once), keeping at most `MAX_RECENT`.
    pub fn remember(&mut self, path: PathBuf, side: Slot) {
        self.recent.retain(|r| r.path != path);
        self.recent.insert(0, RecentFile { path, side });
        self.recent.truncate(MAX_RECENT);
    }

    /// Put a session file at the top of the recent sessions (once).
    pub fn remember_session(&mut self, path: PathBuf) {
        let path = crate::session::paths::absolute(&path);
        self.recent_sessions.retain(|p| *p != path);
        self.recent_sessions.insert(0, path);
        self.recent_sessions.truncate(MAX_RECENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Side;

    #[test]
    fn recent_list_is_unique_and_bounded() {
        let mut p = Prefs::default();
        for i in 0..15 {
            p.remember(PathBuf::from(format!("f{i}.csv")), Side::Reference.into());
        }
        p.remember(PathBuf::from("f14.csv"), Side::Current.into());
        assert_eq!(p.recent.len(), MAX_RECENT);
        assert_eq!(p.recent[0].side, Slot::Current);
        assert_eq!(
            p.recent
                .iter()
                .filter(|r| r.path.as_path() == std::path::Path::new("f14.csv"))
                .count(),
            1
        );
    }
}
