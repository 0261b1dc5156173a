//! NGX106 `ssl-group-needs-openssl-3-5`: `ssl_ecdh_curve` (or `ssl_conf_command Groups`) names a
//! post-quantum key exchange group (`X25519MLKEM768`), or uses the group-list syntax (`?name`,
//! `*name`, `a/b` tuples), that OpenSSL knows from 3.5 on. nginx hands the list to
//! `SSL_CTX_set1_curves_list()` when it reads the configuration; linked with an older OpenSSL
//! (Debian 12, Ubuntu 24.04, RHEL 9) it refuses to start. Which OpenSSL the server runs is not in
//! the configuration, and on 3.5 the list is right: a warning, not an error.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX106",
    name: "ssl-group-needs-openssl-3-5",
    severity: Severity::Warning,
    summary: "a TLS group list only OpenSSL 3.5 and later accept",
    doc: include_str!("../../../../rules/NGX106.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:ssl_ecdh_curve"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct SslGroupNeedsOpenssl35;

impl Rule for SslGroupNeedsOpenssl35 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["ssl_ecdh_curve", "ssl_conf_command"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        // `ssl_conf_command Groups X25519MLKEM768:X25519;` sets the same list.
        let i = if at.is("ssl_conf_command") {
            match at.arg(0) {
                Some(k) if k.eq_ignore_ascii_case("groups") || k.eq_ignore_ascii_case("curves") => {
                    1
                }
                _ => return,
            }
        } else {
            0
        };
        let Some(list) = at.arg(i) else { return };
        // nginx applies the list only to servers with a certificate; a tree without one never
        // hands it to OpenSSL.
        let tree = cx.model.scope(scope).tree;
        let has_certificate = ["ssl_certificate", "ssl_certificate_by_lua_block"]
            .iter()
            .any(|n| {
                cx.model
                    .everywhere(n)
                    .any(|(s, _)| cx.model.scope(s).tree == tree)
            });
        if !has_certificate {
            return;
        }
        let Some(why) = list.split(':').find_map(too_new) else {
            return;
        };
        out.push(
            META.diag(
                at.file,
                at.arg_span(i),
                format!(
                    "{why}: nginx linked with OpenSSL before 3.5 (Debian 12, Ubuntu 24.04, RHEL 9) refuses to start (`SSL_CTX_set1_curves_list(\"{list}\") failed`)"
                ),
            )
            .with_help("where the servers may run an older OpenSSL, list only classic groups (`X25519:prime256v1:secp384r1`), or leave `ssl_ecdh_curve` unset; OpenSSL 3.5 offers `X25519MLKEM768` by default"),
        );
    }
}

/// Why one entry of a group list is unknown to OpenSSL before 3.5, if it is.
fn too_new(entry: &str) -> Option<String> {
    let name = entry.trim();
    if name.is_empty() {
        return None;
    }
    if name.starts_with(['?', '*']) || name.contains('/') {
        return Some(format!(
            "`{name}` is OpenSSL 3.5's group-list syntax (`?` optional, `*` key share, `/` tuples)"
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower.contains("mlkem") || lower.contains("kyber") {
        return Some(format!(
            "`{name}` is a post-quantum group that OpenSSL knows from 3.5 on"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::too_new;

    #[test]
    fn only_post_quantum_names_and_the_new_syntax_are_too_new() {
        for n in [
            "X25519MLKEM768",
            "SecP256r1MLKEM768",
            "SecP384r1MLKEM1024",
            "mlkem768",
            "X25519Kyber768Draft00",
            "?X25519",
            "*X25519MLKEM768",
            "X25519MLKEM768/X25519",
        ] {
            assert!(too_new(n).is_some(), "{n}");
        }
        for n in [
            "X25519",
            "x25519",
            "prime256v1",
            "secp384r1",
            "P-256",
            "X448",
            "ffdhe2048",
            "auto",
            "",
        ] {
            assert!(too_new(n).is_none(), "{n}");
        }
    }
}
