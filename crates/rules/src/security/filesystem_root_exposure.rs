//! NGX207 `filesystem-root-exposure`: a `root` or `alias` that puts the whole filesystem, or one
//! of the system's own folders (`/etc`, `/proc`, `/root`, ...), under a URI any client can ask
//! for. nginx maps the URI onto the folder byte for byte and its workers read whatever their user
//! may read: `/etc/passwd`, the nginx configuration, `/proc/self/environ`.
//!
//! The folder served is worked out as nginx maps a URI: `alias` is the folder itself; `root` in a
//! prefix location is the root plus the location's prefix (`location /static/` with `root /`
//! serves `/static/`, not `/`); `root` in a regex location, a server or `http` serves the root
//! itself. Exact locations (one file), folders built from variables, and places guarded by
//! `deny`, authentication or `internal` are left alone, as are levels where every request goes to
//! an upstream or gets a `return`.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::matching::{loc_kind_and_name, LocKind, PASSES};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX207",
    name: "filesystem-root-exposure",
    severity: Severity::Error,
    summary: "`root` or `alias` serves the whole filesystem or a system folder (`/etc`, `/proc`, `/root`, ...) to any client",
    doc: include_str!("../../../../rules/NGX207.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:filesystem_root_exposure"],
};

/// Folders whose contents are the system's, not a site's: serving one is an error.
const SYSTEM: &[&str] = &[
    "/",
    "/etc",
    "/etc/nginx",
    "/etc/ssl",
    "/etc/letsencrypt",
    "/etc/php",
    "/root",
    "/proc",
    "/sys",
    "/boot",
    "/dev",
    "/run",
    "/var",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib64",
];

/// Folders that hold other users' or other sites' files: serving one is a warning.
const SHARED: &[&str] = &[
    "/home",
    "/srv",
    "/opt",
    "/tmp",
    "/mnt",
    "/media",
    "/var/lib",
    "/var/log",
    "/var/backups",
    "/var/tmp",
];

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct FilesystemRootExposure;

impl Rule for FilesystemRootExposure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["root", "alias"]
    }

    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        let sc = model.scope(scope);
        let Some(word) = at.dir.args.first() else {
            return;
        };
        let value = word.value(at.src);
        // A folder built from variables is what they hold, another question; a relative one is
        // under nginx's prefix.
        if value.contains(&b'$') || !value.starts_with(b"/") {
            return;
        }
        let Ok(folder) = std::str::from_utf8(&value) else {
            return;
        };
        let alias = at.name() == "alias";
        let location = match sc.kind {
            Context::HttpLocation => sc.block.and_then(|b| loc_kind_and_name(&b)),
            Context::HttpServer | Context::Http => None,
            _ => return,
        };
        // What a URI reaches under this level: the folder, or the folder plus the prefix.
        let served = match (&location, alias) {
            (Some((LocKind::Exact | LocKind::Named, _)), _) => return,
            (Some((LocKind::Prefix | LocKind::NoRegex, prefix)), false) => {
                // Every URI starts with the prefix: `location /roundcube` with `root /var/lib/`
                // serves `/var/lib/roundcube…`, not the rest of `/var/lib`.
                format!("{folder}/{prefix}")
            }
            _ => folder.to_string(),
        };
        let served = normalize(&served);
        let severity = if SYSTEM.contains(&served.as_str()) {
            Severity::Error
        } else if SHARED.contains(&served.as_str()) {
            Severity::Warning
        } else {
            return;
        };
        if model.access(scope).restricted() || goes_elsewhere(cx, scope) {
            return;
        }
        let what = if served == "/" {
            "the whole filesystem".to_string()
        } else {
            format!("`{served}`")
        };
        let example = match served.as_str() {
            "/" | "/etc" => " (`/etc/passwd`, the nginx configuration)".to_string(),
            "/proc" => " (`/proc/self/environ` holds the workers' environment)".to_string(),
            _ => String::new(),
        };
        let uri = match &location {
            Some((LocKind::Prefix | LocKind::NoRegex, p)) if alias => format!(" under `{p}`"),
            _ => String::new(),
        };
        let shown = String::from_utf8_lossy(&value);
        out.push(
            META.diag_at(
                severity,
                at.file,
                word.span,
                format!(
                    "`{} {shown}` serves {what} to any client{uri}: every file nginx's workers may read is one request away{example}",
                    at.name()
                ),
            )
            .with_help("point it at the site's own folder (`root /var/www/example;`), or guard the location with `allow …; deny all;` or `internal`"),
        );
    }
}

/// Whether no request of the level reaches the static file handler: a pass to an upstream or a
/// `return` stands at the level itself (a location), or every location of a server, `location /`
/// among them, does so or sets its own folder.
fn goes_elsewhere(cx: &Cx<'_>, scope: ScopeId) -> bool {
    let model = cx.model;
    // A pass or a `return`: no request of the level reaches the static file handler.
    let here = |s: ScopeId| {
        PASSES
            .iter()
            .chain(&["return"])
            .any(|n| model.here(s, n).next().is_some())
    };
    let sc = model.scope(scope);
    match sc.kind {
        Context::HttpLocation => here(scope),
        Context::HttpServer => {
            let locations: Vec<ScopeId> = sc
                .children
                .iter()
                .copied()
                .filter(|&c| model.scope(c).kind == Context::HttpLocation)
                .collect();
            // A URI no location matches is served from the server's own root: only a
            // `location /` catches every URI.
            let catch_all = locations.iter().any(|&l| {
                model
                    .scope(l)
                    .block
                    .and_then(|b| loc_kind_and_name(&b))
                    .is_some_and(|(k, p)| {
                        matches!(k, LocKind::Prefix | LocKind::NoRegex) && p == "/"
                    })
            });
            catch_all
                && locations.iter().all(|&l| {
                    here(l)
                        || model
                            .here(l, "root")
                            .chain(model.here(l, "alias"))
                            .next()
                            .is_some()
                })
        }
        // The `http` block's folder is used by the servers that set none.
        Context::Http => sc.children.iter().all(|&c| {
            model.scope(c).kind != Context::HttpServer || model.here(c, "root").next().is_some()
        }),
        _ => false,
    }
}

/// A path with `//`, `/./`, `/../` and the final `/` folded as the kernel resolves them (no
/// symbolic links): `/var/www/..//` is `/var`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn folds_paths_as_the_kernel_does() {
        assert_eq!(super::normalize("/"), "/");
        assert_eq!(super::normalize("//"), "/");
        assert_eq!(super::normalize("/var/www/..//"), "/var");
        assert_eq!(super::normalize("/./etc/"), "/etc");
        assert_eq!(super::normalize("/../.."), "/");
        assert_eq!(super::normalize("/srv/site/"), "/srv/site");
    }
}
