//! NGX212 `rewrite-capture-overflow`: the rewrite-module pattern of CVE-2026-42945 ("nginx
//! rift"). A `rewrite` without a flag whose replacement holds `?` leaves nginx's script engine in
//! its query-string mode; a later `set`, `if` or `rewrite` of the same script that reads an
//! unnamed capture (`$1`) sizes its buffer for the raw capture and writes it URI-escaped, up to
//! three times longer: a heap overflow in the worker, from the client's URI. nginx 0.6.27 through
//! 1.30.0 are affected; 1.30.1 and 1.31.0 carry the fix (and so do distributions' patched builds
//! of older versions).
//!
//! One script is a server's or a location's rewrite-module statements in order, with those of the
//! `if` blocks inside it (they run in the same engine). A `rewrite` with `last`, `break`,
//! `redirect` or `permanent` ends the script when it applies, so only flagless ones arm it.
//! Severity follows the nginx version: a warning when the configured version is affected, nothing
//! when it carries the fix, info when no version is configured.
//!
//! The same module's CVE-2026-9256 (nginx 0.1.17 through 1.31.0; fixed in 1.31.1 and 1.30.2): a
//! `rewrite` whose replacement has no variable but unnamed captures, each once, sizes its buffer
//! as the captures' raw lengths plus one escaping allowance for the whole URI; where the copy is
//! escaped (a redirect, or after the replacement's `?`), two captures that nest (`^/((.*))$` with
//! `$1$2`) each escape the same bytes, and the buffer overflows (nginx's fix, commit ca4f92a27,
//! "Rewrite: fixed buffer overflow with overlapping captures"). A variable, a named capture or a
//! capture used twice makes nginx measure the replacement exactly instead.

use std::collections::HashMap;

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, Model, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::vars::references;

static META: RuleMeta = RuleMeta {
    code: "NGX212",
    name: "rewrite-capture-overflow",
    severity: Severity::Warning,
    summary: "a `rewrite` whose captures overflow nginx's buffer: `?` then `$1` read by `set`/`if`/`rewrite` (CVE-2026-42945), or nested captures escaped into a redirect or arguments (CVE-2026-9256)",
    doc: include_str!("../../../../rules/NGX212.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &[
        "gixy:unnamed_groups",
        "gixy:overlapping_captures",
        "nginx-lint:nginx-rift",
    ],
};

/// The first release with the fix (1.31.0, the mainline of the time, has it too).
const FIXED: (u32, u32, u32) = (1, 30, 1);

/// Whether `v` carries the fix of CVE-2026-9256: 1.31.1 and later, and 1.30.2 and later on the
/// 1.30 branch.
fn fixed_9256(v: (u32, u32, u32)) -> bool {
    v >= (1, 31, 1) || ((1, 30, 2)..(1, 31, 0)).contains(&v)
}

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct RewriteCaptureOverflow;

impl Rule for RewriteCaptureOverflow {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn wants_scopes(&self) -> bool {
        true
    }

    fn directives(&self) -> &'static [&'static str] {
        &["rewrite"]
    }

    fn on_directive(&self, cx: &Cx<'_>, _scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        if cx.settings.nginx_version_pinned && fixed_9256(cx.settings.nginx_version) {
            return;
        }
        if let Some(d) = overlapping(cx.model, at) {
            out.push(d.report(cx, at));
        }
    }

    fn on_scope(&self, cx: &Cx<'_>, scope: ScopeId, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        if !matches!(
            model.scope(scope).kind,
            Context::HttpServer | Context::HttpLocation
        ) {
            return;
        }
        if cx.settings.nginx_version_pinned && cx.settings.nginx_version >= FIXED {
            return;
        }
        // Most scripts have no flagless rewrite with `?`: nothing to follow.
        if !model.here(scope, "rewrite").any(arms) && !has_nested_rewrite(model, scope) {
            return;
        }
        let mut armed: Option<At<'_>> = None;
        walk(cx, model, scope, &mut armed, out);
    }
}

/// Whether an `if` block of the scope (at any depth) holds a `rewrite`.
fn has_nested_rewrite(model: &Model<'_>, scope: ScopeId) -> bool {
    model.scope(scope).children.iter().any(|&c| {
        let kind = model.scope(c).kind;
        matches!(kind, Context::HttpServerIf | Context::HttpLocationIf)
            && (model.here(c, "rewrite").next().is_some() || has_nested_rewrite(model, c))
    })
}

/// A `rewrite` that leaves the engine in query-string mode for what follows: no flag, and a
/// replacement with `?`.
fn arms(d: &At<'_>) -> bool {
    d.nargs() == 2 && d.arg(1).is_some_and(|r| r.contains('?'))
}

