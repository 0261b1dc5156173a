//! The nginx side as rules query it: every block of every tree as a scope with its parent, so the
//! effective value of a directive at any location — and where it was set — follows nginx's
//! inheritance (FACTS N3): http → server → location → nested location / `if` / `limit_except`.
//!
//! Built once per run from a [`Project`]; includes are expanded in place, and a file included in
//! several places yields one scope per inclusion, as nginx reads it once per inclusion.

use std::borrow::Cow;

use nginx_syntax::directives::{Context, Directives, NameKey, Terminator as DTerm};
use nginx_syntax::{Directive, Span, Terminator};

use crate::files::FileId;
use crate::project::Project;

/// Index of a scope in [`Model::scopes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeId(pub u32);

/// A directive and the file it stands in.
#[derive(Clone, Copy, Debug)]
pub struct At<'p> {
    /// The file.
    pub file: FileId,
    /// The file's bytes.
    pub src: &'p [u8],
    /// The directive.
    pub dir: &'p Directive,
}

impl<'p> At<'p> {
    /// The directive's name.
    pub fn name(&self) -> Cow<'p, str> {
        self.dir.name.text(self.src)
    }
    /// Whether the name is `s`.
    pub fn is(&self, s: &str) -> bool {
        self.dir.name.is(self.src, s)
    }
    /// Argument `i` (0-based), unescaped.
    pub fn arg(&self, i: usize) -> Option<Cow<'p, str>> {
        self.dir.args.get(i).map(|w| w.text(self.src))
    }
    /// All arguments, unescaped.
    pub fn args(&self) -> Vec<Cow<'p, str>> {
        self.dir.args.iter().map(|w| w.text(self.src)).collect()
    }
    /// Number of arguments.
    pub fn nargs(&self) -> usize {
        self.dir.args.len()
    }
    /// The span of argument `i`, or of the name when there is none.
    pub fn arg_span(&self, i: usize) -> Span {
        self.dir
            .args
            .get(i)
            .map(|w| w.span)
            .unwrap_or(self.dir.name.span)
    }
    /// From the name through the last argument.
    pub fn head_span(&self) -> Span {
        self.dir.head_span()
    }
    /// The name's span.
    pub fn name_span(&self) -> Span {
        self.dir.name.span
    }
}

/// One block of a tree (or a tree's top level).
#[derive(Debug)]
pub struct Scope<'p> {
    /// nginx's context inside the block.
    pub kind: Context,
    /// Index of the tree in `project.nginx.trees`.
    pub tree: usize,
    /// The block directive that opened it (`None` at a tree's top).
    pub block: Option<At<'p>>,
    /// The enclosing scope.
    pub parent: Option<ScopeId>,
    /// The statements directly inside, includes expanded in place (the `include` lines themselves
    /// are not listed), in nginx's reading order.
    pub directives: Vec<At<'p>>,
    /// Blocks directly inside, in order.
    pub children: Vec<ScopeId>,
    /// The interned name of each entry of `directives` (see [`Model::name_id`]): rules ask for
    /// directives by name thousands of times, and comparing two integers is what makes that cheap.
    names: Vec<NameId>,
    /// Positions in `directives` by name, for scopes too large to scan (an `http` block with
    /// thousands of included servers is asked for every location's effective values).
    index: Option<FastMap<NameId, Vec<u32>>>,
}

/// A directive name interned by the [`Model`].
pub type NameId = u32;

pub use crate::hash::FastMap;

/// Scopes with more statements than this get a name index.
const INDEX_FROM: usize = 32;

/// Which module passes a request upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PassModule {
    /// `proxy_pass`
    Proxy,
    /// `fastcgi_pass`
    FastCgi,
    /// `uwsgi_pass`
    Uwsgi,
    /// `scgi_pass`
    Scgi,
    /// `grpc_pass`
    Grpc,
}

