//! Fixed-width digits and exact decimals, written straight into the buffer.

use tiberius::numeric::Numeric;

/// Two digits, zero-padded (`n` < 100).
pub fn push_2(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&[b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8]);
}

/// Four digits, zero-padded (`n` < 10000).
pub fn push_4(out: &mut Vec<u8>, n: u32) {
    push_2(out, n / 100);
    push_2(out, n % 100);
}

/// `value` as exactly `width` digits, zero-padded on the left.
pub fn push_fraction(out: &mut Vec<u8>, value: u64, width: u8) {
    let mut digits = itoa::Buffer::new();
    let text = digits.format(value).as_bytes();
    let width = usize::from(width);
    out.extend(std::iter::repeat_n(b'0', width.saturating_sub(text.len())));
    out.extend_from_slice(text);
}

/// A decimal exactly as stored: every digit, the scale's trailing zeros
/// included, and never through a float.
pub fn push_numeric(out: &mut Vec<u8>, value: Numeric) {
    let scale = usize::from(value.scale());
    if value.value() < 0 {
        out.push(b'-');
    }
    let mut digits = itoa::Buffer::new();
    let text = digits.format(value.value().unsigned_abs()).as_bytes();
    if scale == 0 {
        out.extend_from_slice(text);
    } else if text.len() > scale {
        let (whole, fraction) = text.split_at(text.len() - scale);
        out.extend_from_slice(whole);
        out.push(b'.');
        out.extend_from_slice(fraction);
    } else {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', scale - text.len()));
        out.extend_from_slice(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(value: i128, scale: u8) -> String {
        let mut out = Vec::new();
        push_numeric(&mut out, Numeric::new_with_scale(value, scale));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numerics_are_exact() {
        assert_eq!(numeric(12345, 2), "123.45");
        assert_eq!(numeric(-12345, 2), "-123.45");
        assert_eq!(numeric(5, 3), "0.005");
        assert_eq!(numeric(-5, 3), "-0.005");
        assert_eq!(numeric(150, 2), "1.50");
        assert_eq!(numeric(0, 2), "0.00");
        assert_eq!(numeric(42, 0), "42");
        assert_eq!(numeric(100, 2), "1.00");
        let max = 10i128.pow(38) - 1;
        assert_eq!(numeric(max, 0), "9".repeat(38));
        assert_eq!(numeric(-max, 38), format!("-0.{}", "9".repeat(38)));
        assert_eq!(
            numeric(max, 10),
            format!("{}.{}", "9".repeat(28), "9".repeat(10))
        );
    }

    #[test]
    fn padded_digits() {
        let mut out = Vec::new();
        push_2(&mut out, 7);
        push_4(&mut out, 42);
        push_fraction(&mut out, 1234, 7);
        push_fraction(&mut out, 0, 3);
        assert_eq!(String::from_utf8(out).unwrap(), "0700420001234000");
    }
}
