//! The HTML report: [`render_html`] and the building blocks other sections use ([`escape`],
//! [`table`], [`table_html`], [`badge`], [`figure`]).
//!
//! The page is self-contained: one inline stylesheet (system fonts), inline SVG charts, no
//! scripts, no links to anything outside the file. Every string that comes from data or the
//! user (file paths, column names, categories, notes) goes through [`escape`].

use std::fmt::Write as _;

pub use super::markup::escape;
use super::svg::{self, Cell, Frame, HistogramBin, Line, Marker, XAxis};
use super::{ReportInput, SeasonalityInput, Section};
use crate::analysis::drift::DriftMethod;
use crate::analysis::integrity::{IntegrityReport, Severity, Summary};
use crate::data::Dataset;
use crate::engine::drift::{ColumnDrift, DriftOutcome, WindowedDrift, severity};
use crate::engine::drift_detail::ColumnDetail;
use crate::format::{fmt_bytes, fmt_num, fmt_p, fmt_pct};
use crate::vocab::time::{civil_from_days, format_micros};
use crate::vocab::{Role, Side};

/// A table of plain-text cells (escaped here). Cells that read as numbers ("0.12", "45.5 %",
/// "1.2e-8", "25 763") are right-aligned.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let escaped: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| escape(c)).collect())
        .collect();
    let right: Vec<bool> = (0..headers.len())
        .map(|i| {
            let mut cells = rows
                .iter()
                .filter_map(|r| r.get(i))
                .filter(|c| !c.is_empty());
            let mut any = false;
            let all = cells.all(|c| {
                any = true;
                looks_numeric(c)
            });
            any && all
        })
        .collect();
    table_html(headers, &escaped, &right)
}

/// A table whose cells are HTML fragments (already escaped); `right[i]` right-aligns column i.
pub fn table_html(headers: &[&str], rows: &[Vec<String>], right: &[bool]) -> String {
    let align = |i: usize| {
        if right.get(i).copied().unwrap_or(false) {
            " class=\"n\""
        } else {
            ""
        }
    };
    let mut s = String::from("<table><thead><tr>");
    for (i, h) in headers.iter().enumerate() {
        let _ = write!(s, "<th{}>{}</th>", align(i), escape(h));
    }
    s.push_str("</tr></thead><tbody>");
    for row in rows {
        s.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let _ = write!(s, "<td{}>{cell}</td>", align(i));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s
}

/// A coloured label: `kind` is one of `drift`, `ok`, `error`, `warning`, `info`.
pub fn badge(kind: &str, text: &str) -> String {
    format!(
        "<span class=\"badge b-{}\">{}</span>",
        escape(kind),
        escape(text)
    )
}

/// A chart with a caption (`caption` is plain text, escaped here).
pub fn figure(svg: &str, caption: &str) -> String {
    if caption.is_empty() {
        format!("<figure>{svg}</figure>")
    } else {
        format!(
            "<figure>{svg}<figcaption>{}</figcaption></figure>",
            escape(caption)
        )
    }
}

fn looks_numeric(cell: &str) -> bool {
    let t = cell
        .trim()
        .trim_end_matches('%')
        .trim()
        .trim_start_matches("< ")
        .replace([' ', '\u{a0}'], "");
    !t.is_empty() && t.parse::<f64>().is_ok()
}

/// The report as one self-contained HTML document.
pub fn render_html(input: &ReportInput) -> String {
    let mut sections: Vec<Section> = Vec::new();
    if input.reference.is_some() || input.current.is_some() {
        sections.push(Section {
            id: "summary".into(),
            title: "Summary".into(),
            html: summary_html(input),
        });
    }
    if let Some(run) = input.drift {
        sections.push(Section {
            id: "drift".into(),
            title: "Data drift".into(),
            html: drift_html(run),
        });
    }
    if !input.drift_details.is_empty() {
        sections.push(Section {
            id: "distributions".into(),
            title: "Distributions".into(),
            html: distributions_html(input),
        });
    }
    if let Some(w) = input
        .drift
        .and_then(|r| r.windows.as_ref().map(|w| (r, w)))
        .filter(|(_, w)| !w.windows.is_empty())
    {
        sections.push(Section {
            id: "drift-over-time".into(),
            title: "Drift over time".into(),
            html: windows_html(w.0, w.1),
        });
    }
    if let Some(report) = input.integrity {
        sections.push(Section {
            id: "integrity".into(),
            title: "Data integrity".into(),
            html: integrity_html(report),
        });
    }
    if let Some(s) = &input.seasonality {
        sections.push(Section {
            id: "seasonality".into(),
            title: "Seasonality".into(),
            html: seasonality_html(s),
        });
    }
    // Other views' sections (model health, compression) before the notes, which close the page.
    sections.extend(input.extra.iter().cloned());
    if !input.session_note.trim().is_empty() || !input.column_notes.is_empty() {
        sections.push(Section {
            id: "notes".into(),
            title: "Notes".into(),
            html: notes_html(input),
        });
    }

    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"Sextant {version}\">\
         <title>{title}</title><style>{css}</style></head><body>\n\
         <header><h1>{title}</h1><p class=\"meta\">Generated {at} by Sextant {version}</p></header>\n",
        title = escape(&input.title),
        css = css(),
        at = escape(&input.generated_at),
        version = env!("CARGO_PKG_VERSION"),
    );
    if !sections.is_empty() {
        s.push_str("<nav class=\"toc\"><h2>Contents</h2><ol>");
        for sec in &sections {
            let _ = write!(
                s,
                "<li><a href=\"#{}\">{}</a></li>",
                anchor(&sec.id),
                escape(&sec.title)
            );
        }
        s.push_str("</ol></nav>\n");
    } else {
        s.push_str("<p class=\"muted\">Nothing was computed for this report.</p>\n");
    }
    for sec in &sections {
        let _ = write!(
            s,
            "<section id=\"{}\"><h2>{}</h2>\n{}\n</section>\n",
            anchor(&sec.id),
            escape(&sec.title),
            sec.html
        );
    }
    s.push_str(
        "<footer class=\"muted\">A Sextant report snapshot: one file, no scripts, nothing loaded from the network.</footer>\n</body></html>\n",
    );
    s
}

