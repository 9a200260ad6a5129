//! Test selection and drift decisions, per column and per dataset, following
//! Evidently 0.7's DataDriftPreset defaults
//! (`legacy/calculations/stattests/registry.py::_get_default_stattest`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::binning::{BinningStrategy, bin_categorical, bin_numeric};
use super::categorical::{CategoricalCounts, chi_square, cramers_v, l_infinity, z_test};
use super::distance::{energy_distance, wasserstein};
use super::divergence::{DivergenceParams, divergences, hellinger_distance, numeric_hellinger};
use super::error::DriftError;
use super::ks::{KsParams, ks_2samp};
use super::rank_tests::{anderson_ksamp, cramer_von_mises, mann_whitney_u};
use super::sample::NumericSample;
use super::ttest::welch_t_test;
use crate::vocab::Side;

/// A drift statistic selectable per column, kind or globally.
/// Serialised in snake_case (`"ks"`, `"kl_div"`, `"cramer_von_mises"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftMethod {
    /// Evidently's default choice by type, size and number of values.
    Auto,
    /// Two-sample Kolmogorov–Smirnov p-value.
    Ks,
    /// Wasserstein-1 normed by the reference standard deviation.
    Wasserstein,
    /// Population Stability Index.
    Psi,
    /// Kullback–Leibler divergence KL(ref ‖ cur).
    KlDiv,
    /// Jensen–Shannon distance.
    Jensenshannon,
    /// Hellinger distance.
    Hellinger,
    /// Chi-square goodness-of-fit p-value.
    Chisquare,
    /// Two-proportion z-test p-value.
    Z,
    /// Anderson–Darling k-sample p-value.
    Anderson,
    /// Cramér–von Mises two-sample p-value.
    CramerVonMises,
    /// Energy distance.
    EnergyDistance,
    /// Welch t-test p-value.
    TTest,
    /// Mann–Whitney U two-sided p-value.
    MannWhitney,
    /// Largest absolute difference of category shares.
    LInfinity,
    /// Cramér's V of the reference-vs-current contingency table.
    CramersV,
}

impl std::str::FromStr for DriftMethod {
    type Err = String;

    /// The snake_case name, or a common alias (`kl`, `js`, `jensen_shannon`, `chi2`, `ztest`,
    /// `ad`, `cvm`, `ed`, `t`, `mannw`, `linf`), case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().to_ascii_lowercase().replace('-', "_");
        let alias = match key.as_str() {
            "auto" => Some(DriftMethod::Auto),
            "kl" | "kl_divergence" => Some(DriftMethod::KlDiv),
            "js" | "jensen_shannon" | "jensen_shannon_distance" => Some(DriftMethod::Jensenshannon),
            "chi2" | "chi_square" => Some(DriftMethod::Chisquare),
            "ztest" | "z_test" => Some(DriftMethod::Z),
            "ad" | "anderson_darling" => Some(DriftMethod::Anderson),
            "cvm" => Some(DriftMethod::CramerVonMises),
            "ed" | "energy" => Some(DriftMethod::EnergyDistance),
            "t" | "ttest" | "welch" => Some(DriftMethod::TTest),
            "mannw" | "mwu" => Some(DriftMethod::MannWhitney),
            "linf" => Some(DriftMethod::LInfinity),
            _ => None,
        };
        alias
            .or_else(|| DriftMethod::ALL.iter().copied().find(|m| m.name() == key))
            .ok_or_else(|| {
                let names: Vec<&str> = DriftMethod::ALL.iter().map(|m| m.name()).collect();
                format!(
                    "\"{s}\" is not a drift method; use one of {}",
                    names.join(", ")
                )
            })
    }
}

/// When a score means drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftDirection {
    /// Drift when p < threshold.
    PValueBelow,
    /// Drift when p <= threshold.
    PValueAtOrBelow,
    /// Drift when score >= threshold.
    ScoreAtOrAbove,
    /// Drift when score > threshold.
    ScoreAbove,
}

