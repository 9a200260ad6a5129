//! `sextant seasonality`: a column or a derived series as a time series, its candidate periods,
//! its STL / MSTL decomposition, strengths and remainder anomalies; with `--current`, also the
//! naive and the season-aware comparison of the current file with the input (reference) file.
//!
//! JSON contract (keys may be added, never removed): `{"periods": [...], "observed": [...],
//! "trend": [...], "seasonal": [[...], ...] (one array per period), "remainder": [...],
//! "weights": [...], "seasonal_strength": [...], "trend_strength", "anomalies": [indices],
//! "filled": [indices]}` plus `timestamps` (ISO-8601 period starts, or null without `--time`),
//! `candidates`, `windows`, `config`, `anomaly_scores`, and `comparison` (with `--current` and
//! `--time`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use super::{CliError, EXIT_OK, load_dataset};
use crate::analysis::seasonality::compare::{SeasonAwareReport, Verdict};
use crate::analysis::seasonality::periods::CandidateSource;
use crate::analysis::seasonality::report::{Method, compare_series, unit_name};
use crate::analysis::seasonality::{
    Aggregation, SamplingFrequency, SeasonalityParams, SeasonalityReport, StlOptions, TimeSeries,
    analyze_series,
};
use crate::data::Dataset;
use crate::data::RoleMap;
use crate::data::series::{ResolvedValue, ValueSpec, build_series, resolve};
use crate::format::fmt_num;
use crate::present::json::{number, opt_number, to_text};
use crate::present::table::TextTable;
use crate::vocab::time::{format_iso, format_micros};

/// Output formats of `seasonality`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SeasonalityFormat {
    /// A summary, the candidate periods and the anomalies, for people.
    #[default]
    Table,
    /// Every series and number (the keys are a stable contract).
    Json,
    /// One row per period: timestamp, observed, trend, seasonal part(s), remainder, weight,
    /// filled, anomaly, z-score.
    Csv,
}

/// Which rows the series is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SeriesData {
    /// The --input file.
    #[default]
    Input,
    /// The --current file.
    Current,
    /// --input then --current, end to end.
    Both,
}

#[derive(Debug, Args)]
pub struct SeasonalityArgs {
    /// The data file (CSV, Parquet, Arrow IPC or NDJSON); the reference when --current is given.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// A current (production) file: adds the naive and season-aware comparison with --input
    /// (needs --time), and allows --series current|both.
    #[arg(long, value_name = "FILE")]
    pub current: Option<PathBuf>,
    /// Which rows make the series: input, current, or both end to end.
    #[arg(long, value_enum, default_value_t = SeriesData::Input)]
    pub series: SeriesData,
    /// The value: a column (aggregated with --agg), or a derived series: @count (rows per
    /// period), @null_rate:COL, @prediction_mean[:COL] (role prediction), @label_rate[:COL]
    /// (role target), @drift:COL (the column's drift score per period of --current against
    /// --input).
    #[arg(
        long,
        value_name = "COL|@count|@null_rate:COL|@prediction_mean|@label_rate|@drift:COL"
    )]
    pub value: String,
    /// Timestamp column; without it the rows in file order are the series.
    #[arg(long, value_name = "COL")]
    pub time: Option<String>,
    /// Period of the series with --time: minute, hour, day, week, month [default: day].
    #[arg(long, value_name = "FREQ", value_parser = parse_frequency)]
    pub freq: Option<SamplingFrequency>,
    /// Aggregation of a column per period: mean, sum, count, min, max, median, qQ (quantile Q in
    /// [0, 1], e.g. q0.9) [default: mean].
    #[arg(long, value_name = "AGG", value_parser = parse_aggregation)]
    pub agg: Option<Aggregation>,
    /// Seasonal period in periods of the series (repeat for MSTL); default: the strongest
    /// detected candidate.
    #[arg(long = "period", value_name = "N")]
    pub periods: Vec<usize>,
    /// Seasonal window (odd, >= 3; default 7 for STL; repeat once per period for MSTL, whose
    /// default is 7 + 4 i).
    #[arg(long = "seasonal", value_name = "N")]
    pub seasonal: Vec<usize>,
    /// Trend window (odd, > period) [default: statsmodels' rule from period and seasonal].
    #[arg(long, value_name = "N")]
    pub trend: Option<usize>,
    /// Low-pass window (odd, > period) [default: smallest odd integer > period].
    #[arg(long, value_name = "N")]
    pub low_pass: Option<usize>,
    /// Degree of the seasonal LOESS (0 or 1).
    #[arg(long, value_name = "D", default_value_t = 1)]
    pub seasonal_deg: u8,
    /// Degree of the trend LOESS (0 or 1).
    #[arg(long, value_name = "D", default_value_t = 1)]
    pub trend_deg: u8,
    /// Degree of the low-pass LOESS (0 or 1).
    #[arg(long, value_name = "D", default_value_t = 1)]
    pub low_pass_deg: u8,
    /// Seasonal LOESS jump (>= 1).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seasonal_jump: usize,
    /// Trend LOESS jump (>= 1).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub trend_jump: usize,
    /// Low-pass LOESS jump (>= 1).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub low_pass_jump: usize,
    /// Robust fit with bisquare weights (inner 2 / outer 15 iterations instead of 5 / 0).
    #[arg(long)]
    pub robust: bool,
    /// Inner iterations [default: 2 robust, 5 otherwise].
    #[arg(long, value_name = "N")]
    pub inner_iter: Option<usize>,
    /// Outer (robustness) iterations [default: 15 robust, 0 otherwise].
    #[arg(long, value_name = "N")]
    pub outer_iter: Option<usize>,
    /// Robust z-score (median / MAD) of the remainder above which a period is an anomaly.
    #[arg(long, value_name = "Z", default_value_t = 3.5)]
    pub anomaly_threshold: f64,
    /// Significance level of the comparison's verdicts (Welch's t-test).
    #[arg(long, value_name = "P", default_value_t = 0.05)]
    pub alpha: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SeasonalityFormat::Table)]
    pub format: SeasonalityFormat,
}

