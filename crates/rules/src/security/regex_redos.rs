//! NGX206 `regex-redos`: a regex that nests a repetition in a repetition whose bodies can match
//! the same bytes (`^/([a-z]+/?)*$`): a subject that almost matches makes PCRE try every way of
//! splitting it, exponentially many, until PCRE's match limit; nginx then fails the request with
//! `pcre2_match() failed: -47` after a fraction of a second of a worker's time. The patterns of
//! `location`, `if`, `rewrite`, `server_name`, `valid_referers` and `map` keys are read.

use nginx_syntax::directives::Context;
use nginx_syntax::Span;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::{loc_kind_and_name, LocKind};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::regex::{ByteSet, Regex};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::vars::Values;

static META: RuleMeta = RuleMeta {
    code: "NGX206",
    name: "regex-redos",
    severity: Severity::Warning,
    summary: "a regex whose nested repetitions backtrack exponentially on a crafted subject",
    doc: include_str!("../../../../rules/NGX206.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:regex_redos"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct RegexRedos;

impl Rule for RegexRedos {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        // What a subject can hold is asked only for the rare pattern that nests repetitions.
        let mut values = None;
        for scope in cx.model.ids() {
            for c in candidates(cx, scope) {
                // A pattern that cannot blow up on any subject needs no subject.
                if Regex::exponential_pattern(&c.pattern, c.caseless, ByteSet::ALL).is_none() {
                    continue;
                }
                let values = values.get_or_insert_with(|| Values::new(cx.model));
                let subject = c
                    .variable
                    .as_deref()
                    .and_then(|v| values.variable(c.scope, &c.at, v, 0).0)
                    .map_or(ByteSet::ALL, |f| f.bytes);
                if let Some(rep) = Regex::exponential_pattern(&c.pattern, c.caseless, subject) {
                    out.push(
                        META.diag(
                            c.at.file,
                            c.span,
                            format!(
                                "`{}` repeats a group that can match the same bytes in several ways: when {} almost matches, PCRE tries every split until its match limit, and nginx fails the request after spending a worker's time on it",
                                c.pattern, c.what
                            ),
                        )
                        .with_help(format!(
                            "make each way of matching unique: the repetition `{rep}` (as regex-syntax reads it) needs a separator its inner part cannot match (`([a-z]+/)*` instead of `([a-z]+/?)*`), or an atomic group `(?>…)`"
                        )),
                    );
                }
            }
        }
    }
}

/// A pattern, where it stands, and what it is matched against.
struct Candidate<'p> {
    at: At<'p>,
    /// Where the subject is read: a location's regex runs on the URI before the location is
    /// entered, which the location's own pattern does not narrow yet.
    scope: ScopeId,
    span: Span,
    pattern: String,
    caseless: bool,
    /// The variable the subject is (none when it is more than one variable).
    variable: Option<String>,
    what: &'static str,
}

/// The regexes of a scope: its block's (`location`, `if`, `map` keys) and those of its
/// `rewrite`, `server_name` and `valid_referers` directives.
fn candidates<'p>(cx: &Cx<'p>, scope: ScopeId) -> Vec<Candidate<'p>> {
    let mut found = Vec::new();
    let s = cx.model.scope(scope);
    let arg = |at: &At<'p>, i: usize, pattern: &str, caseless, variable: &str, what| Candidate {
        at: *at,
        scope,
        span: at.arg_span(i),
        pattern: pattern.to_string(),
        caseless,
        variable: Some(variable.to_string()),
        what,
    };
    if let Some(block) = &s.block {
        match s.kind {
            Context::HttpLocation => {
                if let Some((kind @ (LocKind::Regex | LocKind::RegexCaseless), pattern)) =
                    loc_kind_and_name(block)
                {
                    let i = block.nargs().saturating_sub(1);
                    let caseless = kind == LocKind::RegexCaseless;
                    let mut c = arg(block, i, &pattern, caseless, "uri", "the URI");
                    c.scope = s.parent.unwrap_or(scope);
                    found.push(c);
                }
            }
            Context::HttpServerIf | Context::HttpLocationIf => {
                let args = block.args();
                let op = args
                    .iter()
                    .position(|a| matches!(a.as_ref(), "~" | "~*" | "!~" | "!~*"));
                if let (Some(op), Some(left)) = (op, args.first()) {
                    if let Some(p) = args.get(op + 1) {
                        let p = p.strip_suffix(')').unwrap_or(p);
                        let left = left.trim_start_matches('(');
                        let mut c = arg(
                            block,
                            op + 1,
                            p,
                            args[op].ends_with('*'),
                            "",
                            "the variable's value",
                        );
                        c.variable = single_variable(left);
                        found.push(c);
                    }
                }
            }
            Context::Map => {
                let source = block.arg(0).and_then(|a| single_variable(&a));
                for entry in &s.directives {
                    let key = entry.name();
                    let (pattern, caseless) = match key.strip_prefix("~*") {
                        Some(p) => (p, true),
                        None => match key.strip_prefix('~') {
                            Some(p) => (p, false),
                            None => continue,
                        },
                    };
                    found.push(Candidate {
                        at: *entry,
                        scope,
                        span: entry.name_span(),
                        pattern: pattern.to_string(),
                        caseless,
                        variable: source.clone(),
                        what: "the map's source",
                    });
                }
            }
            _ => {}
        }
    }
    for at in cx.model.here(scope, "rewrite") {
        if let Some(p) = at.arg(0) {
            found.push(arg(at, 0, &p, false, "uri", "the URI"));
        }
    }
    for (name, variable, what) in [
        ("server_name", "host", "the Host header"),
        ("valid_referers", "http_referer", "the Referer header"),
    ] {
        for at in cx.model.here(scope, name) {
            for (i, a) in at.args().iter().enumerate() {
                if let Some(p) = a.strip_prefix('~') {
                    // Both read their regexes without case.
                    found.push(arg(at, i, p, true, variable, what));
                }
            }
        }
    }
    found
}

/// `$name` or `${name}` alone: the variable's name.
fn single_variable(s: &str) -> Option<String> {
    let name = s.strip_prefix('$')?;
    let name = name
        .strip_prefix('{')
        .and_then(|n| n.strip_suffix('}'))
        .unwrap_or(name);
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then(|| name.to_string())
}
