//! Whether what a level sets can be known: an `include` of a file the project does not hold (and
//! that is no glob) may set anything, so rules that judge effective values leave such levels alone
//! (shared by NGX309, NGX310 and NGX311).

use nginx_syntax::Directive;
use ngxlint_engine::model::ScopeId;
use ngxlint_engine::rule::Cx;
use ngxlint_engine::FileId;

/// Whether a block (with what it includes) holds an `include` that read nothing and is no glob:
/// a file the project does not hold, whose directives cannot be known.
fn unknown_include(cx: &Cx<'_>, file: FileId, list: &[Directive], depth: usize) -> bool {
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
            if let Some(p) = cx.project.nginx.parsed.get(&t) {
                if unknown_include(cx, t, &p.directives, depth + 1) {
                    return true;
                }
            }
        }
    }
    false
}

/// Whether the block of scope `id` includes a file the project does not hold (a tree's top level,
/// which no block opens, answers no).
pub(crate) fn scope_has_unknown_include(cx: &Cx<'_>, id: ScopeId) -> bool {
    match cx.model.scope(id).block {
        Some(at) => at
            .dir
            .block
            .as_ref()
            .is_some_and(|b| unknown_include(cx, at.file, &b.children, 0)),
        None => false,
    }
}
