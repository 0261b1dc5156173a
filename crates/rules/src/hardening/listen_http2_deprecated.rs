//! NGX105 `listen-http2-deprecated`: `listen … http2` on nginx 1.25.1 and later, which warns at
//! every start (`the "listen ... http2" directive is deprecated, use the "http2" directive
//! instead`) and wants `http2 on;` in the server. Before 1.25.1 the `http2` directive does not
//! exist and the parameter is the only way: nothing is reported.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX105",
    name: "listen-http2-deprecated",
    severity: Severity::Info,
    summary: "`listen … http2`, deprecated since nginx 1.25.1 in favour of `http2 on;`",
    doc: include_str!("../../../../rules/NGX105.md"),
    family: Family::Hardening,
    default: Enabled::On,
    aliases: &["nginx-lint:listen-http2-deprecated"],
};

/// nginx deprecated the `http2` parameter of `listen` in this version.
const SINCE: (u32, u32, u32) = (1, 25, 1);

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct ListenHttp2Deprecated;

impl Rule for ListenHttp2Deprecated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["listen"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        if cx.settings.nginx_version < SINCE
            || cx.model.scope(scope).kind != nginx_syntax::directives::Context::HttpServer
        {
            return;
        }
        let Some(i) = (1..at.nargs()).find(|&i| at.arg(i).is_some_and(|a| a == "http2")) else {
            return;
        };
        let (a, b, c) = cx.settings.nginx_version;
        out.push(
            META.diag(
                at.file,
                at.arg_span(i),
                format!("`listen … http2` is deprecated in nginx {a}.{b}.{c}: nginx warns `the \"listen ... http2\" directive is deprecated, use the \"http2\" directive instead` at every start"),
            )
            .with_help("drop `http2` from `listen` and add `http2 on;` to the server"),
        );
    }
}
