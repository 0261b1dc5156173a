//! Caret annotations (STYLE.md, *Fixtures annotate themselves*): a comment line of carets marks
//! the columns of a finding's span on the code line above it, then the code and an optional
//! quoted part of the message. Shared by the rule documents and the rule fixtures.

/// `(line, column, length, code, message part)` of each annotation of `body`, 1-based, where
/// `comment` starts a comment line (`#` in nginx files, `;` in PHP-FPM files).
pub fn annotations(body: &str, comment: char) -> Vec<(usize, usize, usize, String, String)> {
    let mut out = Vec::new();
    let mut last_code_line = 0;
    for (i, line) in body.lines().enumerate() {
        let t = line.trim_start();
        let is_annotation = t.starts_with(comment) && t[1..].trim_start().starts_with('^');
        if !is_annotation {
            last_code_line = i + 1;
            continue;
        }
        let col = line.find('^').unwrap();
        let len = line[col..].chars().take_while(|&c| c == '^').count();
        let rest = line[col + len..].trim();
        let (code, msg) = match rest.split_once(' ') {
            Some((c, m)) => {
                let m = m.trim();
                let inner = m
                    .strip_prefix('"')
                    .and_then(|m| m.strip_suffix('"'))
                    .unwrap_or(m);
                (c.to_string(), inner.replace("\\\"", "\""))
            }
            None => (rest.to_string(), String::new()),
        };
        out.push((last_code_line, col + 1, len, code, msg));
    }
    out
}
