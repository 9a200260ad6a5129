//! Time windows: splitting rows into day, week or month windows by a timestamp, or into N
//! equal chunks. Pure logic over timestamps in microseconds since the epoch (UTC); the drift,
//! integrity and health analyses all window the same way: [`Calendar`] is the one definition
//! of where a day, week or month window starts and ends, which [`assign`] (drift, health) and
//! the integrity timelines both use.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::vocab::time::{
    MICROS_PER_DAY, civil_from_days, days_from_civil, format_micros, weekday_from_days,
};

/// A calendar unit of windows (UTC): where each window starts and where the next one does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calendar {
    /// Calendar days.
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

impl Calendar {
    /// The snake_case name, as serialised.
    pub fn name(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// The first day (days since the epoch) of the window holding `day`.
    pub fn start_day(self, day: i64) -> i64 {
        match self {
            Self::Day => day,
            Self::Week => day - i64::from(weekday_from_days(day)),
            Self::Month => {
                let (y, m, _) = civil_from_days(day);
                days_from_civil(y, m, 1)
            }
        }
    }

    /// The first day of the window after the one starting on `start_day`.
    pub fn next_start_day(self, start_day: i64) -> i64 {
        match self {
            Self::Day => start_day + 1,
            Self::Week => start_day + 7,
            Self::Month => {
                let (y, m, _) = civil_from_days(start_day);
                if m == 12 {
                    days_from_civil(y + 1, 1, 1)
                } else {
                    days_from_civil(y, m + 1, 1)
                }
            }
        }
    }
}

/// How to split rows into windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowSpec {
    /// Calendar days (UTC).
    Day,
    /// ISO weeks, Monday to Sunday (UTC).
    Week,
    /// Calendar months (UTC).
    Month,
    /// N chunks of (nearly) equal row counts, in time order when there is a timestamp.
    Chunks(usize),
}

impl WindowSpec {
    /// Whether the spec needs a timestamp column.
    pub fn needs_time(self) -> bool {
        self.calendar().is_some()
    }

    /// The calendar unit of a spec by time; `None` for chunks.
    pub fn calendar(self) -> Option<Calendar> {
        match self {
            Self::Day => Some(Calendar::Day),
            Self::Week => Some(Calendar::Week),
            Self::Month => Some(Calendar::Month),
            Self::Chunks(_) => None,
        }
    }
}

impl fmt::Display for WindowSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Day => f.write_str("day"),
            Self::Week => f.write_str("week"),
            Self::Month => f.write_str("month"),
            Self::Chunks(n) => write!(f, "{n}"),
        }
    }
}

impl FromStr for WindowSpec {
    type Err = String;

    /// `day`, `week`, `month`, or a number of chunks (2 or more).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "day" | "daily" => Ok(Self::Day),
            "week" | "weekly" => Ok(Self::Week),
            "month" | "monthly" => Ok(Self::Month),
            other => match other.parse::<usize>() {
                Ok(n) if n >= 2 => Ok(Self::Chunks(n)),
                _ => Err(format!(
                    "\"{s}\" is not a window: use day, week, month or a number of chunks (2 or more)"
                )),
            },
        }
    }
}

/// One window: its label, time span and row count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// "2025-09-01" (day), "2025-09-01" (week starting that Monday), "2025-09" (month), or
    /// "chunk 3" (chunks).
    pub label: String,
    /// Inclusive start (µs since epoch), when windows are by time or chunks carry times.
    pub start: Option<i64>,
    /// Exclusive end (µs since epoch) for calendar windows; the last timestamp for chunks.
    pub end: Option<i64>,
    pub rows: usize,
}

/// Rows assigned to windows.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowAssignment {
    pub windows: Vec<Window>,
    /// For each row, the index of its window, or `None` when it has no timestamp.
    pub row_window: Vec<Option<u32>>,
}

impl WindowAssignment {
    /// Rows of each window, in row order.
    pub fn rows_by_window(&self) -> Vec<Vec<u32>> {
        let mut out = vec![Vec::new(); self.windows.len()];
        for (row, w) in self.row_window.iter().enumerate() {
            if let Some(w) = w {
                out[*w as usize].push(row as u32);
            }
        }
        out
    }

    /// Rows without a timestamp (not in any window).
    pub fn unassigned(&self) -> usize {
        self.row_window.iter().filter(|w| w.is_none()).count()
    }
}

/// Why rows could not be windowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error(
        "windows by {0} need a timestamp column; set a column's role to timestamp or use a number of chunks"
    )]
    NoTimestamp(WindowSpec),
    #[error("no row has a timestamp, so there is nothing to split into windows")]
    NoTimes,
    #[error("{chunks} chunks need at least {chunks} rows, but there are {rows}")]
    TooFewRows { chunks: usize, rows: usize },
}

/// Assign `n_rows` rows to windows. `times` (µs since epoch, `None` for missing) is required
/// for calendar windows and orders the rows for chunks when given.
pub fn assign(
    spec: WindowSpec,
    times: Option<&[Option<i64>]>,
    n_rows: usize,
) -> Result<WindowAssignment, WindowError> {
    let unit = match spec {
        WindowSpec::Chunks(n) => return chunks(n, times, n_rows),
        WindowSpec::Day => Calendar::Day,
        WindowSpec::Week => Calendar::Week,
        WindowSpec::Month => Calendar::Month,
    };
    let times = times.ok_or(WindowError::NoTimestamp(spec))?;
    calendar(unit, times)
}

