//! NGX112 `quic-bpf-reload`: `quic_bpf on` in a main configuration that runs several worker
//! processes and has a QUIC `listen` with `reuseport`. nginx routes QUIC packets to the workers'
//! `reuseport` sockets with an eBPF program only for such listeners
//! (`ngx_quic_bpf_module_init()` skips the others), and a reload leaves packets of new
//! connections reaching the old workers' sockets, where they are not answered: nginx's issue
//! #425, open, which an nginx developer confirmed ("nginx reload breaks some QUIC connections").
//! With one worker there is nothing to route.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, Model, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX112",
    name: "quic-bpf-reload",
    severity: Severity::Warning,
    summary: "`quic_bpf on` with several workers and a `listen ... quic reuseport`: a reload leaves new QUIC connections unanswered (nginx issue #425)",
    doc: include_str!("../../../../rules/NGX112.md"),
    family: Family::Hardening,
    default: Enabled::On,
    aliases: &["gixy:quic_bpf_reuseport"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct QuicBpfReload;

/// The first `listen` of a server of the tree with both `quic` and `reuseport`.
fn quic_reuseport<'m, 'p>(model: &'m Model<'p>, root: ScopeId) -> Option<&'m At<'p>> {
    let tree = model.scope(root).tree;
    model
        .everywhere("listen")
        .filter(|(s, _)| {
            let scope = model.scope(*s);
            scope.tree == tree && scope.kind == Context::HttpServer
        })
        .map(|(_, at)| at)
        .find(|at| {
            let args = at.args();
            let has = |w: &str| args.iter().skip(1).any(|a| a.eq_ignore_ascii_case(w));
            has("quic") && has("reuseport")
        })
}

impl Rule for QuicBpfReload {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        for &root in &model.roots {
            if model.scope(root).kind != Context::Main || model.in_fragment(root) {
                continue;
            }
            let Some(bpf) = model.here(root, "quic_bpf").last().copied() else {
                continue;
            };
            if !bpf.arg(0).is_some_and(|v| v.eq_ignore_ascii_case("on")) {
                continue;
            }
            // nginx's default is one worker: nothing to route between.
            let Some(workers_at) = model.here(root, "worker_processes").last().copied() else {
                continue;
            };
            let Some(workers) = workers_at.arg(0) else {
                continue;
            };
            let several =
                workers.eq_ignore_ascii_case("auto") || workers.parse::<u64>().is_ok_and(|n| n > 1);
            if !several {
                continue;
            }
            let Some(listen) = quic_reuseport(model, root) else {
                continue;
            };
            out.push(
                META.diag(
                    bpf.file,
                    bpf.arg_span(0),
                    format!(
                        "`quic_bpf on` with `worker_processes {workers}` and a `listen ... quic reuseport`: after a reload, packets of new QUIC connections that reach the old workers' sockets go unanswered until those workers exit (nginx issue #425, open)"
                    ),
                )
                .with_place(
                    workers_at.file,
                    workers_at.arg_span(0),
                    "several workers share the QUIC port",
                )
                .with_place(listen.file, listen.dir.name.span, "a QUIC listener with `reuseport`")
                .with_help("set `quic_bpf off;` until nginx fixes issue #425 (HTTP/3 keeps working, without eBPF routing), or restart nginx instead of reloading it"),
            );
        }
    }
}
