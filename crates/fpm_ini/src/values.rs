//! php-fpm's value converters (`fpm_conf_set_*` in fpm_conf.c), with their error texts.

use crate::syntax::atoi;

/// `fpm_conf_set_integer`: digits with an optional leading `-`; empty is 0.
pub fn parse_int(s: &str) -> Result<i32, &'static str> {
    for (i, b) in s.bytes().enumerate() {
        if i == 0 && b == b'-' {
            continue;
        }
        if !b.is_ascii_digit() {
            return Err("is not a valid number (greater or equal than zero)");
        }
    }
    Ok(atoi(s.as_bytes()))
}

/// A time value as php-fpm reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time {
    /// Seconds php-fpm uses.
    pub seconds: i32,
    /// Whether the text means something else than what php-fpm reads (`100ms`, `1.5m`, `s`).
    pub misread: bool,
}

/// `fpm_conf_set_time`: the last byte is the unit (`s`, `m`, `h`, `d`, or a digit), the rest goes through `atoi`.
pub fn parse_time(s: &str) -> Result<Time, &'static str> {
    let b = s.as_bytes();
    let Some(&suffix) = b.last() else {
        return Err("invalid time value");
    };
    let body = &b[..b.len() - 1];
    let (mult, number): (i32, &[u8]) = match suffix {
        b'm' => (60, body),
        b'h' => (3600, body),
        b'd' => (86400, body),
        b's' => (1, body),
        b'0'..=b'9' => (1, b),
        _ => return Err("unknown suffix used in time value"),
    };
    let seconds = atoi(number).wrapping_mul(mult);
    Ok(Time {
        seconds,
        misread: !is_plain_integer(number),
    })
}

/// What `atoi` reads completely: blanks, an optional sign, at least one digit, blanks.
fn is_plain_integer(s: &[u8]) -> bool {
    let t = s.trim_ascii();
    let t = t
        .strip_prefix(b"-")
        .or_else(|| t.strip_prefix(b"+"))
        .unwrap_or(t);
    !t.is_empty() && t.iter().all(u8::is_ascii_digit)
}

/// `fpm_conf_set_boolean` as in 8.2.35 (after GH-13563): `"1"`, `""` and lower-case words.
pub fn parse_bool(s: &str) -> Result<bool, &'static str> {
    match s {
        "1" | "true" | "on" | "yes" => Ok(true),
        "" | "0" | "false" | "off" | "no" | "none" => Ok(false),
        _ => Err("invalid boolean value"),
    }
}

/// The process manager styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PmStyle {
    /// A fixed number of children.
    Static,
    /// Children between min and max spare servers.
    Dynamic,
    /// Children forked on demand.
    Ondemand,
}

impl PmStyle {
    /// The name as written in the config.
    pub fn as_str(self) -> &'static str {
        match self {
            PmStyle::Static => "static",
            PmStyle::Dynamic => "dynamic",
            PmStyle::Ondemand => "ondemand",
        }
    }
}

/// `fpm_conf_set_pm`.
pub fn parse_pm(s: &str) -> Result<PmStyle, &'static str> {
    if s.eq_ignore_ascii_case("static") {
        Ok(PmStyle::Static)
    } else if s.eq_ignore_ascii_case("dynamic") {
        Ok(PmStyle::Dynamic)
    } else if s.eq_ignore_ascii_case("ondemand") {
        Ok(PmStyle::Ondemand)
    } else {
        Err("invalid process manager (static, dynamic or ondemand)")
    }
}

/// `fpm_conf_set_log_level`; returns the canonical name.
pub fn parse_log_level(s: &str) -> Result<&'static str, &'static str> {
    for (word, canon) in [
        ("debug", "debug"),
        ("notice", "notice"),
        ("warning", "warning"),
        ("warn", "warning"),
        ("error", "error"),
        ("alert", "alert"),
    ] {
        if s.eq_ignore_ascii_case(word) {
            return Ok(canon);
        }
    }
    Err("invalid value for 'log_level'")
}

/// `fpm_conf_set_rlimit_core`: `unlimited` is -1.
pub fn parse_rlimit_core(s: &str) -> Result<i32, &'static str> {
    if s.eq_ignore_ascii_case("unlimited") {
        return Ok(-1);
    }
    let v = parse_int(s)?;
    if v < 0 {
        return Err("must be greater than zero or 'unlimited'");
    }
    Ok(v)
}

