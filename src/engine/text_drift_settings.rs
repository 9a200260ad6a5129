//! The settings of text and embedding drift ([`super::text_drift`]), in their own file so that
//! the drift settings can hold them without the drift engine depending on the text one.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// How text columns are tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextMethod {
    /// Evidently's TF-IDF domain classifier.
    #[default]
    DomainClassifier,
    /// Not tested (listed as skipped).
    None,
}

impl TextMethod {
    pub fn name(self) -> &'static str {
        match self {
            Self::DomainClassifier => "domain_classifier",
            Self::None => "none",
        }
    }
}

impl std::str::FromStr for TextMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "domain_classifier" | "text_domain_classifier" => Ok(Self::DomainClassifier),
            "none" => Ok(Self::None),
            _ => Err(format!(
                "\"{s}\" is not a text method; use domain_classifier or none"
            )),
        }
    }
}

/// What a user sets for text and embeddings (stored in the session inside the drift
/// settings; every field at its default is left out of the file).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TextDriftSettings {
    pub method: TextMethod,
    /// Embeddings beyond the list columns found by themselves: a column name, or a prefix
    /// ending in `*` grouping the numeric columns it starts (`emb_*` → emb_0, emb_1, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub embeddings: Vec<String>,
    /// String columns to test as text even when half their values repeat.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub text_columns: BTreeSet<String>,
}

impl TextDriftSettings {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}
