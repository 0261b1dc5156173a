//! NGX312 `ssrf`: a pass address whose host (or scheme) the client chooses. nginx works an
//! address with variables out for each request and connects wherever it says: with
//! `proxy_pass http://$arg_host;`, `?host=10.0.0.5:8500` reaches a service the client could not
//! reach itself. What each variable can hold comes from the engine's analysis: a request header,
//! an argument, a capture of the URI, `$host` in a server that takes any Host.
//!
//! In an `internal` location the URI and its captures are what an internal redirect set
//! (`X-Accel-Redirect`, `error_page`), not the client's: only request headers and cookies count
//! there.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, PassModule, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::vars::{describe, Piece, Use, Values};

static META: RuleMeta = RuleMeta {
    code: "NGX312",
    name: "ssrf",
    severity: Severity::Error,
    summary: "a `proxy_pass` (or other pass) whose host or scheme the client chooses: requests to any address, internal ones included",
    doc: include_str!("../../../../rules/NGX312.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &[
        "gixy:ssrf",
        "semgrep:dynamic-proxy-host",
        "semgrep:dynamic-proxy-scheme",
        "semgrep:missing-internal",
    ],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct Ssrf;

/// Which part of a pass address a piece stands in.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Part {
    /// Before `://`.
    Scheme,
    /// The host and port.
    Host,
    /// The URI after the host.
    Path,
}

/// What the client's value is, for the message.
fn what(u: &Use<'_>) -> String {
    describe(&u.name)
        .map(str::to_string)
        .or_else(|| u.steps.first().map(|s| s.what.clone()))
        .unwrap_or_else(|| "a value of the client's".to_string())
}

/// Whether a variable's value comes from the request's headers (which survive an internal
/// redirect), not from its URI.
fn from_headers(u: &Use<'_>) -> bool {
    let n = u.name.to_ascii_lowercase();
    n.starts_with("http_") || n.starts_with("cookie_") || n == "host" || n == "remote_user"
}

impl Ssrf {
    fn check<'p>(
        &self,
        cx: &Cx<'p>,
        values: &Values<'_, 'p>,
        scope: ScopeId,
        at: &At<'p>,
        module: PassModule,
    ) -> Option<Diagnostic> {
        let internal = cx
            .model
            .location_of(scope)
            .is_some_and(|l| cx.model.here(l, "internal").next().is_some());
        let has_scheme = matches!(
            module,
            PassModule::Proxy | PassModule::Grpc | PassModule::Uwsgi
        );
        let pieces = values.argument(scope, at, 0);
        let text_after = |i: usize| {
            pieces[i + 1..].iter().any(|p| match p {
                Piece::Text(t) => t.windows(3).any(|w| w == b"://"),
                Piece::Var(_) => false,
            })
        };
        let mut part = if has_scheme { Part::Scheme } else { Part::Host };
        for (i, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Text(t) => {
                    if t.starts_with(b"unix:") && i == 0 {
                        return None;
                    }
                    let mut rest: &[u8] = t;
                    if part == Part::Scheme {
                        match rest.windows(3).position(|w| w == b"://") {
                            Some(p) => {
                                part = Part::Host;
                                rest = &rest[p + 3..];
                            }
                            None if !text_after(i) => part = Part::Host,
                            None => continue,
                        }
                    }
                    if part == Part::Host && rest.contains(&b'/') {
                        part = Part::Path;
                    }
                }
                Piece::Var(u) => {
                    // A variable before any `://`: the whole address when none follows.
                    let this = if part == Part::Scheme && !text_after(i) {
                        Part::Host
                    } else {
                        part
                    };
                    // A value that starts with the URI's `/` begins the path.
                    if matches!(
                        u.name.as_str(),
                        "request_uri" | "uri" | "document_uri" | "fastcgi_script_name"
                    ) && this == Part::Host
                    {
                        part = Part::Path;
                        continue;
                    }
                    if this == Part::Path {
                        continue;
                    }
                    let Some(flow) = u.flow else { continue };
                    if !flow.client || (internal && !from_headers(u)) {
                        continue;
                    }
                    let name = format!("${}", u.name);
                    let directive = at.name();
                    let d = match this {
                        Part::Scheme => META.diag_at(
                            Severity::Warning,
                            at.file,
                            u.span,
                            format!("the client chooses the scheme of `{directive}` through `{name}` ({}): `http` instead of `https` sends the request to the upstream unencrypted", what(u)),
                        ),
                        _ => {
                            // A value without `.` or `:` names no host but those of one prefix
                            // or suffix (`backend_$1`): not a free choice.
                            if !flow.bytes.contains(b'.') && !flow.bytes.contains(b':') {
                                continue;
                            }
                            META.diag(
                                at.file,
                                u.span,
                                format!("the client chooses the host `{directive}` connects to through `{name}` ({}): requests reach any address nginx can, internal services included", what(u)),
                            )
                        }
                    };
                    let mut d = d;
                    for s in u.steps.iter().take(3) {
                        d = d.with_place(s.at.file, s.at.head_span(), s.what.clone());
                    }
                    let help = if this == Part::Scheme {
                        "write the scheme the upstream speaks (`https://…`) instead of a variable"
                            .to_string()
                    } else {
                        format!("choose among the hosts allowed with a `map` (`map {name} $backend {{ default 127.0.0.1:8080; … }}`), or mark the location `internal` when only the application redirects to it")
                    };
                    return Some(d.with_help(help));
                }
            }
        }
        None
    }
}

impl Rule for Ssrf {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let passes = model.pass_directives();
        if !passes.iter().any(|(_, p)| p.has_variables) {
            return;
        }
        let values = Values::new(model);
        for (scope, pass) in passes {
            if !pass.has_variables
                || !matches!(
                    model.scope(*scope).kind,
                    Context::HttpLocation | Context::HttpLocationIf | Context::HttpLimitExcept
                )
            {
                continue;
            }
            out.extend(self.check(cx, &values, *scope, &pass.at, pass.module));
        }
    }
}
