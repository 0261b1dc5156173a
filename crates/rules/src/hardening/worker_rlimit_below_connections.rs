//! NGX505 `worker-rlimit-below-connections`: `worker_rlimit_nofile` under twice
//! `worker_connections`. A proxied or FastCGI request holds two descriptors in its worker (the
//! client's connection and the upstream's), and a file being sent holds one besides the client's;
//! with fewer descriptors than that, a busy worker fails requests with `Too many open files` long
//! before it reaches its connection limit. Both numbers are in the configuration: a warning.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX505",
    name: "worker-rlimit-below-connections",
    severity: Severity::Warning,
    summary: "`worker_rlimit_nofile` under twice `worker_connections`: a busy worker runs out of descriptors",
    doc: include_str!("../../../../rules/NGX505.md"),
    family: Family::Hardening,
    default: Enabled::On,
    aliases: &["gixy:worker_rlimit_nofile_vs_connections"],
};

/// nginx's `worker_connections` when the `events` block does not set it.
const DEFAULT_CONNECTIONS: u64 = 512;

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct WorkerRlimitBelowConnections;

impl Rule for WorkerRlimitBelowConnections {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        for &root in &model.roots {
            if model.scope(root).kind != Context::Main || model.in_fragment(root) {
                continue;
            }
            let Some(limit_at) = model.here(root, "worker_rlimit_nofile").last().copied() else {
                continue;
            };
            let Some(limit) = limit_at.arg(0).and_then(|v| v.parse::<u64>().ok()) else {
                continue;
            };
            // The `events` block nginx requires; without one nginx does not start (NGX0xx).
            let Some(events) = model
                .scope(root)
                .children
                .iter()
                .copied()
                .find(|&c| model.scope(c).kind == Context::Events)
            else {
                continue;
            };
            let conn_at = model.here(events, "worker_connections").last().copied();
            let connections = match conn_at {
                Some(at) => match at.arg(0).and_then(|v| v.parse::<u64>().ok()) {
                    Some(n) => n,
                    None => continue,
                },
                None => DEFAULT_CONNECTIONS,
            };
            if limit >= 2 * connections {
                continue;
            }
            let set = match conn_at {
                Some(_) => format!("`worker_connections {connections}`"),
                None => format!("nginx's default `worker_connections {connections}`"),
            };
            let mut d = META
                .diag(
                    limit_at.file,
                    limit_at.arg_span(0),
                    format!(
                        "`worker_rlimit_nofile {limit}` is under twice {set}: a proxied or FastCGI request holds two descriptors, so a busy worker fails requests with `Too many open files` at about {} of them, not {connections}",
                        limit / 2
                    ),
                )
                .with_help(format!(
                    "raise `worker_rlimit_nofile` to at least {} (twice `worker_connections`), or lower `worker_connections`",
                    2 * connections
                ));
            if let Some(at) = conn_at {
                d = d.with_place(
                    at.file,
                    at.arg_span(0),
                    "the connections each worker accepts",
                );
            }
            out.push(d);
        }
    }
}
