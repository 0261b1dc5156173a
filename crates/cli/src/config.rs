//! `ngxlint.toml`: found by walking up from each linted path to the repository root (or given
//! with `--config`). Every key is checked: an unknown one is an error that names the closest known,
//! and so is a code or name of a check that does not exist.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ngxlint_engine::Severity;

/// The file name looked for.
pub const FILE_NAME: &str = "ngxlint.toml";

/// Per-rule settings.
#[derive(Debug, Default, Clone)]
pub struct RuleConfig {
    /// Severity override.
    pub severity: Option<Severity>,
    /// `off` in configuration.
    pub off: bool,
    /// Typed options, handed to the rule as text.
    pub options: Vec<(String, String)>,
}

/// Settings for files matching some paths.
#[derive(Debug, Default, Clone)]
pub struct Override {
    /// Glob patterns relative to the configuration file's folder (`**` matches any folders).
    pub paths: Vec<String>,
    /// Codes, prefixes or names to ignore there.
    pub ignore: Vec<String>,
    /// Per-rule severities there.
    pub severity: BTreeMap<String, Severity>,
}

/// The whole configuration.
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// Where it was read from.
    pub path: Option<PathBuf>,
    /// Only these codes, prefixes or names (empty: all).
    pub select: Vec<String>,
    /// Never these.
    pub ignore: Vec<String>,
    /// Lowest severity that fails the run.
    pub fail_level: Option<Severity>,
    /// By code or name.
    pub rules: BTreeMap<String, RuleConfig>,
    /// Per-path settings, in order (later wins).
    pub overrides: Vec<Override>,
    /// `/etc/nginx` → folder (relative to the configuration file).
    pub maps: Vec<(PathBuf, PathBuf)>,
    /// Globs (relative to the configuration file) of files always read, whatever their name.
    pub include: Vec<String>,
    /// Globs of files and folders never read.
    pub exclude: Vec<String>,
    /// Whether `.gitignore` files are honoured (default true).
    pub respect_gitignore: Option<bool>,
    /// nginx's version, `1.30.4`.
    pub nginx_version: Option<(u32, u32, u32)>,
    /// Supplementary groups of the worker user.
    pub worker_groups: Vec<String>,
    /// The worker user (`USER[:GROUP]`) when the nginx configuration has no `user` directive.
    pub worker_user: Option<String>,
    /// Module sets.
    pub modules: Vec<String>,
    /// Declared directives.
    pub directives: Vec<String>,
    /// nginx conf prefix.
    pub prefix: Option<PathBuf>,
    /// FPM prefix.
    pub fpm_prefix: Option<PathBuf>,
    /// PHP version.
    pub php_version: Option<String>,
    /// php-fpm -R.
    pub fpm_allow_root: Option<bool>,
    /// `[format]`: how `ngxlint fmt` writes nginx files.
    pub format: nginx_syntax::format::FormatOptions,
}

/// Finds `ngxlint.toml` from the linted path `start` upwards, stopping at the folder holding
/// `.git`. A file starts at its folder; a path that does not exist yet (an editor's new buffer)
/// at its nearest existing ancestor.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let mut dir = start
        .ancestors()
        .find_map(|a| std::fs::canonicalize(a).ok().filter(|c| c.is_dir()))?;
    loop {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() || !dir.pop() {
            return None;
        }
    }
}

const TOP: &[&str] = &[
    "lint",
    "rules",
    "overrides",
    "paths",
    "nginx",
    "fpm",
    "format",
];
const FORMAT: &[&str] = &["indent", "max-blank-lines", "spacing", "one-line-blocks"];
const LINT: &[&str] = &["select", "ignore", "fail-level"];
const PATHS: &[&str] = &["map", "include", "exclude", "respect-gitignore"];
const NGINX: &[&str] = &[
    "version",
    "user",
    "worker-groups",
    "modules",
    "directives",
    "prefix",
];
const FPM: &[&str] = &["prefix", "php-version", "allow-root"];
const OVERRIDE: &[&str] = &["paths", "ignore", "severity"];

