//! The drift pass over two datasets: choose the columns to test (by role, renames and kinds),
//! pull them out once, sort each side once, score every column with the chosen test, and — when
//! asked — score every time window of the current data against the whole reference.

use super::ranges::{self, RangeError};
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::columns::{self, CategoricalPair, MISSING_CODE, Storage};
use super::parallel_map;
use crate::analysis::drift::{
    AllMetricsParams, AllMetricsReport, BinningStrategy, CategoricalCounts, ColumnDriftReport,
    ColumnInput, ColumnKind as DriftStorage, ColumnValues, Correction, DatasetDriftReport,
    DriftDirection, DriftMethod, DriftOptions, ExcludedCounts, FeatureType, LogBase,
    MethodOverride, NumericSample, all_categorical_metrics, all_numeric_metrics, dataset_report,
    evaluate_column_or_skip,
};
use crate::analysis::windows::{self, Window, WindowSpec};
use crate::data::{Dataset, RoleMap};
use crate::vocab::{Cancelled, DriftMetric, Progress, Renames, Role, Side};

/// What the pass reads: the two datasets, the columns' roles and the accepted renames.
#[derive(Clone, Copy)]
pub struct DriftInputs<'a> {
    /// The training (reference) data.
    pub reference: &'a Dataset,
    /// The production (current) data.
    pub current: &'a Dataset,
    /// Roles of the columns: ids, timestamps and ignored columns are not tested; the timestamp
    /// column defines the calendar windows.
    pub roles: &'a RoleMap,
    /// Production columns renamed from training columns: each is compared under its training
    /// name.
    pub renames: &'a Renames,
}

/// Settings of the drift pass: what the Drift tab edits, a session file stores and the
/// command line's flags become. Fields added later need `#[serde(default)]` (and are skipped
/// while at their default) so older session files load and re-save byte for byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DriftSettings {
    /// The test of every column (`Auto`: chosen by type and size, as Evidently does).
    pub method: DriftMethod,
    /// The threshold of every column (`None`: the method's own).
    pub threshold: Option<f64>,
    /// Multiple-testing correction across the p-value tests.
    pub correction: Correction,
    /// Binning for PSI, KL, JS and Hellinger on numbers (auto: Evidently's own, which for
    /// Hellinger are its density bins over the distinct values).
    pub binning: BinningStrategy,
    /// Score each window of the current data as well.
    pub windows: Option<WindowSpec>,
    /// Share of drifted columns at which the dataset counts as drifted.
    pub drift_share: f64,
    /// Jensen–Shannon distance in base 2 instead of the natural log.
    pub js_base2: bool,
    /// Tests chosen for single columns (by training name); `Auto` entries are dropped.
    pub per_column: BTreeMap<String, DriftMethod>,
    /// Thresholds chosen for single columns (by training name).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub column_thresholds: BTreeMap<String, f64>,
    /// Tests chosen for every column of a kind.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub kind_methods: BTreeMap<FeatureType, DriftMethod>,
    /// Thresholds chosen for every column of a kind.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub kind_thresholds: BTreeMap<FeatureType, f64>,
    /// Compute every statistic that applies to each column, not only the chosen test. The tab
    /// and the report always do (their table shows a p-value and an effect size for every
    /// column); the command line only when asked.
    #[serde(skip_serializing_if = "is_true")]
    pub all_metrics: bool,
    /// Multivariate drift ([`super::multivariate`]) over the same windows; `None`: off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multivariate: Option<super::multivariate_settings::MultivariateSettings>,
    /// Text columns and embeddings ([`super::text_drift`]).
    #[serde(skip_serializing_if = "super::text_drift_settings::TextDriftSettings::is_default")]
    pub text: super::text_drift_settings::TextDriftSettings,
}

fn is_true(b: &bool) -> bool {
    *b
}

impl Default for DriftSettings {
    fn default() -> Self {
        Self {
            method: DriftMethod::Auto,
            threshold: None,
            correction: Correction::None,
            binning: BinningStrategy::Auto,
            windows: Some(WindowSpec::Week),
            drift_share: 0.5,
            js_base2: false,
            per_column: Default::default(),
            column_thresholds: Default::default(),
            kind_methods: Default::default(),
            kind_thresholds: Default::default(),
            all_metrics: true,
            multivariate: None,
            text: Default::default(),
        }
    }
}

impl DriftSettings {
    /// Every number of the settings inside its documented range ([`super::ranges`]): the
    /// engine refuses a pass otherwise, so the command line, the window and a session agree.
    pub fn validate(&self) -> Result<(), RangeError> {
        ranges::DRIFT_THRESHOLD.check_opt(self.threshold)?;
        ranges::DRIFT_SHARE.check(self.drift_share)?;
        ranges::check_binning(self.binning)?;
        ranges::check_windows(self.windows)?;
        for x in self.column_thresholds.values() {
            ranges::COLUMN_THRESHOLD.check(*x)?;
        }
        for x in self.kind_thresholds.values() {
            ranges::KIND_THRESHOLD.check(*x)?;
        }
        if let Some(m) = &self.multivariate {
            m.validate()?;
        }
        Ok(())
    }

