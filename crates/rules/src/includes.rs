//! Shared by the rules that judge a list inherited through the levels (NGX309's `fastcgi_param`s,
//! NGX311's `access_log`s): whether a level reads a file the project does not hold, which could set
//! anything.

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

/// Whether the block of a scope (a tree's top level has none) includes a file the project does
/// not hold.
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
