//! NGX213 `regex-location-exact` (opt-in): `location ~ ^/health$` matches one URI only, which
//! `location = /health` answers without running a regex and before any regex location. Reported
//! only where writing `=` changes nothing: nginx's location search (the engine's `Matcher`) picks
//! this location for that URI today — no earlier regex, `^~` location, nested regex, redirecting
//! pass location or `=` location answers it first — and none is nested in it (nginx refuses a
//! location inside an exact one).

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::matching::{loc_kind_and_name, LocKind, Matcher};
use ngxlint_engine::model::{At, ScopeId};
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

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let candidates: Vec<(ScopeId, ScopeId, At<'_>, String, String)> = model
            .ids()
            .filter_map(|scope| {
                let (parent, at, pattern, uri) = candidate(cx, scope)?;
                Some((scope, parent, at, pattern, uri))
            })
            .collect();
        if candidates.is_empty() {
            return;
        }
        // nginx's own search decides whether this location answers the URI today.
        let matcher = Matcher::new(model);
        for (scope, server, at, pattern, uri) in candidates {
            let found = matcher.find_location(server, &uri);
            if found.location() != Some(scope) || !found.unknown.is_empty() {
                continue;
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
}

/// A server's own `location ~ ^URI$` (nested ones are matched inside their parent's): its
/// server, its directive, its pattern and the URI.
fn candidate<'p>(cx: &Cx<'p>, scope: ScopeId) -> Option<(ScopeId, At<'p>, String, String)> {
    let model = cx.model;
    let s = model.scope(scope);
    if s.kind != Context::HttpLocation {
        return None;
    }
    let (at, parent) = (s.block?, s.parent?);
    if model.scope(parent).kind != Context::HttpServer {
        return None;
    }
    // nginx refuses any location inside an exact one ("cannot be inside the exact location").
    if s.children
        .iter()
        .any(|&c| model.scope(c).kind == Context::HttpLocation)
    {
        return None;
    }
    // A case-sensitive regex location whose pattern starts with `^` (`~ ^/x$`, `~^/x$`), told
    // from the bytes before anything is decoded.
    let raw = |i: usize| at.dir.args.get(i).map(|w| w.raw(at.src));
    let plausible = match raw(0) {
        Some(b"~") => raw(1).is_some_and(|p| p.starts_with(b"^") && p.ends_with(b"$")),
        Some(a) => a.starts_with(b"~^") && a.ends_with(b"$"),
        None => false,
    };
    if !plausible {
        return None;
    }
    let Some((LocKind::Regex, pattern)) = loc_kind_and_name(&at) else {
        return None;
    };
    let uri = exact_literal(&pattern)?;
    Some((parent, at, pattern, uri))
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
