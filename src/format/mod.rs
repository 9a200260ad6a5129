//! How numbers read: the one place that turns numbers, p-values, shares, byte counts, dates
//! and axis ticks into text for tables, the window, the report and messages. A leaf: it
//! imports only the vocabulary's calendar, so every layer can use it and none repeats it.

pub mod ticks;

/// A number in at most 4 significant digits with thousands kept readable: 12 345, 0.1234, 1.2e-7.
/// Integers are written as integers, 4 decimals (trailing zeros dropped) in the usual range,
/// scientific notation for tiny values.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if v.fract() == 0.0 && a < 1e15 {
        format!("{v:.0}")
    } else if a >= 1000.0 {
        format!("{v:.1}")
    } else if a >= 0.001 {
        trim_zeros(format!("{v:.4}"))
    } else {
        format!("{v:.3e}")
    }
}

/// A p-value: 4 decimals down to 0.001 ("0.0123"), then one decimal in scientific notation
/// ("1.2e-8"); an underflowed 0 is "< 1e-300".
pub fn fmt_p(p: f64) -> String {
    if !p.is_finite() {
        p.to_string()
    } else if p == 0.0 {
        "< 1e-300".into()
    } else if p >= 1e-3 {
        trim_zeros(format!("{p:.4}"))
    } else {
        format!("{p:.1e}")
    }
}

/// A p-value inside a sentence: "p = 0.04", "p = 3.1e-5", "p < 1e-12".
pub fn fmt_p_phrase(p: f64) -> String {
    if p < 1e-12 {
        "p < 1e-12".into()
    } else if p < 0.01 {
        format!("p = {p:.1e}")
    } else {
        format!("p = {p:.2}")
    }
}

/// A share in 0..1 as a percentage: "45.5 %", "0.04 %", "< 0.01 %", "0 %".
pub fn fmt_pct(share: f64) -> String {
    let p = share * 100.0;
    if p == 0.0 {
        "0 %".into()
    } else if p < 0.01 {
        "< 0.01 %".into()
    } else if p < 1.0 {
        format!("{p:.2} %")
    } else {
        format!("{p:.1} %")
    }
}

/// A byte count in decimal units: "812 B", "1.4 kB", "3.25 MB", "1.10 GB", "2.00 TB".
pub fn fmt_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b < 1e3 {
        format!("{bytes} B")
    } else if b < 1e6 {
        format!("{:.1} kB", b / 1e3)
    } else if b < 1e9 {
        format!("{:.2} MB", b / 1e6)
    } else if b < 1e12 {
        format!("{:.2} GB", b / 1e9)
    } else {
        format!("{:.2} TB", b / 1e12)
    }
}

/// A compact axis label: 3 significant digits, k/M suffixes for large values.
pub fn fmt_tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1e6 {
        format!("{}M", trim_zeros(format!("{:.2}", v / 1e6)))
    } else if a >= 1e4 {
        format!("{}k", trim_zeros(format!("{:.1}", v / 1e3)))
    } else if a >= 1.0 {
        trim_zeros(format!("{v:.2}"))
    } else if a >= 1e-3 {
        trim_zeros(format!("{v:.4}"))
    } else {
        format!("{v:.1e}")
    }
}

/// "1.2300" → "1.23", "2.000" → "2"; text without a decimal point is left alone.
fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(fmt_num(12345.0), "12345");
        assert_eq!(fmt_num(0.12345), "0.1235");
        assert_eq!(fmt_num(1.5), "1.5");
        assert_eq!(fmt_num(1.2e-7), "1.200e-7");
    }

    #[test]
    fn p_values_read_well() {
        assert_eq!(fmt_p(1.234e-8), "1.2e-8");
        assert_eq!(fmt_p(0.01234), "0.0123");
        assert_eq!(fmt_p(0.5), "0.5");
        assert_eq!(fmt_p(1.0), "1");
        assert_eq!(fmt_p(0.0), "< 1e-300");
        assert_eq!(fmt_p(4.2e-5), "4.2e-5");
        assert_eq!(fmt_p_phrase(0.5), "p = 0.50");
        assert_eq!(fmt_p_phrase(1e-13), "p < 1e-12");
    }

    #[test]
    fn shares_and_sizes() {
        assert_eq!(fmt_pct(0.4545), "45.5 %");
        assert_eq!(fmt_pct(0.0), "0 %");
        assert_eq!(fmt_bytes(812), "812 B");
        assert_eq!(fmt_bytes(1_400), "1.4 kB");
        assert_eq!(fmt_bytes(3_250_000), "3.25 MB");
        assert_eq!(fmt_bytes(1_200_000_000), "1.20 GB");
    }

    #[test]
    fn ticks() {
        assert_eq!(fmt_tick(1_250_000.0), "1.25M");
        assert_eq!(fmt_tick(12_000.0), "12k");
        assert_eq!(fmt_tick(2.5), "2.5");
        assert_eq!(fmt_tick(0.0), "0");
    }
}
