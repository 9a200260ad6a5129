//! Multivariate drift over two datasets: pick the features (by role, on both sides, numbers
//! and categories), fit NannyML's data reconstruction on the reference, score the reference's
//! and the current data's windows, and run a domain classifier per window. The drift command,
//! the Drift tab and the report read [`MultivariateOutcome`] only.

use serde::Serialize;

use super::columns::{self, MISSING_CODE, Storage};
use super::drift::{DriftInputs, Skipped};
pub use super::multivariate_settings::MultivariateSettings;
use super::parallel_map;
use super::ranges::RangeError;
use crate::analysis::multivariate::classifier::{ClassifierError, ClassifierParams};
use crate::analysis::multivariate::{
    FeatureData, MISSING, MultivariateError, ReconstructionModel, ReconstructionParams, SideErrors,
    alert, classifier_inputs, domain_classifier, most_anomalous, thresholds, window_stats,
};
use crate::analysis::windows::{self, Window, WindowSpec};
use crate::data::Dataset;
use crate::vocab::{Cancelled, Progress, Rng, Role};

/// A row standing out in a window: its reconstruction error is among the window's largest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnomalousRow {
    /// Row number in the current file (0-based).
    pub row: usize,
    /// The id column's value, when a column has the id role.
    pub id: Option<String>,
    /// The row's timestamp (µs since the epoch).
    pub timestamp: Option<i64>,
    pub error: f64,
}

/// One window's reconstruction error and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorWindow {
    pub window: Window,
    /// Mean reconstruction error of the window's rows.
    pub error: f64,
    /// Standard deviation of the rows' errors (ddof 1) / √rows; `None` below two rows.
    pub sampling_error: Option<f64>,
    pub upper: Option<f64>,
    pub lower: Option<f64>,
    pub alert: bool,
    /// Each feature's share of the squared error, in [`MultivariateOutcome::features`] order.
    pub contributions: Vec<f64>,
    /// The rows with the largest errors (current windows only).
    pub anomalies: Vec<AnomalousRow>,
}

/// The reconstruction part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconstruction {
    /// Principal components kept.
    pub components: usize,
    /// Every component's explained variance ratio, largest first.
    pub explained_variance_ratio: Vec<f64>,
    pub upper: Option<f64>,
    pub lower: Option<f64>,
    /// The reference's own windows (they set the thresholds).
    pub reference_windows: Vec<ErrorWindow>,
    pub windows: Vec<ErrorWindow>,
    /// Mean error over every current row, and whether it is outside the band.
    pub overall_error: f64,
    pub overall_alert: bool,
    /// Current rows in no window (no timestamp).
    pub unassigned_rows: usize,
}

/// The domain classifier of one window (or of the whole current data).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassifierWindow {
    pub window: Window,
    pub auc: Option<f64>,
    pub p_value: Option<f64>,
    pub drifted: bool,
    pub reference_rows: usize,
    pub current_rows: usize,
    /// Each feature's share of the absolute coefficients (its value, square and residual).
    pub importances: Vec<f64>,
    /// Why the window has no AUC.
    pub error: Option<String>,
}

/// The domain classifier part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainClassifier {
    pub folds: usize,
    pub auc_threshold: f64,
    /// The whole current data against the reference.
    pub overall: ClassifierWindow,
    pub windows: Vec<ClassifierWindow>,
}

/// The result of multivariate drift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultivariateOutcome {
    /// The features used, in the training file's order.
    pub features: Vec<String>,
    /// Which of them are categories (frequency-encoded).
    pub categorical: Vec<String>,
    /// Columns left out, and why.
    pub skipped: Vec<Skipped>,
    pub spec: WindowSpec,
    pub reconstruction: Reconstruction,
    pub domain_classifier: Option<DomainClassifier>,
}