/// An id safe in `id="…"` and `href="#…"`: letters, digits, `-` and `_` only.
fn anchor(id: &str) -> String {
    let a: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if a.is_empty() { "section".into() } else { a }
}

// ---------------------------------------------------------------------------------------------
// Summary

fn summary_html(input: &ReportInput) -> String {
    let mut s = String::new();
    // Key figures first: the verdicts a reader looks for.
    let mut cards = Vec::new();
    if let Some(run) = input.drift {
        let r = &run.report;
        let verdict = if r.dataset_drift {
            badge("drift", "Dataset drift")
        } else {
            badge("ok", "No dataset drift")
        };
        cards.push(format!(
            "<div class=\"card\"><div class=\"k\">Drift</div><div class=\"big\">{verdict}</div>\
             <div>{} of {} tested columns drifted ({}); the dataset drifts at {}</div></div>",
            r.number_of_drifted_columns,
            r.number_of_columns,
            fmt_pct(r.share_of_drifted_columns),
            fmt_pct(run.drift_share_threshold)
        ));
    }
    if let Some(report) = input.integrity {
        let sum = report.summary();
        let verdict = match report.worst() {
            Some(Severity::Error) => badge("error", "Errors found"),
            Some(Severity::Warning) => badge("warning", "Warnings"),
            _ => badge("ok", "No problems"),
        };
        cards.push(format!(
            "<div class=\"card\"><div class=\"k\">Integrity</div><div class=\"big\">{verdict}</div>\
             <div>{} over {} column pairs</div></div>",
            counts(&sum),
            report.columns_compared
        ));
    }
    if let Some(season) = &input.seasonality {
        let r = season.report;
        let periods: Vec<String> = r.periods.iter().map(ToString::to_string).collect();
        let strength = r
            .strength
            .seasonal
            .iter()
            .map(|v| format!("{v:.2}"))
            .collect::<Vec<_>>()
            .join(", ");
        cards.push(format!(
            "<div class=\"card\"><div class=\"k\">Seasonality of {}</div><div class=\"big\">period {}</div>\
             <div>seasonal strength {strength}; {} anomalies</div></div>",
            escape(season.label),
            escape(&periods.join(" + ")),
            r.anomalies.anomalies.len()
        ));
    }
    if !cards.is_empty() {
        let _ = write!(s, "<div class=\"cards\">{}</div>", cards.join(""));
    }

    // The datasets side by side.
    let sides = [
        (Side::Reference, input.reference),
        (Side::Current, input.current),
    ];
    let time_column = input.roles.column_with(Role::Timestamp);
    let facts = |ds: Option<&Dataset>| match ds {
        Some(d) => dataset_facts(d, time_column).map(|f| escape(&f)),
        None => std::array::from_fn(|_| "—".to_string()),
    };
    let columns = sides.map(|(_, ds)| facts(ds));
    let rows: Vec<Vec<String>> = DATASET_FACTS
        .iter()
        .enumerate()
        // The absolute path only when asked (`sextant report --paths`, the export's checkbox).
        .filter(|(_, name)| input.include_paths || **name != "Path")
        .map(|(i, name)| {
            let mut row = vec![escape(name)];
            row.extend(columns.iter().map(|c| c[i].clone()));
            row
        })
        .collect();
    s.push_str("<h3>Datasets</h3>");
    s.push_str(&table_html(
        &["", Side::Reference.label(), Side::Current.label()],
        &rows,
        &[false, false, false],
    ));

    // Roles: the special columns by name, features counted.
    let mut special: Vec<String> = Vec::new();
    let mut features = 0;
    for role in [
        Role::Timestamp,
        Role::Id,
        Role::Target,
        Role::Prediction,
        Role::Ignored,
        Role::Variant,
        Role::Covariate,
        Role::Segment,
        Role::ModelVersion,
    ] {
        let cols: Vec<&str> = input
            .roles
            .iter()
            .filter(|(_, r)| *r == role)
            .map(|(c, _)| c)
            .collect();
        if !cols.is_empty() {
            special.push(format!(
                "<b>{}</b>: {}",
                role.name(),
                escape(&cols.join(", "))
            ));
        }
    }
    for (_, r) in input.roles.iter() {
        if r == Role::Feature {
            features += 1;
        }
    }
    special.push(format!("<b>features</b>: {features}"));
    let _ = write!(s, "<p><b>Roles</b> — {}</p>", special.join(" · "));
    if !input.renames.is_empty() {
        let renames: Vec<String> = input
            .renames
            .iter()
            .map(|(cur, old)| format!("{} → {}", escape(old), escape(cur)))
            .collect();
        let _ = write!(
            s,
            "<p><b>Renamed columns</b> (training → production): {}</p>",
            renames.join(" · ")
        );
    }
    s
}

