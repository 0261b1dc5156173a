//! NGX111 `misdirected-request`: a catch-all TLS server (`default_server` with
//! `ssl_reject_handshake on`) that speaks HTTP/2 and answers requests it receives with anything
//! but `421 Misdirected Request`.
//!
//! `ssl_reject_handshake on` refuses handshakes for names no server has, but a browser reuses an
//! HTTP/2 connection for every name its certificate covers (RFC 9113, 9.1.1, "connection
//! reuse"): a request for a name this nginx does not serve under that certificate arrives on a
//! connection already open, nginx picks the server by `Host` — the catch-all — and its answer (a
//! 404, a default page) reaches the user instead of a retry. `421` tells the browser to open a new
//! connection for that name (RFC 9110, 15.5.20).
//!
//! Opt-in: certificates that cover only the names served here make the case moot.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::{loc_kind_and_name, LocKind};
use ngxlint_engine::model::{At, Model, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX111",
    name: "misdirected-request",
    severity: Severity::Info,
    summary: "a catch-all TLS server with HTTP/2 and `ssl_reject_handshake on` that does not answer `421`: requests a browser sends on a reused connection get its page",
    doc: include_str!("../../../../rules/NGX111.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &["gixy:http2_misdirected_request"],
};

fn on(d: &At<'_>) -> bool {
    d.arg(0).is_some_and(|v| v.eq_ignore_ascii_case("on"))
}

/// Whether the server answers `/` (or every URI) with 421: a `return 421` at the server level, or
/// in its `location /` or `location = /`.
fn answers_421(model: &Model<'_>, server: ScopeId) -> bool {
    let returns_421 = |s: ScopeId| {
        model
            .here(s, "return")
            .any(|r| r.arg(0).is_some_and(|c| c == "421"))
    };
    returns_421(server)
        || model.scope(server).children.iter().any(|&c| {
            let s = model.scope(c);
            s.kind == Context::HttpLocation
                && s.block.is_some_and(|b| {
                    matches!(
                        loc_kind_and_name(&b),
                        Some((LocKind::Prefix | LocKind::Exact, name)) if name == "/"
                    )
                })
                && returns_421(c)
        })
}

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct MisdirectedRequest;

impl Rule for MisdirectedRequest {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["ssl_reject_handshake"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        if model.scope(scope).kind != Context::HttpServer || !on(at) {
            return;
        }
        let listens: Vec<&At<'_>> = model.here(scope, "listen").collect();
        let has = |p: &str| {
            listens
                .iter()
                .any(|l| l.args().iter().skip(1).any(|a| a == p))
        };
        let default = has("default_server") || has("default");
        let tls = has("ssl") || has("quic");
        let http2 = has("http2") || model.effective(scope, "http2").is_some_and(|(_, d)| on(&d));
        if !(default && tls && http2) || answers_421(model, scope) {
            return;
        }
        out.push(
            META.diag(
                at.file,
                at.head_span(),
                "this catch-all server refuses unknown names at the handshake, but a browser reuses HTTP/2 connections for every name a certificate covers: requests that reach it that way get its answer instead of `421 Misdirected Request`",
            )
            .with_help("add `location / { return 421; }` to this server"),
        );
    }
}
