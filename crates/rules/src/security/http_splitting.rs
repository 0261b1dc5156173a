//! NGX401 `http-splitting`: a variable that can hold a line break, chosen by the client, written
//! into a response header (`add_header`, the `Location` of `return 30x` and of a redirecting
//! `rewrite`) or into the request to an upstream (`proxy_set_header`, the URI of a `proxy_pass`
//! with variables). nginx copies a variable's bytes into headers as they are: `$uri` is decoded,
//! so `/%0d%0aSet-Cookie:%20x=1` puts CR LF and a header of the client's into the response.
//! What each variable can hold comes from the engine's analysis (`ngxlint_engine::vars`): request
//! headers, arguments and `$request_uri` cannot hold CR or LF; a capture holds what its regex lets
//! through.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::vars::{describe, redirect_argument, references, Piece, Use, Values, CRLF};

static META: RuleMeta = RuleMeta {
    code: "NGX401",
    name: "http-splitting",
    severity: Severity::Error,
    summary: "a client-chosen variable that can hold CR or LF written into a response header, a redirect or a request to an upstream",
    doc: include_str!("../../../../rules/NGX401.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &[
        "gixy:http_splitting",
        "semgrep:header-injection",
    ],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct HttpSplitting;

/// Where a value goes.
#[derive(Clone, Copy, PartialEq)]
enum Sink {
    /// A header of the response (`add_header`, a redirect's `Location`).
    Response,
    /// The request to an upstream.
    Upstream,
}

/// Which argument of a directive is written into a header, where, and whether `$1`… are
/// escaped there: `None` for one that is not.
fn sink(at: &At<'_>) -> Option<(usize, Sink, bool)> {
    if let Some(i) = redirect_argument(at) {
        // A redirecting rewrite escapes the numbered captures it puts in `Location` when the
        // URI was percent-encoded (`ngx_http_script_copy_capture_code`), the only way a CR or
        // LF gets into one; named captures and other variables are copied as they are.
        return Some((i, Sink::Response, at.is("rewrite")));
    }
    if at.is("add_header") || at.is("add_trailer") {
        Some((1, Sink::Response, false))
    } else if at.is("proxy_set_header") {
        Some((1, Sink::Upstream, false))
    } else if at.is("proxy_pass") && at.arg(0).is_some_and(|a| a.contains('$')) {
        Some((0, Sink::Upstream, false))
    } else {
        None
    }
}

/// What the variable is, for the message.
fn what(u: &Use<'_>) -> String {
    if let Some(d) = describe(&u.name) {
        return d.to_string();
    }
    match u.steps.first() {
        Some(s) => s.what.clone(),
        None => "a value of the client's".to_string(),
    }
}

impl HttpSplitting {
    fn check<'p>(
        &self,
        values: &Values<'_, 'p>,
        scope: ScopeId,
        at: &At<'p>,
        out: &mut Vec<Diagnostic>,
    ) {
        let Some((i, sink, escaped_captures)) = sink(at) else {
            return;
        };
        for piece in values.argument(scope, at, i) {
            let Piece::Var(u) = piece else { continue };
            if escaped_captures && u.name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let Some(flow) = u.flow else { continue };
            if !flow.client {
                continue;
            }
            let lf = flow.bytes.contains(b'\n');
            let cr = flow.bytes.contains(b'\r');
            // A request to an upstream is split by a line feed; a bare CR there is refused or
            // folded by HTTP parsers.
            if !(lf || cr && sink == Sink::Response) {
                continue;
            }
            let name = format!("${}", u.name);
            let directive = at.name();
            let whom = match sink {
                Sink::Response => "the response",
                Sink::Upstream => "the request to the upstream",
            };
            let mut d = if lf {
                META.diag(
                    at.file,
                    u.span,
                    format!("`{name}` in `{directive}` can hold a line break ({}): a request adds headers of its own to {whom}", what(&u)),
                )
            } else {
                META.diag_at(
                    Severity::Warning,
                    at.file,
                    u.span,
                    format!("`{name}` in `{directive}` can hold a bare CR ({}): a client that ends header lines at CR reads the rest as headers of the requester's", what(&u)),
                )
            };
            for s in u.steps.iter().take(3) {
                d = d.with_place(s.at.file, s.at.head_span(), s.what.clone());
            }
            let help = match u.name.as_str() {
                "uri" | "document_uri" => {
                    "use `$request_uri` (the URI as sent, still percent-encoded) instead of `$uri`"
                        .to_string()
                }
                n if n.bytes().all(|b| b.is_ascii_digit()) || !u.steps.is_empty() => format!(
                    "capture only what the value needs (e.g. `[^\\r\\n/]+` or `[a-z0-9_-]+` instead of `.*` or `[^/]+`) before it reaches `{directive}`"
                ),
                _ => format!("do not write `{name}` into `{directive}`"),
            };
            out.push(d.with_help(help));
            return;
        }
    }
}

impl Rule for HttpSplitting {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        const NAMES: [&str; 6] = [
            "add_header",
            "add_trailer",
            "return",
            "rewrite",
            "proxy_set_header",
            "proxy_pass",
        ];
        let mut values: Option<Values<'_, '_>> = None;
        // The same value stands in many servers (`$scheme://$host$request_uri`): whether it is
        // made only of variables that cannot hold CR or LF is worked out once per tree.
        let mut plain_values: ngxlint_engine::hash::FastMap<(usize, &[u8]), bool> =
            Default::default();
        for name in NAMES {
            for (id, at) in model.everywhere(name) {
                let Some((i, _, _)) = sink(at) else { continue };
                let Some(w) = at.dir.args.get(i) else {
                    continue;
                };
                let raw = w.raw(at.src);
                if !raw.contains(&b'$') {
                    continue;
                }
                let values = values.get_or_insert_with(|| Values::new(model));
                // Most values are made of nginx's own variables that hold no CR or LF
                // (`$host`, `$remote_addr`, `$scheme`): nothing to analyse.
                let tree = model.scope(id).tree;
                let plain = *plain_values.entry((tree, raw)).or_insert_with(|| {
                    references(raw)
                        .iter()
                        .all(|(_, _, v)| values.builtin_lacks(tree, v, CRLF))
                });
                if !plain {
                    self.check(values, id, at, out);
                }
            }
        }
    }
}