fn parse_frequency(text: &str) -> Result<SamplingFrequency, String> {
    SamplingFrequency::parse(text).ok_or_else(|| {
        format!("\"{text}\" is not a frequency; use minute, hour, day, week or month")
    })
}

fn parse_aggregation(text: &str) -> Result<Aggregation, String> {
    Aggregation::parse(text).ok_or_else(|| {
        format!(
            "\"{text}\" is not an aggregation; use mean, sum, count, min, max, median or qQ with Q in [0, 1] (e.g. q0.9)"
        )
    })
}

/// Everything `seasonality` computed, for the output writers.
struct Outcome {
    value: ResolvedValue,
    spec: ValueSpec,
    series: TimeSeries,
    report: SeasonalityReport,
    comparison: Option<SeasonAwareReport>,
}

pub fn run(args: &SeasonalityArgs) -> Result<u8, CliError> {
    let spec = ValueSpec::parse(&args.value)?;
    if args.time.is_none() && args.freq.is_some() {
        eprintln!(
            "warning: --freq is ignored without --time (the rows in file order are the series)"
        );
    }
    if args.agg.is_some() && !matches!(spec, ValueSpec::Column(_)) {
        eprintln!(
            "warning: --agg is ignored for the derived series {}",
            spec.to_text()
        );
    }
    if args.current.is_none() && args.series != SeriesData::Input {
        return Err(CliError(
            "--series current or both needs --current FILE".into(),
        ));
    }
    let input = load_dataset(&args.input)?;
    let current = args.current.as_deref().map(load_dataset).transpose()?;
    for w in input
        .warnings
        .iter()
        .chain(current.iter().flat_map(|c| c.warnings.iter()))
    {
        eprintln!("warning: {w}");
    }
    let mut roles = RoleMap::default();
    roles.add_inferred(&input.columns);
    if let Some(c) = &current {
        roles.add_inferred(&c.columns);
    }
    let frequency = args.freq.unwrap_or(SamplingFrequency::Day);
    let time = args.time.as_deref();
    if let ValueSpec::DriftScore(column) = &spec {
        return drift_score(
            args,
            &spec,
            column,
            &input,
            current.as_ref(),
            &roles,
            frequency,
        );
    }
    let value = resolve(&spec, args.agg.unwrap_or(Aggregation::Mean), &roles)?;
    let datasets: Vec<&Dataset> = match (args.series, &current) {
        (SeriesData::Input, _) | (_, None) => vec![&input],
        (SeriesData::Current, Some(c)) => vec![c],
        (SeriesData::Both, Some(c)) => vec![&input, c],
    };
    let series = build_series(&datasets, time, &value, frequency)?;
    if series.missing_times > 0 {
        eprintln!(
            "warning: {} rows have no timestamp and were left out",
            series.missing_times
        );
    }
    let params = params_of(args);
    let what = format!("{} of {}", value.label, names(&datasets));
    let report = analyze_series(&series, &params).map_err(|e| CliError(format!("{what}: {e}")))?;
    let comparison = match (&current, time) {
        (Some(c), Some(_)) => {
            let reference = build_series(&[&input], time, &value, frequency)?;
            let current_series = build_series(&[c], time, &value, frequency)?;
            let period = report.periods.first().copied().unwrap_or(1);
            Some(
                compare_series(&reference, &current_series, period, args.alpha)
                    .map_err(|e| CliError(format!("comparing {what}: {e}")))?,
            )
        }
        (Some(_), None) => {
            eprintln!("warning: the comparison needs --time to match seasons; it is left out");
            None
        }
        _ => None,
    };
    let outcome = Outcome {
        value,
        spec,
        series,
        report,
        comparison,
    };
    print!("{}", render(args, &outcome));
    Ok(EXIT_OK)
}

