//! NGX306 `variable-pass-without-resolver`: a pass directive with variables whose host can be a
//! name, and no `resolver` in effect (FACTS N6). nginx looks such a host up at request time with
//! its own DNS client, which does not read /etc/hosts; without a `resolver` every request logs
//! `no resolver defined to resolve NAME` and gets 502. A host that is an IP literal, `unix:`, or
//! the name of an `upstream {}` group written without a port needs no resolver.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::fastcgi::{expand_variables, is_localhost};
use ngxlint_engine::model::{split_host_port, At, Model, PassModule, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::text::strip_prefix_ignore_ascii_case;

static META: RuleMeta = RuleMeta {
    code: "NGX306",
    name: "variable-pass-without-resolver",
    severity: Severity::Error,
    summary: "pass address with variables whose host is a name, and no `resolver` in effect",
    doc: include_str!("../../../../rules/NGX306.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// The rule.
#[derive(Debug, Clone, Default)]
pub struct VariablePassWithoutResolver;

/// What nginx does with one value of the address at request time.
#[derive(Debug, PartialEq)]
enum Host {
    /// An IP literal or a unix socket: connected to directly.
    Direct,
    /// The name of an upstream group, without a port: that group.
    Group,
    /// A name the runtime resolver must look up.
    Name(String),
    /// Cannot be known from the configuration.
    Unknown,
}

const SCHEMES: &[&str] = &[
    "http://",
    "https://",
    "grpc://",
    "grpcs://",
    "uwsgi://",
    "suwsgi://",
];

/// The host part of an address (a scheme, when there is one, is dropped; a variable scheme
/// `$scheme://` too). `None` for `unix:`. `http:/$uri` is read as nginx reads it: the URI's
/// own leading slash completes the scheme, so the host is the URI's first segment.
fn authority(text: &str) -> Option<&str> {
    let mut rest = text;
    if let Some(r) = SCHEMES
        .iter()
        .find_map(|s| strip_prefix_ignore_ascii_case(text, s))
    {
        rest = r;
    } else if let Some(r) = SCHEMES.iter().find_map(|s| {
        // `http:/` and a variable: the variable's value brings the second slash.
        let r = strip_prefix_ignore_ascii_case(text, s.strip_suffix('/')?)?;
        r.starts_with('$').then_some(r)
    }) {
        rest = r;
    } else if let Some((scheme, r)) = text.split_once("://") {
        if scheme.starts_with('$') && !scheme.contains('/') {
            rest = r;
        }
    }
    if rest.starts_with("unix:") {
        return None;
    }
    Some(rest.split('/').next().unwrap_or(rest))
}

/// What nginx does with a host at request time (`ngx_http_upstream_init_request`): an IP
/// literal is connected to, an upstream name is used only when no port is written, anything
/// else goes to the resolver. A variable after the host (`127.0.0.1:$server_port`,
/// `127.0.0.1:8081$uri`) leaves the host as written.
fn classify(model: &Model<'_>, tree: usize, text: &str) -> Host {
    let Some(auth) = authority(text) else {
        return Host::Direct;
    };
    if let Some(rest) = auth.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((ip, _)) if ip.parse::<std::net::Ipv6Addr>().is_ok() => Host::Direct,
            _ => Host::Unknown,
        };
    }
    let end = auth.find([':', '$']).unwrap_or(auth.len());
    // Cut at an ASCII `:` or `$` (or the end): a character boundary.
    let (host, after) = auth.split_at_checked(end).unwrap_or((auth, ""));
    if host.is_empty() || after.starts_with('$') {
        return Host::Unknown;
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Host::Direct;
    }
    let port_written = after.starts_with(':');
    if !port_written && model.upstream(tree, host).is_some_and(|u| !u.stream) {
        return Host::Group;
    }
    Host::Name(host.to_string())
}

/// `$name` when the whole value is one variable.
fn single_variable(text: &str) -> Option<&str> {
    let name = text.strip_prefix('$')?;
    let name = name
        .strip_prefix('{')
        .and_then(|n| n.strip_suffix('}'))
        .unwrap_or(name);
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(text)
}

/// The values a `map` gives a variable (`None` when there is no map for it or a value has
/// variables), each with its entry.
fn map_values<'p>(model: &Model<'p>, http: ScopeId, var: &str) -> Option<Vec<(String, At<'p>)>> {
    let s = model.scope(http);
    let map = s.children.iter().copied().find(|&c| {
        let m = model.scope(c);
        m.kind == Context::Map && m.block.is_some_and(|b| b.arg(1).as_deref() == Some(var))
    })?;
    let mut out = Vec::new();
    for e in &model.scope(map).directives {
        let key = e.name();
        if matches!(&*key, "hostnames" | "volatile" | "include") {
            continue;
        }
        let value = e.arg(0)?.into_owned();
        if value.contains('$') {
            return None;
        }
        out.push((value, *e));
    }
    (!out.is_empty()).then_some(out)
}

