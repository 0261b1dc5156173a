//! NGX305 `proxy-ssl-verify-without-ca`: TLS to the upstream (FACTS N5). `X_ssl_verify on` with no
//! `X_ssl_trusted_certificate` where nginx prepares the TLS context (nginx refuses to start); TLS
//! proxying that accepts any certificate; verification against a bare IP address.

use std::collections::BTreeMap;

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::edit;
use ngxlint_engine::model::{At, Model, Pass, PassModule, ScopeId, Target};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::FileId;

static META: RuleMeta = RuleMeta {
    code: "NGX305",
    name: "proxy-ssl-verify-without-ca",
    severity: Severity::Error,
    summary: "`proxy_ssl_verify on` without `proxy_ssl_trusted_certificate`, or TLS to the upstream without verification",
    doc: include_str!("../../../../rules/NGX305.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// The rule and its options.
#[derive(Debug, Clone)]
pub struct ProxySslVerifyWithoutCa {
    /// Warn about TLS proxying that does not verify the upstream's certificate.
    pub require_verify: bool,
}

impl Default for ProxySslVerifyWithoutCa {
    fn default() -> Self {
        ProxySslVerifyWithoutCa {
            require_verify: true,
        }
    }
}

const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// The flag directive `name` in effect, when it is `on`.
fn flag_on<'p>(model: &Model<'p>, scope: ScopeId, name: &str) -> Option<At<'p>> {
    model
        .effective(scope, name)
        .map(|(_, at)| at)
        .filter(|at| at.arg(0).is_some_and(|v| v.eq_ignore_ascii_case("on")))
}

/// The trusted certificate in effect (an empty path counts as none, as nginx counts it).
fn trusted<'p>(model: &Model<'p>, scope: ScopeId, prefix: &str) -> Option<At<'p>> {
    model
        .effective(scope, &format!("{prefix}ssl_trusted_certificate"))
        .map(|(_, at)| at)
        .filter(|at| at.arg(0).is_some_and(|v| !v.is_empty()))
}

/// A verify directive without a trusted certificate, and the places where TLS makes nginx check it.
struct Missing<'p> {
    verify: At<'p>,
    prefix: &'static str,
    uses: Vec<(At<'p>, String)>,
}

