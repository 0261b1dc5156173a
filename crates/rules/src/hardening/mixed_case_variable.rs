//! NGX218 `mixed-case-variable`: one variable written with different letter cases (`$Backend`
//! and `$backend`). nginx looks variable names up without regard to case
//! (`ngx_http_get_variable_index()` compares with `ngx_strncasecmp`), so both spellings are one
//! variable; a reader takes them for two, and a search for one misses the other.
//!
//! Opt-in: a style question, and nginx reads it one way.

use std::collections::HashMap;

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::vars::references;

static META: RuleMeta = RuleMeta {
    code: "NGX218",
    name: "mixed-case-variable",
    severity: Severity::Info,
    summary: "one variable written with different letter cases (`$Backend`, `$backend`): nginx reads them as one",
    doc: include_str!("../../../../rules/NGX218.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &["gixy:mixed_case_variable"],
};

/// Whether `raw` has a `$` (or `${`) followed by an upper-case letter: the rare words worth
/// reading closely.
fn upper_reference(raw: &[u8]) -> bool {
    // Every word of the tree is asked: `$` is found with memchr, not a loop over each byte.
    memchr::memchr_iter(b'$', raw).any(|i| {
        let next = if raw.get(i + 1) == Some(&b'{') {
            raw.get(i + 2)
        } else {
            raw.get(i + 1)
        };
        next.is_some_and(|c| c.is_ascii_uppercase())
    })
}

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct MixedCaseVariable;

impl Rule for MixedCaseVariable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        // Most configurations hold no `$` before a capital letter in any file at all: each
        // file's bytes (those the model's statements borrow) are searched once with memchr
        // before any word is read.
        let files = &cx.project.files;
        let any = cx
            .project
            .nginx
            .parsed
            .keys()
            .any(|&f| upper_reference(&files.get(f).bytes));
        if !any {
            return;
        }
        // Names written with a capital letter somewhere: most configurations have none, and then
        // nothing else is read.
        // Each tree is its own nginx: spellings are compared within one.
        let mut names: Vec<(usize, String)> = Vec::new();
        for id in model.ids() {
            let tree = model.scope(id).tree;
            for d in &model.scope(id).directives {
                for w in d.dir.args.iter().chain(std::iter::once(&d.dir.name)) {
                    let raw = w.raw(d.src);
                    if !upper_reference(raw) {
                        continue;
                    }
                    for (_, _, n) in references(raw) {
                        let lower = (tree, n.to_ascii_lowercase());
                        if n != lower.1 && !names.contains(&lower) {
                            names.push(lower);
                        }
                    }
                }
            }
        }
        if names.is_empty() {
            return;
        }
        // Every spelling of those names, in reading order, with where it is first written.
        type Places = Vec<(String, ngxlint_engine::FileId, nginx_syntax::Span)>;
        let mut spellings: HashMap<(usize, String), Places> = HashMap::new();
        for id in model.ids() {
            let tree = model.scope(id).tree;
            for d in &model.scope(id).directives {
                for w in d.dir.args.iter().chain(std::iter::once(&d.dir.name)) {
                    let raw = w.raw(d.src);
                    if memchr::memchr(b'$', raw).is_none() {
                        continue;
                    }
                    for (start, end, n) in references(raw) {
                        let lower = (tree, n.to_ascii_lowercase());
                        if !names.contains(&lower) {
                            continue;
                        }
                        let seen = spellings.entry(lower).or_default();
                        if !seen.iter().any(|(s, _, _)| *s == n) {
                            let at = w.inner().start as usize;
                            let span = nginx_syntax::Span::new(at + start, at + end);
                            seen.push((n, d.file, span));
                        }
                    }
                }
            }
        }
        let mut groups: Vec<_> = spellings.into_iter().filter(|(_, s)| s.len() > 1).collect();
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, list) in groups {
            let first = &list[0].0;
            for (spelling, file, span) in &list[1..] {
                out.push(
                    META.diag(
                        *file,
                        *span,
                        format!("`${spelling}` is the variable `${first}`, written with other letter cases: nginx ignores the case of variable names"),
                    )
                    .with_help(format!("write it `${first}` everywhere")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::upper_reference;

    #[test]
    fn capital_references() {
        assert!(upper_reference(b"$Backend"));
        assert!(upper_reference(b"http://${Host}/"));
        assert!(!upper_reference(b"$backend"));
        assert!(!upper_reference(b"\\.PHP$"));
        assert!(!upper_reference(b"^/A$"));
    }
}