/// The decomposition parameters the flags ask for.
fn params_of(args: &SeasonalityArgs) -> SeasonalityParams {
    SeasonalityParams {
        periods: args.periods.clone(),
        seasonal: args.seasonal.clone(),
        options: StlOptions {
            trend: args.trend,
            low_pass: args.low_pass,
            seasonal_deg: args.seasonal_deg,
            trend_deg: args.trend_deg,
            low_pass_deg: args.low_pass_deg,
            seasonal_jump: args.seasonal_jump,
            trend_jump: args.trend_jump,
            low_pass_jump: args.low_pass_jump,
            robust: args.robust,
            inner_iter: args.inner_iter,
            outer_iter: args.outer_iter,
        },
        anomaly_threshold: args.anomaly_threshold,
        ..SeasonalityParams::default()
    }
}

/// The output in the chosen format.
fn render(args: &SeasonalityArgs, outcome: &Outcome) -> String {
    match args.format {
        SeasonalityFormat::Json => to_text(&to_json(args, outcome)),
        SeasonalityFormat::Csv => to_csv(outcome),
        SeasonalityFormat::Table => to_table(args, outcome),
    }
}

/// `--value @drift:COL`: the column's drift score per period of `--current` against
/// `--input`, decomposed like any series (no comparison: it is already one).
fn drift_score(
    args: &SeasonalityArgs,
    spec: &ValueSpec,
    column: &str,
    input: &Dataset,
    current: Option<&Dataset>,
    roles: &RoleMap,
    frequency: SamplingFrequency,
) -> Result<u8, CliError> {
    let current = current.ok_or_else(|| {
        CliError(format!(
            "--value {} compares two files: give the production file with --current",
            spec.to_text()
        ))
    })?;
    let time = args.time.clone().or_else(|| {
        roles
            .column_with(crate::vocab::Role::Timestamp)
            .map(str::to_string)
    });
    let series = crate::engine::seasonality::drift_series(
        input,
        current,
        roles,
        &[],
        column,
        time.as_deref(),
        frequency,
        &crate::vocab::Progress::silent(),
    )
    .map_err(CliError)?;
    let params = params_of(args);
    let report = analyze_series(&series, &params)
        .map_err(|e| CliError(format!("drift score of {column}: {e}")))?;
    let outcome = Outcome {
        value: ResolvedValue {
            column: Some(column.to_string()),
            aggregation: Aggregation::Mean,
            label: format!("drift score of {column}"),
        },
        spec: spec.clone(),
        series,
        report,
        comparison: None,
    };
    print!("{}", render(args, &outcome));
    Ok(EXIT_OK)
}

fn names(datasets: &[&Dataset]) -> String {
    datasets
        .iter()
        .map(|d| d.name())
        .collect::<Vec<_>>()
        .join(" + ")
}

fn numbers(v: &[f64]) -> Value {
    Value::Array(v.iter().map(|x| number(*x)).collect())
}

fn source_name(s: CandidateSource) -> &'static str {
    match s {
        CandidateSource::Acf => "acf",
        CandidateSource::Periodogram => "periodogram",
        CandidateSource::Calendar => "calendar",
    }
}

