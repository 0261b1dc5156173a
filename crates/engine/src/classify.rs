//! What a file is: nginx configuration, PHP-FPM configuration, or neither.
//!
//! A configuration repository holds much besides nginx and php-fpm: PHP's own `php.ini` and
//! `conf.d/*.ini`, supervisord programs, systemd units and drop-ins, Apache vhosts, mail servers'
//! configuration, shell scripts. Only configuration is linted, so every file a walk finds is judged
//! by its content, with its path as evidence where the content alone is ambiguous (an empty file, a
//! file of third-party directives). A file an nginx or php-fpm main config includes is read as what
//! includes it, whatever this module says of it: the server reads it that way.

use std::path::{Component, Path};

use nginx_syntax::directives::Directives;
use nginx_syntax::{Directive, ParsedFile, Terminator};

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An nginx main config (top-level `events`, `http`, `stream` or `mail`).
    NginxMain,
    /// nginx configuration read where something includes it, or alone in its evident context.
    Nginx,
    /// A PHP-FPM main config: `include=`, or `[global]` outside a pool folder.
    FpmMain,
    /// PHP-FPM pool settings: a pool section, `[global]` overrides in a pool folder, or settings
    /// that continue the section of the file included before them.
    FpmPool,
    /// Not nginx or PHP-FPM configuration.
    Other,
}

impl Kind {
    /// Whether nginx reads it.
    pub fn is_nginx(self) -> bool {
        matches!(self, Kind::NginxMain | Kind::Nginx)
    }
    /// Whether php-fpm reads it.
    pub fn is_fpm(self) -> bool {
        matches!(self, Kind::FpmMain | Kind::FpmPool)
    }
}

/// A file's kind and the evidence for it, in a few words (`--list-files` shows them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The kind.
    pub kind: Kind,
    /// Why.
    pub why: String,
    /// PHP-FPM configuration with an `include=` line (a main config by that alone).
    pub includes: bool,
}

impl Verdict {
    fn new(kind: Kind, why: impl Into<String>) -> Verdict {
        Verdict {
            kind,
            why: why.into(),
            includes: false,
        }
    }
}

/// What a path says about its file, before it is opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hints {
    /// The name or a folder says nginx (`nginx.conf`, `sites-enabled/`, `.../nginx/...`).
    pub nginx: bool,
    /// The name or a folder says PHP-FPM (`php-fpm.conf`, `pool.d/`, `.../fpm/...`).
    pub fpm: bool,
    /// The file sits directly in a folder of pool files (`pool.d/`, `php-fpm.d/`), which a main
    /// config includes with `include=…/*.conf`.
    pub pool_dir: bool,
    /// The file sits directly in a folder of nginx files (`sites-enabled/`, an nginx `conf.d/`),
    /// where names need no extension (Debian's `sites-available/default`).
    pub nginx_dir: bool,
}

/// Folders whose files are nginx configuration (Debian, Alpine and Docker layouts).
const NGINX_DIRS: [&str; 9] = [
    "sites-available",
    "sites-enabled",
    "snippets",
    "http.d",
    "stream.d",
    "vhosts.d",
    "modules-enabled",
    "modules-available",
    "templates",
];

/// Folders of PHP-FPM pool files.
const POOL_DIRS: [&str; 2] = ["pool.d", "php-fpm.d"];

/// The evidence in a path relative to the linted root (folders above the root say nothing: a
/// checkout may sit anywhere, `~/src/nginx-stuff/...` included).
pub fn hints(rel: &Path) -> Hints {
    let dir = FolderHints::of(rel.parent().unwrap_or(Path::new("")));
    dir.file(rel)
}

/// What a folder's path (relative to the linted root) says of the files in it; worked out once
/// per folder by a walk.
#[derive(Clone, Debug, Default)]
pub struct FolderHints {
    /// A folder on the way is nginx's (`nginx`, `openresty`, ...).
    nginx_dir: bool,
    /// A folder on the way is PHP-FPM's (`fpm`, `php-fpm.d`, ...).
    fpm_dir: bool,
    /// The folder's own name, lower case.
    parent: String,
}

impl FolderHints {
    /// The evidence of a folder path relative to the linted root.
    pub fn of(rel_dir: &Path) -> FolderHints {
        let mut h = FolderHints::default();
        for c in rel_dir.components() {
            if let Component::Normal(n) = c {
                let d = n.to_string_lossy().to_ascii_lowercase();
                h.nginx_dir |=
                    d.contains("nginx") || d.contains("openresty") || d.contains("tengine");
                h.fpm_dir |= d.contains("fpm");
                h.parent = d;
            }
        }
        h
    }

    /// The evidence for a file in this folder.
    pub fn file(&self, rel: &Path) -> Hints {
        self.file_named(&file_name_of(rel))
    }

