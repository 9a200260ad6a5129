//! Presenters of a seasonality outcome ([`crate::engine::seasonality::SeasonalityOutcome`]):
//! the JSON of `sextant seasonality --format json` and of the report's seasonality part (serde
//! structs; the keys and their order are a contract), the text summary and the CSV of the
//! components.
//!
//! JSON contract (keys may be added, never removed): `{"periods": [...], "observed": [...],
//! "trend": [...], "seasonal": [[...], ...] (one array per period), "remainder": [...],
//! "weights": [...], "seasonal_strength": [...], "trend_strength", "anomalies": [indices],
//! "filled": [indices]}` plus `timestamps` (ISO-8601 period starts, or null without a time
//! axis), `candidates`, `windows`, `config`, `anomaly_scores`, and `comparison` (with a current
//! file and a time axis).

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::analysis::seasonality::compare::{SeasonAwareReport, Verdict};
use crate::analysis::seasonality::params::StlConfig;
use crate::analysis::seasonality::periods::{CandidateSource, PeriodCandidate};
use crate::analysis::seasonality::report::{Method, unit_name};
use crate::analysis::seasonality::{SeasonalityReport, TimeSeries};
use crate::engine::seasonality::{BenchTimings, SeasonalityOutcome};
use crate::format::fmt_num;
use crate::present::json::number;
use crate::present::table::TextTable;
use crate::vocab::time::{format_iso, format_micros};

/// A float as the JSON contract writes it: a number, or "NaN" / "Infinity" / "-Infinity".
#[derive(Clone, Copy)]
struct Num(f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        number(self.0).serialize(s)
    }
}

/// An optional float: `null` when absent.
#[derive(Clone, Copy)]
struct OptNum(Option<f64>);

impl Serialize for OptNum {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.map(Num).serialize(s)
    }
}

/// A slice of floats as a JSON array of [`Num`].
#[derive(Clone, Copy)]
struct Nums<'a>(&'a [f64]);

impl Serialize for Nums<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|x| Num(*x)))
    }
}

/// What a decomposition's JSON says about the series it was made from.
pub struct About<'a> {
    /// The value in the `--value` syntax.
    pub value: String,
    /// Title of the value.
    pub label: &'a str,
    /// The aggregation's name.
    pub aggregation: String,
    /// The time column, as the caller names it.
    pub time: Option<&'a str>,
}

impl<'a> About<'a> {
    /// The outcome's own description: its value, label, aggregation and time column.
    pub fn of(outcome: &'a SeasonalityOutcome) -> Self {
        Self {
            value: outcome.value.to_text(),
            label: &outcome.label,
            aggregation: outcome.aggregation.name(),
            time: outcome.time.as_deref(),
        }
    }
}

/// The decomposition part of `seasonality --format json` (also the report's seasonality part).
#[derive(Serialize)]
pub struct DecompositionDoc<'a> {
    value: String,
    label: &'a str,
    aggregation: String,
    time: Option<&'a str>,
    frequency: Option<&'static str>,
    n: usize,
    method: &'static str,
    auto_period: bool,
    periods: &'a [usize],
    windows: &'a [usize],
    dropped_periods: &'a [usize],
    config: ConfigDoc<'a>,
    timestamps: Option<Vec<String>>,
    observed: Nums<'a>,
    trend: Nums<'a>,
    seasonal: Vec<Nums<'a>>,
    remainder: Nums<'a>,
    weights: Nums<'a>,
    seasonal_strength: Nums<'a>,
    trend_strength: Num,
    anomalies: Vec<usize>,
    anomaly_scores: Vec<Num>,
    anomaly_threshold: Num,
    filled: &'a [usize],
    rows_per_period: &'a [usize],
    missing_values: usize,
    missing_times: usize,
    trimmed: usize,
    candidates: Vec<CandidateDoc>,
    comparison: Option<ComparisonDoc>,
}

/// The resolved STL settings.
#[derive(Serialize)]
struct ConfigDoc<'a> {
    seasonal: &'a [usize],
    trend: usize,
    low_pass: usize,
    seasonal_deg: u8,
    trend_deg: u8,
    low_pass_deg: u8,
    seasonal_jump: usize,
    trend_jump: usize,
    low_pass_jump: usize,
    robust: bool,
    inner_iter: usize,
    outer_iter: usize,
}

