//! NGX205 `autoindex-enabled`: `autoindex on` lists the files of every folder under the location
//! to any client that asks for a folder, where no `deny`, authentication or `internal` guards it.
//! What the folder holds decides the harm (the configuration does not say): info.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX205",
    name: "autoindex-enabled",
    severity: Severity::Info,
    summary: "`autoindex on` lists folders to any client",
    doc: include_str!("../../../../rules/NGX205.md"),
    family: Family::Hardening,
    default: Enabled::On,
    aliases: &["nginx-lint:autoindex-enabled"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct AutoindexEnabled;

impl Rule for AutoindexEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["autoindex"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        if at.arg(0).is_none_or(|a| a != "on") || cx.model.access(scope).restricted() {
            return;
        }
        out.push(
            META.diag(
                at.file,
                at.head_span(),
                "`autoindex on` lists the files of every folder here to any client: backups, keys and uploads left in them are found",
            )
            .with_help("serve an index page instead, or restrict the location (`allow …; deny all;`, `auth_basic`)"),
        );
    }
}