    /// [`FolderHints::file`] by the file's name (a walk has it apart already).
    pub fn file_named(&self, name: &str) -> Hints {
        let ext = extension_of(name);
        let parent = self.parent.as_str();
        let nginx = name == "nginx.conf"
            || name == "mime.types"
            || name.ends_with("_params")
            || matches!(name, "koi-utf" | "koi-win" | "win-utf")
            || matches!(ext, "nginx" | "vhost")
            || NGINX_DIRS.contains(&parent)
            || self.nginx_dir;
        let pool_dir = POOL_DIRS.contains(&parent);
        let fpm =
            name == "php-fpm.conf" || name.ends_with(".pool.conf") || pool_dir || self.fpm_dir;
        Hints {
            nginx,
            fpm,
            pool_dir,
            nginx_dir: NGINX_DIRS.contains(&parent) || (self.nginx_dir && parent == "conf.d"),
        }
    }
}

/// A path's file name as text (lossily), or nothing.
fn file_name_of(rel: &Path) -> std::borrow::Cow<'_, str> {
    rel.file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default()
}

/// [`Path::extension`] of a file name (`name` holds no `/`): after the last dot, unless the dot
/// starts the name; empty for none.
fn extension_of(name: &str) -> &str {
    if name == ".." {
        return "";
    }
    match name.rfind('.') {
        Some(i) if i > 0 => name.get(i + 1..).unwrap_or_default(),
        _ => "",
    }
}

/// Whether `s` ends with `suffix`, ASCII letters compared without case.
fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len()
        .checked_sub(suffix.len())
        .and_then(|at| s.as_bytes().get(at..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix.as_bytes()))
}

/// Why a walk passes over a file by its name alone: a copy or a sample kept beside the real file,
/// or the source of another tool's template. A file named on the command line is read all the same.
pub fn skipped_by_name(name: &str) -> Option<&'static str> {
    const COPIES: [&str; 15] = [
        ".bak",
        ".orig",
        ".old",
        ".save",
        ".swp",
        ".tmp",
        ".rej",
        ".dpkg-dist",
        ".dpkg-old",
        ".dpkg-new",
        ".ucf-dist",
        ".ucf-old",
        ".rpmnew",
        ".rpmsave",
        ".disabled",
    ];
    const SAMPLES: [&str; 4] = [".sample", ".example", ".dist", ".default"];
    const TEMPLATES: [&str; 10] = [
        ".j2",
        ".jinja",
        ".jinja2",
        ".tmpl",
        ".tpl",
        ".erb",
        ".mustache",
        ".hbs",
        ".gotmpl",
        ".ctmpl",
    ];
    let ends = |s: &&str| ends_with_ignore_case(name, s);
    if name.ends_with('~') || COPIES.iter().any(ends) {
        return Some("a backup or disabled copy (by its name)");
    }
    if SAMPLES.iter().any(ends) {
        return Some("a sample to copy from (by its name)");
    }
    if TEMPLATES.iter().any(ends) {
        return Some("the source of another tool's template (by its name)");
    }
    None
}

/// Whether a walk opens a file to judge it: its name or folder is one configuration goes by.
/// (Reading every file of a repository — images, PHP sources — would cost more than the check.)
/// `name` is the file's name; `h` what its path says.
pub fn is_candidate(rel: &Path, h: Hints) -> bool {
    is_candidate_name(&file_name_of(rel), h)
}

/// [`is_candidate`] by the file's name (a walk has it apart already).
pub fn is_candidate_name(name: &str, h: Hints) -> bool {
    let ext = extension_of(name);
    const EXTENSIONS: [&str; 8] = [
        "conf", "nginx", "vhost", "types", "inc", "acl", "map", "template",
    ];
    if EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)) {
        return true;
    }
    if name == "nginx.conf" || name == "mime.types" || name.ends_with("_params") {
        return true;
    }
    // Debian's `sites-available/default`, and anything in a folder of pool files (so a shell
    // script there is named for what it is rather than passed over).
    (h.nginx_dir && ext.is_empty())
        || h.pool_dir
        || matches!(name, "koi-utf" | "koi-win" | "win-utf")
}

/// A line of an INI-shaped file.
enum IniLine<'a> {
    Section(&'a str),
    Key(&'a str),
    Other,
}

fn ini_line(line: &str) -> IniLine<'_> {
    if let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
        if !inner.is_empty() && !inner.contains(['[', ']']) {
            return IniLine::Section(inner.trim());
        }
    }
    let Some((key, _)) = line.split_once('=') else {
        return IniLine::Other;
    };
    let key = key.trim_end();
    // `name` or `name[key]`, as php-fpm, PHP, systemd and supervisord write keys.
    let base = match key.split_once('[') {
        Some((b, _)) if key.ends_with(']') => b,
        Some(_) => return IniLine::Other,
        None => key,
    };
    let keyish = !base.is_empty()
        && base
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    // nginx statements end with `;` or `{`; an INI value does not (`x = y;` is UCL, rspamd's).
    let t = line.trim_end();
    if keyish && !t.ends_with(';') && !t.ends_with('{') {
        IniLine::Key(base)
    } else {
        IniLine::Other
    }
}