/// Rows of the datasets table.
const DATASET_FACTS: [&str; 8] = [
    "File",
    "Fingerprint",
    "Path",
    "Format",
    "Rows",
    "Columns",
    "Size on disk",
    "Time range",
];

/// One dataset's entries of the datasets table, in the order of [`DATASET_FACTS`] (plain text).
fn dataset_facts(d: &Dataset, time_column: Option<&str>) -> [String; 8] {
    let time_range = time_column
        .and_then(|c| d.time_range(c).map(|(a, b)| (c, a, b)))
        .map_or_else(
            || "no timestamp".to_string(),
            |(c, a, b)| format!("{} to {} ({c})", format_micros(a), format_micros(b)),
        );
    [
        d.name(),
        d.fingerprint().unwrap_or("unreadable").to_string(),
        d.path.display().to_string(),
        d.format.name().to_string(),
        group_digits(d.rows() as u64),
        d.columns.len().to_string(),
        fmt_bytes(d.file_bytes),
        time_range,
    ]
}

/// 25763 → "25 763" (thin groups, as the README writes numbers).
fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Drift

fn column_label(c: &ColumnDrift) -> String {
    if c.current_name == c.reference_name {
        escape(&c.reference_name)
    } else {
        format!(
            "{} <span class=\"muted\">(now {})</span>",
            escape(&c.reference_name),
            escape(&c.current_name)
        )
    }
}

