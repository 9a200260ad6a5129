//! Session format 1: the schema of every file whose `version` is 1.
//!
//! While 1 is the current version, its view settings are the live settings types (each with
//! `#[serde(default)]`, so new settings may be added freely). When a change needs format 2,
//! copy the structs this file uses as they are into this file, frozen, and write the step
//! `v1 → v2` in `migrate.rs`; `tests/sessions/v1-*.sextant` keeps proving that old files open.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::analysis::integrity::IntegrityParams;
use crate::data::RoleMap;
use crate::engine::compare::CompareSettings;
use crate::engine::compression::CompressionSettings;
use crate::engine::drift::DriftSettings;
use crate::engine::experiment::ExperimentSettings;
use crate::engine::health::HealthSettings;
use crate::engine::power::PowerSettings;
use crate::engine::retrain::RetrainSettings;
use crate::engine::rollout::RolloutSettings;
use crate::engine::seasonality::SeasonalitySettings;
use crate::vocab::{Renames, Slot};

/// A saved analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Session {
    /// The format version ([`super::FORMAT_VERSION`] when written by this build).
    pub version: u32,
    pub datasets: Datasets,
    /// Column roles by column name (both datasets).
    pub roles: RoleMap,
    /// Accepted renames (stored as `(production name, training name)` pairs).
    pub renames: Renames,
    /// Every view's settings.
    pub views: Views,
    pub layout: Layout,
    pub notes: Notes,
}

impl Default for Session {
    fn default() -> Self {
        Self {
            version: super::FORMAT_VERSION,
            datasets: Datasets::default(),
            roles: RoleMap::default(),
            renames: Renames::new(),
            views: Views::default(),
            layout: Layout::default(),
            notes: Notes::default(),
        }
    }
}

/// The data files: the compared pair and the experiment log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Datasets {
    /// Training (reference).
    pub reference: Option<DatasetRef>,
    /// Production (current).
    pub current: Option<DatasetRef>,
    /// The experiment (A/B or rollout) log of the Experiments tab.
    pub experiment: Option<DatasetRef>,
}

/// A data file as the session saw it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DatasetRef {
    /// Relative to the session file's folder when the file lies under it or near it, else
    /// absolute (see [`super::paths`]).
    pub path: PathBuf,
    /// Size in bytes when saved.
    pub bytes: u64,
    /// Content fingerprint when saved ([`crate::data::fingerprint`]).
    pub fingerprint: Option<String>,
}

/// The settings of every analysis view. Adding a view: one field here (its settings struct
/// with `Default` and `#[serde(default)]`), one line each in the GUI's snapshot and restore.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Views {
    pub drift: DriftSettings,
    pub integrity: IntegrityParams,
    pub seasonality: SeasonalitySettings,
    /// Model health, with the alert rules `sextant check` runs.
    pub health: HealthSettings,
    /// The compression lab; its model path is stored like the datasets' (relative when near).
    pub compression: CompressionSettings,
    /// The A/B test of the experiment log (`sextant check` judges its `srm`, `lift:` and
    /// `guardrail:` rules).
    pub experiment: ExperimentView,
    /// The Retraining tab's backtest (left out of a session while at its defaults, so that
    /// sessions read as they always did).
    #[serde(skip_serializing_if = "is_default_retrain")]
    pub retraining: RetrainSettings,
    /// The serving simulator of the Compression tab (absent until its panel was used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serving: Option<crate::engine::serving::ServingSettings>,
}

fn is_default_retrain(s: &RetrainSettings) -> bool {
    *s == RetrainSettings::default()
}

/// The Experiments tab: which analysis of the log is shown, each one's settings, and the alert
/// rules `sextant check` runs on the A/B test.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExperimentView {
    pub mode: ExperimentMode,
    /// Empty `variant`: nothing chosen yet (the window infers the columns from the log).
    pub ab: ExperimentSettings,
    /// Rules such as `srm`, `lift:conversion < 0`, `guardrail:latency_ms`.
    pub rules: Vec<String>,
    /// The gradual rollout's settings (empty `time`: not chosen).
    pub rollout: RolloutSettings,
    /// Champion against challenger on the log's two score columns (empty `target`: not
    /// chosen).
    pub compare: CompareSettings,
    /// The power planner of the A/B test.
    pub planner: PlannerView,
}

/// The A/B test's power planner: the plan, with its baseline read from a metric of the log
/// (the control's mean, and its standard deviation for a mean) unless `metric` is `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlannerView {
    pub metric: Option<String>,
    /// The plan; its baseline and standard deviation are the log's when `metric` is set, its
    /// daily units and units per arm always the log's.
    pub plan: PowerSettings,
}

/// What the Experiments tab reads the log as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExperimentMode {
    /// An A/B test: units assigned to arms, metrics per unit.
    #[default]
    AbTest,
    /// A gradual rollout: requests over time with a growing share on the new model.
    Rollout,
    /// Champion against challenger offline: two score columns on the same labelled rows.
    Compare,
}

/// Where the user was.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Layout {
    /// The active tab, by name (`overview`, `drift`, …); empty: the first.
    pub tab: String,
    /// The column selected in every view.
    pub selected_column: Option<String>,
    /// The text of the column filter in the datasets panel.
    pub column_filter: String,
}

/// The user's notes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Notes {
    /// A note on the whole analysis.
    pub session: String,
    /// Notes per column (training name).
    pub columns: BTreeMap<String, String>,
}

impl Session {
    /// The dataset entry of a slot (a side of the comparison, or the experiment log).
    pub fn dataset(&self, slot: impl Into<Slot>) -> Option<&DatasetRef> {
        match slot.into() {
            Slot::Reference => self.datasets.reference.as_ref(),
            Slot::Current => self.datasets.current.as_ref(),
            Slot::Experiment => self.datasets.experiment.as_ref(),
        }
    }

    pub fn dataset_mut(&mut self, slot: impl Into<Slot>) -> &mut Option<DatasetRef> {
        match slot.into() {
            Slot::Reference => &mut self.datasets.reference,
            Slot::Current => &mut self.datasets.current,
            Slot::Experiment => &mut self.datasets.experiment,
        }
    }
}