/// One candidate period.
#[derive(Serialize)]
struct CandidateDoc {
    period: usize,
    score: Num,
    acf: OptNum,
    power_share: OptNum,
    sources: Vec<&'static str>,
}

/// The naive and the season-aware comparison.
#[derive(Serialize)]
struct ComparisonDoc {
    period: usize,
    alpha: f64,
    naive: VerdictDoc,
    season_aware: VerdictDoc,
    deseasonalised_mean: OptNum,
    matched: usize,
    unmatched: usize,
    reference_season_means: Vec<OptNum>,
    current_season_means: Vec<OptNum>,
}

/// One Welch test.
#[derive(Serialize)]
struct VerdictDoc {
    reference_n: usize,
    current_n: usize,
    reference_mean: Num,
    current_mean: Num,
    difference: Num,
    relative_difference: OptNum,
    t: Num,
    df: Num,
    p_value: Num,
    shifted: bool,
}

/// `sextant seasonality --format json`: the files and the choice of rows, then the
/// decomposition.
#[derive(Serialize)]
pub struct CommandDoc<'a> {
    /// The `--input` path.
    pub input: String,
    /// The `--current` path.
    pub current: Option<String>,
    /// `input`, `current` or `both`.
    pub series: &'static str,
    /// Everything else.
    #[serde(flatten)]
    pub body: DecompositionDoc<'a>,
}

fn source_name(s: CandidateSource) -> &'static str {
    match s {
        CandidateSource::Acf => "acf",
        CandidateSource::Periodogram => "periodogram",
        CandidateSource::Calendar => "calendar",
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Stl => "stl",
        Method::Mstl => "mstl",
    }
}

fn verdict_doc(v: &Verdict) -> VerdictDoc {
    VerdictDoc {
        reference_n: v.reference_n,
        current_n: v.current_n,
        reference_mean: Num(v.reference_mean),
        current_mean: Num(v.current_mean),
        difference: Num(v.difference),
        relative_difference: OptNum(v.relative_difference),
        t: Num(v.t),
        df: Num(v.df),
        p_value: Num(v.p_value),
        shifted: v.shifted,
    }
}

fn comparison_doc(c: &SeasonAwareReport) -> ComparisonDoc {
    ComparisonDoc {
        period: c.period,
        alpha: c.alpha,
        naive: verdict_doc(&c.naive),
        season_aware: verdict_doc(&c.season_aware),
        deseasonalised_mean: OptNum(c.comparison.deseasonalised_mean),
        matched: c.comparison.matched,
        unmatched: c.comparison.unmatched,
        reference_season_means: c
            .comparison
            .profile
            .season_means
            .iter()
            .map(|m| OptNum(*m))
            .collect(),
        current_season_means: c.current_season_means.iter().map(|m| OptNum(*m)).collect(),
    }
}

fn candidate_doc(c: &PeriodCandidate) -> CandidateDoc {
    CandidateDoc {
        period: c.period,
        score: Num(c.score),
        acf: OptNum(c.acf),
        power_share: OptNum(c.power_share),
        sources: c.sources.iter().map(|s| source_name(*s)).collect(),
    }
}

fn config_doc<'a>(windows: &'a [usize], cfg: &StlConfig) -> ConfigDoc<'a> {
    ConfigDoc {
        seasonal: windows,
        trend: cfg.trend,
        low_pass: cfg.low_pass,
        seasonal_deg: cfg.seasonal_deg,
        trend_deg: cfg.trend_deg,
        low_pass_deg: cfg.low_pass_deg,
        seasonal_jump: cfg.seasonal_jump,
        trend_jump: cfg.trend_jump,
        low_pass_jump: cfg.low_pass_jump,
        robust: cfg.robust,
        inner_iter: cfg.inner_iter,
        outer_iter: cfg.outer_iter,
    }
}

