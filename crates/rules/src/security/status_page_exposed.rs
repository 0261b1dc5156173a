//! NGX204 `status-page-exposed`: `stub_status` (or the VTS module's
//! `vhost_traffic_status_display`) in a location no `deny`, authentication or `internal` guards,
//! in a server that listens beyond the loopback: anyone reads the server's connection counts (and
//! with VTS, every virtual host, upstream and cache).

use std::net::IpAddr;

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::parse_listen;
use ngxlint_engine::model::ScopeId;
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX204",
    name: "status-page-exposed",
    severity: Severity::Warning,
    summary: "a status page (`stub_status`, `vhost_traffic_status_display`) any client can read",
    doc: include_str!("../../../../rules/NGX204.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:status_page_exposed"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct StatusPageExposed;

/// Whether every `listen` of the server around `scope` is on a loopback address or a unix socket.
fn loopback_only(cx: &Cx<'_>, scope: ScopeId) -> bool {
    let model = cx.model;
    let mut cur = Some(scope);
    while let Some(s) = cur {
        if model.scope(s).kind == nginx_syntax::directives::Context::HttpServer {
            let listens: Vec<_> = model.here(s, "listen").map(|d| parse_listen(*d)).collect();
            return !listens.is_empty()
                && listens
                    .iter()
                    .all(|l| l.port == 0 || l.addr.is_some_and(|a: IpAddr| a.is_loopback()));
        }
        cur = model.scope(s).parent;
    }
    false
}

impl Rule for StatusPageExposed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["stub_status", "vhost_traffic_status_display"]
    }

    fn on_directive(
        &self,
        cx: &Cx<'_>,
        scope: ScopeId,
        at: &ngxlint_engine::model::At<'_>,
        out: &mut Vec<Diagnostic>,
    ) {
        let model = cx.model;
        if model.location_of(scope).is_none() {
            return;
        }
        // `vhost_traffic_status_display off;` shows nothing.
        if at.arg(0).is_some_and(|a| a == "off") {
            return;
        }
        let access = model.access(scope);
        if access.restricted() || loopback_only(cx, scope) {
            return;
        }
        // In a file no main config includes, the levels above it may guard the location (an
        // `allow`/`deny` list or `auth_basic` of the parent's `http` or server block), unless a
        // list of the location's own replaced theirs.
        if model.in_fragment(scope) && access.level.is_none() {
            return;
        }
        // Allowed only from some addresses, the rest let in: NGX202 says why.
        out.push(
            META.diag(
                at.file,
                at.name_span(),
                format!("`{}` answers any client: no `deny`, authentication or `internal` guards this location", at.name()),
            )
            .with_help("allow the monitoring hosts only: `allow 127.0.0.1; deny all;`"),
        );
    }
}
