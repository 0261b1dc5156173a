//! Whether what a level sets can be known: an `include` of a file the project does not hold (and
//! that is no glob) may set anything, so rules that judge effective values leave such levels alone
//! (shared by NGX309, NGX310 and NGX311).

use nginx_syntax::Directive;
use ngxlint_engine::model::{FastMap, ScopeId};
use ngxlint_engine::rule::Cx;
use ngxlint_engine::FileId;

/// Whether a block (with what it includes) holds an `include` that read nothing and is no glob:
/// a file the project does not hold, whose directives cannot be known. The answer for a whole
/// included file is kept in `files` (by file and depth): `fastcgi_params` is included by every
/// PHP location.
fn unknown_include(
    cx: &Cx<'_>,
    files: &mut FastMap<(FileId, usize), bool>,
    file: FileId,
    list: &[Directive],
    depth: usize,
) -> bool {
    let src: &[u8] = &cx.project.files.get(file).bytes;
    for d in list {
        if d.block.is_some() || !d.name.is(src, "include") {
            continue;
        }
        let targets = cx.project.nginx.included(file, d);
        if targets.is_empty() {
            let pattern = d.args.first().map(|w| w.text(src)).unwrap_or_default();
            if !pattern.contains(['*', '?', '[']) {
                return true;
            }
        }
        for &t in targets {
            if depth > 16 {
                return true;
            }
            let unknown = match files.get(&(t, depth + 1)) {
                Some(&known) => known,
                None => {
                    let known = match cx.project.nginx.parsed.get(&t) {
                        Some(p) => unknown_include(cx, files, t, &p.directives, depth + 1),
                        None => false,
                    };
                    files.insert((t, depth + 1), known);
                    known
                }
            };
            if unknown {
                return true;
            }
        }
    }
    false
}

/// Whether the block of a scope includes a file the project does not hold (a tree's top level,
/// which no block opens, answers no), answered once per scope and once per included file: rules
/// ask it for every level of every passing location.
pub(crate) struct Unknown<'c, 'p> {
    cx: &'c Cx<'p>,
    /// Per scope: 0 not asked yet, 1 no, 2 yes.
    scopes: Vec<u8>,
    files: FastMap<(FileId, usize), bool>,
}

impl<'c, 'p> Unknown<'c, 'p> {
    /// Nothing answered yet.
    pub fn new(cx: &'c Cx<'p>) -> Unknown<'c, 'p> {
        Unknown {
            cx,
            scopes: Vec::new(),
            files: FastMap::default(),
        }
    }

    /// Whether the block of scope `id` includes a file the project does not hold.
    pub fn scope(&mut self, id: ScopeId) -> bool {
        let i = id.0 as usize;
        if self.scopes.is_empty() {
            self.scopes = vec![0; self.cx.model.scopes.len()];
        }
        match self.scopes[i] {
            1 => return false,
            2 => return true,
            _ => {}
        }
        let unknown = match self.cx.model.scope(id).block {
            Some(at) => at.dir.block.as_ref().is_some_and(|b| {
                unknown_include(self.cx, &mut self.files, at.file, &b.children, 0)
            }),
            None => false,
        };
        self.scopes[i] = if unknown { 2 } else { 1 };
        unknown
    }
}
