//! NGX402 `add-header-redefinition`: a level with `add_header`s of its own discards every
//! `add_header` it would inherit (nginx ≤ 1.29.2, and later unless `add_header_inherit merge`), so
//! the security headers of the server or `http` block are missing from its responses. What a
//! level discards is computed once by the engine (`Model::discarded_list`, which knows
//! `add_header_inherit`); includes are read in place, so a location that includes the same
//! snippet as its server keeps those headers.
//!
//! A location that serves only static assets by extension (`~* \.(css|js|png)$`) needs none of
//! the headers that apply to documents: a dropped `X-Frame-Options` there is not reported.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::{loc_kind_and_name, LocKind};
use ngxlint_engine::model::{At, ScopeId};

use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX402",
    name: "add-header-redefinition",
    severity: Severity::Warning,
    summary: "a nested `add_header` discards the inherited security headers (HSTS, CSP, X-Frame-Options, ...)",
    doc: include_str!("../../../../rules/NGX402.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &[
        "gixy:add_header_redefinition",
        "nginx-lint:directive-inheritance",
        "semgrep:header-redefinition",
    ],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct AddHeaderRedefinition;

/// Response headers that protect the client, and whether each still matters on a static asset.
const SECURITY: &[(&str, bool)] = &[
    ("strict-transport-security", false),
    ("content-security-policy", false),
    ("content-security-policy-report-only", false),
    ("x-frame-options", false),
    ("x-content-type-options", false),
    ("referrer-policy", false),
    ("permissions-policy", false),
    ("feature-policy", false),
    ("x-xss-protection", false),
    ("cross-origin-opener-policy", false),
    ("cross-origin-embedder-policy", false),
    ("cross-origin-resource-policy", true),
    ("x-permitted-cross-domain-policies", false),
];

/// URIs of documents: a location that matches none of them serves something else.
const DOCUMENTS: &[&[u8]] = &[
    b"/a",
    b"/a/",
    b"/a.html",
    b"/a.htm",
    b"/a.xhtml",
    b"/a.shtml",
    b"/a.php",
    b"/a.xml",
    b"/a.pdf",
];

/// What the responses of a location are, as far as its pattern says.
#[derive(Clone, Copy, PartialEq)]
enum Serves {
    /// Anything, documents included.
    Documents,
    /// Static assets only; `svg`: SVG images too, which run scripts when opened (CSP matters).
    Assets { svg: bool },
}

/// What the location around `scope` serves, judged by its regex (each pattern read once: the
/// same static-asset location stands in thousands of servers).
fn serves(
    cx: &Cx<'_>,
    cache: &mut ngxlint_engine::hash::FastMap<(String, bool), Serves>,
    scope: ScopeId,
) -> Serves {
    let Some(loc) = cx.model.location_of(scope) else {
        return Serves::Documents;
    };
    let Some(block) = cx.model.scope(loc).block else {
        return Serves::Documents;
    };
    let Some((kind, pattern)) = loc_kind_and_name(&block) else {
        return Serves::Documents;
    };
    if !matches!(kind, LocKind::Regex | LocKind::RegexCaseless) {
        return Serves::Documents;
    }
    let caseless = kind == LocKind::RegexCaseless;
    *cache
        .entry((pattern, caseless))
        .or_insert_with_key(|(pattern, _)| {
            let re = cx.model.regex(pattern, caseless);
            if re.error().is_some() || re.anchored_end() != Some(true) {
                return Serves::Documents;
            }
            if DOCUMENTS.iter().any(|d| re.is_match(d) != Some(false)) {
                return Serves::Documents;
            }
            Serves::Assets {
                svg: re.is_match(b"/a.svg") != Some(false)
                    || re.is_match(b"/a.svgz") != Some(false),
            }
        })
}

/// The lowercased name of an `add_header`.
fn header_name(at: &At<'_>) -> String {
    match at.dir.args.first() {
        Some(w) => w.text(at.src).to_ascii_lowercase(),
        None => String::new(),
    }
}

