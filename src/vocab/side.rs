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

/// Where an opened file goes: one side of the comparison, or the experiment log (the third
/// dataset, read by the Experiments tab only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Reference,
    Current,
    /// An experiment or rollout log: one row per unit or per event, with a variant column.
    Experiment,
}

impl Slot {
    pub const ALL: [Slot; 3] = [Slot::Reference, Slot::Current, Slot::Experiment];

    pub fn index(self) -> usize {
        match self {
            Self::Reference => 0,
            Self::Current => 1,
            Self::Experiment => 2,
        }
    }

    /// The side of the comparison, `None` for the experiment log.
    pub fn side(self) -> Option<Side> {
        match self {
            Self::Reference => Some(Side::Reference),
            Self::Current => Some(Side::Current),
            Self::Experiment => None,
        }
    }

    /// The name a user sees.
    pub fn label(self) -> &'static str {
        match self.side() {
            Some(side) => side.label(),
            None => "Experiment log",
        }
    }

    /// A short name for tight spaces.
    pub fn short(self) -> &'static str {
        match self.side() {
            Some(side) => side.short(),
            None => "Experiment",
        }
    }

    /// A guess from a file name: an experiment, A/B, rollout, ramp or champion/challenger log
    /// goes to the experiment slot; otherwise as [`Side::from_file_name`].
    pub fn from_file_name(path: &Path) -> Option<Slot> {
        let name = path.file_name()?.to_string_lossy().to_lowercase();
        let experiment = [
            "experiment",
            "rollout",
            "ab_test",
            "abtest",
            "a_b_",
            "ramp",
            "champion",
        ]
        .iter()
        .any(|k| name.contains(k));
        if experiment {
            return Some(Slot::Experiment);
        }
        Side::from_file_name(path).map(Slot::from)
    }
}

impl From<Side> for Slot {
    fn from(side: Side) -> Self {
        match side {
            Side::Reference => Slot::Reference,
            Side::Current => Slot::Current,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_pick_slots() {
        let slot = |n: &str| Slot::from_file_name(Path::new(n));
        assert_eq!(slot("credit_experiment.parquet"), Some(Slot::Experiment));
        assert_eq!(slot("rollout_dec.csv"), Some(Slot::Experiment));
        assert_eq!(
            slot("credit_champion_challenger.parquet"),
            Some(Slot::Experiment)
        );
        assert_eq!(slot("credit_training.parquet"), Some(Slot::Reference));
        assert_eq!(slot("credit_production.parquet"), Some(Slot::Current));
        assert_eq!(slot("data.csv"), None);
        // Serialised like Side, so that recent files written before the third slot still read.
        assert_eq!(
            serde_json::to_string(&Slot::from(Side::Current)).ok(),
            serde_json::to_string(&Side::Current).ok()
        );
    }
}