    /// Each column's test and threshold by default, no windows and no extra statistics: the
    /// command line's defaults, and what a pass that needs only verdicts (or only windows,
    /// set after) asks for.
    pub fn verdicts_only() -> Self {
        Self {
            windows: None,
            all_metrics: false,
            ..Self::default()
        }
    }

    /// Whether every column gets its default test and threshold without correction, as
    /// [`DriftSettings::verdicts_only`] does: such a pass's per-column verdicts (and windows)
    /// are the ones another analysis would compute for itself (health's feature drift).
    pub fn default_verdicts(&self) -> bool {
        let d = Self::verdicts_only();
        self.method == d.method
            && self.threshold.is_none()
            && self.correction == d.correction
            && self.binning == d.binning
            && self.js_base2 == d.js_base2
            && self.per_column.is_empty()
            && self.column_thresholds.is_empty()
            && self.kind_methods.is_empty()
            && self.kind_thresholds.is_empty()
    }

    /// The core's options for these settings (resolution order: column > kind > global).
    pub fn options(&self) -> DriftOptions {
        let mut o = DriftOptions::default();
        o.global.method = (self.method != DriftMethod::Auto).then_some(self.method);
        o.global.threshold = self.threshold;
        o.correction = self.correction;
        o.binning = self.binning;
        o.drift_share = self.drift_share;
        if self.js_base2 {
            o.divergence.js_base = LogBase::Two;
        }
        for (column, method) in &self.per_column {
            o.per_column.entry(column.clone()).or_default().method = Some(*method);
        }
        for (column, threshold) in &self.column_thresholds {
            o.per_column.entry(column.clone()).or_default().threshold = Some(*threshold);
        }
        for (kind, method) in &self.kind_methods {
            o.per_feature_type.entry(*kind).or_default().method = Some(*method);
        }
        for (kind, threshold) in &self.kind_thresholds {
            o.per_feature_type.entry(*kind).or_default().threshold = Some(*threshold);
        }
        o
    }
}

/// Whether a tested column was treated as numbers or categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    Numeric,
    Categorical,
}

impl DriftKind {
    /// "numeric" or "categorical", as the outputs name it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Numeric => "numeric",
            Self::Categorical => "categorical",
        }
    }
}

/// How far past its threshold a score is: 1 at the threshold, 2 at twice the distance (or the
/// threshold squared for p-values: the scale is logarithmic there), 0 for no evidence. A
/// threshold that cannot be exceeded (≤ 0 for distances, outside (0, 1) for p-values) gives 0;
/// a p-value of 0 under a usable threshold gives infinity.
///
/// The one definition the Drift tab (order, colours, sparklines) and the report (order,
/// heatmap) share.
pub fn severity(method: DriftMethod, score: f64, threshold: f64) -> f64 {
    if method.yields_p_value() {
        if score >= 1.0 || !(threshold > 0.0 && threshold < 1.0) {
            0.0
        } else if score <= 0.0 {
            f64::INFINITY
        } else {
            score.ln() / threshold.ln()
        }
    } else if threshold > 0.0 {
        score / threshold
    } else {
        0.0
    }
}

/// One tested column: the core's verdict plus what the reports show next to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDrift {
    pub verdict: ColumnDriftReport,
    pub reference_name: String,
    pub current_name: String,
    pub kind: DriftKind,
    /// Values excluded before testing (null, NaN, ±inf), per side.
    pub reference_missing: ExcludedCounts,
    pub current_missing: ExcludedCounts,
    /// Every applicable statistic, when asked for.
    pub metrics: Option<AllMetricsReport>,
}

impl ColumnDrift {
    /// Whether the core tested the column (it declines columns it cannot test, with a reason).
    pub fn is_tested(&self) -> bool {
        self.verdict.method.is_some()
    }

    /// How the column was tested: an integer column with few values is tested as categories
    /// even though it is stored as numbers (see [`ColumnDrift::kind`] for the storage).
    pub fn tested_as(&self) -> DriftKind {
        match self.verdict.feature_type {
            FeatureType::Numerical => DriftKind::Numeric,
            _ => DriftKind::Categorical,
        }
    }

    /// The score that decides: the p-value after correction for p-value tests, the distance
    /// for the others.
    pub fn deciding_score(&self) -> Option<f64> {
        self.verdict.adjusted_score.or(self.verdict.score)
    }

    /// The column's [`severity`]; `None` for a column without a test, score or threshold.
    pub fn severity(&self) -> Option<f64> {
        let v = &self.verdict;
        match (v.method, self.deciding_score(), v.threshold) {
            (Some(m), Some(x), Some(t)) => Some(severity(m, x, t)),
            _ => None,
        }
    }

    /// The test's statistic: the distance for distance tests, the test statistic (KS D,
    /// chi-square) for p-value tests when the full metric set has it.
    pub fn statistic(&self) -> Option<f64> {
        let v = &self.verdict;
        let method = v.method?;
        if !method.yields_p_value() {
            return v.score;
        }
        let metric = match method {
            DriftMethod::Ks => DriftMetric::KsStatistic,
            DriftMethod::Chisquare => DriftMetric::ChiSquareStatistic,
            _ => return None,
        };
        self.metrics.as_ref()?.get(metric)
    }