fn drift_html(run: &DriftOutcome) -> String {
    let r = &run.report;
    let mut s = format!(
        "<p>{} — {} of {} tested columns drifted ({}); the dataset counts as drifted from {} of its columns.</p>",
        if r.dataset_drift {
            badge("drift", "Dataset drift")
        } else {
            badge("ok", "No dataset drift")
        },
        r.number_of_drifted_columns,
        r.number_of_columns,
        fmt_pct(r.share_of_drifted_columns),
        fmt_pct(run.drift_share_threshold)
    );
    // Drifted first, then by how far past the threshold: the engine's ranking.
    let tested = run.ranked();
    let opt = |v: Option<f64>| v.map_or_else(|| "—".to_string(), fmt_num);
    let rows: Vec<Vec<String>> = tested
        .iter()
        .map(|c| {
            let v = &c.verdict;
            let p = c.p_value().map_or_else(
                || "—".to_string(),
                |(p, test)| {
                    if Some(test) == v.method.map(DriftMethod::name) {
                        fmt_p(p)
                    } else {
                        format!("{} <span class=\"muted\">({test})</span>", fmt_p(p))
                    }
                },
            );
            let effect = c.effect_size().map_or_else(
                || "—".to_string(),
                |(e, what)| format!("<span title=\"{}\">{}</span>", escape(what), fmt_num(e)),
            );
            vec![
                column_label(c),
                c.tested_as().name().into(),
                escape(v.method.map_or("", DriftMethod::name)),
                opt(c.statistic()),
                p,
                effect,
                opt(v.threshold),
                if v.drifted {
                    badge("drift", "drift")
                } else {
                    badge("ok", "no")
                },
            ]
        })
        .collect();
    s.push_str(&table_html(
        &[
            "Column",
            "Kind",
            "Test",
            "Statistic",
            "p-value",
            "Effect size",
            "Threshold",
            "Drifted",
        ],
        &rows,
        &[false, false, false, true, true, true, true, false],
    ));
    s.push_str(
        "<p class=\"muted\">Distances drift above their threshold, p-values below it. Effect size: \
         Wasserstein distance in reference standard deviations (numbers), Cramér's V (categories). \
         A p-value in brackets comes from another test than the one deciding.</p>",
    );
    let skipped = run.not_tested();
    if !skipped.is_empty() {
        s.push_str("<h3>Not tested</h3><ul class=\"compact\">");
        for k in skipped {
            let _ = write!(
                s,
                "<li><b>{}</b>: {}</li>",
                escape(&k.column),
                escape(&k.reason)
            );
        }
        s.push_str("</ul>");
    }
    s
}

fn distributions_html(input: &ReportInput) -> String {
    let mut s = String::from("<div class=\"figs\">");
    let names = [Side::Reference.short(), Side::Current.short()];
    for (name, detail) in &input.drift_details {
        let bins: Vec<HistogramBin> = detail
            .bins
            .iter()
            .map(|b| HistogramBin {
                label: b.label.clone(),
                edges: b.edges,
                reference: b.reference_share,
                current: b.current_share,
                marked: b.new || b.vanished,
            })
            .collect();
        let numeric = detail.numeric.is_some();
        let title = if numeric {
            format!("{name} (density)")
        } else {
            format!("{name} (share of rows)")
        };
        let chart = svg::overlay_histogram(&title, &bins, names);
        let caption = detail_caption(input, name, detail);
        s.push_str(&figure(&chart, &caption));
    }
    s.push_str("</div>");
    s
}

fn detail_caption(input: &ReportInput, name: &str, d: &ColumnDetail) -> String {
    let mut parts = Vec::new();
    if let Some(c) = input.drift.and_then(|r| r.column(name)) {
        let v = &c.verdict;
        if let (Some(m), Some(x)) = (v.method, c.deciding_score()) {
            let x = if m.yields_p_value() {
                fmt_p(x)
            } else {
                fmt_num(x)
            };
            parts.push(format!(
                "{} {x}{}",
                m.name(),
                if v.drifted { " (drift)" } else { "" }
            ));
        }
    }
    parts.push(format!("PSI {}", fmt_num(d.psi)));
    if let Some(n) = &d.numeric {
        parts.push(format!(
            "KS D {} at {}",
            fmt_num(n.ks_statistic),
            fmt_num(n.ks_location)
        ));
        if let Some((_, r, c)) = n.quantiles.iter().find(|q| q.0 == 0.5) {
            parts.push(format!("median {} → {}", fmt_num(*r), fmt_num(*c)));
        }
    }
    if !d.new_categories.is_empty() {
        parts.push(format!("new: {}", d.new_categories.join(", ")));
    }
    if !d.vanished_categories.is_empty() {
        parts.push(format!("vanished: {}", d.vanished_categories.join(", ")));
    }
    parts.join(" · ")
}