/// `fpm_conf_set_syslog_facility` (Linux facilities).
pub fn parse_syslog_facility(s: &str) -> Result<(), &'static str> {
    const NAMES: &[&str] = &[
        "AUTH", "AUTHPRIV", "CRON", "DAEMON", "FTP", "KERN", "LPR", "MAIL", "NEWS", "SYSLOG",
        "USER", "UUCP", "LOCAL0", "LOCAL1", "LOCAL2", "LOCAL3", "LOCAL4", "LOCAL5", "LOCAL6",
        "LOCAL7",
    ];
    if NAMES.iter().any(|n| n.eq_ignore_ascii_case(s)) {
        Ok(())
    } else {
        Err("invalid value")
    }
}

/// `strtoul(s, NULL, 8)`: octal digits after optional blanks, stopping at the first other byte.
pub fn parse_octal_prefix(s: &str) -> (u32, bool) {
    let t = s.trim_start();
    let t = t.strip_prefix('+').unwrap_or(t);
    let digits: String = t.chars().take_while(|c| ('0'..='7').contains(c)).collect();
    let complete = !digits.is_empty() && digits.len() == t.len();
    let v = digits.bytes().fold(0u32, |acc, d| {
        acc.wrapping_mul(8).wrapping_add(u32::from(d - b'0'))
    });
    (v, complete)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_int("12"), Ok(12));
        assert_eq!(parse_int("-5"), Ok(-5));
        assert_eq!(parse_int(""), Ok(0));
        assert_eq!(parse_int("-"), Ok(0));
        assert_eq!(
            parse_int("5k"),
            Err("is not a valid number (greater or equal than zero)")
        );
        assert!(parse_int(" 5").is_err());
        assert!(parse_int("1-").is_err());
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("10s").map(|t| t.seconds), Ok(10));
        assert_eq!(parse_time("10").map(|t| t.seconds), Ok(10));
        assert_eq!(parse_time("2m").map(|t| t.seconds), Ok(120));
        assert_eq!(parse_time("1h").map(|t| t.seconds), Ok(3600));
        assert_eq!(parse_time("1d").map(|t| t.seconds), Ok(86400));
        assert_eq!(
            parse_time("10 s"),
            Ok(Time {
                seconds: 10,
                misread: false
            })
        );
        assert_eq!(
            parse_time("100ms"),
            Ok(Time {
                seconds: 100,
                misread: true
            })
        );
        assert_eq!(
            parse_time("1.5m"),
            Ok(Time {
                seconds: 60,
                misread: true
            })
        );
        assert_eq!(
            parse_time("s"),
            Ok(Time {
                seconds: 0,
                misread: true
            })
        );
        assert_eq!(
            parse_time("-5"),
            Ok(Time {
                seconds: -5,
                misread: false
            })
        );
        assert_eq!(parse_time("5M"), Err("unknown suffix used in time value"));
        assert_eq!(parse_time(""), Err("invalid time value"));
    }

    #[test]
    fn booleans() {
        for t in ["1", "true", "on", "yes"] {
            assert_eq!(parse_bool(t), Ok(true), "{t}");
        }
        for f in ["", "0", "false", "off", "no", "none"] {
            assert_eq!(parse_bool(f), Ok(false), "{f}");
        }
        for bad in ["TRUE", "Off", "2", "maybe", "null"] {
            assert_eq!(parse_bool(bad), Err("invalid boolean value"), "{bad}");
        }
    }

    #[test]
    fn others() {
        assert_eq!(parse_pm("Static"), Ok(PmStyle::Static));
        assert!(parse_pm("apache-like").is_err());
        assert_eq!(parse_log_level("WARN"), Ok("warning"));
        assert_eq!(parse_rlimit_core("unlimited"), Ok(-1));
        assert_eq!(
            parse_rlimit_core("-1"),
            Err("must be greater than zero or 'unlimited'")
        );
        assert!(parse_syslog_facility("local3").is_ok());
        assert!(parse_syslog_facility("foo").is_err());
        assert_eq!(parse_octal_prefix("0660"), (0o660, true));
        assert_eq!(parse_octal_prefix("666"), (0o666, true));
        assert_eq!(parse_octal_prefix("0689"), (0o6, false));
        assert_eq!(parse_octal_prefix("rw"), (0, false));
    }
}
