//! JSON helpers shared by the commands: numbers that may be non-finite are written as the
//! strings "Infinity", "-Infinity" and "NaN" (plain JSON has no such numbers), never as null.

use serde_json::Value;

pub use crate::analysis::json::number;

/// An optional float as JSON (`null` when absent).
pub fn opt_number(v: Option<f64>) -> Value {
    v.map_or(Value::Null, number)
}

/// Pretty JSON text with a trailing newline.
pub fn to_text(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

/// A serde struct as a JSON value, for [`to_text`]. Serialising these structs cannot fail
/// (string keys, no fallible `Serialize`), so a failure writes `null`.
pub fn to_value(v: &impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// `#[serde(serialize_with = "present::json::ser_number")]`: a float field written as
/// [`number`] writes it, so serde structs keep the non-finite convention.
pub fn ser_number<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&number(*v), s)
}

/// `#[serde(serialize_with = "present::json::ser_opt_number")]`: an optional float as
/// [`opt_number`] writes it (`null` when absent).
pub fn ser_opt_number<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&opt_number(*v), s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_become_strings() {
        assert_eq!(number(1.5), serde_json::json!(1.5));
        assert_eq!(number(f64::INFINITY), serde_json::json!("Infinity"));
        assert_eq!(number(f64::NEG_INFINITY), serde_json::json!("-Infinity"));
        assert_eq!(number(f64::NAN), serde_json::json!("NaN"));
        assert_eq!(opt_number(None), Value::Null);
    }
}