fn closest(key: &str, known: &[&str]) -> String {
    let best = known
        .iter()
        .map(|k| {
            (
                ngxlint_engine::text::edit_distance(key.as_bytes(), k.as_bytes()),
                *k,
            )
        })
        .min();
    match best {
        Some((d, k)) if d <= 3 => format!(" (did you mean `{k}`?)"),
        _ => format!(" (known: {})", known.join(", ")),
    }
}

/// Every check ngxlint knows, as `(code, name)`: the readers' (nginx's and php-fpm's) and the rules'.
pub fn known_checks() -> Vec<(&'static str, &'static str)> {
    let mut all: Vec<(&'static str, &'static str)> = ngxlint_engine::codes::reader_codes()
        .iter()
        .map(|c| (c.code, c.name))
        .collect();
    all.extend(
        ngxlint_rules::all()
            .iter()
            .map(|r| (r.meta().code, r.meta().name)),
    );
    all
}

/// What a selector (`select`, `ignore`) may be besides a code or a name: every check, opt-in
/// rules included.
pub const ALL: &str = "ALL";

/// ` (did you mean `X`?)` with the known code, name (or, for selectors, code prefix) nearest to
/// `word`, when one is near enough to be the intended one.
fn closest_check(word: &str, known: &[(&str, &str)], prefixes: bool) -> String {
    let upper = word.to_ascii_uppercase();
    let mut candidates: Vec<(String, &str)> = Vec::new();
    for (code, name) in known {
        candidates.push((code.to_string(), code));
        candidates.push((name.to_string(), name));
        if prefixes {
            // `NGX`, `NGX3`, `NGX30`: the prefixes a selector may name.
            for n in 3..code.len() {
                if let Some(p) = code.get(..n) {
                    candidates.push((p.to_string(), p));
                }
            }
        }
    }
    let best = candidates
        .iter()
        .map(|(c, shown)| {
            let w = if c.bytes().any(|b| b.is_ascii_lowercase()) {
                word
            } else {
                upper.as_str()
            };
            let d = ngxlint_engine::text::edit_distance(w.as_bytes(), c.as_bytes());
            // Between equally near ones, the one that shares the longer start (`NGX3011` is
            // `NGX301` with a key pressed twice, not `NGX011`).
            let common = w.bytes().zip(c.bytes()).take_while(|(a, b)| a == b).count();
            (d, std::cmp::Reverse(common), *shown)
        })
        .min();
    match best {
        Some((d, _, shown)) if d > 0 && d <= word.len().div_ceil(2).max(1) => {
            format!(" (did you mean `{shown}`?)")
        }
        _ => "; `ngxlint rules` lists them".to_string(),
    }
}

/// A selector is `ALL`, a name, a code or a code prefix (`NGX3`) of a known check.
fn check_selector(s: &str, known: &[(&str, &str)], place: &str, file: &Path) -> Result<(), String> {
    let ok = s.eq_ignore_ascii_case(ALL) || known.iter().any(|(c, n)| selects(s, c, n));
    if ok {
        return Ok(());
    }
    Err(format!(
        "{}: {place}: `{s}` is not the code, a code prefix or the name of a check{}",
        file.display(),
        closest_check(s, known, true)
    ))
}

/// A check named by its code or its name (a `[rules]` key, an override's severity).
pub fn check_code(s: &str, known: &[(&str, &str)], place: &str, file: &Path) -> Result<(), String> {
    if known
        .iter()
        .any(|(c, n)| c.eq_ignore_ascii_case(s) || *n == s)
    {
        return Ok(());
    }
    Err(format!(
        "{}: {place}: `{s}` is not the code or the name of a check{}",
        file.display(),
        closest_check(s, known, false)
    ))
}

