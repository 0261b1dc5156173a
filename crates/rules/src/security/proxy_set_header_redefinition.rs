//! NGX314 `proxy-set-header-redefinition`: a level with `proxy_set_header`s of its own discards
//! every `proxy_set_header` it would inherit, so the headers the application relies on to know
//! the client — `Host`, `X-Forwarded-For`, `X-Real-IP`, `X-Forwarded-Proto`, `Forwarded` — are
//! no longer sent where requests are passed. Judged where a `proxy_pass` uses the list (a level
//! that passes nothing loses nothing), from the engine's inheritance.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, PassModule};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX314",
    name: "proxy-set-header-redefinition",
    severity: Severity::Warning,
    summary: "a nested `proxy_set_header` discards the inherited `Host`, `X-Forwarded-For`, `X-Real-IP` or `X-Forwarded-Proto`",
    doc: include_str!("../../../../rules/NGX314.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &[
        "gixy:proxy_set_header_redefinition",
        "nginx-lint:directive-inheritance",
    ],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct ProxySetHeaderRedefinition;

/// Headers that tell the upstream who the client is and what it asked for.
const CLIENT: &[&str] = &[
    "host",
    "x-forwarded-for",
    "x-real-ip",
    "x-forwarded-proto",
    "x-forwarded-host",
    "forwarded",
];

fn header(at: &At<'_>) -> String {
    at.arg(0)
        .map(|n| n.to_ascii_lowercase())
        .unwrap_or_default()
}

impl Rule for ProxySetHeaderRedefinition {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        if model.name_id("proxy_set_header").is_none() {
            return;
        }
        let mut seen = ngxlint_engine::hash::FastSet::default();
        for (scope, pass) in model.pass_directives() {
            if pass.module != PassModule::Proxy {
                continue;
            }
            // The level whose own list is in effect where the request is passed.
            let Some((level, own)) = model.effective_list(*scope, "proxy_set_header") else {
                continue;
            };
            if !seen.insert(level) {
                continue;
            }
            let Some((from, lost)) = model.lost_entries(level, "proxy_set_header", header) else {
                continue;
            };
            let lost: Vec<&At<'_>> = lost
                .iter()
                .filter(|d| CLIENT.contains(&header(d).as_str()))
                .collect();
            if lost.is_empty() {
                continue;
            }
            let names: Vec<String> = lost
                .iter()
                .map(|d| format!("`{}`", d.arg(0).unwrap_or_default()))
                .collect();
            let first = own[0];
            let from = match model.scope(from).kind {
                nginx_syntax::directives::Context::Http => "the `http` block",
                nginx_syntax::directives::Context::HttpServer => "the server",
                _ => "the enclosing location",
            };
            let mut d = META.diag(
                first.file,
                first.name_span(),
                format!(
                    "this `proxy_set_header` discards {} set in {from}: the upstream no longer gets {}",
                    names.join(", "),
                    if names.len() == 1 { "it" } else { "them" }
                ),
            );
            for l in lost.iter().take(4) {
                d = d.with_place(
                    l.file,
                    l.arg_span(0),
                    "not sent where a lower level has `proxy_set_header`s of its own",
                );
            }
            out.push(d.with_help("repeat the inherited headers at this level (an `include` of the snippet that sets them)"));
        }
    }
}
