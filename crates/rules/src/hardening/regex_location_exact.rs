//! NGX213 `regex-location-exact` (opt-in): `location ~ ^/health$` matches one URI only, which
//! `location = /health` answers without running a regex and before any regex location. Reported
//! only where writing `=` changes nothing: no earlier regex location of the server matches the URI
//! (it wins today), no `^~` location covers it (regexes are skipped for it today), no regex nested
//! in the prefix location it falls under matches it, and no `= ` location has it already.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::matching::{loc_kind_and_name, LocKind};
use ngxlint_engine::model::{At, Model, ScopeId};
use ngxlint_engine::regex::Regex;
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX213",
    name: "regex-location-exact",
    severity: Severity::Info,
    summary:
        "a regex location that matches one URI only, which `location =` answers without a regex",
    doc: include_str!("../../../../rules/NGX213.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &["gixy:regex_exact_match"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct RegexLocationExact;

impl Rule for RegexLocationExact {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn wants_scopes(&self) -> bool {
        true
    }

    fn on_scope(&self, cx: &Cx<'_>, scope: ScopeId, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let s = model.scope(scope);
        if s.kind != Context::HttpLocation {
            return;
        }
        let (Some(at), Some(parent)) = (s.block, s.parent) else {
            return;
        };
        // Only a server's own locations: nested ones are matched inside their parent's.
        if model.scope(parent).kind != Context::HttpServer {
            return;
        }
        // A case-sensitive regex location whose pattern starts with `^` (`~ ^/x$`, `~^/x$`),
        // told from the bytes before anything is decoded.
        let raw = |i: usize| at.dir.args.get(i).map(|w| w.raw(at.src));
        let candidate = match raw(0) {
            Some(b"~") => raw(1).is_some_and(|p| p.starts_with(b"^") && p.ends_with(b"$")),
            Some(a) => a.starts_with(b"~^") && a.ends_with(b"$"),
            None => false,
        };
        if !candidate {
            return;
        }
        let Some((LocKind::Regex, pattern)) = loc_kind_and_name(&at) else {
            return;
        };
        let Some(uri) = exact_literal(&pattern) else {
            return;
        };
        if !same_answer(model, parent, scope, &uri) {
            return;
        }
        let first = at.arg_span(0);
        let last = at.arg_span(at.nargs() - 1);
        let span = nginx_syntax::Span::new(first.start as usize, last.end as usize);
        out.push(
            META.diag(
                at.file,
                span,
                format!("`location ~ {pattern}` matches `{uri}` only: `location = {uri}` answers it without running a regex, before any regex location is tried"),
            )
            .with_help(format!("write `location = {uri}`"))
            .with_edits(Fix::unsafe_edits(
                format!("Replace with `= {uri}`"),
                vec![Edit::replace(at.file, span, format!("= {uri}"))],
            )),
        );
    }
}

/// The URI `^literal$` matches, when the pattern is only that: an anchored run of plain bytes
/// (or escaped punctuation). Bytes a bare word of nginx's would need quoted are left alone.
fn exact_literal(pattern: &str) -> Option<String> {
    let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
    if body.ends_with('\\') || !body.starts_with('/') {
        return None;
    }
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        let (c, escaped) = if c == '\\' {
            (chars.next()?, true)
        } else {
            (c, false)
        };
        // `\d`, `\w`, ... are classes; an unescaped `.` is any byte and `+` a repetition.
        let plain = c.is_ascii_alphanumeric() || "/._-~!@%&=+,:".contains(c);
        if !plain || (escaped && c.is_ascii_alphanumeric()) || (matches!(c, '.' | '+') && !escaped)
        {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

/// Whether `location = uri` in `server` would answer every request `location ~ ^uri$` (`this`)
/// answers today, and no other.
fn same_answer(model: &Model<'_>, server: ScopeId, this: ScopeId, uri: &str) -> bool {
    let locations: Vec<(ScopeId, At<'_>, LocKind, String)> = model
        .scope(server)
        .children
        .iter()
        .filter(|&&c| model.scope(c).kind == Context::HttpLocation)
        .filter_map(|&c| {
            let at = model.scope(c).block?;
            let (kind, name) = loc_kind_and_name(&at)?;
            Some((c, at, kind, name))
        })
        .collect();
    let matches = |kind: LocKind, pattern: &str| -> bool {
        // An unknown answer (a pattern PCRE2 refuses) counts as a match: nothing is claimed.
        Regex::new(pattern, kind == LocKind::RegexCaseless)
            .is_match(uri.as_bytes())
            .unwrap_or(true)
    };
    let mut before = true;
    for (id, _, kind, name) in &locations {
        if *id == this {
            before = false;
            continue;
        }
        match kind {
            LocKind::Exact if name == uri => return false,
            LocKind::NoRegex if uri.starts_with(name.as_str()) => return false,
            LocKind::Regex | LocKind::RegexCaseless if before && matches(*kind, name) => {
                return false
            }
            LocKind::Prefix if uri.starts_with(name.as_str()) => {
                // The regexes nested in the prefix location the URI falls under are tried first.
                let nested = model.scope(*id).children.iter().any(|&n| {
                    model
                        .scope(n)
                        .block
                        .and_then(|a| loc_kind_and_name(&a))
                        .is_some_and(|(k, p)| {
                            matches!(k, LocKind::Regex | LocKind::RegexCaseless) && matches(k, &p)
                        })
                });
                if nested {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::exact_literal;

    #[test]
    fn only_an_anchored_plain_uri_is_exact() {
        assert_eq!(exact_literal("^/health$").as_deref(), Some("/health"));
        assert_eq!(
            exact_literal("^/robots\\.txt$").as_deref(),
            Some("/robots.txt")
        );
        assert_eq!(exact_literal("^/a\\-b/c$").as_deref(), Some("/a-b/c"));
        assert_eq!(exact_literal("^/c\\+\\+$").as_deref(), Some("/c++"));
        for p in [
            "^/robots.txt$",
            "/health$",
            "^/health",
            "^/health/?$",
            "^/(a|b)$",
            "^/\\d+$",
            "^/a b$",
            "^/api\\$",
            "^health$",
            "^/x[0-9]$",
            "^/a;b$",
            "^/a+$",
        ] {
            assert_eq!(exact_literal(p), None, "{p}");
        }
    }
}
