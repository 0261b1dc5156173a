//! NGX405 `weak-origin-check`: a regular expression that checks the `Origin` or `Referer` a
//! client sent against a trusted domain, and that a hostile site's address also matches:
//! `example\.com` without an end anchor lets `https://example.com.evil.test` in, without a `.` or
//! `//` before it `https://evilexample.com`, an unescaped `.` `https://wwwxexample.com`, and for a
//! `Referer` (a whole URL the attacker's page chooses) a pattern not anchored at the start
//! `https://evil.test/?https://example.com`.
//!
//! The check is made with the pattern itself (PCRE2, as nginx compiles it): a string it accepts is
//! built from its syntax, its host is turned into the hosts an attacker can register, and each is
//! tried. A pattern with no host in what it accepts (`.+`, `^https?://`) is not a domain check
//! and is left alone.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, Model, ScopeId};
use ngxlint_engine::regex::Regex;
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX405",
    name: "weak-origin-check",
    severity: Severity::Warning,
    summary: "a regex check of `$http_origin` or `$http_referer` that a hostile site's address also passes",
    doc: include_str!("../../../../rules/NGX405.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:origins"],
};

/// The headers checked, and whether the value is a whole URL (a path and query the attacker's
/// page chooses) or only `scheme://host[:port]`.
const CHECKED: &[(&str, bool)] = &[("$http_origin", false), ("$http_referer", true)];

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct WeakOriginCheck;

impl Rule for WeakOriginCheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["if", "map"]
    }

    fn on_directive(&self, cx: &Cx<'_>, _scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        if at.is("if") {
            out.extend(in_if(cx.model, at));
        } else {
            out.extend(in_map(cx.model, at));
        }
    }
}

/// `if ($http_origin ~* RE)` and the negated forms.
fn in_if(model: &Model<'_>, at: &At<'_>) -> Option<Diagnostic> {
    // Most conditions test something else: one look at the variable first (`($http_origin`,
    // or `(` alone before it).
    let var_word = at
        .dir
        .args
        .iter()
        .map(|w| w.raw(at.src))
        .find(|r| *r != b"(")?;
    let var = var_word.strip_prefix(b"(").unwrap_or(var_word);
    if !CHECKED
        .iter()
        .any(|(v, _)| v.as_bytes().eq_ignore_ascii_case(var))
    {
        return None;
    }
    // The words with their index: nginx drops the `(` of the first and the `)` of the last.
    let mut words: Vec<(String, usize)> = at
        .args()
        .into_iter()
        .enumerate()
        .map(|(i, a)| (a.into_owned(), i))
        .collect();
    if let Some((first, _)) = words.first_mut() {
        if let Some(rest) = first.strip_prefix('(') {
            *first = rest.to_string();
        }
    }
    if let Some((last, _)) = words.last_mut() {
        if let Some(rest) = last.strip_suffix(')') {
            *last = rest.to_string();
        }
    }
    words.retain(|(w, _)| !w.is_empty());
    let [(var, _), (op, _), (pattern, index)] = words.as_slice() else {
        return None;
    };
    let (_, url) = CHECKED.iter().find(|(v, _)| v.eq_ignore_ascii_case(var))?;
    if !matches!(op.as_str(), "~" | "~*" | "!~" | "!~*") {
        return None;
    }
    // A match that rejects (`if ($http_referer ~ spam\.com) { return 403; }`) is a block list:
    // matching more only rejects more.
    if !op.starts_with('!') && rejects(at) {
        return None;
    }
    let caseless = op.ends_with('*');
    let bypass = bypass(&model.regex(pattern, caseless), *url)?;
    Some(report(at, at.arg_span(*index), var, pattern, &bypass))
}

/// Whether an `if` block answers with a client error (`return 403;`, `444`) or `deny`s.
fn rejects(at: &At<'_>) -> bool {
    let Some(block) = &at.dir.block else {
        return false;
    };
    block.children.iter().any(|d| {
        let name = d.name.text(at.src);
        let first = d.args.first().map(|w| w.text(at.src));
        (name == "return" && first.is_some_and(|c| c.starts_with('4'))) || name == "deny"
    })
}

/// `map $http_origin $x { ~RE $http_origin; }`: every regex key whose value hands the checked
/// address on (the CORS reflection); a map's other values may as well mark addresses to block.
fn in_map(model: &Model<'_>, at: &At<'_>) -> Vec<Diagnostic> {
    let Some(source) = at.arg(0) else {
        return Vec::new();
    };
    let Some((_, url)) = CHECKED.iter().find(|(v, _)| *v == source) else {
        return Vec::new();
    };
    let Some(block) = &at.dir.block else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in &block.children {
        let key = entry.name.text(at.src);
        let (pattern, caseless) = if let Some(p) = key.strip_prefix("~*") {
            (p, true)
        } else if let Some(p) = key.strip_prefix('~') {
            (p, false)
        } else {
            continue;
        };
        let reflects = entry
            .args
            .first()
            .is_some_and(|v| v.text(at.src) == *source);
        if !reflects {
            continue;
        }
        if let Some(bypass) = bypass(&model.regex(pattern, caseless), *url) {
            out.push(report(at, entry.name.span, &source, pattern, &bypass));
        }
    }
    out
}

fn report(
    at: &At<'_>,
    span: nginx_syntax::Span,
    var: &str,
    pattern: &str,
    bypass: &Bypass,
) -> Diagnostic {
    META.diag(
        at.file,
        span,
        format!(
            "`{pattern}` checks `{var}` for `{}`, but `{}` passes it too: {}",
            bypass.trusted, bypass.hostile, bypass.why
        ),
    )
    .with_help(bypass.help)
}

