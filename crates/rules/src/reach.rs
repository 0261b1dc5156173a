//! Shared by the rules that judge a `fastcgi_pass` against the pool it reaches (FPM102, FPM103,
//! FPM104, NGX309): the project's pools with a listen address, and which of them a pass certainly reaches.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use fpm_ini::{Listen, Pool};
use nginx_syntax::directives::Context;
use ngxlint_engine::fastcgi::{
    fastcgi_hops, normalize_socket_path, reaches, Endpoint, Hop, Locality, Reach, Via,
};
use ngxlint_engine::fpm::FpmTree;
use ngxlint_engine::model::{At, FastMap, Model, PassModule, ScopeId};
use ngxlint_engine::rule::Cx;

/// A pool with the tree it belongs to and its listen address.
#[derive(Clone, Copy)]
pub(crate) struct PoolRef<'p> {
    /// The FPM configuration the pool is in.
    pub tree: &'p FpmTree,
    /// Its index in `project.fpm` (which stacks hold it).
    pub fpm: usize,
    /// The pool.
    pub pool: &'p Pool,
    /// Where it listens.
    pub listen: &'p Listen,
}

/// The project's pools, indexed by socket path for the common unix case.
pub(crate) struct Pools<'p> {
    /// Every pool with a listen address.
    pub list: Vec<PoolRef<'p>>,
    by_path: HashMap<String, Vec<usize>>,
    tcp: Vec<usize>,
}

impl<'p> Pools<'p> {
    /// Every pool of the project that has a listen address.
    pub fn of(cx: &Cx<'p>) -> Pools<'p> {
        let list: Vec<PoolRef<'p>> = cx
            .project
            .fpm
            .iter()
            .enumerate()
            .flat_map(|(fpm, tree)| tree.config.pools.iter().map(move |p| (fpm, tree, p)))
            .filter_map(|(fpm, tree, pool)| {
                pool.listen_address.as_ref().map(|listen| PoolRef {
                    tree,
                    fpm,
                    pool,
                    listen,
                })
            })
            .collect();
        let mut by_path: HashMap<String, Vec<usize>> = HashMap::new();
        let mut tcp = Vec::new();
        for (i, p) in list.iter().enumerate() {
            match p.listen {
                Listen::Unix { path } => by_path
                    .entry(normalize_socket_path(path))
                    .or_default()
                    .push(i),
                _ => tcp.push(i),
            }
        }
        Pools { list, by_path, tcp }
    }

    /// The pools a `fastcgi_pass` (standing in `scope`) certainly reaches from this machine, with
    /// the hop that reaches each (index into [`Pools::list`]). Remote addresses, relative socket
    /// paths and names that depend on resolution reach nothing here.
    pub fn reached_by(&self, cx: &Cx<'p>, scope: ScopeId, pass: &At<'p>) -> Vec<(usize, Hop<'p>)> {
        let mut out = Vec::new();
        // Only the pools of this nginx tree's own stack.
        let tree = cx.model.scope(scope).tree;
        for hop in fastcgi_hops(cx.model, scope, pass) {
            if hop.endpoint.locality() != Locality::Local {
                continue;
            }
            let candidates: &[usize] = match &hop.endpoint {
                Endpoint::Unix(path) if path.starts_with('/') => self
                    .by_path
                    .get(&normalize_socket_path(path))
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
                Endpoint::Unix(_) => &[],
                Endpoint::Inet { .. } => &self.tcp,
            };
            for &i in candidates {
                if !cx.in_stack(tree, self.list[i].fpm) {
                    continue;
                }
                if reaches(&hop.endpoint, self.list[i].listen) == Reach::Yes {
                    out.push((i, hop.clone()));
                }
            }
        }
        out
    }
}

/// The pools each `fastcgi_pass` address reaches, worked out once per address: 1,200 PHP
/// locations pass to 40 sockets. An address with variables depends on the server around it
/// and is worked out each time.
#[derive(Default)]
pub(crate) struct ReachCache<'p> {
    /// By tree and the address as written.
    by_address: FastMap<(usize, &'p [u8]), Vec<usize>>,
    scratch: Vec<usize>,
}

impl<'p> Pools<'p> {
    /// The pools [`Pools::reached_by`] gives, in its order, without the hops.
    pub fn reached<'c>(
        &self,
        cx: &Cx<'p>,
        cache: &'c mut ReachCache<'p>,
        scope: ScopeId,
        pass: &At<'p>,
    ) -> &'c [usize] {
        let Some(word) = pass.dir.args.first() else {
            return &[];
        };
        // The hops of an address without variables depend on nothing but the address and the
        // tree (its upstream groups).
        let raw = word.raw(pass.src);
        let tree = cx.model.scope(scope).tree;
        let reached = |pools: &Self| {
            pools
                .reached_by(cx, scope, pass)
                .into_iter()
                .map(|(i, _)| i)
        };
        match cache.by_address.entry((tree, raw)) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) if !raw.contains(&b'$') => e.insert(reached(self).collect()),
            Entry::Vacant(_) => {
                cache.scratch.clear();
                cache.scratch.extend(reached(self));
                &cache.scratch
            }
        }
    }
}

/// Every `fastcgi_pass` with an address, with its scope (a location, or an `if` or
/// `limit_except` in one), in the order of [`ngxlint_engine::fastcgi::fastcgi_passes`]: read from
/// the model's pass directives instead of every location's names. One without an address reaches
/// nothing, so rules about what a pass reaches lose nothing by not seeing it.
pub(crate) fn fastcgi_addresses<'a, 'p>(
    model: &'a Model<'p>,
) -> impl Iterator<Item = (ScopeId, At<'p>)> + 'a {
    model
        .pass_directives()
        .iter()
        .filter(move |(id, p)| {
            p.module == PassModule::FastCgi
                && matches!(
                    model.scope(*id).kind,
                    Context::HttpLocation | Context::HttpLocationIf | Context::HttpLimitExcept
                )
        })
        .map(|(id, p)| (*id, p.at))
}

/// What a related place names: the line that holds the address a hop connects to.
pub(crate) fn where_from(hop: &Hop<'_>) -> &'static str {
    match hop.via {
        Via::Group { .. } => "this upstream server",
        _ => "this fastcgi_pass",
    }
}

/// Extensions that name PHP scripts: a `security.limit_extensions` of only these is restrictive.
const PHP_EXTENSIONS: &[&str] = &[
    ".php", ".phar", ".phtml", ".pht", ".phps", ".php3", ".php4", ".php5", ".php6", ".php7",
    ".php8",
];

/// Whether the pool runs files other than PHP scripts as PHP: `security.limit_extensions` empty,
/// or naming an extension that is not PHP's (a value set from the environment is not known).
pub(crate) fn runs_non_php(p: &PoolRef<'_>) -> bool {
    if p.pool.from_env("security.limit_extensions") {
        return false;
    }
    let ext = &p.pool.security_limit_extensions.value;
    ext.is_empty() || !ext.iter().all(|e| PHP_EXTENSIONS.contains(&e.as_str()))
}
