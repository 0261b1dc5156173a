//! Variables as nginx resolves them (`ngx_http_variables_init_vars`): a name is known when a
//! module of the configured version adds it, when it starts with a prefix family (`http_`,
//! `arg_`, `cookie_`, ...), or when the configuration defines it anywhere (`set`, `map`, `geo`,
//! `split_clients`, named regex captures, `auth_request_set`, `perl_set`, ...). nginx reports the
//! first unknown one when the `http` block ends, without a place.

use nginx_syntax::values::{self, Version};
use nginx_syntax::Span;

use crate::files::FileId;
use crate::hash::{FastMap, FastSet};

/// One use of a variable: where it was first met.
#[derive(Debug, Clone)]
pub(crate) struct Use {
    pub name: Vec<u8>,
    pub file: FileId,
    pub span: Span,
}

/// Variable definitions and uses of one tree.
#[derive(Debug, Default)]
pub(crate) struct Vars {
    /// The tree is a whole configuration (uses can be judged).
    pub whole: bool,
    /// A directive of a module the tables do not describe was met: it may define variables, so
    /// unknown ones are not reported.
    pub foreign: bool,
    /// The statement being read is a template's: upper-case names are placeholders.
    pub template: bool,
    /// The stream module's variables (`ngx_stream_variables_init_vars`), not http's.
    stream: bool,
    defined: FastSet<Vec<u8>>,
    uses: Vec<Use>,
    used: FastSet<Vec<u8>>,
}

/// The built-in variables of one nginx version: exact names, and prefixes.
struct Builtins {
    names: FastMap<&'static [u8], bool>,
    prefixes: Vec<&'static [u8]>,
}

fn builtins(v: Version, stream: bool) -> &'static Builtins {
    use std::sync::{Mutex, OnceLock};
    type Cache = FastMap<(Version, bool), &'static Builtins>;
    static BY_VERSION: OnceLock<Mutex<Cache>> = OnceLock::new();
    let cache = BY_VERSION.get_or_init(Default::default);
    if let Some(b) = cache.lock().ok().and_then(|m| m.get(&(v, stream)).copied()) {
        return b;
    }
    let subsystem = if stream { "stream" } else { "http" };
    let mut b = Builtins {
        names: FastMap::default(),
        prefixes: Vec::new(),
    };
    for r in values::variables() {
        if r.subsystem != subsystem || !r.active(v) {
            continue;
        }
        if r.prefix {
            b.prefixes.push(r.name.as_bytes());
        } else {
            b.names.insert(r.name.as_bytes(), r.changeable);
        }
    }
    // One table per version and process, like the directive tables.
    let b: &'static Builtins = Box::leak(Box::new(b));
    if let Ok(mut m) = cache.lock() {
        m.insert((v, stream), b);
    }
    b
}

impl Vars {
    /// The variables of a `stream` block.
    pub fn for_stream() -> Vars {
        Vars {
            stream: true,
            ..Vars::default()
        }
    }

    /// Defines a variable (names are case-insensitive).
    pub fn define(&mut self, name: &[u8]) {
        self.defined.insert(name.to_ascii_lowercase());
    }

    /// Records a use; only the first use of a name is kept.
    pub fn use_var(&mut self, name: &[u8], file: FileId, span: Span) {
        if self.used.contains(name) {
            return;
        }
        if self.template
            && name.iter().any(u8::is_ascii_uppercase)
            && !name.iter().any(u8::is_ascii_lowercase)
        {
            // `$NGINX_PORT` in a template: envsubst fills it in before nginx reads the file
            // (the rule of `crate::text::placeholders`).
            return;
        }
        let lower = name.to_ascii_lowercase();
        if !self.used.insert(lower.clone()) {
            return;
        }
        self.used.insert(name.to_vec());
        self.uses.push(Use {
            name: lower,
            file,
            span,
        });
    }

    /// True when `name` is a built-in that `set`, `map`, ... may not define again.
    pub fn fixed_builtin(&self, name: &[u8], v: Version) -> bool {
        let lower = name.to_ascii_lowercase();
        builtins(v, self.stream)
            .names
            .get(&lower[..])
            .is_some_and(|c| !c)
    }

    /// The uses of unknown variables, in nginx's order.
    pub fn unknown(&mut self, v: Version) -> Vec<Use> {
        if !self.whole || self.foreign {
            return Vec::new();
        }
        let b = builtins(v, self.stream);
        let uses = std::mem::take(&mut self.uses);
        uses.into_iter()
            .filter(|u| {
                !self.defined.contains(&u.name)
                    && !b.names.contains_key(&u.name[..])
                    && !b.prefixes.iter().any(|p| u.name.starts_with(p))
            })
            .collect()
    }
}

impl super::Checker {
    /// `unknown "x" variable` for every variable nginx would not find (nginx stops at the
    /// first, and names no place).
    pub(crate) fn check_variables(&mut self) {
        let v = self.version;
        for u in self.vars.unknown(v) {
            let msg = format!("unknown \"{}\" variable", String::from_utf8_lossy(&u.name));
            self.report_at(super::Code::UnknownVariable, u.file, u.span, None, msg);
            self.refused.push((u.file, u.span));
        }
    }
}