/// A hostile value the pattern accepts, with why and the fix.
#[derive(Debug, PartialEq)]
struct Bypass {
    trusted: String,
    hostile: String,
    why: &'static str,
    help: &'static str,
}

/// The first hostile address the pattern accepts, tried from what it accepts.
fn bypass(re: &Regex, url: bool) -> Option<Bypass> {
    let example = String::from_utf8(re.example_preferring(Some(b'.'))?).ok()?;
    let (scheme, rest) = match example.split_once("://") {
        Some((s, r)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic()) => {
            (format!("{s}://"), r)
        }
        _ => ("https://".to_string(), example.as_str()),
    };
    let end = rest.find(['/', ':', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(end);
    let host = host.trim_start_matches('.');
    // A host an attacker cannot register around: a name with a dot and letters in its last label.
    let last = host.rsplit('.').next().unwrap_or_default();
    if !host.contains('.')
        || last.len() < 2
        || !last.bytes().all(|b| b.is_ascii_alphabetic())
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
    {
        return None;
    }
    let trusted = format!("{scheme}{host}");
    let mut tries: Vec<(String, &'static str, &'static str)> = vec![(
        format!("{scheme}{host}.evil.test{tail}"),
        "nothing ends the match after the domain, so a host that only starts with it is trusted",
        "end the pattern after the host: `…example\\.com$` (for a Referer, `…example\\.com(/|$)`)",
    )];
    // A name glued before the host or one of its parent domains: one an attacker registers,
    // not a subdomain of the trusted domain (`evila.example.com` for a pattern that lets any
    // `[a-z0-9-]+` label before `.example.com` in is that domain's own).
    let domain = registrable(host);
    let mut at = 0;
    while let Some(rest) = host.get(at..) {
        if rest.len() < domain.len() {
            break;
        }
        let glued = format!("evil{rest}");
        if !glued.ends_with(&format!(".{domain}")) {
            tries.push((
                format!("{scheme}{glued}{tail}"),
                "nothing requires `//` or `.` right before the domain, so a host that only ends with it is trusted",
                "anchor the host: `^https://(www\\.)?example\\.com$`",
            ));
        }
        match rest.find('.') {
            Some(dot) => at += dot + 1,
            None => break,
        }
    }
    if let Some((first, others)) = host.split_once('.') {
        if others.contains('.') {
            tries.push((
                format!("{scheme}{first}x{others}{tail}"),
                "a `.` in the pattern matches any character, so a look-alike domain is trusted",
                "escape the dots of the domain: `example\\.com`",
            ));
        }
    }
    if url {
        tries.push((
            format!("https://evil.test/?{trusted}{tail}"),
            "the pattern is not anchored at the start, so the trusted address anywhere in another site's URL passes",
            "anchor the pattern at the start: `^https://example\\.com(/|$)`",
        ));
    }
    tries
        .into_iter()
        .find(|(hostile, _, _)| re.is_match(hostile.as_bytes()) == Some(true))
        .map(|(hostile, why, help)| Bypass {
            trusted: trusted.clone(),
            hostile,
            why,
            help,
        })
}

/// The domain a host's owner registered: its last two labels, or three under a public suffix of
/// two (`example.co.uk`).
fn registrable(host: &str) -> &str {
    const TWO_LABEL_SUFFIXES: &[&str] = &[
        "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.jp", "co.nz",
        "com.br", "com.cn", "co.in", "co.za", "com.mx", "com.tr", "com.ar", "co.kr",
    ];
    let labels: Vec<usize> = host.match_indices('.').map(|(i, _)| i + 1).collect();
    let keep = |n: usize| match labels.len().checked_sub(n - 1) {
        Some(i) if i > 0 => host.get(labels[i - 1]..).unwrap_or(host),
        _ => host,
    };
    let two = keep(2);
    if TWO_LABEL_SUFFIXES.contains(&two) {
        keep(3)
    } else {
        two
    }
}

#[cfg(test)]
mod tests {
    use super::bypass;
    use ngxlint_engine::regex::Regex;

    fn hostile(pattern: &str, url: bool) -> Option<String> {
        bypass(&Regex::new(pattern, true), url).map(|b| b.hostile)
    }

    #[test]
    fn finds_the_hosts_an_attacker_registers() {
        assert_eq!(
            hostile(r"^https://example\.com", false).as_deref(),
            Some("https://example.com.evil.test")
        );
        assert_eq!(
            hostile(r"example\.com$", false).as_deref(),
            Some("https://evilexample.com")
        );
        assert_eq!(
            hostile(r"^https://www.example\.com$", false).as_deref(),
            Some("https://wwwxexample.com")
        );
        // A label of its own before the domain, glued to it: `evilexample.com`.
        assert_eq!(
            hostile(r"^https://[a-z]+example\.com$", false).as_deref(),
            Some("https://evilaexample.com")
        );
        assert_eq!(hostile(r"^https://.*\.example\.co\.uk$", false), None);
        assert_eq!(
            hostile(r"^https://.*example\.co\.uk$", false).as_deref(),
            Some("https://evilexample.co.uk")
        );
        assert_eq!(
            hostile(r"https://example\.com(/|$)", true).as_deref(),
            Some("https://evil.test/?https://example.com/")
        );
    }

    #[test]
    fn leaves_tight_and_open_patterns_alone() {
        for p in [
            r"^https://example\.com$",
            r"^https?://(www\.)?example\.com$",
            r"^https://([a-z0-9-]+\.)*example\.com$",
            r"^https://(app|admin)\.example\.com(:\d+)?$",
            r"^https://[a-z0-9-]+\.example-cdn\.net$",
            r".+",
            r"^https?://",
        ] {
            assert_eq!(hostile(p, false), None, "{p}");
        }
        assert_eq!(hostile(r"^https://example\.com(/|$)", true), None);
    }
}
