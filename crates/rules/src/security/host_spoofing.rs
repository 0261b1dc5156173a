//! NGX313 `host-spoofing`: the Host sent to an upstream taken from what the client writes
//! freely — the `Host` header as sent (`$http_host`), `X-Forwarded-Host`,
//! an argument, a cookie — instead of `$host`, the name nginx chose the server by. A request can
//! carry a Host that differs from the one nginx routed it by: `GET http://example.com/ HTTP/1.1`
//! with `Host: evil.example` reaches `server_name example.com` (nginx takes the request line's
//! host), and `$http_host` is still `evil.example`.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::inherit::Inherited;
use ngxlint_engine::model::{At, PassModule, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::vars::{references, Values};

static META: RuleMeta = RuleMeta {
    code: "NGX313",
    name: "host-spoofing",
    severity: Severity::Warning,
    summary: "the Host sent upstream taken from the request as the client wrote it (`$http_host`, `X-Forwarded-Host`, an argument, a cookie)",
    doc: include_str!("../../../../rules/NGX313.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:host_spoofing", "semgrep:request-host-used"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct HostSpoofing;

/// Whether nginx's variable `name` is a value the client writes freely, and what it is.
fn spoofable(name: &str) -> Option<String> {
    if name == "http_host" {
        Some("the Host header as sent".into())
    } else if name == "http_x_forwarded_host" {
        Some("the client's X-Forwarded-Host header".into())
    } else if let Some(h) = name.strip_prefix("http_") {
        Some(format!("the request header `{}`", h.replace('_', "-")))
    } else if name.starts_with("arg_") {
        Some("an argument of the query string".into())
    } else if name.starts_with("cookie_") {
        Some("a cookie".into())
    } else {
        None
    }
}

impl HostSpoofing {
    /// The first variable of argument `i` whose value is spoofable, with its span and origin.
    fn spoofed(
        &self,
        values: &Values<'_, '_>,
        scope: ScopeId,
        at: &At<'_>,
        i: usize,
    ) -> Option<(nginx_syntax::Span, String, String)> {
        let w = at.dir.args.get(i)?;
        let value = w.value(at.src);
        for (start, end, name) in references(&value) {
            let roots = values.roots(scope, &name);
            if let Some(why) = roots.iter().find_map(|r| spoofable(r)) {
                let span = w.value_span(start, end);
                return Some((span, format!("${name}"), why));
            }
        }
        None
    }
}

impl Rule for HostSpoofing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        // The Host that reaches an upstream is the last `Host` of the list in effect where a
        // request is passed: judged there, reported once per line that sets it.
        let lists = Inherited::new(model, ["proxy_set_header", "grpc_set_header"]);
        if lists.id(0).is_none() && lists.id(1).is_none() {
            return;
        }
        let values = Values::new(model);
        let mut seen = ngxlint_engine::hash::FastSet::default();
        for (scope, pass) in model.pass_directives() {
            let k = match pass.module {
                PassModule::Proxy => 0,
                PassModule::Grpc => 1,
                _ => continue,
            };
            let Some((_, mut list)) = lists.list(*scope, k) else {
                continue;
            };
            let Some(host) =
                list.rfind(|d| d.arg(0).is_some_and(|h| h.eq_ignore_ascii_case("host")))
            else {
                continue;
            };
            if !seen.insert((host.file, host.dir.name.span)) {
                continue;
            }
            let Some((span, var, why)) = self.spoofed(&values, *scope, host, 1) else {
                continue;
            };
            let message = format!("the upstream gets the Host from `{var}` ({why}), which the client writes freely: it need not be the name nginx chose this server by");
            let help = "send the name nginx matched: `proxy_set_header Host $host;`";
            let stock = cx.project.files.get(host.file).is_stock();
            let d = if stock {
                // nginx's stock file is not the repository's to edit: the pass that uses it is.
                let name = cx.project.files.get(host.file).path.display().to_string();
                let name = name.trim_start_matches("<nginx stock>/").to_string();
                META.diag(pass.at.file, pass.at.arg_span(0), message)
                    .with_related(host.file, span, format!("set by the stock `{name}`"))
                    .with_help(format!("set the proxy headers here instead of including `{name}`, with `proxy_set_header Host $host;`"))
            } else {
                META.diag(host.file, span, message).with_help(help)
            };
            out.push(d);
        }
    }
}