fn windows_html(run: &DriftOutcome, w: &WindowedDrift) -> String {
    let labels: Vec<String> = w.windows.iter().map(|x| x.label.clone()).collect();
    let mut rows = vec!["dataset (drift share)".to_string()];
    let mut cells: Vec<Vec<Cell>> = Vec::new();
    let threshold = run.drift_share_threshold;
    cells.push(
        w.drift_share
            .iter()
            .zip(&w.dataset_drift)
            .zip(&w.windows)
            .map(|((share, drifted), win)| Cell {
                intensity: Some(if threshold > 0.0 {
                    (share / threshold / 2.0).min(1.0)
                } else {
                    0.0
                }),
                marked: *drifted,
                title: format!(
                    "{}: {} of columns drifted ({} rows)",
                    win.label,
                    fmt_pct(*share),
                    win.rows
                ),
            })
            .collect(),
    );
    for col in &w.columns {
        // Windowed columns follow the run's columns; matched by name all the same.
        let Some(drift) = run.columns.iter().find(|c| c.reference_name == col.column) else {
            continue;
        };
        let (Some(method), Some(t)) = (drift.verdict.method, drift.verdict.threshold) else {
            continue;
        };
        rows.push(col.column.clone());
        cells.push(
            col.scores
                .iter()
                .zip(&col.drifted)
                .zip(&w.windows)
                .map(|((score, drifted), win)| {
                    let fmt = |x: f64| {
                        if method.yields_p_value() {
                            fmt_p(x)
                        } else {
                            fmt_num(x)
                        }
                    };
                    Cell {
                        intensity: score.map(|x| (severity(method, x, t) / 2.0).min(1.0)),
                        marked: *drifted,
                        title: match score {
                            Some(x) => format!(
                                "{} · {}: {} {} (threshold {}){}",
                                col.column,
                                win.label,
                                method.name(),
                                fmt(*x),
                                fmt(t),
                                if *drifted { ", drift" } else { "" }
                            ),
                            None => format!("{} · {}: not tested", col.column, win.label),
                        },
                    }
                })
                .collect(),
        );
    }
    let chart = svg::heatmap(
        &format!("Drift per {} window of the production data", w.spec),
        &rows,
        &labels,
        &cells,
    );
    let mut s = figure(
        &chart,
        "Colour: how far each score is past its threshold (green calm, amber at the threshold, red twice past it); a dot marks drift. Hover a cell for its score.",
    );
    if w.unassigned_rows > 0 {
        let _ = write!(
            s,
            "<p class=\"muted\">{} production rows have no timestamp and are in no window.</p>",
            w.unassigned_rows
        );
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Integrity

/// "2 errors · 1 warning · 5 notes".
fn counts(sum: &Summary) -> String {
    let n = |k: usize, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    format!(
        "{} · {} · {}",
        n(sum.errors, "error", "errors"),
        n(sum.warnings, "warning", "warnings"),
        n(sum.infos, "note", "notes")
    )
}

fn integrity_html(report: &IntegrityReport) -> String {
    let sum = report.summary();
    let mut s = format!(
        "<p>{} — {} column pairs compared, {} training and {} production rows.</p>",
        counts(&sum),
        report.columns_compared,
        group_digits(report.reference_rows as u64),
        group_digits(report.current_rows as u64)
    );
    if report.findings.is_empty() {
        s.push_str("<p>No problems found.</p>");
        return s;
    }
    let rows: Vec<Vec<String>> = report
        .findings
        .iter()
        .map(|f| {
            let since = f
                .timeline
                .as_ref()
                .and_then(|t| t.change)
                .map(|c| match c.until {
                    Some(u) => format!("{} to {}", format_micros(c.since), format_micros(u)),
                    None => format!("since {}", format_micros(c.since)),
                })
                .unwrap_or_default();
            vec![
                badge(f.severity.name(), f.severity.name()),
                escape(f.check.title()),
                escape(&f.columns.join(", ")),
                escape(&f.message),
                format!("<span class=\"nw\">{}</span>", escape(&since)),
            ]
        })
        .collect();
    s.push_str(&table_html(
        &["Severity", "Check", "Column", "Message", "When"],
        &rows,
        &[false; 5],
    ));
    // When a problem started: its rate per window against the training rate.
    let timelines: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .filter_map(|f| {
            f.timeline
                .as_ref()
                .filter(|t| t.change.is_some())
                .map(|t| (f, t))
        })
        .map(|(f, t)| {
            const MICROS_PER_DAY: f64 = crate::vocab::time::MICROS_PER_DAY as f64;
            let x: Vec<f64> = t
                .starts
                .iter()
                .map(|m| *m as f64 / MICROS_PER_DAY)
                .collect();
            let rate: Vec<f64> = (0..t.starts.len())
                .map(|i| t.rate(i).map_or(f64::NAN, |r| r * 100.0))
                .collect();
            let reference = vec![t.reference_rate * 100.0; x.len()];
            let title = format!(
                "{} · {} (% of rows per {})",
                f.check.title(),
                f.columns.join(", "),
                t.window.name()
            );
            svg::line_chart(
                &Frame {
                    title: &title,
                    height: 90.0,
                    x_axis: XAxis::Days,
                },
                &[
                    Line {
                        label: "production",
                        x: &x,
                        y: &rate,
                        class: "cur",
                    },
                    Line {
                        label: "training (overall)",
                        x: &x,
                        y: &reference,
                        class: "ref",
                    },
                ],
                &[],
            )
        })
        .collect();
    if !timelines.is_empty() {
        s.push_str("<h3>Since when</h3>");
        for chart in timelines {
            s.push_str(&figure(&chart, ""));
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Seasonality

fn seasonality_html(input: &SeasonalityInput) -> String {
    let r = input.report;
    let series = input.series;
    let days = series.timestamps.is_some() && input.x.len() == r.observed.len();
    let x: Vec<f64> = if input.x.len() == r.observed.len() {
        input.x.to_vec()
    } else {
        (0..r.observed.len()).map(|i| i as f64).collect()
    };
    let axis = if days { XAxis::Days } else { XAxis::Number };
    let method = match r.method {
        crate::analysis::seasonality::report::Method::Stl => "STL",
        crate::analysis::seasonality::report::Method::Mstl => "MSTL",
    };
    let periods: Vec<String> = r.periods.iter().map(ToString::to_string).collect();
    let unit = crate::analysis::seasonality::report::unit_name(series.frequency);
    let span = match (x.first(), x.last()) {
        (Some(a), Some(b)) if days => format!(" from {} to {}", date_of(*a), date_of(*b)),
        _ => String::new(),
    };
    let mut s = format!(
        "<p><b>{}</b>: {} {}{span}; {method} with period {} ({}chosen); trend strength {:.2}, seasonal strength {}; {} anomalies (|z| &gt; {}).</p>",
        escape(input.label),
        r.observed.len(),
        escape(&unit),
        escape(&periods.join(" + ")),
        if r.auto_period { "automatically " } else { "" },
        r.strength.trend,
        r.strength
            .seasonal
            .iter()
            .map(|v| format!("{v:.2}"))
            .collect::<Vec<_>>()
            .join(", "),
        r.anomalies.anomalies.len(),
        fmt_num(r.anomalies.threshold)
    );
    if !series.filled.is_empty() {
        let _ = write!(
            s,
            "<p class=\"muted\">{} empty periods were filled by linear interpolation (dashed grey).</p>",
            series.filled.len()
        );
    }
    let frame = |title: &'static str, height: f64| Frame {
        title,
        height,
        x_axis: axis,
    };
    let at = |i: usize, values: &[f64], class: &'static str| Marker {
        x: x.get(i).copied().unwrap_or(f64::NAN),
        y: values.get(i).copied().unwrap_or(f64::NAN),
        class,
    };
    // Filled periods are drawn as a grey dashed stretch, not as data: the observed line breaks
    // there and a second series joins its ends.
    let mut filled = vec![false; r.observed.len()];
    for &i in &series.filled {
        if let Some(f) = filled.get_mut(i) {
            *f = true;
        }
    }
    let measured: Vec<f64> = r
        .observed
        .iter()
        .zip(&filled)
        .map(|(v, f)| if *f { f64::NAN } else { *v })
        .collect();
    let interpolated: Vec<f64> = (0..r.observed.len())
        .map(|i| {
            let near = |j: Option<usize>| j.and_then(|j| filled.get(j)).copied().unwrap_or(false);
            if filled[i] || near(i.checked_sub(1)) || near(Some(i + 1)) {
                r.observed[i]
            } else {
                f64::NAN
            }
        })
        .collect();
    let observed_marks: Vec<Marker> = r
        .anomalies
        .anomalies
        .iter()
        .map(|a| at(a.index, &r.observed, "anom"))
        .collect();
    let line = |label, y, class| Line {
        label,
        x: &x,
        y,
        class,
    };
    let mut observed_lines = vec![line(input.label, &measured, "s0")];
    if !series.filled.is_empty() {
        observed_lines.push(line("filled (interpolated)", &interpolated, "fl"));
    }
    s.push_str("<div class=\"stack\">");
    s.push_str(&svg::line_chart(
        &frame("Observed (red: anomalies)", 120.0),
        &observed_lines,
        &observed_marks,
    ));
    s.push_str(&svg::line_chart(
        &frame("Trend", 80.0),
        &[line("trend", &r.trend, "s1")],
        &[],
    ));
    for (k, seasonal) in r.seasonal.iter().enumerate() {
        let title = format!(
            "Seasonal (period {})",
            r.periods.get(k).copied().unwrap_or(0)
        );
        s.push_str(&svg::line_chart(
            &Frame {
                title: &title,
                height: 80.0,
                x_axis: axis,
            },
            &[line("seasonal", seasonal, "s2")],
            &[],
        ));
    }
    let remainder_marks: Vec<Marker> = r
        .anomalies
        .anomalies
        .iter()
        .map(|a| at(a.index, &r.remainder, "anom"))
        .collect();
    s.push_str(&svg::line_chart(
        &frame("Remainder", 80.0),
        &[line("remainder", &r.remainder, "s3")],
        &remainder_marks,
    ));
    s.push_str("</div>");

    if !r.anomalies.anomalies.is_empty() {
        let mut top: Vec<_> = r.anomalies.anomalies.iter().collect();
        top.sort_by(|a, b| b.score.abs().total_cmp(&a.score.abs()));
        let shown = top.len().min(15);
        let rows: Vec<Vec<String>> = top[..shown]
            .iter()
            .map(|a| {
                vec![
                    match x.get(a.index) {
                        Some(d) if days => date_of(*d),
                        _ => a.index.to_string(),
                    },
                    r.observed
                        .get(a.index)
                        .map_or_else(String::new, |v| fmt_num(*v)),
                    fmt_num(a.value),
                    format!("{:.1}", a.score),
                ]
            })
            .collect();
        let _ = write!(
            s,
            "<h3>Largest anomalies{}</h3>",
            if shown < top.len() {
                format!(" ({shown} of {})", top.len())
            } else {
                String::new()
            }
        );
        s.push_str(&table(
            &[
                if days { "Period" } else { "Point" },
                "Observed",
                "Remainder",
                "z",
            ],
            &rows,
        ));
    }
    s
}

fn date_of(days: f64) -> String {
    let (y, m, d) = civil_from_days(days.floor() as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------------------------------------
// Notes

fn notes_html(input: &ReportInput) -> String {
    let mut s = String::new();
    if !input.session_note.trim().is_empty() {
        let _ = write!(
            s,
            "<div class=\"note\">{}</div>",
            escape(input.session_note.trim())
        );
    }
    if !input.column_notes.is_empty() {
        let rows: Vec<Vec<String>> = input
            .column_notes
            .iter()
            .map(|(c, n)| vec![c.clone(), n.clone()])
            .collect();
        s.push_str(&table(&["Column", "Note"], &rows));
    }
    s
}

/// The stylesheet (assets/report.css): system fonts, light colours, print rules (no
/// backgrounds to waste ink, a page per section, rows and charts kept whole). The file keeps one
/// rule per line for reading; the page gets it on one line, without the line breaks.
const CSS_FILE: &str = include_str!("../../assets/report.css");

fn css() -> String {
    CSS_FILE.lines().collect()
}