    /// A p-value for tables: the test's own (after correction), or for distance tests KS
    /// (numbers) or chi-square / z (categories) from the full metric set; with the test's
    /// name.
    pub fn p_value(&self) -> Option<(f64, &'static str)> {
        let v = &self.verdict;
        if let Some(m) = v.method.filter(|m| m.yields_p_value()) {
            return self.deciding_score().map(|p| (p, m.name()));
        }
        let metrics = self.metrics.as_ref()?;
        let candidates: &[(DriftMetric, &'static str)] = match v.feature_type {
            FeatureType::Numerical => &[(DriftMetric::KsPValue, "ks")],
            _ => &[
                (DriftMetric::ChiSquarePValue, "chisquare"),
                (DriftMetric::ZTestPValue, "z"),
            ],
        };
        candidates
            .iter()
            .find_map(|(metric, name)| metrics.get(*metric).map(|p| (p, *name)))
    }

    /// An effect size: normed Wasserstein (in reference standard deviations) for numbers,
    /// Cramer's V for categories; with its description. Needs `all_metrics`.
    pub fn effect_size(&self) -> Option<(f64, &'static str)> {
        let metrics = self.metrics.as_ref()?;
        match self.verdict.feature_type {
            FeatureType::Numerical => metrics
                .get(DriftMetric::WassersteinNormed)
                .map(|v| (v, "Wasserstein distance / reference std")),
            _ => metrics
                .get(DriftMetric::CramersV)
                .map(|v| (v, "Cramer's V of training vs production")),
        }
    }
}

/// A column that was not tested, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub column: String,
    pub reason: String,
}

/// Scores of every column in every window of the current data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowedDrift {
    pub spec: WindowSpec,
    pub windows: Vec<Window>,
    /// Per tested column, in the order of [`DriftOutcome::columns`].
    pub columns: Vec<WindowedColumn>,
    /// Share of drifted columns per window.
    pub drift_share: Vec<f64>,
    /// Whether each window shows dataset drift.
    pub dataset_drift: Vec<bool>,
    /// Current rows without a timestamp (in no window).
    pub unassigned_rows: usize,
    /// The window of each current row, to draw one window's distribution.
    #[serde(skip)]
    pub row_window: Vec<Option<u32>>,
}

impl WindowedDrift {
    /// Current rows in window `w`.
    pub fn rows_of(&self, w: usize) -> Vec<u32> {
        self.row_window
            .iter()
            .enumerate()
            .filter(|(_, x)| **x == Some(w as u32))
            .map(|(i, _)| i as u32)
            .collect()
    }
}

/// One column's scores over the windows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowedColumn {
    pub column: String,
    /// Score per window (`None` when the window could not be tested, e.g. all values missing).
    pub scores: Vec<Option<f64>>,
    pub drifted: Vec<bool>,
    /// A threshold learned from the reference split into the same kind of windows: mean + 3σ
    /// of the reference windows' scores for distances, mean − 3σ (at least 0) for p-values, as
    /// NannyML derives its thresholds. `None` with fewer than two reference windows.
    pub reference_threshold: Option<f64>,
}

/// The result of a drift pass: what every presenter (the command's JSON and table, the Drift
/// tab, the report) reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftOutcome {
    /// Dataset verdict and the per-column verdicts (same order as `columns`).
    pub report: DatasetDriftReport,
    pub columns: Vec<ColumnDrift>,
    pub skipped: Vec<Skipped>,
    pub windows: Option<WindowedDrift>,
    /// Why windows were asked for but not scored (e.g. no timestamp column for weekly windows).
    pub windows_error: Option<String>,
    /// The share of drifted columns at which the dataset counts as drifted.
    pub drift_share_threshold: f64,
}

impl DriftOutcome {
    /// The tested columns, most drifted first: drifted before not drifted, then by
    /// [`severity`] (highest first; a column without one last). Stable: ties keep the
    /// training file's column order. The Drift tab and the report list columns in this order.
    pub fn ranked(&self) -> Vec<&ColumnDrift> {
        let mut tested: Vec<&ColumnDrift> = self.columns.iter().filter(|c| c.is_tested()).collect();
        let sev = |c: &ColumnDrift| c.severity().unwrap_or(-1.0);
        tested.sort_by(|a, b| {
            b.verdict
                .drifted
                .cmp(&a.verdict.drifted)
                .then(sev(b).total_cmp(&sev(a)))
        });
        tested
    }

    /// Every column that was not tested, with its reason: those left out before testing
    /// (roles, one side only, types), then those the core declined, in column order.
    pub fn not_tested(&self) -> Vec<Skipped> {
        let mut skipped = self.skipped.clone();
        skipped.extend(self.columns.iter().filter(|c| !c.is_tested()).map(|c| {
            Skipped {
                column: c.reference_name.clone(),
                reason: c
                    .verdict
                    .not_tested_reason
                    .clone()
                    .unwrap_or_else(|| "not tested".into()),
            }
        }));
        skipped
    }

