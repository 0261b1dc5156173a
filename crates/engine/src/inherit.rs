//! Inheritance as rules ask it, computed here once for all of them: [`Model::effective`] and
//! [`Model::effective_list`] for a few names known in advance (the names are looked up once, not
//! once per question, and a list comes as an iterator over the level that holds it, not a new
//! `Vec` per location), and what a nested level discards of an inherited list — `add_header` and
//! `add_trailer` with `add_header_inherit`/`add_trailer_inherit` (nginx 1.29.3), `proxy_set_header`,
//! `fastcgi_param`, `limit_req`, `allow`/`deny`, … (FACTS N3).

use crate::model::{At, Model, NameId, Named, ScopeId};
use nginx_syntax::directives::Context;

/// The directives in effect for `N` names.
pub struct Inherited<'m, 'p, const N: usize> {
    model: &'m Model<'p>,
    /// The interned id of each name (`None`: no scope holds it).
    ids: [Option<NameId>; N],
}

impl<'m, 'p, const N: usize> Inherited<'m, 'p, N> {
    /// The lookups for `names`.
    pub fn new(model: &'m Model<'p>, names: [&str; N]) -> Self {
        Inherited {
            model,
            ids: names.map(|n| model.name_id(n)),
        }
    }

    /// The interned id of name `k`.
    pub fn id(&self, k: usize) -> Option<NameId> {
        self.ids[k]
    }

    /// The directive of name `k` in effect at `scope`, with its level: [`Model::effective`].
    pub fn last(&self, scope: ScopeId, k: usize) -> Option<(ScopeId, At<'p>)> {
        let id = self.ids[k]?;
        self.model
            .chain(scope)
            .find_map(|l| self.model.named_id(l, id).next_back().map(|d| (l, *d)))
    }

    /// The level of `scope`'s chain whose list of name `k` is in effect.
    pub fn level(&self, scope: ScopeId, k: usize) -> Option<ScopeId> {
        let id = self.ids[k]?;
        self.model.chain(scope).find(|&l| holds(self.model, l, id))
    }

    /// [`Inherited::level`], remembering the answer for `scope` and the levels walked above it
    /// in `memo` (by scope: 0 not asked, 1 none, else the level + 2): the locations of a server
    /// share the answer of the server and the `http` block.
    pub fn level_memo(&self, memo: &mut Vec<u32>, scope: ScopeId, k: usize) -> Option<ScopeId> {
        let id = self.ids[k]?;
        if memo.is_empty() {
            *memo = vec![0; self.model.scopes.len()];
        }
        let mut found = None;
        let mut cur = Some(scope);
        while let Some(s) = cur {
            match memo[s.0 as usize] {
                0 => {}
                1 => break,
                l => {
                    found = Some(ScopeId(l - 2));
                    break;
                }
            }
            if holds(self.model, s, id) {
                found = Some(s);
                break;
            }
            cur = inherits_from(self.model, s);
        }
        let answer = found.map_or(1, |l| l.0 + 2);
        let mut cur = Some(scope);
        while let Some(s) = cur {
            if memo[s.0 as usize] != 0 {
                break;
            }
            memo[s.0 as usize] = answer;
            if Some(s) == found {
                break;
            }
            cur = inherits_from(self.model, s);
        }
        found
    }

    /// The list of name `k` in effect at `scope`, with its level: [`Model::effective_list`]
    /// without the allocation.
    pub fn list(
        &self,
        scope: ScopeId,
        k: usize,
    ) -> Option<(ScopeId, impl DoubleEndedIterator<Item = &'m At<'p>>)> {
        let id = self.ids[k]?;
        let model: &'m Model<'p> = self.model;
        model.chain(scope).find_map(|l| {
            let mut lines: Named<'m, 'p> = model.named_id(l, id);
            let first = lines.next()?;
            Some((l, std::iter::once(first).chain(lines)))
        })
    }
}

