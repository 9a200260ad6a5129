//! Time: the windows that date a problem, and the timestamp checks (order, gaps, future).

use super::report::{ChangePoint, Check, Finding, Severity, Timeline, Window, num, pct};
use super::stats::rate_change_point;
use super::{ColumnData, Ctx, IntegrityParams, WindowChoice};
use crate::vocab::Side;
use crate::vocab::time::{MICROS_PER_DAY, format_micros};

/// No window (a row without a timestamp).
const NO_WINDOW: u32 = u32::MAX;

/// The current data cut into calendar windows: each row's window, each window's start.
#[derive(Debug, Clone)]
pub struct Windows {
    pub window: Window,
    /// Start of each window, µs since the epoch (UTC), consecutive and gap-free.
    pub starts: Vec<i64>,
    /// Rows in each window.
    pub rows: Vec<u32>,
    /// Window of each row ([`NO_WINDOW`] when the timestamp is missing).
    index: Vec<u32>,
}

/// The window a user's choice fixes; `None` for automatic.
fn chosen_window(c: WindowChoice) -> Option<Window> {
    match c {
        WindowChoice::Auto => None,
        WindowChoice::Day => Some(Window::Day),
        WindowChoice::Week => Some(Window::Week),
        WindowChoice::Month => Some(Window::Month),
    }
}

impl Windows {
    /// Windows for a datetime column; `None` when it has no timestamps.
    pub fn new(ts: &ColumnData<'_>, p: &IntegrityParams) -> Option<Self> {
        let (micros, valid) = ts.as_datetime()?;
        let ok = |i: usize| valid.is_none_or(|v| v[i]);
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for (i, &t) in micros.iter().enumerate() {
            if ok(i) {
                lo = lo.min(t);
                hi = hi.max(t);
            }
        }
        if lo > hi {
            return None;
        }
        let (d0, d1) = (lo.div_euclid(MICROS_PER_DAY), hi.div_euclid(MICROS_PER_DAY));
        let span_days = d1 - d0 + 1;
        let choices = match chosen_window(p.window) {
            Some(w) => vec![w],
            None if span_days <= 180 => vec![Window::Day, Window::Week, Window::Month],
            None if span_days <= 3 * 366 => vec![Window::Week, Window::Month],
            None => vec![Window::Month],
        };
        let mut built = None;
        for w in choices {
            let cand = Self::build(w, micros, valid, d0, d1);
            let mut sizes: Vec<u32> = cand.rows.iter().copied().filter(|n| *n > 0).collect();
            sizes.sort_unstable();
            let median = sizes.get(sizes.len() / 2).copied().unwrap_or(0) as usize;
            let enough = median >= p.min_window_rows.max(1);
            built = Some(cand);
            if enough || p.window != WindowChoice::Auto {
                break;
            }
        }
        built
    }