const HELP_RESOLVER: &str =
    "add `resolver ADDRESS valid=30s;` with your DNS server's address (`127.0.0.11` under Docker) to this `server` block";

impl Rule for VariablePassWithoutResolver {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &[
            "proxy_pass",
            "fastcgi_pass",
            "uwsgi_pass",
            "scgi_pass",
            "grpc_pass",
        ]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let s = model.scope(scope);
        if !matches!(
            s.kind,
            Context::HttpLocation | Context::HttpLocationIf | Context::HttpLimitExcept
        ) {
            return;
        }
        let Some(raw) = at.arg(0) else { return };
        if !raw.contains('$') {
            return;
        }
        // A `resolver` in effect, or possibly set by the parent of a file read alone.
        if model.effective(scope, "resolver").is_some() || model.in_fragment(scope) {
            return;
        }
        let name = at.name();
        let module = PassModule::ALL
            .into_iter()
            .find(|m| m.directive() == name)
            .unwrap_or(PassModule::Proxy);
        let tree = s.tree;
        let span = at.arg_span(0);

        // One certain value: every `set` agrees.
        if let Some((text, sets)) = expand_variables(model, scope, &raw) {
            if let Host::Name(host) = classify(model, tree, &text) {
                let mut d = META.diag(at.file, span, message(module, &raw, &host));
                for set in &sets {
                    let var = set.arg(0).unwrap_or_default().into_owned();
                    d = d.with_place(
                        set.file,
                        set.arg_span(1),
                        format!("`{var}` set to `{}` here", set.arg(1).unwrap_or_default()),
                    );
                }
                d = d.with_help(help(&host, &sets));
                d = d.with_edits(fix(model, scope, at, &host, &sets));
                out.push(d);
            }
            return;
        }
        // Not one value: what a literal host, or the entries of a `map`, say.
        match classify(model, tree, &raw) {
            Host::Direct | Host::Group => {}
            Host::Name(host) => {
                out.push(
                    META.diag(at.file, span, message(module, &raw, &host))
                        .with_help(help(&host, &[]))
                        .with_edits(fix(model, scope, at, &host, &[])),
                );
            }
            Host::Unknown => {
                let var = authority(&raw)
                    .map(|a| split_host_port(a).0)
                    .and_then(single_variable)
                    .or_else(|| single_variable(&raw));
                let http = model
                    .chain(scope)
                    .find(|&id| model.scope(id).kind == Context::Http);
                if let (Some(var), Some(http)) = (var, http) {
                    if let Some(values) = map_values(model, http, var) {
                        let text_of = |v: &str| raw.replacen(var, v, 1);
                        let named: Vec<&(String, At<'_>)> = values
                            .iter()
                            .filter(|(v, _)| {
                                matches!(classify(model, tree, &text_of(v)), Host::Name(_))
                            })
                            .collect();
                        if let Some((value, entry)) = named.first() {
                            let Host::Name(host) = classify(model, tree, &text_of(value)) else {
                                return;
                            };
                            let d = META
                                .diag(at.file, span, message(module, &raw, &host))
                                .with_help(HELP_RESOLVER)
                                .with_edits(resolver_template(model, scope));
                            out.push(d.with_place(
                                entry.file,
                                entry.arg_span(0),
                                format!("`map` gives `{var}` the value `{value}` here"),
                            ));
                        }
                        return;
                    }
                }
                let what = var.unwrap_or("variables");
                out.push(
                    META.diag_at(
                        Severity::Warning,
                        at.file,
                        span,
                        format!(
                            "{} `{raw}` takes its host from `{what}` at request time, and no `resolver` is in effect: a value that is not an upstream name or an IP address gets 502",
                            module.directive()
                        ),
                    )
                    .with_help(HELP_RESOLVER)
                    .with_edits(resolver_template(model, scope)),
                );
            }
        }
    }
}