/// systemd unit sections.
const SYSTEMD: [&str; 12] = [
    "unit",
    "service",
    "install",
    "socket",
    "timer",
    "path",
    "mount",
    "automount",
    "swap",
    "slice",
    "scope",
    "journal",
];

/// supervisord sections (`program:x`, `group:x`, ... by their prefix).
const SUPERVISOR: [&str; 10] = [
    "supervisord",
    "supervisorctl",
    "unix_http_server",
    "inet_http_server",
    "include",
    "program:",
    "group:",
    "eventlistener:",
    "fcgi-program:",
    "rpcinterface:",
];

/// Pool keys that only php-fpm has (`user`, `group` and `prefix` are everybody's).
fn distinctive_fpm_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    if matches!(k.as_str(), "user" | "group" | "prefix" | "chdir" | "chroot") {
        return false;
    }
    fpm_ini::keys::lookup(fpm_ini::keys::POOL_KEYS, &k).is_some()
        || fpm_ini::keys::ARRAY_KEYS.contains(&k.as_str())
}

fn fpm_key(key: &str, global: bool) -> bool {
    let table = if global {
        fpm_ini::keys::GLOBAL_KEYS
    } else {
        fpm_ini::keys::POOL_KEYS
    };
    fpm_ini::keys::lookup(table, key).is_some()
        || key.eq_ignore_ascii_case("include")
        || (!global && fpm_ini::keys::ARRAY_KEYS.contains(&key.to_ascii_lowercase().as_str()))
}

/// Keys of PHP's own ini (`php.ini`, `conf.d/*.ini`): the common settings and extension prefixes.
fn php_ini_key(key: &str) -> bool {
    const KEYS: [&str; 16] = [
        "extension",
        "zend_extension",
        "memory_limit",
        "max_execution_time",
        "upload_max_filesize",
        "post_max_size",
        "display_errors",
        "error_reporting",
        "log_errors",
        "short_open_tag",
        "expose_php",
        "max_input_vars",
        "max_input_time",
        "default_charset",
        "allow_url_fopen",
        "realpath_cache_size",
    ];
    const PREFIXES: [&str; 12] = [
        "opcache.",
        "session.",
        "date.",
        "xdebug.",
        "apc.",
        "mysqli.",
        "pdo_",
        "mbstring.",
        "zend.",
        "assert.",
        "pcre.",
        "output_",
    ];
    let k = key.to_ascii_lowercase();
    KEYS.contains(&k.as_str()) || PREFIXES.iter().any(|p| k.starts_with(p))
}

