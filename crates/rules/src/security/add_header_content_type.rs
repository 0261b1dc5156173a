//! NGX404 `add-header-content-type`: `add_header Content-Type …` adds a second `Content-Type`
//! header beside the one nginx sends from `types`/`default_type`; clients differ in which one
//! they take. A 204 or 304 response, which nginx sends without its own, is left alone.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX404",
    name: "add-header-content-type",
    severity: Severity::Info,
    summary: "`add_header Content-Type`, which sends a second `Content-Type` header",
    doc: include_str!("../../../../rules/NGX404.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:add_header_content_type"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct AddHeaderContentType;

impl Rule for AddHeaderContentType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["add_header"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        if !at
            .arg(0)
            .is_some_and(|n| n.eq_ignore_ascii_case("content-type"))
        {
            return;
        }
        // nginx drops its own Content-Type from a 204 and a 304: the added one is the only one.
        let headerless = cx.model.here(scope, "return").any(|r| {
            r.arg(0).is_some_and(|c| {
                // A code nginx refuses (`return 20x;`) says nothing of the response: the
                // refusal is the finding.
                let refused = c.parse::<u16>().is_err()
                    && !c.starts_with("http://")
                    && !c.starts_with("https://")
                    && !c.starts_with('$');
                c == "204" || c == "304" || refused
            })
        });
        if headerless {
            return;
        }
        let value = at.arg(1).unwrap_or_default();
        out.push(
            META.diag(
                at.file,
                at.arg_span(0),
                "`add_header Content-Type` adds a second `Content-Type` header after the one nginx sends from `types`/`default_type`: clients differ in which one they take",
            )
            .with_help(format!("set the type nginx sends instead: `default_type {value};` (with `types {{}}` where the URI's extension must not choose another)")),
        );
    }
}
