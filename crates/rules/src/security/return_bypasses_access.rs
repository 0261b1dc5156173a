//! NGX203 `return-bypasses-access`: a `return` with a 2xx status in a location whose access is
//! restricted (`deny`, `auth_basic`, `auth_request`). `return` runs in the rewrite phase, before
//! the access phase ever looks at `allow`/`deny` or credentials: every client gets the response.
//! A redirect or an error status gives nothing away and is not reported.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX203",
    name: "return-bypasses-access",
    severity: Severity::Error,
    summary: "a 2xx `return` where `deny` or authentication is meant to stop clients: `return` runs first",
    doc: include_str!("../../../../rules/NGX203.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:return_bypasses_allow_deny"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct ReturnBypassesAccess;

impl Rule for ReturnBypassesAccess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let Some(ret) = model.name_id("return") else {
            return;
        };
        for scope in model.ids() {
            if !matches!(
                model.scope(scope).kind,
                Context::HttpLocation | Context::HttpLocationIf
            ) {
                continue;
            }
            for at in model.named_id(scope, ret) {
                let code = at.arg(0).and_then(|c| c.parse::<u16>().ok());
                if !code.is_some_and(|c| (200..300).contains(&c)) {
                    continue;
                }
                // No body: a CORS preflight's `return 204` (browsers send it without credentials,
                // so it must be answered before any authentication) or a bare `return 200;`
                // hands out nothing the check guards, only the headers the level adds.
                if code == Some(204) || at.arg(1).is_none() {
                    continue;
                }
                let access = model.access(scope);
                let guard = access
                    .rules
                    .iter()
                    .find(|d| d.is("deny"))
                    .copied()
                    .or(access.auth);
                let Some(guard) = guard else { continue };
                let what = if guard.is("deny") {
                    format!("`deny {}`", guard.arg(0).unwrap_or_default())
                } else {
                    format!("`{}`", guard.name())
                };
                out.push(
                    META.diag(
                        at.file,
                        at.head_span(),
                        format!("`return {}` runs before {what} is checked: every client gets this response", code.unwrap_or(200)),
                    )
                    .with_place(guard.file, guard.head_span(), "checked in the access phase, after `return` has answered")
                    .with_help("serve the response from a file or an upstream (checked in the access phase), or move the check to a level that answers before it"),
                );
            }
        }
    }
}
