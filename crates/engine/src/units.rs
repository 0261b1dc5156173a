//! nginx's size and time syntax (`ngx_parse_size`, `ngx_parse_offset`, `ngx_parse_time`).

/// The largest value nginx's number parsers accept (`NGX_MAX_INT_T_VALUE`, `NGX_MAX_SIZE_T_VALUE`
/// and `NGX_MAX_OFF_T_VALUE` on 64-bit Linux).
const MAX: u64 = i64::MAX as u64;

/// `ngx_parse_size`: bytes with an optional `k`/`K` or `m`/`M` suffix (no `g`: that is
/// `ngx_parse_offset`, see [`parse_offset`]).
pub fn parse_size(s: &str) -> Option<u64> {
    parse_size_bytes(s.as_bytes())
}

/// [`parse_size`] of an argument's bytes, without making it a `str` first (rules read the sizes
/// of every location).
pub fn parse_size_bytes(b: &[u8]) -> Option<u64> {
    let (num, scale) = match b.last()? {
        b'k' | b'K' => (&b[..b.len() - 1], 1024),
        b'm' | b'M' => (&b[..b.len() - 1], 1024 * 1024),
        _ => (b, 1),
    };
    let n = parse_digits(num)?;
    (n <= MAX / scale).then(|| n * scale)
}

/// `ngx_atoi` (also `ngx_atosz`, `ngx_atoof`): a non-empty run of ASCII digits, at most
/// `i64::MAX`; `None` for anything else.
pub fn parse_digits(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    b.iter().try_fold(0u64, |n, &d| {
        if !d.is_ascii_digit() {
            return None;
        }
        let n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        (n <= MAX).then_some(n)
    })
}

/// `ngx_parse_offset`: like [`parse_size`], plus `g`/`G`.
pub fn parse_offset(s: &str) -> Option<u64> {
    parse_offset_bytes(s.as_bytes())
}

/// [`parse_offset`] of an argument's bytes.
pub fn parse_offset_bytes(b: &[u8]) -> Option<u64> {
    match b.last()? {
        b'g' | b'G' => {
            let n = parse_digits(&b[..b.len() - 1])?;
            let scale = 1024 * 1024 * 1024;
            (n <= MAX / scale).then(|| n * scale)
        }
        _ => parse_size_bytes(b),
    }
}

/// `ngx_parse_time` in milliseconds, as `ngx_conf_set_msec_slot` reads it: `ms`, `s`, `m`, `h`,
/// `d`, `w` in that order, combinable (`1m30s`, `1m 30s`); a bare number is seconds; `M` and `y`
/// are refused.
pub fn parse_time_ms(s: &str) -> Option<u64> {
    parse_time(s.as_bytes(), false)
}

/// `ngx_parse_time` of an argument's bytes: milliseconds, or seconds when `is_sec` (then `y` and
/// `M` are accepted and `ms` is not), with nginx's ordering rules (each unit smaller than the one
/// before) and overflow checks.
pub fn parse_time(b: &[u8], is_sec: bool) -> Option<u64> {
    // nginx's steps, largest unit first.
    const START: u8 = 0;
    const YEAR: u8 = 1;
    const MONTH: u8 = 2;
    const WEEK: u8 = 3;
    const DAY: u8 = 4;
    const HOUR: u8 = 5;
    const MIN: u8 = 6;
    const SEC: u8 = 7;
    const MSEC: u8 = 8;
    const LAST: u8 = 9;
    let (cutoff, cutlim) = (MAX / 10, MAX % 10);
    let mut step = if is_sec { START } else { MONTH };
    let (mut value, mut total, mut valid) = (0u64, 0u64, false);
    let mut p = 0;
    while p < b.len() {
        let c = b[p];
        p += 1;
        if c.is_ascii_digit() {
            let d = u64::from(c - b'0');
            if value >= cutoff && (value > cutoff || d > cutlim) {
                return None;
            }
            value = value * 10 + d;
            valid = true;
            continue;
        }
        let (next, mut max, mut scale): (u8, u64, u64) = match c {
            b'y' if step == START => (YEAR, MAX / (60 * 60 * 24 * 365), 60 * 60 * 24 * 365),
            b'M' if step < MONTH => (MONTH, MAX / (60 * 60 * 24 * 30), 60 * 60 * 24 * 30),
            b'w' if step < WEEK => (WEEK, MAX / (60 * 60 * 24 * 7), 60 * 60 * 24 * 7),
            b'd' if step < DAY => (DAY, MAX / (60 * 60 * 24), 60 * 60 * 24),
            b'h' if step < HOUR => (HOUR, MAX / (60 * 60), 60 * 60),
            b'm' if b.get(p) == Some(&b's') => {
                if is_sec || step >= MSEC {
                    return None;
                }
                p += 1;
                (MSEC, MAX, 1)
            }
            b'm' if step < MIN => (MIN, MAX / 60, 60),
            b's' if step < SEC => (SEC, MAX, 1),
            b' ' if step < SEC => (LAST, MAX, 1),
            _ => return None,
        };
        step = next;
        if step != MSEC && !is_sec {
            scale *= 1000;
            max /= 1000;
        }
        if value > max {
            return None;
        }
        value *= scale;
        if total > MAX - value {
            return None;
        }
        total += value;
        value = 0;
        while b.get(p) == Some(&b' ') {
            p += 1;
        }
    }
    if !valid {
        return None;
    }
    if !is_sec {
        if value > MAX / 1000 {
            return None;
        }
        value *= 1000;
    }
    if total > MAX - value {
        return None;
    }
    Some(total + value)
}

