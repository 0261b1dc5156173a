//! NGX319 `try-files-with-pass`: `try_files` and a pass (`proxy_pass`, `fastcgi_pass`, ...) in the
//! same location. The pass makes the location's content handler, so a file `try_files` finds is
//! not served by nginx: its URI goes to the upstream like any other. The usual intent — files from
//! disk, the rest to the application — needs the pass in a named location that `try_files` falls
//! back to.
//!
//! In a PHP location (`location ~ \.php$`) `try_files` before `fastcgi_pass` is meant exactly so —
//! `$uri =404` checks that the script exists — and is left alone; in `location /` it sends every
//! stylesheet and image to PHP-FPM, which refuses them (`security.limit_extensions`).

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, PassModule, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX319",
    name: "try-files-with-pass",
    severity: Severity::Info,
    summary:
        "`try_files` and a pass in one location: files it finds go to the upstream, not from disk",
    doc: include_str!("../../../../rules/NGX319.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &["nginx-lint:try-files-with-proxy"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct TryFilesWithPass;

impl Rule for TryFilesWithPass {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["try_files"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let Some(pass) = model.pass(scope) else {
            return;
        };
        // Only a pass of this location itself: one inherited into an `if` is another matter.
        if !model
            .here(scope, pass.module.directive())
            .any(|d| std::ptr::eq(d.dir, pass.at.dir))
        {
            return;
        }
        let args = at.args();
        let Some((_, files)) = args.split_last() else {
            return;
        };
        // In a PHP location, `try_files` checks that the script exists (`$uri =404`) or falls back
        // to the front controller: the files it finds are the scripts, meant for PHP-FPM.
        if pass.module == PassModule::FastCgi && php_location(model, scope) {
            return;
        }
        // The same check in a named location a PHP location falls back to (ISPConfig's
        // `try_files /maintenance.htm @php;` … `location @php { try_files $uri =404; … }`): the
        // URI is still the script's.
        if pass.module == PassModule::FastCgi
            && named_location(model, scope)
            && args.last().is_some_and(|f| f == "=404")
            && files
                .iter()
                .all(|f| f == "$uri" || f == "$fastcgi_script_name")
        {
            return;
        }
        // Without a file candidate before the fallback nothing is looked for on disk.
        if files.is_empty() {
            return;
        }
        let pass_name = pass.module.directive();
        out.push(
            META.diag(
                at.file,
                at.name_span(),
                format!("`try_files` and `{pass_name}` in one location: a file it finds is not served from disk, its URI goes to the upstream like any other"),
            )
            .with_place(pass.at.file, pass.at.name_span(), "this location's content handler")
            .with_help(format!("serve files here and pass the rest from a named location: `try_files $uri @app;` and `location @app {{ {pass_name} …; }}`")),
        );
    }
}

/// The kind and name of the location `scope` is in.
fn location_kind(
    model: &ngxlint_engine::model::Model<'_>,
    scope: ScopeId,
) -> Option<(ngxlint_engine::matching::LocKind, String)> {
    model
        .location_of(scope)
        .and_then(|l| model.scope(l).block)
        .and_then(|b| ngxlint_engine::matching::loc_kind_and_name(&b))
}

/// Whether the location is a named one (`location @php`).
fn named_location(model: &ngxlint_engine::model::Model<'_>, scope: ScopeId) -> bool {
    location_kind(model, scope)
        .is_some_and(|(kind, _)| kind == ngxlint_engine::matching::LocKind::Named)
}

/// Whether the location is a regex location for PHP scripts.
fn php_location(model: &ngxlint_engine::model::Model<'_>, scope: ScopeId) -> bool {
    location_kind(model, scope).is_some_and(|(kind, name)| {
        matches!(
            kind,
            ngxlint_engine::matching::LocKind::Regex
                | ngxlint_engine::matching::LocKind::RegexCaseless
        ) && name.to_ascii_lowercase().contains("php")
    })
}
