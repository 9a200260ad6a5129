//! The wall clock. The analysis core takes "now" as a parameter so that its results are
//! reproducible; the engine reads the clock once per run on behalf of every front end.

/// The system clock in µs since the Unix epoch (0 if the clock is before the epoch).
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}