/// The script of `scope` in order, `if` blocks entered where they stand; true once it reported
/// (one finding per script: the first read shows it).
fn walk<'p>(
    cx: &Cx<'p>,
    model: &Model<'p>,
    scope: ScopeId,
    armed: &mut Option<At<'p>>,
    out: &mut Vec<Diagnostic>,
) -> bool {
    let blocks: HashMap<*const nginx_syntax::Directive, ScopeId> = model
        .scope(scope)
        .children
        .iter()
        .filter_map(|&c| model.scope(c).block.map(|b| (b.dir as *const _, c)))
        .collect();
    for d in &model.scope(scope).directives {
        let name = d.name();
        let reads = match name.as_ref() {
            "set" => d.dir.args.get(1).into_iter().collect::<Vec<_>>(),
            "if" => d.dir.args.iter().collect(),
            "rewrite" => d.dir.args.get(1).into_iter().collect(),
            _ => Vec::new(),
        };
        if let Some(rewrite) = *armed {
            let capture = reads.iter().find_map(|w| {
                references(&w.value(d.src))
                    .into_iter()
                    .find(|(_, _, n)| n.bytes().all(|b| b.is_ascii_digit()))
                    .map(|(start, end, n)| {
                        // The reference itself where the word's bytes are its value.
                        (w.value_span(start, end), n)
                    })
            });
            if let Some((span, n)) = capture {
                out.push(report(cx, d, span, &n, &rewrite));
                return true;
            }
        }
        if name == "rewrite" && arms(d) {
            *armed = Some(*d);
        }
        if name == "if" {
            if let Some(&child) = blocks.get(&(d.dir as *const _)) {
                if walk(cx, model, child, armed, out) {
                    return true;
                }
            }
        }
    }
    false
}

fn report(
    cx: &Cx<'_>,
    d: &At<'_>,
    span: nginx_syntax::Span,
    n: &str,
    rewrite: &At<'_>,
) -> Diagnostic {
    let (severity, versions) = if cx.settings.nginx_version_pinned {
        let (a, b, c) = cx.settings.nginx_version;
        (Severity::Warning, format!("nginx {a}.{b}.{c} is affected"))
    } else {
        (
            Severity::Info,
            "nginx 0.6.27 through 1.30.0 are affected (set `[nginx] version` to the release you run)"
                .to_string(),
        )
    };
    META.diag_at(
        severity,
        d.file,
        span,
        format!(
            "`{}` reads `${n}` after a `rewrite` without a flag whose replacement holds `?`: the worker's heap overflows on a crafted URI (CVE-2026-42945); {versions}",
            d.name()
        ),
    )
    .with_place(
        rewrite.file,
        rewrite.arg_span(1),
        "leaves nginx's script engine escaping for a query string",
    )
    .with_help("update nginx to 1.30.1 or later (or your distribution's patched package); until then use a named capture (`(?<path>.*)` and `$path`) or give the `rewrite` a flag")
}

/// A `rewrite` of the CVE-2026-9256 pattern: its two nested captures and the escaped part.
struct Overlap {
    outer: usize,
    inner: usize,
    redirect: bool,
    span: nginx_syntax::Span,
}

/// The pattern of CVE-2026-9256 in one `rewrite`, as nginx's fix describes it.
fn overlapping(model: &Model<'_>, at: &At<'_>) -> Option<Overlap> {
    let (pattern, replacement) = (at.arg(0)?, at.arg(1)?);
    let refs = references(replacement.as_bytes());
    // Another variable (a named capture is one) or a capture used twice: nginx measures the
    // replacement with its script instead of the precomputed size.
    let mut numbers: Vec<(usize, usize)> = Vec::new();
    for (start, _, name) in &refs {
        let n: usize = name
            .parse()
            .ok()
            .filter(|_| name.bytes().all(|b| b.is_ascii_digit()))?;
        if numbers.iter().any(|&(m, _)| m == n) {
            return None;
        }
        numbers.push((n, *start));
    }
    let flag = at.arg(2);
    let redirect = matches!(flag.as_deref(), Some("redirect" | "permanent"))
        || replacement.starts_with("http://")
        || replacement.starts_with("https://");
    // What nginx copies escaped: all of a redirect, else what follows the `?` (a `?` at the end
    // only drops the request's arguments).
    let escaped: Vec<usize> = if redirect {
        numbers.iter().map(|&(n, _)| n).collect()
    } else {
        let q = replacement
            .find('?')
            .filter(|&q| q + 1 < replacement.len())?;
        numbers
            .iter()
            .filter(|&&(_, at)| at > q)
            .map(|&(n, _)| n)
            .collect()
    };
    if escaped.len() < 2 {
        return None;
    }
    let re = model.regex(&pattern, false);
    for (i, &a) in escaped.iter().enumerate() {
        for &b in &escaped[i + 1..] {
            if re.nested(a, b) == Some(true) {
                let (outer, inner) = if a < b { (a, b) } else { (b, a) };
                return Some(Overlap {
                    outer,
                    inner,
                    redirect,
                    span: at.arg_span(1),
                });
            }
        }
    }
    None
}

impl Overlap {
    fn report(&self, cx: &Cx<'_>, at: &At<'_>) -> Diagnostic {
        let (severity, versions) = if cx.settings.nginx_version_pinned {
            let (a, b, c) = cx.settings.nginx_version;
            (Severity::Warning, format!("nginx {a}.{b}.{c} is affected"))
        } else {
            (
                Severity::Info,
                "nginx 0.1.17 through 1.31.0 are affected, 1.30.2 and 1.31.1 carry the fix (set `[nginx] version` to the release you run)"
                    .to_string(),
            )
        };
        let into = if self.redirect {
            "a redirect"
        } else {
            "the replacement's arguments"
        };
        META.diag_at(
            severity,
            at.file,
            self.span,
            format!(
                "`rewrite` copies `${}` and `${}`, which nest in the regex, escaped into {into} with no other variable: nginx counts their bytes once and the worker's heap overflows on a crafted URI (CVE-2026-9256); {versions}",
                self.outer, self.inner
            ),
        )
        .with_help("update nginx to 1.31.1 or 1.30.2 or later (or your distribution's patched package); until then capture each part once, without nesting, or use named captures")
    }
}
