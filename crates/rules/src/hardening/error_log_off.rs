//! NGX502 `error-log-off`: `error_log off;` does not switch the error log off: nginx takes `off`
//! for a file name and writes its errors to `off` in its prefix (`/usr/share/nginx/off` on
//! Debian, `/etc/nginx/off` on most images), where nobody looks and the disk fills.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX502",
    name: "error-log-off",
    severity: Severity::Warning,
    summary: "`error_log off` writes the error log to a file named `off`",
    doc: include_str!("../../../../rules/NGX502.md"),
    family: Family::Hardening,
    default: Enabled::On,
    aliases: &["gixy:error_log_off"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct ErrorLogOff;

impl Rule for ErrorLogOff {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["error_log"]
    }

    fn on_directive(&self, _cx: &Cx<'_>, _scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        if !at.arg(0).is_some_and(|a| a == "off") {
            return;
        }
        out.push(
            META.diag(
                at.file,
                at.arg_span(0),
                "`error_log off` does not switch the error log off: nginx writes it to a file named `off` in its prefix",
            )
            .with_fix("Replace with `/dev/null crit`", at.arg_span(0), "/dev/null crit")
            .with_help("to keep only the worst, use `error_log /dev/null crit;`, or log to `stderr` in a container"),
        );
    }
}
