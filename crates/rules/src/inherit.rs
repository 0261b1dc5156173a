//! [`Model::effective`] and [`Model::effective_list`] for a few names known in advance: the names
//! are looked up once (not once per question, which hashed the string every time), and a list
//! comes as an iterator over the level that holds it (not a new `Vec` per location).

use nginx_syntax::directives::Context;
use ngxlint_engine::model::{At, Model, NameId, Named, ScopeId};

/// The directives in effect for `N` names.
pub(crate) struct Inherited<'m, 'p, const N: usize> {
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
    use ngxlint_engine::{Options, Project};

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