impl ProxySslVerifyWithoutCa {
    fn http_pass<'p>(
        &self,
        cx: &Cx<'p>,
        scope: ScopeId,
        pass: &Pass<'p>,
        missing: &mut BTreeMap<(FileId, u32), Missing<'p>>,
        out: &mut Vec<Diagnostic>,
    ) {
        let model = cx.model;
        let prefix = pass.module.prefix();
        let directive = pass.module.directive();
        // nginx prepares the TLS context for a TLS scheme and for any address with variables.
        if !(pass.tls || pass.has_variables) {
            return;
        }
        let verify_name = format!("{prefix}ssl_verify");
        let url = pass.at.arg(0).unwrap_or_default().into_owned();
        if let Some(verify) = flag_on(model, scope, &verify_name) {
            // A file read alone: its parent may set the trusted certificate.
            let trusted_name = format!("{prefix}ssl_trusted_certificate");
            if trusted(model, scope, prefix).is_none()
                && !model.unset_in_fragment(scope, &trusted_name)
            {
                missing
                    .entry((verify.file, verify.head_span().start))
                    .or_insert_with(|| Missing {
                        verify,
                        prefix,
                        uses: Vec::new(),
                    })
                    .uses
                    .push((pass.at, format!("{directive} {url}")));
                return;
            }
            // Verified: the name checked is X_ssl_name, else the pass's host.
            let Target::Inet { host, .. } = &pass.target else {
                return;
            };
            if !pass.tls
                || host.parse::<std::net::IpAddr>().is_err()
                || model
                    .effective(scope, &format!("{prefix}ssl_name"))
                    .is_some()
            {
                return;
            }
            let diag = META
                .diag_at(
                    Severity::Info,
                    pass.at.file,
                    pass.at.arg_span(0),
                    format!("the upstream certificate is checked against the address `{host}`: no `{prefix}ssl_name`"),
                )
                .with_help(format!(
                    "add `{prefix}ssl_name` with the host name in the upstream's certificate, e.g. `{prefix}ssl_name backend.example.com;`"
                ));
            out.push(diag.with_place(
                verify.file,
                verify.head_span(),
                "verification turned on here",
            ));
            return;
        }
        if !pass.tls || !self.require_verify {
            return;
        }
        // Verification may be turned on by the parent of a file read alone; and nobody between
        // nginx and an upstream on the loopback interface can present a certificate of their own.
        if model.unset_in_fragment(scope, &verify_name) || loopback(model, pass) {
            return;
        }
        let mut diag = META
            .diag_at(
                Severity::Warning,
                pass.at.file,
                pass.at.arg_span(0),
                format!(
                    "{directive} `{url}` accepts any upstream certificate: `{verify_name}` is off"
                ),
            )
            .with_help(help_verify(prefix, pass));
        if let Some(fix) = verify_fix(model, scope, prefix, &pass.at, named(pass)) {
            diag = diag.with_edits(fix);
        }
        if let Some((_, off)) = model.effective(scope, &verify_name) {
            diag = diag.with_place(off.file, off.head_span(), "turned off here");
        }
        out.push(diag);
    }

    fn stream_server<'p>(
        &self,
        cx: &Cx<'p>,
        scope: ScopeId,
        missing: &mut BTreeMap<(FileId, u32), Missing<'p>>,
        out: &mut Vec<Diagnostic>,
    ) {
        let model = cx.model;
        let Some(ssl) = flag_on(model, scope, "proxy_ssl") else {
            return;
        };
        if let Some(verify) = flag_on(model, scope, "proxy_ssl_verify") {
            if trusted(model, scope, "proxy_").is_none()
                && !model.unset_in_fragment(scope, "proxy_ssl_trusted_certificate")
            {
                missing
                    .entry((verify.file, verify.head_span().start))
                    .or_insert_with(|| Missing {
                        verify,
                        prefix: "proxy_",
                        uses: Vec::new(),
                    })
                    .uses
                    .push((ssl, "proxy_ssl on".into()));
            }
            return;
        }
        if !self.require_verify
            || model.unset_in_fragment(scope, "proxy_ssl_verify")
            || model.pass(scope).is_some_and(|p| loopback(model, p))
        {
            return;
        }
        let mut diag = META
            .diag_at(
                Severity::Warning,
                ssl.file,
                ssl.head_span(),
                "`proxy_ssl on` accepts any upstream certificate: `proxy_ssl_verify` is off",
            )
            .with_help(format!(
                "add `proxy_ssl_verify on;`, `proxy_ssl_trusted_certificate {CA_BUNDLE};` and `proxy_ssl_server_name on;`"
            ));
        let own = model
            .here(scope, "proxy_ssl")
            .any(|at| std::ptr::eq(at.dir, ssl.dir));
        if let Some(fix) = verify_fix(model, scope, "proxy_", &ssl, own) {
            diag = diag.with_edits(fix);
        }
        if let Some((_, off)) = model.effective(scope, "proxy_ssl_verify") {
            diag = diag.with_place(off.file, off.head_span(), "turned off here");
        }
        out.push(diag);
    }
}

/// Whether every address a pass connects to is on the loopback interface (`127.0.0.1`, `::1`,
/// `localhost`, or an upstream group of such servers).
fn loopback(model: &Model<'_>, pass: &Pass<'_>) -> bool {
    let local = |host: &str| {
        ngxlint_engine::fastcgi::is_localhost(host)
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.to_canonical().is_loopback())
    };
    match &pass.target {
        Target::Inet { host, .. } => local(host),
        Target::Unix(_) => true,
        Target::Group(g) => {
            let u = &model.upstreams[*g];
            !u.servers.is_empty()
                && u.servers.iter().all(|s| {
                    let (host, _) = ngxlint_engine::model::split_host_port(&s.address);
                    local(host) || s.address.starts_with("unix:")
                })
        }
        _ => false,
    }
}

/// Whether the pass names its host (so `X_ssl_server_name on` sends and checks that name).
fn named(pass: &Pass<'_>) -> bool {
    match &pass.target {
        Target::Inet { host, .. } => host.parse::<std::net::IpAddr>().is_err(),
        Target::Variable => true,
        _ => false,
    }
}

