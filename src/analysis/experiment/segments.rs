//! Effects per segment value (country, device…) with the same tests and a correction across
//! the segments, and Simpson's-paradox notes.
//!
//! Each segment is analysed as its own experiment ([`frequentist_effect`], the relative test as
//! the headline); the segments' p-values are adjusted together ([`adjust_p_values`]). A
//! segment's `sign_differs` is set when its relative lift and the total's have opposite signs;
//! `simpson` when every testable segment (at least two) has the opposite sign of the total,
//! which is Simpson's paradox proper (the pooled comparison reverses every stratum's).

use serde::Serialize;

use super::error::ExperimentError;
use super::frequentist::{EffectParams, EffectReport, Verdict, frequentist_effect};
use super::moments::{ArmSummary, Direction};
use super::multiple::{Correction, MultipleTestingParams, adjust_p_values};

/// One segment value's two arms.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentInput {
    /// The segment value.
    pub segment: String,
    /// Control arm within the segment.
    pub control: ArmSummary,
    /// Treatment arm within the segment.
    pub treatment: ArmSummary,
}

/// Input of [`segment_effects`].
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentParams {
    /// Control over all segments.
    pub control: ArmSummary,
    /// Treatment over all segments.
    pub treatment: ArmSummary,
    /// The segments.
    pub segments: Vec<SegmentInput>,
    /// Two-sided level.
    pub alpha: f64,
    /// Which way is good.
    pub direction: Direction,
    /// Correction across the segments.
    pub correction: Correction,
}

/// One segment's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentRow {
    /// The segment value.
    pub segment: String,
    /// The effect, when testable.
    pub effect: Option<EffectReport>,
    /// Why not, in one sentence.
    pub error: Option<String>,
    /// The relative p-value after the correction across segments.
    pub adjusted_p_value: Option<f64>,
    /// Verdict from the adjusted p-value.
    pub verdict: Option<Verdict>,
    /// The lift's sign is opposite to the total's.
    pub sign_differs: bool,
}

/// Result of [`segment_effects`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentReport {
    /// The effect over all segments.
    pub total: EffectReport,
    /// Per segment, in input order.
    pub segments: Vec<SegmentRow>,
    /// Every testable segment (≥ 2) reverses the total's sign: Simpson's paradox.
    pub simpson: bool,
}

/// Effects per segment with a correction across them.
///
/// Errors: those of the total's test (the segments' own problems become their rows' `error`).
pub fn segment_effects(params: &SegmentParams) -> Result<SegmentReport, ExperimentError> {
    let run = |control: ArmSummary, treatment: ArmSummary| {
        frequentist_effect(&EffectParams {
            control,
            treatment,
            alpha: params.alpha,
            direction: params.direction,
        })
    };
    let total = run(params.control, params.treatment)?;
    let sign = |x: f64| {
        if x > 0.0 {
            1
        } else if x < 0.0 {
            -1
        } else {
            0
        }
    };
    let total_sign = sign(total.relative.estimate);
    let mut rows: Vec<SegmentRow> = params
        .segments
        .iter()
        .map(|s| match run(s.control, s.treatment) {
            Ok(e) => SegmentRow {
                segment: s.segment.clone(),
                sign_differs: sign(e.relative.estimate) * total_sign < 0,
                effect: Some(e),
                error: None,
                adjusted_p_value: None,
                verdict: None,
            },
            Err(err) => SegmentRow {
                segment: s.segment.clone(),
                effect: None,
                error: Some(format!("segment {}: {err}", s.segment)),
                adjusted_p_value: None,
                verdict: None,
                sign_differs: false,
            },
        })
        .collect();
    let raw: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.effect.as_ref().map(|e| e.p_value))
        .collect();
    let tested = raw.len();
    if tested > 0 {
        let adjusted = adjust_p_values(&MultipleTestingParams {
            p_values: raw,
            correction: params.correction,
            alpha: params.alpha,
        })?
        .adjusted;
        let mut next = adjusted.into_iter();
        for row in rows.iter_mut() {
            if let Some(e) = row.effect.as_ref() {
                let adj = next.next().unwrap_or(e.p_value);
                row.adjusted_p_value = Some(adj);
                row.verdict = Some(Verdict::from_test(
                    e.relative.estimate,
                    adj,
                    params.alpha,
                    params.direction,
                ));
            }
        }
    }
    let simpson = tested >= 2
        && total_sign != 0
        && rows
            .iter()
            .filter(|r| r.effect.is_some())
            .all(|r| r.sign_differs);
    Ok(SegmentReport {
        total,
        segments: rows,
        simpson,
    })
}
