//! The thresholds of every integrity check, with their defaults and the reasons for them.

use serde::{Deserialize, Serialize};

use crate::vocab::Renames;

/// Time windows for "when did a problem start".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WindowChoice {
    /// Days when the current data spans at most 180 days, weeks up to 3 years, else months;
    /// coarser when the median window would hold fewer than `min_window_rows` rows.
    #[default]
    Auto,
    Day,
    /// Weeks starting on Monday (UTC).
    Week,
    /// Calendar months (UTC).
    Month,
}

/// Every threshold of [`super::check`]. The defaults are chosen so that two samples of the same
/// distribution produce no warning and no error (tested), while the planted problems of the
/// bundled sample data are all found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntegrityParams {
    /// Significance level of every statistical test: a change whose one-sided p-value is at
    /// least this is put down to chance and reported as info at most. Default 0.001 (with ~20
    /// columns a clean pair of files raises a false warning about once in 50 runs).
    pub alpha: f64,
    /// `null_rate_increase`: smallest significant increase of the missing share (absolute,
    /// in [0, 1]) for a warning. Default 0.01 (one percentage point).
    pub null_warning_increase: f64,
    /// `null_rate_increase`: smallest significant increase for an error. Default 0.05.
    pub null_error_increase: f64,
    /// `unseen_categories`, `unknown_labels`: share of current rows holding values never seen
    /// in the reference (and not put down to chance) above which the finding is an error.
    /// Default 0.01.
    pub unseen_error_share: f64,
    /// `out_of_range`: share of current values outside the reference range (and not put down
    /// to chance) above which the finding is an error. Default 0.01.
    pub out_of_range_error_share: f64,
    /// `out_of_range`: values beyond the reference range that chance explains this well or
    /// better (p-value at least this) are not reported; between `alpha` and this they are
    /// info. Default 0.05: two samples of one distribution nearly always differ in their
    /// extremes by a value or two, which is not worth a line.
    pub out_of_range_info_p: f64,
    /// `almost_constant_column`: share of the most frequent value at or above which a column
    /// is almost constant. Default 0.95.
    pub almost_constant_share: f64,
    /// `leakage`: share of current rows identical to a reference row above which the finding
    /// is a warning (below: info). Default 0.01.
    pub leakage_warning_share: f64,
    /// `row_count_change`: rows per day in current vs reference differing by more than this
    /// factor (either way) is a warning. Default 2.
    pub volume_change_factor: f64,
    /// `timestamp_gaps`: a gap between consecutive timestamps is reported when longer than
    /// this many times the usual spacing (see [`super::time::usual_gap`]). Default 5.
    pub gap_factor: f64,
    /// Time windows for the rates over time.
    pub window: WindowChoice,
    /// Fewest rows a window needs to enter the change-point search. Default 5.
    pub min_window_rows: usize,
    /// A change point (a segment of windows with a higher rate) counts when its rate exceeds
    /// the rate outside it by at least this much (absolute). Default 0.05.
    pub spike_min_increase: f64,
    /// `likely_rename`: smallest combined score (name and distribution similarity, in [0, 1])
    /// for a new column to be proposed as the rename of a missing one. Default 0.6.
    pub rename_min_score: f64,
    /// `serving_skew`: numbers are equal when `|a − b| ≤ abs + rel · max(|a|, |b|)`.
    /// Defaults 1e-9 and 1e-6.
    pub skew_abs_tolerance: f64,
    pub skew_rel_tolerance: f64,
    /// `serving_skew`: share of joined rows that differ above which a column is an error
    /// (any difference is a warning). Default 0.05.
    pub skew_error_share: f64,
    /// `unknown_labels`: the target is checked against the reference label set when the
    /// reference has at most this many distinct labels (classification). Default 50.
    pub max_label_classes: usize,
    /// Example rows kept per finding. Default 20.
    pub max_examples: usize,
    /// Renamed columns as (current name, reference name): the pair is compared as one column.
    /// Not saved: a session keeps the renames once, for every view.
    #[serde(skip)]
    pub renames: Renames,
    /// The column to join rows on for `serving_skew`; `None`: the id-role column present in
    /// both datasets.
    pub id_column: Option<String>,
    /// "Now" in microseconds since the epoch (UTC) for `future_timestamps`; `None` skips that
    /// check. The analysis has no clock: the caller passes it. Not saved (it is read anew).
    #[serde(skip)]
    pub now_micros: Option<i64>,
    /// Threads the checks may use (scoped, joined before returning). Default 2. Not saved: it
    /// belongs to the machine, not to the analysis.
    #[serde(skip)]
    pub threads: usize,
}

impl Default for IntegrityParams {
    fn default() -> Self {
        Self {
            alpha: 0.001,
            null_warning_increase: 0.01,
            null_error_increase: 0.05,
            unseen_error_share: 0.01,
            out_of_range_error_share: 0.01,
            out_of_range_info_p: 0.05,
            almost_constant_share: 0.95,
            leakage_warning_share: 0.01,
            volume_change_factor: 2.0,
            gap_factor: 5.0,
            window: WindowChoice::Auto,
            min_window_rows: 5,
            spike_min_increase: 0.05,
            rename_min_score: 0.6,
            skew_abs_tolerance: 1e-9,
            skew_rel_tolerance: 1e-6,
            skew_error_share: 0.05,
            max_label_classes: 50,
            max_examples: 20,
            renames: Renames::new(),
            id_column: None,
            now_micros: None,
            threads: 2,
        }
    }
}

impl IntegrityParams {
    /// Reject thresholds outside their domain, naming the parameter.
    pub fn validate(&self) -> Result<(), super::IntegrityError> {
        let unit = [
            ("alpha", self.alpha),
            ("null_warning_increase", self.null_warning_increase),
            ("null_error_increase", self.null_error_increase),
            ("unseen_error_share", self.unseen_error_share),
            ("out_of_range_error_share", self.out_of_range_error_share),
            ("out_of_range_info_p", self.out_of_range_info_p),
            ("almost_constant_share", self.almost_constant_share),
            ("leakage_warning_share", self.leakage_warning_share),
            ("spike_min_increase", self.spike_min_increase),
            ("rename_min_score", self.rename_min_score),
            ("skew_error_share", self.skew_error_share),
        ];
        for (name, v) in unit {
            if !(0.0..=1.0).contains(&v) {
                return Err(super::IntegrityError::Param(format!(
                    "{name} must be between 0 and 1, not {v}"
                )));
            }
        }
        for (name, v) in [
            ("volume_change_factor", self.volume_change_factor),
            ("gap_factor", self.gap_factor),
        ] {
            if !(v >= 1.0 && v.is_finite()) {
                return Err(super::IntegrityError::Param(format!(
                    "{name} must be a finite number of at least 1, not {v}"
                )));
            }
        }
        for (name, v) in [
            ("skew_abs_tolerance", self.skew_abs_tolerance),
            ("skew_rel_tolerance", self.skew_rel_tolerance),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(super::IntegrityError::Param(format!(
                    "{name} must be a finite number of at least 0, not {v}"
                )));
            }
        }
        Ok(())
    }
}
