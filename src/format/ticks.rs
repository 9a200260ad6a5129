//! Axis ticks: round steps for numbers (1, 2 or 5 × 10^k) and calendar steps for dates (minutes
//! up to years, weeks on Mondays, months on the first). The window's plots and the report's SVG
//! charts both place and label their ticks here, so a chart reads the same in both.
//!
//! Dates on an axis are days since the Unix epoch (fractional for times of day).

use crate::vocab::time::{MICROS_PER_DAY, civil_from_days, days_from_civil, format_micros};

/// The mean length of a month in days (Gregorian calendar): the size of a monthly step.
pub const MONTH_DAYS: f64 = 30.436875;

/// Steps of a date axis in days: minutes, hours, days, weeks, months, quarters, half years,
/// years and five years.
pub const DAY_STEPS: [f64; 14] = [
    1.0 / 1440.0,
    5.0 / 1440.0,
    15.0 / 1440.0,
    1.0 / 24.0,
    3.0 / 24.0,
    6.0 / 24.0,
    0.5,
    1.0,
    7.0,
    MONTH_DAYS,
    3.0 * MONTH_DAYS,
    6.0 * MONTH_DAYS,
    12.0 * MONTH_DAYS,
    60.0 * MONTH_DAYS,
];

/// The smallest of 1, 2, 5 × 10^k that is ≥ `x` (1 for a non-positive or NaN `x`).
pub fn nice_step(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return 1.0;
    }
    let base = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * base)
        .find(|s| *s >= x * (1.0 - 1e-12))
        .unwrap_or(10.0 * base)
}

/// About `target` round values (a [`nice_step`] apart) inside `[lo, hi]`; `[lo]` when the
/// range is empty or not finite.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let step = nice_step((hi - lo) / target.max(1) as f64);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The first days of months inside `[lo, hi]` (days since the epoch) whose month number
/// since year 0 is a multiple of `every` (so quarters start in January, April, …). At most
/// 2000 of them.
pub fn month_starts(lo: f64, hi: f64, every: i64) -> Vec<f64> {
    let every = every.max(1);
    if !(lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    let (y, m, _) = civil_from_days(lo.floor() as i64);
    let mut index = y * 12 + i64::from(m) - 1;
    index -= index.rem_euclid(every);
    let mut out = Vec::new();
    for _ in 0..2000 {
        let day = days_from_civil(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1) as f64;
        if day > hi {
            break;
        }
        if day >= lo {
            out.push(day);
        }
        index += every;
    }
    out
}

/// Multiples of `step` days inside `[lo, hi]`; weekly steps fall on Mondays. At most 2000.
pub fn day_steps(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && step > 0.0) {
        return Vec::new();
    }
    // Day 4 since the epoch (1970-01-05) was a Monday.
    let offset = if step == 7.0 { 4.0 } else { 0.0 };
    let mut v = ((lo - offset) / step).floor() * step + offset;
    let mut out = Vec::new();
    while v <= hi && out.len() < 2000 {
        if v >= lo {
            out.push(v);
        }
        v += step;
    }
    out
}

/// Ticks on calendar boundaries for a step of `step` days from [`DAY_STEPS`]: month starts for
/// monthly and longer steps, otherwise multiples of the step.
pub fn calendar_ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if step >= MONTH_DAYS * 0.99 {
        month_starts(lo, hi, (step / MONTH_DAYS).round() as i64)
    } else {
        day_steps(lo, hi, step)
    }
}

/// A date label as precise as its step: "2024" for yearly steps, "2024-03" for monthly ones,
/// "2024-03-04" for days and weeks, "03-04 06:00" within a day.
pub fn date_label(day: f64, step_days: f64) -> String {
    let micros = (day * MICROS_PER_DAY as f64).round() as i64;
    let text = format_micros(micros);
    if step_days >= 12.0 * MONTH_DAYS * 0.99 {
        text.get(..4).unwrap_or(&text).to_string()
    } else if step_days >= MONTH_DAYS * 0.99 {
        text.get(..7).unwrap_or(&text).to_string()
    } else if step_days >= 1.0 {
        text.get(..10).unwrap_or(&text).to_string()
    } else {
        let minutes = micros.rem_euclid(MICROS_PER_DAY) / 60_000_000;
        format!(
            "{} {:02}:{:02}",
            text.get(5..10).unwrap_or(&text),
            minutes / 60,
            minutes % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::time::weekday_from_days;

    fn day(y: i64, m: u32, d: u32) -> f64 {
        days_from_civil(y, m, d) as f64
    }

    #[test]
    fn nice_steps_and_ticks_are_round() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(1.2), 2.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(730.0), 1000.0);
        assert_eq!(
            nice_ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(nice_ticks(3.0, 3.0, 5), vec![3.0]);
    }

    #[test]
    fn calendar_ticks_fall_on_mondays_and_month_starts() {
        let months = calendar_ticks(day(2024, 1, 15), day(2024, 12, 31), 3.0 * MONTH_DAYS);
        assert_eq!(
            months,
            vec![day(2024, 4, 1), day(2024, 7, 1), day(2024, 10, 1)]
        );
        let weeks = calendar_ticks(day(2024, 3, 1), day(2024, 3, 31), 7.0);
        assert!(weeks.iter().all(|d| weekday_from_days(*d as i64) == 0));
        assert_eq!(weeks.len(), 4);
    }

    #[test]
    fn labels_follow_the_step() {
        assert_eq!(date_label(day(2024, 3, 1), MONTH_DAYS), "2024-03");
        assert_eq!(date_label(day(2024, 1, 1), 12.0 * MONTH_DAYS), "2024");
        assert_eq!(date_label(day(2024, 3, 4), 7.0), "2024-03-04");
        assert_eq!(date_label(day(2024, 3, 4) + 0.25, 0.25), "03-04 06:00");
    }
}
