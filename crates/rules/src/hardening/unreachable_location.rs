//! NGX216 `unreachable-location`: a regex location nginx never selects, because an earlier regex
//! location at the same level answers every URI it would. nginx tries the regex locations of a
//! level in the order they are written and takes the first that matches, so a later location with
//! the same regex (or one matched case-insensitively before it, or any after a regex that matches
//! every URI) is dead configuration: whatever it sets never applies, while it reads as if it did.
//! nginx accepts it (`duplicate location` is checked only for prefix and exact locations).
//! Two locations with the same regex and the same statements are a harmless repeat (a snippet
//! included twice) and are not reported.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::{loc_kind_and_name, LocKind};
use ngxlint_engine::model::{At, Model, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX216",
    name: "unreachable-location",
    severity: Severity::Warning,
    summary: "a regex location an earlier one at the same level always answers first",
    doc: include_str!("../../../../rules/NGX216.md"),
    family: Family::Hardening,
    default: Enabled::On,
    aliases: &["nginx-lint:unreachable-location"],
};

/// Regexes that match every URI nginx searches locations for (each starts with `/`).
const EVERY_URI: [&str; 8] = ["", "^", ".", ".*", "^.*", "/", "^/", "^/.*"];

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct UnreachableLocation;

impl Rule for UnreachableLocation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn wants_scopes(&self) -> bool {
        true
    }

    fn on_scope(&self, cx: &Cx<'_>, scope: ScopeId, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let s = model.scope(scope);
        if !matches!(s.kind, Context::HttpServer | Context::HttpLocation) {
            return;
        }
        // The regex locations of this level, in the order nginx tries them.
        let mut earlier: Vec<(At<'_>, String, bool, ScopeId)> = Vec::new();
        for &child in &s.children {
            let c = model.scope(child);
            if c.kind != Context::HttpLocation {
                continue;
            }
            let Some(block) = c.block else { continue };
            let Some((kind, pattern)) = loc_kind_and_name(&block) else {
                continue;
            };
            let caseless = match kind {
                LocKind::Regex => false,
                LocKind::RegexCaseless => true,
                _ => continue,
            };
            // An earlier location that matches every URI this one does: the same regex, matched
            // without regard to case or with the same regard; or a regex that matches every URI.
            let shadow = earlier.iter().find(|(_, p, c, _)| {
                EVERY_URI.contains(&p.as_str()) || (*p == pattern && (*c || !caseless))
            });
            if let Some((first, p, _, first_scope)) = shadow {
                let every = EVERY_URI.contains(&p.as_str()) && *p != pattern;
                if every || !same_body(model, *first_scope, child) {
                    out.push(report(&block, first, every));
                }
            }
            earlier.push((block, pattern, caseless, child));
        }
    }
}

/// Whether two locations hold the same statements, written the same way.
fn same_body(model: &Model<'_>, a: ScopeId, b: ScopeId) -> bool {
    let text = |id: ScopeId| -> Vec<&[u8]> {
        model
            .scope(id)
            .block
            .and_then(|at| at.dir.block.as_ref().map(|blk| (at, blk)))
            .map(|(at, blk)| {
                blk.children
                    .iter()
                    .map(|d| d.span().slice(at.src))
                    .collect()
            })
            .unwrap_or_default()
    };
    text(a) == text(b)
}

fn report(later: &At<'_>, first: &At<'_>, every: bool) -> Diagnostic {
    let pattern = later.arg_span(later.nargs().saturating_sub(1));
    let (message, label) = if every {
        (
            "this location is never used: an earlier regex location at this level matches every URI and is tried first",
            "matches every URI, tried first",
        )
    } else {
        (
            "this location is never used: an earlier location at this level has the same regex and is tried first",
            "the same regex, tried first",
        )
    };
    META.diag(later.file, pattern, message)
        .with_place(first.file, first.arg_span(first.nargs().saturating_sub(1)), label)
        .with_help("merge the two locations, or remove the one that is not meant; nginx takes the first regex location that matches, in the order they are written")
}