    /// The column (tested or not) with this training or production name.
    pub fn column(&self, name: &str) -> Option<&ColumnDrift> {
        self.columns
            .iter()
            .find(|c| c.reference_name == name || c.current_name == name)
    }
}

/// Why a drift pass could not run at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriftError {
    #[error("{0}")]
    Windows(#[from] windows::WindowError),
    #[error("drift was cancelled")]
    Cancelled,
    #[error("the data changed since the drift table was computed; it is computed again")]
    Stale,
    #[error(transparent)]
    Range(#[from] RangeError),
    #[error("renaming \"{current}\" to \"{reference}\" is impossible: {reason}")]
    BadRename {
        current: String,
        reference: String,
        reason: String,
    },
}

impl From<Cancelled> for DriftError {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

/// A column ready for testing: both sides pulled out of the frames and sorted.
struct Prepared {
    reference_name: String,
    current_name: String,
    storage: DriftStorage,
    data: PreparedData,
}

enum PreparedData {
    Numeric {
        reference: Arc<NumericSample>,
        current: Arc<NumericSample>,
        /// Whether both sides are stored as integers (NumPy's sturges bins look at it).
        integer: bool,
    },
    Categorical(CategoricalPair),
}

impl Prepared {
    fn kind(&self) -> DriftKind {
        match self.data {
            PreparedData::Numeric { .. } => DriftKind::Numeric,
            PreparedData::Categorical(_) => DriftKind::Categorical,
        }
    }

    /// Let go of the whole current sample of a numeric column (the windows need only the
    /// reference's): a million-row column's 8 MB each.
    fn drop_current(&mut self) {
        if let PreparedData::Numeric { current, .. } = &mut self.data {
            *current = Arc::new(NumericSample::from_vec(Vec::new(), 0));
        }
    }

    /// The core's input for the whole data.
    fn input(&self) -> ColumnInput {
        let values = match &self.data {
            PreparedData::Numeric {
                reference, current, ..
            } => ColumnValues::Numeric {
                reference: reference.clone(),
                current: current.clone(),
            },
            PreparedData::Categorical(pair) => {
                let n = pair.labels.len();
                let (r, rm) = CategoricalPair::counts(&pair.reference, n, None);
                let (c, cm) = CategoricalPair::counts(&pair.current, n, None);
                ColumnValues::Categorical(CategoricalCounts::from_aligned(
                    &pair.labels,
                    &r,
                    &c,
                    (rm, cm),
                ))
            }
        };
        ColumnInput {
            name: self.reference_name.clone(),
            kind: self.storage,
            values,
        }
    }

    fn excluded(&self) -> (ExcludedCounts, ExcludedCounts) {
        match &self.data {
            PreparedData::Numeric {
                reference, current, ..
            } => (reference.excluded(), current.excluded()),
            PreparedData::Categorical(pair) => {
                let missing = |codes: &[u32]| ExcludedCounts {
                    missing: codes.iter().filter(|&&c| c == MISSING_CODE).count(),
                    ..ExcludedCounts::default()
                };
                (missing(&pair.reference), missing(&pair.current))
            }
        }
    }
}

/// Run the drift pass: the one entry point of drift for the command line, the window, the
/// report and the passes that need drift per window (health, seasonality's comparison).
pub fn run(
    inputs: &DriftInputs,
    settings: &DriftSettings,
    progress: &Progress,
) -> Result<DriftOutcome, DriftError> {
    let DriftInputs {
        reference,
        current,
        roles,
        renames,
    } = *inputs;
    settings.validate()?;
    let options = settings.options();
    progress.set(Some(0.0), "Choosing columns");
    let (plan, skipped) = plan_columns(reference, current, roles, renames)?;
    progress.check()?;

    progress.set(Some(0.05), format!("Sorting {} columns", plan.len()));
    let prepared: Vec<Option<Prepared>> = parallel_map(&plan, |p| {
        if progress.is_cancelled() {
            return None;
        }
        prepare(reference, current, p)
    });
    progress.check()?;
    let mut prepared: Vec<Prepared> = prepared.into_iter().flatten().collect();

    progress.set(Some(0.5), "Testing columns");
    let tested: Vec<ColumnInput> = prepared.iter().map(Prepared::input).collect();
    let verdicts = parallel_map(&tested, |i| evaluate_column_or_skip(i, &options));
    let report = dataset_report(verdicts, &options);
    progress.check()?;

    let metrics: Vec<Option<AllMetricsReport>> = if settings.all_metrics {
        progress.set(Some(0.6), "Computing every statistic");
        let metric_params = AllMetricsParams {
            binning: options.binning,
            divergence: options.divergence,
            ..AllMetricsParams::default()
        };
        let work: Vec<(&ColumnInput, &ColumnDriftReport)> =
            tested.iter().zip(&report.columns).collect();
        parallel_map(&work, |(input, verdict)| {
            all_metrics(input, verdict, &metric_params)
        })
    } else {
        vec![None; tested.len()]
    };
    progress.check()?;

    let columns: Vec<ColumnDrift> = prepared
        .iter()
        .zip(report.columns.iter())
        .zip(metrics)
        .map(|((p, verdict), metrics)| {
            let (reference_missing, current_missing) = p.excluded();
            ColumnDrift {
                verdict: verdict.clone(),
                reference_name: p.reference_name.clone(),
                current_name: p.current_name.clone(),
                kind: p.kind(),
                reference_missing,
                current_missing,
                metrics,
            }
        })
        .collect();

    // Windows that cannot be made (no timestamp for weeks, say) leave the columns' verdicts
    // standing: the per-window part is left out, with the reason. The windows are tested
    // against the whole reference only: the whole current samples go first.
    drop(tested);
    prepared.iter_mut().for_each(Prepared::drop_current);
    let (windows, windows_error) =
        windows_part(inputs, settings, &prepared, &report, &options, progress)?;
    progress.set(Some(1.0), "Done");
    Ok(DriftOutcome {
        report,
        columns,
        skipped,
        windows,
        windows_error,
        drift_share_threshold: options.drift_share,
    })
}

/// The per-window part of a pass (`settings.windows`), or why it could not be made.
fn windows_part(
    inputs: &DriftInputs,
    settings: &DriftSettings,
    prepared: &[Prepared],
    report: &DatasetDriftReport,
    options: &DriftOptions,
    progress: &Progress,
) -> Result<(Option<WindowedDrift>, Option<String>), DriftError> {
    let Some(spec) = settings.windows else {
        return Ok((None, None));
    };
    progress.set(Some(0.75), format!("Scoring windows by {spec}"));
    let DriftInputs {
        reference,
        current,
        roles,
        ..
    } = *inputs;
    match windowed(
        reference, current, roles, prepared, report, spec, options, progress,
    ) {
        Ok(w) => Ok((Some(w), None)),
        Err(DriftError::Windows(e)) => Ok((None, Some(e.to_string()))),
        Err(e) => Err(e),
    }
}

/// The windows of a pass whose whole-data part (`whole`, computed with the same inputs and
/// settings, its windows left out) is already shown: the window shows the drift table first
/// and lets the heatmap and the learned thresholds fill in from this. The columns are pulled
/// out and sorted again (a fraction of the windows' cost) rather than kept in memory between.
pub fn run_windows(
    inputs: &DriftInputs,
    settings: &DriftSettings,
    whole: &DriftOutcome,
    progress: &Progress,
) -> Result<(Option<WindowedDrift>, Option<String>), DriftError> {
    if settings.windows.is_none() {
        return Ok((None, None));
    }
    let options = settings.options();
    progress.set(Some(0.0), "Choosing columns");
    let (plan, _) = plan_columns(
        inputs.reference,
        inputs.current,
        inputs.roles,
        inputs.renames,
    )?;
    progress.set(Some(0.05), format!("Sorting {} columns", plan.len()));
    let prepared: Vec<Option<Prepared>> = parallel_map(&plan, |p| {
        if progress.is_cancelled() {
            return None;
        }
        prepare(inputs.reference, inputs.current, p)
    });
    progress.check()?;
    let mut prepared: Vec<Prepared> = prepared.into_iter().flatten().collect();
    prepared.iter_mut().for_each(Prepared::drop_current);
    let same_columns = prepared.len() == whole.report.columns.len()
        && prepared
            .iter()
            .zip(&whole.report.columns)
            .all(|(p, c)| p.reference_name == c.name);
    if !same_columns {
        return Err(DriftError::Stale);
    }
    let result = windows_part(
        inputs,
        settings,
        &prepared,
        &whole.report,
        &options,
        progress,
    );
    progress.set(Some(1.0), "Done");
    result
}

/// Every statistic that applies to the column. An integer column with few values is tested
/// as categorical, so it gets the categorical statistics, computed on its values as
/// categories; being numbers, it also gets every numeric one (KS, Wasserstein, ...), the
/// values Evidently computes when the column is declared numerical. Where both sets name the
/// same statistic (PSI, KL, Jensen-Shannon, Hellinger) the categorical one is kept, as it is
/// the one the column's test uses.
fn all_metrics(
    input: &ColumnInput,
    verdict: &ColumnDriftReport,
    params: &AllMetricsParams,
) -> Option<AllMetricsReport> {
    match &input.values {
        ColumnValues::Numeric { reference, current }
            if verdict.feature_type == FeatureType::Categorical =>
        {
            let mut all = all_categorical_metrics(
                &CategoricalCounts::from_numeric(reference, current),
                params,
            )
            .ok()?;
            if let Ok(numeric) = all_numeric_metrics(reference, current, params) {
                for (metric, value) in numeric.values {
                    if !all.values.contains_key(&metric) && !all.skipped.contains_key(&metric) {
                        all.values.insert(metric, value);
                    }
                }
                for (metric, why) in numeric.skipped {
                    if !all.values.contains_key(&metric) && !all.skipped.contains_key(&metric) {
                        all.skipped.insert(metric, why);
                    }
                }
            }
            Some(all)
        }
        ColumnValues::Numeric { reference, current } => {
            all_numeric_metrics(reference, current, params).ok()
        }
        ColumnValues::Categorical(c) => all_categorical_metrics(c, params).ok(),
    }
}

/// A column to test: its names on both sides and how it is stored.
struct Planned {
    reference_name: String,
    current_name: String,
    storage: DriftStorage,
}

/// Decide which columns are tested. Ids, timestamps and ignored columns are skipped, as are
/// columns present on one side only and columns whose kind differs between the sides; each
/// skip is reported with its reason.
fn plan_columns(
    reference: &Dataset,
    current: &Dataset,
    roles: &RoleMap,
    renames: &Renames,
) -> Result<(Vec<Planned>, Vec<Skipped>), DriftError> {
    let ref_frame = &reference.frame;
    let cur_frame = &current.frame;
    let mut old_to_new: BTreeMap<&str, &str> = BTreeMap::new();
    for (new, old) in renames.iter() {
        let bad = |reason: &str| DriftError::BadRename {
            current: new.to_string(),
            reference: old.to_string(),
            reason: reason.to_string(),
        };
        if cur_frame.column(new).is_err() {
            return Err(bad("the production data has no such column"));
        }
        if ref_frame.column(old).is_err() {
            return Err(bad("the training data has no such column"));
        }
        old_to_new.insert(old, new);
    }
    let renamed_targets: Vec<&str> = old_to_new.values().copied().collect();
    let mut plan = Vec::new();
    let mut skipped = Vec::new();
    for col in ref_frame.columns() {
        let name = col.name().as_str();
        let skip = |reason: String| Skipped {
            column: name.to_string(),
            reason,
        };
        match roles.get(name) {
            // The arm a unit was served is assigned, not a property of the data that drifts.
            Role::Id | Role::Timestamp | Role::Ignored | Role::Variant | Role::ModelVersion => {
                let role = roles.get(name).name();
                skipped.push(skip(format!("{role} column (by its role)")));
                continue;
            }
            _ => {}
        }
        let current_name = old_to_new.get(name).copied().unwrap_or(name);
        let Ok(cur_col) = cur_frame.column(current_name) else {
            skipped.push(skip("only in the training data".into()));
            continue;
        };
        let (rs, cs) = (
            columns::storage_of(col.dtype()),
            columns::storage_of(cur_col.dtype()),
        );
        let storage = match (rs, cs) {
            (Storage::Float | Storage::Integer, Storage::Float | Storage::Integer) => {
                if rs == Storage::Integer && cs == Storage::Integer {
                    DriftStorage::Integer
                } else {
                    DriftStorage::Float
                }
            }
            (Storage::String, Storage::String) => DriftStorage::String,
            (Storage::Boolean, Storage::Boolean) => DriftStorage::Boolean,
            (Storage::Datetime, Storage::Datetime) => {
                skipped.push(skip("datetime columns are not tested".into()));
                continue;
            }
            (Storage::Other, _) | (_, Storage::Other) => {
                skipped.push(skip(format!("its type ({}) cannot be tested", col.dtype())));
                continue;
            }
            _ => {
                skipped.push(skip(format!(
                    "its type differs: {} in training, {} in production",
                    col.dtype(),
                    cur_col.dtype()
                )));
                continue;
            }
        };
        plan.push(Planned {
            reference_name: name.to_string(),
            current_name: current_name.to_string(),
            storage,
        });
    }
    for col in cur_frame.columns() {
        let name = col.name().as_str();
        if ref_frame.column(name).is_err() && !renamed_targets.contains(&name) {
            skipped.push(Skipped {
                column: name.to_string(),
                reason: "only in the production data".into(),
            });
        }
    }
    Ok((plan, skipped))
}

fn prepare(reference: &Dataset, current: &Dataset, p: &Planned) -> Option<Prepared> {
    let r = reference
        .frame
        .column(&p.reference_name)
        .ok()?
        .as_materialized_series();
    let c = current
        .frame
        .column(&p.current_name)
        .ok()?
        .as_materialized_series();
    let data = match p.storage {
        DriftStorage::Float | DriftStorage::Integer => {
            let integer = p.storage == DriftStorage::Integer;
            // Straight from the column to a sorted sample: no row-aligned copy.
            let sample = |s: &polars::prelude::Series| -> Option<Arc<NumericSample>> {
                let cast = s.cast(&polars::prelude::DataType::Float64).ok()?;
                let ca = cast.f64().ok()?;
                let missing = ca.null_count();
                let values: Vec<f64> = if missing == 0 {
                    ca.into_no_null_iter().collect()
                } else {
                    ca.iter().flatten().collect()
                };
                Some(Arc::new(
                    NumericSample::from_vec(values, missing).with_integer_dtype(integer),
                ))
            };
            PreparedData::Numeric {
                reference: sample(r)?,
                current: sample(c)?,
                integer,
            }
        }
        DriftStorage::String | DriftStorage::Boolean => {
            PreparedData::Categorical(columns::categorical_pair(r, c)?)
        }
        DriftStorage::Datetime => return None,
    };
    Some(Prepared {
        reference_name: p.reference_name.clone(),
        current_name: p.current_name.clone(),
        storage: p.storage,
        data,
    })
}

/// Options that keep each column on the method chosen for the whole data, so that a window's
/// score is comparable with the others (a window has fewer distinct values and would otherwise
/// switch tests).
fn pinned_options(options: &DriftOptions, report: &DatasetDriftReport) -> DriftOptions {
    let mut pinned = options.clone();
    for c in &report.columns {
        if let Some(method) = c.method {
            pinned
                .known_columns
                .insert(c.name.clone(), (c.feature_type, c.n_values));
            let entry = pinned
                .per_column
                .entry(c.name.clone())
                .or_insert(MethodOverride {
                    method: None,
                    threshold: None,
                });
            entry.method = Some(method);
            entry.threshold = c.threshold;
        }
    }
    pinned
}

/// Timestamps of a dataset's timestamp-role column (current side uses its own name).
fn timestamps(ds: &Dataset, roles: &RoleMap) -> Option<Vec<Option<i64>>> {
    let name = roles.column_with(Role::Timestamp)?;
    let col = ds.frame.column(name).ok()?;
    columns::times(col.as_materialized_series())
}

#[allow(clippy::too_many_arguments)]
fn windowed(
    reference: &Dataset,
    current: &Dataset,
    roles: &RoleMap,
    prepared: &[Prepared],
    report: &DatasetDriftReport,
    spec: WindowSpec,
    options: &DriftOptions,
    progress: &Progress,
) -> Result<WindowedDrift, DriftError> {
    let options = pinned_options(options, report);
    let cur_times = timestamps(current, roles);
    let assignment = windows::assign(spec, cur_times.as_deref(), current.rows())?;
    let n_windows = assignment.windows.len();
    // The same kind of windows over the reference, each scored against the whole reference;
    // without them (e.g. no reference timestamp) the learned thresholds are left out.
    let ref_times = timestamps(reference, roles);
    let ref_assignment = windows::assign(spec, ref_times.as_deref(), reference.rows()).ok();

    // Column by column (on all cores): one pass over a column splits it into its windows'
    // samples, so no row-aligned copy of any column is kept.
    // Prepared columns and the whole pass's verdicts are in the same order.
    let work: Vec<(&Prepared, &ColumnDriftReport)> = prepared.iter().zip(&report.columns).collect();
    let per_column: Vec<Option<(Vec<ColumnDriftReport>, Option<f64>)>> =
        parallel_map(&work, |&(p, verdict)| {
            if progress.is_cancelled() {
                return None;
            }
            // The whole reference, compared with every window: with its ECDF integral, so
            // each window's Wasserstein distance skips through it instead of merging it all.
            let whole = match &p.data {
                PreparedData::Numeric { reference, .. } => {
                    Some(Arc::new((**reference).clone().with_cdf_integral()))
                }
                PreparedData::Categorical(_) => None,
            };
            let cur = window_reports(
                p,
                whole.as_ref(),
                current,
                &p.current_name,
                Side::Current,
                &assignment.row_window,
                n_windows,
                &options,
            )?;
            let threshold = ref_assignment.as_ref().and_then(|a| {
                let reports = window_reports(
                    p,
                    whole.as_ref(),
                    reference,
                    &p.reference_name,
                    Side::Reference,
                    &a.row_window,
                    a.windows.len(),
                    &options,
                )?;
                derived_threshold(verdict, &reports)
            });
            Some((cur, threshold))
        });
    progress.check()?;
    let per_column: Vec<(Vec<ColumnDriftReport>, Option<f64>)> =
        per_column.into_iter().flatten().collect();
    if per_column.len() != prepared.len() {
        // A column that could no longer be read from its frame: nothing sensible to show.
        return Err(DriftError::Stale);
    }
    // Per window: the corrections across columns and the dataset verdict, as a whole pass.
    let per_window: Vec<DatasetDriftReport> = (0..n_windows)
        .map(|w| {
            let reports = per_column.iter().map(|(c, _)| c[w].clone()).collect();
            dataset_report(reports, &options)
        })
        .collect();

    let unassigned_rows = assignment.unassigned();
    let columns = prepared
        .iter()
        .zip(&per_column)
        .enumerate()
        .map(|(i, (p, (_, threshold)))| WindowedColumn {
            column: p.reference_name.clone(),
            scores: per_window
                .iter()
                .map(|w| w.columns[i].adjusted_score.or(w.columns[i].score))
                .collect(),
            drifted: per_window.iter().map(|w| w.columns[i].drifted).collect(),
            reference_threshold: *threshold,
        })
        .collect();
    Ok(WindowedDrift {
        spec,
        windows: assignment.windows,
        columns,
        drift_share: per_window
            .iter()
            .map(|w| w.share_of_drifted_columns)
            .collect(),
        dataset_drift: per_window.iter().map(|w| w.dataset_drift).collect(),
        unassigned_rows,
        row_window: assignment.row_window,
    })
}

/// A column's verdict in each of `n_windows` windows of one side (`row_window`: the window of
/// each of its rows), each window tested against the whole reference.
fn window_reports(
    p: &Prepared,
    whole_reference: Option<&Arc<NumericSample>>,
    data: &Dataset,
    name: &str,
    side: Side,
    row_window: &[Option<u32>],
    n_windows: usize,
    options: &DriftOptions,
) -> Option<Vec<ColumnDriftReport>> {
    let input = |values: ColumnValues| ColumnInput {
        name: p.reference_name.clone(),
        kind: p.storage,
        values,
    };
    let inputs: Vec<ColumnInput> = match &p.data {
        PreparedData::Numeric {
            reference, integer, ..
        } => {
            let reference = whole_reference.unwrap_or(reference);
            let series = data.frame.column(name).ok()?.as_materialized_series();
            let cast = series.cast(&polars::prelude::DataType::Float64).ok()?;
            let ca = cast.f64().ok()?;
            let mut values: Vec<Vec<f64>> = vec![Vec::new(); n_windows];
            let mut missing = vec![0usize; n_windows];
            for (v, w) in ca.iter().zip(row_window) {
                if let Some(w) = w {
                    match v {
                        Some(v) => values[*w as usize].push(v),
                        None => missing[*w as usize] += 1,
                    }
                }
            }
            values
                .into_iter()
                .zip(missing)
                .map(|(v, m)| {
                    input(ColumnValues::Numeric {
                        reference: reference.clone(),
                        current: Arc::new(
                            NumericSample::from_vec(v, m).with_integer_dtype(*integer),
                        ),
                    })
                })
                .collect()
        }
        PreparedData::Categorical(pair) => {
            let n = pair.labels.len();
            let codes = match side {
                Side::Reference => &pair.reference,
                Side::Current => &pair.current,
            };
            let (r, rm) = CategoricalPair::counts(&pair.reference, n, None);
            let mut counts = vec![vec![0u64; n]; n_windows];
            let mut missing = vec![0u64; n_windows];
            for (&c, w) in codes.iter().zip(row_window) {
                if let Some(w) = w {
                    if c == MISSING_CODE {
                        missing[*w as usize] += 1;
                    } else {
                        counts[*w as usize][c as usize] += 1;
                    }
                }
            }
            counts
                .iter()
                .zip(missing)
                .map(|(c, cm)| {
                    input(ColumnValues::Categorical(CategoricalCounts::from_aligned(
                        &pair.labels,
                        &r,
                        c,
                        (rm, cm),
                    )))
                })
                .collect()
        }
    };
    Some(
        inputs
            .iter()
            .map(|i| evaluate_column_or_skip(i, options))
            .collect(),
    )
}

/// mean ± 3σ of the reference windows' scores (see [`WindowedColumn::reference_threshold`]).
fn derived_threshold(
    verdict: &ColumnDriftReport,
    ref_reports: &[ColumnDriftReport],
) -> Option<f64> {
    let method: DriftMethod = verdict.method?;
    let scores: Vec<f64> = ref_reports
        .iter()
        .filter_map(|r| r.score)
        .filter(|s| s.is_finite())
        .collect();
    if scores.len() < 2 {
        return None;
    }
    let n = scores.len() as f64;
    let mean = scores.iter().sum::<f64>() / n;
    // Sample standard deviation (ddof = 1), as pandas' std() that NannyML uses.
    let sd = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    Some(match method.direction() {
        DriftDirection::PValueBelow | DriftDirection::PValueAtOrBelow => (mean - 3.0 * sd).max(0.0),
        _ => mean + 3.0 * sd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_edge_cases_are_the_reports() {
        // Distances: linear; a threshold that cannot be exceeded gives no evidence.
        assert_eq!(severity(DriftMethod::Psi, 0.2, 0.1), 2.0);
        assert_eq!(severity(DriftMethod::Psi, 0.2, 0.0), 0.0);
        assert_eq!(severity(DriftMethod::Psi, 0.2, -1.0), 0.0);
        // p-values: logarithmic; p = 0 is infinitely past a usable threshold.
        assert!((severity(DriftMethod::Ks, 0.0025, 0.05) - 2.0).abs() < 1e-12);
        assert_eq!(severity(DriftMethod::Ks, 0.0, 0.05), f64::INFINITY);
        assert_eq!(severity(DriftMethod::Ks, 0.0, 0.0), 0.0);
        assert_eq!(severity(DriftMethod::Ks, 0.0, 1.0), 0.0);
        assert_eq!(severity(DriftMethod::Ks, 1.0, 0.05), 0.0);
    }

    #[test]
    fn settings_store_only_what_sessions_always_stored() {
        let text = ron::to_string(&DriftSettings::default()).expect("ron");
        for key in [
            "column_thresholds",
            "kind_methods",
            "kind_thresholds",
            "all_metrics",
        ] {
            assert!(!text.contains(key), "{key} in {text}");
        }
        let mut cli = DriftSettings::verdicts_only();
        cli.column_thresholds.insert("income".into(), 0.2);
        cli.kind_methods
            .insert(FeatureType::Categorical, DriftMethod::Psi);
        let back: DriftSettings = ron::from_str(&ron::to_string(&cli).expect("ron")).expect("ron");
        assert_eq!(back, cli);
        let o = back.options();
        assert_eq!(o.per_column["income"].threshold, Some(0.2));
        assert_eq!(
            o.per_feature_type[&FeatureType::Categorical].method,
            Some(DriftMethod::Psi)
        );
    }
}