impl PassModule {
    /// The directive name.
    pub fn directive(self) -> &'static str {
        match self {
            PassModule::Proxy => "proxy_pass",
            PassModule::FastCgi => "fastcgi_pass",
            PassModule::Uwsgi => "uwsgi_pass",
            PassModule::Scgi => "scgi_pass",
            PassModule::Grpc => "grpc_pass",
        }
    }
    /// The prefix of the module's other directives (`proxy_`, `fastcgi_`, ...).
    pub fn prefix(self) -> &'static str {
        match self {
            PassModule::Proxy => "proxy_",
            PassModule::FastCgi => "fastcgi_",
            PassModule::Uwsgi => "uwsgi_",
            PassModule::Scgi => "scgi_",
            PassModule::Grpc => "grpc_",
        }
    }
    /// All five.
    pub const ALL: [PassModule; 5] = [
        PassModule::Proxy,
        PassModule::FastCgi,
        PassModule::Uwsgi,
        PassModule::Scgi,
        PassModule::Grpc,
    ];
}

/// Where a pass directive sends requests (`ngx_parse_url` forms, FACTS N6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `unix:/path`.
    Unix(String),
    /// A literal host (IP or name) and port.
    Inet {
        /// Host as written (IPv6 without brackets).
        host: String,
        /// Port (the scheme's default when omitted).
        port: u16,
    },
    /// An `upstream {}` group of the tree, by index into [`Model::upstreams`].
    Group(usize),
    /// A name without port that is not an upstream group (nginx: `no port in upstream` for
    /// fastcgi_pass, or port 80/443 for proxy_pass).
    Name(String),
    /// Contains variables: resolved at request time.
    Variable,
    /// A template's placeholder (`http://${BACKEND}`): fixed when the container starts, not known here.
    Unknown,
}

/// A pass directive in effect at a location.
#[derive(Clone, Debug)]
pub struct Pass<'p> {
    /// Which module.
    pub module: PassModule,
    /// The directive.
    pub at: At<'p>,
    /// Where it sends requests.
    pub target: Target,
    /// Whether the connection to the upstream is TLS (`https://`, `grpcs://`, `suwsgi://`).
    pub tls: bool,
    /// Whether the address holds variables (nginx then always prepares the TLS context).
    pub has_variables: bool,
}

/// One `server` line of an upstream group.
#[derive(Clone, Debug)]
pub struct UpstreamServer<'p> {
    /// The `server` directive.
    pub at: At<'p>,
    /// The address as written.
    pub address: String,
    /// `backup` parameter.
    pub backup: bool,
    /// `down` parameter.
    pub down: bool,
}

/// An `upstream {}` group.
#[derive(Clone, Debug)]
pub struct Upstream<'p> {
    /// The group name.
    pub name: String,
    /// The `upstream` directive.
    pub at: At<'p>,
    /// Its scope.
    pub scope: ScopeId,
    /// The tree it belongs to.
    pub tree: usize,
    /// Its `server` lines.
    pub servers: Vec<UpstreamServer<'p>>,
    /// Balancing method directives (`hash`, `ip_hash`, `random`, `least_conn`, ...), in order.
    pub methods: Vec<At<'p>>,
    /// Whether it is in a `stream` block (else http).
    pub stream: bool,
}

/// The nginx worker processes' identity.
#[derive(Clone, Debug)]
pub struct Worker<'p> {
    /// User name.
    pub user: String,
    /// Group name.
    pub group: String,
    /// The `user` directive, when set.
    pub at: Option<At<'p>>,
}

/// Directives whose values form a list replaced wholesale by a lower level (FACTS N3).
pub const LIST_DIRECTIVES: &[&str] = &[
    "proxy_set_header",
    "grpc_set_header",
    "fastcgi_param",
    "uwsgi_param",
    "scgi_param",
    "add_header",
    "add_trailer",
    "error_page",
    "limit_req",
    "limit_conn",
    "allow",
    "deny",
    "sub_filter",
    "xslt_param",
    "ssl_conf_command",
    "access_log",
    "index",
    "proxy_hide_header",
    "proxy_pass_header",
    "proxy_redirect",
    "proxy_cache_valid",
];

