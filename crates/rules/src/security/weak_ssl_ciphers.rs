//! NGX102 `weak-ssl-ciphers`: an `ssl_ciphers` list that lets a broken cipher in — RC4, DES,
//! 3DES, MD5 MACs, export, NULL (no encryption) or anonymous (no authentication) suites — or that
//! lowers OpenSSL's security level to 0 (`@SECLEVEL=0`, which lets all of them and TLSv1.0 back in).
//! The list is read as OpenSSL reads it: a name after `!` is gone for good, so `HIGH:!aNULL:!MD5`
//! (nginx's default) passes.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX102",
    name: "weak-ssl-ciphers",
    severity: Severity::Warning,
    summary: "`ssl_ciphers` that lets RC4, DES, 3DES, MD5, export, NULL or anonymous suites in, or `@SECLEVEL=0`",
    doc: include_str!("../../../../rules/NGX102.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["nginx-lint:weak-ssl-ciphers", "gixy:weak_ssl_tls"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct WeakSslCiphers;

/// Cipher-string words that name broken suites, and what is wrong with them.
const WEAK: &[(&str, &str)] = &[
    ("RC4", "RC4"),
    ("3DES", "3DES (Sweet32)"),
    ("CBC3", "3DES (Sweet32)"),
    ("DES", "DES"),
    ("MD5", "MD5"),
    ("EXP", "export-grade"),
    ("EXPORT", "export-grade"),
    ("NULL", "unencrypted (NULL)"),
    ("eNULL", "unencrypted (NULL)"),
    ("aNULL", "unauthenticated (anonymous)"),
    ("ADH", "unauthenticated (anonymous)"),
    ("AECDH", "unauthenticated (anonymous)"),
    ("LOW", "low-strength"),
];

/// What is wrong with one positive element of a cipher string (`RC4-SHA`, `RC4`, `ADH-AES256-SHA`).
fn weakness(element: &str) -> Option<&'static str> {
    // `A+B` is the intersection of A and B: weak when any part is.
    element.split('+').find_map(|part| {
        WEAK.iter()
            .find(|(w, _)| {
                part == *w
                    || part.split('-').any(|p| p == *w)
                    || (matches!(*w, "RC4" | "CBC3") && part.contains(w))
            })
            .map(|(_, why)| *why)
    })
}

impl Rule for WeakSslCiphers {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &[
            "ssl_ciphers",
            "proxy_ssl_ciphers",
            "grpc_ssl_ciphers",
            "uwsgi_ssl_ciphers",
        ]
    }

    fn on_directive(&self, _cx: &Cx<'_>, _scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let Some(list) = at.arg(0) else { return };
        let elements: Vec<&str> = list
            .split([':', ',', ' '])
            .filter(|e| !e.is_empty())
            .collect();
        // `!X` removes X for good, whatever comes before or after it.
        let removed: Vec<&str> = elements
            .iter()
            .filter_map(|e| e.strip_prefix('!'))
            .collect();
        let mut found: Vec<(&str, &'static str)> = Vec::new();
        for e in &elements {
            if e.starts_with(['!', '-', '+']) {
                continue;
            }
            if e.eq_ignore_ascii_case("@SECLEVEL=0") {
                found.push((e, "security level 0 (every weak suite, and TLSv1.0)"));
                continue;
            }
            let Some(why) = weakness(e) else { continue };
            // `RC4` after `!RC4` in the same list is removed too.
            let gone = e
                .split('+')
                .chain(e.split('-'))
                .any(|p| removed.iter().any(|r| r.eq_ignore_ascii_case(p)));
            if !gone && !found.iter().any(|(_, w)| *w == why) {
                found.push((e, why));
            }
        }
        if found.is_empty() {
            return;
        }
        let shown: Vec<String> = found
            .iter()
            .map(|(e, why)| format!("`{e}` ({why})"))
            .collect();
        out.push(
            META.diag(
                at.file,
                at.arg_span(0),
                format!("`{}` lets broken ciphers in: {}", at.name(), shown.join(", ")),
            )
            .with_help(format!(
                "use `{} HIGH:!aNULL:!MD5;` (nginx's default) or a current list (Mozilla's intermediate)",
                at.name()
            )),
        );
    }
}
