//! NGX206 `regex-redos`: a regex that nests a repetition in a repetition whose bodies can match
//! the same bytes (`^/([a-z]+/?)*$`): a subject that almost matches makes PCRE try every way of
//! splitting it, exponentially many, until PCRE's match limit; nginx then fails the request with
//! `pcre2_match() failed: -47` after a fraction of a second of a worker's time. The patterns of
//! `location`, `if`, `rewrite`, `server_name`, `valid_referers` and `map` keys are read.

use nginx_syntax::directives::Context;
use nginx_syntax::Span;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::{loc_kind_and_name, LocKind};
use ngxlint_engine::model::{At, NameId, ScopeId};
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
        let names = NAMES.map(|(n, v, w)| (cx.model.name_id(n), v, w));
        let mut found = Vec::new();
        for scope in cx.model.ids() {
            found.clear();
            candidates(cx, scope, &names, &mut found);
            for c in found.drain(..) {
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

/// The directives whose arguments are regexes: name, the variable matched, what it holds.
const NAMES: [(&str, &str, &str); 3] = [
    ("rewrite", "uri", "the URI"),
    ("server_name", "host", "the Host header"),
    ("valid_referers", "http_referer", "the Referer header"),
];

/// Whether a pattern can nest a repetition at all: that needs a group with a quantifier. Most
/// patterns have none, and are passed over without a copy.
fn may_nest(p: &[u8]) -> bool {
    p.windows(2)
        .any(|w| w[0] == b')' && matches!(w[1], b'+' | b'*' | b'{'))
}

/// [`may_nest`] on argument `i` as written (quotes and escapes add no `)`).
fn arg_may_nest(at: &At<'_>, i: usize) -> bool {
    at.dir.args.get(i).is_some_and(|w| {
        at.src
            .get(w.span.start as usize..w.span.end as usize)
            .is_some_and(may_nest)
    })
}

/// The regexes of a scope that may nest repetitions: its block's (`location`, `if`, `map` keys)
/// and those of its `rewrite`, `server_name` and `valid_referers` directives.
fn candidates<'p>(
    cx: &Cx<'p>,
    scope: ScopeId,
    names: &[(Option<NameId>, &'static str, &'static str); 3],
    found: &mut Vec<Candidate<'p>>,
) {
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
            Context::HttpLocation if (0..block.nargs()).any(|i| arg_may_nest(block, i)) => {
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
            Context::HttpServerIf | Context::HttpLocationIf
                if (0..block.nargs()).any(|i| arg_may_nest(block, i)) =>
            {
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
                    if !may_nest(key.as_bytes()) {
                        continue;
                    }
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
    for &(id, variable, what) in names {
        let Some(id) = id else { continue };
        for at in cx.model.named_id(scope, id) {
            for i in 0..at.nargs() {
                if !arg_may_nest(at, i) {
                    continue;
                }
                let Some(a) = at.arg(i) else { continue };
                let (p, caseless) = if at.is("rewrite") {
                    if i > 0 {
                        break;
                    }
                    (a.as_ref(), false)
                } else {
                    // `server_name` and `valid_referers` read `~` regexes without case.
                    match a.strip_prefix('~') {
                        Some(p) => (p, true),
                        None => continue,
                    }
                };
                found.push(arg(at, i, p, caseless, variable, what));
            }
        }
    }
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