/// Judges a file by its content, with the path's hints as evidence. `parsed` is the file read as
/// nginx reads it; `named` says the user named the file (evidence that it is meant to be linted).
pub fn classify(
    bytes: &[u8],
    parsed: &ParsedFile,
    table: &Directives,
    h: Hints,
    named: bool,
    explain: bool,
) -> Verdict {
    let head = &bytes[..bytes.len().min(8192)];
    // Binary data never reads as nginx without an error: only a file that did not is looked at.
    if !parsed.errors.is_empty() && head.contains(&0) {
        return Verdict::new(Kind::Other, "binary data");
    }
    // What the first lines say is read from the bytes of the head alone: most files are nginx's,
    // and the whole text is only decoded for those that are not.
    if head.starts_with(b"#!") {
        let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
        let first = String::from_utf8_lossy(line);
        return Verdict::new(Kind::Other, format!("a script (`{}`)", clip(&first)));
    }
    let significant = |t: &str| !t.is_empty() && !t.starts_with(';') && !t.starts_with('#');
    let first_line = head
        .split(|&b| b == b'\n')
        .map(|l| l.trim_ascii())
        .find(|l| !l.is_empty() && !l.starts_with(b";") && !l.starts_with(b"#"))
        .unwrap_or_default();
    let first = String::from_utf8_lossy(first_line);
    if first.starts_with("<?xml") {
        let has = |n: &str| memchr::memmem::find(bytes, n.as_bytes()).is_some();
        if has("<configuration") || has("php_fpm") {
            return Verdict::new(Kind::FpmMain, "php-fpm's pre-5.3 XML format");
        }
        return Verdict::new(Kind::Other, "an XML document");
    }
    if first.starts_with('<') {
        let what = if [
            "<virtualhost",
            "<directory",
            "<ifmodule",
            "<location",
            "<files",
        ]
        .iter()
        .any(|t| first.to_ascii_lowercase().starts_with(t))
        {
            "Apache configuration"
        } else {
            "markup"
        };
        return Verdict::new(Kind::Other, format!("{what} (`{}`)", clip(&first)));
    }
    // Another tool's template syntax (Jinja, Go templates, ERB) is not nginx's.
    // (`{{` and `{%` never read as nginx without an error; ERB's `<%= %>` may.)
    let marked = !parsed.errors.is_empty()
        && memchr::memchr_iter(b'{', bytes).any(|i| matches!(bytes.get(i + 1), Some(b'{' | b'%')))
        || memchr::memchr(b'<', bytes).is_some() && memchr::memmem::find(bytes, b"<%=").is_some();
    if marked {
        let text = String::from_utf8_lossy(bytes);
        for l in text
            .lines()
            .map(str::trim)
            .filter(|l| significant(l))
            .take(400)
        {
            if (l.contains("{{") && l.contains("}}"))
                || (l.contains("{%") && l.contains("%}"))
                || l.contains("<%=")
            {
                return Verdict::new(
                    Kind::Other,
                    format!("a template for another tool (`{}`)", clip(l)),
                );
            }
        }
    }

    let nginx = NginxShape::of(parsed, bytes, table);
    if let Some(p) = &nginx.placeholder {
        return Verdict::new(
            Kind::Other,
            format!("a template with placeholders to fill in (`{}`)", clip(p)),
        );
    }
    if nginx.main_block.is_some() && nginx.known >= nginx.unknown {
        let b = nginx.main_block.unwrap_or("http");
        return Verdict::new(Kind::NginxMain, format!("a top-level `{b}` block"));
    }

    // Read without an error as nginx reads it, and mostly directives nginx knows: nginx, even
    // where lines look like `key=value` (`proxy_cache_path` parameters on lines of their own).
    if parsed.errors.is_empty() && nginx.known > 0 && nginx.known >= nginx.unknown {
        return Verdict::new(
            Kind::Nginx,
            if explain {
                format!("nginx directives ({})", nginx.shown(bytes))
            } else {
                String::new()
            },
        );
    }

    // INI shape: sections and `key = value` lines.
    let text = String::from_utf8_lossy(bytes);
    let lines = text.lines().map(str::trim).filter(|l| significant(l));
    let mut significant = 0usize;
    let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut loose: Vec<&str> = Vec::new();
    let mut key_lines = 0usize;
    for l in lines.take(2000) {
        significant += 1;
        match ini_line(l) {
            IniLine::Section(s) => sections.push((s, Vec::new())),
            IniLine::Key(k) => {
                key_lines += 1;
                match sections.last_mut() {
                    Some((_, keys)) => keys.push(k),
                    None => loose.push(k),
                }
            }
            IniLine::Other => {}
        }
    }
    let ini_lines = key_lines + sections.len();
    if significant > 0 && ini_lines * 2 >= significant && ini_lines > 0 {
        let v = classify_ini(&sections, &loose, h);
        if v.kind.is_fpm() {
            if let Some(p) = ini_placeholder(&text) {
                return Verdict::new(
                    Kind::Other,
                    format!("a template with placeholders to fill in (`{}`)", clip(&p)),
                );
            }
        }
        return v;
    }

    if nginx.known == 0 && nginx.unknown == 0 {
        return if h.nginx {
            Verdict::new(Kind::Nginx, "no directives, in an nginx folder")
        } else {
            Verdict::new(Kind::Other, "no directives or settings")
        };
    }
    if nginx.known > 0 && nginx.known >= nginx.unknown {
        return Verdict::new(
            Kind::Nginx,
            if explain {
                format!("nginx directives ({})", nginx.shown(bytes))
            } else {
                String::new()
            },
        );
    }
    // A file of third-party directives where nginx configuration lives, or named by the user:
    // statements shaped as nginx's are nginx configuration with unknown directives.
    if (h.nginx || named) && nginx.shaped {
        return Verdict::new(
            Kind::Nginx,
            if named {
                "nginx statements, named on the command line"
            } else {
                "nginx statements, in an nginx folder"
            },
        );
    }
    let names = nginx.unknown_examples.join(", ");
    Verdict::new(
        Kind::Other,
        if names.is_empty() {
            "not nginx's syntax".to_string()
        } else {
            format!("statements nginx does not know ({names})")
        },
    )
}