/// How a level takes the `add_header` (or `add_trailer`) list of the level above: nginx 1.29.3's
/// `add_header_inherit` / `add_trailer_inherit`, itself inherited (`on` when not set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderInherit {
    /// The list above, unless this level has `add_header`s of its own (nginx before 1.29.3).
    On,
    /// Nothing from above.
    Off,
    /// This level's own, then the list above.
    Merge,
}

impl<'p> Model<'p> {
    /// The `add_header_inherit` (`trailer`: `add_trailer_inherit`) in effect at `scope`, with the
    /// line that sets it.
    pub fn header_inherit(&self, scope: ScopeId, trailer: bool) -> (HeaderInherit, Option<At<'p>>) {
        let name = if trailer {
            "add_trailer_inherit"
        } else {
            "add_header_inherit"
        };
        match self.effective(scope, name) {
            Some((_, at)) => {
                let mode = match at.arg(0).as_deref() {
                    Some("off") => HeaderInherit::Off,
                    Some("merge") => HeaderInherit::Merge,
                    _ => HeaderInherit::On,
                };
                (mode, Some(at))
            }
            None => (HeaderInherit::On, None),
        }
    }

    /// The `add_header` (`trailer`: `add_trailer`) lines in effect at `scope`, as nginx merges
    /// them (`ngx_http_headers_merge_conf`): with `merge`, this level's own and then the list above.
    pub fn headers_in_effect(&self, scope: ScopeId, trailer: bool) -> Vec<At<'p>> {
        let name = if trailer { "add_trailer" } else { "add_header" };
        let own: Vec<At<'p>> = self.here(scope, name).copied().collect();
        let parent = merge_parent(self, scope);
        let above = || {
            parent
                .map(|p| self.headers_in_effect(p, trailer))
                .unwrap_or_default()
        };
        match self.header_inherit(scope, trailer).0 {
            HeaderInherit::Off => own,
            HeaderInherit::Merge => {
                let mut v = own;
                v.extend(above());
                v
            }
            HeaderInherit::On if own.is_empty() => above(),
            HeaderInherit::On => own,
        }
    }

    /// What the level `scope` discards of an inherited list by setting `name` itself: the list in
    /// effect at the level above, with the level that holds it; `None` when the level sets none
    /// of its own, inherits nothing, or (for `add_header`/`add_trailer`) merges or switches
    /// inheritance off on purpose.
    pub fn discarded_list(&self, scope: ScopeId, name: &str) -> Option<(ScopeId, Vec<At<'p>>)> {
        self.here(scope, name).next()?;
        let parent = merge_parent(self, scope)?;
        let trailer = match name {
            "add_header" => Some(false),
            "add_trailer" => Some(true),
            _ => None,
        };
        if let Some(trailer) = trailer {
            if self.header_inherit(scope, trailer).0 != HeaderInherit::On {
                return None;
            }
            let lost = self.headers_in_effect(parent, trailer);
            let level = self
                .chain(parent)
                .find(|&l| self.here(l, name).next().is_some())
                .unwrap_or(parent);
            return (!lost.is_empty()).then_some((level, lost));
        }
        self.effective_list(parent, name)
    }
}

