//! JSON numbers for reports: non-finite floats are written as the strings "NaN", "Infinity"
//! and "-Infinity" (plain JSON has no such numbers), never silently as null.

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
