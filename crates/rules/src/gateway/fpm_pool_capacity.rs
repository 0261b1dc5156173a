//! FPM105 `fpm-pool-capacity`: with the host's memory and the average PHP worker size declared in
//! configuration, the `pm.max_children` of the pools one php-fpm master runs, summed, against the
//! rule of thumb "80% of the memory divided by the worker size". Above it, a busy host runs out of
//! memory and the kernel kills workers (nginx: `recv() failed (104: Connection reset by peer)`,
//! 502); under a quarter of it, requests wait in the socket's queue for a worker until nginx gives
//! up (`upstream timed out (110: Connection timed out)`, 504; FACTS P5, research/real-servers.md
//! row 9). Silent until both sizes are declared: the configuration does not say how big the host is.

use std::path::PathBuf;

use fpm_ini::{PmStyle, Pool};
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::fpm::FpmTree;
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::units::parse_offset;

static META: RuleMeta = RuleMeta {
    code: "FPM105",
    name: "fpm-pool-capacity",
    severity: Severity::Warning,
    summary: "PHP-FPM `pm.max_children` out of proportion to the declared host memory",
    doc: include_str!("../../../../rules/FPM105.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// A pool total below `budget / UNDER` is reported as too small.
const UNDER: u64 = 4;

/// The rule and its options (both needed; without them the rule is silent).
#[derive(Debug, Clone, Default)]
pub struct FpmPoolCapacity {
    /// `host_memory` in bytes.
    host: Option<u64>,
    /// `worker_memory` in bytes.
    worker: Option<u64>,
}

/// The pools one php-fpm master runs: a main configuration with its includes, or pool files
/// found without one, counted together when they sit in the same folder.
#[derive(PartialEq)]
enum Master {
    Tree(usize),
    Folder(PathBuf),
}

/// A size as written in configuration: `4g`, `512m`, `64k`, else bytes.
fn show(bytes: u64) -> String {
    const K: u64 = 1024;
    for (unit, size) in [("g", K * K * K), ("m", K * K), ("k", K)] {
        if bytes >= size && bytes % size == 0 {
            return format!("{}{unit}", bytes / size);
        }
    }
    bytes.to_string()
}

/// The lines that set a pool to `new` children and keep php-fpm's checks on a dynamic pool
/// (spare servers and start servers may not exceed `pm.max_children`, FACTS P3).
fn settings(pool: &Pool, new: i32) -> Vec<String> {
    pairs(pool, new)
        .iter()
        .map(|(k, v)| format!("`{k} = {v}`"))
        .collect()
}

/// The keys to set for `pm.max_children = new` to hold on a `dynamic` pool, with their values.
/// Shrunk, the spare and start counts fit under the new size (php-fpm refuses them above it,
/// FACTS P3). Grown, they keep their share of the pool: a raised `pm.max_children` alone leaves
/// php-fpm forking one worker a second once the spare workers are busy, so a burst still waits
/// past nginx's timeout (measured in the FPM105 real-server scenario: 2 of 5 served, 3 × 504),
/// where a pool that kept all its workers ready keeps them all ready.
fn pairs(pool: &Pool, new: i32) -> Vec<(&'static str, String)> {
    let mut out = vec![("pm.max_children", new.to_string())];
    if pool.pm.value != Some(PmStyle::Dynamic) {
        return out;
    }
    let old = pool.pm_max_children.value.max(1);
    let resize = |n: i32| -> i32 {
        if new > old {
            let scaled = i64::from(n) * i64::from(new) / i64::from(old);
            i32::try_from(scaled.min(i64::from(new))).unwrap_or(new)
        } else {
            n.min(new)
        }
    };
    // Each count moves by the same monotone map, so min <= start <= max <= max_children holds.
    for (key, v) in [
        ("pm.max_spare_servers", &pool.pm_max_spare_servers),
        ("pm.min_spare_servers", &pool.pm_min_spare_servers),
    ] {
        let to = resize(v.value);
        if to != v.value {
            out.push((key, to.to_string()));
        }
    }
    // An implicit start count is php-fpm's own, from the spare counts.
    let start = &pool.pm_start_servers;
    if start.is_explicit() && resize(start.value) != start.value {
        out.push(("pm.start_servers", resize(start.value).to_string()));
    }
    out
}

/// Edits setting `pairs(pool, new)` in a pool (new keys below its `pm.max_children`).
fn set(cx: &Cx<'_>, tree: &FpmTree, pool: &Pool, new: i32) -> Vec<ngxlint_engine::Edit> {
    match &pool.pm_max_children.origin {
        Some(anchor) => {
            let p = pairs(pool, new);
            let p: Vec<(&str, String)> = p.iter().map(|(k, v)| (*k, v.clone())).collect();
            cx.fpm_set(tree, pool, anchor, &p)
        }
        None => Vec::new(),
    }
}

fn size(key: &str, value: &str) -> Result<u64, String> {
    match parse_offset(value.trim()) {
        Some(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "`{key}` takes a size in bytes with an optional k, m or g (`4g`, `512m`), not `{value}`"
        )),
    }
}

impl FpmPoolCapacity {
    /// One master's pools against the budget.
    fn judge(
        &self,
        cx: &Cx<'_>,
        pools: &[(&FpmTree, &Pool)],
        host: u64,
        worker: u64,
        out: &mut Vec<Diagnostic>,
    ) {
        // A pool php-fpm refuses stops the whole master: the reader reports it.
        if pools.is_empty()
            || pools
                .iter()
                .any(|(_, p)| p.pm.value.is_none() || p.pm_max_children.value < 1)
        {
            return;
        }
        let total: u64 = pools
            .iter()
            .map(|(_, p)| u64::from(p.pm_max_children.value.unsigned_abs()))
            .sum();
        let budget =
            (u128::from(host) * 4 / (u128::from(worker) * 5)).min(u128::from(u32::MAX)) as u64;
        let over = total > budget;
        if !over && total * UNDER >= budget {
            return;
        }
        // The biggest pool (the first of equals) carries the finding and the change.
        let mut big = 0;
        for (i, (_, p)) in pools.iter().enumerate() {
            if p.pm_max_children.value > pools[big].1.pm_max_children.value {
                big = i;
            }
        }
        let (tree, pool) = pools[big];
        let Some(origin) = pool.pm_max_children.origin else {
            return;
        };
        let who = if pools.len() == 1 {
            format!("pool [{}] runs", pool.name)
        } else {
            format!("the {} pools of this php-fpm run", pools.len())
        };
        let fit = format!(
            "the {budget} that fit in 80% of the declared {} host memory at {} each",
            show(host),
            show(worker)
        );
        let message = if over {
            format!("{who} up to {total} PHP workers, more than {fit}: under load the kernel kills workers for memory and nginx answers 502")
        } else {
            format!("{who} at most {total} PHP workers, under a quarter of {fit}: under load requests wait for a worker until nginx answers 504")
        };
        let (file, span) = cx.fpm_span(tree, &origin);
        let mut d = META.diag(file, span, message);
        for (i, (t, p)) in pools.iter().enumerate() {
            if i == big {
                continue;
            }
            if let Some(o) = p.pm_max_children.origin {
                let (f, s) = cx.fpm_span(t, &o);
                d = d.with_place(
                    f,
                    s,
                    format!("pool [{}] runs up to {}", p.name, p.pm_max_children.value),
                );
            }
        }
        let current = u64::from(pool.pm_max_children.value.unsigned_abs());
        let others = total - current;
        let pool_name = |p: &Pool| {
            if pools.len() == 1 {
                String::new()
            } else {
                format!(" in pool [{}]", p.name)
            }
        };
        let mut edits = Vec::new();
        let help = if !over {
            let new = i32::try_from(current + (budget - total)).unwrap_or(i32::MAX);
            edits = set(cx, tree, pool, new);
            format!(
                "set {}{} ({budget} workers in all)",
                settings(pool, new).join(", "),
                pool_name(pool)
            )
        } else if budget == 0 {
            format!(
                "check `host_memory` ({}) and `worker_memory` ({}) in ngxlint.toml: one worker takes more than 80% of the host",
                show(host),
                show(worker)
            )
        } else if others < budget {
            let new = i32::try_from(budget - others).unwrap_or(i32::MAX);
            edits = set(cx, tree, pool, new);
            format!(
                "set {}{} ({budget} workers in all)",
                settings(pool, new).join(", "),
                pool_name(pool)
            )
        } else {
            // The other pools alone exceed the budget: share it in proportion.
            let parts: Vec<String> = pools
                .iter()
                .map(|(t, p)| {
                    let share = u64::from(p.pm_max_children.value.unsigned_abs()) * budget / total;
                    let new = i32::try_from(share.max(1)).unwrap_or(i32::MAX);
                    edits.extend(set(cx, t, p, new));
                    format!("{}{}", settings(p, new).join(", "), pool_name(p))
                })
                .collect();
            format!("set {} (about {budget} workers in all)", parts.join("; "))
        };
        // The sizes rest on the memory figures declared in ngxlint.toml: for the user to review.
        out.push(
            d.with_help(help)
                .with_edits(ngxlint_engine::Fix::unsafe_edits(
                    "Size `pm.max_children` to the declared memory",
                    edits,
                )),
        );
    }
}

impl Rule for FpmPoolCapacity {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let (Some(host), Some(worker)) = (self.host, self.worker) else {
            return;
        };
        let mut masters: Vec<(Master, Vec<(&FpmTree, &Pool)>)> = Vec::new();
        for (i, tree) in cx.project.fpm.iter().enumerate() {
            let master = if tree.pool_file_only {
                let Some(&id) = tree.file_ids.first() else {
                    continue;
                };
                let path = &cx.project.files.get(id).path;
                Master::Folder(path.parent().map(PathBuf::from).unwrap_or_default())
            } else {
                Master::Tree(i)
            };
            let pools = tree.config.pools.iter().map(|p| (tree, p));
            match masters.iter_mut().find(|(m, _)| *m == master) {
                Some((_, list)) => list.extend(pools),
                None => masters.push((master, pools.collect())),
            }
        }
        for (_, pools) in &masters {
            self.judge(cx, pools, host, worker, out);
        }
    }

    fn configure(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "host_memory" | "host-memory" => self.host = Some(size("host_memory", value)?),
            "worker_memory" | "worker-memory" => self.worker = Some(size("worker_memory", value)?),
            _ => return Err(format!("`{}` has no option `{key}`", META.name)),
        }
        Ok(())
    }
}
