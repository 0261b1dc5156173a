//! Regular expressions compiled as nginx compiles them (`ngx_regex_compile`): PCRE2, no options
//! but caseless, and nginx's message when PCRE2 refuses one.

use crate::hash::FastMap;

/// What compiling one pattern gave.
#[derive(Clone, Debug)]
pub(crate) enum Compiled {
    /// It compiles: the names of its named captures.
    Ok { names: Vec<String> },
    /// nginx's message (`pcre2_compile() failed: ... in "..." at "..."`).
    Err(String),
    /// Not checked (the pattern is not UTF-8, which the binding cannot take).
    Unchecked,
}

/// Patterns compiled in this run, by pattern (case-sensitive and caseless apart):
/// configurations repeat the same few.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    sensitive: FastMap<Vec<u8>, Compiled>,
    caseless: FastMap<Vec<u8>, Compiled>,
}

/// `NGX_MAX_CONF_ERRSTR`: nginx's buffer for the whole message.
const MAX_CONF_ERRSTR: usize = 1024;

impl Cache {
    /// Compiles `pattern` (once per run).
    pub fn compile(&mut self, pattern: &[u8], caseless: bool) -> &Compiled {
        let map = if caseless {
            &mut self.caseless
        } else {
            &mut self.sensitive
        };
        // Two lookups instead of the entry API: the key would be built for every hit.
        if !map.contains_key(pattern) {
            map.insert(pattern.to_vec(), compile(pattern, caseless));
        }
        &map[pattern]
    }
}

fn compile(pattern: &[u8], caseless: bool) -> Compiled {
    let Ok(text) = std::str::from_utf8(pattern) else {
        return Compiled::Unchecked;
    };
    // nginx passes the pattern with its length, so a NUL byte is part of it; the binding
    // takes a `&str` with its length as well.
    match pcre2::bytes::RegexBuilder::new()
        .caseless(caseless)
        .build(text)
    {
        Ok(re) => Compiled::Ok {
            names: re.capture_names().iter().flatten().cloned().collect(),
        },
        Err(e) => {
            let shown = e.to_string();
            // The binding prints "PCRE2: error compiling pattern at offset N: MESSAGE".
            let msg = shown
                .split_once(": ")
                .and_then(|(_, rest)| rest.split_once(": ").map(|(_, m)| m))
                .unwrap_or(&shown);
            // nginx's buffer for PCRE2's message is 128 bytes.
            let msg: String = truncate(msg, 127);
            let p = String::from_utf8_lossy(pattern);
            let mut out = match e.offset() {
                Some(off) if off < pattern.len() => format!(
                    "pcre2_compile() failed: {msg} in \"{p}\" at \"{}\"",
                    String::from_utf8_lossy(&pattern[off..])
                ),
                _ => format!("pcre2_compile() failed: {msg} in \"{p}\""),
            };
            if out.len() > MAX_CONF_ERRSTR {
                out = truncate(&out, MAX_CONF_ERRSTR);
            }
            Compiled::Err(out)
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_like_nginx() {
        let mut c = Cache::default();
        match c.compile(br"^/(?<slug>[a-z]+)/(\d+)$", false) {
            Compiled::Ok { names } => {
                assert_eq!(names, &["slug".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        match c.compile(br"^/(foo", false) {
            Compiled::Err(m) => assert_eq!(
                m,
                "pcre2_compile() failed: missing closing parenthesis in \"^/(foo\""
            ),
            other => panic!("{other:?}"),
        }
        match c.compile(br"a**", true) {
            Compiled::Err(m) => assert_eq!(
                m,
                "pcre2_compile() failed: quantifier does not follow a repeatable item in \"a**\" at \"*\""
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(c.compile(b"\xff(", false), Compiled::Unchecked));
    }
}
