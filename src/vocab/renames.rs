//! Accepted column renames: a production column that is a training column under a new name.

use serde::{Deserialize, Serialize};

/// The production (current) columns that were renamed from training (reference) columns.
/// Every analysis compares a renamed production column with its training name. Stored in
/// sessions as a list of `(current, reference)` pairs, as it always was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Vec<(String, String)>", into = "Vec<(String, String)>")]
pub struct Renames {
    /// `(current, reference)` pairs in the order they were accepted.
    pairs: Vec<(String, String)>,
}

impl Renames {
    /// No renames.
    pub const fn new() -> Self {
        Self { pairs: Vec::new() }
    }

    /// Forget the rename of production's `current`, if there is one.
    pub fn remove_current(&mut self, current: &str) {
        self.pairs.retain(|(c, _)| c != current);
    }

    /// Record that production's `current` is training's `reference`; replaces an earlier rename
    /// of either column.
    pub fn add(&mut self, current: impl Into<String>, reference: impl Into<String>) {
        let (current, reference) = (current.into(), reference.into());
        self.pairs.retain(|(c, r)| *c != current && *r != reference);
        self.pairs.push((current, reference));
    }

    /// The training name of a production column, when it was renamed.
    pub fn reference_of(&self, current: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(c, _)| c == current)
            .map(|(_, r)| r.as_str())
    }

    /// The production name of a training column, when it was renamed.
    pub fn current_of(&self, reference: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(_, r)| r == reference)
            .map(|(c, _)| c.as_str())
    }

    /// The production name under which a training column is found (itself when not renamed).
    pub fn current_name<'a>(&'a self, reference: &'a str) -> &'a str {
        self.current_of(reference).unwrap_or(reference)
    }

    /// The training name a production column is compared with (itself when not renamed).
    pub fn reference_name<'a>(&'a self, current: &'a str) -> &'a str {
        self.reference_of(current).unwrap_or(current)
    }

    /// `(current, reference)` pairs in the order they were accepted.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(c, r)| (c.as_str(), r.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// The pairs as `(current, reference)` tuples.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

impl From<Vec<(String, String)>> for Renames {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
    }
}

impl From<Renames> for Vec<(String, String)> {
    fn from(r: Renames) -> Self {
        r.pairs
    }
}

/// Equal to a list of `(current, reference)` pairs in the order they were accepted.
impl PartialEq<Vec<(String, String)>> for Renames {
    fn eq(&self, other: &Vec<(String, String)>) -> bool {
        &self.pairs == other
    }
}

impl FromIterator<(String, String)> for Renames {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self {
            pairs: iter.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_both_directions() {
        let mut r = Renames::new();
        r.add("dti", "debt_to_income");
        assert_eq!(r.reference_of("dti"), Some("debt_to_income"));
        assert_eq!(r.current_of("debt_to_income"), Some("dti"));
        assert_eq!(r.reference_name("income"), "income");
        assert_eq!(r.current_name("debt_to_income"), "dti");
        // A second rename of the same column replaces the first.
        r.add("dti2", "debt_to_income");
        assert_eq!(r.len(), 1);
        assert_eq!(r.current_of("debt_to_income"), Some("dti2"));
    }

    #[test]
    fn stored_as_pairs() {
        let r: Renames = vec![("a".to_string(), "b".to_string())].into();
        let text = ron::to_string(&r).expect("ron");
        assert_eq!(text, "[(\"a\",\"b\")]");
        let back: Renames = ron::from_str(&text).expect("ron");
        assert_eq!(back, r);
    }
}
