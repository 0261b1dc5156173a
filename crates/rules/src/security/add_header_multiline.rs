//! NGX403 `add-header-multiline`: an `add_header`/`add_trailer` value with a line break (written
//! over several lines, or `\n` in quotes). nginx sends it as is: over HTTP/1.1 the rest is an
//! obsolete folded line, which a client may refuse, or unindented a header line of its own; over
//! HTTP/2 a field value cannot hold a line break, and the client fails the stream.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX403",
    name: "add-header-multiline",
    severity: Severity::Warning,
    summary: "a response header value with a line break",
    doc: include_str!("../../../../rules/NGX403.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:add_header_multiline"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct AddHeaderMultiline;

impl Rule for AddHeaderMultiline {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["add_header", "add_trailer"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let Some(value) = at.arg(1) else {
            return;
        };
        if !value.contains('\n') {
            return;
        }
        let h2 = speaks_http2(cx, scope);
        let mut d = META.diag(
            at.file,
            // The name: the value may start on another line than the directive.
            at.arg_span(0),
            if h2 {
                format!("the value of `{} {}` holds a line break, which HTTP/2 forbids: clients of this HTTP/2 server fail the response", at.name(), at.arg(0).unwrap_or_default())
            } else {
                format!("the value of `{} {}` holds a line break, which nginx sends as is: over HTTP/1.1 the rest is a folded line clients may refuse (or, unindented, a header of its own), and HTTP/2 forbids it", at.name(), at.arg(0).unwrap_or_default())
            },
        )
        .with_help("write the value on one line (nginx joins nothing: the line break and the indentation are sent; `\\n` in quotes is a line break too)");
        if !h2 {
            // Over HTTP/1.1 clients unfold it; the failure waits for HTTP/2.
            d.severity = Severity::Info;
        }
        out.push(d);
    }
}

/// Whether the server around `scope` speaks HTTP/2 or HTTP/3: `listen … http2`/`quic`, or
/// `http2 on`/`http3 on` in effect.
fn speaks_http2(cx: &Cx<'_>, scope: ScopeId) -> bool {
    let Some(server) = cx
        .model
        .chain(scope)
        .find(|&s| cx.model.scope(s).kind == Context::HttpServer)
    else {
        return false;
    };
    let listens = cx
        .model
        .here(server, "listen")
        .any(|l| l.args().iter().skip(1).any(|a| a == "http2" || a == "quic"));
    let on = ["http2", "http3"].iter().any(|d| {
        cx.model
            .effective(server, d)
            .is_some_and(|(_, at)| at.arg(0).is_some_and(|a| a == "on"))
    });
    listens || on
}
