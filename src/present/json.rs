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
