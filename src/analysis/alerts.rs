//! Alert rules: a comparison of a named per-window value with a number, held for N windows in
//! a row. Text form: `VALUE OP NUMBER [for N]`, e.g.
//!
//! - `roc_auc < 0.80 for 2` — ROC AUC below 0.80 in 2 windows in a row;
//! - `drift_share >= 0.3` — at least 30 % of the features drifted;
//! - `null_rate:income > 0.05` — more than 5 % of `income` missing;
//! - `p95:latency_ms > 200` — the 95th percentile of `latency_ms` above 200.
//!
//! `OP` is one of `<`, `<=`, `>`, `>=`. A trailing `%` divides the number by 100 (`> 5%`).
//! Rules are evaluated on a [`WindowTable`] (value name → one value per window) with
//! [`evaluate`]; a window where the value is missing breaks a run. The health analysis builds
//! the table (see `HealthReport::table` for its value names); `sextant check` can build one from
//! any analysis.
//!
//! The API in full: [`AlertRule`] (text form via `FromStr`/`Display`; serde uses the same text,
//! so a session stores `["roc_auc < 0.8 for 2", …]`), [`WindowTable`], [`evaluate`] →
//! `Vec<`[`FiredAlert`]`>` (rule, window indices, window labels), and [`unknown_values`] for
//! rules naming a value the table lacks. To run rules on model health: put them in
//! `HealthParams::rules`, run `engine::health::run`, read `HealthReport::alerts` (or call
//! `evaluate(&rules, &report.table())` on a report computed earlier).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Less => "<",
            Self::LessOrEqual => "<=",
            Self::Greater => ">",
            Self::GreaterOrEqual => ">=",
        }
    }

    /// Whether `value OP threshold` holds (false for NaN).
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Self::Less => value < threshold,
            Self::LessOrEqual => value <= threshold,
            Self::Greater => value > threshold,
            Self::GreaterOrEqual => value >= threshold,
        }
    }
}

/// A rule: fires in every window where `value OP threshold` has held for `for_windows` windows
/// in a row (that window and the ones before it). Serialised as its text form
/// (`"roc_auc < 0.8 for 2"`), so a session file stays readable and RON-friendly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AlertRule {
    /// The value's name in the table: a metric (`roc_auc`), `drift_share`, `null_rate:COL`,
    /// `p95:COL`, …
    pub value: String,
    pub op: Comparison,
    pub threshold: f64,
    /// Consecutive windows needed (1 or more).
    pub for_windows: usize,
}

impl fmt::Display for AlertRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.value, self.op.symbol(), self.threshold)?;
        if self.for_windows > 1 {
            write!(f, " for {}", self.for_windows)?;
        }
        Ok(())
    }
}

impl From<AlertRule> for String {
    fn from(rule: AlertRule) -> Self {
        rule.to_string()
    }
}

impl TryFrom<String> for AlertRule {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl FromStr for AlertRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            format!(
                "\"{}\" is not an alert rule: {why} (e.g. \"roc_auc < 0.8 for 2\")",
                s.trim()
            )
        };
        let (body, for_windows) = match s.rsplit_once(" for ") {
            Some((body, n)) => {
                let n = n
                    .trim()
                    .trim_end_matches("windows")
                    .trim_end_matches("window")
                    .trim();
                let n: usize = n
                    .parse()
                    .map_err(|_| bad("the count after \"for\" is not a whole number"))?;
                if n == 0 {
                    return Err(bad("the count after \"for\" must be 1 or more"));
                }
                (body, n)
            }
            None => (s, 1),
        };
        // Two-character operators first, so "<=" is not read as "<".
        let ops = [
            ("<=", Comparison::LessOrEqual),
            (">=", Comparison::GreaterOrEqual),
            ("<", Comparison::Less),
            (">", Comparison::Greater),
        ];
        let (pos, sym, op) = ops
            .iter()
            .filter_map(|&(sym, op)| body.find(sym).map(|p| (p, sym, op)))
            .min_by_key(|&(p, sym, _)| (p, std::cmp::Reverse(sym.len())))
            .ok_or_else(|| bad("it needs one of <, <=, >, >="))?;
        let value = body[..pos].trim();
        if value.is_empty() {
            return Err(bad("the value name is missing"));
        }
        let number = body[pos + sym.len()..].trim();
        let (number, scale) = match number.strip_suffix('%') {
            Some(n) => (n.trim(), 0.01),
            None => (number, 1.0),
        };
        let threshold: f64 = number
            .parse()
            .map_err(|_| bad("the threshold is not a number"))?;
        if !threshold.is_finite() {
            return Err(bad("the threshold is not a finite number"));
        }
        Ok(Self {
            value: value.to_string(),
            op,
            threshold: threshold * scale,
            for_windows,
        })
    }
}

