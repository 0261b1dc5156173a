//! NGX501 `limit-redefinition`: a level with `limit_req` (or `limit_conn`) of its own discards the
//! limits it would inherit: `limit_req zone=api` in a location replaces the server's
//! `limit_req zone=global`, so the global limit no longer applies there. nginx keeps one list per
//! directive and inherits it only into a level that has none (FACTS N3); computed by the engine.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::At;
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX501",
    name: "limit-redefinition",
    severity: Severity::Warning,
    summary: "a nested `limit_req` or `limit_conn` discards the inherited limits of other zones",
    doc: include_str!("../../../../rules/NGX501.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["nginx-lint:directive-inheritance"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct LimitRedefinition;

/// The zone a `limit_req zone=NAME …` or `limit_conn NAME N` limits.
fn zone(at: &At<'_>) -> String {
    if at.is("limit_req") {
        at.args()
            .iter()
            .find_map(|a| a.strip_prefix("zone=").map(str::to_string))
            .unwrap_or_default()
    } else {
        at.arg(0).map(|a| a.into_owned()).unwrap_or_default()
    }
}

impl Rule for LimitRedefinition {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        for name in ["limit_req", "limit_conn"] {
            let Some(id) = model.name_id(name) else {
                continue;
            };
            for scope in model.ids() {
                if !matches!(
                    model.scope(scope).kind,
                    Context::HttpServer | Context::HttpLocation | Context::HttpLocationIf
                ) {
                    continue;
                }
                let Some(first) = model.named_id(scope, id).next().copied() else {
                    continue;
                };
                let Some((from, lost)) = model.lost_entries(scope, name, zone) else {
                    continue;
                };
                let zones: Vec<String> = lost.iter().map(|d| format!("`{}`", zone(d))).collect();
                let from = match model.scope(from).kind {
                    Context::Http => "the `http` block",
                    Context::HttpServer => "the server",
                    _ => "the enclosing location",
                };
                let mut d = META.diag(
                    first.file,
                    first.name_span(),
                    format!(
                        "this `{name}` discards the limit{} of zone{} {} set in {from}: requests here are not limited by {}",
                        if zones.len() == 1 { "" } else { "s" },
                        if zones.len() == 1 { "" } else { "s" },
                        zones.join(", "),
                        if zones.len() == 1 { "it" } else { "them" }
                    ),
                );
                for l in lost.iter().take(4) {
                    d = d.with_place(
                        l.file,
                        l.head_span(),
                        format!("not applied where a lower level has `{name}` of its own"),
                    );
                }
                out.push(d.with_help(format!("repeat the inherited `{name}` lines at this level")));
            }
        }
    }
}
