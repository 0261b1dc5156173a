//! NGX217 `location-without-root`: a location that serves files where no `root` is in effect,
//! in a server whose other locations set their own. nginx then reads its compiled-in default,
//! `html` under its prefix: the location's files are looked for in nginx's own folder (404, or
//! nginx's welcome page) instead of the site's. The habit of a `root` per location is the cause:
//! the next location added gets none. Locations that never read a file (a pass to an upstream,
//! `return`, `deny all`, `alias`, a `rewrite`, a content module or any module nginx does not build
//! in) and fragments (whose parent may set `root`) are left alone.

use nginx_syntax::directives::{Context, Directives};
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::PASSES;
use ngxlint_engine::model::{Model, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX217",
    name: "location-without-root",
    severity: Severity::Warning,
    summary: "a location serving files with no `root` in effect, where the server's other locations set their own",
    doc: include_str!("../../../../rules/NGX217.md"),
    family: Family::Hardening,
    default: Enabled::On,
    aliases: &["nginx-lint:root-in-location"],
};

/// Directives besides the passes ([`PASSES`]) that give a location content of its own, without
/// reading a file under `root`.
const OWN_CONTENT: [&str; 10] = [
    "alias",
    "return",
    "stub_status",
    "empty_gif",
    "js_content",
    "content_by_lua",
    "content_by_lua_block",
    "content_by_lua_file",
    "perl",
    "api",
];

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct LocationWithoutRoot;

impl Rule for LocationWithoutRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn wants_scopes(&self) -> bool {
        true
    }

    fn on_scope(&self, cx: &Cx<'_>, scope: ScopeId, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let s = model.scope(scope);
        if s.kind != Context::HttpServer || model.in_fragment(scope) {
            return;
        }
        // No `root` at the server or above it (nginx's default, `html`, applies).
        if model.effective(scope, "root").is_some() {
            return;
        }
        let builtin = Directives::builtin();
        let mut locations = Vec::new();
        collect_locations(model, scope, &mut locations);
        // The evidence: the server's author puts a `root` in locations.
        let Some(&with_root) = locations
            .iter()
            .find(|&&l| model.here(l, "root").next().is_some())
        else {
            return;
        };
        for &l in &locations {
            if model.effective(l, "root").is_some() || !serves_files(model, &builtin, l) {
                continue;
            }
            let Some(block) = model.scope(l).block else {
                continue;
            };
            let mut d = META.diag(
                block.file,
                block.name_span(),
                "no `root` is in effect in this location: its files are looked for in nginx's default `html` folder under its prefix, not the site's",
            );
            if let Some(r) = model.here(with_root, "root").next() {
                d = d.with_place(
                    r.file,
                    r.name_span(),
                    "another location of the server sets its own",
                );
            }
            out.push(d.with_help(
                "set `root` once at the server level (a location's own `root` still overrides it)",
            ));
        }
    }
}

/// Every location of a server, nested ones too.
fn collect_locations(model: &Model<'_>, scope: ScopeId, out: &mut Vec<ScopeId>) {
    for &c in &model.scope(scope).children {
        if model.scope(c).kind == Context::HttpLocation {
            out.push(c);
            collect_locations(model, c, out);
        }
    }
}

/// Whether a location reads files under `root` for the requests it keeps: none of its own
/// content, no unconditional `deny all`, no `rewrite` (it sends the request elsewhere), no nested
/// location, and no directive of a module nginx does not build in (a third-party or NGINX Plus
/// content handler, `status;` or `passenger_enabled`, may answer without a file).
fn serves_files(model: &Model<'_>, builtin: &Directives, l: ScopeId) -> bool {
    let s = model.scope(l);
    if s.directives
        .iter()
        .any(|d| !builtin.contains(&d.dir.name.value(d.src)))
    {
        return false;
    }
    if s.children
        .iter()
        .any(|&c| model.scope(c).kind == Context::HttpLocation)
    {
        return false;
    }
    if OWN_CONTENT
        .iter()
        .chain(PASSES.iter())
        .any(|n| model.here(l, n).next().is_some())
    {
        return false;
    }
    if model
        .here(l, "deny")
        .any(|d| d.arg(0).is_some_and(|a| a == "all"))
    {
        return false;
    }
    model.here(l, "rewrite").next().is_none()
}