impl<'p> Model<'p> {
    /// The entries of an inherited list that the level `scope` discards and does not set again:
    /// [`Model::discarded_list`] less the entries whose `key` (a header's name, a zone) the list in
    /// effect at `scope` has, each key once; with the level that held them.
    pub fn lost_entries(
        &self,
        scope: ScopeId,
        name: &str,
        key: impl Fn(&At<'p>) -> String,
    ) -> Option<(ScopeId, Vec<At<'p>>)> {
        let (level, discarded) = self.discarded_list(scope, name)?;
        let kept: Vec<String> = match name {
            "add_header" | "add_trailer" => self.headers_in_effect(scope, name == "add_trailer"),
            _ => self
                .effective_list(scope, name)
                .map(|(_, v)| v)
                .unwrap_or_default(),
        }
        .iter()
        .map(&key)
        .collect();
        let mut seen = Vec::new();
        let lost: Vec<At<'p>> = discarded
            .into_iter()
            .filter(|d| {
                let k = key(d);
                let new = !kept.contains(&k) && !seen.contains(&k);
                seen.push(k);
                new
            })
            .collect();
        (!lost.is_empty()).then_some((level, lost))
    }
}

/// The level `scope` merges from (its parent, unless it is where nginx's merge starts).
fn merge_parent(model: &Model<'_>, scope: ScopeId) -> Option<ScopeId> {
    inherits_from(model, scope)
}

impl Model<'_> {
    /// The level `scope` inherits lists from (its parent, unless it is where nginx's merge
    /// starts): where [`Model::discarded_list`] looks for what a level discards.
    pub fn merge_parent(&self, scope: ScopeId) -> Option<ScopeId> {
        merge_parent(self, scope)
    }
}

/// Whether a scope holds a directive named `id`: a scan without early exit for the small scopes
/// (several names compared at a time), the model's index for the large ones.
fn holds(model: &Model<'_>, scope: ScopeId, id: NameId) -> bool {
    let names = model.names_of(scope);
    if names.len() <= 32 {
        names.iter().fold(false, |found, &n| found | (n == id))
    } else {
        model.named_id(scope, id).next().is_some()
    }
}

/// The level a scope inherits from: its parent, unless it is where nginx's merge starts (as in
/// [`Model::chain`]).
fn inherits_from(model: &Model<'_>, id: ScopeId) -> Option<ScopeId> {
    let s = model.scope(id);
    match s.kind {
        Context::Http | Context::Stream | Context::Mail | Context::Main | Context::Events => None,
        _ => s.parent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, Project};

    #[test]
    fn agrees_with_the_model() {
        let dir = std::env::temp_dir().join(format!("ngxlint-inherit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("nginx.conf"),
            "events {}\nhttp {\n proxy_buffer_size 8k;\n fastcgi_param A 1;\n server {\n  fastcgi_param B 2;\n  fastcgi_param C 3;\n  location / {\n   proxy_buffer_size 16k;\n   if ($x) { proxy_buffer_size 32k; }\n   location /n { fastcgi_param D 4; }\n  }\n  location /o { }\n }\n}\n",
        )
        .unwrap();
        let opts = Options::new(dir.clone());
        let project = Project::load(std::slice::from_ref(&dir), &opts).unwrap();
        let model = Model::build(&project, &opts.directives);
        let names = ["proxy_buffer_size", "fastcgi_param", "absent"];
        let t = Inherited::new(&model, names);
        let mut memo = vec![Vec::new(); names.len()];
        // From the innermost scopes up, then down again: answers remembered either way agree.
        let mut ids: Vec<ScopeId> = model.ids().collect();
        ids.reverse();
        ids.extend(model.ids());
        for id in ids {
            for (k, n) in names.iter().enumerate() {
                let want = model
                    .effective(id, n)
                    .map(|(l, at)| (l, at.dir as *const _));
                let got = t.last(id, k).map(|(l, at)| (l, at.dir as *const _));
                assert_eq!(got, want, "{n} at {id:?}");
                let want: Option<(ScopeId, Vec<*const _>)> = model
                    .effective_list(id, n)
                    .map(|(l, v)| (l, v.iter().map(|a| a.dir as *const _).collect()));
                let got = t
                    .list(id, k)
                    .map(|(l, v)| (l, v.map(|a| a.dir as *const _).collect()));
                assert_eq!(got, want, "{n} list at {id:?}");
                assert_eq!(
                    t.level_memo(&mut memo[k], id, k),
                    model.effective_list(id, n).map(|(l, _)| l),
                    "{n} remembered level at {id:?}"
                );
            }
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
