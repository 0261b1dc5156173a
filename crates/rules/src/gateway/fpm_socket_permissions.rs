//! FPM101 `fpm-socket-permissions`: a pool's unix socket that the nginx workers reaching it
//! cannot connect to (FACTS P2): the root-owned default when `listen.owner`/`listen.group` are
//! unset, an owner/group the workers are not, a `listen.mode` without write access for their
//! class, ACLs that leave them out. Also notes socket settings on a TCP pool, which do nothing.

use std::collections::HashMap;

use fpm_ini::{Listen, Pool, SocketGroup, SocketOwner};
use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::fastcgi::{
    fastcgi_hops, normalize_socket_path, reaches, Endpoint, Locality, Reach,
};
use ngxlint_engine::fpm::FpmTree;
use ngxlint_engine::model::{At, FastMap, Worker};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

use crate::reach::fastcgi_addresses;

static META: RuleMeta = RuleMeta {
    code: "FPM101",
    name: "fpm-socket-permissions",
    severity: Severity::Error,
    summary: "PHP-FPM unix socket the nginx workers that pass to it cannot connect to",
    doc: include_str!("../../../../rules/FPM101.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// Socket settings that only apply to unix sockets.
const SOCKET_KEYS: &[&str] = &[
    "listen.owner",
    "listen.group",
    "listen.mode",
    "listen.acl_users",
    "listen.acl_groups",
];

/// The rule (no options: the workers' supplementary groups come from `--worker-groups`).
#[derive(Debug, Clone, Default)]
pub struct FpmSocketPermissions;

/// A yes/no that may not be knowable (numeric ids against names).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Unknown,
}

impl From<bool> for Tri {
    fn from(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }
}

/// Whether the worker user is the socket's owner. Unset owner = the master's user, root (the
/// FPM master must run as root for `listen.owner` and the pool `user` to mean anything).
fn is_owner(owner: &SocketOwner, user: &str) -> Tri {
    match owner {
        SocketOwner::MasterUser => (user == "root").into(),
        SocketOwner::Named(n) => (n == user).into(),
        SocketOwner::Uid(0) => (user == "root").into(),
        SocketOwner::Uid(_) => Tri::Unknown,
    }
}

/// Whether the worker is in the socket's group. The primary group of a user is taken to be the
/// group of the same name (the Debian convention; /etc/group is not read).
fn in_group(group: &SocketGroup, groups: &[String]) -> Tri {
    let has = |g: &str| groups.iter().any(|x| x == g);
    match group {
        SocketGroup::MasterGroup => has("root").into(),
        SocketGroup::Named(g) | SocketGroup::PrimaryGroupOf(g) => has(g).into(),
        SocketGroup::Gid(0) => has("root").into(),
        SocketGroup::Gid(_) => Tri::Unknown,
    }
}

fn owner_name(o: &SocketOwner) -> String {
    match o {
        SocketOwner::MasterUser => "root".into(),
        SocketOwner::Named(n) => n.clone(),
        SocketOwner::Uid(u) => u.to_string(),
    }
}

fn group_name(g: &SocketGroup) -> String {
    match g {
        SocketGroup::MasterGroup => "root".into(),
        SocketGroup::Named(n) | SocketGroup::PrimaryGroupOf(n) => n.clone(),
        SocketGroup::Gid(g) => g.to_string(),
    }
}

/// Why the workers cannot connect (connect(2) on a unix socket needs write permission).
enum Denied {
    /// The worker owns the socket; the owner bits lack write.
    OwnerBits,
    /// The worker is in the socket's group; the group bits lack write.
    GroupBits,
    /// Neither owner nor group (nor an ACL entry); the other bits lack write.
    Other,
}

/// The access check the kernel makes, with the identities the configuration gives.
fn check(pool: &Pool, worker: &Worker<'_>, groups: &[String]) -> Option<Denied> {
    if worker.user == "root" {
        return None;
    }
    let mode = pool.listen_mode.value;
    let acl = !pool.listen_acl_users.value.is_empty() || !pool.listen_acl_groups.value.is_empty();
    // With ACLs php-fpm ignores listen.owner/listen.group: the socket stays the master's.
    let (owner, group) = if acl {
        (SocketOwner::MasterUser, SocketGroup::MasterGroup)
    } else {
        (
            pool.listen_owner.value.clone(),
            pool.listen_group.value.clone(),
        )
    };
    match is_owner(&owner, &worker.user) {
        Tri::Yes => return (mode & 0o200 == 0).then_some(Denied::OwnerBits),
        Tri::Unknown => return None,
        Tri::No => {}
    }
    if acl {
        // Named ACL entries get rw, and php-fpm recalculates the mask so they stay effective.
        if pool
            .listen_acl_users
            .value
            .iter()
            .any(|u| u.trim() == worker.user)
        {
            return None;
        }
        let acl_group = pool
            .listen_acl_groups
            .value
            .iter()
            .any(|g| groups.iter().any(|x| x == g.trim()));
        if acl_group {
            return None;
        }
    }
    match in_group(&group, groups) {
        Tri::Yes => (mode & 0o020 == 0).then_some(Denied::GroupBits),
        Tri::Unknown => None,
        Tri::No => (mode & 0o002 == 0).then_some(Denied::Other),
    }
}

/// Removes every line that sets a key (the winning one and those it overrides).
fn remove_setting(cx: &Cx<'_>, tree: &FpmTree, r: &fpm_ini::RawSetting) -> Vec<Edit> {
    std::iter::once(&r.origin)
        .chain(&r.earlier)
        .map(|o| {
            let (file, span) = cx.fpm_key_span(tree, o);
            let src = &cx.project.files.get(file).bytes;
            ngxlint_engine::edit::remove_line(file, src, span.start as usize)
        })
        .collect()
}

/// Groups a hosting platform's installer makes the web server's user a member of, for the
/// sockets it gives them: Plesk's `psaserv` (its pools' `listen.group`; `nginx` and `apache` are
/// in it). The host's `/etc/group` is not read (see `--worker-groups`).
const PLATFORM_GROUPS: &[&str] = &["psaserv"];

impl FpmSocketPermissions {
    fn report(
        &self,
        cx: &Cx<'_>,
        tree: &FpmTree,
        pool: &Pool,
        worker: &Worker<'_>,
        pass: &At<'_>,
        out: &mut Vec<Diagnostic>,
    ) {
        let mut groups = vec![worker.group.clone()];
        groups.extend(cx.settings.worker_groups.iter().cloned());
        groups.extend(PLATFORM_GROUPS.iter().map(|g| g.to_string()));
        let Some(why) = check(pool, worker, &groups) else {
            return;
        };
        let Some(Listen::Unix { path }) = &pool.listen_address else {
            return;
        };
        let Some(listen_origin) = pool.listen.origin else {
            return;
        };
        let mode = pool.listen_mode.value;
        let who = if worker.group == worker.user {
            format!("`{}`", worker.user)
        } else {
            format!("`{}:{}`", worker.user, worker.group)
        };
        let acl =
            !pool.listen_acl_users.value.is_empty() || !pool.listen_acl_groups.value.is_empty();
        // What the help says, as (key, value) pairs for the fix.
        let mut set: Vec<(&str, String)> = Vec::new();
        let (origin, message, help) = match why {
            Denied::OwnerBits | Denied::GroupBits => {
                let (class, need) = match why {
                    Denied::OwnerBits => (format!("owner `{}`", worker.user), 0o600),
                    _ => (
                        format!(
                            "group `{}`",
                            group_name(if acl {
                                &SocketGroup::MasterGroup
                            } else {
                                &pool.listen_group.value
                            })
                        ),
                        0o060,
                    ),
                };
                let Some(o) = pool.listen_mode.origin else {
                    return;
                };
                (
                    o,
                    format!(
                        "listen.mode `{mode:04o}` gives the socket's {class} no write access: nginx workers running as {who} cannot connect to `{path}`"
                    ),
                    {
                        set.push(("listen.mode", format!("{:04o}", mode | need)));
                        format!("set `listen.mode = {:04o}`", mode | need)
                    },
                )
            }
            Denied::Other if acl => {
                let o = pool
                    .listen_acl_users
                    .origin
                    .filter(|_| !pool.listen_acl_users.value.is_empty())
                    .or(pool.listen_acl_groups.origin)
                    .unwrap_or(listen_origin);
                let mut users: Vec<String> = pool
                    .listen_acl_users
                    .value
                    .iter()
                    .map(|u| u.trim().to_string())
                    .filter(|u| !u.is_empty())
                    .collect();
                users.push(worker.user.clone());
                set.push(("listen.acl_users", users.join(",")));
                (
                    o,
                    format!(
                        "no ACL entry of pool [{}] names nginx workers running as {who}, and mode `{mode:04o}` gives others no write access to `{path}`",
                        pool.name
                    ),
                    format!("set `listen.acl_users = {}`", users.join(",")),
                )
            }
            Denied::Other => {
                let owner_set = pool
                    .get("listen.owner")
                    .is_some_and(|r| !r.value.is_empty());
                let group_set = pool
                    .get("listen.group")
                    .is_some_and(|r| !r.value.is_empty());
                let o = pool
                    .get("listen.group")
                    .filter(|_| group_set)
                    .or_else(|| pool.get("listen.owner").filter(|_| owner_set))
                    .map(|r| r.origin)
                    .unwrap_or(listen_origin);
                let unset = if !owner_set && !group_set {
                    " (the master's, `listen.owner` unset)"
                } else {
                    ""
                };
                let message = format!(
                    "socket `{path}` of pool [{}] is `{}:{}` {mode:04o}{unset}: nginx workers running as {who} cannot connect",
                    pool.name,
                    owner_name(&pool.listen_owner.value),
                    group_name(&pool.listen_group.value),
                );
                let help = if owner_set {
                    let mut h = format!("set `listen.group = {}`", worker.group);
                    set.push(("listen.group", worker.group.clone()));
                    if mode & 0o020 == 0 {
                        h.push_str(&format!(" and `listen.mode = {:04o}`", mode | 0o060));
                        set.push(("listen.mode", format!("{:04o}", mode | 0o060)));
                    }
                    h
                } else {
                    let mut h = format!(
                        "set `listen.owner = {}` and `listen.group = {}`",
                        worker.user, worker.group
                    );
                    set.push(("listen.owner", worker.user.clone()));
                    set.push(("listen.group", worker.group.clone()));
                    if mode & 0o200 == 0 {
                        h.push_str(&format!(" and `listen.mode = {:04o}`", mode | 0o600));
                        set.push(("listen.mode", format!("{:04o}", mode | 0o600)));
                    }
                    h
                };
                (o, message, format!("{help} (nginx workers run as {who})"))
            }
        };
        let (file, span) = cx.fpm_span(tree, &origin);
        // Exactly the settings the help names, in the pool: safe.
        let edits = cx.fpm_set(tree, pool, &listen_origin, &set);
        let mut d = META
            .diag(file, span, message)
            .with_help(help)
            .with_edits(Fix::safe(
                format!("Let nginx workers running as {who} connect"),
                edits,
            ));
        if let Some(u) = &worker.at {
            d = d.with_related(u.file, u.arg_span(0), format!("nginx workers run as {who}"));
        }
        d = d.with_related(
            pass.file,
            pass.arg_span(0),
            "this fastcgi_pass connects to the socket".to_string(),
        );
        out.push(d);
    }
}

impl Rule for FpmSocketPermissions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        // Socket settings on a TCP pool: php-fpm only applies them to unix sockets.
        for (t, p) in cx.pools() {
            let Some(l) = p.listen_address.as_ref().filter(|l| !l.is_unix()) else {
                continue;
            };
            for key in SOCKET_KEYS {
                if let Some(r) = p.get(key) {
                    let (file, span) = cx.fpm_key_span(t, &r.origin);
                    out.push(
                        META.diag_at(
                            Severity::Info,
                            file,
                            span,
                            format!("`{key}` has no effect: pool [{}] listens on TCP `{l}`", p.name),
                        )
                        .with_help(format!(
                            "remove `{key}` (`listen.allowed_clients` limits who may connect over TCP)"
                        ))
                        // The line does nothing: removing it changes nothing.
                        .with_edits(Fix::safe(
                            format!("Remove `{key}`"),
                            remove_setting(cx, t, r),
                        )),
                    );
                }
            }
        }
        // Unix pools that a fastcgi_pass reaches, per nginx tree whose `user` is written.
        let pools: Vec<(&FpmTree, &Pool, &Listen, usize)> = cx
            .project
            .fpm
            .iter()
            .enumerate()
            .flat_map(|(f, t)| t.config.pools.iter().map(move |p| (f, t, p)))
            .filter_map(|(f, t, p)| p.listen_address.as_ref().map(|l| (t, p, l, f)))
            .filter(|(_, _, l, _)| l.is_unix())
            .collect();
        if pools.is_empty() {
            return;
        }
        // Pools by socket path: a large project has thousands of passes and hundreds of pools.
        let mut by_path: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (_, _, l, _)) in pools.iter().enumerate() {
            if let Listen::Unix { path } = l {
                by_path
                    .entry(normalize_socket_path(path))
                    .or_default()
                    .push(i);
            }
        }
        // The unix pools one pass reaches for certain.
        let reach = |scope, at: &At<'_>, into: &mut Vec<usize>| {
            // Only the pools of the pass's own stack.
            let tree = cx.model.scope(scope).tree;
            for hop in fastcgi_hops(cx.model, scope, at) {
                if hop.endpoint.locality() != Locality::Local {
                    continue;
                }
                // Only an absolute socket path reaches a unix pool for certain.
                let Endpoint::Unix(path) = &hop.endpoint else {
                    continue;
                };
                if !path.starts_with('/') {
                    continue;
                }
                for &i in by_path
                    .get(&normalize_socket_path(path))
                    .into_iter()
                    .flatten()
                {
                    debug_assert_eq!(reaches(&hop.endpoint, pools[i].2), Reach::Yes);
                    if cx.in_stack(tree, pools[i].3) {
                        into.push(i);
                    }
                }
            }
        };
        let trees = cx.model.roots.len();
        // Whose workers are known, per tree (asked once, not once per pass).
        let known: Vec<bool> = (0..trees).map(|t| cx.worker(t).is_some()).collect();
        // The first pass to reach each pool, per tree.
        let mut reached: Vec<Option<At<'_>>> = vec![None; trees * pools.len()];
        let mut order = Vec::new();
        // What an address without variables reaches, by tree and address as written.
        let mut by_address: FastMap<(usize, &[u8]), Vec<usize>> = FastMap::default();
        let mut scratch = Vec::new();
        for (scope, at) in fastcgi_addresses(cx.model) {
            let tree = cx.model.scope(scope).tree;
            if !known.get(tree).copied().unwrap_or(false) {
                continue;
            }
            let Some(w) = at.dir.args.first() else {
                continue;
            };
            let raw = w.raw(at.src);
            let hit: &[usize] = if raw.contains(&b'$') {
                scratch.clear();
                reach(scope, &at, &mut scratch);
                &scratch
            } else {
                by_address.entry((tree, raw)).or_insert_with(|| {
                    let mut v = Vec::new();
                    reach(scope, &at, &mut v);
                    v
                })
            };
            for &i in hit {
                let slot = &mut reached[tree * pools.len() + i];
                if slot.is_none() {
                    order.push((tree, i));
                    *slot = Some(at);
                }
            }
        }
        for (tree, i) in order {
            let (t, p, _, _) = pools[i];
            let Some(worker) = cx.worker(tree) else {
                continue;
            };
            let Some(pass) = reached[tree * pools.len() + i] else {
                continue;
            };
            self.report(cx, t, p, &worker, &pass, out);
        }
    }
}
