//! The drift statistics by identity: every metric the "all metrics" pass can report, named as
//! the JSON output and the reports have always named them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One drift statistic of a column. Serialises (and displays) as its stable snake_case name,
/// e.g. `ks_p_value`; ordered by that name, so a map keyed by metrics lists them in the same
/// alphabetical order as a map keyed by their names did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DriftMetric {
    #[serde(rename = "ks_statistic")]
    KsStatistic,
    #[serde(rename = "ks_p_value")]
    KsPValue,
    #[serde(rename = "wasserstein")]
    Wasserstein,
    #[serde(rename = "wasserstein_normed")]
    WassersteinNormed,
    #[serde(rename = "psi")]
    Psi,
    #[serde(rename = "kl_divergence")]
    KlDivergence,
    #[serde(rename = "jensen_shannon_distance")]
    JensenShannonDistance,
    #[serde(rename = "hellinger")]
    Hellinger,
    #[serde(rename = "anderson_darling_p_value")]
    AndersonDarlingPValue,
    #[serde(rename = "cramer_von_mises_p_value")]
    CramerVonMisesPValue,
    #[serde(rename = "energy_distance")]
    EnergyDistance,
    #[serde(rename = "t_test_p_value")]
    TTestPValue,
    #[serde(rename = "mann_whitney_p_value")]
    MannWhitneyPValue,
    #[serde(rename = "chi_square_statistic")]
    ChiSquareStatistic,
    #[serde(rename = "chi_square_p_value")]
    ChiSquarePValue,
    #[serde(rename = "z_test_p_value")]
    ZTestPValue,
    #[serde(rename = "l_infinity")]
    LInfinity,
    #[serde(rename = "cramers_v")]
    CramersV,
}

impl DriftMetric {
    /// Every metric, numeric ones first, in the order the all-metrics pass computes them.
    pub const ALL: [DriftMetric; 18] = [
        Self::KsStatistic,
        Self::KsPValue,
        Self::Wasserstein,
        Self::WassersteinNormed,
        Self::Psi,
        Self::KlDivergence,
        Self::JensenShannonDistance,
        Self::Hellinger,
        Self::AndersonDarlingPValue,
        Self::CramerVonMisesPValue,
        Self::EnergyDistance,
        Self::TTestPValue,
        Self::MannWhitneyPValue,
        Self::ChiSquareStatistic,
        Self::ChiSquarePValue,
        Self::ZTestPValue,
        Self::LInfinity,
        Self::CramersV,
    ];

    /// The stable name (the JSON key under a column's `metrics`).
    pub fn name(self) -> &'static str {
        match self {
            Self::KsStatistic => "ks_statistic",
            Self::KsPValue => "ks_p_value",
            Self::Wasserstein => "wasserstein",
            Self::WassersteinNormed => "wasserstein_normed",
            Self::Psi => "psi",
            Self::KlDivergence => "kl_divergence",
            Self::JensenShannonDistance => "jensen_shannon_distance",
            Self::Hellinger => "hellinger",
            Self::AndersonDarlingPValue => "anderson_darling_p_value",
            Self::CramerVonMisesPValue => "cramer_von_mises_p_value",
            Self::EnergyDistance => "energy_distance",
            Self::TTestPValue => "t_test_p_value",
            Self::MannWhitneyPValue => "mann_whitney_p_value",
            Self::ChiSquareStatistic => "chi_square_statistic",
            Self::ChiSquarePValue => "chi_square_p_value",
            Self::ZTestPValue => "z_test_p_value",
            Self::LInfinity => "l_infinity",
            Self::CramersV => "cramers_v",
        }
    }
}

// Ordered by name, not by declaration: outputs that iterate a map of metrics keep the
// alphabetical order they had when the keys were strings.
impl Ord for DriftMetric {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name().cmp(other.name())
    }
}

impl PartialOrd for DriftMetric {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for DriftMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`DriftMetric::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a drift metric")]
pub struct UnknownMetric(pub String);

impl FromStr for DriftMetric {
    type Err = UnknownMetric;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| UnknownMetric(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_to_its_name_and_back() {
        for m in DriftMetric::ALL {
            let text = serde_json::to_string(&m).expect("json");
            assert_eq!(text, format!("\"{}\"", m.name()));
            let back: DriftMetric = serde_json::from_str(&text).expect("json");
            assert_eq!(back, m);
            assert_eq!(m.name().parse::<DriftMetric>(), Ok(m));
        }
    }

    #[test]
    fn ordered_by_name() {
        let mut by_enum = DriftMetric::ALL.to_vec();
        by_enum.sort();
        let mut by_name: Vec<&str> = DriftMetric::ALL.iter().map(|m| m.name()).collect();
        by_name.sort_unstable();
        let sorted: Vec<&str> = by_enum.iter().map(|m| m.name()).collect();
        assert_eq!(sorted, by_name);
    }
}
