//! NGX502 `error-log-off`: `error_log off;` does not switch the error log off: nginx takes `off`
//! for a file name and writes its errors to `off` in its prefix (`/usr/share/nginx/off` on
//! Debian, `/etc/nginx/off` on most images), where nobody looks and the disk fills.

use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
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
        if at.arg(0).is_none_or(|a| a != "off") {
            return;
        }
        let d = META.diag(
            at.file,
            at.arg_span(0),
            "`error_log off` does not switch the error log off: nginx writes it to a file named `off` in its prefix",
        );
        // Unsafe: the errors that went to `off` are dropped, but for the critical ones.
        let edit = Edit::replace(d.file, at.arg_span(0), "/dev/null crit");
        out.push(
            d.with_edits(Fix::unsafe_edits("Replace with `/dev/null crit`", vec![edit]))
                .with_help("to keep only the worst, use `error_log /dev/null crit;`, or log to `stderr` in a container"),
        );
    }
}
