//! Which side of the comparison a dataset is: training (reference) or production (current).

use std::path::Path;

/// Which side of the comparison a dataset is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The training data (the baseline).
    Reference,
    /// The production data.
    Current,
}

impl Side {
    pub const BOTH: [Side; 2] = [Side::Reference, Side::Current];

    /// The name a user sees.
    pub fn label(self) -> &'static str {
        match self {
            Self::Reference => "Training (reference)",
            Self::Current => "Production (current)",
        }
    }

    /// A short name for tight spaces.
    pub fn short(self) -> &'static str {
        match self {
            Self::Reference => "Training",
            Self::Current => "Production",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Self::Reference => 0,
            Self::Current => 1,
        }
    }

    /// A guess from a file name: "train", "ref", "baseline" → reference; "prod", "current",
    /// "serving", "live" → current; `None` when the name says neither.
    pub fn from_file_name(path: &Path) -> Option<Side> {
        let name = path.file_name()?.to_string_lossy().to_lowercase();
        let reference = ["train", "reference", "ref_", "_ref", "baseline"]
            .iter()
            .any(|k| name.contains(k));
        let current = ["prod", "current", "serving", "live", "cur_", "_cur"]
            .iter()
            .any(|k| name.contains(k));
        match (reference, current) {
            (true, false) => Some(Side::Reference),
            (false, true) => Some(Side::Current),
            _ => None,
        }
    }
}

/// The side's name in messages and JSON: "reference" or "current".
impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Reference => "reference",
            Side::Current => "current",
        })
    }
}
