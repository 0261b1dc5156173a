//! NGX219 `unanchored-location`: a regex location anchored at neither end (`location ~ /admin`),
//! which matches the text anywhere in the URI — `/admin/`, but also `/static/admin.css`,
//! `/administrator` and `/blog/why-admin-matters` — so what it grants (a pass, a root, headers,
//! access) reaches URIs the author did not mean.
//!
//! Opt-in: a pattern meant to match anywhere is common and intended (`location ~ /\.` to refuse
//! hidden files at any depth). Locations that only refuse (`deny all`, `return 403`/`404`/`444`)
//! are left alone for that reason, and so are PHP locations (NGX316 judges those with the pools).

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::{loc_kind_and_name, LocKind};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX219",
    name: "unanchored-location",
    severity: Severity::Info,
    summary: "a regex location anchored at neither end (`~ /admin`): it also matches the text anywhere in other URIs",
    doc: include_str!("../../../../rules/NGX219.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &["gixy:unanchored_regex"],
};

/// Whether a location only refuses requests: matching more URIs than meant only refuses more.
fn only_refuses(cx: &Cx<'_>, scope: ScopeId) -> bool {
    let list = &cx.model.scope(scope).directives;
    !list.is_empty()
        && list.iter().all(|d| {
            (d.is("deny") && d.arg(0).is_some_and(|a| a == "all"))
                || (d.is("return")
                    && d.arg(0)
                        .is_some_and(|c| matches!(c.as_ref(), "403" | "404" | "410" | "444")))
                || d.is("access_log")
                || d.is("log_not_found")
        })
}

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct UnanchoredLocation;

impl Rule for UnanchoredLocation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["location"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let Some((kind, pattern)) = loc_kind_and_name(at) else {
            return;
        };
        let caseless = match kind {
            LocKind::Regex => false,
            LocKind::RegexCaseless => true,
            _ => return,
        };
        // PHP locations are NGX316's; an installer's `<PLACEHOLDER>` is filled in elsewhere.
        if pattern.to_ascii_lowercase().contains("php")
            || ngxlint_engine::text::has_placeholder(pattern.as_bytes())
            || ngxlint_engine::text::has_installer_placeholder(pattern.as_bytes())
        {
            return;
        }
        let re = cx.model.regex(&pattern, caseless);
        if re.error().is_some()
            || re.anchored_start() != Some(false)
            || re.anchored_end() != Some(false)
        {
            return;
        }
        // A pattern that matches every URI is another matter (NGX216 judges what it shadows).
        if matches!(pattern.as_str(), "" | "." | ".*" | "/") {
            return;
        }
        let Some(body) = cx.model.body(scope, at) else {
            return;
        };
        if only_refuses(cx, body) {
            return;
        }
        let i = at.nargs() - 1;
        out.push(
            META.diag(
                at.file,
                at.arg_span(i),
                format!("`{pattern}` is anchored at neither end: the location takes every URI with a match anywhere in it, not only those that start or end with it"),
            )
            .with_help("anchor the pattern (`^/admin/`, `\\.ext$`), or use a prefix location (`location /admin/`) when the URI starts with it"),
        );
    }
}