/// The queryable nginx side of a project.
#[derive(Debug, Default)]
pub struct Model<'p> {
    /// Every scope; a tree's top scope comes first among its scopes.
    pub scopes: Vec<Scope<'p>>,
    /// The top scope of each tree.
    pub roots: Vec<ScopeId>,
    /// Every upstream group.
    pub upstreams: Vec<Upstream<'p>>,
    by_upstream_name: FastMap<(usize, String), usize>,
    /// Every pass directive of every scope, in scope order then reading order.
    pass_dirs: Vec<(ScopeId, Pass<'p>)>,
    /// For each scope, the pass in effect there (an index into `pass_dirs`).
    pass_cache: Vec<Option<u32>>,
    /// Directive names seen, by their unescaped bytes: names of up to 31 bytes (nearly all) in
    /// `short`, keyed by a fixed-size array (hashed and compared without a byte loop), longer
    /// ones in `interned`; `names_count` ids given out in all.
    short: FastMap<NameKey, NameId>,
    interned: FastMap<Cow<'p, [u8]>, NameId>,
    names_count: u32,
    /// Ids by the name's number among the names the tables know ([`Directive::known`]),
    /// `NameId::MAX` where none was given yet.
    by_known: Vec<NameId>,
    /// Entries of the scopes being filled (see `fill_scope`).
    scratch: Vec<(At<'p>, NameId)>,
    /// Files that are templates (their `${NAME}` placeholders are filled in at start-up).
    templates: crate::hash::FastSet<FileId>,
    /// For each tree, whether it is a file no main config includes (a fragment).
    fragments: Vec<bool>,
    /// Where each interned name stands, over all scopes: (scope, position), in scope order then
    /// reading order. Rules that look for a few names anywhere read these lists instead of every
    /// statement of every scope.
    occurrences: Vec<Vec<(ScopeId, u32)>>,
    /// The regexes the rules read, compiled once per pattern for all of them: a tree repeats a
    /// few patterns thousands of times (`\.php$` in every site), and compiling one (PCRE2 and
    /// the syntax read) costs more than all else a rule does with a location. By case
    /// sensitivity (0: `~`, 1: caseless), then pattern.
    regexes: std::sync::Mutex<[FastMap<String, std::sync::Arc<crate::regex::Regex>>; 2]>,
}

impl<'p> Model<'p> {
    /// Builds the model of every tree of the project.
    pub fn build(project: &'p Project, directives: &Directives) -> Model<'p> {
        let mut m = Model {
            fragments: project.nginx.trees.iter().map(|t| t.fragment).collect(),
            templates: (0..project.files.len() as u32)
                .map(FileId)
                .filter(|&f| project.files.get(f).is_template())
                .collect(),
            ..Model::default()
        };
        // One scope per tree and per block read (a block of a file included twice is two):
        // reserved at once, the list is not regrown (and copied) a dozen times on a large tree.
        let blocks: usize = project
            .nginx
            .parsed
            .values()
            .map(|p| p.blocks as usize)
            .sum();
        m.scopes.reserve(project.nginx.trees.len() + blocks);
        for (t, tree) in project.nginx.trees.iter().enumerate() {
            let id = m.push(Scope {
                kind: tree.context,
                tree: t,
                block: None,
                parent: None,
                directives: Vec::new(),
                children: Vec::new(),
                names: Vec::new(),
                index: None,
            });
            m.roots.push(id);
            let mut stack = vec![tree.main];
            if let Some(parsed) = project.nginx.parsed.get(&tree.main) {
                m.fill_scope(
                    project,
                    directives,
                    id,
                    tree.main,
                    &parsed.directives,
                    &mut stack,
                );
            }
        }
        m.scopes.shrink_to_fit();
        m.scratch = Vec::new();
        m.by_known = Vec::new();
        m.collect_upstreams();
        // Every rule asks for the passes of every location: work them out once.
        let pass_names: Vec<NameId> = PassModule::ALL
            .iter()
            .filter_map(|p| m.name_id(p.directive()))
            .collect();
        let mut last: Vec<Option<u32>> = vec![None; m.scopes.len()];
        if !pass_names.is_empty() {
            let mut dirs = Vec::new();
            for (i, s) in m.scopes.iter().enumerate() {
                for (at, n) in s.directives.iter().zip(&s.names) {
                    if !pass_names.contains(n) {
                        continue;
                    }
                    if let Some(p) = m.pass_of(s.tree, at) {
                        last[i] = Some(dirs.len() as u32);
                        dirs.push((ScopeId(i as u32), p));
                    }
                }
            }
            m.pass_dirs = dirs;
        }
        // Pass directives are inherited only into unnamed children (`if`, `limit_except`).
        m.pass_cache = (0..m.scopes.len())
            .map(|i| {
                let mut cur = Some(i);
                while let Some(c) = cur {
                    if let Some(p) = last[c] {
                        return Some(p);
                    }
                    let s = &m.scopes[c];
                    cur = match s.kind {
                        Context::HttpLocationIf | Context::HttpLimitExcept => {
                            s.parent.map(|p| p.0 as usize)
                        }
                        _ => None,
                    };
                }
                None
            })
            .collect();
        let mut occurrences: Vec<Vec<(ScopeId, u32)>> = vec![Vec::new(); m.names_count as usize];
        for (i, scope) in m.scopes.iter().enumerate() {
            for (pos, &n) in scope.names.iter().enumerate() {
                occurrences[n as usize].push((ScopeId(i as u32), pos as u32));
            }
        }
        m.occurrences = occurrences;
        for scope in &mut m.scopes {
            if scope.directives.len() > INDEX_FROM {
                let mut index: FastMap<NameId, Vec<u32>> = FastMap::default();
                for (i, &n) in scope.names.iter().enumerate() {
                    index.entry(n).or_default().push(i as u32);
                }
                scope.index = Some(index);
            }
        }
        m
    }

    fn intern(&mut self, name: Cow<'p, [u8]>) -> NameId {
        let next = self.names_count as NameId;
        let id = match NameKey::new(&name) {
            Some(key) => *self.short.entry(key).or_insert(next),
            None => *self.interned.entry(name).or_insert(next),
        };
        if id == next {
            self.names_count += 1;
        }
        id
    }

    /// [`Model::intern`] for a parsed statement's name, by its number among the names the
    /// tables know ([`Directive::known`]) when it has one: no hashing after the first time.
    fn intern_known(&mut self, known: u16, name: impl FnOnce() -> Cow<'p, [u8]>) -> NameId {
        if known == nginx_syntax::directives::UNKNOWN_NAME {
            return self.intern(name());
        }
        let k = known as usize;
        if let Some(&id) = self.by_known.get(k) {
            if id != NameId::MAX {
                return id;
            }
        }
        let id = self.intern(name());
        if self.by_known.len() <= k {
            self.by_known.resize(k + 1, NameId::MAX);
        }
        self.by_known[k] = id;
        id
    }

    /// The interned id of a directive name, `None` when no scope holds a directive of that name.
    pub fn name_id(&self, name: &str) -> Option<NameId> {
        match NameKey::new(name.as_bytes()) {
            Some(key) => self.short.get(&key).copied(),
            None => self.interned.get(name.as_bytes()).copied(),
        }
    }

    /// The interned names of a scope's directives, parallel to [`Scope::directives`].
    pub fn names_of(&self, scope: ScopeId) -> &[NameId] {
        &self.scope(scope).names
    }

    fn push(&mut self, s: Scope<'p>) -> ScopeId {
        self.scopes.push(s);
        ScopeId(self.scopes.len() as u32 - 1)
    }

    /// Fills a new scope from the statements of its block (or a tree's top level). Its entries
    /// (includes expanded) gather on a scratch stack above those of the enclosing scopes and are
    /// moved out at the end, so each scope's lists are allocated once at their exact size.
    fn fill_scope(
        &mut self,
        project: &'p Project,
        table: &Directives,
        scope: ScopeId,
        file: FileId,
        list: &'p [Directive],
        stack: &mut Vec<FileId>,
    ) {
        let start = self.scratch.len();
        self.fill(project, table, scope, file, list, stack);
        let (directives, names): (Vec<At<'p>>, Vec<NameId>) = self.scratch.drain(start..).unzip();
        let s = &mut self.scopes[scope.0 as usize];
        s.directives = directives;
        s.names = names;
    }

    /// Pushes a list's entries for `scope` onto the scratch stack, includes expanded in place;
    /// blocks become child scopes.
    fn fill(
        &mut self,
        project: &'p Project,
        table: &Directives,
        scope: ScopeId,
        file: FileId,
        list: &'p [Directive],
        stack: &mut Vec<FileId>,
    ) {
        let src: &'p [u8] = &project.files.get(file).bytes;
        let kind = self.scopes[scope.0 as usize].kind;
        let include = nginx_syntax::directives::name_index(b"include");
        for d in list {
            let at = At { file, src, dir: d };
            if d.known == include && d.block.is_none() {
                for &target in project.nginx.included(file, d) {
                    if stack.contains(&target) || stack.len() > crate::nginx::MAX_INCLUDE_DEPTH {
                        continue;
                    }
                    if let Some(parsed) = project.nginx.parsed.get(&target) {
                        stack.push(target);
                        self.fill(project, table, scope, target, &parsed.directives, stack);
                        stack.pop();
                    }
                }
                continue;
            }
            if matches!(d.terminator, Terminator::Missing(_)) && d.block.is_none() {
                continue;
            }
            let name = self.intern_known(d.known, || d.name.value(src));
            self.scratch.push((at, name));
            let Some(block) = &d.block else { continue };
            if kind.is_entries() {
                continue;
            }
            let name = d.name.value(src);
            let Ok((_, Some(child_kind))) =
                table.dispatch_known(kind, d.known, &name, d.args.len(), DTerm::BlockStart)
            else {
                continue;
            };
            let tree = self.scopes[scope.0 as usize].tree;
            let child = self.push(Scope {
                kind: child_kind,
                tree,
                block: Some(at),
                parent: Some(scope),
                directives: Vec::new(),
                children: Vec::new(),
                names: Vec::new(),
                index: None,
            });
            self.scopes[scope.0 as usize].children.push(child);
            self.fill_scope(project, table, child, file, &block.children, stack);
        }
    }

    fn collect_upstreams(&mut self) {
        for (i, s) in self.scopes.iter().enumerate() {
            if !matches!(s.kind, Context::HttpUpstream | Context::StreamUpstream) {
                continue;
            }
            let Some(at) = s.block else { continue };
            let name = at.arg(0).map(|n| n.into_owned()).unwrap_or_default();
            let mut servers = Vec::new();
            let mut methods = Vec::new();
            for d in &s.directives {
                if d.is("server") {
                    let params: Vec<String> =
                        d.args().iter().skip(1).map(|a| a.to_string()).collect();
                    servers.push(UpstreamServer {
                        at: *d,
                        address: d.arg(0).map(|a| a.into_owned()).unwrap_or_default(),
                        backup: params.iter().any(|p| p == "backup"),
                        down: params.iter().any(|p| p == "down"),
                    });
                } else if [
                    "hash",
                    "ip_hash",
                    "random",
                    "least_conn",
                    "least_time",
                    "sticky",
                ]
                .iter()
                .any(|m| d.is(m))
                {
                    methods.push(*d);
                }
            }
            let idx = self.upstreams.len();
            self.by_upstream_name
                .entry((s.tree, name.to_ascii_lowercase()))
                .or_insert(idx);
            self.upstreams.push(Upstream {
                name,
                at,
                scope: ScopeId(i as u32),
                tree: s.tree,
                servers,
                methods,
                stream: s.kind == Context::StreamUpstream,
            });
        }
    }

    /// Whether a scope is in a file no main config includes: what its parent sets is not known.
    pub fn in_fragment(&self, scope: ScopeId) -> bool {
        self.fragments
            .get(self.scope(scope).tree)
            .copied()
            .unwrap_or(false)
    }

    /// Whether `name` is unset at `scope` within what this run sees, in a fragment: its value may
    /// come from a parent the run does not see, so nginx's default cannot be assumed.
    pub fn unset_in_fragment(&self, scope: ScopeId, name: &str) -> bool {
        self.in_fragment(scope) && self.effective(scope, name).is_none()
    }

    /// `pattern` read as nginx compiles it (`caseless` for `~*`), compiled once per project for
    /// every rule that asks (rules run on several threads; the cache is shared).
    pub fn regex(&self, pattern: &str, caseless: bool) -> std::sync::Arc<crate::regex::Regex> {
        // A rule that panicked while holding the lock left the map whole (inserts are single
        // calls): the cache stays usable.
        let mut maps = self.regexes.lock().unwrap_or_else(|e| e.into_inner());
        let map = &mut maps[usize::from(caseless)];
        if let Some(r) = map.get(pattern) {
            return r.clone();
        }
        let r = std::sync::Arc::new(crate::regex::Regex::new(pattern, caseless));
        map.insert(pattern.to_owned(), r.clone());
        r
    }

    /// The scope of the block that `at`, a block directive of `scope`, opens (`None` for a simple
    /// directive, or a block the model does not enter).
    pub fn body(&self, scope: ScopeId, at: &At<'_>) -> Option<ScopeId> {
        self.scope(scope).children.iter().copied().find(|&c| {
            self.scope(c)
                .block
                .is_some_and(|b| std::ptr::eq(b.dir, at.dir))
        })
    }

    /// The scope with this id.
    pub fn scope(&self, id: ScopeId) -> &Scope<'p> {
        &self.scopes[id.0 as usize]
    }

    /// All scope ids.
    pub fn ids(&self) -> impl Iterator<Item = ScopeId> + '_ {
        (0..self.scopes.len() as u32).map(ScopeId)
    }

    /// This scope and its ancestors up to the `http` (or `stream`) block: the levels nginx merges.
    pub fn chain(&self, id: ScopeId) -> impl Iterator<Item = ScopeId> + '_ {
        let mut cur = Some(id);
        std::iter::from_fn(move || {
            let here = cur?;
            let s = self.scope(here);
            cur = match s.kind {
                Context::Http
                | Context::Stream
                | Context::Mail
                | Context::Main
                | Context::Events => None,
                _ => s.parent,
            };
            Some(here)
        })
    }

    /// The directive `name` in effect at `scope` (the innermost level that sets it; within one
    /// level the last one), with the scope that set it; `None` when nginx's default applies.
    pub fn effective(&self, scope: ScopeId, name: &str) -> Option<(ScopeId, At<'p>)> {
        self.chain(scope)
            .find_map(|id| self.last_named(id, name).map(|d| (id, *d)))
    }

    /// The last directive named `name` directly in a scope.
    fn last_named(&self, scope: ScopeId, name: &str) -> Option<&At<'p>> {
        let id = self.name_id(name)?;
        self.named_id(scope, id).next_back()
    }

    /// A list directive in effect at `scope` (`fastcgi_param`, `proxy_set_header`, ...): all of
    /// them from the innermost level that has any — a lower level replaces the whole list.
    pub fn effective_list(&self, scope: ScopeId, name: &str) -> Option<(ScopeId, Vec<At<'p>>)> {
        let id = self.list_level(scope, name)?;
        Some((id, self.named(id, name).copied().collect()))
    }

    /// The level whose `name` list is in effect at `scope` ([`Model::effective_list`] without
    /// collecting it): callers that judge one list for many scopes key their answers by it.
    pub fn list_level(&self, scope: ScopeId, name: &str) -> Option<ScopeId> {
        self.chain(scope)
            .find(|&id| self.last_named(id, name).is_some())
    }

    /// The directives named `name` set directly in this scope.
    pub fn here(&self, scope: ScopeId, name: &str) -> impl Iterator<Item = &At<'p>> + '_ {
        self.named(scope, name)
    }

    /// The directives named `name` directly in a scope, in reading order.
    fn named<'m>(&'m self, scope: ScopeId, name: &str) -> Named<'m, 'p> {
        match self.name_id(name) {
            Some(id) => self.named_id(scope, id),
            None => Named::Positions(&[], &[]),
        }
    }

    /// The directives with the interned name `id` directly in a scope, in reading order.
    pub fn named_id<'m>(&'m self, scope: ScopeId, id: NameId) -> Named<'m, 'p> {
        let s = self.scope(scope);
        match &s.index {
            Some(index) => Named::Positions(
                &s.directives,
                index.get(&id).map(Vec::as_slice).unwrap_or(&[]),
            ),
            None => Named::Scan {
                directives: &s.directives,
                names: &s.names,
                id,
                front: 0,
                back: s.names.len(),
            },
        }
    }

    /// Every directive named `name` in the model, with its scope: in scope order, then reading
    /// order within a scope.
    pub fn everywhere<'m>(
        &'m self,
        name: &str,
    ) -> impl Iterator<Item = (ScopeId, &'m At<'p>)> + 'm {
        let list: &[(ScopeId, u32)] = self
            .name_id(name)
            .and_then(|id| self.occurrences.get(id as usize))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        list.iter()
            .map(move |&(s, i)| (s, &self.scopes[s.0 as usize].directives[i as usize]))
    }

    /// The location a scope belongs to (itself, or the location around an `if`/`limit_except`).
    pub fn location_of(&self, scope: ScopeId) -> Option<ScopeId> {
        let mut cur = Some(scope);
        while let Some(id) = cur {
            match self.scope(id).kind {
                Context::HttpLocation => return Some(id),
                Context::HttpLocationIf | Context::HttpLimitExcept => cur = self.scope(id).parent,
                _ => return None,
            }
        }
        None
    }

    /// The pass directive in effect at a location-level scope. Pass directives are inherited only
    /// into unnamed children (`if`, `limit_except`), never into nested locations (FACTS N3).
    pub fn pass(&self, scope: ScopeId) -> Option<&Pass<'p>> {
        let i = (*self.pass_cache.get(scope.0 as usize)?)?;
        self.pass_dirs.get(i as usize).map(|(_, p)| p)
    }

    /// Every pass directive (`proxy_pass`, `fastcgi_pass`, ...) of every scope, read once, with
    /// the scope it stands in: in scope order, then reading order.
    pub fn pass_directives(&self) -> &[(ScopeId, Pass<'p>)] {
        &self.pass_dirs
    }

    /// Reads a pass directive (`None` for other directives).
    pub fn pass_of(&self, tree: usize, at: &At<'p>) -> Option<Pass<'p>> {
        if !at.dir.name.escaped && !at.dir.name.raw(at.src).ends_with(b"_pass") {
            return None;
        }
        let module = PassModule::ALL.into_iter().find(|m| at.is(m.directive()))?;
        let raw = at.arg(0)?.into_owned();
        let placeholders =
            self.templates.contains(&at.file) && crate::text::has_placeholder(raw.as_bytes());
        let has_variables = if placeholders {
            let mut rest = raw.clone().into_bytes();
            for r in crate::text::placeholders(raw.as_bytes()).into_iter().rev() {
                rest.drain(r);
            }
            rest.contains(&b'$')
        } else {
            raw.contains('$')
        };
        let (tls, rest, default_port) = strip_scheme(module, &raw);
        let target = if has_variables {
            Target::Variable
        } else if placeholders {
            Target::Unknown
        } else {
            self.target(tree, module, rest, default_port)
        };
        Some(Pass {
            module,
            at: *at,
            target,
            tls,
            has_variables,
        })
    }

    fn target(
        &self,
        tree: usize,
        module: PassModule,
        rest: &str,
        default_port: Option<u16>,
    ) -> Target {
        if let Some(path) = rest.strip_prefix("unix:") {
            // proxy_pass http://unix:/path:/uri — the colon ends the path.
            let path = if module == PassModule::Proxy {
                path.split(':').next().unwrap_or(path)
            } else {
                path
            };
            return Target::Unix(path.to_string());
        }
        // The authority ends at the URI part (proxy_pass http://host:port/uri).
        let authority = match rest.split_once('/') {
            Some((a, _)) if module == PassModule::Proxy || default_port.is_some() => a,
            _ => rest,
        };
        let (host, port) = split_host_port(authority);
        match port {
            Some(p) => Target::Inet {
                host: host.to_string(),
                port: p,
            },
            None => {
                if let Some(&g) = self
                    .by_upstream_name
                    .get(&(tree, host.to_ascii_lowercase()))
                {
                    return Target::Group(g);
                }
                match default_port {
                    Some(p) => Target::Inet {
                        host: host.to_string(),
                        port: p,
                    },
                    None => Target::Name(host.to_string()),
                }
            }
        }
    }

    /// The upstream group named `name` in a tree.
    pub fn upstream(&self, tree: usize, name: &str) -> Option<&Upstream<'p>> {
        self.by_upstream_name
            .get(&(tree, name.to_ascii_lowercase()))
            .map(|&i| &self.upstreams[i])
    }

    /// The worker processes' user and group (`user` directive, else the build default
    /// `nobody`/`nogroup`); `user www-data;` alone means group `www-data` (FACTS N6).
    pub fn worker(&self, tree: usize) -> Worker<'p> {
        let root = self.roots.get(tree).map(|&r| self.scope(r));
        let at = root
            .filter(|r| r.kind == Context::Main)
            .and_then(|r| r.directives.iter().rev().find(|d| d.is("user")).copied());
        match at {
            Some(at) => {
                let user = at.arg(0).map(|u| u.into_owned()).unwrap_or_default();
                let group = at
                    .arg(1)
                    .map(|g| g.into_owned())
                    .unwrap_or_else(|| user.clone());
                Worker {
                    user,
                    group,
                    at: Some(at),
                }
            }
            None => Worker {
                user: "nobody".into(),
                group: "nogroup".into(),
                at: None,
            },
        }
    }

    /// Scopes that are locations (including `if` and `limit_except` inside them) with the pass in effect.
    pub fn passes(&self) -> impl Iterator<Item = (ScopeId, &Pass<'p>)> + '_ {
        self.ids()
            .filter(|&id| self.scope(id).kind == Context::HttpLocation)
            .filter_map(|id| self.pass(id).map(|p| (id, p)))
    }
}