impl DriftDirection {
    /// Applies the comparison. NaN never signals drift.
    pub fn is_drift(self, score: f64, threshold: f64) -> bool {
        match self {
            DriftDirection::PValueBelow => score < threshold,
            DriftDirection::PValueAtOrBelow => score <= threshold,
            DriftDirection::ScoreAtOrAbove => score >= threshold,
            DriftDirection::ScoreAbove => score > threshold,
        }
    }
}

impl DriftMethod {
    /// Every concrete (non-`Auto`) method.
    pub const ALL: [DriftMethod; 15] = [
        DriftMethod::Ks,
        DriftMethod::Wasserstein,
        DriftMethod::Psi,
        DriftMethod::KlDiv,
        DriftMethod::Jensenshannon,
        DriftMethod::Hellinger,
        DriftMethod::Chisquare,
        DriftMethod::Z,
        DriftMethod::Anderson,
        DriftMethod::CramerVonMises,
        DriftMethod::EnergyDistance,
        DriftMethod::TTest,
        DriftMethod::MannWhitney,
        DriftMethod::LInfinity,
        DriftMethod::CramersV,
    ];

    /// snake_case name, as serialised.
    pub fn name(self) -> &'static str {
        match self {
            DriftMethod::Auto => "auto",
            DriftMethod::Ks => "ks",
            DriftMethod::Wasserstein => "wasserstein",
            DriftMethod::Psi => "psi",
            DriftMethod::KlDiv => "kl_div",
            DriftMethod::Jensenshannon => "jensenshannon",
            DriftMethod::Hellinger => "hellinger",
            DriftMethod::Chisquare => "chisquare",
            DriftMethod::Z => "z",
            DriftMethod::Anderson => "anderson",
            DriftMethod::CramerVonMises => "cramer_von_mises",
            DriftMethod::EnergyDistance => "energy_distance",
            DriftMethod::TTest => "t_test",
            DriftMethod::MannWhitney => "mann_whitney",
            DriftMethod::LInfinity => "l_infinity",
            DriftMethod::CramersV => "cramers_v",
        }
    }

    /// Whether the score is a p-value (and so subject to multiple-testing correction).
    pub fn yields_p_value(self) -> bool {
        matches!(
            self,
            DriftMethod::Ks
                | DriftMethod::Chisquare
                | DriftMethod::Z
                | DriftMethod::Anderson
                | DriftMethod::CramerVonMises
                | DriftMethod::TTest
                | DriftMethod::MannWhitney
        )
    }

    /// Default threshold (Evidently 0.7's `default_threshold` of the matching stattest;
    /// 0.1 for L∞ and Cramér's V, which Evidently lacks). `Auto` has none.
    pub fn default_threshold(self) -> Option<f64> {
        match self {
            DriftMethod::Auto => None,
            DriftMethod::Ks
            | DriftMethod::Chisquare
            | DriftMethod::Z
            | DriftMethod::TTest
            | DriftMethod::MannWhitney => Some(0.05),
            _ => Some(0.1),
        }
    }

    /// Comparison used for the drift decision, as in Evidently's stattest
    /// functions: KS and CvM use `p <= t`, other p-value tests `p < t`,
    /// energy distance `d > t`, the other distances `d >= t`.
    pub fn direction(self) -> DriftDirection {
        match self {
            DriftMethod::Ks | DriftMethod::CramerVonMises => DriftDirection::PValueAtOrBelow,
            m if m.yields_p_value() => DriftDirection::PValueBelow,
            DriftMethod::EnergyDistance => DriftDirection::ScoreAbove,
            _ => DriftDirection::ScoreAtOrAbove,
        }
    }

    /// One-line formula/convention for UI tooltips.
    pub fn description(self) -> &'static str {
        match self {
            DriftMethod::Auto => {
                "Evidently DataDriftPreset default: KS / normed Wasserstein / chi-square / z-test / Jensen-Shannon by type and size"
            }
            DriftMethod::Ks => {
                "Two-sample Kolmogorov-Smirnov p-value for D = sup|F_ref - F_cur| (scipy ks_2samp, exact up to n = 10000)"
            }
            DriftMethod::Wasserstein => {
                "W1 = integral of |F_ref - F_cur| dx divided by max(std_ref, 0.001) (Evidently normed Wasserstein)"
            }
            DriftMethod::Psi => {
                "PSI = sum (r - c) ln(r / c) over bins, zero shares filled as in Evidently"
            }
            DriftMethod::KlDiv => {
                "KL(ref || cur) = sum r ln(r / c) over bins, in nats (scipy.stats.entropy)"
            }
            DriftMethod::Jensenshannon => {
                "Jensen-Shannon distance sqrt((KL(r||m) + KL(c||m)) / 2), m = (r + c) / 2 (scipy jensenshannon)"
            }
            DriftMethod::Hellinger => {
                "Hellinger distance sqrt(1 - sum sqrt(r c)); numbers on Evidently's own density bins (Sturges over the distinct values)"
            }
            DriftMethod::Chisquare => {
                "Chi-square goodness-of-fit p-value of current counts vs reference proportions; new category gives p = 0"
            }
            DriftMethod::Z => {
                "Two-proportion z-test p-value with pooled proportion (at most two categories)"
            }
            DriftMethod::Anderson => {
                "Anderson-Darling k-sample p-value (midrank), interpolated and clipped to [0.001, 0.25]"
            }
            DriftMethod::CramerVonMises => {
                "Two-sample Cramer-von Mises p-value (exact up to n = 20, else asymptotic)"
            }
            DriftMethod::EnergyDistance => {
                "Energy distance sqrt(2 * integral of (F_ref - F_cur)^2 dx) (scipy energy_distance)"
            }
            DriftMethod::TTest => "Welch t-test p-value for equal means (unequal variances)",
            DriftMethod::MannWhitney => {
                "Mann-Whitney U two-sided p-value (tie- and continuity-corrected normal, exact for small samples)"
            }
            DriftMethod::LInfinity => "Largest absolute difference of category shares, max |r - c|",
            DriftMethod::CramersV => {
                "Cramer's V of the reference-vs-current contingency table, sqrt(chi2 / N)"
            }
        }
    }

    /// Value range for UI tooltips.
    pub fn range(self) -> &'static str {
        match self {
            DriftMethod::Auto => "depends on the chosen test",
            m if m.yields_p_value() => "p-value in [0, 1]",
            DriftMethod::Jensenshannon => "[0, sqrt(ln 2)] (natural log) or [0, 1] (base 2)",
            DriftMethod::Hellinger | DriftMethod::LInfinity | DriftMethod::CramersV => "[0, 1]",
            _ => "[0, inf)",
        }
    }

    /// Whether the method applies to a feature type.
    pub fn applies_to(self, feature: FeatureType) -> bool {
        match feature {
            FeatureType::Numerical => true,
            FeatureType::Categorical => matches!(
                self,
                DriftMethod::Auto
                    | DriftMethod::Psi
                    | DriftMethod::KlDiv
                    | DriftMethod::Jensenshannon
                    | DriftMethod::Hellinger
                    | DriftMethod::Chisquare
                    | DriftMethod::Z
                    | DriftMethod::LInfinity
                    | DriftMethod::CramersV
            ),
            FeatureType::Text | FeatureType::NotTested => false,
        }
    }
}