    fn build(window: Window, micros: &[i64], valid: Option<&[bool]>, d0: i64, d1: i64) -> Self {
        // Window starts as days, and a day → window lookup over the span (a few thousand
        // entries), so that each row costs one division and one load.
        let mut start_days = Vec::new();
        let mut d = window.start_day(d0);
        while d <= d1 {
            start_days.push(d);
            d = window.next_start_day(d);
        }
        let mut day_to_window = Vec::with_capacity((d1 - d0 + 1) as usize);
        let mut w = 0usize;
        for day in d0..=d1 {
            while w + 1 < start_days.len() && start_days[w + 1] <= day {
                w += 1;
            }
            day_to_window.push(w as u32);
        }
        let mut rows = vec![0u32; start_days.len()];
        let index: Vec<u32> = micros
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                if valid.is_some_and(|v| !v[i]) {
                    return NO_WINDOW;
                }
                let w = day_to_window[(t.div_euclid(MICROS_PER_DAY) - d0) as usize];
                rows[w as usize] += 1;
                w
            })
            .collect();
        Self {
            window,
            starts: start_days.iter().map(|d| d * MICROS_PER_DAY).collect(),
            rows,
            index,
        }
    }

    /// Events per window, the rate's change point, as a [`Timeline`].
    pub fn timeline(
        &self,
        reference_rate: f64,
        p: &IntegrityParams,
        event: impl Fn(usize) -> bool,
    ) -> Timeline {
        let mut events = vec![0u32; self.starts.len()];
        for (i, &w) in self.index.iter().enumerate() {
            if w != NO_WINDOW && event(i) {
                events[w as usize] += 1;
            }
        }
        let change = rate_change_point(&self.rows, &events, p.min_window_rows)
            .filter(|s| {
                s.p_value < p.alpha && s.rate_during - s.rate_outside >= p.spike_min_increase
            })
            .map(|s| ChangePoint {
                first: s.first,
                end: s.end,
                since: self.starts[s.first],
                until: self.starts.get(s.end).copied(),
                rate_during: s.rate_during,
                rate_outside: s.rate_outside,
                p_value: s.p_value,
            });
        Timeline {
            window: self.window,
            starts: self.starts.clone(),
            rows: self.rows.clone(),
            events,
            reference_rate,
            change,
        }
    }

    /// Whether row `i` falls in windows `[first, end)`.
    pub fn row_in(&self, i: usize, first: usize, end: usize) -> bool {
        let w = self.index[i];
        w != NO_WINDOW && (first..end).contains(&(w as usize))
    }
}

/// "since 2025-11-15" or "from 2025-11-15 to 2025-11-20" for a change point.
pub fn describe_change(c: &ChangePoint) -> String {
    match c.until {
        None => format!("since {}", format_micros(c.since)),
        Some(until) => format!(
            "from {} until {}",
            format_micros(c.since),
            format_micros(until)
        ),
    }
}

/// Change-point details for a finding.
pub fn change_details(f: Finding, t: &Timeline) -> Finding {
    let f = f.with("window", t.window.name());
    match &t.change {
        None => f,
        Some(c) => f
            .with("since", crate::vocab::time::format_iso(c.since))
            .with(
                "until",
                c.until.map_or(serde_json::Value::Null, |u| {
                    crate::vocab::time::format_iso(u).into()
                }),
            )
            .with("rate_during", num(c.rate_during))
            .with("rate_outside", num(c.rate_outside))
            .with("change_p_value", num(c.p_value)),
    }
}

/// The usual spacing of sorted timestamps: the median, over calendar days (UTC), of the
/// longest gap that starts on that day. A day's longest gap is its "night" in event data and
/// its sampling interval in regular series, so a gap several times longer than the median
/// day's is unusual in either; daily and weekly cycles do not trip it, as plain gap
/// percentiles would. With fewer than 3 days, the median of all gaps. `None` with fewer than
/// two timestamps.
pub fn usual_gap(sorted: &[i64]) -> Option<i64> {
    if sorted.len() < 2 {
        return None;
    }
    let mut daily_max: Vec<i64> = Vec::new();
    let mut day = i64::MIN;
    for w in sorted.windows(2) {
        let d = w[0].div_euclid(MICROS_PER_DAY);
        let gap = w[1] - w[0];
        if d != day {
            daily_max.push(gap);
            day = d;
        } else if let Some(last) = daily_max.last_mut() {
            *last = (*last).max(gap);
        }
    }
    let mut values = if daily_max.len() >= 3 {
        daily_max
    } else {
        sorted.windows(2).map(|w| w[1] - w[0]).collect()
    };
    let mid = values.len() / 2;
    let (_, m, _) = values.select_nth_unstable(mid);
    Some(*m)
}

fn hours(micros: i64) -> f64 {
    micros as f64 / 3_600_000_000.0
}

