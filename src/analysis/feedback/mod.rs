//! Feedback loops: is the model feeding on its own output?
//!
//! Two checks over windows of a served log (one row per scored unit and time, with the score,
//! later features and, when there is one, whether the model's decision was applied):
//! - **Prediction → later data** ([`analyze`]): per feature, the Granger F-test of the window
//!   mean of the feature on the lagged window means of the score (orders 1…K, statsmodels'
//!   `grangercausalitytests` ssr F-test, [`granger`]), the lagged cross-correlation
//!   (statsmodels' `ccf`), a multiple-testing correction across features × orders (Holm by
//!   default, the experiment module's [`adjust_p_values`]), the same tests on the holdout as a
//!   control, and a verdict naming the feature and the lag.
//! - **Served against holdout** ([`footprint`]): per window, each feature's drift in the served
//!   group and in the holdout, each against its own baseline, with the drift core's tests.

pub mod footprint;
pub mod granger;

use serde::Serialize;

use crate::analysis::experiment::multiple::{Correction, MultipleTestingParams, adjust_p_values};
pub use granger::{GrangerError, GrangerLag, ccf, granger};

/// What to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackParams {
    /// The largest Granger order and cross-correlation lag, in windows.
    pub max_lag: usize,
    /// Level of the verdict (adjusted p ≤ α).
    pub alpha: f64,
    /// Correction across features × orders.
    pub correction: Correction,
    /// The window unit for the verdict's sentence ("day", "week", "month", "window").
    pub unit: String,
}

impl Default for FeedbackParams {
    fn default() -> Self {
        Self {
            max_lag: 5,
            alpha: 0.05,
            correction: Correction::Holm,
            unit: "window".into(),
        }
    }
}

/// One group's window means: the score and each feature (`None` = no value in that window).
#[derive(Debug, Clone, Default)]
pub struct GroupSeries<'a> {
    pub score: &'a [Option<f64>],
    pub features: Vec<(&'a str, &'a [Option<f64>])>,
}

/// Everything [`analyze`] reads: window labels and the served (or, without a served column,
/// every row's) series, and the holdout's when there is one.
#[derive(Debug, Clone, Default)]
pub struct FeedbackInput<'a> {
    pub windows: &'a [String],
    pub served: GroupSeries<'a>,
    pub holdout: Option<GroupSeries<'a>>,
}

/// One feature and order of the Granger test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrangerRow {
    pub feature: String,
    pub lag: usize,
    pub f_statistic: f64,
    pub p_value: f64,
    /// After the correction across every feature × order of the same group.
    pub adjusted_p_value: f64,
    pub df_num: usize,
    pub df_denom: usize,
}

/// The cross-correlation of a feature k windows later with the score now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossCorrelation {
    pub feature: String,
    pub lag: usize,
    pub correlation: f64,
}

/// The conclusion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// A feature follows the score (adjusted p ≤ α) and, where there is a holdout, does not
    /// in the holdout.
    #[serde(rename = "loop")]
    pub found: bool,
    /// The feature with the smallest adjusted p-value, and its order.
    pub feature: Option<String>,
    pub lag: Option<usize>,
    /// Its adjusted p-value.
    pub p_value: Option<f64>,
    /// The same feature and order in the holdout (adjusted among the holdout's tests).
    pub holdout_p_value: Option<f64>,
    pub sentence: String,
}

/// Everything [`analyze`] finds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackReport {
    pub granger: Vec<GrangerRow>,
    pub holdout_granger: Vec<GrangerRow>,
    /// On the served series, lags 0…K.
    pub cross_correlation: Vec<CrossCorrelation>,
    pub verdict: Verdict,
    /// Tests that could not run, one sentence each.
    pub notes: Vec<String>,
}

/// The mean of `values` per window over the rows a group keeps (`rows[w]`); `None` for a
/// window without a value. Missing values are left out of the mean.
pub fn window_means(values: &[Option<f64>], rows: &[&[u32]]) -> Vec<Option<f64>> {
    rows.iter()
        .map(|rows| {
            let (mut sum, mut n) = (0.0, 0usize);
            for &r in *rows {
                if let Some(v) = values.get(r as usize).copied().flatten()
                    && v.is_finite()
                {
                    sum += v;
                    n += 1;
                }
            }
            (n > 0).then(|| sum / n as f64)
        })
        .collect()
}

fn dense(
    which: &str,
    series: &[Option<f64>],
    windows: &[String],
    group: &str,
) -> Result<Vec<f64>, String> {
    series
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.ok_or_else(|| {
                format!(
                    "{which} has no value in the {group} rows of window {}, so the series has a gap and no Granger test runs on it",
                    windows.get(i).map(String::as_str).unwrap_or("?")
                )
            })
        })
        .collect()
}