/// Storage kind of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Floating point.
    Float,
    /// Integer.
    Integer,
    /// Boolean.
    Boolean,
    /// String / categorical.
    String,
    /// Date or datetime.
    Datetime,
}

/// How a column is treated for drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureType {
    /// Numeric tests.
    Numerical,
    /// Categorical tests.
    Categorical,
    /// Free text (not tested here).
    Text,
    /// Not tested (datetime).
    NotTested,
}

impl FeatureType {
    fn name(self) -> &'static str {
        match self {
            FeatureType::Numerical => "numerical",
            FeatureType::Categorical => "categorical",
            FeatureType::Text => "text",
            FeatureType::NotTested => "not-tested",
        }
    }
}

/// Feature type from storage kind: float → numerical; integer → categorical
/// when it has <= 10 distinct values, else numerical; boolean → categorical;
/// string → text when more than half of the non-null reference values are
/// unique (`distinct_values * 2 > non_null_values`), else categorical;
/// datetime → not tested. `distinct_values` and `non_null_values` describe
/// the reference sample (distinct over ref ∪ cur for integers).
pub fn feature_type(
    kind: ColumnKind,
    distinct_values: usize,
    non_null_values: usize,
) -> FeatureType {
    match kind {
        ColumnKind::Float => FeatureType::Numerical,
        ColumnKind::Integer if distinct_values <= 10 => FeatureType::Categorical,
        ColumnKind::Integer => FeatureType::Numerical,
        ColumnKind::Boolean => FeatureType::Categorical,
        ColumnKind::String if distinct_values * 2 > non_null_values => FeatureType::Text,
        ColumnKind::String => FeatureType::Categorical,
        ColumnKind::Datetime => FeatureType::NotTested,
    }
}

