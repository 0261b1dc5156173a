//! NGX215 `capture-group-missing`: `$N` after a regex that has fewer than N groups — in the
//! replacement of a `rewrite`, in a regex location, or in an `if (… ~ …)` block. The regex sets the
//! request's captures when it matches (a regex with groups replaces them all), so `$N` past its
//! last group is always empty: `rewrite ^/old/(.*)$ /new/$2` sends every client to `/new/`.
//! Only regexes with at least one group are judged (one without groups leaves the earlier
//! captures in place, and `$1` may mean them), only where no other regex runs in between.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::{loc_kind_and_name, LocKind};
use ngxlint_engine::model::{At, Model, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX215",
    name: "capture-group-missing",
    severity: Severity::Warning,
    summary: "`$N` after a regex with fewer than N groups: always empty",
    doc: include_str!("../../../../rules/NGX215.md"),
    family: Family::Hardening,
    default: Enabled::On,
    aliases: &["gixy:invalid_regex"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct CaptureGroupMissing;

impl Rule for CaptureGroupMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["rewrite"]
    }

    fn wants_scopes(&self) -> bool {
        true
    }

    fn on_directive(&self, cx: &Cx<'_>, _scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let (Some(pattern), Some(_)) = (at.arg(0), at.arg(1)) else {
            return;
        };
        // Compiling the regex costs far more than looking for a `$N` first.
        if !references_capture(at, 1..2) {
            return;
        }
        let Some(groups) = groups_of(cx.model, &pattern, false) else {
            return;
        };
        if let Some(d) = missing(at, 1..2, groups, "this `rewrite`'s regex") {
            out.push(d);
        }
    }

    fn on_scope(&self, cx: &Cx<'_>, scope: ScopeId, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let s = model.scope(scope);
        let Some(block) = s.block else { return };
        // Only a block opened by a regex: `location ~`/`~*` (or glued, `~\.php$`), `if (… ~ …)`.
        let first = |i: usize| block.dir.args.get(i).map(|w| w.raw(block.src));
        let regex_block = match s.kind {
            Context::HttpLocation => first(0).is_some_and(|a| a.starts_with(b"~")),
            Context::HttpServerIf | Context::HttpLocationIf => {
                (1..block.nargs()).any(|i| matches!(first(i), Some(b"~" | b"~*")))
            }
            _ => false,
        };
        if !regex_block {
            return;
        }
        // Most blocks refer to no capture: only those that do have their regex compiled.
        let refers = s.directives.iter().any(|d| {
            d.dir.block.is_none() && !d.is("rewrite") && references_capture(d, 0..d.nargs())
        });
        if !refers {
            return;
        }
        let (groups, whose) = match s.kind {
            Context::HttpLocation => {
                let Some((kind, pattern)) = loc_kind_and_name(&block) else {
                    return;
                };
                if !matches!(kind, LocKind::Regex | LocKind::RegexCaseless) {
                    return;
                }
                let Some(g) = groups_of(model, &pattern, kind == LocKind::RegexCaseless) else {
                    return;
                };
                (g, "the location's regex")
            }
            Context::HttpServerIf | Context::HttpLocationIf => {
                let Some(g) = if_groups(model, &block) else {
                    return;
                };
                (g, "the `if`'s regex")
            }
            _ => return,
        };
        // Another regex run in this block (`rewrite`, a nested `if`, a regex `map` read here)
        // may set the captures first: only a block without one is judged.
        let others = s
            .directives
            .iter()
            .any(|d| d.is("rewrite") || d.is("if") || d.is("location"));
        if others {
            return;
        }
        for at in &s.directives {
            // `rewrite` replacements are judged against their own regex (`on_directive`).
            if at.dir.block.is_some() {
                continue;
            }
            if let Some(d) = missing(at, 0..at.nargs(), groups, whose) {
                out.push(d);
            }
        }
    }
}

/// Whether an argument in `range` holds `$1`…`$9`.
fn references_capture(at: &At<'_>, range: std::ops::Range<usize>) -> bool {
    range.filter_map(|i| at.dir.args.get(i)).any(|w| {
        w.raw(at.src)
            .windows(2)
            .any(|p| p[0] == b'$' && (b'1'..=b'9').contains(&p[1]))
    })
}

/// The groups of a regex nginx compiles, when it has any and the count is certain.
fn groups_of(model: &Model<'_>, pattern: &str, caseless: bool) -> Option<usize> {
    let re = model.regex(pattern, caseless);
    (re.error().is_none() && re.understood() && re.captures() > 0).then(|| re.captures())
}

/// The groups of an `if (VAR ~ RE)` / `~*` condition (`!~` sets no captures).
fn if_groups(model: &Model<'_>, block: &At<'_>) -> Option<usize> {
    let (_, caseless, pattern) = ngxlint_engine::vars::if_regex(block)?;
    groups_of(model, &pattern, caseless)
}

/// The first `$N` past `groups` in the arguments `range` of `at`.
fn missing(
    at: &At<'_>,
    range: std::ops::Range<usize>,
    groups: usize,
    whose: &str,
) -> Option<Diagnostic> {
    for i in range {
        let raw = at.dir.args.get(i)?.raw(at.src);
        let mut k = 0;
        while k + 1 < raw.len() {
            // `\$` is nginx's escape in none of these; `$$` is not a variable either way.
            if raw[k] == b'$' && (b'1'..=b'9').contains(&raw[k + 1]) {
                let n = usize::from(raw[k + 1] - b'0');
                if n > groups {
                    let (s, which) = (groups, if groups == 1 { "group" } else { "groups" });
                    return Some(
                        META.diag(
                            at.file,
                            at.arg_span(i),
                            format!("`${n}` is always empty here: {whose} has {s} {which}"),
                        )
                        .with_help(format!(
                            "refer to a group the regex has (`$1`…`${s}`), or add the group to the regex"
                        )),
                    );
                }
                k += 2;
                continue;
            }
            k += 1;
        }
    }
    None
}
