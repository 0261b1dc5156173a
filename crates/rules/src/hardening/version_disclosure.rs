//! NGX103 `version-disclosure`: nginx names its version in the `Server` header of every response
//! and on its error pages unless `server_tokens off` (the default is `on`; `build` adds the build
//! name). An opinion about what to show — opt-in.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX103",
    name: "version-disclosure",
    severity: Severity::Info,
    summary:
        "nginx's version in every `Server` header and error page (`server_tokens` on, or not set)",
    doc: include_str!("../../../../rules/NGX103.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &[
        "gixy:version_disclosure",
        "nginx-lint:server-tokens-enabled",
    ],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct VersionDisclosure;

impl Rule for VersionDisclosure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["server_tokens", "http"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        if at.is("server_tokens") {
            let v = at.arg(0).unwrap_or_default();
            if v == "on" || v == "build" {
                out.push(
                    META.diag(
                        at.file,
                        at.arg_span(0),
                        format!("`server_tokens {v}` names nginx's version in every `Server` header and error page"),
                    )
                    .with_fix("Replace with `off`", at.arg_span(0), "off")
                    .with_help("use `server_tokens off;`"),
                );
            }
            return;
        }
        // The `http` block of a main config with no `server_tokens` anywhere it reaches.
        let model = cx.model;
        let Some(http) = model.body(scope, at) else {
            return;
        };
        if model.scope(http).kind != Context::Http || model.in_fragment(http) {
            return;
        }
        if model.here(http, "server_tokens").next().is_some() {
            return;
        }
        // Servers that say `off` themselves leave the others showing it: report the block.
        out.push(
            META.diag(
                at.file,
                at.name_span(),
                "no `server_tokens off` in the `http` block: nginx's default names its version in every `Server` header and error page",
            )
            .with_help("add `server_tokens off;` to the `http` block"),
        );
    }
}