/// The decomposition document of a series, its report and (when made) the comparison.
pub fn decomposition<'a>(
    about: About<'a>,
    s: &'a TimeSeries,
    r: &'a SeasonalityReport,
    comparison: Option<&'a SeasonAwareReport>,
) -> DecompositionDoc<'a> {
    DecompositionDoc {
        value: about.value,
        label: about.label,
        aggregation: about.aggregation,
        time: about.time,
        frequency: s.frequency.map(|f| f.name()),
        n: s.len(),
        method: method_name(r.method),
        auto_period: r.auto_period,
        periods: &r.periods,
        windows: &r.windows,
        dropped_periods: &r.dropped_periods,
        config: config_doc(&r.windows, &r.config),
        timestamps: s
            .timestamps
            .as_ref()
            .map(|t| t.iter().map(|m| format_iso(*m)).collect()),
        observed: Nums(&r.observed),
        trend: Nums(&r.trend),
        seasonal: r.seasonal.iter().map(|c| Nums(c)).collect(),
        remainder: Nums(&r.remainder),
        weights: Nums(&r.weights),
        seasonal_strength: Nums(&r.strength.seasonal),
        trend_strength: Num(r.strength.trend),
        anomalies: r.anomalies.anomalies.iter().map(|a| a.index).collect(),
        anomaly_scores: r.anomalies.anomalies.iter().map(|a| Num(a.score)).collect(),
        anomaly_threshold: Num(r.anomalies.threshold),
        filled: &s.filled,
        rows_per_period: &s.rows,
        missing_values: s.missing_values,
        missing_times: s.missing_times,
        trimmed: s.trimmed,
        candidates: r.candidates.iter().map(candidate_doc).collect(),
        comparison: comparison.map(comparison_doc),
    }
}

/// A document as a JSON value (for embedding in a larger document such as the report's).
pub fn to_value<T: Serialize>(doc: &T) -> Value {
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

/// A document as pretty JSON text with a trailing newline.
pub fn to_text<T: Serialize>(doc: &T) -> String {
    crate::present::json::to_text(&to_value(doc))
}

/// A document written as [`to_text`] writes it, streamed: a million-point decomposition's
/// arrays go out as they are serialised instead of being built as a JSON tree and a string
/// first (a tenth of the memory).
pub fn write_json<T: Serialize>(doc: &T, out: impl std::io::Write) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut out, doc).map_err(std::io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// One row per period: index, timestamp, observed, trend, seasonal part(s), remainder, weight,
/// filled, anomaly, z-score.
pub fn csv(s: &TimeSeries, r: &SeasonalityReport) -> String {
    let mut out = String::from("index,timestamp,observed,trend,");
    for p in &r.periods {
        out.push_str(&format!("seasonal_{p},"));
    }
    out.push_str("remainder,weight,filled,anomaly,score\n");
    let flagged: std::collections::BTreeSet<usize> =
        r.anomalies.anomalies.iter().map(|a| a.index).collect();
    for i in 0..r.observed.len() {
        let ts = s
            .timestamps
            .as_ref()
            .map(|t| format_iso(t[i]))
            .unwrap_or_default();
        let mut line = format!("{i},{ts},{},{},", r.observed[i], r.trend[i]);
        for c in &r.seasonal {
            line.push_str(&format!("{},", c[i]));
        }
        line.push_str(&format!(
            "{},{},{},{},{}\n",
            r.remainder[i],
            r.weights[i],
            u8::from(s.is_filled(i)),
            u8::from(flagged.contains(&i)),
            r.anomalies.scores[i]
        ));
        out.push_str(&line);
    }
    out
}

fn yes_no(shifted: bool) -> &'static str {
    if shifted { "shift" } else { "no shift" }
}