/// Evidently's default test: with n_ref non-null reference values and
/// n_values distinct values in ref ∪ cur —
/// numerical & n_values > 5: KS if n_ref <= 1000 else normed Wasserstein;
/// (numerical & 3..=5 values) or (categorical & > 2 values): chi-square if
/// n_ref <= 1000 else Jensen–Shannon; <= 2 values: z-test if n_ref <= 1000
/// else Jensen–Shannon. `None` for text / not-tested columns.
pub fn default_method(feature: FeatureType, n_ref: usize, n_values: usize) -> Option<DriftMethod> {
    let small = n_ref <= 1000;
    match feature {
        FeatureType::Numerical if n_values > 5 => Some(if small {
            DriftMethod::Ks
        } else {
            DriftMethod::Wasserstein
        }),
        FeatureType::Numerical | FeatureType::Categorical => Some(match (small, n_values > 2) {
            (false, _) => DriftMethod::Jensenshannon,
            (true, true) => DriftMethod::Chisquare,
            (true, false) => DriftMethod::Z,
        }),
        FeatureType::Text | FeatureType::NotTested => None,
    }
}

/// Optional override of method and/or threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MethodOverride {
    /// Method to use instead of the default.
    pub method: Option<DriftMethod>,
    /// Threshold to use instead of the method's default.
    pub threshold: Option<f64>,
}

/// Multiple-testing correction across the p-value tests of one dataset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// No correction (Evidently's behaviour).
    #[default]
    None,
    /// p_adj = min(1, m·p), m = number of p-value tests.
    Bonferroni,
    /// Benjamini–Hochberg step-up adjusted p-values (false discovery rate).
    BenjaminiHochberg,
}

/// Dataset-level drift options. Resolution order: column > kind > global > default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftOptions {
    /// Applies to every column.
    pub global: MethodOverride,
    /// Per feature type.
    pub per_feature_type: BTreeMap<FeatureType, MethodOverride>,
    /// Per column name.
    pub per_column: BTreeMap<String, MethodOverride>,
    /// Correction across p-value tests.
    pub correction: Correction,
    /// Dataset drift when the share of drifted columns >= this (Evidently: 0.5).
    pub drift_share: f64,
    /// Binning for PSI / KL / JS / Hellinger on numeric columns; with `Auto` Hellinger uses
    /// Evidently's own bins ([`super::divergence::numeric_hellinger`]).
    pub binning: BinningStrategy,
    /// Divergence parameters.
    pub divergence: DivergenceParams,
    /// Feature type and distinct-value count of columns already evaluated on the whole data,
    /// by name: a window is tested as its column was, without counting the distinct values of
    /// the window and the whole reference again (a full merge of both per window).
    #[serde(default, skip)]
    pub known_columns: BTreeMap<String, (FeatureType, usize)>,
}

impl Default for DriftOptions {
    fn default() -> Self {
        Self {
            global: MethodOverride::default(),
            per_feature_type: BTreeMap::new(),
            per_column: BTreeMap::new(),
            correction: Correction::None,
            drift_share: 0.5,
            binning: BinningStrategy::Auto,
            divergence: DivergenceParams::default(),
            known_columns: BTreeMap::new(),
        }
    }
}