/// The directives of one name in a scope (see [`Model::here`]).
pub enum Named<'m, 'p> {
    /// From a scope's name index: the directives and the positions.
    Positions(&'m [At<'p>], &'m [u32]),
    /// A scan of a small scope.
    Scan {
        /// The scope's directives.
        directives: &'m [At<'p>],
        /// Their interned names.
        names: &'m [NameId],
        /// The name looked for.
        id: NameId,
        /// Next position from the front.
        front: usize,
        /// One past the next position from the back.
        back: usize,
    },
}

impl<'m, 'p> Iterator for Named<'m, 'p> {
    type Item = &'m At<'p>;
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Named::Positions(all, pos) => {
                let (&first, rest) = pos.split_first()?;
                *pos = rest;
                all.get(first as usize)
            }
            Named::Scan {
                directives,
                names,
                id,
                front,
                back,
            } => {
                while *front < *back {
                    let i = *front;
                    *front += 1;
                    if names[i] == *id {
                        return directives.get(i);
                    }
                }
                None
            }
        }
    }
}

impl DoubleEndedIterator for Named<'_, '_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Named::Positions(all, pos) => {
                let (&last, rest) = pos.split_last()?;
                *pos = rest;
                all.get(last as usize)
            }
            Named::Scan {
                directives,
                names,
                id,
                front,
                back,
            } => {
                while *back > *front {
                    *back -= 1;
                    if names[*back] == *id {
                        return directives.get(*back);
                    }
                }
                None
            }
        }
    }
}

