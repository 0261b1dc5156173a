//! NGX201 `alias-traversal`: an `alias` whose location and path disagree on the final `/`, so
//! the part of the URI after the location's prefix lands beside or above the alias. nginx puts
//! the alias in place of the location's prefix, byte for byte: `location /files` with
//! `alias /srv/data/` serves `/files../secret` from `/srv/data/../secret` (the URI's `..` is not a
//! path segment, so nginx's normalization leaves it). For a regex location the capture put into
//! the alias is judged the same way, from what the regex lets through.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::matching::{loc_kind_and_name, LocKind};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::regex::{Before, ByteSet};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::vars::references;

static META: RuleMeta = RuleMeta {
    code: "NGX201",
    name: "alias-traversal",
    severity: Severity::Error,
    summary: "`alias` and its location disagree on the final `/`: a URI reaches the folder above the alias or files beside it",
    doc: include_str!("../../../../rules/NGX201.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &[
        "gixy:alias_traversal",
        "nginx-lint:alias-location-slash-mismatch",
        "semgrep:alias-path-traversal",
    ],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct AliasTraversal;

impl Rule for AliasTraversal {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["alias"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let sc = cx.model.scope(scope);
        if sc.kind != Context::HttpLocation {
            return;
        }
        let (Some(loc), Some(word)) = (sc.block, at.dir.args.first()) else {
            return;
        };
        let Some((kind, pattern)) = loc_kind_and_name(&loc) else {
            return;
        };
        let alias = word.value(at.src).into_owned();
        let d = match kind {
            LocKind::Prefix | LocKind::NoRegex => prefix(at, &loc, &pattern, &alias),
            LocKind::Regex | LocKind::RegexCaseless => regex(
                cx,
                scope,
                at,
                &pattern,
                kind == LocKind::RegexCaseless,
                &alias,
            ),
            LocKind::Exact | LocKind::Named => None,
        };
        out.extend(d);
    }
}

/// `location /files` (or `^~`) with `alias`.
fn prefix(at: &At<'_>, loc: &At<'_>, pattern: &str, alias: &[u8]) -> Option<Diagnostic> {
    // An alias built from variables is another question (what they hold), not this one.
    if alias.contains(&b'$') || alias.is_empty() {
        return None;
    }
    let a = String::from_utf8_lossy(alias);
    let loc_slash = pattern.ends_with('/');
    let alias_slash = alias.ends_with(b"/");
    let loc_word = loc.dir.args.last().copied()?;
    let alias_word = at.dir.args[0];
    match (loc_slash, alias_slash) {
        (true, true) => None,
        (false, true) => {
            let d = META
                .diag(
                    loc.file,
                    loc_word.span,
                    format!("`location {pattern}` lacks the final `/` of `alias {a}`: `{pattern}../` reads the folder above the alias"),
                )
                .with_place(at.file, alias_word.span, format!("`{pattern}..` becomes `{a}..` here"))
                .with_help(format!("end the location with `/`: `location {pattern}/`"));
            Some(fix(d, &loc_word, &format!("{pattern}/")))
        }
        (true, false) => {
            let d = META
                .diag_at(
                    Severity::Warning,
                    at.file,
                    alias_word.span,
                    format!("`alias {a}` lacks the final `/` of `location {pattern}`: `{pattern}x` reads `{a}x`, and `{pattern}-old/` the folder `{a}-old/` beside the alias"),
                )
                .with_help(format!("end the alias with `/`: `alias {a}/;`"));
            Some(fix(d, &alias_word, &format!("{a}/")))
        }
        // A folder alias lets a sibling folder's whole tree out (`/files-old/x`); a file alias
        // (`/robots.txt` to `robots.txt`) only the files whose names extend its name (backup
        // copies such as `robots.txt.old`): information, on the most common form of a file alias.
        (false, false) => Some(
            META.diag_at(
                if file_like(alias) {
                    Severity::Info
                } else {
                    Severity::Warning
                },
                loc.file,
                loc_word.span,
                format!("`location {pattern}` matches longer URIs too: `{pattern}.old` reads `{a}.old`, beside the alias"),
            )
            .with_place(at.file, alias_word.span, "the URI's rest is appended here")
            .with_help(format!(
                "for one file, match it exactly: `location = {pattern}`; for a folder, end both with `/`"
            )),
        ),
    }
}

/// Whether an alias names a file rather than a folder: its last segment has an extension.
fn file_like(alias: &[u8]) -> bool {
    let last = alias.rsplit(|b| *b == b'/').next().unwrap_or_default();
    last.iter().skip(1).any(|b| *b == b'.')
}

/// Replaces a bare word with `text`: unsafe, since the location then matches other URIs.
fn fix(d: Diagnostic, word: &nginx_syntax::Word, text: &str) -> Diagnostic {
    if word.quote != nginx_syntax::ast::Quote::None || word.escaped {
        return d;
    }
    let edit = Edit::replace(d.file, word.span, text.to_string());
    d.with_edits(Fix::unsafe_edits(
        format!("Replace with `{text}`"),
        vec![edit],
    ))
}

/// `location ~ re` with `alias …$N…`.
fn regex(
    cx: &Cx<'_>,
    scope: ScopeId,
    at: &At<'_>,
    pattern: &str,
    caseless: bool,
    alias: &[u8],
) -> Option<Diagnostic> {
    let re = cx.model.regex(pattern, caseless);
    let refs = references(alias);
    for (start, _, name) in &refs {
        let Some(g) = name.parse::<usize>().ok().or_else(|| re.named(name)) else {
            continue;
        };
        if g == 0 || g > re.captures() || *start == 0 {
            // The alias starts with the capture: the whole path is the URI's, another question.
            continue;
        }
        let holds = re.group(g);
        let first = re.group_first(g);
        let uri_slash = match re.before_group(g) {
            // The URI starts with `/`: so does a capture at its start.
            Some(Before::Start) => true,
            Some(Before::Bytes(b)) => b == ByteSet::of(b"/"),
            None => false,
        } || first == ByteSet::of(b"/");
        let alias_slash = alias[..*start].ends_with(b"/") || first == ByteSet::of(b"/");
        let a = String::from_utf8_lossy(alias);
        let var = format!("${name}");
        let modifier = if caseless { "~*" } else { "~" };
        let word = at.dir.args[0];
        if !uri_slash && alias_slash && first.contains(b'.') && holds.contains(b'.') {
            return Some(
                META.diag(
                    at.file,
                    word.span,
                    format!("`{var}` of `location {modifier} {pattern}` can start with `..` after the alias's `/`: `alias {a}` reads the folder above"),
                )
                .with_place(at.file, cx.model.scope(scope).block.map_or(at.name_span(), |b| b.arg_span(b.nargs().saturating_sub(1))), format!("nothing requires a `/` before `{var}` here"))
                .with_help("put a `/` before the capture in the location's regex"),
            );
        }
        if !alias_slash {
            return Some(
                META.diag_at(
                    Severity::Warning,
                    at.file,
                    word.span,
                    format!("`{var}` of `location {modifier} {pattern}` is appended to the alias without a `/`: `alias {a}` reads files beside it"),
                )
                .with_help(format!("put a `/` before `{var}` in the alias")),
            );
        }
    }
    None
}
