//! FPM102 `fpm-terminate-before-nginx-timeout`: a pool's `request_terminate_timeout` shorter than
//! the `fastcgi_read_timeout` in effect where a `fastcgi_pass` reaches the pool (FACTS P4):
//! php-fpm kills the worker first, nginx reads a reset connection and answers 502 where it would
//! have served the slow page or answered 504.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::At;
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::units::parse_time_ms;

use crate::reach::{fastcgi_addresses, Pools, ReachCache};
use crate::words::Parsed;
use ngxlint_engine::inherit::Inherited;

static META: RuleMeta = RuleMeta {
    code: "FPM102",
    name: "fpm-terminate-before-nginx-timeout",
    severity: Severity::Warning,
    summary: "PHP-FPM `request_terminate_timeout` shorter than nginx's `fastcgi_read_timeout`",
    doc: include_str!("../../../../rules/FPM102.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// nginx's `fastcgi_read_timeout` default (FACTS N2).
const NGINX_DEFAULT_MS: u64 = 60_000;

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct FpmTerminateBeforeNginxTimeout;

/// The longest nginx wait that outlasts a pool's limit, and where it comes from.
struct Worst<'p> {
    ms: u64,
    /// The `fastcgi_read_timeout` in effect; `None`: nginx's default.
    timeout: Option<At<'p>>,
    pass: At<'p>,
    locations: usize,
}

fn seconds(ms: u64) -> u64 {
    ms.div_ceil(1000)
}

impl Rule for FpmTerminateBeforeNginxTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.has_fpm() {
            return;
        }
        let pools = Pools::of(cx);
        if !pools
            .list
            .iter()
            .any(|p| p.pool.request_terminate_timeout.value > 0)
        {
            return;
        }
        let mut worst: Vec<Option<Worst<'_>>> = (0..pools.list.len()).map(|_| None).collect();
        let mut order = Vec::new();
        let mut reach = ReachCache::default();
        let read_timeout = Inherited::new(cx.model, ["fastcgi_read_timeout"]);
        let mut parsed = Parsed::new(parse_time_ms);
        let mut done = Vec::new();
        for (scope, pass) in fastcgi_addresses(cx.model) {
            let reached = pools.reached(cx, &mut reach, scope, &pass);
            if reached.is_empty() {
                continue;
            }
            let timeout = read_timeout.last(scope, 0);
            let ms = match &timeout {
                Some((_, at)) => match parsed.first(at) {
                    Some(ms) => ms,
                    // A value nginx refuses is the reader's finding.
                    None => continue,
                },
                // A file read alone: its parent may set the timeout.
                None if cx.model.in_fragment(scope) => continue,
                None => NGINX_DEFAULT_MS,
            };
            done.clear();
            for &i in reached {
                if done.contains(&i) {
                    continue;
                }
                done.push(i);
                let pool = pools.list[i].pool;
                if pool.from_env("request_terminate_timeout") {
                    continue;
                }
                let limit = pool.request_terminate_timeout.value;
                if limit <= 0 || u64::from(limit.unsigned_abs()) * 1000 >= ms {
                    continue;
                }
                match &mut worst[i] {
                    Some(w) => {
                        w.locations += 1;
                        if ms > w.ms {
                            w.ms = ms;
                            w.timeout = timeout.map(|(_, at)| at);
                            w.pass = pass;
                        }
                    }
                    slot @ None => {
                        order.push(i);
                        *slot = Some(Worst {
                            ms,
                            timeout: timeout.map(|(_, at)| at),
                            pass,
                            locations: 1,
                        });
                    }
                }
            }
        }
        for i in order {
            let Some(w) = &worst[i] else { continue };
            let p = pools.list[i];
            let Some(origin) = p.pool.request_terminate_timeout.origin else {
                continue;
            };
            let limit = p.pool.request_terminate_timeout.value;
            let written = p
                .pool
                .get("request_terminate_timeout")
                .map(|r| r.value.clone())
                .unwrap_or_else(|| format!("{limit}s"));
            // As written (a bare number is seconds); nginx's default as the docs give it.
            let nginx = match w.timeout.as_ref().and_then(|at| at.arg(0)) {
                Some(a) if a.ends_with(|c: char| c.is_ascii_digit()) => format!("{a}s"),
                Some(a) => a.into_owned(),
                None => "60s".to_string(),
            };
            let default = if w.timeout.is_none() {
                ", its default"
            } else {
                ""
            };
            let (file, span) = cx.fpm_span(p.tree, &origin);
            let mut d = META.diag(
                file,
                span,
                format!(
                    "pool [{}] kills requests after `request_terminate_timeout = {written}`, before nginx's `fastcgi_read_timeout` of {nginx}{default}: slow requests get 502, not 504",
                    p.pool.name
                ),
            );
            let also = if w.locations > 1 {
                format!(" ({} locations reach the pool)", w.locations)
            } else {
                String::new()
            };
            d = match &w.timeout {
                Some(at) => d.with_related(
                    at.file,
                    at.arg_span(0),
                    format!("nginx waits {nginx} for the response header here{also}"),
                ),
                None => d.with_related(
                    w.pass.file,
                    w.pass.arg_span(0),
                    format!(
                        "this fastcgi_pass waits nginx's default 60s for the response header{also}"
                    ),
                ),
            };
            let wait = seconds(w.ms);
            let mut help = format!(
                "set `request_terminate_timeout = {}s` (above nginx's {wait}s, so nginx answers 504 first)",
                wait + 5
            );
            if limit >= 2 {
                help.push_str(&format!(", or `fastcgi_read_timeout {}s;`", limit - 1));
            }
            // The first of the help's two ways; which side should give is the user's call.
            let value = format!("{}s", wait + 5);
            out.push(
                d.with_help(help)
                    .with_edits(ngxlint_engine::Fix::unsafe_edits(
                        format!("Set `request_terminate_timeout = {value}`"),
                        vec![ngxlint_engine::Edit::replace(file, span, value)],
                    )),
            );
        }
    }
}
