//! How nginx reads the variables of a value it compiles (`ngx_http_script_compile`,
//! `ngx_http_log_compile_format`): `$name`, `${name}`, and `$1`–`$9` for regex captures.

/// A variable a value refers to: its name's byte range in the value, and the range of the
/// whole reference (`$name`, `${name}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VarRef {
    pub start: usize,
    pub end: usize,
    pub whole: (usize, usize),
}

/// Why nginx refuses a value's variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ScriptError {
    /// `invalid variable name` (a lone `$`, `${`, `${}`).
    Invalid,
    /// `the closing bracket in "x" variable is missing`.
    Bracket(Vec<u8>),
}

impl ScriptError {
    /// nginx's words.
    pub fn message(&self) -> String {
        match self {
            ScriptError::Invalid => "invalid variable name".to_string(),
            ScriptError::Bracket(n) => format!(
                "the closing bracket in \"{}\" variable is missing",
                String::from_utf8_lossy(n)
            ),
        }
    }
}

/// The variables of `v` as `ngx_http_script_compile` reads them; captures (`$1`–`$9`) are not
/// variables. `digits_are_captures` is false for `log_format`, which reads `$1` as a variable
/// named `1`.
pub(crate) fn variables(
    v: &[u8],
    digits_are_captures: bool,
    out: &mut Vec<VarRef>,
) -> Result<(), ScriptError> {
    let mut i = 0;
    while i < v.len() {
        if v[i] != b'$' {
            i += 1;
            continue;
        }
        let dollar = i;
        i += 1;
        if i == v.len() {
            return Err(ScriptError::Invalid);
        }
        if digits_are_captures && (b'1'..=b'9').contains(&v[i]) {
            i += 1;
            continue;
        }
        let mut bracket = false;
        if v[i] == b'{' {
            bracket = true;
            i += 1;
            if i == v.len() {
                return Err(ScriptError::Invalid);
            }
        }
        let start = i;
        let mut end = i;
        while i < v.len() {
            let ch = v[i];
            if ch == b'}' && bracket {
                end = i;
                i += 1;
                bracket = false;
                break;
            }
            if ch.is_ascii_alphanumeric() || ch == b'_' {
                i += 1;
                end = i;
                continue;
            }
            break;
        }
        if bracket {
            return Err(ScriptError::Bracket(v[start..i].to_vec()));
        }
        if end == start {
            return Err(ScriptError::Invalid);
        }
        out.push(VarRef {
            start,
            end,
            whole: (dollar, i),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &str, captures: bool) -> Result<Vec<String>, ScriptError> {
        let mut out = Vec::new();
        variables(v.as_bytes(), captures, &mut out)?;
        Ok(out.iter().map(|r| v[r.start..r.end].to_string()).collect())
    }

    #[test]
    fn reads_variables_as_nginx() {
        assert_eq!(names("$uri", true).unwrap(), ["uri"]);
        assert_eq!(names("a$uri-b${host}c", true).unwrap(), ["uri", "host"]);
        assert_eq!(names("/x/$1/$2$args", true).unwrap(), ["args"]);
        assert_eq!(names("$1", false).unwrap(), ["1"]);
        assert_eq!(names("$0", true).unwrap(), ["0"]);
        assert_eq!(names("no vars", true).unwrap(), Vec::<String>::new());
        assert_eq!(names("$", true), Err(ScriptError::Invalid));
        assert_eq!(names("a $ b", true), Err(ScriptError::Invalid));
        assert_eq!(names("${", true), Err(ScriptError::Invalid));
        assert_eq!(names("${}", true), Err(ScriptError::Invalid));
        assert_eq!(
            names("${host", true),
            Err(ScriptError::Bracket(b"host".to_vec()))
        );
        assert_eq!(
            names("${ho-st}", true),
            Err(ScriptError::Bracket(b"ho".to_vec()))
        );
        assert_eq!(names("$http_x-y", true).unwrap(), ["http_x"]);
    }
}
