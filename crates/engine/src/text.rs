//! Small text helpers shared by the rules and the command line.

/// Levenshtein distance over bytes (names, keys and paths here are ASCII).
pub fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &x) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &y) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(x != y);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// `s` without a leading `prefix` compared ASCII case-insensitively (URL schemes, code prefixes),
/// or `None`. On bytes: `s[..prefix.len()]` would panic when that length falls inside a
/// multi-byte character of `s` (`proxy_pass abcdefé;` against `http://`).
pub fn strip_prefix_ignore_ascii_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.as_bytes().get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix.as_bytes()) {
        // The bytes matched a whole `str`, so the cut is on a character boundary.
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// The spans of the environment placeholders in a template's argument: `${NAME}` or `$NAME`
/// with an upper-case NAME (`${NGINX_PORT}`), which envsubst fills in when the container starts.
/// nginx's own variables are lower case (`${host}`, `$uri`) and stay.
pub fn placeholders(raw: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'$' {
            i += 1;
            continue;
        }
        let braced = raw.get(i + 1) == Some(&b'{');
        let start = i + 1 + usize::from(braced);
        let mut end = start;
        while end < raw.len() && (raw[end].is_ascii_alphanumeric() || raw[end] == b'_') {
            end += 1;
        }
        let name = &raw[start..end];
        let upper = name
            .first()
            .is_some_and(|b| b.is_ascii_uppercase() || *b == b'_')
            && name.iter().any(u8::is_ascii_uppercase)
            && !name.iter().any(u8::is_ascii_lowercase);
        let closed = !braced || raw.get(end) == Some(&b'}');
        if upper && closed {
            let stop = end + usize::from(braced);
            out.push(i..stop);
            i = stop;
        } else {
            i = end.max(i + 1);
        }
    }
    out
}

/// Whether an argument of a template holds an environment placeholder.
pub fn has_placeholder(raw: &[u8]) -> bool {
    !placeholders(raw).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // A list of one span, not a range meant as its numbers.
    #[allow(clippy::single_range_in_vec_init)]
    fn template_placeholders() {
        assert_eq!(placeholders(b"${NGINX_PORT}"), vec![0..13_usize]);
        assert_eq!(placeholders(b"http://$BACKEND:${PORT}/x"), [7..15, 16..23]);
        assert!(!has_placeholder(b"${host}$uri"));
        assert!(!has_placeholder(b"$http_X_Forwarded"));
        assert!(!has_placeholder(b"${NOT_CLOSED"));
        assert!(!has_placeholder(b"$1"));
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance(b"backend", b"backnd"), 1);
        assert_eq!(edit_distance(b"", b"abc"), 3);
        assert_eq!(edit_distance(b"php7.4-fpm.sock", b"php8.2-fpm.sock"), 2);
        assert_eq!(edit_distance(b"same", b"same"), 0);
    }

    #[test]
    fn prefixes_compare_bytes_not_characters() {
        assert_eq!(
            strip_prefix_ignore_ascii_case("HTTP://a", "http://"),
            Some("a")
        );
        assert_eq!(strip_prefix_ignore_ascii_case("http:/", "http://"), None);
        // The prefix's length ends inside `é`: no match, no panic.
        assert_eq!(strip_prefix_ignore_ascii_case("abcdefé", "http://"), None);
        assert_eq!(strip_prefix_ignore_ascii_case("ngx3é", "NGX3"), Some("é"));
        assert_eq!(strip_prefix_ignore_ascii_case("é", "é"), Some(""));
    }
}