fn check_keys(
    table: &toml::Table,
    known: &[&str],
    section: &str,
    file: &Path,
) -> Result<(), String> {
    for k in table.keys() {
        if !known.contains(&k.as_str()) {
            let place = if section.is_empty() {
                String::new()
            } else {
                format!(" in [{section}]")
            };
            return Err(format!(
                "{}: unknown key `{k}`{place}{}",
                file.display(),
                closest(k, known)
            ));
        }
    }
    Ok(())
}

fn strings(v: &toml::Value, what: &str, file: &Path) -> Result<Vec<String>, String> {
    match v {
        toml::Value::String(s) => Ok(vec![s.clone()]),
        toml::Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{}: `{what}` takes strings", file.display()))
            })
            .collect(),
        _ => Err(format!(
            "{}: `{what}` takes a string or a list of strings",
            file.display()
        )),
    }
}

fn string(v: &toml::Value, what: &str, file: &Path) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{}: `{what}` takes a string", file.display()))
}

fn boolean(v: &toml::Value, what: &str, file: &Path) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| format!("{}: `{what}` takes true or false", file.display()))
}

/// `error`, `warning`, `info`.
pub fn severity(s: &str) -> Option<Severity> {
    match s {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "info" | "note" => Some(Severity::Info),
        _ => None,
    }
}

fn table<'a>(v: &'a toml::Value, what: &str, file: &Path) -> Result<&'a toml::Table, String> {
    v.as_table()
        .ok_or_else(|| format!("{}: `{what}` must be a table", file.display()))
}