/// A size as people write it in nginx configs: `4k`, `16k`, `1m`, else bytes.
pub fn format_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 {
        format!("{}m", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes % 1024 == 0 {
        format!("{}k", bytes / 1024)
    } else {
        bytes.to_string()
    }
}

/// A duration as nginx accepts it: `300s`, `2m`, `1500ms`.
pub fn format_time_ms(ms: u64) -> String {
    if ms % 60_000 == 0 && ms >= 60_000 {
        format!("{}m", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_past_the_largest_value_are_refused_not_wrapped() {
        assert_eq!(parse_digits(b"9223372036854775807"), Some(MAX));
        assert_eq!(parse_digits(b"9223372036854775808"), None);
        assert_eq!(parse_digits(b"99999999999999999999999"), None);
    }

    #[test]
    fn sizes_as_nginx_reads_them() {
        assert_eq!(parse_size("4k"), Some(4096));
        assert_eq!(parse_size("16K"), Some(16384));
        assert_eq!(parse_size("1m"), Some(1 << 20));
        assert_eq!(parse_size("8192"), Some(8192));
        assert_eq!(parse_size("2g"), None);
        assert_eq!(parse_offset("2g"), Some(2 << 30));
        assert_eq!(parse_size("1.5k"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("k"), None);
        assert_eq!(parse_size("+4k"), None);
        assert_eq!(parse_size("9223372036854775807"), Some(i64::MAX as u64));
        assert_eq!(parse_size("9223372036854775808"), None);
        assert_eq!(
            parse_size("9007199254740991k"),
            Some(9007199254740991 * 1024)
        );
        assert_eq!(parse_size("9007199254740992k"), None);
        assert_eq!(parse_offset("8589934591g"), Some(8589934591 << 30));
        assert_eq!(parse_offset("8589934592g"), None);
        assert_eq!(parse_offset("10G"), Some(10 << 30));
        assert_eq!(parse_offset("10X"), None);
        assert_eq!(parse_digits(b"007"), Some(7));
        assert_eq!(parse_digits(b"7 "), None);
        assert_eq!(format_size(16384), "16k");
        assert_eq!(format_size(1 << 20), "1m");
    }

    #[test]
    fn times_as_nginx_reads_them() {
        assert_eq!(parse_time_ms("60"), Some(60_000));
        assert_eq!(parse_time_ms("60s"), Some(60_000));
        assert_eq!(parse_time_ms("500ms"), Some(500));
        assert_eq!(parse_time_ms("1m30s"), Some(90_000));
        assert_eq!(parse_time_ms("2h"), Some(7_200_000));
        assert_eq!(parse_time_ms("1m 30s"), Some(90_000));
        assert_eq!(parse_time_ms("1d2h3m4s5ms"), Some(93_784_005));
        assert_eq!(parse_time_ms("1w"), Some(7 * 86_400_000));
        // msec values cannot use years or months; seconds values cannot use ms.
        assert_eq!(parse_time_ms("1y"), None);
        assert_eq!(parse_time_ms("1M"), None);
        assert_eq!(parse_time(b"1y", true), Some(365 * 86_400));
        assert_eq!(parse_time(b"1M", true), Some(30 * 86_400));
        assert_eq!(parse_time(b"500ms", true), None);
        assert_eq!(parse_time(b"90", true), Some(90));
        // Units in decreasing order only, each once.
        assert_eq!(parse_time_ms("30s1m"), None);
        assert_eq!(parse_time_ms("1s1s"), None);
        assert_eq!(parse_time_ms("1h1h"), None);
        assert_eq!(parse_time_ms("5ms1s"), None);
        assert_eq!(parse_time_ms("1s5ms"), Some(1005));
        // A space ends the seconds part; a trailing unit-less number is seconds.
        assert_eq!(parse_time_ms("1m 30"), Some(90_000));
        assert_eq!(parse_time_ms("1 2"), Some(3000));
        assert_eq!(parse_time_ms("5x"), None);
        assert_eq!(parse_time_ms("s"), None);
        assert_eq!(parse_time_ms(""), None);
        assert_eq!(parse_time_ms("-1"), None);
        assert_eq!(parse_time_ms("1.5s"), None);
        assert_eq!(
            parse_time(b"9223372036854775807", true),
            Some(i64::MAX as u64)
        );
        assert_eq!(parse_time(b"9223372036854775808", true), None);
        assert_eq!(parse_time_ms("9223372036854775"), Some(9223372036854775000));
        assert_eq!(parse_time_ms("9223372036854776"), None);
        assert_eq!(format_time_ms(300_000), "5m");
        assert_eq!(format_time_ms(90_000), "90s");
    }
}