fn classify_ini(sections: &[(&str, Vec<&str>)], loose: &[&str], h: Hints) -> Verdict {
    let lower = |s: &str| s.to_ascii_lowercase();
    let has_include = sections
        .iter()
        .flat_map(|(_, k)| k.iter())
        .chain(loose)
        .any(|k| k.eq_ignore_ascii_case("include"));
    let has_global = sections
        .iter()
        .any(|(s, _)| s.eq_ignore_ascii_case("global"));
    if has_include {
        return Verdict {
            includes: true,
            ..Verdict::new(Kind::FpmMain, "an `include=` line")
        };
    }
    if has_global {
        // `[global]` overrides in a pool folder (the php image's `docker.conf`) belong to the
        // configuration that folder is included into.
        let kind = if h.pool_dir {
            Kind::FpmPool
        } else {
            Kind::FpmMain
        };
        return Verdict::new(kind, "a `[global]` section");
    }
    for (name, keys) in sections {
        let known = keys.iter().filter(|k| fpm_key(k, false)).count();
        if keys.iter().any(|k| distinctive_fpm_key(k)) && known * 2 >= keys.len() {
            let shown: Vec<String> = keys
                .iter()
                .filter(|k| distinctive_fpm_key(k))
                .take(2)
                .map(|k| format!("`{k}`"))
                .collect();
            return Verdict::new(
                Kind::FpmPool,
                format!(
                    "pool `[{name}]` with php-fpm settings ({})",
                    shown.join(", ")
                ),
            );
        }
    }
    if sections.is_empty() && h.fpm {
        let known = loose.iter().filter(|k| fpm_key(k, false)).count();
        if loose.iter().any(|k| distinctive_fpm_key(k)) && known * 2 >= loose.len() {
            return Verdict::new(
                Kind::FpmPool,
                "php-fpm settings without a section (they continue the section of the file included before)",
            );
        }
    }
    // Neither: say what it is, as far as that is evident.
    let names: Vec<String> = sections.iter().map(|(s, _)| lower(s)).collect();
    let first = sections.first().map(|(s, _)| *s).unwrap_or_default();
    if names.iter().any(|n| SYSTEMD.contains(&n.as_str())) {
        return Verdict::new(Kind::Other, format!("a systemd unit (`[{first}]`)"));
    }
    if names.iter().any(|n| {
        SUPERVISOR
            .iter()
            .any(|s| n == s || (s.ends_with(':') && n.starts_with(s)))
    }) {
        return Verdict::new(
            Kind::Other,
            format!("a supervisord configuration (`[{first}]`)"),
        );
    }
    let all_keys: Vec<&str> = sections
        .iter()
        .flat_map(|(_, k)| k.iter().copied())
        .chain(loose.iter().copied())
        .collect();
    if names.iter().any(|n| n == "php") || all_keys.iter().any(|k| php_ini_key(k)) {
        return Verdict::new(
            Kind::Other,
            "PHP's own ini settings (php.ini, conf.d), not php-fpm's",
        );
    }
    let shown: Vec<String> = all_keys.iter().take(3).map(|k| format!("`{k}`")).collect();
    Verdict::new(
        Kind::Other,
        if shown.is_empty() {
            "INI sections without php-fpm settings".to_string()
        } else {
            format!(
                "`key = value` settings that are not php-fpm's ({})",
                shown.join(", ")
            )
        },
    )
}

/// An installer's placeholder (`PH_NGINX_PORT`, `@PREFIX@`, `__ROOT__`, `%PORT%`) in a word of a
/// value: the file is filled in by a script before any server reads it.
fn placeholder(word: &str) -> Option<&str> {
    word.split(['/', ':', ',', ' ', '\t', '"', '\'', '=', ';'])
        .find(|w| {
            let caps = |t: &str| {
                t.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            };
            let snake = w.len() >= 4
                && w.starts_with(|c: char| c.is_ascii_uppercase())
                && caps(w)
                && w.contains('_')
                && w.split('_').next().is_some_and(|first| first.len() >= 2);
            let wrapped = |open: &str, close: &str| {
                w.len() > open.len() + close.len()
                    && w.strip_prefix(open)
                        .and_then(|t| t.strip_suffix(close))
                        .is_some_and(caps)
            };
            snake || wrapped("@", "@") || wrapped("__", "__") || wrapped("%", "%")
        })
}

/// Directives whose arguments are literal paths, addresses or names (never a header or a
/// parameter name, where capitals are normal).
fn literal_args(name: &[u8]) -> bool {
    matches!(
        name,
        b"include"
            | b"listen"
            | b"root"
            | b"alias"
            | b"server"
            | b"server_name"
            | b"proxy_pass"
            | b"fastcgi_pass"
            | b"uwsgi_pass"
            | b"scgi_pass"
            | b"grpc_pass"
            | b"ssl_certificate"
            | b"ssl_certificate_key"
            | b"access_log"
            | b"error_log"
            | b"pid"
    )
}