fn calendar(unit: Calendar, times: &[Option<i64>]) -> Result<WindowAssignment, WindowError> {
    let start_day = |t: i64| unit.start_day(t.div_euclid(MICROS_PER_DAY));
    // Windows that hold at least one row, in time order.
    let mut starts: BTreeMap<i64, usize> = BTreeMap::new();
    for t in times.iter().flatten() {
        *starts.entry(start_day(*t)).or_insert(0) += 1;
    }
    if starts.is_empty() {
        return Err(WindowError::NoTimes);
    }
    let index: BTreeMap<i64, u32> = starts
        .keys()
        .enumerate()
        .map(|(i, d)| (*d, i as u32))
        .collect();
    let windows = starts
        .iter()
        .map(|(&day, &rows)| {
            let label = match unit {
                Calendar::Month => {
                    let (y, m, _) = civil_from_days(day);
                    format!("{y:04}-{m:02}")
                }
                Calendar::Day | Calendar::Week => format_micros(day * MICROS_PER_DAY),
            };
            Window {
                label,
                start: Some(day * MICROS_PER_DAY),
                end: Some(unit.next_start_day(day) * MICROS_PER_DAY),
                rows,
            }
        })
        .collect();
    let row_window = times
        .iter()
        .map(|t| t.map(|t| index[&start_day(t)]))
        .collect();
    Ok(WindowAssignment {
        windows,
        row_window,
    })
}

fn chunks(
    n: usize,
    times: Option<&[Option<i64>]>,
    n_rows: usize,
) -> Result<WindowAssignment, WindowError> {
    if n_rows < n {
        return Err(WindowError::TooFewRows {
            chunks: n,
            rows: n_rows,
        });
    }
    // Row order, or time order (stable, rows without time last) when times are given.
    let mut order: Vec<u32> = (0..n_rows as u32).collect();
    if let Some(times) = times {
        order.sort_by_key(|&r| (times[r as usize].is_none(), times[r as usize]));
    }
    let mut row_window = vec![None; n_rows];
    let mut windows = Vec::with_capacity(n);
    for c in 0..n {
        // Chunk c holds rows [c·N/n, (c+1)·N/n) of the order: sizes differ by at most one.
        let (lo, hi) = (c * n_rows / n, (c + 1) * n_rows / n);
        let mut span: Option<(i64, i64)> = None;
        for &r in &order[lo..hi] {
            row_window[r as usize] = Some(c as u32);
            if let Some(t) = times.and_then(|t| t[r as usize]) {
                span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
            }
        }
        windows.push(Window {
            label: format!("chunk {}", c + 1),
            start: span.map(|s| s.0),
            end: span.map(|s| s.1),
            rows: hi - lo,
        });
    }
    Ok(WindowAssignment {
        windows,
        row_window,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i64, m: u32, d: u32) -> Option<i64> {
        Some(days_from_civil(y, m, d) * MICROS_PER_DAY + 3_600_000_000)
    }

    #[test]
    fn parse_specs() {
        assert_eq!("week".parse(), Ok(WindowSpec::Week));
        assert_eq!("10".parse(), Ok(WindowSpec::Chunks(10)));
        assert!("1".parse::<WindowSpec>().is_err());
        assert!("fortnight".parse::<WindowSpec>().is_err());
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2025-09-01 is a Monday; 2025-09-07 a Sunday; 2025-09-08 the next Monday.
        let times = [at(2025, 9, 7), at(2025, 9, 1), None, at(2025, 9, 8)];
        let a = assign(WindowSpec::Week, Some(&times), 4).expect("assign");
        assert_eq!(a.windows.len(), 2);
        assert_eq!(a.windows[0].label, "2025-09-01");
        assert_eq!(a.windows[0].rows, 2);
        assert_eq!(a.row_window, vec![Some(0), Some(0), None, Some(1)]);
        assert_eq!(a.unassigned(), 1);
    }

    #[test]
    fn months_and_days() {
        let times = [at(2025, 12, 31), at(2026, 1, 1), at(2025, 12, 1)];
        let m = assign(WindowSpec::Month, Some(&times), 3).expect("assign");
        let labels: Vec<&str> = m.windows.iter().map(|w| w.label.as_str()).collect();
        assert_eq!(labels, ["2025-12", "2026-01"]);
        assert_eq!(
            m.windows[0].end,
            Some(days_from_civil(2026, 1, 1) * MICROS_PER_DAY)
        );
        let d = assign(WindowSpec::Day, Some(&times), 3).expect("assign");
        assert_eq!(d.windows.len(), 3);
        assert_eq!(d.row_window, vec![Some(1), Some(2), Some(0)]);
    }

    #[test]
    fn chunks_are_balanced_and_time_ordered() {
        let times: Vec<Option<i64>> = (0..10).rev().map(|i| Some(i * 1000)).collect();
        let a = assign(WindowSpec::Chunks(3), Some(&times), 10).expect("assign");
        let sizes: Vec<usize> = a.windows.iter().map(|w| w.rows).collect();
        assert_eq!(sizes, [3, 3, 4]);
        // The last rows (earliest times) are in the first chunk.
        assert_eq!(a.row_window[9], Some(0));
        assert_eq!(a.row_window[0], Some(2));
        assert_eq!(a.windows[0].start, Some(0));
        assert!(assign(WindowSpec::Chunks(5), None, 3).is_err());
        assert_eq!(
            assign(WindowSpec::Week, None, 3),
            Err(WindowError::NoTimestamp(WindowSpec::Week))
        );
    }
}
