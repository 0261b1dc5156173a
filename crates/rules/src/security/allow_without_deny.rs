//! NGX202 `allow-without-deny`: a level whose `allow`/`deny` list has `allow`s and no `deny`. nginx
//! grants access when no rule denies it, so such a list lets every client in; and a level with its
//! own list does not inherit the `deny all` of the level above (one list for both directives,
//! replaced wholesale). With `satisfy any` and an authentication in effect the `allow`s are the
//! clients that need not log in, which is meant.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX202",
    name: "allow-without-deny",
    severity: Severity::Error,
    summary: "`allow` with no `deny` in the same list: every client gets in",
    doc: include_str!("../../../../rules/NGX202.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:allow_without_deny"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct AllowWithoutDeny;

impl Rule for AllowWithoutDeny {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let Some(allow) = model.name_id("allow") else {
            return;
        };
        for scope in model.ids() {
            if model.named_id(scope, allow).next().is_none() {
                continue;
            }
            if !matches!(
                model.scope(scope).kind,
                Context::Http
                    | Context::HttpServer
                    | Context::HttpLocation
                    | Context::HttpLimitExcept
            ) {
                continue;
            }
            let access = model.access(scope);
            if access.level != Some(scope) || access.denies() {
                continue;
            }
            // The top of a file no main config includes: the block that includes it may go on
            // with the `deny` (`include acl/office.conf; deny all;`).
            if model.in_fragment(scope) && model.scope(scope).block.is_none() {
                continue;
            }
            let Some(allow) = access
                .rules
                .iter()
                .find(|d| d.is("allow") && d.arg(0).is_none_or(|a| a != "all"))
            else {
                continue;
            };
            if access.satisfy_any && access.auth.is_some() {
                continue;
            }
            let who = allow.arg(0).unwrap_or_default();
            let mut d = META.diag(
                allow.file,
                allow.head_span(),
                format!("`allow {who}` with no `deny` in the same list lets every client in: nginx grants what no rule denies"),
            );
            // The `deny` of the level above that this list replaced.
            let above = model
                .scope(scope)
                .parent
                .filter(|_| model.scope(scope).kind != Context::Http)
                .map(|p| model.access(p))
                .filter(|a| a.denies());
            if let Some(a) = above {
                if let Some(deny) = a.rules.iter().find(|d| d.is("deny")) {
                    d = d.with_place(
                        deny.file,
                        deny.head_span(),
                        "not inherited by a level with an `allow`/`deny` list of its own",
                    );
                }
            }
            out.push(d.with_help("end the list with `deny all;`"));
        }
    }
}