/// A placeholder in the values of an INI file's php-fpm settings (not in `php_value[...]` and
/// `env[...]`, nor a PHP constant such as `E_ALL`).
fn ini_placeholder(text: &str) -> Option<String> {
    for line in text.lines().take(2000) {
        let l = line.trim();
        if l.starts_with(';') || l.starts_with('#') || l.starts_with('[') {
            continue;
        }
        let Some((key, value)) = l.split_once('=') else {
            continue;
        };
        if key.contains('[') {
            continue;
        }
        if let Some(p) = placeholder(value.trim()) {
            if fpm_ini::php_constant(p, fpm_ini::PhpVersion::default()).is_none() {
                return Some(p.to_string());
            }
        }
    }
    None
}

/// How nginx-like a parsed file is.
struct NginxShape {
    /// An installer's placeholder in a literal argument (`include PH_NGINX_MIME_TYPES;`).
    placeholder: Option<String>,
    /// Directives nginx (or a known module set) has.
    known: usize,
    /// Directives nobody has.
    unknown: usize,
    /// The first top-level `events`/`http`/`stream`/`mail` block.
    main_block: Option<&'static str>,
    /// Every statement is a lower-case name ended by `;` or a block, as nginx's and its modules'.
    shaped: bool,
    /// A few known names, for the reason.
    examples: Vec<nginx_syntax::Span>,
    /// A few unknown names, for the reason.
    unknown_examples: Vec<String>,
}

impl NginxShape {
    /// The known names the reason shows: `` `server`, `listen` ``.
    fn shown(&self, src: &[u8]) -> String {
        let names: Vec<String> = self
            .examples
            .iter()
            .map(|s| format!("`{}`", String::from_utf8_lossy(s.slice(src))))
            .collect();
        names.join(", ")
    }

    fn of(parsed: &ParsedFile, src: &[u8], table: &Directives) -> NginxShape {
        let mut s = NginxShape {
            placeholder: None,
            known: 0,
            unknown: 0,
            main_block: None,
            shaped: parsed.errors.is_empty(),
            examples: Vec::new(),
            unknown_examples: Vec::new(),
        };
        for d in &parsed.directives {
            if d.block.is_some() {
                for b in ["events", "http", "stream", "mail"] {
                    if s.main_block.is_none() && d.is(src, b) {
                        s.main_block = Some(b);
                    }
                }
            }
        }
        s.count(&parsed.directives, src, table, 0);
        s
    }

    fn count(&mut self, list: &[Directive], src: &[u8], table: &Directives, depth: usize) {
        for d in list.iter().take(5000) {
            let name = d.name.value(src);
            // `key = value;` (UCL, rspamd's) is an assignment, whatever the key is called; nginx
            // writes `=` as a first argument only in `location = /uri`.
            let assignment =
                d.args.first().is_some_and(|a| a.raw(src) == b"=") && &*name != b"location";
            // A statement the parser had to cut short (no `;` before the end of the file: an
            // rsyslog rule, a Caddyfile) is no evidence of nginx, whatever its first word.
            let cut = matches!(d.terminator, Terminator::Missing(_)) && d.block.is_none();
            // A name the tables number is in one of them (the enabled ones or another module
            // set); any other may still be declared or longer than the numbered ones.
            let known = !assignment
                && !cut
                && (d.known != nginx_syntax::directives::UNKNOWN_NAME
                    || table.contains(&name)
                    || known_elsewhere(&name));
            if !known && self.shaped {
                // Known names are nginx's shape; an unknown one is if it looks like one.
                self.shaped = !name.is_empty()
                    && !assignment
                    && !matches!(d.terminator, Terminator::Missing(_))
                    && name
                        .iter()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_'));
            }
            if known {
                self.known += 1;
                // The names shown in the reason, decoded once the verdict is known.
                if self.examples.len() < 3
                    && !self
                        .examples
                        .iter()
                        .any(|e| e.slice(src) == d.name.raw(src))
                {
                    self.examples.push(d.name.span);
                }
            } else {
                self.unknown += 1;
                if self.unknown_examples.len() < 3 {
                    self.unknown_examples
                        .push(format!("`{}`", clip(&String::from_utf8_lossy(&name))));
                }
            }
            // Placeholders are in capitals or between `@`/`%`: most arguments have neither.
            let suspect = |raw: &[u8]| {
                raw.iter()
                    .any(|b| b.is_ascii_uppercase() || matches!(b, b'@' | b'%'))
            };
            if self.placeholder.is_none()
                && literal_args(&name)
                && d.args.iter().any(|a| suspect(a.raw(src)))
            {
                self.placeholder = d
                    .args
                    .iter()
                    .find_map(|a| placeholder(&a.text(src)).map(str::to_string));
            }
            let Some(block) = &d.block else { continue };
            // The bodies of `types`, `map`, `geo`, ... are entries, not directives.
            let entries = matches!(
                &*name,
                b"types" | b"map" | b"geo" | b"split_clients" | b"charset_map" | b"match"
            ) || d
                .args
                .last()
                .is_some_and(|a| a.quote == nginx_syntax::Quote::Lua);
            if !entries && depth < 32 {
                self.count(&block.children, src, table, depth + 1);
            }
        }
    }
}

