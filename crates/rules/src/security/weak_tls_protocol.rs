//! NGX101 `weak-tls-protocol`: `ssl_protocols` that enable SSLv2, SSLv3, TLSv1 or TLSv1.1, or a TLS
//! server with no `ssl_protocols` on an nginx whose default still has TLSv1 and TLSv1.1 (before
//! 1.23.4, whose default became `TLSv1.2 TLSv1.3`). Whether an old protocol is offered then depends
//! on the OpenSSL nginx is built with: OpenSSL 1.1.1 offers TLSv1.0 at its default security level,
//! OpenSSL 3 only at level 0 (`ssl_ciphers …:@SECLEVEL=0`).

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX101",
    name: "weak-tls-protocol",
    severity: Severity::Warning,
    summary:
        "SSLv3, TLSv1 or TLSv1.1 enabled by `ssl_protocols` or by nginx's default before 1.23.4",
    doc: include_str!("../../../../rules/NGX101.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &[
        "gixy:weak_ssl_tls",
        "nginx-lint:deprecated-ssl-protocol",
        "semgrep:insecure-ssl-version",
        "semgrep:missing-ssl-version",
    ],
};

/// The protocols no client needs and attacks exist for (POODLE, BEAST; RFC 8996 deprecates TLS
/// 1.0 and 1.1).
const OLD: &[&str] = &["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"];

/// nginx's default `ssl_protocols` became `TLSv1.2 TLSv1.3` in this version.
const MODERN_DEFAULT: (u32, u32, u32) = (1, 23, 4);

/// How sure the exposure is: OpenSSL 3 (Debian 12, Ubuntu 22.04, RHEL 9, Alpine 3.17 and later)
/// refuses TLS 1.0 and 1.1 below security level 0, so only `@SECLEVEL=0` in the `ssl_ciphers` in
/// effect makes them certain (a warning); else they are offered on an older OpenSSL only (info).
fn strength(cx: &Cx<'_>, scope: ScopeId) -> (Severity, &'static str) {
    let level0 = cx
        .model
        .effective(scope, "ssl_ciphers")
        .and_then(|(_, d)| d.arg(0))
        .is_some_and(|c| c.to_ascii_uppercase().contains("@SECLEVEL=0"));
    if level0 {
        (Severity::Warning, "")
    } else {
        (
            Severity::Info,
            " (offered by nginx built with OpenSSL before 3.0; OpenSSL 3 refuses them unless the security level is 0)",
        )
    }
}

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct WeakTlsProtocol;

/// Whether a `listen` makes its server speak TLS.
fn tls_listen(at: &At<'_>) -> bool {
    at.args().iter().skip(1).any(|a| a == "ssl" || a == "quic")
}

/// Whether an `ssl_protocols` at `scope` is in effect for a TLS handshake. One in a `server`, or
/// in a file read alone (its servers may be elsewhere), is taken as meant; one in an `http`,
/// `stream` or `mail` block counts only when a server there speaks TLS (`listen … ssl`/`quic`,
/// `ssl on`, mail's `starttls`) and does not set its own: Debian's stock `nginx.conf` has `ssl_protocols TLSv1 …`
/// in `http`, unused by a plain-HTTP site or by TLS servers that set their own.
fn reaches_tls(cx: &Cx<'_>, scope: ScopeId, at: &At<'_>) -> bool {
    let model = cx.model;
    let block = model.scope(scope);
    if !matches!(block.kind, Context::Http | Context::Stream | Context::Mail)
        || model.in_fragment(scope)
    {
        return true;
    }
    block.children.iter().any(|&server| {
        let s = model.scope(server);
        if !matches!(
            s.kind,
            Context::HttpServer | Context::StreamServer | Context::MailServer
        ) {
            return false;
        }
        let on = |name: &str| {
            model
                .here(server, name)
                .any(|d| d.arg(0).is_some_and(|v| !v.eq_ignore_ascii_case("off")))
        };
        let tls = model.here(server, "listen").any(tls_listen) || on("ssl") || on("starttls");
        tls && model
            .effective(server, "ssl_protocols")
            .is_some_and(|(_, d)| std::ptr::eq(d.dir, at.dir))
    })
}

impl Rule for WeakTlsProtocol {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["ssl_protocols", "listen"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        if at.is("ssl_protocols") {
            let old: Vec<(usize, String)> = at
                .args()
                .iter()
                .enumerate()
                .filter(|(_, a)| OLD.contains(&a.as_ref()))
                .map(|(i, a)| (i, a.to_string()))
                .collect();
            let Some(&(first, _)) = old.first() else {
                return;
            };
            if !reaches_tls(cx, scope, at) {
                return;
            }
            let names: Vec<String> = old.iter().map(|(_, a)| format!("`{a}`")).collect();
            let keep: Vec<String> = at
                .args()
                .iter()
                .filter(|a| !OLD.contains(&a.as_ref()))
                .map(|a| a.to_string())
                .collect();
            let (severity, note) = strength(cx, scope);
            let keep = if keep.is_empty() {
                "TLSv1.2 TLSv1.3".to_string()
            } else {
                keep.join(" ")
            };
            out.push(
                META.diag_at(
                    severity,
                    at.file,
                    at.arg_span(first),
                    format!("`ssl_protocols` enables {}: protocols with known attacks (POODLE, BEAST) that RFC 8996 retires{note}", names.join(", ")),
                )
                .with_help(format!("use `ssl_protocols {keep};`")),
            );
            return;
        }
        // A TLS server with no `ssl_protocols`: nginx's default, which had TLSv1 and TLSv1.1
        // before 1.23.4.
        if !tls_listen(at) || cx.settings.nginx_version >= MODERN_DEFAULT {
            return;
        }
        // Once per server: at its first TLS `listen`.
        let first = cx
            .model
            .here(scope, "listen")
            .find(|l| tls_listen(l))
            .is_some_and(|l| std::ptr::eq(l.dir, at.dir));
        if !first {
            return;
        }
        if cx.model.effective(scope, "ssl_protocols").is_some()
            || cx.model.unset_in_fragment(scope, "ssl_protocols")
        {
            return;
        }
        let (a, b, c) = cx.settings.nginx_version;
        let (severity, note) = strength(cx, scope);
        out.push(
            META.diag_at(
                severity,
                at.file,
                at.head_span(),
                format!("no `ssl_protocols` for this TLS server: nginx {a}.{b}.{c} defaults to `TLSv1 TLSv1.1 TLSv1.2`{note}"),
            )
            .with_help("set `ssl_protocols TLSv1.2 TLSv1.3;` in the `http` block or the server"),
        );
    }
}
