//! Column kinds: what a column holds, as the analyses see it.

use serde::{Deserialize, Serialize};

/// The kind of a column, inferred from its type and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Integers and floats.
    Numeric,
    /// Strings with a limited set of values.
    Categorical,
    /// true/false.
    Boolean,
    /// Dates and timestamps (including strings that parse as ISO-8601).
    Datetime,
    /// Free text: strings where most values are unique.
    Text,
}

impl ColumnKind {
    /// Lower-case name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::Numeric => "numeric",
            Self::Categorical => "categorical",
            Self::Boolean => "boolean",
            Self::Datetime => "datetime",
            Self::Text => "text",
        }
    }

    /// A short tag for lists, drawn with glyphs every default font has.
    pub fn icon(self) -> &'static str {
        match self {
            Self::Numeric => "#",
            Self::Categorical => "Aa",
            Self::Boolean => "01",
            Self::Datetime => "dt",
            Self::Text => "¶",
        }
    }
}

/// The kind of a string column: text when more than half of its non-null values are distinct
/// (Evidently's rule), categorical otherwise. Columns with fewer than 20 values are always
/// categorical, since "half unique" says nothing on a handful of rows.
pub fn string_kind(unique: usize, non_null: usize) -> ColumnKind {
    if non_null >= 20 && unique * 2 > non_null {
        ColumnKind::Text
    } else {
        ColumnKind::Categorical
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_split_by_uniqueness() {
        assert_eq!(string_kind(3, 1000), ColumnKind::Categorical);
        assert_eq!(string_kind(900, 1000), ColumnKind::Text);
        assert_eq!(string_kind(10, 10), ColumnKind::Categorical);
    }
}
