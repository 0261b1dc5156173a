//! NGX316 `php-location-unanchored`: a regex location that passes to PHP-FPM and also matches
//! `/uploads/avatar.php.jpg` — `location ~ \.php` with no `$` — so an uploaded file whose name
//! only contains `.php.` is sent to PHP-FPM as the script. Whether it runs is then up to the pool:
//! php-fpm runs it when `security.limit_extensions` lets its extension through (`.jpg`, or the
//! list is empty), and refuses it (403 "Access denied.") with the stock `.php .phar`.
//!
//! A warning when the pass reaches a pool of the project that runs such files; info when no pool
//! of the stack is known to be reached (the pool's list is not in the repository); nothing when
//! every pool reached allows only PHP extensions, or when `fastcgi_split_path_info` cuts the
//! script name before the extra extension (php-fpm is then asked for `avatar.php`, which does not
//! exist).

use ngxlint_engine::model::FastMap;

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::fastcgi::fastcgi_passes;
use ngxlint_engine::matching::{loc_kind_and_name, LocKind};
use ngxlint_engine::model::{At, Model, ScopeId};

use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

use crate::reach::{Pools, ReachCache};

static META: RuleMeta = RuleMeta {
    code: "NGX316",
    name: "php-location-unanchored",
    severity: Severity::Warning,
    summary: "a PHP regex location without `$` also sends `x.php.jpg` uploads to PHP-FPM, and the pool runs them",
    doc: include_str!("../../../../rules/NGX316.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:unanchored_regex"],
};

/// A PHP script's URI, for a pattern whose own example names none.
const SCRIPT: &str = "/index.php";

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct PhpLocationUnanchored;

impl Rule for PhpLocationUnanchored {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let pools = Pools::of(cx);
        let mut reach = ReachCache::default();
        let mut seen: FastMap<ScopeId, ()> = FastMap::default();
        // A tree of many sites repeats one pattern: each is compiled and tried once.
        let mut tried: FastMap<(String, bool), Option<Upload>> = FastMap::default();
        for (scope, pass) in fastcgi_passes(cx.model) {
            let Some(loc) = cx.model.location_of(scope) else {
                continue;
            };
            if seen.insert(loc, ()).is_some() {
                continue;
            }
            if let Some(d) = judge(cx, &pools, &mut reach, &mut tried, loc, scope, &pass) {
                out.push(d);
            }
        }
    }
}

/// The upload a pattern lets through, named after the script it is for.
#[derive(Clone)]
struct Upload {
    name: String,
    upload: String,
}

/// Whether the pattern matches a script's URI and also the upload named after it.
fn unanchored(model: &Model<'_>, pattern: &str, caseless: bool) -> Option<Upload> {
    let re = model.regex(pattern, caseless);
    // The script the location is for (`cron.php` for `cron\.php`), and the upload named after it.
    let script = re
        .example_preferring(Some(b'.'))
        .and_then(|e| String::from_utf8(e).ok())
        .filter(|e| e.to_ascii_lowercase().contains(".php"))
        .unwrap_or_else(|| SCRIPT.to_string());
    // A pattern of an extension only (`\.php`) gives `.php`: the upload gets a name.
    let name = match script.rsplit('/').next().unwrap_or_default() {
        "" => "avatar.php".to_string(),
        n if n.starts_with('.') => format!("avatar{n}"),
        n => n.to_string(),
    };
    let upload = format!("/uploads/{name}.jpg");
    (re.is_match(script.as_bytes()) == Some(true) && re.is_match(upload.as_bytes()) == Some(true))
        .then_some(Upload { name, upload })
}

#[allow(clippy::too_many_arguments)]
fn judge<'p>(
    cx: &Cx<'p>,
    pools: &Pools<'p>,
    reach: &mut ReachCache<'p>,
    tried: &mut FastMap<(String, bool), Option<Upload>>,
    loc: ScopeId,
    scope: ScopeId,
    pass: &At<'p>,
) -> Option<Diagnostic> {
    let model = cx.model;
    if model.scope(loc).kind != Context::HttpLocation {
        return None;
    }
    let block = model.scope(loc).block?;
    let (kind, pattern) = loc_kind_and_name(&block)?;
    let caseless = match kind {
        LocKind::Regex => false,
        LocKind::RegexCaseless => true,
        _ => return None,
    };
    let Upload { name, upload } = tried
        .entry((pattern.clone(), caseless))
        .or_insert_with(|| unanchored(model, &pattern, caseless))
        .clone()?;
    let upload = upload.as_str();
    // `fastcgi_split_path_info ^(.+\.php)(.*)$;` asks php-fpm for `/uploads/avatar.php`.
    if let Some((_, split)) = model.effective(scope, "fastcgi_split_path_info") {
        let split_re = split.arg(0).map(|p| model.regex(&p, false))?;
        if let Some(caps) = split_re.captures_of(upload.as_bytes()) {
            if caps.get(1).and_then(|c| c.as_deref()) != Some(upload.as_bytes()) {
                return None;
            }
        }
    }
    let modifier = if caseless { "~*" } else { "~" };
    let word = block.dir.args.last()?;
    let reached = pools.reached(cx, reach, scope, pass);
    if reached.is_empty() {
        return Some(
            META.diag_at(
                Severity::Info,
                block.file,
                word.span,
                format!("`location {modifier} {pattern}` also matches `{upload}`: an uploaded file named `{name}.jpg` is sent to PHP-FPM as the script, and runs unless the pool's `security.limit_extensions` stops it (no pool this pass reaches is in the repository)"),
            )
            .with_help(help(&pattern))
            .with_edits(anchor_fix(block.file, word)),
        );
    }
    let open = reached
        .iter()
        .map(|&i| pools.list[i])
        .find(crate::reach::runs_non_php)?;
    let ext = &open.pool.security_limit_extensions.value;
    let runs = if ext.is_empty() {
        "every file".to_string()
    } else {
        format!("`{}` files", ext.join(" "))
    };
    let mut d = META
        .diag(
            block.file,
            word.span,
            format!(
                "`location {modifier} {pattern}` also matches `{upload}`, and pool [{}] runs {runs} as PHP: an uploaded image named `{name}.jpg` runs as code",
                open.pool.name
            ),
        )
        .with_place(
            pass.file,
            pass.arg_span(0),
            format!("this fastcgi_pass reaches pool [{}]", open.pool.name),
        )
        .with_help(help(&pattern))
        .with_edits(anchor_fix(block.file, word));
    if let Some(o) = open.pool.security_limit_extensions.origin {
        let (file, span) = cx.fpm_span(open.tree, &o);
        d = d.with_related(
            file,
            span,
            format!(
                "pool [{}] runs files with these extensions as PHP",
                open.pool.name
            ),
        );
    }
    Some(d)
}

/// `$` at the end of the pattern: display-only, since it also stops URIs with a PATH_INFO part
/// (`/index.php/route`) that the application may serve.
fn anchor_fix(file: ngxlint_engine::files::FileId, word: &nginx_syntax::Word) -> Fix {
    Fix::display_only(
        "End the pattern with `$`",
        vec![Edit::insert(file, word.inner().end, "$")],
    )
}

fn help(pattern: &str) -> String {
    let anchored = if pattern.ends_with(")") || pattern.ends_with('$') {
        "end the pattern with `$` (`\\.php$`, or `\\.php(/|$)` for PATH_INFO)".to_string()
    } else {
        format!("end the pattern with `$`: `location ~ {pattern}$`")
    };
    format!("{anchored}; keep `security.limit_extensions = .php` in the pool")
}
