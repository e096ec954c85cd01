//! Exact decimal numbers as `i128` mantissa and scale, and their canonical storage text
//! (`-`? digits, `.` and exactly `scale` digits; no `.` when the scale is 0).

/// 10^n for n in 0..=38.
pub fn pow10(n: u32) -> i128 {
    10i128.pow(n.min(38))
}

/// The largest mantissa a precision allows, plus one (10^p).
pub fn limit(precision: u8) -> i128 {
    pow10(u32::from(precision))
}

/// Canonical text of `mantissa / 10^scale`.
pub fn format(mantissa: i128, scale: u8) -> String {
    let digits = mantissa.unsigned_abs().to_string();
    let scale = usize::from(scale);
    let mut s = String::with_capacity(digits.len() + 3);
    if mantissa < 0 {
        s.push('-');
    }
    if scale == 0 {
        s.push_str(&digits);
    } else if digits.len() > scale {
        let (int, frac) = digits.split_at(digits.len() - scale);
        s.push_str(int);
        s.push('.');
        s.push_str(frac);
    } else {
        s.push_str("0.");
        for _ in digits.len()..scale {
            s.push('0');
        }
        s.push_str(&digits);
    }
    s
}

/// Parses canonical or near-canonical text (`-`? digits [`.` digits]) fast, keeping the
/// scale it is written with. `None` if it is not of that shape or has over 38 digits.
#[inline]
pub fn parse_plain(b: &[u8]) -> Option<(i128, u8)> {
    let (neg, body) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    if body.is_empty() {
        return None;
    }
    let mut m: i128 = 0;
    let mut scale: Option<u8> = None;
    let mut count = 0u32;
    let mut any = false;
    for &c in body {
        if c == b'.' {
            if scale.is_some() {
                return None;
            }
            scale = Some(0);
            continue;
        }
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        any = true;
        if m != 0 || d != 0 {
            count += 1;
        }
        if count > 38 {
            return None;
        }
        m = m * 10 + i128::from(d);
        if let Some(s) = scale.as_mut() {
            *s += 1;
            if *s > 38 {
                return None;
            }
        }
    }
    if !any {
        return None;
    }
    Some((if neg { -m } else { m }, scale.unwrap_or(0)))
}

/// Why a string is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumError {
    /// Not a number at all.
    Syntax,
    /// A number with more integer digits than 38.
    Overflow,
}

/// Parses a number as SQL Server reads a string converted to decimal: blanks around it,
/// a sign, digits with at most one point, no exponent. More than 38 significant digits
/// after the point are rounded away (half away from zero).
pub fn parse_text(s: &str) -> Result<(i128, u8), NumError> {
    let t = s.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r' || c == '\n');
    if let Some(v) = parse_plain(t.as_bytes()) {
        return Ok(v);
    }
    let b = t.as_bytes();
    let (neg, body) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let point = body.iter().position(|&c| c == b'.');
    let (int, frac) = match point {
        Some(p) => (&body[..p], &body[p + 1..]),
        None => (body, &body[..0]),
    };
    if int.is_empty() && frac.is_empty() || !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return Err(NumError::Syntax);
    }
    let int = trim_leading_zeros(int);
    if int.len() > 38 {
        return Err(NumError::Overflow);
    }
    // Keep as many fraction digits as fit in 38, rounding the rest.
    let keep = (38 - int.len()).min(frac.len());
    let mut m: i128 = 0;
    for &c in int.iter().chain(&frac[..keep]) {
        m = m * 10 + i128::from(c - b'0');
    }
    if frac.get(keep).is_some_and(|&c| c >= b'5') {
        m += 1;
    }
    Ok((if neg { -m } else { m }, keep as u8))
}

fn trim_leading_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&c| c != b'0').unwrap_or(b.len());
    &b[first..]
}

/// Changes the scale of a mantissa, rounding half away from zero when digits are dropped;
/// `None` on overflow of i128.
pub fn rescale(mantissa: i128, from: u8, to: u8) -> Option<i128> {
    if to >= from {
        mantissa.checked_mul(pow10(u32::from(to - from)))
    } else {
        let div = pow10(u32::from(from - to));
        let q = mantissa / div;
        let r = mantissa % div;
        if r.abs() * 2 >= div {
            Some(q + mantissa.signum())
        } else {
            Some(q)
        }
    }
}

