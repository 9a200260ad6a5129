//! Calendar arithmetic for timestamps stored as microseconds since the Unix epoch (UTC):
//! parsing the ISO-8601 shapes found in data files and formatting for display.
//! Days from civil dates use Howard Hinnant's closed-form algorithm (proleptic Gregorian).

/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Day of week of a day count, 0 = Monday … 6 = Sunday.
pub fn weekday_from_days(days: i64) -> u32 {
    // 1970-01-01 was a Thursday (3 when Monday is 0).
    (days + 3).rem_euclid(7) as u32
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parse `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.ffffff]]`, and an
/// optional `Z` or `±HH:MM` offset (converted to UTC). Slashes are accepted as date separators.
/// Returns microseconds since the epoch, or `None` for anything else.
pub fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 10 {
        return None;
    }
    let sep = b[4];
    if !(sep == b'-' || sep == b'/') || b[7] != sep {
        return None;
    }
    let year: i64 = digits(&b[0..4])?;
    let month: u32 = digits(&b[5..7])? as u32;
    let day: u32 = digits(&b[8..10])? as u32;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut micros = days_from_civil(year, month, day) * MICROS_PER_DAY;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(micros);
    }
    if !(rest[0] == b'T' || rest[0] == b' ') || rest.len() < 6 {
        return None;
    }
    let t = &rest[1..];
    let hour = digits(&t[0..2])?;
    if t[2] != b':' {
        return None;
    }
    let minute = digits(&t[3..5])?;
    let mut i = 5;
    let mut second = 0;
    let mut frac_micros = 0;
    if t.len() >= 8 && t[5] == b':' {
        second = digits(&t[6..8])?;
        i = 8;
        if t.len() > 8 && (t[8] == b'.' || t[8] == b',') {
            let start = 9;
            let mut end = start;
            while end < t.len() && t[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return None;
            }
            // Keep microsecond precision; pad or cut the fraction to six digits.
            let frac = &t[start..end.min(start + 6)];
            let mut v = digits(frac)?;
            for _ in frac.len()..6 {
                v *= 10;
            }
            frac_micros = v;
            i = end;
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    micros += ((hour * 60 + minute) * 60 + second) * 1_000_000 + frac_micros;
    let zone = &t[i..];
    match zone {
        [] | [b'Z'] => Some(micros),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let offset = (digits(&[*h1, *h2])? * 60 + digits(&[*m1, *m2])?) * 60_000_000;
            Some(if *sign == b'+' {
                micros - offset
            } else {
                micros + offset
            })
        }
        _ => None,
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
}

/// Format microseconds since the epoch as `YYYY-MM-DD HH:MM:SS` (UTC), dropping a midnight time.
pub fn format_micros(micros: i64) -> String {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let rem = micros.rem_euclid(MICROS_PER_DAY) / 1_000_000;
    let (y, m, d) = civil_from_days(days);
    if rem == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        let (h, mi, s) = (rem / 3600, rem / 60 % 60, rem % 60);
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

/// Format as ISO-8601 with a `T` and `Z`, for JSON output.
pub fn format_iso(micros: i64) -> String {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let rem = micros.rem_euclid(MICROS_PER_DAY);
    let secs = rem / 1_000_000;
    let frac = rem % 1_000_000;
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if frac == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:06}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-719_468, -1, 0, 1, 10_957, 19_723, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2000, 1, 1), 10_957);
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(weekday_from_days(19_723), 0); // 2024-01-01 was a Monday
    }

    #[test]
    fn parse_shapes() {
        let day = days_from_civil(2024, 3, 5) * MICROS_PER_DAY;
        assert_eq!(parse_iso("2024-03-05"), Some(day));
        assert_eq!(parse_iso("2024/03/05"), Some(day));
        assert_eq!(
            parse_iso("2024-03-05 10:20"),
            Some(day + (10 * 60 + 20) * 60_000_000)
        );
        assert_eq!(
            parse_iso("2024-03-05T10:20:30.5Z"),
            Some(day + ((10 * 60 + 20) * 60 + 30) * 1_000_000 + 500_000)
        );
        assert_eq!(
            parse_iso("2024-03-05T10:00:00+02:00"),
            Some(day + 8 * 3_600_000_000)
        );
        assert_eq!(parse_iso("2024-02-30"), None);
        assert_eq!(parse_iso("hello world"), None);
        assert_eq!(parse_iso("2024-03-05x"), None);
    }

    #[test]
    fn formatting() {
        let t = parse_iso("2024-03-05T10:20:30Z").expect("parse");
        assert_eq!(format_micros(t), "2024-03-05 10:20:30");
        assert_eq!(format_iso(t), "2024-03-05T10:20:30Z");
        assert_eq!(
            format_micros(days_from_civil(1969, 12, 31) * MICROS_PER_DAY),
            "1969-12-31"
        );
    }
}
