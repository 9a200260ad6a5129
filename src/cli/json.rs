//! JSON helpers shared by the commands: numbers that may be non-finite are written as the
//! strings "Infinity", "-Infinity" and "NaN" (plain JSON has no such numbers), never as null.

use serde_json::Value;

/// A float as JSON: a number when finite, else a string naming it.
pub fn number(v: f64) -> Value {
    if v.is_finite() {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    } else if v.is_nan() {
        Value::String("NaN".into())
    } else if v > 0.0 {
        Value::String("Infinity".into())
    } else {
        Value::String("-Infinity".into())
    }
}

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