/// The edits of the help for unverified TLS, in the block of `anchor` (the pass, or `proxy_ssl
/// on`): verification on (a line of that block that turns it off is turned on), the system's CA
/// bundle unless one is in effect, and the pass's host name sent and checked. Display-only: the
/// CA that signed the upstream's certificate is not in the configuration, and with the system's
/// bundle an upstream with a private or self-signed certificate fails the check (502 for every
/// request, where the configuration worked unverified). Only for a pass that
/// names its host (else the name to check is not in the configuration), in a block that takes
/// these directives (not an `if`).
fn verify_fix(
    model: &Model<'_>,
    scope: ScopeId,
    prefix: &str,
    anchor: &At<'_>,
    named: bool,
) -> Option<Fix> {
    let kind = model.scope(scope).kind;
    if !named || !matches!(kind, Context::HttpLocation | Context::StreamServer) {
        return None;
    }
    let mut edits = Vec::new();
    let mut lines = Vec::new();
    for (name, want) in [
        (format!("{prefix}ssl_verify"), "on"),
        (format!("{prefix}ssl_trusted_certificate"), CA_BUNDLE),
        (format!("{prefix}ssl_server_name"), "on"),
    ] {
        let here = model.here(scope, &name).last().copied();
        let is_trusted = name.ends_with("trusted_certificate");
        if is_trusted && trusted(model, scope, prefix).is_some() {
            continue;
        }
        if !is_trusted && flag_on(model, scope, &name).is_some() {
            continue;
        }
        match here {
            Some(at) if at.nargs() == 1 => {
                edits.push(Edit::replace(at.file, at.arg_span(0), want));
            }
            _ => lines.push(format!("{name} {want};")),
        }
    }
    if !lines.is_empty() {
        edits.push(edit::insert_after(
            anchor.file,
            anchor.src,
            anchor.dir,
            &lines.join("\n"),
        ));
    }
    Some(Fix::display_only(
        "Verify the upstream's certificate against the system's CA bundle",
        edits,
    ))
}

/// The fix for unverified TLS: verification, the CA bundle, and the name to check.
fn help_verify(prefix: &str, pass: &Pass<'_>) -> String {
    let name = if named(pass) {
        format!("`{prefix}ssl_server_name on;`")
    } else {
        // An IP address or an upstream group name is what nginx would check.
        format!("`{prefix}ssl_name` with the host name in the upstream's certificate")
    };
    format!(
        "add `{prefix}ssl_verify on;`, `{prefix}ssl_trusted_certificate {CA_BUNDLE};` and {name}"
    )
}

impl Rule for ProxySslVerifyWithoutCa {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let mut missing: BTreeMap<(FileId, u32), Missing<'_>> = BTreeMap::new();
        for (id, pass) in model.pass_directives() {
            if matches!(
                model.scope(*id).kind,
                Context::HttpLocation | Context::HttpLocationIf | Context::HttpLimitExcept
            ) && matches!(
                pass.module,
                PassModule::Proxy | PassModule::Grpc | PassModule::Uwsgi
            ) {
                self.http_pass(cx, *id, pass, &mut missing, out);
            }
        }
        for id in model.ids() {
            if model.scope(id).kind == Context::StreamServer {
                self.stream_server(cx, id, &mut missing, out);
            }
        }
        for m in missing.into_values() {
            let p = m.prefix;
            let Some((first, what)) = m.uses.first() else {
                continue;
            };
            let others = m.uses.len() - 1;
            let label = match others {
                0 => format!("TLS to the upstream here (`{what}`)"),
                1 => format!("TLS to the upstream here (`{what}`) and in 1 other place"),
                n => format!("TLS to the upstream here (`{what}`) and in {n} other places"),
            };
            let diag = META
                .diag(
                    m.verify.file,
                    m.verify.head_span(),
                    format!("no {p}ssl_trusted_certificate for {p}ssl_verify"),
                )
                .with_help(format!(
                    "add `{p}ssl_trusted_certificate {CA_BUNDLE};` (or the CA that signed the upstream's certificate)"
                ))
                // The CA that signed the upstream's certificate is not in the configuration:
                // with the system's bundle nginx starts, and a private or self-signed upstream
                // then fails every request (502) where the refused start kept the old
                // configuration serving (the NGX305 real-server scenario). Shown, never applied.
                .with_edits(Fix::display_only(
                    format!("Trust the system's CA bundle `{CA_BUNDLE}`"),
                    vec![edit::insert_after(
                        m.verify.file,
                        m.verify.src,
                        m.verify.dir,
                        &format!("{p}ssl_trusted_certificate {CA_BUNDLE};"),
                    )],
                ));
            out.push(diag.with_place(first.file, first.arg_span(0), label));
        }
    }

    fn configure(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "require_verify" => {
                self.require_verify = match value {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(format!(
                            "`require_verify` takes `true` or `false`, not `{value}`"
                        ))
                    }
                };
                Ok(())
            }
            _ => Err(format!(
                "`{}` has no option `{key}` (options: `require_verify`)",
                META.name
            )),
        }
    }
}