/// The summary for people: the series, the decomposition, the candidate periods, the anomalies
/// (the first 30) and the comparison. `anomaly_threshold` is the one the user chose, as typed.
pub fn table(
    label: &str,
    s: &TimeSeries,
    r: &SeasonalityReport,
    comparison: Option<&SeasonAwareReport>,
    anomaly_threshold: f64,
) -> String {
    let unit = unit_name(s.frequency);
    let when = |i: usize| {
        s.timestamps
            .as_ref()
            .map_or_else(|| format!("#{i}"), |t| format_micros(t[i]))
    };
    let mut out = format!(
        "{} · {} {}{}\n",
        label,
        s.len(),
        unit,
        match (&s.timestamps, s.len()) {
            (Some(_), n) if n > 0 => format!(" from {} to {}", when(0), when(n - 1)),
            _ => " (rows in file order)".into(),
        }
    );
    out.push_str(&format!(
        "filled by interpolation: {} · rows without a value: {} · rows without a timestamp: {}\n",
        s.filled.len(),
        s.missing_values,
        s.missing_times
    ));
    let method = match r.method {
        Method::Stl => "STL",
        Method::Mstl => "MSTL",
    };
    let periods: Vec<String> = r.periods.iter().map(ToString::to_string).collect();
    out.push_str(&format!(
        "{method}, period {}{} · seasonal window {} · trend {} · low-pass {}{}\n",
        periods.join(" + "),
        if r.auto_period { " (detected)" } else { "" },
        r.windows
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        r.config.trend,
        r.config.low_pass,
        if r.config.robust { " · robust" } else { "" },
    ));
    let strengths: Vec<String> = r
        .periods
        .iter()
        .zip(&r.strength.seasonal)
        .map(|(p, f)| format!("{f:.3} (period {p})"))
        .collect();
    out.push_str(&format!(
        "seasonal strength {} · trend strength {:.3}\n\n",
        strengths.join(", "),
        r.strength.trend
    ));
    let mut t = TextTable::new(
        &["period", "score", "acf", "power share", "found by"],
        &[true, true, true, true, false],
    );
    for c in &r.candidates {
        t.row(vec![
            c.period.to_string(),
            format!("{:.3}", c.score),
            c.acf.map(|a| format!("{a:.3}")).unwrap_or_default(),
            c.power_share
                .map(|p| format!("{:.1} %", p * 100.0))
                .unwrap_or_default(),
            c.sources
                .iter()
                .map(|s| source_name(*s))
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    out.push_str("Candidate periods\n");
    out.push_str(&t.render());
    let flagged = &r.anomalies.anomalies;
    out.push_str(&format!(
        "\n{} anomalies (|robust z| > {})\n",
        flagged.len(),
        fmt_num(anomaly_threshold)
    ));
    if !flagged.is_empty() {
        let mut t = TextTable::new(
            &["index", "period", "observed", "remainder", "z"],
            &[true, false, true, true, true],
        );
        // The table is for reading; the JSON and CSV carry every anomaly.
        const SHOWN: usize = 30;
        for a in flagged.iter().take(SHOWN) {
            t.row(vec![
                a.index.to_string(),
                when(a.index),
                fmt_num(r.observed[a.index]),
                fmt_num(a.value),
                format!("{:.2}", a.score),
            ]);
        }
        out.push_str(&t.render());
        if flagged.len() > SHOWN {
            out.push_str(&format!(
                "… and {} more (all are in --format json or csv)\n",
                flagged.len() - SHOWN
            ));
        }
    }
    if let Some(c) = comparison {
        out.push_str(&format!(
            "\nCurrent vs reference, period {} (Welch's t-test, alpha {})\n",
            c.period, c.alpha
        ));
        let mut t = TextTable::new(
            &[
                "",
                "reference",
                "current",
                "difference",
                "p-value",
                "verdict",
            ],
            &[false, true, true, true, true, false],
        );
        for (name, v) in [("naive", &c.naive), ("season-aware", &c.season_aware)] {
            t.row(vec![
                name.into(),
                fmt_num(v.reference_mean),
                fmt_num(v.current_mean),
                match v.relative_difference {
                    Some(rel) => format!("{} ({:+.1} %)", fmt_num(v.difference), rel * 100.0),
                    None => fmt_num(v.difference),
                },
                format!("{:.3e}", v.p_value),
                yes_no(v.shifted).into(),
            ]);
        }
        out.push_str(&t.render());
    }
    out
}

/// `sextant bench-seasonality`'s lines: one per STL setting, then the series builder.
/// `build` names the profile the timings were measured with ("debug" or "release").
pub fn bench_text(t: &BenchTimings, build: &str) -> String {
    let mut out = format!(
        "STL on {} points, period {} ({build} build), best of {}:\n",
        t.points, t.period, t.repeat
    );
    for (name, seconds) in [("non-robust", t.stl), ("robust", t.stl_robust)] {
        out.push_str(&format!("  {name:<10} {:>8.1} ms\n", seconds * 1000.0));
    }
    out.push_str(&format!(
        "Series builder, {} rows to hourly means: {:.1} ms\n",
        t.points,
        t.builder * 1000.0
    ));
    out
}