/// `localhost` replaced by `127.0.0.1` in the one `set` value, or in the pass's own argument
/// (what the help says: an address needs no resolver); for another name, the resolver line as a
/// template.
fn fix(model: &Model<'_>, scope: ScopeId, at: &At<'_>, host: &str, sets: &[At<'_>]) -> Fix {
    if !is_localhost(host) {
        return resolver_template(model, scope);
    }
    let (place, value) = match sets {
        [set] => (set, set.arg(1).unwrap_or_default()),
        [] => (at, at.arg(0).unwrap_or_default()),
        _ => return resolver_template(model, scope),
    };
    // The value is argument 1 of `set $var VALUE`, argument 0 of the pass.
    let i = usize::from(!sets.is_empty());
    match value.to_ascii_lowercase().find("localhost") {
        Some(at_) => {
            let mut v = value.into_owned();
            v.replace_range(at_..at_ + "localhost".len(), "127.0.0.1");
            Fix::safe(
                "Use `127.0.0.1` instead of `localhost`",
                vec![Edit::replace(
                    place.file,
                    place.arg_span(i),
                    ngxlint_engine::edit::word(&v),
                )],
            )
        }
        None => resolver_template(model, scope),
    }
}

/// The help's `resolver` line at the top of the `server` block: the DNS server's address is not
/// in the configuration, so it is shown, never applied.
fn resolver_template(model: &Model<'_>, scope: ScopeId) -> Fix {
    let server = model
        .chain(scope)
        .find(|&id| model.scope(id).kind == Context::HttpServer)
        .and_then(|id| model.scope(id).block);
    let edits = server
        .map(|b| {
            vec![ngxlint_engine::edit::insert_in_block(
                b.file,
                b.src,
                b.dir,
                "resolver ADDRESS valid=30s;",
                false,
            )]
        })
        .unwrap_or_default();
    Fix::display_only("Add a `resolver`", edits)
}

fn message(module: PassModule, raw: &str, host: &str) -> String {
    let hosts = if is_localhost(host) {
        " (nginx's resolver does not read /etc/hosts)"
    } else {
        ""
    };
    format!(
        "{} `{raw}` resolves `{host}` at request time, but no `resolver` is in effect{hosts}",
        module.directive()
    )
}

/// `localhost` is best written as the address; other names need a resolver.
fn help(host: &str, sets: &[At<'_>]) -> String {
    if is_localhost(host) {
        if let [set] = sets {
            let var = set.arg(0).unwrap_or_default();
            let value = set.arg(1).unwrap_or_default();
            if let Some(i) = value.to_ascii_lowercase().find("localhost") {
                let mut v = value.into_owned();
                v.replace_range(i..i + "localhost".len(), "127.0.0.1");
                return format!("use `set {var} {v};`: an IP address needs no resolver");
            }
        }
        return "write `127.0.0.1` instead of `localhost`: an IP address needs no resolver".into();
    }
    HELP_RESOLVER.into()
}