fn verdict_json(v: &Verdict) -> Value {
    json!({
        "reference_n": v.reference_n,
        "current_n": v.current_n,
        "reference_mean": number(v.reference_mean),
        "current_mean": number(v.current_mean),
        "difference": number(v.difference),
        "relative_difference": opt_number(v.relative_difference),
        "t": number(v.t),
        "df": number(v.df),
        "p_value": number(v.p_value),
        "shifted": v.shifted,
    })
}

fn comparison_json(c: &SeasonAwareReport) -> Value {
    let profile = &c.comparison.profile;
    json!({
        "period": c.period,
        "alpha": c.alpha,
        "naive": verdict_json(&c.naive),
        "season_aware": verdict_json(&c.season_aware),
        "deseasonalised_mean": opt_number(c.comparison.deseasonalised_mean),
        "matched": c.comparison.matched,
        "unmatched": c.comparison.unmatched,
        "reference_season_means": profile.season_means.iter().map(|m| opt_number(*m)).collect::<Vec<_>>(),
        "current_season_means": c.current_season_means.iter().map(|m| opt_number(*m)).collect::<Vec<_>>(),
    })
}

fn to_json(args: &SeasonalityArgs, o: &Outcome) -> Value {
    let mut doc = json!({
        "input": args.input.display().to_string(),
        "current": args.current.as_ref().map(|p| p.display().to_string()),
        "series": match args.series {
            SeriesData::Input => "input",
            SeriesData::Current => "current",
            SeriesData::Both => "both",
        },
    });
    let body = decomposition_json(
        &DecompositionJson {
            value: o.spec.to_text(),
            label: &o.value.label,
            aggregation: o.value.aggregation.name(),
            time: args.time.as_deref(),
        },
        &o.series,
        &o.report,
        o.comparison.as_ref(),
    );
    if let (Some(map), Value::Object(rest)) = (doc.as_object_mut(), body) {
        map.extend(rest);
    }
    doc
}

/// What a decomposition's JSON says about the series it was made from.
pub struct DecompositionJson<'a> {
    /// The value in the `--value` syntax.
    pub value: String,
    pub label: &'a str,
    pub aggregation: String,
    pub time: Option<&'a str>,
}

