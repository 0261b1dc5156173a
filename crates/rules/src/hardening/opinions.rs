//! Opinions about capacity settings, opt-in: NGX503 `keepalive-requests-low`, NGX504
//! `worker-processes-unset`, NGX318 `proxy-buffering-off`, NGX214 `try-files-without-file-cache`.
//! Each is a setting nginx accepts and a workload may want; they cost throughput or memory under
//! load, which is why other linters report them.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Group, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static KEEPALIVE: RuleMeta = RuleMeta {
    code: "NGX503",
    name: "keepalive-requests-low",
    severity: Severity::Info,
    summary: "`keepalive_requests` under 1000: clients reconnect (and redo TLS) that often",
    doc: include_str!("../../../../rules/NGX503.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &["gixy:low_keepalive_requests"],
};

/// nginx's default since 1.19.10.
const KEEPALIVE_DEFAULT: u64 = 1000;

/// NGX503.
#[derive(Debug, Clone, Default)]
pub struct KeepaliveRequestsLow;

impl Rule for KeepaliveRequestsLow {
    fn meta(&self) -> &'static RuleMeta {
        &KEEPALIVE
    }

    fn directives(&self) -> &'static [&'static str] {
        &["keepalive_requests"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        // The upstream block's `keepalive_requests` counts requests per cached upstream connection.
        if cx.model.scope(scope).kind == Context::HttpUpstream {
            return;
        }
        let Some(n) = at.arg(0).and_then(|v| v.parse::<u64>().ok()) else {
            return;
        };
        if n >= KEEPALIVE_DEFAULT {
            return;
        }
        out.push(
            KEEPALIVE
                .diag(
                    at.file,
                    at.arg_span(0),
                    format!("`keepalive_requests {n}` closes each client connection after {n} requests: busy clients reconnect, and redo the TLS handshake, that often (nginx's default is 1000)"),
                )
                .with_help("remove it (nginx's default is 1000) or raise it"),
        );
    }
}

static WORKERS: RuleMeta = RuleMeta {
    code: "NGX504",
    name: "worker-processes-unset",
    severity: Severity::Info,
    summary: "no `worker_processes` in a main configuration: nginx runs one worker, on one core",
    doc: include_str!("../../../../rules/NGX504.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &["gixy:missing_worker_processes"],
};

/// NGX504.
#[derive(Debug, Clone, Default)]
pub struct WorkerProcessesUnset;

impl Rule for WorkerProcessesUnset {
    fn meta(&self) -> &'static RuleMeta {
        &WORKERS
    }

    fn directives(&self) -> &'static [&'static str] {
        &["events"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let sc = model.scope(scope);
        if sc.kind != Context::Main || model.in_fragment(scope) {
            return;
        }
        if model.here(scope, "worker_processes").next().is_some() {
            return;
        }
        out.push(
            WORKERS
                .diag(
                    at.file,
                    at.name_span(),
                    "no `worker_processes` in this main configuration: nginx runs one worker process, which uses one CPU core whatever the machine has",
                )
                .with_help("add `worker_processes auto;` at the top level (one worker per core)"),
        );
    }
}

static BUFFERING: RuleMeta = RuleMeta {
    code: "NGX318",
    name: "proxy-buffering-off",
    severity: Severity::Info,
    summary: "`proxy_buffering off`: each slow client holds its upstream connection for the whole response",
    doc: include_str!("../../../../rules/NGX318.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &["gixy:proxy_buffering_off"],
};

/// NGX318.
#[derive(Debug, Clone, Default)]
pub struct ProxyBufferingOff;

impl Rule for ProxyBufferingOff {
    fn meta(&self) -> &'static RuleMeta {
        &BUFFERING
    }

    fn directives(&self) -> &'static [&'static str] {
        &["proxy_buffering"]
    }

    fn on_directive(&self, _cx: &Cx<'_>, _scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        if at.arg(0).as_deref() != Some("off") {
            return;
        }
        out.push(
            BUFFERING
                .diag(
                    at.file,
                    at.head_span(),
                    "`proxy_buffering off` sends the response at the client's pace: each slow client holds an upstream connection (and its worker) for the whole response",
                )
                .with_help("keep it only where responses must stream (server-sent events, long polling); elsewhere remove it, or send `X-Accel-Buffering: no` from the application for those responses"),
        );
    }
}

static TRY_FILES: RuleMeta = RuleMeta {
    code: "NGX214",
    name: "try-files-without-file-cache",
    severity: Severity::Info,
    summary:
        "`try_files` with no `open_file_cache`: every request asks the disk about each candidate",
    doc: include_str!("../../../../rules/NGX214.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &["gixy:try_files_is_evil_too"],
};

/// NGX214.
#[derive(Debug, Clone, Default)]
pub struct TryFilesWithoutFileCache;

impl Rule for TryFilesWithoutFileCache {
    fn meta(&self) -> &'static RuleMeta {
        &TRY_FILES
    }

    fn directives(&self) -> &'static [&'static str] {
        &["try_files"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let effective = cx.model.effective(scope, "open_file_cache");
        // A fragment's parent may set the cache; what is not in the run is not judged.
        if effective.is_none() && cx.model.in_fragment(scope) {
            return;
        }
        if effective.is_some_and(|(_, d)| d.arg(0).is_some_and(|v| v != "off")) {
            return;
        }
        // One cause, one finding: every `try_files` under the block that would take the cache
        // (the `http` block, or the one whose `open_file_cache off` is in effect) is counted on
        // the first of them; a tree of 2,000 sites is told once that its `http` block has none.
        let missing_in = match effective {
            Some((id, _)) => id,
            None => cx.model.chain(scope).last().unwrap_or(scope),
        };
        // Only the files before the fallback are looked up.
        let candidates = at.nargs().saturating_sub(1);
        if candidates == 0 {
            return;
        }
        out.push(
            TRY_FILES
                .diag(
                    at.file,
                    at.name_span(),
                    format!("`try_files` asks the file system about {candidates} candidate{} on every request here, and no `open_file_cache` keeps the answers", if candidates == 1 { "" } else { "s" }),
                )
                .with_help("set `open_file_cache max=10000 inactive=30s;` (and `open_file_cache_errors on;` to keep the misses) where the files change rarely")
                .in_group(Group {
                    key: format!("NGX214:{}", missing_in.0),
                    what: "`try_files` without a file cache".into(),
                    item: "try_files".into(),
                }),
        );
    }
}
