//! Numbers as people read them, shared by the terminal tables and the
//! charts: here, outside `charts`, so the tables (and the core without the
//! `cli` feature, which the fuzz target builds) need no plotting code.

/// A rate with two significant digits ("2.0", "0.0049", "12"), for
/// values that span decades: fixed decimals would print a rare failure
/// as 0.0.
pub fn rate(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_nan() {
            "—".into()
        } else if v == 0.0 {
            "0".into()
        } else {
            "∞".into()
        };
    }
    let digits = |d: i32| (d.clamp(0, 9)) as usize;
    let exponent = v.abs().log10().floor() as i32;
    // Two digits are 10..=99 once scaled; 0.998 rounds up to 100, into
    // the next decade, and is printed "1.0", not "1.00".
    let scaled = (v.abs() * 10f64.powi(1 - exponent)).round();
    let exponent = if scaled >= 100.0 {
        exponent + 1
    } else {
        exponent
    };
    format!("{v:.*}", digits(1 - exponent))
}

/// An integer with comma thousands separators.
pub fn thousands(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}