/// Changes the scale dropping digits toward zero (decimal → int, ROUND(x, n, 1)).
pub fn truncate(mantissa: i128, from: u8, to: u8) -> Option<i128> {
    if to >= from {
        mantissa.checked_mul(pow10(u32::from(to - from)))
    } else {
        Some(mantissa / pow10(u32::from(from - to)))
    }
}

/// Number of significant integer + fraction digits (the precision the value needs).
pub fn digit_count(mantissa: i128) -> u32 {
    let mut n = mantissa.unsigned_abs();
    let mut c = 1;
    while n >= 10 {
        n /= 10;
        c += 1;
    }
    c
}

/// An f64 as a decimal of `scale` digits, rounded half away from zero on its exact binary
/// value (as SQL Server rounds `CAST(2.5e0 AS decimal)` to 3); `None` if it does not fit
/// 38 digits or is not finite.
pub fn from_f64(f: f64, scale: u8) -> Option<i128> {
    if !f.is_finite() || f.abs() >= 1e38 {
        return None;
    }
    // Enough extra digits that a value printed with a 5 next is at or above the half.
    let wide = format!("{:.*}", usize::from(scale) + 25, f);
    let point = wide.find('.')?;
    let keep = point + 1 + usize::from(scale);
    let head = if scale == 0 {
        &wide[..point]
    } else {
        &wide[..keep]
    };
    let (m, _) = parse_plain(head.as_bytes())?;
    let round_up = wide.as_bytes().get(keep).is_some_and(|&d| d >= b'5');
    let m = if round_up {
        m + if f < 0.0 { -1 } else { 1 }
    } else {
        m
    };
    (m.abs() < limit(38)).then_some(m)
}

/// The f64 nearest to a decimal (through its text, which Rust parses correctly rounded).
pub fn to_f64(mantissa: i128, scale: u8) -> f64 {
    format(mantissa, scale).parse().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_canonical() {
        assert_eq!(format(0, 0), "0");
        assert_eq!(format(0, 2), "0.00");
        assert_eq!(format(-5, 2), "-0.05");
        assert_eq!(format(12345, 2), "123.45");
        assert_eq!(format(-12345, 0), "-12345");
        let max = pow10(38) - 1;
        assert_eq!(format(max, 0).len(), 38);
        assert_eq!(format(-max, 38), format!("-0.{}", "9".repeat(38)));
    }

    #[test]
    fn parse_text_accepts_sql_server_forms() {
        assert_eq!(parse_text(" 12.50 "), Ok((1250, 2)));
        assert_eq!(parse_text("-.5"), Ok((-5, 1)));
        assert_eq!(parse_text("+7."), Ok((7, 0)));
        assert_eq!(parse_text("1e5"), Err(NumError::Syntax));
        assert_eq!(parse_text("."), Err(NumError::Syntax));
        assert_eq!(parse_text(""), Err(NumError::Syntax));
        assert_eq!(parse_text(&"9".repeat(39)), Err(NumError::Overflow));
        let long = format!("0.{}", "3".repeat(40));
        assert_eq!(parse_text(&long), Ok((pow10(38) / 3, 38)));
    }

    #[test]
    fn rescale_rounds_half_away_from_zero() {
        assert_eq!(rescale(125, 2, 1), Some(13));
        assert_eq!(rescale(-125, 2, 1), Some(-13));
        assert_eq!(rescale(124, 2, 1), Some(12));
        assert_eq!(rescale(12, 0, 3), Some(12000));
        assert_eq!(truncate(-129, 2, 0), Some(-1));
        assert_eq!(from_f64(0.1, 20), Some(10_000_000_000_000_000_555i128));
        assert_eq!(to_f64(1, 1), 0.1);
        assert_eq!(from_f64(2.5, 0), Some(3));
        assert_eq!(from_f64(-2.5, 0), Some(-3));
        assert_eq!(from_f64(0.5, 0), Some(1));
        assert_eq!(
            from_f64(2.675, 2),
            Some(267),
            "2.675 is 2.67499999... in binary"
        );
        assert_eq!(from_f64(-0.004, 2), Some(0));
        assert_eq!(
            from_f64(1e37, 0),
            Some(1e37 as i128),
            "the exact binary value"
        );
        assert_eq!(from_f64(1e38, 0), None);
    }
}