/// A duration for messages: "36.5 hours", "4.2 days".
fn duration(micros: i64) -> String {
    let h = hours(micros);
    if h >= 48.0 {
        format!("{:.1} days", h / 24.0)
    } else if h >= 1.0 {
        format!("{h:.1} hours")
    } else {
        format!("{:.1} minutes", h * 60.0)
    }
}

/// Rows whose timestamp is earlier than the previous row's.
fn descents(micros: &[i64], valid: Option<&[bool]>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut prev: Option<i64> = None;
    for (i, &t) in micros.iter().enumerate() {
        if valid.is_some_and(|v| !v[i]) {
            continue;
        }
        if prev.is_some_and(|p| t < p) {
            out.push(i);
        }
        prev = Some(t);
    }
    out
}

/// `timestamp_order`, `timestamp_gaps`, `future_timestamps` on the current timestamp column.
pub(crate) fn timestamp_findings(ctx: &Ctx<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let (Some(ts), Some(name)) = (ctx.ts[1], ctx.ts_name.clone()) else {
        return out;
    };
    let Some((micros, valid)) = ts.as_datetime() else {
        return out;
    };
    let n_valid = valid.map_or(micros.len(), |v| v.iter().filter(|b| **b).count());
    if n_valid == 0 {
        return out;
    }
    let p = ctx.p;

    // Order.
    let down = descents(micros, valid);
    if !down.is_empty() {
        let ref_sorted = ctx.ts[0]
            .and_then(|c| c.as_datetime())
            .is_none_or(|(m, v)| descents(m, v).is_empty());
        if ref_sorted {
            let share = down.len() as f64 / n_valid as f64;
            let mut f = Finding::new(
                Check::TimestampOrder,
                Severity::Warning,
                vec![name.clone()],
                format!(
                    "{} production rows ({}) have an earlier {name} than the row before them, while training is in time order",
                    down.len(),
                    pct(share)
                ),
            )
            .with("rows", down.len())
            .with("share", num(share));
            f.examples = down
                .iter()
                .take(p.max_examples)
                .map(|&r| {
                    let prev = (0..r).rev().find(|&j| !ts.is_null(j)).unwrap_or(r);
                    let mut e = ctx.example(
                        Side::Current,
                        r,
                        vec![
                            (name.clone(), ts.display(r)),
                            ("previous row".into(), ts.display(prev)),
                        ],
                    );
                    e.other_row = Some(prev);
                    e
                })
                .collect();
            out.push(f);
        }
    }

    // Gaps, on the timestamps in time order.
    let mut sorted: Vec<i64> = match valid {
        None => micros.to_vec(),
        Some(v) => micros
            .iter()
            .zip(v)
            .filter(|(_, ok)| **ok)
            .map(|(t, _)| *t)
            .collect(),
    };
    if !down.is_empty() {
        sorted.sort_unstable();
    }
    if let Some(usual) = usual_gap(&sorted).filter(|u| *u > 0) {
        let threshold = (usual as f64 * p.gap_factor) as i64;
        let gaps: Vec<(i64, i64)> = sorted
            .windows(2)
            .filter(|w| w[1] - w[0] > threshold)
            .map(|w| (w[0], w[1]))
            .collect();
        if !gaps.is_empty() {
            let longest = gaps.iter().map(|(a, b)| b - a).max().unwrap_or(0);
            let mut f = Finding::new(
                Check::TimestampGaps,
                Severity::Warning,
                vec![name.clone()],
                format!(
                    "production has {} gap{} in {name} longer than {} ({}× the usual spacing of {}); the longest is {}",
                    gaps.len(),
                    if gaps.len() == 1 { "" } else { "s" },
                    duration(threshold),
                    p.gap_factor,
                    duration(usual),
                    duration(longest)
                ),
            )
            .with("gaps", gaps.len())
            .with("usual_gap_hours", num(hours(usual)))
            .with("threshold_hours", num(hours(threshold)))
            .with("longest_gap_hours", num(hours(longest)));
            let list: Vec<serde_json::Value> = gaps
                .iter()
                .take(p.max_examples)
                .map(|(a, b)| {
                    serde_json::json!({
                        "from": crate::vocab::time::format_iso(*a),
                        "to": crate::vocab::time::format_iso(*b),
                        "hours": num(hours(b - a)),
                    })
                })
                .collect();
            f = f.with("longest", list);
            // Example rows: the first row after each gap.
            f.examples = gaps
                .iter()
                .take(p.max_examples)
                .filter_map(|(a, b)| {
                    let r = (0..micros.len()).find(|&i| !ts.is_null(i) && micros[i] == *b)?;
                    Some(ctx.example(
                        Side::Current,
                        r,
                        vec![
                            ("gap from".into(), format_micros(*a)),
                            ("gap length".into(), duration(b - a)),
                        ],
                    ))
                })
                .collect();
            out.push(f);
        }
    }

    // The future.
    if let Some(now) = p.now_micros {
        let future: Vec<usize> = (0..micros.len())
            .filter(|&i| !ts.is_null(i) && micros[i] > now)
            .collect();
        if !future.is_empty() {
            let share = future.len() as f64 / n_valid as f64;
            let latest = future.iter().map(|&i| micros[i]).max().unwrap_or(now);
            let mut f = Finding::new(
                Check::FutureTimestamps,
                Severity::Warning,
                vec![name.clone()],
                format!(
                    "{} production rows ({}) have {name} in the future (after {}), up to {}",
                    future.len(),
                    pct(share),
                    format_micros(now),
                    format_micros(latest)
                ),
            )
            .with("rows", future.len())
            .with("share", num(share))
            .with("now", crate::vocab::time::format_iso(now))
            .with("latest", crate::vocab::time::format_iso(latest));
            f.examples = ctx.examples_where(Side::Current, ts, future.into_iter(), |_| true);
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::time::parse_iso;

    fn t(s: &str) -> i64 {
        parse_iso(s).expect("time")
    }

    #[test]
    fn windows_by_day_week_month() {
        let c = ColumnData::datetimes(
            "ts",
            vec![
                Some(t("2025-11-14T10:00:00Z")),
                Some(t("2025-11-15T00:00:00Z")),
                None,
                Some(t("2025-12-01T23:59:59Z")),
            ],
        );
        let p = IntegrityParams {
            window: WindowChoice::Day,
            ..Default::default()
        };
        let w = Windows::new(&c, &p).expect("windows");
        assert_eq!(w.window, Window::Day);
        assert_eq!(w.starts.len(), 18);
        assert_eq!(w.starts[1], t("2025-11-15"));
        assert_eq!(w.index, vec![0, 1, NO_WINDOW, 17]);
        let p = IntegrityParams {
            window: WindowChoice::Week,
            ..Default::default()
        };
        let w = Windows::new(&c, &p).expect("windows");
        // 2025-11-10 was a Monday.
        assert_eq!(w.starts[0], t("2025-11-10"));
        assert_eq!(w.index, vec![0, 0, NO_WINDOW, 3]);
        let p = IntegrityParams {
            window: WindowChoice::Month,
            ..Default::default()
        };
        let w = Windows::new(&c, &p).expect("windows");
        assert_eq!(w.starts, vec![t("2025-11-01"), t("2025-12-01")]);
        assert_eq!(w.rows, vec![2, 1]);
    }

    #[test]
    fn usual_gap_is_the_median_daily_longest_gap() {
        // Three days, events hourly from 08:00 to 18:00: nights of 14 h are the usual gap.
        let mut ts = Vec::new();
        for d in 1..=3 {
            for h in 8..=18 {
                ts.push(t(&format!("2025-01-0{d}T{h:02}:00:00Z")));
            }
        }
        assert_eq!(usual_gap(&ts), Some(14 * 3_600_000_000));
        assert_eq!(usual_gap(&ts[..1]), None);
    }
}
