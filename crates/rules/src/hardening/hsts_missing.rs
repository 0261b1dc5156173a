//! NGX105 `hsts-missing`: a TLS server that sends no `Strict-Transport-Security` header, or one
//! whose `max-age` is under six months, so browsers keep trying plain HTTP first and a network
//! attacker can keep them there. Whether the whole site (and its subdomains) is ready for HSTS is
//! the operator's call: an opinion, opt-in.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::parse_listen;
use ngxlint_engine::model::{At, FastMap, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX105",
    name: "hsts-missing",
    severity: Severity::Info,
    summary:
        "a TLS server without `Strict-Transport-Security`, or with a `max-age` under six months",
    doc: include_str!("../../../../rules/NGX105.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &["gixy:hsts_header"],
};

/// Six months, the shortest `max-age` the HSTS preload list accepts was once; a year is usual.
const MIN_AGE: u64 = 15_768_000;

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct HstsMissing;

impl Rule for HstsMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let is_hsts = |d: &At<'_>| {
            d.arg(0)
                .is_some_and(|h| h.eq_ignore_ascii_case("strict-transport-security"))
        };
        // A server without `add_header` of its own shows its parent's list: worked out once.
        let mut parents: FastMap<ScopeId, Option<At<'_>>> = FastMap::default();
        for id in model.ids() {
            if model.scope(id).kind != Context::HttpServer || model.in_fragment(id) {
                continue;
            }
            let Some(tls) = model.here(id, "listen").find(|d| {
                d.dir
                    .args
                    .iter()
                    .skip(1)
                    .any(|w| w.is(d.src, "ssl") || w.is(d.src, "quic"))
                    && parse_listen(**d).port != 0
            }) else {
                continue;
            };
            let own = model.here(id, "add_header").next().is_some()
                || model.here(id, "add_header_inherit").next().is_some();
            let hsts = match model.merge_parent(id) {
                Some(p) if !own => *parents
                    .entry(p)
                    .or_insert_with(|| model.headers_in_effect(p, false).into_iter().find(is_hsts)),
                _ => model.headers_in_effect(id, false).into_iter().find(is_hsts),
            };
            match hsts {
                None => out.push(
                    META.diag(
                        tls.file,
                        tls.head_span(),
                        "this TLS server sends no `Strict-Transport-Security`: browsers keep trying plain HTTP first, where a network attacker can answer",
                    )
                    .with_help("add `add_header Strict-Transport-Security \"max-age=31536000\" always;` once every name of the site serves HTTPS"),
                ),
                Some(h) => {
                    let value = h.arg(1).unwrap_or_default().to_ascii_lowercase();
                    let age = value
                        .split(';')
                        .filter_map(|p| p.trim().strip_prefix("max-age="))
                        .find_map(|v| v.trim_matches('"').parse::<u64>().ok());
                    if let Some(age) = age.filter(|&a| a < MIN_AGE) {
                        out.push(
                            META.diag(
                                h.file,
                                h.arg_span(1),
                                format!("`Strict-Transport-Security` with `max-age={age}` (under six months): browsers forget it soon after a visit"),
                            )
                            .with_help("use `max-age=31536000` (a year)"),
                        );
                    }
                }
            }
        }
    }
}