impl MultivariateOutcome {
    /// Whether either method calls the current data different.
    pub fn drifted(&self) -> bool {
        self.reconstruction.overall_alert
            || self.reconstruction.windows.iter().any(|w| w.alert)
            || self
                .domain_classifier
                .as_ref()
                .is_some_and(|c| c.overall.drifted || c.windows.iter().any(|w| w.drifted))
    }
}

/// Why multivariate drift could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultivariateRunError {
    #[error(transparent)]
    Range(#[from] RangeError),
    #[error("multivariate drift: {0}")]
    Core(#[from] MultivariateError),
    #[error("multivariate drift: {0}")]
    Windows(#[from] windows::WindowError),
    #[error("multivariate drift was cancelled")]
    Cancelled,
}

impl From<Cancelled> for MultivariateRunError {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

/// Rows per parallel work item.
const PART: usize = 65_536;

/// Run multivariate drift with the windows `spec` (the drift pass's; weeks when it has none).
pub fn run(
    inputs: &DriftInputs,
    settings: &MultivariateSettings,
    spec: WindowSpec,
    progress: &Progress,
) -> Result<MultivariateOutcome, MultivariateRunError> {
    settings.validate()?;
    let DriftInputs {
        reference,
        current,
        roles,
        renames,
    } = *inputs;
    progress.set(Some(0.0), "Choosing features");
    let (names, features, categorical, skipped) = pick_features(inputs);
    progress.check()?;
    let times = |ds: &Dataset| {
        let name = roles.column_with(Role::Timestamp)?;
        let name = if std::ptr::eq(ds, current) {
            renames.current_name(name)
        } else {
            name
        };
        columns::times(ds.frame.column(name).ok()?.as_materialized_series())
    };
    let (ref_times, cur_times) = (times(reference), times(current));
    let cur_assign = windows::assign(spec, cur_times.as_deref(), current.rows())?;
    let ref_assign = windows::assign(spec, ref_times.as_deref(), reference.rows())?;

    progress.set(Some(0.1), "Fitting the reconstruction");
    let model = ReconstructionModel::fit(
        &features,
        &ReconstructionParams {
            variance: settings.variance,
        },
        &names,
    )?;
    progress.check()?;

    progress.set(Some(0.3), "Reconstructing every row");
    let side_errors = |is_current: bool, assign: &windows::WindowAssignment, n: usize| {
        let parts: Vec<std::ops::Range<usize>> =
            (0..n).step_by(PART).map(|s| s..(s + PART).min(n)).collect();
        let done = parallel_map(&parts, |r| {
            if progress.is_cancelled() {
                return SideErrors::default();
            }
            model.errors(
                &features,
                is_current,
                &assign.row_window,
                assign.windows.len(),
                r.clone(),
            )
        });
        SideErrors::concat(done)
    };
    let ref_err = side_errors(false, &ref_assign, reference.rows());
    progress.check()?;
    let cur_err = side_errors(true, &cur_assign, current.rows());
    progress.check()?;

    let ref_stats = window_stats(&ref_err, &ref_assign.row_window, ref_assign.windows.len());
    let (lower, upper) = thresholds(&ref_stats.iter().map(|s| s.error).collect::<Vec<_>>());
    let cur_stats = window_stats(&cur_err, &cur_assign.row_window, cur_assign.windows.len());
    let id_column = roles
        .column_with(Role::Id)
        .map(|n| renames.current_name(n).to_string())
        .and_then(|n| current.frame.column(&n).ok().cloned());
    let cur_rows = cur_assign.rows_by_window();
    let to_window = |w: &Window, s: &crate::analysis::multivariate::WindowStats| ErrorWindow {
        window: w.clone(),
        error: s.error,
        sampling_error: s.sampling_error,
        upper,
        lower,
        alert: alert(s.error, lower, upper),
        contributions: s.contributions.clone(),
        anomalies: Vec::new(),
    };
    let reference_windows = ref_assign
        .windows
        .iter()
        .zip(&ref_stats)
        .map(|(w, s)| to_window(w, s))
        .collect();
    let windows_out: Vec<ErrorWindow> = cur_assign
        .windows
        .iter()
        .zip(&cur_stats)
        .zip(&cur_rows)
        .map(|((w, s), rows)| {
            let mut out = to_window(w, s);
            out.anomalies = most_anomalous(&cur_err.row_error, rows, settings.top_rows)
                .into_iter()
                .map(|(r, error)| AnomalousRow {
                    row: r as usize,
                    id: id_column.as_ref().and_then(|c| cell_text(c, r as usize)),
                    timestamp: cur_times.as_ref().and_then(|t| t[r as usize]),
                    error,
                })
                .collect();
            out
        })
        .collect();
    let finite: Vec<f64> = cur_err
        .row_error
        .iter()
        .copied()
        .filter(|e| e.is_finite())
        .collect();
    let overall_error = if finite.is_empty() {
        f64::NAN
    } else {
        finite.iter().sum::<f64>() / finite.len() as f64
    };
    let reconstruction = Reconstruction {
        components: model.components.len(),
        explained_variance_ratio: model.explained_variance_ratio.clone(),
        upper,
        lower,
        reference_windows,
        windows: windows_out,
        overall_error,
        overall_alert: alert(overall_error, lower, upper),
        unassigned_rows: cur_assign.unassigned(),
    };
    drop((ref_err, cur_err));

    let domain_classifier = if settings.classifier {
        progress.set(Some(0.6), "Training the domain classifier per window");
        Some(classify(
            &model,
            &features,
            settings,
            reference,
            current,
            &cur_assign,
            &cur_rows,
            progress,
        )?)
    } else {
        None
    };
    progress.set(Some(1.0), "Done");
    Ok(MultivariateOutcome {
        features: names,
        categorical,
        skipped,
        spec,
        reconstruction,
        domain_classifier,
    })
}

/// A seeded sample of at most `k` of `rows`, in row order.
fn sample(rows: &[u32], k: usize, rng: &mut Rng) -> Vec<u32> {
    if rows.len() <= k {
        return rows.to_vec();
    }
    // Partial Fisher–Yates over indices.
    let mut idx: Vec<u32> = rows.to_vec();
    for i in 0..k {
        let j = i + rng.below(idx.len() - i);
        idx.swap(i, j);
    }
    idx.truncate(k);
    idx.sort_unstable();
    idx
}

#[allow(clippy::too_many_arguments)]
fn classify(
    model: &ReconstructionModel,
    features: &[FeatureData],
    settings: &MultivariateSettings,
    reference: &Dataset,
    current: &Dataset,
    assign: &windows::WindowAssignment,
    window_rows: &[Vec<u32>],
    progress: &Progress,
) -> Result<DomainClassifier, MultivariateRunError> {
    let d = model.features();
    let p = 3 * d;
    let mut rng = Rng::new(settings.seed);
    let all_ref: Vec<u32> = (0..reference.rows() as u32).collect();
    let ref_rows = sample(&all_ref, settings.classifier_rows, &mut rng);
    let ref_x = classifier_inputs(model, features, false, &ref_rows);
    let params = ClassifierParams {
        folds: settings.folds,
        c: 1.0,
        seed: settings.seed,
    };
    // Each window gets its own seeded sample, so a window's result does not depend on the
    // others.
    let all_cur: Vec<u32> = (0..current.rows() as u32).collect();
    let overall_window = Window {
        label: "all".into(),
        start: assign.windows.first().and_then(|w| w.start),
        end: assign.windows.last().and_then(|w| w.end),
        rows: current.rows(),
    };
    let mut work: Vec<(Window, &[u32], u64)> = vec![(overall_window, &all_cur, settings.seed)];
    for (i, (w, rows)) in assign.windows.iter().zip(window_rows).enumerate() {
        work.push((w.clone(), rows, settings.seed.wrapping_add(i as u64 + 1)));
    }
    let results = parallel_map(&work, |(w, rows, seed)| {
        if progress.is_cancelled() {
            return None;
        }
        let mut rng = Rng::new(*seed);
        let cur_rows = sample(rows, settings.classifier_rows, &mut rng);
        let cur_x = classifier_inputs(model, features, true, &cur_rows);
        let mut x = ref_x.clone();
        x.extend_from_slice(&cur_x);
        let mut labels = vec![false; ref_rows.len()];
        labels.resize(ref_rows.len() + cur_rows.len(), true);
        let mut out = ClassifierWindow {
            window: w.clone(),
            auc: None,
            p_value: None,
            drifted: false,
            reference_rows: ref_rows.len(),
            current_rows: cur_rows.len(),
            importances: Vec::new(),
            error: None,
        };
        match domain_classifier(&x, p, &labels, &params) {
            Ok(r) => {
                let per_feature: Vec<f64> = (0..d)
                    .map(|j| {
                        r.coefficients[j].abs()
                            + r.coefficients[d + j].abs()
                            + r.coefficients[2 * d + j].abs()
                    })
                    .collect();
                let total: f64 = per_feature.iter().sum();
                out.importances = per_feature
                    .iter()
                    .map(|v| if total > 0.0 { v / total } else { 0.0 })
                    .collect();
                out.drifted = r.auc > settings.auc_threshold && r.p_value < 0.05;
                out.auc = Some(r.auc);
                out.p_value = Some(r.p_value);
            }
            Err(e @ ClassifierError::TooFewRows { .. }) => {
                out.error = Some(format!("window {}: {e}", w.label));
            }
            Err(e) => out.error = Some(format!("window {}: {e}", w.label)),
        }
        Some(out)
    });
    progress.check()?;
    let mut results: Vec<ClassifierWindow> = results.into_iter().flatten().collect();
    if results.is_empty() {
        return Err(MultivariateRunError::Cancelled);
    }
    let overall = results.remove(0);
    Ok(DomainClassifier {
        folds: settings.folds,
        auc_threshold: settings.auc_threshold,
        overall,
        windows: results,
    })
}

/// A cell as text (ids can be numbers or strings); `None` when null.
fn cell_text(col: &polars::prelude::Column, row: usize) -> Option<String> {
    let v = col.get(row).ok()?;
    if v.is_null() {
        return None;
    }
    Some(match v {
        polars::prelude::AnyValue::String(s) => s.to_string(),
        polars::prelude::AnyValue::StringOwned(s) => s.to_string(),
        other => other.to_string(),
    })
}

/// The features: reference columns whose role is feature, present on both sides (under their
/// renames), stored as numbers on both sides (continuous, as NannyML treats every numeric
/// dtype) or as text / booleans on both sides (categorical). Everything else is listed with
/// its reason.
#[allow(clippy::type_complexity)]
fn pick_features(
    inputs: &DriftInputs,
) -> (Vec<String>, Vec<FeatureData>, Vec<String>, Vec<Skipped>) {
    let DriftInputs {
        reference,
        current,
        roles,
        renames,
    } = *inputs;
    let mut names = Vec::new();
    let mut data = Vec::new();
    let mut categorical = Vec::new();
    let mut skipped = Vec::new();
    for col in reference.frame.columns() {
        let name = col.name().as_str().to_string();
        let skip = |reason: &str| Skipped {
            column: name.clone(),
            reason: reason.to_string(),
        };
        if roles.get(&name) != Role::Feature {
            skipped.push(skip(&format!(
                "{} column (by its role)",
                roles.get(&name).name()
            )));
            continue;
        }
        let cur_name = renames.current_name(&name);
        let Ok(cur) = current.frame.column(cur_name) else {
            skipped.push(skip("only in the training data"));
            continue;
        };
        let (rs, cs) = (
            columns::storage_of(col.dtype()),
            columns::storage_of(cur.dtype()),
        );
        let numeric = |s| matches!(s, Storage::Float | Storage::Integer);
        let textual = |s| matches!(s, Storage::String | Storage::Boolean);
        let (r, c) = (col.as_materialized_series(), cur.as_materialized_series());
        let feature = if numeric(rs) && numeric(cs) {
            match (columns::numeric(r), columns::numeric(c)) {
                (Some(r), Some(c)) => Some(FeatureData::Continuous {
                    reference: r.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
                    current: c.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
                }),
                _ => None,
            }
        } else if textual(rs) && textual(cs) {
            columns::categorical_pair(r, c).map(|pair| {
                let code = |x: u32| if x == MISSING_CODE { MISSING } else { x };
                FeatureData::Categorical {
                    labels: pair.labels.len(),
                    reference: pair.reference.into_iter().map(code).collect(),
                    current: pair.current.into_iter().map(code).collect(),
                }
            })
        } else {
            None
        };
        match feature {
            Some(f) => {
                if matches!(f, FeatureData::Categorical { .. }) {
                    categorical.push(name.clone());
                }
                names.push(name);
                data.push(f);
            }
            None => skipped.push(skip(
                "neither numbers nor categories on both sides (the reconstruction needs one or the other)",
            )),
        }
    }
    (names, data, categorical, skipped)
}

/// What `sextant bench-multivariate` measured (seconds, best of the repeats).
#[derive(Debug, Clone)]
pub struct MultivariateBench {
    pub reference_rows: usize,
    pub current_rows: usize,
    pub columns: usize,
    pub features: usize,
    pub windows: usize,
    pub repeat: usize,
    /// Reconstruction error only (fit, every row of both sides, thresholds, shares, top rows).
    pub reconstruction_s: f64,
    /// Reconstruction plus the domain classifier of every window.
    pub with_classifier_s: f64,
    pub components: usize,
    pub alerts: usize,
}

/// Time multivariate drift on the generated timed pair (`rows` rows × 20 columns per side,
/// [`crate::sample_data::bench_timed_pair`]) with weekly windows, generated in memory.
pub fn bench(rows: usize, repeat: usize) -> Result<MultivariateBench, String> {
    let (r, c) = crate::sample_data::bench_timed_pair(rows, 11).map_err(|e| e.to_string())?;
    let columns = r.width();
    let silent = Progress::silent();
    let reference =
        Dataset::from_frame("bench_reference".into(), r, &silent).map_err(|e| e.to_string())?;
    let current =
        Dataset::from_frame("bench_current".into(), c, &silent).map_err(|e| e.to_string())?;
    let mut roles = crate::data::RoleMap::default();
    roles.add_inferred(&reference.columns);
    let renames = crate::vocab::Renames::default();
    let inputs = DriftInputs {
        reference: &reference,
        current: &current,
        roles: &roles,
        renames: &renames,
    };
    let time = |settings: &MultivariateSettings| {
        let mut best = f64::INFINITY;
        let mut last = None;
        for _ in 0..repeat.max(1) {
            let t = std::time::Instant::now();
            let out =
                run(&inputs, settings, WindowSpec::Week, &silent).map_err(|e| e.to_string())?;
            best = best.min(t.elapsed().as_secs_f64());
            last = Some(out);
        }
        last.map(|o| (best, o)).ok_or_else(|| "no run".to_string())
    };
    let (reconstruction_s, out) = time(&MultivariateSettings {
        classifier: false,
        ..MultivariateSettings::default()
    })?;
    let (with_classifier_s, _) = time(&MultivariateSettings::default())?;
    Ok(MultivariateBench {
        reference_rows: reference.rows(),
        current_rows: current.rows(),
        columns,
        features: out.features.len(),
        windows: out.reconstruction.windows.len(),
        repeat,
        reconstruction_s,
        with_classifier_s,
        components: out.reconstruction.components,
        alerts: out
            .reconstruction
            .windows
            .iter()
            .filter(|w| w.alert)
            .count(),
    })
}