/// Column data handed to the evaluator.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    /// Numeric reference/current samples.
    Numeric {
        /// Reference sample.
        reference: std::sync::Arc<NumericSample>,
        /// Current sample.
        current: std::sync::Arc<NumericSample>,
    },
    /// Categorical counts.
    Categorical(CategoricalCounts),
}

/// One column to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnInput {
    /// Column name.
    pub name: String,
    /// Storage kind.
    pub kind: ColumnKind,
    /// Values.
    pub values: ColumnValues,
}

/// Drift verdict for one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDriftReport {
    /// Column name.
    pub name: String,
    /// Feature type used.
    pub feature_type: FeatureType,
    /// Method used (`None` when not tested).
    pub method: Option<DriftMethod>,
    /// Threshold used.
    pub threshold: Option<f64>,
    /// Raw score (p-value or distance).
    pub score: Option<f64>,
    /// Score after multiple-testing correction (p-value methods only).
    pub adjusted_score: Option<f64>,
    /// Drift decision.
    pub drifted: bool,
    /// Non-null reference values.
    pub n_reference: usize,
    /// Distinct values of ref ∪ cur.
    pub n_values: usize,
    /// Why the column was not tested, if it was not.
    pub not_tested_reason: Option<String>,
}

/// Drift verdict for a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetDriftReport {
    /// Per-column reports, in input order.
    pub columns: Vec<ColumnDriftReport>,
    /// Columns that were tested.
    pub number_of_columns: usize,
    /// Tested columns that drifted.
    pub number_of_drifted_columns: usize,
    /// drifted / tested (0 when nothing was tested).
    pub share_of_drifted_columns: f64,
    /// share_of_drifted_columns >= drift_share.
    pub dataset_drift: bool,
}

fn resolve(options: &DriftOptions, name: &str, feature: FeatureType) -> MethodOverride {
    let layers = [
        options.per_column.get(name).copied(),
        options.per_feature_type.get(&feature).copied(),
        Some(options.global),
    ];
    let mut out = MethodOverride::default();
    for l in layers.into_iter().flatten() {
        out.method = out.method.or(l.method);
        out.threshold = out.threshold.or(l.threshold);
    }
    out
}

/// Computes the score of `method` on a column tested as `feature`. A numerically stored
/// column tested as categorical (an integer column with few values) is binned by its
/// values, as Evidently's categorical branches do, whatever `options.binning` says.
fn score(
    method: DriftMethod,
    feature: FeatureType,
    values: &ColumnValues,
    options: &DriftOptions,
) -> Result<f64, DriftError> {
    let not_applicable = DriftError::MethodNotApplicable {
        method: method.name(),
        feature: "categorical",
    };
    let cats = || match values {
        ColumnValues::Numeric { reference, current } => {
            CategoricalCounts::from_numeric(reference, current)
        }
        ColumnValues::Categorical(c) => c.clone(),
    };
    let binned = || match values {
        ColumnValues::Numeric { reference, current } if feature == FeatureType::Numerical => {
            bin_numeric(reference, current, options.binning)
        }
        _ => bin_categorical(&cats()),
    };
    let num = || match values {
        ColumnValues::Numeric { reference, current } => Ok((reference, current)),
        ColumnValues::Categorical(_) => Err(not_applicable.clone()),
    };
    Ok(match method {
        DriftMethod::Auto => return Err(DriftError::InvalidParameter("auto must be resolved")),
        DriftMethod::Ks => {
            let (r, c) = num()?;
            ks_2samp(r, c, &KsParams::default())?.p_value
        }
        DriftMethod::Wasserstein => {
            let (r, c) = num()?;
            wasserstein(r, c)?.normed
        }
        DriftMethod::Anderson => {
            let (r, c) = num()?;
            anderson_ksamp(r, c)?.p_value
        }
        DriftMethod::CramerVonMises => {
            let (r, c) = num()?;
            cramer_von_mises(r, c)?.p_value
        }
        DriftMethod::EnergyDistance => {
            let (r, c) = num()?;
            energy_distance(r, c)?
        }
        DriftMethod::TTest => {
            let (r, c) = num()?;
            welch_t_test(r, c)?.p_value
        }
        DriftMethod::MannWhitney => {
            let (r, c) = num()?;
            mann_whitney_u(r, c)?.p_value
        }
        DriftMethod::Psi => divergences(&binned()?, &options.divergence).psi,
        DriftMethod::KlDiv => divergences(&binned()?, &options.divergence).kl_divergence,
        DriftMethod::Jensenshannon => {
            divergences(&binned()?, &options.divergence).jensen_shannon_distance
        }
        DriftMethod::Hellinger => match values {
            ColumnValues::Numeric { reference, current } if feature == FeatureType::Numerical => {
                numeric_hellinger(reference, current, options.binning)?
            }
            _ => {
                let b = binned()?;
                hellinger_distance(&b.reference_shares, &b.current_shares)
            }
        },
        DriftMethod::Chisquare => chi_square(&cats())?.p_value,
        DriftMethod::Z => z_test(&cats())?.p_value,
        DriftMethod::LInfinity => l_infinity(&cats())?.value,
        DriftMethod::CramersV => cramers_v(&cats())?.value,
    })
}

