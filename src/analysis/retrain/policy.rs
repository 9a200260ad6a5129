//! The words of a backtest: window units, retraining policies, modes and durations, with the
//! text forms the command line and the session use (`every:7`, `on-drift:adwin`,
//! `floor:accuracy<0.8`, `drift-share:0.3`, `sliding:30d`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::vocab::time::MICROS_PER_DAY;

/// Window size of the backtest. Windows are anchored at S, midnight (UTC) of the first row's
/// day: day k is [S + k days, S + k + 1 days), week k is [S + 7k days, S + 7(k + 1) days) and
/// month k is [S + k calendar months, S + k + 1 calendar months) — RETRAINING.md's
/// floor((time − S) / unit), so weeks start on S's weekday, not on ISO Mondays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WindowUnit {
    #[default]
    Day,
    Week,
    Month,
}

impl WindowUnit {
    pub fn name(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

impl FromStr for WindowUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "day" | "daily" => Ok(Self::Day),
            "week" | "weekly" => Ok(Self::Week),
            "month" | "monthly" => Ok(Self::Month),
            _ => Err(format!(
                "\"{s}\" is not a window size: use day, week or month"
            )),
        }
    }
}

impl fmt::Display for WindowUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A change detector on the error stream (the Health tab's ports of River, default parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DetectorKind {
    Adwin,
    Ddm,
    PageHinkley,
}

impl DetectorKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Adwin => "adwin",
            Self::Ddm => "ddm",
            Self::PageHinkley => "page-hinkley",
        }
    }
}

/// When to retrain (decisions at T_w, w > w0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Policy {
    /// Never retrain.
    Never,
    /// Retrain iff (w − w0) mod k = 0.
    Every { k: u32 },
    /// Retrain at the first error of New_w after which the detector signals drift.
    OnDrift { detector: DetectorKind },
    /// Retrain iff |New_w| ≥ 20 and the served accuracy over New_w is < `accuracy`.
    Floor { accuracy: f64 },
    /// Retrain iff |New_w| ≥ 20 and the share of features whose PSI between the current
    /// model's training rows and New_w exceeds 0.2 is ≥ `share`.
    DriftShare { share: f64 },
}

/// Minimum labels of New_w for the floor and drift-share policies.
pub const MIN_NEW_LABELS: usize = 20;
/// A feature drifts (drift-share policy) when its PSI exceeds this.
pub const PSI_DRIFT: f64 = 0.2;
/// Quantile bins of a numeric feature's PSI (deciles of the training rows).
pub const PSI_BINS: usize = 10;

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Never => f.write_str("never"),
            Self::Every { k } => write!(f, "every:{k}"),
            Self::OnDrift { detector } => write!(f, "on-drift:{}", detector.name()),
            Self::Floor { accuracy } => write!(f, "floor:accuracy<{accuracy}"),
            Self::DriftShare { share } => write!(f, "drift-share:{share}"),
        }
    }
}

impl FromStr for Policy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let bad = || {
            format!(
                "\"{s}\" is not a policy: use never, every:N, on-drift:adwin|ddm|page-hinkley, floor:accuracy<X or drift-share:X"
            )
        };
        let unit = |v: &str| -> Result<f64, String> {
            match v.trim().parse::<f64>() {
                Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
                _ => Err(format!(
                    "\"{s}\": the threshold must be a number from 0 to 1"
                )),
            }
        };
        if t == "never" {
            return Ok(Self::Never);
        }
        let (head, tail) = t.split_once(':').ok_or_else(bad)?;
        match head {
            "every" => match tail.trim().parse::<u32>() {
                Ok(k) if k >= 1 => Ok(Self::Every { k }),
                _ => Err(format!(
                    "\"{s}\": every needs a whole number of windows, 1 or more"
                )),
            },
            "on-drift" => {
                let detector = match tail.trim() {
                    "adwin" => DetectorKind::Adwin,
                    "ddm" => DetectorKind::Ddm,
                    "page-hinkley" | "ph" => DetectorKind::PageHinkley,
                    _ => return Err(bad()),
                };
                Ok(Self::OnDrift { detector })
            }
            "floor" => {
                let v = tail.trim().strip_prefix("accuracy<").ok_or_else(bad)?;
                Ok(Self::Floor { accuracy: unit(v)? })
            }
            "drift-share" => Ok(Self::DriftShare { share: unit(tail)? }),
            _ => Err(bad()),
        }
    }
}

/// What a retrain does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Mode {
    /// A fresh from-scratch model on every row with time < T_w and label time ≤ T_w.
    Scratch,
    /// The same, restricted to rows with time ≥ T_w − `micros`.
    Sliding { micros: i64 },
    /// The incremental model learns the rows whose labels arrived since it last learned.
    Incremental,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Scratch => f.write_str("scratch"),
            Self::Sliding { micros } => write!(f, "sliding:{}", format_duration(*micros)),
            Self::Incremental => f.write_str("incremental"),
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "scratch" => Ok(Self::Scratch),
            "incremental" => Ok(Self::Incremental),
            _ => match t.strip_prefix("sliding:") {
                Some(d) => match parse_duration(d)? {
                    0 => Err(format!("\"{s}\": a sliding window must be longer than 0")),
                    micros => Ok(Self::Sliding { micros }),
                },
                None => Err(format!(
                    "\"{s}\" is not a mode: use scratch, sliding:30d or incremental"
                )),
            },
        }
    }
}

/// "3d", "12h", "2w", "90m", "30s" → microseconds (whole numbers, ≥ 0, at most 100 years).
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let t = s.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit_us: i64 = match unit {
        "w" => 7 * MICROS_PER_DAY,
        "d" => MICROS_PER_DAY,
        "h" => 3_600_000_000,
        "m" | "min" => 60_000_000,
        "s" => 1_000_000,
        _ => {
            return Err(format!(
                "\"{s}\" is not a duration: use a whole number with w, d, h, m or s (e.g. 3d)"
            ));
        }
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("\"{s}\" is not a duration: use e.g. 3d or 12h"))?;
    let micros = n
        .checked_mul(unit_us)
        .filter(|&m| m <= 36_500 * MICROS_PER_DAY)
        .ok_or_else(|| format!("\"{s}\" is longer than 100 years"))?;
    Ok(micros)
}

/// The shortest exact text of a duration: "30d", "12h", "0d".
pub fn format_duration(micros: i64) -> String {
    for (unit, us) in [
        ("d", MICROS_PER_DAY),
        ("h", 3_600_000_000),
        ("m", 60_000_000),
        ("s", 1_000_000),
    ] {
        if micros % us == 0 {
            return format!("{}{unit}", micros / us);
        }
    }
    format!("{}s", micros as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_and_modes_round_trip() {
        for s in [
            "never",
            "every:7",
            "on-drift:adwin",
            "on-drift:page-hinkley",
            "floor:accuracy<0.8",
            "drift-share:0.3",
        ] {
            let p: Policy = s.parse().expect(s);
            assert_eq!(p.to_string(), s);
        }
        for s in ["scratch", "sliding:30d", "incremental"] {
            let m: Mode = s.parse().expect(s);
            assert_eq!(m.to_string(), s);
        }
        assert!("every:0".parse::<Policy>().is_err());
        assert!("floor:accuracy<nan".parse::<Policy>().is_err());
        assert!("drift-share:2".parse::<Policy>().is_err());
        assert!("sliding:0d".parse::<Mode>().is_err());
        assert_eq!(parse_duration("3d"), Ok(3 * MICROS_PER_DAY));
        assert!(parse_duration("-3d").is_err());
        assert!(parse_duration("99999999999w").is_err());
    }
}