impl Rule for AddHeaderRedefinition {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let merge = cx.settings.nginx_version >= (1, 29, 3);
        let mut cache = ngxlint_engine::hash::FastMap::default();
        // Whether the headers in effect at a level hold a security header: asked once per level
        // (a server's locations share it).
        let mut secures: ngxlint_engine::hash::FastMap<ScopeId, Vec<String>> = Default::default();
        let mut last = None;
        for (scope, first) in model.everywhere("add_header") {
            // The first `add_header` of each scope (the list is in scope order).
            if last == Some(scope) {
                continue;
            }
            last = Some(scope);
            let first = *first;
            let kind = model.scope(scope).kind;
            if !matches!(
                kind,
                Context::HttpServer | Context::HttpLocation | Context::HttpLocationIf
            ) {
                continue;
            }
            // Most levels that set headers of their own discard no security header: the list
            // in effect here is only worked out where one is among those inherited.
            let Some(parent) = model.merge_parent(scope) else {
                continue;
            };
            let inherited = secures.entry(parent).or_insert_with(|| {
                model
                    .headers_in_effect(parent, false)
                    .iter()
                    .map(header_name)
                    .filter(|name| SECURITY.iter().any(|(n, _)| n == name))
                    .collect()
            });
            if inherited.is_empty() {
                continue;
            }
            let own: Vec<String> = model.here(scope, "add_header").map(header_name).collect();
            let serves = serves(cx, &mut cache, scope);
            // Whether losing a header matters for what the level serves (a location of images
            // needs no `X-Frame-Options`).
            let matters = |name: &str| {
                let Some(&(_, on_assets)) = SECURITY.iter().find(|(n, _)| *n == name) else {
                    return false;
                };
                match serves {
                    Serves::Documents => true,
                    Serves::Assets { svg } => {
                        on_assets || (svg && name.starts_with("content-security-policy"))
                    }
                }
            };
            // A level that sets every inherited security header that matters again loses none.
            if !inherited.iter().any(|n| !own.contains(n) && matters(n)) {
                continue;
            }
            let Some((level, discarded)) = model.lost_entries(scope, "add_header", header_name)
            else {
                continue;
            };
            let lost: Vec<&At<'_>> = discarded
                .iter()
                .filter(|d| matters(&header_name(d)))
                .collect();
            if lost.is_empty() {
                continue;
            }
            let shown: Vec<String> = lost
                .iter()
                .map(|d| format!("`{}`", d.arg(0).unwrap_or_default()))
                .collect();
            let what = match model.scope(scope).kind {
                Context::HttpServer => "server",
                Context::HttpLocationIf => "`if` block",
                _ => "location",
            };
            let from = match model.scope(level).kind {
                Context::Http => "the `http` block",
                Context::HttpServer => "the server",
                _ => "the enclosing block",
            };
            let mut d = META.diag(
                first.file,
                first.name_span(),
                if shown.len() == 1 {
                    format!(
                        "this `add_header` discards the security header {} set in {from}: responses of this {what} go without it",
                        shown[0]
                    )
                } else {
                    format!(
                        "this `add_header` discards the security headers {} set in {from}: responses of this {what} go without them",
                        shown.join(", ")
                    )
                },
            );
            for l in lost.iter().take(4) {
                d = d.with_place(
                    l.file,
                    l.arg_span(0),
                    "not sent where a lower level has `add_header`s of its own",
                );
            }
            let help = if merge {
                "add `add_header_inherit merge;` here (nginx 1.29.3), or repeat the inherited headers (`include` the snippet that sets them)"
            } else {
                "repeat the inherited headers here (`include` the snippet that sets them), or from nginx 1.29.3 on add `add_header_inherit merge;`"
            };
            out.push(d.with_help(help));
        }
    }
}