/// Evaluates one column with the resolved method and threshold (no
/// multiple-testing correction; see [`evaluate_dataset`]).
pub fn evaluate_column(
    input: &ColumnInput,
    options: &DriftOptions,
) -> Result<ColumnDriftReport, DriftError> {
    let known = options.known_columns.get(&input.name).copied();
    let (n_ref, n_cur, n_values, ref_distinct) = match &input.values {
        ColumnValues::Numeric { reference, current } => {
            let n_values = known.map_or_else(
                || super::sample::MergeWalk::new(reference.values(), current.values()).count(),
                |(_, n)| n,
            );
            (reference.len(), current.len(), n_values, n_values)
        }
        ColumnValues::Categorical(c) => {
            let ref_distinct = c.reference_counts().iter().filter(|&&v| v > 0).count();
            (
                c.reference_total() as usize,
                c.current_total() as usize,
                c.n_categories(),
                ref_distinct,
            )
        }
    };
    let feature = known.map_or_else(|| feature_type(input.kind, ref_distinct, n_ref), |(f, _)| f);
    let mut report = ColumnDriftReport {
        name: input.name.clone(),
        feature_type: feature,
        method: None,
        threshold: None,
        score: None,
        adjusted_score: None,
        drifted: false,
        n_reference: n_ref,
        n_values,
        not_tested_reason: None,
    };
    if matches!(feature, FeatureType::Text | FeatureType::NotTested) {
        report.not_tested_reason = Some(format!("{} columns are not tested", feature.name()));
        return Ok(report);
    }
    if n_ref == 0 {
        return Err(DriftError::EmptySample(Side::Reference));
    }
    if n_cur == 0 {
        return Err(DriftError::EmptySample(Side::Current));
    }
    let o = resolve(options, &input.name, feature);
    let method = match o.method {
        Some(DriftMethod::Auto) | None => default_method(feature, n_ref, n_values),
        Some(m) => Some(m),
    };
    let Some(method) = method else {
        report.not_tested_reason = Some("no applicable method".to_owned());
        return Ok(report);
    };
    let numeric_storage = matches!(input.values, ColumnValues::Numeric { .. })
        && matches!(input.kind, ColumnKind::Integer | ColumnKind::Float);
    let feature = if !method.applies_to(feature)
        && numeric_storage
        && method.applies_to(FeatureType::Numerical)
    {
        // A numeric test asked for a number column the auto rule calls categorical (an
        // integer column with <= 10 values): Evidently refuses it unless the column is
        // declared numerical, and then computes it on the values; do the latter.
        FeatureType::Numerical
    } else {
        feature
    };
    if !method.applies_to(feature) {
        return Err(DriftError::MethodNotApplicable {
            method: method.name(),
            feature: feature.name(),
        });
    }
    report.feature_type = feature;
    let threshold = o.threshold.or(method.default_threshold()).unwrap_or(0.05);
    let s = score(method, feature, &input.values, options)?;
    report.method = Some(method);
    report.threshold = Some(threshold);
    report.score = Some(s);
    report.adjusted_score = method.yields_p_value().then_some(s);
    report.drifted = method.direction().is_drift(s, threshold);
    Ok(report)
}