/// Reads and checks a configuration file. Paths in it are made relative to its folder.
pub fn load(file: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    // `--config name.toml` is `./name.toml`: its folder is the working folder, not "" (per-path
    // overrides and the root are computed from it).
    let abs = std::path::absolute(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("{}: {}", file.display(), e.message()))?;
    let base = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut c = Config {
        path: Some(abs.clone()),
        ..Config::default()
    };
    check_keys(&doc, TOP, "", file)?;
    let known = known_checks();
    if let Some(v) = doc.get("lint") {
        let t = table(v, "lint", file)?;
        check_keys(t, LINT, "lint", file)?;
        if let Some(v) = t.get("select") {
            c.select = strings(v, "select", file)?;
        }
        if let Some(v) = t.get("ignore") {
            c.ignore = strings(v, "ignore", file)?;
        }
        for (what, list) in [("select", &c.select), ("ignore", &c.ignore)] {
            for s in list {
                check_selector(s, &known, &format!("[lint] {what}"), file)?;
            }
        }
        if let Some(v) = t.get("fail-level") {
            let s = string(v, "fail-level", file)?;
            c.fail_level = Some(severity(&s).ok_or_else(|| {
                format!(
                    "{}: fail-level is error, warning or info, not `{s}`",
                    file.display()
                )
            })?);
        }
    }
    if let Some(v) = doc.get("rules") {
        for (name, body) in table(v, "rules", file)? {
            check_code(name, &known, "[rules]", file)?;
            let mut rc = RuleConfig::default();
            match body {
                toml::Value::String(s) if s == "off" => rc.off = true,
                toml::Value::String(s) => {
                    rc.severity = Some(severity(s).ok_or_else(|| {
                        format!(
                            "{}: [rules] {name} = \"{s}\": expected error, warning, info or off",
                            file.display()
                        )
                    })?);
                }
                toml::Value::Table(t) => {
                    for (k, v) in t {
                        if k == "severity" {
                            let s = string(v, "severity", file)?;
                            if s == "off" {
                                rc.off = true;
                            } else {
                                rc.severity = Some(severity(&s).ok_or_else(|| format!("{}: [rules.{name}] severity `{s}`: expected error, warning, info or off", file.display()))?);
                            }
                        } else {
                            let value = match v {
                                toml::Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            rc.options.push((k.clone(), value));
                        }
                    }
                }
                _ => {
                    return Err(format!(
                        "{}: [rules] {name} takes a severity or a table",
                        file.display()
                    ))
                }
            }
            c.rules.insert(name.clone(), rc);
        }
    }
    if let Some(v) = doc.get("overrides") {
        let list = v.as_array().ok_or_else(|| {
            format!(
                "{}: `overrides` is a list of [[overrides]] tables",
                file.display()
            )
        })?;
        for o in list {
            let t = table(o, "overrides", file)?;
            check_keys(t, OVERRIDE, "overrides", file)?;
            let mut ov = Override::default();
            if let Some(v) = t.get("paths") {
                ov.paths = strings(v, "paths", file)?;
            }
            if let Some(v) = t.get("ignore") {
                ov.ignore = strings(v, "ignore", file)?;
            }
            for s in &ov.ignore {
                check_selector(s, &known, "[[overrides]] ignore", file)?;
            }
            if let Some(v) = t.get("severity") {
                for (k, s) in table(v, "severity", file)? {
                    check_code(k, &known, "[[overrides]] severity", file)?;
                    let s = string(s, k, file)?;
                    ov.severity.insert(
                        k.clone(),
                        severity(&s).ok_or_else(|| {
                            format!("{}: override severity `{s}`", file.display())
                        })?,
                    );
                }
            }
            c.overrides.push(ov);
        }
    }
    if let Some(v) = doc.get("paths") {
        let t = table(v, "paths", file)?;
        check_keys(t, PATHS, "paths", file)?;
        if let Some(v) = t.get("map") {
            for (from, to) in table(v, "map", file)? {
                let target = base.join(string(to, from, file)?);
                // The file comes with the repository, which CI may be checking for an untrusted pull
                // request: it may not point the linter at the host's files.
                let inside = normalize(&target).starts_with(normalize(&base));
                if !inside {
                    return Err(format!("{}: [paths] map `{from}` points outside the repository; only `--map` on the command line may", file.display()));
                }
                c.maps.push((PathBuf::from(from), target));
            }
        }
        if let Some(v) = t.get("include") {
            c.include = strings(v, "include", file)?;
        }
        if let Some(v) = t.get("exclude") {
            c.exclude = strings(v, "exclude", file)?;
        }
        if let Some(v) = t.get("respect-gitignore") {
            c.respect_gitignore = Some(v.as_bool().ok_or_else(|| {
                format!(
                    "{}: [paths] respect-gitignore takes true or false",
                    file.display()
                )
            })?);
        }
    }
    if let Some(v) = doc.get("nginx") {
        let t = table(v, "nginx", file)?;
        check_keys(t, NGINX, "nginx", file)?;
        if let Some(v) = t.get("version") {
            let s = string(v, "version", file)?;
            c.nginx_version = Some(parse_version(&s).ok_or_else(|| {
                format!("{}: nginx version `{s}`: expected X.Y.Z", file.display())
            })?);
        }
        if let Some(v) = t.get("user") {
            c.worker_user = Some(string(v, "user", file)?);
        }
        if let Some(v) = t.get("worker-groups") {
            c.worker_groups = strings(v, "worker-groups", file)?;
        }
        if let Some(v) = t.get("modules") {
            c.modules = strings(v, "modules", file)?;
        }
        if let Some(v) = t.get("directives") {
            c.directives = strings(v, "directives", file)?;
        }
        if let Some(v) = t.get("prefix") {
            c.prefix = Some(base.join(string(v, "prefix", file)?));
        }
    }
    if let Some(v) = doc.get("fpm") {
        let t = table(v, "fpm", file)?;
        check_keys(t, FPM, "fpm", file)?;
        if let Some(v) = t.get("prefix") {
            c.fpm_prefix = Some(PathBuf::from(string(v, "prefix", file)?));
        }
        if let Some(v) = t.get("php-version") {
            c.php_version = Some(string(v, "php-version", file)?);
        }
        if let Some(v) = t.get("allow-root") {
            c.fpm_allow_root = Some(boolean(v, "allow-root", file)?);
        }
    }
    if let Some(v) = doc.get("format") {
        let t = table(v, "format", file)?;
        check_keys(t, FORMAT, "format", file)?;
        c.format = format_options(t, file)?;
    }
    Ok(c)
}

/// `[format]`: `indent = 4` (spaces, 1 to 8) or `"tab"`, `max-blank-lines = 1`, `spacing =
/// "keep" | "single"`, `one-line-blocks = "expand" | "keep"`.
fn format_options(
    t: &toml::Table,
    file: &Path,
) -> Result<nginx_syntax::format::FormatOptions, String> {
    use nginx_syntax::format::{FormatOptions, OneLineBlocks, Spacing};
    let mut f = FormatOptions::default();
    if let Some(v) = t.get("indent") {
        f.indent = match v {
            toml::Value::Integer(n) if (1..=8).contains(n) => " ".repeat(*n as usize),
            toml::Value::String(s) if s == "tab" => "\t".into(),
            _ => {
                return Err(format!(
                    "{}: [format] indent takes a number of spaces (1 to 8) or \"tab\"",
                    file.display()
                ))
            }
        };
    }
    if let Some(v) = t.get("max-blank-lines") {
        f.max_blank_lines = match v.as_integer() {
            Some(n) if (0..=100).contains(&n) => n as usize,
            _ => {
                return Err(format!(
                    "{}: [format] max-blank-lines takes a number (0 to 100)",
                    file.display()
                ))
            }
        };
    }
    if let Some(v) = t.get("spacing") {
        f.spacing = match string(v, "spacing", file)?.as_str() {
            "keep" => Spacing::Keep,
            "single" => Spacing::Single,
            other => {
                return Err(format!(
                    "{}: [format] spacing is \"keep\" or \"single\", not `{other}`",
                    file.display()
                ))
            }
        };
    }
    if let Some(v) = t.get("one-line-blocks") {
        f.one_line_blocks = match string(v, "one-line-blocks", file)?.as_str() {
            "expand" => OneLineBlocks::Expand,
            "keep" => OneLineBlocks::Keep,
            other => {
                return Err(format!(
                    "{}: [format] one-line-blocks is \"expand\" or \"keep\", not `{other}`",
                    file.display()
                ))
            }
        };
    }
    Ok(f)
}

/// Removes `.` and resolves `..` lexically (the target may not exist yet).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `1.30.4` → (1, 30, 4).
pub fn parse_version(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.split('.').map(|p| p.parse::<u32>());
    let v = (
        it.next()?.ok()?,
        it.next()?.ok()?,
        it.next().unwrap_or(Ok(0)).ok()?,
    );
    it.next().is_none().then_some(v)
}

/// Whether a selector (`ALL`, code, code prefix, or name) names this check.
pub fn selects(selector: &str, code: &str, name: &str) -> bool {
    selector.eq_ignore_ascii_case(ALL)
        || selector == name
        || (!selector.is_empty()
            && ngxlint_engine::text::strip_prefix_ignore_ascii_case(code, selector).is_some())
}

/// Whether a selector names exactly this check (its code, its name) or is `ALL`: what turns on an
/// opt-in rule, which a code prefix (`NGX`) does not.
pub fn names(selector: &str, code: &str, name: &str) -> bool {
    selector.eq_ignore_ascii_case(ALL) || selector == name || selector.eq_ignore_ascii_case(code)
}

impl Config {
    /// Whether the selection in force runs a rule: selected (`select` empty: every rule that runs
    /// by default; an opt-in rule only when named by its code or name, or `ALL`, in `select`, or
    /// given a severity or options under `[rules]`), not ignored, not `off`.
    pub fn runs(&self, code: &str, name: &str, opt_in: bool) -> bool {
        let configured = self
            .rules
            .iter()
            .find(|(k, _)| names(k, code, name) && !k.eq_ignore_ascii_case(ALL));
        if configured.is_some_and(|(_, rc)| rc.off) {
            return false;
        }
        let selected = if opt_in {
            self.select.iter().any(|s| names(s, code, name))
                || configured.is_some_and(|(_, rc)| rc.severity.is_some() || !rc.options.is_empty())
        } else {
            self.select.is_empty() || self.select.iter().any(|s| selects(s, code, name))
        };
        selected && !self.ignore.iter().any(|s| selects(s, code, name))
    }

    /// The command line's `--select`/`--ignore` over the file's `[lint] select`/`ignore`: a
    /// `--select` replaces both of the file's lists (the checks asked for are the ones run);
    /// `--ignore` alone adds to the file's `ignore`.
    pub fn select_from_command_line(&mut self, select: &[String], ignore: &[String]) {
        if !select.is_empty() {
            self.select = select.to_vec();
            self.ignore = ignore.to_vec();
        } else {
            self.ignore.extend(ignore.iter().cloned());
        }
    }
}

pub use ngxlint_vfs::path_matches;

/// The starter file `ngxlint init` writes.
pub const STARTER: &str = r#"# ngxlint configuration. Every key is optional; unknown keys are an error.
# Documentation of each check: `ngxlint rules`, `ngxlint rule CODE`.

[lint]
# Only these checks (codes, code prefixes such as "NGX3", names, or "ALL"); empty means all.
# select = ["NGX", "FPM"]
# Never these.
# ignore = ["NGX303"]
# The lowest severity that makes a run fail: error, warning or info.
# fail-level = "warning"

[paths]
# Where the server's absolute paths live in this repository (relative to this file, and inside it:
# reading the host's files is only ever allowed on the command line, with --allow-outside-root).
# map = { "/etc/nginx" = "nginx", "/etc/php/8.2/fpm" = "php/8.2/fpm" }
# Files read whatever their name (globs relative to this file; `**` for any folders), and files
# and folders never read. A file is linted for what its content is: nginx, PHP-FPM, or neither.
# include = ["deploy/*.cfg"]
# exclude = ["vendor", "legacy/**"]
# respect-gitignore = true

[nginx]
# The nginx version the configuration is for (behaviour that changed between versions follows it).
# version = "1.30.4"
# The worker user when nginx.conf has no `user` directive (containers): "www-data" or "nginx:nginx".
# user = "www-data"
# Supplementary groups of the nginx worker user (socket permission checks).
# worker-groups = ["www-data"]
# Module sets built into nginx (a `load_module` line enables its own): lua, njs, headers-more,
# brotli, geoip2, echo, set-misc, ndk, ... (README: --module).
# modules = []
# Other third-party directives: NAME[:CONTEXTS[:ARGS[:BODY]]].
# directives = ["more_set_headers:http,server,location:1more"]

[fpm]
# php-fpm's prefix (-p): relative include= patterns and sockets resolve against it.
# prefix = "/usr"
# php-version = "8.2"
# allow-root = false

# Per rule: a severity ("error", "warning", "info", "off"), or a table with severity and options.
# [rules]
# upstream-without-backup = "off"
# [rules.undersized-buffers]
# severity = "error"
# min_buffer_size = "16k"
# Off until both are set: the host's memory and the average PHP worker's, to judge the sum of
# pm.max_children (above 80% of the memory: OOM kills; under a quarter of that: requests queue).
# [rules.fpm-pool-capacity]
# host_memory = "4g"
# worker_memory = "64m"

# Per path (globs relative to this file; `**` matches any folders).
# [[overrides]]
# paths = ["nginx/legacy/**"]
# ignore = ["NGX303"]

# How `ngxlint fmt` writes nginx files.
# [format]
# indent = 4                  # spaces, or "tab"
# max-blank-lines = 1         # blank lines kept in a row
# spacing = "keep"            # blanks between words as written, or "single"
# one-line-blocks = "expand"  # `location = /x { return 204; }` on one line: "expand" or "keep"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_and_paths() {
        assert!(selects("NGX3", "NGX301", "fastcgi-listen-mismatch"));
        assert!(selects(
            "fastcgi-listen-mismatch",
            "NGX301",
            "fastcgi-listen-mismatch"
        ));
        assert!(!selects("NGX30", "NGX401", "x"));
        assert!(path_matches("nginx/legacy/**", "nginx/legacy/a/b.conf"));
        assert!(path_matches("nginx/legacy", "nginx/legacy/b.conf"));
        assert!(path_matches("**/*.conf", "a/b/c.conf"));
        assert!(!path_matches("nginx/*.conf", "nginx/conf.d/a.conf"));
        assert_eq!(parse_version("1.29.7"), Some((1, 29, 7)));
        assert_eq!(parse_version("1.29"), Some((1, 29, 0)));
        assert_eq!(parse_version("x"), None);
    }

    #[test]
    fn what_a_selection_runs() {
        let mut c = Config::default();
        assert!(c.runs("NGX301", "fastcgi-listen-mismatch", false));
        assert!(
            !c.runs("NGX104", "hsts-header", true),
            "opt-in: off by default"
        );
        c.select = vec!["NGX".into()];
        assert!(
            !c.runs("NGX104", "hsts-header", true),
            "a prefix does not opt in"
        );
        c.select = vec!["ALL".into()];
        assert!(c.runs("NGX104", "hsts-header", true));
        c.select = vec!["hsts-header".into(), "NGX3".into()];
        assert!(c.runs("NGX104", "hsts-header", true));
        assert!(c.runs("NGX301", "fastcgi-listen-mismatch", false));
        assert!(!c.runs("NGX201", "alias-traversal", false));
        c.ignore = vec!["NGX30".into()];
        assert!(!c.runs("NGX301", "fastcgi-listen-mismatch", false));
        // The command line's --select replaces both lists; --ignore alone adds to the file's.
        c.select_from_command_line(&[], &["NGX104".into()]);
        assert_eq!(c.ignore, ["NGX30", "NGX104"]);
        c.select_from_command_line(&["ALL".into()], &[]);
        assert!(c.ignore.is_empty() && c.runs("NGX301", "fastcgi-listen-mismatch", false));
        // A severity under [rules] opts in; `off` turns off.
        let mut c = Config::default();
        c.rules.insert(
            "hsts-header".into(),
            RuleConfig {
                severity: Some(Severity::Warning),
                ..RuleConfig::default()
            },
        );
        assert!(c.runs("NGX104", "hsts-header", true));
        c.rules.insert(
            "NGX301".into(),
            RuleConfig {
                off: true,
                ..RuleConfig::default()
            },
        );
        assert!(!c.runs("NGX301", "fastcgi-listen-mismatch", false));
    }

    #[test]
    fn the_starter_file_is_valid() {
        let dir = std::env::temp_dir().join(format!("ngxlint-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join(FILE_NAME);
        std::fs::write(&f, STARTER).unwrap();
        assert!(load(&f).is_ok());
        std::fs::write(&f, "[lint]\nselct = [\"NGX\"]\n").unwrap();
        assert_eq!(
            load(&f).unwrap_err(),
            format!(
                "{}: unknown key `selct` in [lint] (did you mean `select`?)",
                f.display()
            )
        );
        std::fs::write(&f, "[ngnix]\n").unwrap();
        assert!(load(&f).unwrap_err().contains("did you mean `nginx`?"));
        // The commented per-rule tables, switched on, hold options their rules take.
        let from = STARTER.find("# [rules.").unwrap();
        let to = STARTER.find("# Per path").unwrap();
        let on: String = STARTER[from..to]
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| {
                l.starts_with("[rules.")
                    || l.split_once(" = ").is_some_and(|(k, _)| !k.contains(' '))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&f, &on).unwrap();
        let c = load(&f).unwrap();
        assert!(c.rules.contains_key("fpm-pool-capacity"), "{on}");
        let mut all = ngxlint_rules::all();
        for (name, rc) in &c.rules {
            let r = all.iter_mut().find(|r| r.meta().name == name).unwrap();
            for (k, v) in &rc.options {
                assert_eq!(r.configure(k, v), Ok(()), "{name}: {k} = {v}");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