/// Directives of the known module sets that are not enabled: still nginx's syntax.
fn known_elsewhere(name: &[u8]) -> bool {
    Directives::all_sets().contains(name)
}

/// A line cut to a readable length, on a character boundary.
fn clip(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(48) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or(s)),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    /// The name-only readings (extension, suffixes without case) agree with the path-based and
    /// allocating ones they replaced on the walk's path.
    #[test]
    fn a_names_extension_and_suffixes_are_read_as_paths_read_them() {
        let pieces = [
            "", ".", "..", "a", "A", "conf", "CoNf", "bak", "~", "_params", "é", "x.y", " ",
        ];
        let mut names = Vec::new();
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    names.push(format!("{a}{b}{c}"));
                    names.push(format!("{a}.{b}{c}"));
                    names.push(format!("{a}{b}.{c}"));
                }
            }
        }
        for name in names.iter().filter(|n| !n.is_empty()) {
            let path = Path::new(name);
            let by_path = path
                .extension()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_default();
            if path.file_name().is_some() {
                assert_eq!(extension_of(name), by_path, "{name:?}");
            }
            for suffix in [".bak", ".DPKG-old", "~", ".j2", ".conf", ""] {
                assert_eq!(
                    ends_with_ignore_case(name, suffix),
                    name.to_ascii_lowercase()
                        .ends_with(&suffix.to_ascii_lowercase()),
                    "{name:?} {suffix:?}"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(path: &str, text: &str) -> Verdict {
        let parsed = nginx_syntax::parse(text.as_bytes());
        classify(
            text.as_bytes(),
            &parsed,
            &Directives::builtin(),
            hints(Path::new(path)),
            false,
            true,
        )
    }

    #[test]
    fn nginx_files() {
        let v = judge(
            "nginx/nginx.conf",
            "user www-data;\nevents {}\nhttp { server { listen 80; } }\n",
        );
        assert_eq!(v.kind, Kind::NginxMain, "{v:?}");
        assert_eq!(
            judge("x/site.conf", "server {\n listen 80;\n root /srv;\n}\n").kind,
            Kind::Nginx
        );
        assert_eq!(
            judge(
                "nginx/mime.types",
                "types {\n text/html html;\n image/gif gif;\n}\n"
            )
            .kind,
            Kind::Nginx
        );
        assert_eq!(
            judge(
                "nginx/fastcgi_params",
                "fastcgi_param QUERY_STRING $query_string;\n"
            )
            .kind,
            Kind::Nginx
        );
        // A typo in an nginx folder is still nginx (and reported as an unknown directive).
        assert_eq!(
            judge("nginx/conf.d/x.conf", "proxy_read_timout 60s;\n").kind,
            Kind::Nginx
        );
        // Third-party module sets count as nginx.
        assert_eq!(
            judge("a/b.conf", "more_set_headers 'Server: x';\n").kind,
            Kind::Nginx
        );
        // Parameters on lines of their own are not INI keys.
        assert_eq!(
            judge(
                "templates/cache.conf.template",
                "proxy_cache_path /var/cache/nginx/s3\nlevels=1:2\nkeys_zone=s3_cache:10m\nmax_size=$MAX\nuse_temp_path=off;\n"
            )
            .kind,
            Kind::Nginx
        );
        // `if ($a = b)` and `set $x "a=b"` are not INI keys.
        assert_eq!(
            judge(
                "a/b.conf",
                "location / {\n if ($request_method = POST) { return 405; }\n set $x \"a=b\";\n}\n"
            )
            .kind,
            Kind::Nginx
        );
    }

    #[test]
    fn fpm_files() {
        let v = judge(
            "php/php-fpm.conf",
            "[global]\npid = /run/php/fpm.pid\ninclude=/etc/php/fpm/pool.d/*.conf\n",
        );
        assert_eq!(v.kind, Kind::FpmMain, "{v:?}");
        assert_eq!(
            judge(
                "p/pool.d/www.conf",
                "[www]\nuser = www-data\nlisten = /run/php.sock\npm = dynamic\n"
            )
            .kind,
            Kind::FpmPool
        );
        // The php image's docker.conf: `[global]` overrides in a pool folder.
        assert_eq!(
            judge(
                "usr/local/etc/php-fpm.d/docker.conf",
                "[global]\nerror_log = /proc/self/fd/2\n[www]\nclear_env = no\n"
            )
            .kind,
            Kind::FpmPool
        );
        // vsftpd's `listen=YES` is not a pool.
        assert_eq!(
            judge(
                "etc/vsftpd.conf",
                "listen=YES\nanonymous_enable=NO\nlocal_enable=YES\nwrite_enable=YES\n"
            )
            .kind,
            Kind::Other
        );
    }

    #[test]
    fn neither() {
        let other = |p: &str, t: &str, why: &str| {
            let v = judge(p, t);
            assert_eq!(v.kind, Kind::Other, "{p}: {v:?}");
            assert!(v.why.contains(why), "{p}: {v:?}");
        };
        other(
            "etc/php/8.2/fpm/php.ini",
            "[PHP]\nengine = On\nmemory_limit = 128M\n",
            "PHP's own",
        );
        other(
            "etc/php/8.2/mods-available/opcache.ini",
            "; priority=10\nzend_extension=opcache.so\n",
            "PHP's own",
        );
        other(
            "etc/systemd/system/php8.2-fpm.service.d/override.conf",
            "[Service]\nLimitNOFILE=65536\n",
            "systemd",
        );
        other(
            "etc/supervisor/conf.d/worker.conf",
            "[program:queue]\ncommand=php artisan queue:work\nuser=www-data\n",
            "supervisord",
        );
        other(
            "etc/apache2/sites-available/000-default.conf",
            "<VirtualHost *:80>\n DocumentRoot /var/www\n</VirtualHost>\n",
            "Apache",
        );
        other(
            "etc/apache2/conf-available/security.conf",
            "ServerTokens OS\nServerSignature On\nTraceEnable Off\n",
            "nginx does not know",
        );
        other("etc/dovecot/dovecot.conf", "protocols = imap pop3\nlisten = *\nservice imap-login {\n  inet_listener imap {\n    port = 143\n  }\n}\n", "");
        other(
            "rspamd/local.d/redis.conf",
            "servers = \"redis:6379\";\ntimeout = 5s;\n",
            "nginx does not know",
        );
        other(
            "etc/syslog-ng/syslog-ng.conf",
            "@version: 3.38\nsource s_src { system(); internal(); };\n",
            "nginx does not know",
        );
        other(
            "php-fpm.d/entrypoint.sh.conf",
            "#!/bin/sh\nexec php-fpm\n",
            "script",
        );
        other("samples/rsyslog.d/1-dovecot.conf", "# Debug\nif $syslogfacility-text == 'mail' and ($msg contains \": Debug:\") then -/var/log/dovecot.log\n& stop\n", "");
        other(
            "roles/nginx/templates/site.conf",
            "server {\n  listen {{ port }};\n}\n",
            "template",
        );
        other(
            "samples/nginx/conf-available/mime_types.conf",
            "include PH_NGINX_MIME_TYPES;\n",
            "placeholders",
        );
        other(
            "samples/nginx/sites-available/x.conf",
            "server {\n listen 443 ssl;\n include PH_NGINX_CONF_TMPL_DIR/misc.tmpl;\n}\n",
            "`PH_NGINX_CONF_TMPL_DIR`",
        );
        other(
            "samples/php/fpm/pool.d/www.conf",
            "[inet]\nlisten = PH_LOCAL_ADDRESS:PH_PHP_FPM_PORT\npm = dynamic\n",
            "placeholders",
        );
        other(
            "x/site.conf",
            "server {\n root @DATADIR@/www;\n}\n",
            "placeholders",
        );
        // Capitals where they are normal: parameter names, headers, PHP constants.
        assert_eq!(
            judge("a/php.conf", "location / {\n fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n add_header X_FRAME_OPTIONS DENY;\n}\n").kind,
            Kind::Nginx
        );
        assert_eq!(
            judge("fpm/pool.d/a.conf", "[a]\nlisten = /run/a.sock\nphp_admin_value[error_reporting] = E_ALL & ~E_DEPRECATED\nenv[APP_ENV] = PROD_EU\n").kind,
            Kind::FpmPool
        );
    }

    #[test]
    fn candidates_and_names() {
        let c = |p: &str| is_candidate(Path::new(p), hints(Path::new(p)));
        assert!(c("etc/nginx/sites-enabled/default"));
        assert!(c("docker/nginx/default.conf.template"));
        assert!(c("etc/php/8.2/fpm/pool.d/www.conf"));
        assert!(!c("etc/php/8.2/fpm/php.ini"));
        assert!(!c("etc/php/8.2/fpm/conf.d/10-opcache.ini"));
        assert!(!c("src/index.php"));
        assert!(!c("README"));
        assert_eq!(
            skipped_by_name("nginx.conf.sample"),
            Some("a sample to copy from (by its name)")
        );
        assert!(skipped_by_name("www.conf.default").is_some());
        assert!(skipped_by_name("site.conf~").is_some());
        assert!(skipped_by_name("nginx.conf.j2").is_some());
        assert_eq!(skipped_by_name("default.conf.template"), None);
        assert!(hints(Path::new("etc/php/8.2/fpm/pool.d/www.conf")).pool_dir);
        assert!(!hints(Path::new("etc/php84/conf.d/30_timezone.ini")).fpm);
    }
}