/// Evaluates every column, applies the optional multiple-testing correction to
/// the p-value tests, and decides dataset drift (share of drifted tested
/// columns >= `drift_share`). A column that fails (e.g. empty after
/// exclusion) is reported as not tested with the error message.
pub fn evaluate_dataset(columns: &[ColumnInput], options: &DriftOptions) -> DatasetDriftReport {
    let reports = columns
        .iter()
        .map(|c| evaluate_column_or_skip(c, options))
        .collect();
    dataset_report(reports, options)
}

/// [`evaluate_column`], with a failure (e.g. a side empty after exclusion) turned into a
/// "not tested" report that carries the error message.
pub fn evaluate_column_or_skip(input: &ColumnInput, options: &DriftOptions) -> ColumnDriftReport {
    evaluate_column(input, options).unwrap_or_else(|e| ColumnDriftReport {
        name: input.name.clone(),
        feature_type: FeatureType::NotTested,
        method: None,
        threshold: None,
        score: None,
        adjusted_score: None,
        drifted: false,
        n_reference: 0,
        n_values: 0,
        not_tested_reason: Some(e.to_string()),
    })
}

/// The dataset verdict from per-column reports (in input order): applies the multiple-testing
/// correction and the drift-share rule. Columns may be evaluated in parallel before this.
pub fn dataset_report(
    mut reports: Vec<ColumnDriftReport>,
    options: &DriftOptions,
) -> DatasetDriftReport {
    apply_correction(&mut reports, options.correction);
    let tested: Vec<&ColumnDriftReport> = reports.iter().filter(|r| r.method.is_some()).collect();
    let drifted = tested.iter().filter(|r| r.drifted).count();
    let share = if tested.is_empty() {
        0.0
    } else {
        drifted as f64 / tested.len() as f64
    };
    DatasetDriftReport {
        number_of_columns: tested.len(),
        number_of_drifted_columns: drifted,
        share_of_drifted_columns: share,
        dataset_drift: !tested.is_empty() && share >= options.drift_share,
        columns: reports,
    }
}

