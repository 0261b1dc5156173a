//! nginx's size and time syntax (`ngx_parse_size`, `ngx_parse_offset`, `ngx_parse_time`).

/// `ngx_parse_size`: bytes with an optional `k`/`K` or `m`/`M` suffix (no `g`: that is
/// `ngx_parse_offset`, see [`parse_offset`]).
pub fn parse_size(s: &str) -> Option<u64> {
    parse_size_bytes(s.as_bytes())
}

/// [`parse_size`] of an argument's bytes, without making it a `str` first (rules read the sizes
/// of every location).
pub fn parse_size_bytes(b: &[u8]) -> Option<u64> {
    let (num, mult) = match b.last()? {
        b'k' | b'K' => (&b[..b.len() - 1], 1024),
        b'm' | b'M' => (&b[..b.len() - 1], 1024 * 1024),
        _ => (b, 1),
    };
    parse_digits(num)?.checked_mul(mult)
}

/// A non-empty run of ASCII digits as a number; `None` for anything else or an overflow.
pub fn parse_digits(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    b.iter().try_fold(0u64, |n, &d| {
        if !d.is_ascii_digit() {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// `ngx_parse_offset`: like [`parse_size`], plus `g`/`G`.
pub fn parse_offset(s: &str) -> Option<u64> {
    match s.as_bytes().last()? {
        b'g' | b'G' => {
            parse_size_bytes(&s.as_bytes()[..s.len() - 1])?.checked_mul(1024 * 1024 * 1024)
        }
        _ => parse_size(s),
    }
}

/// `ngx_parse_time` in milliseconds: `ms`, `s`, `m`, `h`, `d`, `w`, `M` (30 days), `y` (365 days),
/// combinable (`1m30s`); a bare number is seconds.
pub fn parse_time_ms(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut i = 0;
    let mut any = false;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return None;
        }
        let n = parse_digits(&b[start..i])?;
        let unit_ms: u64 = if i == b.len() {
            1000
        } else {
            let u = b[i];
            i += 1;
            match u {
                b'm' if b.get(i) == Some(&b's') => {
                    i += 1;
                    1
                }
                b's' => 1000,
                b'm' => 60_000,
                b'h' => 3_600_000,
                b'd' => 86_400_000,
                b'w' => 7 * 86_400_000,
                b'M' => 30 * 86_400_000,
                b'y' => 365 * 86_400_000,
                _ => return None,
            }
        };
        total = total.checked_add(n.checked_mul(unit_ms)?)?;
        any = true;
    }
    any.then_some(total)
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
        assert_eq!(parse_size("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_size("18446744073709551616"), None);
        assert_eq!(parse_size("18014398509481984k"), None);
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
        assert_eq!(parse_time_ms("1y"), Some(365 * 86_400_000));
        assert_eq!(parse_time_ms("5x"), None);
        assert_eq!(parse_time_ms("s"), None);
        assert_eq!(format_time_ms(300_000), "5m");
        assert_eq!(format_time_ms(90_000), "90s");
    }
}