/// The Granger rows of one group, corrected, and the notes for what could not run.
fn granger_group(
    input: &FeedbackInput,
    group: &GroupSeries,
    name: &str,
    params: &FeedbackParams,
    notes: &mut Vec<String>,
) -> Vec<GrangerRow> {
    let score = match dense("the score", group.score, input.windows, name) {
        Ok(s) => s,
        Err(e) => {
            notes.push(format!("{}{}.", e[..1].to_uppercase(), &e[1..]));
            return Vec::new();
        }
    };
    let mut rows = Vec::new();
    let mut reported_global = false;
    for (feature, values) in &group.features {
        let values = match dense(&format!("\"{feature}\""), values, input.windows, name) {
            Ok(v) => v,
            Err(e) => {
                notes.push(format!("{e}."));
                continue;
            }
        };
        match granger(&values, &score, params.max_lag) {
            Ok(lags) => rows.extend(lags.into_iter().map(|l| GrangerRow {
                feature: feature.to_string(),
                lag: l.lag,
                f_statistic: l.f_statistic,
                p_value: l.p_value,
                adjusted_p_value: l.p_value,
                df_num: l.df_num,
                df_denom: l.df_denom,
            })),
            // These hold for every feature: say them once.
            Err(
                e @ (GrangerError::TooFewObservations { .. }
                | GrangerError::Constant { which: "score" }
                | GrangerError::NoLag),
            ) => {
                if !reported_global {
                    notes.push(format!("The {name} rows: {e}."));
                    reported_global = true;
                }
            }
            Err(e) => notes.push(format!("\"{feature}\" ({name} rows): {e}.")),
        }
    }
    let p: Vec<f64> = rows.iter().map(|r| r.p_value.clamp(0.0, 1.0)).collect();
    if !p.is_empty()
        && let Ok(adj) = adjust_p_values(&MultipleTestingParams {
            p_values: p,
            correction: params.correction,
            alpha: params.alpha,
        })
    {
        for (r, a) in rows.iter_mut().zip(adj.adjusted) {
            r.adjusted_p_value = a;
        }
    }
    rows
}

/// A p-value for a sentence: two significant digits, scientific below 0.001.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        // One significant digit: "2e-7".
        format!("{p:.0e}")
    } else {
        format!("{p:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// Run both groups' tests, the cross-correlation and the verdict.
pub fn analyze(input: &FeedbackInput, params: &FeedbackParams) -> FeedbackReport {
    let mut notes = Vec::new();
    let served_name = if input.holdout.is_some() {
        "served"
    } else {
        "all"
    };
    let granger = granger_group(input, &input.served, served_name, params, &mut notes);
    let holdout_granger = match &input.holdout {
        Some(h) => granger_group(input, h, "holdout", params, &mut notes),
        None => Vec::new(),
    };
    let mut cross_correlation = Vec::new();
    if let Ok(score) = dense("the score", input.served.score, input.windows, served_name) {
        for (feature, values) in &input.served.features {
            let Ok(values) = dense("", values, input.windows, served_name) else {
                continue;
            };
            if let Some(c) = ccf(&values, &score, params.max_lag) {
                cross_correlation.extend(c.into_iter().enumerate().map(|(lag, correlation)| {
                    CrossCorrelation {
                        feature: feature.to_string(),
                        lag,
                        correlation,
                    }
                }));
            }
        }
    }
    let verdict = verdict(
        &granger,
        input.holdout.as_ref().map(|_| holdout_granger.as_slice()),
        params,
    );
    FeedbackReport {
        granger,
        holdout_granger,
        cross_correlation,
        verdict,
        notes,
    }
}

fn verdict(
    served: &[GrangerRow],
    holdout: Option<&[GrangerRow]>,
    params: &FeedbackParams,
) -> Verdict {
    // The feature with the smallest adjusted p; its lag is the smallest order that is
    // significant: a loop at lag 3 also makes orders 4 and 5 significant (they contain lag 3),
    // often with a smaller p as the score's own memory adds to it, but order 3 is where the
    // score's past starts to help.
    let best = served
        .iter()
        .min_by(|a, b| a.adjusted_p_value.total_cmp(&b.adjusted_p_value))
        .map(|b| {
            served
                .iter()
                .filter(|r| r.feature == b.feature && r.adjusted_p_value <= params.alpha)
                .min_by_key(|r| r.lag)
                .unwrap_or(b)
        });
    let Some(best) = best else {
        return Verdict {
            found: false,
            feature: None,
            lag: None,
            p_value: None,
            holdout_p_value: None,
            sentence: "No Granger test could run (see the notes), so there is no verdict.".into(),
        };
    };
    let control = holdout.and_then(|h| {
        h.iter()
            .find(|r| r.feature == best.feature && r.lag == best.lag)
            .map(|r| r.adjusted_p_value)
    });
    let significant = best.adjusted_p_value <= params.alpha;
    let in_holdout = control.is_some_and(|p| p <= params.alpha);
    let lag_text = format!("{}-{} lag", best.lag, params.unit);
    let p = p_text(best.adjusted_p_value);
    let sentence = if !significant {
        format!(
            "No feature follows the score: the smallest adjusted p-value is {p} ({} at a {lag_text}), above {}.",
            best.feature, params.alpha
        )
    } else {
        let head = format!(
            "{} follows the score with a {lag_text}, p = {p}",
            best.feature
        );
        match (holdout, control) {
            (None, _) => format!(
                "{head}; there is no holdout to tell the model's footprint from a common cause."
            ),
            (Some(_), None) => format!("{head}; the holdout could not be tested."),
            (Some(_), Some(c)) if in_holdout => format!(
                "{head}, but it does in the holdout too (p = {}): a common cause, not the model's decisions.",
                p_text(c)
            ),
            (Some(_), Some(c)) => format!(
                "{head}, and not in the holdout (p = {}): the model's decisions feed back into its data.",
                p_text(c)
            ),
        }
    };
    Verdict {
        found: significant && !in_holdout,
        feature: Some(best.feature.clone()),
        lag: Some(best.lag),
        p_value: Some(best.adjusted_p_value),
        holdout_p_value: control,
        sentence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_read_short() {
        assert_eq!(p_text(2.04e-7), "2e-7");
        assert_eq!(p_text(0.41), "0.41");
        assert_eq!(p_text(0.5), "0.5");
    }

    #[test]
    fn window_means_skip_missing_values_and_empty_windows() {
        let v = [Some(1.0), None, Some(3.0), Some(f64::NAN), Some(5.0)];
        let rows: [&[u32]; 3] = [&[0, 1, 2], &[3], &[4]];
        assert_eq!(window_means(&v, &rows), vec![Some(2.0), None, Some(5.0)]);
    }
}