/// Strips a pass address's scheme; returns (tls, rest, default port for a URL form).
fn strip_scheme(module: PassModule, raw: &str) -> (bool, &str, Option<u16>) {
    let schemes: &[(&str, bool, u16)] = match module {
        PassModule::Proxy => &[("http://", false, 80), ("https://", true, 443)],
        PassModule::Grpc => &[("grpc://", false, 80), ("grpcs://", true, 443)],
        PassModule::Uwsgi => &[("uwsgi://", false, 80), ("suwsgi://", true, 443)],
        _ => &[],
    };
    for (scheme, tls, port) in schemes {
        if let Some(rest) = crate::text::strip_prefix_ignore_ascii_case(raw, scheme) {
            return (*tls, rest, Some(*port));
        }
    }
    (false, raw, None)
}

/// `host:port`, `[v6]:port`, `host`, `[v6]` (brackets removed).
pub fn split_host_port(s: &str) -> (&str, Option<u16>) {
    if let Some(rest) = s.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (host, port);
        }
    }
    match s.rsplit_once(':') {
        // More than one colon without brackets: an IPv6 literal with no port.
        Some((h, _)) if h.contains(':') => (s, None),
        Some((h, p)) => match p.parse() {
            Ok(port) => (h, Some(port)),
            Err(_) => (s, None),
        },
        None => (s, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_forms() {
        assert_eq!(split_host_port("127.0.0.1:9000"), ("127.0.0.1", Some(9000)));
        assert_eq!(split_host_port("[::1]:9000"), ("::1", Some(9000)));
        assert_eq!(split_host_port("localhost"), ("localhost", None));
        assert_eq!(split_host_port("::1"), ("::1", None));
        assert_eq!(split_host_port("php"), ("php", None));
    }

    #[test]
    fn schemes_of_multibyte_addresses() {
        // Seven bytes end inside the fourth `é`: no panic, no scheme.
        assert_eq!(
            strip_scheme(PassModule::Proxy, "ééééé"),
            (false, "ééééé", None)
        );
        assert_eq!(
            strip_scheme(PassModule::Proxy, "HTTPS://a"),
            (true, "a", Some(443))
        );
    }
}