/// The decomposition part of `seasonality --format json` (also used by reports).
pub fn decomposition_json(
    about: &DecompositionJson,
    s: &TimeSeries,
    r: &SeasonalityReport,
    comparison: Option<&SeasonAwareReport>,
) -> Value {
    let candidates: Vec<Value> = r
        .candidates
        .iter()
        .map(|c| {
            json!({
                "period": c.period,
                "score": number(c.score),
                "acf": opt_number(c.acf),
                "power_share": opt_number(c.power_share),
                "sources": c.sources.iter().map(|s| source_name(*s)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let timestamps = s.timestamps.as_ref().map_or(Value::Null, |t| {
        Value::Array(t.iter().map(|m| Value::String(format_iso(*m))).collect())
    });
    let cfg = &r.config;
    json!({
        "value": about.value,
        "label": about.label,
        "aggregation": about.aggregation,
        "time": about.time,
        "frequency": s.frequency.map(|f| f.name()),
        "n": s.len(),
        "method": match r.method { Method::Stl => "stl", Method::Mstl => "mstl" },
        "auto_period": r.auto_period,
        "periods": r.periods,
        "windows": r.windows,
        "dropped_periods": r.dropped_periods,
        "config": {
            "seasonal": r.windows,
            "trend": cfg.trend,
            "low_pass": cfg.low_pass,
            "seasonal_deg": cfg.seasonal_deg,
            "trend_deg": cfg.trend_deg,
            "low_pass_deg": cfg.low_pass_deg,
            "seasonal_jump": cfg.seasonal_jump,
            "trend_jump": cfg.trend_jump,
            "low_pass_jump": cfg.low_pass_jump,
            "robust": cfg.robust,
            "inner_iter": cfg.inner_iter,
            "outer_iter": cfg.outer_iter,
        },
        "timestamps": timestamps,
        "observed": numbers(&r.observed),
        "trend": numbers(&r.trend),
        "seasonal": r.seasonal.iter().map(|c| numbers(c)).collect::<Vec<_>>(),
        "remainder": numbers(&r.remainder),
        "weights": numbers(&r.weights),
        "seasonal_strength": numbers(&r.strength.seasonal),
        "trend_strength": number(r.strength.trend),
        "anomalies": r.anomalies.anomalies.iter().map(|a| a.index).collect::<Vec<_>>(),
        "anomaly_scores": r.anomalies.anomalies.iter().map(|a| number(a.score)).collect::<Vec<_>>(),
        "anomaly_threshold": number(r.anomalies.threshold),
        "filled": s.filled,
        "rows_per_period": s.rows,
        "missing_values": s.missing_values,
        "missing_times": s.missing_times,
        "trimmed": s.trimmed,
        "candidates": candidates,
        "comparison": comparison.map(comparison_json),
    })
}

fn to_csv(o: &Outcome) -> String {
    let r = &o.report;
    let s = &o.series;
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

fn to_table(args: &SeasonalityArgs, o: &Outcome) -> String {
    let r = &o.report;
    let s = &o.series;
    let unit = unit_name(s.frequency);
    let when = |i: usize| {
        s.timestamps
            .as_ref()
            .map_or_else(|| format!("#{i}"), |t| format_micros(t[i]))
    };
    let mut out = format!(
        "{} · {} {}{}\n",
        o.value.label,
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
        fmt_num(args.anomaly_threshold)
    ));
    if !flagged.is_empty() {
        let mut t = TextTable::new(
            &["index", "period", "observed", "remainder", "z"],
            &[true, false, true, true, true],
        );
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
    if let Some(c) = &o.comparison {
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

/// `sextant bench-seasonality`: STL timings on a synthetic series (hidden; for the README's
/// speed figure).
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Series length.
    #[arg(long, default_value_t = 1_000_000)]
    pub points: usize,
    /// Seasonal period.
    #[arg(long, default_value_t = 24)]
    pub period: usize,
    /// Runs per setting (the best is reported).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
}

/// Runs the benchmark and prints one line per setting.
pub fn bench(args: &BenchArgs) -> Result<u8, CliError> {
    use crate::analysis::seasonality::{StlParams, stl};
    let n = args.points;
    let mut state = 42u64;
    let y: Vec<f64> = (0..n)
        .map(|i| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let phase = (i % args.period) as f64 / args.period as f64 * std::f64::consts::TAU;
            1e-5 * i as f64 + 3.0 * phase.sin() + noise
        })
        .collect();
    println!(
        "STL on {n} points, period {} ({} build), best of {}:",
        args.period,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        args.repeat.max(1)
    );
    for robust in [false, true] {
        let params = StlParams::new(args.period).with_robust(robust);
        let mut best = f64::INFINITY;
        for _ in 0..args.repeat.max(1) {
            let start = std::time::Instant::now();
            let fit = stl::decompose(&y, &params)?;
            best = best.min(start.elapsed().as_secs_f64());
            std::hint::black_box(fit);
        }
        println!(
            "  {:<10} {:>8.1} ms",
            if robust { "robust" } else { "non-robust" },
            best * 1000.0
        );
    }
    // The builder: n rows with timestamps over two years, mean per hour.
    let step_micros = 2 * 365 * crate::vocab::time::MICROS_PER_DAY / n.max(1) as i64;
    let times: Vec<Option<i64>> = (0..n)
        .map(|i| Some(1_704_067_200_000_000 + i as i64 * step_micros))
        .collect();
    let values: Vec<Option<f64>> = y.iter().map(|v| Some(*v)).collect();
    let mut best = f64::INFINITY;
    for _ in 0..args.repeat.max(1) {
        let start = std::time::Instant::now();
        let series = crate::analysis::seasonality::timeseries::build(
            &[crate::analysis::seasonality::Segment {
                times: Some(&times),
                values: &values,
            }],
            &crate::analysis::seasonality::BuildParams {
                frequency: SamplingFrequency::Hour,
                aggregation: Aggregation::Mean,
            },
        )
        .map_err(|e| CliError(e.to_string()))?;
        best = best.min(start.elapsed().as_secs_f64());
        std::hint::black_box(series);
    }
    println!(
        "Series builder, {n} rows to hourly means: {:.1} ms",
        best * 1000.0
    );
    Ok(EXIT_OK)
}