/// Named values per window: `values[name][w]` is the value in window `w` (`None` = missing).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct WindowTable {
    /// Window labels, in time order.
    pub windows: Vec<String>,
    pub values: BTreeMap<String, Vec<Option<f64>>>,
}

/// A rule that fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FiredAlert {
    pub rule: AlertRule,
    /// The rule's text form.
    pub text: String,
    /// Indices of the windows in which it fired.
    pub windows: Vec<usize>,
    /// Their labels.
    pub labels: Vec<String>,
}

/// Evaluate rules over a table; rules that fire in no window (or whose value is not in the
/// table, see [`unknown_values`]) are left out.
pub fn evaluate(rules: &[AlertRule], table: &WindowTable) -> Vec<FiredAlert> {
    rules
        .iter()
        .filter_map(|rule| {
            let values = table.values.get(&rule.value)?;
            let mut run = 0;
            let windows: Vec<usize> = values
                .iter()
                .enumerate()
                .filter_map(|(w, v)| {
                    run = match v {
                        Some(v) if rule.op.holds(*v, rule.threshold) => run + 1,
                        _ => 0,
                    };
                    (run >= rule.for_windows.max(1)).then_some(w)
                })
                .collect();
            (!windows.is_empty()).then(|| FiredAlert {
                rule: rule.clone(),
                text: rule.to_string(),
                labels: windows
                    .iter()
                    .map(|&w| table.windows.get(w).cloned().unwrap_or_default())
                    .collect(),
                windows,
            })
        })
        .collect()
}

/// Value names of rules that the table does not have (a typo, or a column that is not there).
pub fn unknown_values(rules: &[AlertRule], table: &WindowTable) -> Vec<String> {
    rules
        .iter()
        .filter(|r| !table.values.contains_key(&r.value))
        .map(|r| r.value.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        for text in [
            "roc_auc < 0.8 for 2",
            "drift_share >= 0.3",
            "null_rate:income > 0.05",
            "p95:latency_ms > 200",
            "log_loss <= 0.7",
        ] {
            let rule: AlertRule = text.parse().expect("rule");
            assert_eq!(rule.to_string(), text);
        }
        let r: AlertRule = "null_rate:income > 5%".parse().expect("rule");
        assert!((r.threshold - 0.05).abs() < 1e-15);
        let r: AlertRule = "roc_auc<0.80 for 2 windows".parse().expect("rule");
        assert_eq!(r.for_windows, 2);
        assert_eq!(r.op, Comparison::Less);
        assert!("roc_auc = 0.8".parse::<AlertRule>().is_err());
        assert!("< 0.8".parse::<AlertRule>().is_err());
        assert!("roc_auc < x".parse::<AlertRule>().is_err());
        assert!("roc_auc < 0.8 for 0".parse::<AlertRule>().is_err());
    }

    #[test]
    fn runs_of_windows() {
        let mut table = WindowTable {
            windows: (0..6).map(|i| format!("w{i}")).collect(),
            values: BTreeMap::new(),
        };
        table.values.insert(
            "roc_auc".into(),
            vec![Some(0.9), Some(0.7), Some(0.7), None, Some(0.7), Some(0.6)],
        );
        let rule: AlertRule = "roc_auc < 0.8 for 2".parse().expect("rule");
        let fired = evaluate(std::slice::from_ref(&rule), &table);
        assert_eq!(fired.len(), 1);
        // The missing window breaks the run.
        assert_eq!(fired[0].windows, vec![2, 5]);
        assert_eq!(fired[0].labels, vec!["w2", "w5"]);
        let typo: AlertRule = "roc_acu < 0.8".parse().expect("rule");
        assert!(evaluate(std::slice::from_ref(&typo), &table).is_empty());
        assert_eq!(unknown_values(&[typo], &table), vec!["roc_acu"]);
    }

    #[test]
    fn serde_round_trip() {
        let rule: AlertRule = "p95:latency_ms > 200 for 3".parse().expect("rule");
        let json = serde_json::to_string(&rule).expect("json");
        assert_eq!(json, "\"p95:latency_ms > 200 for 3\"");
        let back: AlertRule = serde_json::from_str(&json).expect("back");
        assert_eq!(rule, back);
        let ron_text = ron::to_string(&vec![rule.clone()]).expect("ron");
        let back: Vec<AlertRule> = ron::from_str(&ron_text).expect("back");
        assert_eq!(back, vec![rule]);
        assert!(serde_json::from_str::<AlertRule>("\"roc_auc = 1\"").is_err());
    }
}
