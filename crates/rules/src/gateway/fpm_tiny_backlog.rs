//! FPM104 `fpm-tiny-backlog`: a unix-socket pool whose explicit `listen.backlog` is so short that
//! a burst overflows the socket's accept queue: the kernel refuses nginx's connect with EAGAIN,
//! nginx logs `connect() to unix:… failed (11: Resource temporarily unavailable) while connecting
//! to upstream` and answers 502 (FACTS N6, research/real-servers.md row 9 `bad-backlog`). Below
//! `min_backlog`, or, for a pool that forks its workers on demand, below `pm.max_children`.
//! TCP pools are left alone: there the kernel holds the overflowing connection instead of refusing
//! it (measured: all requests served, in turn).

use std::collections::HashMap;

use fpm_ini::{PmStyle, Pool};
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::fastcgi::{fastcgi_passes, Hop};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

use crate::reach::{where_from, Pools};

static META: RuleMeta = RuleMeta {
    code: "FPM104",
    name: "fpm-tiny-backlog",
    severity: Severity::Warning,
    summary: "PHP-FPM `listen.backlog` too short for bursts on a unix socket (502)",
    doc: include_str!("../../../../rules/FPM104.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// The value the help suggests: php-fpm's documented default on Linux (FACTS P2).
const SUGGESTED: i64 = 511;

/// The rule and its option.
#[derive(Debug, Clone)]
pub struct FpmTinyBacklog {
    /// An explicit backlog below this is reported (Linux's SOMAXCONN before 5.4: the shortest
    /// queue a stock system ever gave php-fpm's default).
    min_backlog: i64,
}

impl Default for FpmTinyBacklog {
    fn default() -> Self {
        FpmTinyBacklog { min_backlog: 128 }
    }
}

impl Rule for FpmTinyBacklog {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.has_fpm() {
            return;
        }
        let pools = Pools::of(cx);
        // A dynamic or ondemand pool forks workers while the requests of a burst wait in the
        // queue: a queue shorter than the pool overflows before the pool is full (measured with
        // both). A static pool's workers are all there: only its overflow waits.
        let forks = |p: &Pool| matches!(p.pm.value, Some(PmStyle::Dynamic | PmStyle::Ondemand));
        // A negative backlog is the kernel's maximum (listen() compares it unsigned).
        let short = |i: usize| {
            let p = pools.list[i];
            let backlog = i64::from(p.pool.listen_backlog.value);
            p.listen.is_unix()
                && p.pool.listen_backlog.origin.is_some()
                && backlog >= 0
                && (backlog < self.min_backlog
                    || (forks(p.pool) && backlog < i64::from(p.pool.pm_max_children.value)))
        };
        if !(0..pools.list.len()).any(short) {
            return;
        }
        // The first pass that reaches each pool, shown as the place that gets the 502s.
        let mut first: HashMap<usize, Hop<'_>> = HashMap::new();
        for (scope, pass) in fastcgi_passes(cx.model) {
            for (i, hop) in pools.reached_by(cx, scope, &pass) {
                first.entry(i).or_insert(hop);
            }
        }
        for i in (0..pools.list.len()).filter(|&i| short(i)) {
            let p = pools.list[i];
            let Some(origin) = p.pool.listen_backlog.origin else {
                continue;
            };
            let backlog = i64::from(p.pool.listen_backlog.value);
            let children = i64::from(p.pool.pm_max_children.value);
            let why = if backlog < self.min_backlog {
                format!("below {}", self.min_backlog)
            } else {
                format!("fewer than its `pm.max_children = {children}`")
            };
            let (file, span) = cx.fpm_span(p.tree, &origin);
            let mut d = META.diag(
                file,
                span,
                format!(
                    "pool [{}] queues only `listen.backlog = {backlog}` connections, {why}: in a burst nginx cannot connect to its socket (`11: Resource temporarily unavailable`) and answers 502",
                    p.pool.name
                ),
            );
            if let Some(hop) = first.get(&i) {
                d = d.with_related(
                    hop.token.file,
                    hop.span,
                    format!("{} connects to `{}`", where_from(hop), hop.endpoint),
                );
            }
            let value =
                SUGGESTED
                    .max(self.min_backlog)
                    .max(if forks(p.pool) { children } else { 0 });
            // The value the help names, in place of the small one.
            out.push(
                d.with_help(format!("set `listen.backlog = {value}`"))
                    .with_fix(
                        format!("Set `listen.backlog = {value}`"),
                        span,
                        value.to_string(),
                    ),
            );
        }
    }

    fn configure(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "min_backlog" | "min-backlog" => {
                self.min_backlog = value.parse::<u32>().map(i64::from).map_err(|_| {
                    format!("`min_backlog` takes a number of connections (`128`), not `{value}`")
                })?;
                Ok(())
            }
            _ => Err(format!("`{}` has no option `{key}`", META.name)),
        }
    }
}
