//! NGX208 `if-in-location`: an `if` inside a location that does not end the request. When its
//! condition holds, nginx serves the request with the `if` block's own configuration, an implicit
//! location nested in the real one: `try_files` is not inherited into it (even an empty `if` or
//! one that only `set`s a variable turns it off), and what the block sets replaces the location's
//! settings instead of adding to them (its `add_header` drops the location's headers; of two
//! matching `if`s, only the last one's settings apply). Only an `if` that ends the request —
//! `return`, or `rewrite` with `last`, `redirect` or `permanent` — is safe there.
//!
//! Reported where the harm is certain: a location whose `try_files` ends in a URI fallback loses
//! it for the requests the condition picks. (A block's `add_header` or `proxy_set_header`
//! replacing the location's is NGX402's and NGX314's finding.)

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX208",
    name: "if-in-location",
    severity: Severity::Warning,
    summary: "an `if` in a location that does not end the request turns the location's `try_files` off when it matches",
    doc: include_str!("../../../../rules/NGX208.md"),
    family: Family::Hardening,
    default: Enabled::On,
    aliases: &["gixy:if_is_evil", "nginx-lint:if-is-evil-in-location"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct IfInLocation;

impl Rule for IfInLocation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn wants_scopes(&self) -> bool {
        true
    }

    fn on_scope(&self, cx: &Cx<'_>, scope: ScopeId, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let sc = model.scope(scope);
        if sc.kind != Context::HttpLocationIf {
            return;
        }
        let (Some(block), Some(parent)) = (sc.block, sc.parent) else {
            return;
        };
        if model.scope(parent).kind != Context::HttpLocation {
            return;
        }
        if sc.directives.iter().any(ends_request) {
            return;
        }
        // A `=code` fallback is what the static handler does for a missing `$uri` anyway.
        let Some(tf) = model.here(parent, "try_files").find(|tf| {
            tf.arg(tf.nargs().saturating_sub(1))
                .is_some_and(|l| !l.starts_with('='))
        }) else {
            return;
        };
        let condition = condition(&block);
        out.push(
            META.diag(
                block.file,
                block.name_span(),
                format!("`try_files` of this location is not run when `if {condition}` matches: those requests get no fallback (a missing file is a 404)"),
            )
            .with_place(tf.file, tf.name_span(), "not inherited into the `if` block")
            .with_help("end the `if` with `return` or `rewrite … last`, or test the condition with a `map` outside the location"),
        );
    }
}

/// Whether a statement in the `if` block ends the request there: `return`, or a `rewrite` that
/// redirects or starts a new location search.
fn ends_request(d: &At<'_>) -> bool {
    if d.is("return") {
        return true;
    }
    if !d.is("rewrite") {
        return false;
    }
    // `rewrite re replacement [flag]`: no flag changes the URI, and nginx searches the locations
    // again; `break` stays in the `if`'s configuration.
    match d.arg(2) {
        Some(flag) => flag != "break",
        None => true,
    }
}

/// The condition as written: `($arg_debug)`.
fn condition(block: &At<'_>) -> String {
    let args = block.args();
    let joined = args.join(" ").replace(" )", ")").replace("( ", "(");
    if joined.starts_with('(') {
        joined
    } else {
        format!("({joined})")
    }
}