fn apply_correction(reports: &mut [ColumnDriftReport], correction: Correction) {
    let idx: Vec<usize> = reports
        .iter()
        .enumerate()
        .filter(|(_, r)| r.adjusted_score.is_some())
        .map(|(i, _)| i)
        .collect();
    let m = idx.len();
    if m == 0 || correction == Correction::None {
        return;
    }
    let p: Vec<f64> = idx
        .iter()
        .map(|&i| reports[i].score.unwrap_or(f64::NAN))
        .collect();
    let adjusted: Vec<f64> = match correction {
        Correction::None => p.clone(),
        Correction::Bonferroni => p.iter().map(|&v| (v * m as f64).min(1.0)).collect(),
        Correction::BenjaminiHochberg => {
            let mut order: Vec<usize> = (0..m).collect();
            order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
            let mut adj = vec![0.0; m];
            let mut running = 1.0_f64;
            for (rank, &k) in order.iter().enumerate().rev() {
                running = running.min(p[k] * m as f64 / (rank + 1) as f64);
                adj[k] = running;
            }
            adj
        }
    };
    for (&i, a) in idx.iter().zip(adjusted) {
        let r = &mut reports[i];
        r.adjusted_score = Some(a);
        if let (Some(method), Some(t)) = (r.method, r.threshold) {
            r.drifted = method.direction().is_drift(a, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_selection_matches_evidently() {
        use DriftMethod::*;
        use FeatureType::*;
        assert_eq!(default_method(Numerical, 1000, 6), Some(Ks));
        assert_eq!(default_method(Numerical, 1001, 6), Some(Wasserstein));
        assert_eq!(default_method(Numerical, 1000, 5), Some(Chisquare));
        assert_eq!(default_method(Numerical, 1000, 2), Some(Z));
        assert_eq!(default_method(Categorical, 5000, 2), Some(Jensenshannon));
        assert_eq!(default_method(Categorical, 10, 3), Some(Chisquare));
        assert_eq!(default_method(Text, 10, 3), None);
        assert_eq!(feature_type(ColumnKind::Integer, 10, 100), Categorical);
        assert_eq!(feature_type(ColumnKind::Integer, 11, 100), Numerical);
        assert_eq!(feature_type(ColumnKind::String, 51, 100), Text);
        assert_eq!(feature_type(ColumnKind::Datetime, 1, 100), NotTested);
    }

    #[test]
    fn a_numeric_test_forced_on_a_count_column_runs_on_its_values() {
        let r: Vec<f64> = (0..60).map(|i| f64::from(i % 6)).collect();
        let c: Vec<f64> = (0..50).map(|i| f64::from(i % 4 + 2)).collect();
        let (r, c) = (
            NumericSample::new(&r).with_integer_dtype(true),
            NumericSample::new(&c).with_integer_dtype(true),
        );
        let input = ColumnInput {
            name: "visits".into(),
            kind: ColumnKind::Integer,
            values: ColumnValues::Numeric {
                reference: std::sync::Arc::new(r.clone()),
                current: std::sync::Arc::new(c.clone()),
            },
        };
        let auto = evaluate_column(&input, &DriftOptions::default()).expect("auto");
        assert_eq!(auto.feature_type, FeatureType::Categorical);
        assert_eq!(auto.method, Some(DriftMethod::Chisquare));
        let forced = |m: DriftMethod| DriftOptions {
            global: MethodOverride {
                method: Some(m),
                threshold: None,
            },
            ..DriftOptions::default()
        };
        let ks = evaluate_column(&input, &forced(DriftMethod::Ks)).expect("ks");
        assert_eq!(ks.feature_type, FeatureType::Numerical);
        let want = ks_2samp(&r, &c, &KsParams::default()).expect("ks").p_value;
        assert_eq!(ks.score, Some(want));
        // Hellinger applies to categories, so the column stays categorical for it.
        let h = evaluate_column(&input, &forced(DriftMethod::Hellinger)).expect("hellinger");
        assert_eq!(h.feature_type, FeatureType::Categorical);
        // A string column is not given a numeric test.
        let text = ColumnInput {
            name: "s".into(),
            kind: ColumnKind::String,
            values: ColumnValues::Categorical(CategoricalCounts::from_numeric(&r, &c)),
        };
        assert!(evaluate_column(&text, &forced(DriftMethod::Ks)).is_err());
    }

    #[test]
    fn serde_names_are_snake_case() {
        for m in DriftMethod::ALL {
            let json = format!("\"{}\"", m.name());
            let back: DriftMethod = serde_json::from_str(&json).expect("round trip");
            assert_eq!(back, m);
        }
    }

    #[test]
    fn strictness_of_comparisons() {
        assert!(DriftMethod::Ks.direction().is_drift(0.05, 0.05));
        assert!(!DriftMethod::Chisquare.direction().is_drift(0.05, 0.05));
        assert!(DriftMethod::Wasserstein.direction().is_drift(0.1, 0.1));
        assert!(!DriftMethod::EnergyDistance.direction().is_drift(0.1, 0.1));
    }

    #[test]
    fn benjamini_hochberg_adjusts() {
        let mk = |p: f64| ColumnDriftReport {
            name: String::new(),
            feature_type: FeatureType::Numerical,
            method: Some(DriftMethod::Ks),
            threshold: Some(0.05),
            score: Some(p),
            adjusted_score: Some(p),
            drifted: p <= 0.05,
            n_reference: 10,
            n_values: 10,
            not_tested_reason: None,
        };
        let mut r = vec![mk(0.01), mk(0.04), mk(0.03)];
        apply_correction(&mut r, Correction::BenjaminiHochberg);
        let adj: Vec<f64> = r.iter().map(|x| x.adjusted_score.unwrap_or(0.0)).collect();
        assert!((adj[0] - 0.03).abs() < 1e-15);
        assert!((adj[1] - 0.04).abs() < 1e-15);
        assert!((adj[2] - 0.04).abs() < 1e-15);
    }
}
