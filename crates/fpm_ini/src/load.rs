//! Loading a configuration as php-fpm does: the main file, its `include=` files, section by section.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ngxlint_vfs::{Vfs, VfsError};

use crate::codes;
use crate::diag::{quoting, Diagnostic, Says, Severity};
use crate::keys::{self, Kind};
use crate::model::{ArrayValue, FpmConfig, Include, Origin, RawSetting, SourceFile};
use crate::span::Span;
use crate::syntax::{parse_with, Entry, Item, ParseOptions, PhpVersion, Value};
use crate::values;

/// How php-fpm is started, as far as reading the configuration is concerned.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The FPM prefix (`-p`, else the compile-time prefix: `/usr` on Debian): relative
    /// `include=` patterns, pool prefixes and socket paths are made absolute with it.
    pub fpm_prefix: PathBuf,
    /// The target PHP version (default 8.2).
    pub php_version: PhpVersion,
    /// The environment php-fpm starts with, when known (`${VAR}`); `None` = unknown.
    pub env: Option<BTreeMap<String, String>>,
    /// Whether the master runs as root (the usual case; then `user` is required).
    pub run_as_root: bool,
    /// Whether php-fpm is started with `-R` / `--allow-to-run-as-root`.
    pub allow_root: bool,
    /// Pool files read without their main config are the whole configuration (rule documents'
    /// examples): what php-fpm requires of a pool is asked for, as of a main config's.
    pub complete_pool_files: bool,
    /// The configuration is evidently for another system than Linux (FreeBSD's or Homebrew's
    /// `/usr/local/etc` beside an nginx there): Linux's event mechanisms are not asked for.
    pub not_linux: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            fpm_prefix: PathBuf::from("/usr"),
            php_version: PhpVersion::V8_2,
            env: None,
            run_as_root: true,
            allow_root: false,
            complete_pool_files: false,
            not_linux: false,
        }
    }
}

impl LoadOptions {
    /// The options the INI reader needs.
    pub fn parse_options(&self) -> ParseOptions {
        ParseOptions {
            php_version: self.php_version,
            env: self.env.clone(),
        }
    }

    pub(crate) fn prefix_str(&self) -> String {
        let s = self.fpm_prefix.to_string_lossy();
        let t = s.trim_end_matches('/');
        if t.is_empty() {
            "/".to_string()
        } else {
            t.to_string()
        }
    }
}

/// Deepest include chain php-fpm follows (`ini_recursion++ > 4`): the main file and four levels.
const MAX_DEPTH: usize = 5;

/// A section being filled.
#[derive(Debug, Default)]
pub(crate) struct SectionState {
    pub name: String,
    pub headers: Vec<(usize, Span)>,
    pub raw: BTreeMap<&'static str, RawSetting>,
    pub php_values: Vec<ArrayValue>,
    pub php_admin_values: Vec<ArrayValue>,
    pub env: Vec<ArrayValue>,
    pub suppress: Vec<ArrayValue>,
    /// Keys set from the environment at start-up (see [`crate::Pool::from_env`]).
    pub from_env: Vec<(&'static str, Origin)>,
}

pub(crate) struct Loader<'a> {
    pub opts: &'a LoadOptions,
    vfs: &'a dyn Vfs,
    parse_opts: ParseOptions,
    pub files: Vec<SourceFile>,
    pub diags: Vec<Diagnostic>,
    pub global: SectionState,
    pub pools: Vec<SectionState>,
    pub includes: Vec<Include>,
    /// `None` = `[global]`; php-fpm keeps the current section across included files.
    current: Option<usize>,
    /// Reading pool files without their main config: until the first section header, settings
    /// continue a section of a file that is not here, so they are checked but not kept.
    unknown_section: bool,
    /// Where the settings of that unknown section go.
    orphan: SectionState,
    depth: usize,
    by_name: HashMap<String, usize>,
}

impl<'a> Loader<'a> {
    pub fn new(opts: &'a LoadOptions, vfs: &'a dyn Vfs) -> Loader<'a> {
        Loader {
            opts,
            vfs,
            parse_opts: opts.parse_options(),
            files: Vec::new(),
            diags: Vec::new(),
            global: SectionState {
                name: "global".into(),
                ..SectionState::default()
            },
            pools: Vec::new(),
            includes: Vec::new(),
            current: None,
            unknown_section: false,
            orphan: SectionState::default(),
            depth: 0,
            by_name: HashMap::new(),
        }
    }

    /// Reads and applies the main file. Returns false when it could not be read.
    pub fn load_main(&mut self, path: &Path, bytes: Option<Vec<u8>>) -> bool {
        let bytes = match bytes {
            Some(b) => b,
            None => match self.vfs.read(path) {
                Ok(b) => b,
                Err(e) => {
                    let idx = self.push_file(path, Vec::new(), None);
                    // The path is the file's own (local) one: the finding is located in it.
                    let (severity, message) = match e {
                        VfsError::OutsideRoot => (
                            Severity::Warning,
                            "the file is outside the linted root; it was not read".to_string(),
                        ),
                        e => (Severity::Error, format!("cannot read the file: {e}")),
                    };
                    self.diags.push(Diagnostic::new(
                        codes::FILE_UNREADABLE,
                        severity,
                        message,
                        idx,
                        Span::default(),
                    ));
                    return false;
                }
            },
        };
        self.depth = 1;
        let idx = self.push_file(path, bytes, None);
        self.apply_file(idx);
        self.depth = 0;
        true
    }

    fn push_file(&mut self, path: &Path, bytes: Vec<u8>, from: Option<(usize, Span)>) -> usize {
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            bytes,
            parsed: None,
            included_from: from,
        });
        self.files.len() - 1
    }

    fn apply_file(&mut self, idx: usize) {
        let parsed = parse_with(&self.files[idx].bytes, &self.parse_opts);
        for mut d in parsed.diagnostics.iter().cloned() {
            d.file = idx;
            // The reader of one file knows no file index: its edits are in this file.
            for e in d.fix.iter_mut().flat_map(|f| f.edits.iter_mut()) {
                match e {
                    crate::diag::FixEdit::Replace { file, .. }
                    | crate::diag::FixEdit::RemoveLine { file, .. } => *file = idx,
                }
            }
            self.diags.push(d);
        }
        let items = parsed.items.clone();
        self.files[idx].parsed = Some(parsed);
        for item in items {
            match item {
                Item::Section(h) => self.enter_section(idx, &h.name, h.name_span),
                Item::Entry(e) => self.apply_entry(idx, &e),
            }
        }
    }

    /// `fpm_conf_ini_parser_section()`.
    fn enter_section(&mut self, file: usize, name: &str, span: Span) {
        self.unknown_section = false;
        if name.eq_ignore_ascii_case("global") {
            self.current = None;
            self.global.headers.push((file, span));
            return;
        }
        let key = name.to_ascii_lowercase();
        let idx = match self.by_name.get(&key) {
            Some(&i) => i,
            None => {
                self.pools.push(SectionState {
                    name: name.to_string(),
                    ..SectionState::default()
                });
                let i = self.pools.len() - 1;
                self.by_name.insert(key, i);
                i
            }
        };
        self.pools[idx].headers.push((file, span));
        self.current = Some(idx);
    }

    fn section(&mut self) -> &mut SectionState {
        if self.unknown_section {
            return &mut self.orphan;
        }
        match self.current {
            Some(i) => &mut self.pools[i],
            None => &mut self.global,
        }
    }

    fn pool_name(&self) -> Option<&str> {
        self.current.map(|i| self.pools[i].name.as_str())
    }

    fn err(&mut self, code: &'static str, msg: String, file: usize, span: Span) -> &mut Diagnostic {
        self.diags
            .push(Diagnostic::new(code, Severity::Error, msg, file, span));
        let n = self.diags.len() - 1;
        &mut self.diags[n]
    }

    /// `fpm_conf_expand_pool_name()`: `Err` in `[global]`.
    fn expand_pool(&self, s: &str) -> Result<String, ()> {
        if !s.contains("$pool") {
            return Ok(s.to_string());
        }
        match self.pool_name() {
            Some(name) => Ok(s.replace("$pool", name)),
            None => Err(()),
        }
    }

    /// `fpm_conf_ini_parser_entry()` / `fpm_conf_ini_parser_array()`.
    fn apply_entry(&mut self, file: usize, e: &Entry) {
        let Some(value) = &e.value else {
            // `value is NULL` was reported by the parser
            return;
        };
        if e.index.is_some() {
            self.apply_array(file, e, value);
            return;
        }
        if e.key == "include" {
            self.include(file, e, value);
            return;
        }
        let in_global = self.current.is_none() && !self.unknown_section;
        let table = if in_global {
            keys::GLOBAL_KEYS
        } else {
            keys::POOL_KEYS
        };
        // In a section that is not here, a `[global]` setting is as likely as a pool's.
        let table = if self.unknown_section && keys::lookup(table, &e.key).is_none() {
            keys::GLOBAL_KEYS
        } else {
            table
        };
        let origin = Origin {
            file,
            key: e.key_span,
            value: value.span,
        };
        let Some((name, kind)) = keys::lookup(table, &e.key) else {
            let key = e.key.clone();
            let section = if in_global { "a `[global]`" } else { "a pool" };
            let d = self.err(
                codes::UNKNOWN_ENTRY,
                quoting(
                    format!("`{key}` is not {section} setting"),
                    Says::Refuses,
                    format!("unknown entry '{key}'"),
                ),
                file,
                e.key_span,
            );
            if keys::other_section_has(&key, in_global) {
                d.help = Some(if in_global {
                    format!("move `{key}` into a pool section: it is a pool setting")
                } else {
                    format!("move `{key}` into `[global]`: it is not a pool setting")
                });
            } else if let Some(s) = keys::closest(&key, in_global) {
                d.help = Some(format!("did you mean `{s}`?"));
                d.fix = Some(crate::diag::Fix {
                    title: format!("Replace with `{s}`"),
                    edits: vec![crate::diag::FixEdit::Replace {
                        file,
                        span: e.key_span,
                        text: s.to_string(),
                    }],
                });
            } else if key.starts_with('#') {
                d.help = Some("php-fpm has no `#` comments: use `;`".into());
                d.fix = Some(hash_to_semicolon(file, e.key_span.start));
            } else if keys::ARRAY_KEYS
                .iter()
                .any(|a| key.to_ascii_lowercase().starts_with(a))
            {
                d.help =
                    Some("array settings take a key in brackets: `php_value[name] = value`".into());
            }
            return;
        };
        let text = match kind {
            Kind::Str => match self.expand_pool(&value.text) {
                Ok(t) => t,
                Err(()) => {
                    self.err(
                        codes::POOL_IN_GLOBAL,
                        quoting(
                            "`$pool` in `[global]` names no pool",
                            Says::Refuses,
                            format!("unable to parse value for entry '{name}': Can't use '$pool' when the pool is not defined"),
                        ),
                        file,
                        value.span,
                    )
                    .help = Some("`$pool` only works inside a pool section".into());
                    return;
                }
            },
            _ => value.text.clone(),
        };
        // `${VAR}` from an environment not known here (a container's, set when it starts): the
        // key is set, to a value this run cannot judge.
        // (`${VAR:-default}` is the default where the environment lacks VAR, and empty before
        // PHP 8.3, which reads the whole as one unset name: known either way.)
        if self.opts.env.is_none() && value.vars.iter().any(|v| v.default.is_none()) {
            let section = self.section();
            section.raw.remove(name);
            section.from_env.retain(|(k, _)| *k != name);
            section.from_env.push((name, origin));
            return;
        }
        let check = match kind {
            Kind::Str => Ok(()),
            Kind::Int => values::parse_int(&text).map(|_| ()),
            Kind::Time => values::parse_time(&text).map(|t| {
                if t.misread {
                    self.time_misread(name, &text, t.seconds, file, value);
                }
            }),
            Kind::Bool => values::parse_bool(&text).map(|_| ()),
            Kind::Pm => values::parse_pm(&text).map(|_| ()),
            Kind::LogLevel => values::parse_log_level(&text).map(|_| ()),
            Kind::RlimitCore => values::parse_rlimit_core(&text).map(|_| ()),
            Kind::SyslogFacility => values::parse_syslog_facility(&text).map(|_| ()),
        };
        if let Err(why) = check {
            let help = match kind {
                Kind::Int => Some("write a whole number without a unit".to_string()),
                Kind::Time => Some("write whole seconds, or a whole number followed by one of `s`, `m`, `h`, `d` (lower case)".to_string()),
                Kind::Bool => Some("write `yes` or `no` unquoted".to_string()),
                Kind::Pm => Some("write `static`, `dynamic` or `ondemand`".to_string()),
                _ => None,
            };
            let what = match kind {
                Kind::Int => "number",
                Kind::Time => "time",
                Kind::Bool => "boolean",
                Kind::Pm => "process manager",
                Kind::LogLevel => "log level",
                Kind::RlimitCore => "core size limit",
                Kind::SyslogFacility => "syslog facility",
                Kind::Str => "value",
            };
            let d = self.err(
                codes::INVALID_VALUE,
                quoting(
                    format!("invalid {what} for `{name}`"),
                    Says::Refuses,
                    format!("unable to parse value for entry '{name}': {why}"),
                ),
                file,
                value.span,
            );
            d.help = help;
            return;
        }
        let section = self.section();
        section.from_env.retain(|(k, _)| *k != name);
        match section.raw.get_mut(name) {
            Some(prev) => {
                let old = prev.origin;
                prev.earlier.push(old);
                prev.origin = origin;
                prev.value = text;
            }
            None => {
                section.raw.insert(
                    name,
                    RawSetting {
                        value: text,
                        origin,
                        earlier: Vec::new(),
                    },
                );
            }
        }
    }

    fn time_misread(&mut self, name: &str, text: &str, seconds: i32, file: usize, value: &Value) {
        self.diags.push(
            Diagnostic::new(
                codes::TIME_MISREAD,
                Severity::Warning,
                format!(
                    "php-fpm reads `{name} = {text}` as {seconds} seconds: a time is a whole number with at most one unit (`s`, `m`, `h`, `d`)"
                ),
                file,
                value.span,
            )
            .with_help(format!("write `{name} = {seconds}s` if that is what you mean"))
            // What php-fpm reads, written so it reads as it is read.
            .with_fix(
                format!("Write `{seconds}s`"),
                vec![crate::diag::FixEdit::Replace {
                    file,
                    span: value.span,
                    text: format!("{seconds}s"),
                }],
            ),
        );
    }

    fn apply_array(&mut self, file: usize, e: &Entry, value: &Value) {
        let Some(index) = &e.index else { return };
        let name = e.key.as_str();
        let origin = Origin {
            file,
            key: e.key_span.join(index.span),
            value: value.span,
        };
        if name == "access.suppress_path" {
            let mut bad = false;
            if !index.key.is_empty() {
                self.err(
                    codes::ARRAY_VALUE,
                    quoting(
                        "`access.suppress_path[]` takes no key",
                        Says::Refuses,
                        "Keys provided to field 'access.suppress_path' are ignored",
                    ),
                    file,
                    index.span,
                )
                .help = Some("write `access.suppress_path[] = /path`".into());
                bad = true;
            }
            if !value.text.starts_with('/') {
                self.err(
                    codes::ARRAY_VALUE,
                    quoting(
                        "`access.suppress_path[]` takes a path that begins with `/`",
                        Says::Refuses,
                        "Values provided to field 'access.suppress_path' must begin with '/'",
                    ),
                    file,
                    value.span,
                );
                bad = true;
            }
            if bad {
                return;
            }
        } else if index.key.is_empty() {
            self.err(
                codes::ARRAY_KEY_MISSING,
                quoting(
                    format!("`{name}[]` needs a key in the brackets"),
                    Says::Refuses,
                    format!("You must provide a key for field '{name}'"),
                ),
                file,
                index.span,
            )
            .help = Some(format!("write `{name}[name] = value`"));
            return;
        }
        if self.current.is_none() && !self.unknown_section {
            self.err(
                codes::ARRAY_IN_GLOBAL,
                quoting(
                    format!("`{name}[…]` belongs in a pool section, not in `[global]`"),
                    Says::Refuses,
                    "Array are not allowed in the global section",
                ),
                file,
                e.key_span,
            )
            .help = Some("move it into a pool section".into());
            return;
        }
        let flag = matches!(name, "php_flag" | "php_admin_flag");
        let text = if flag {
            match values::parse_bool(&value.text) {
                Ok(b) => if b { "1" } else { "0" }.to_string(),
                Err(why) => {
                    let key = index.key.clone();
                    self.err(
                        codes::ARRAY_VALUE,
                        quoting(
                            format!("invalid boolean for `{name}[{key}]`"),
                            Says::Refuses,
                            format!("error while parsing '{name}[{key}]' : {why}"),
                        ),
                        file,
                        value.span,
                    )
                    .help = Some("write `on` or `off` unquoted".into());
                    return;
                }
            }
        } else {
            match self.expand_pool(&value.text) {
                Ok(t) => t,
                Err(()) => return,
            }
        };
        // Empty only as far as the run knows: a `${VAR}` not given to it may hold a value
        // (FPM012 says the value depends on the environment).
        let unknown = value.vars.iter().any(|v| v.resolved.is_none());
        if name == "env" && value.text.is_empty() && !unknown {
            let key = &index.key;
            let d = self.err(
                codes::EMPTY_ENV,
                quoting(
                    format!("`env[{key}]` is empty"),
                    Says::Refuses,
                    "empty value",
                ),
                file,
                value.span,
            );
            d.help = Some(if value.bool_word == Some(false) {
                "quote it (`\"no\"`): unquoted `no`, `off`, `none`, `false` and `null` are empty strings".to_string()
            } else {
                "give the variable a value, or remove the line".to_string()
            });
            return;
        }
        let entry = ArrayValue {
            key: index.key.clone(),
            value: text,
            origin,
        };
        let section = self.section();
        match name {
            "env" => section.env.push(entry),
            "php_value" | "php_flag" => section.php_values.push(entry),
            "php_admin_value" | "php_admin_flag" => section.php_admin_values.push(entry),
            "access.suppress_path" => section.suppress.push(entry),
            _ => {
                let d = self.err(
                    codes::UNKNOWN_ARRAY,
                    quoting(
                        format!("`{name}[…]` is not an array setting"),
                        Says::Refuses,
                        format!("unknown directive '{name}'"),
                    ),
                    file,
                    e.key_span,
                );
                d.help = keys::closest(name, false)
                    .filter(|c| keys::ARRAY_KEYS.contains(c))
                    .map(|c| format!("did you mean `{c}[…]`?"));
            }
        }
    }

    /// `fpm_conf_ini_parser_include()`: glob(GLOB_ERR | GLOB_MARK), directories skipped.
    fn include(&mut self, file: usize, e: &Entry, value: &Value) {
        let pattern = value.text.clone();
        // `fpm_evaluate_full_path(&inc, NULL, NULL, 0)`: an empty pattern becomes the prefix itself.
        let resolved = crate::model::full_path(&pattern, &self.opts.prefix_str());
        let origin = Origin {
            file,
            key: e.key_span,
            value: value.span,
        };
        let mut include = Include {
            pattern: pattern.clone(),
            resolved: resolved.clone(),
            origin,
            files: Vec::new(),
        };
        // glob(3) results; directories match (GLOB_MARK) but are skipped, so they silence the warning.
        let mut matched_any = false;
        let matches: Vec<PathBuf> = if ngxlint_vfs::has_glob_chars(resolved.as_bytes()) {
            match self.vfs.glob(Path::new(&resolved)) {
                Ok(ms) => {
                    matched_any = !ms.is_empty();
                    ms.into_iter()
                        .filter(|m| !m.is_dir)
                        .map(|m| m.path)
                        .collect()
                }
                Err(err) => {
                    // php-fpm's line ends with glob(3)'s return code, `(ret=2)`: the quote stops
                    // before it, the message says what it means.
                    let words = format!("Unable to globalize '{resolved}'");
                    let d = match err {
                        VfsError::OutsideRoot => Diagnostic::new(
                            codes::INCLUDE_GLOB_FAILED,
                            Severity::Warning,
                            format!("include pattern `{resolved}` points outside the linted root; it was not read"),
                            file,
                            value.span,
                        )
                        .with_help("map the folder into the tree with `--map FROM=DIR`, or allow reading it with `--allow-outside-root`"),
                        VfsError::NotFound => Diagnostic::new(
                            codes::INCLUDE_GLOB_FAILED,
                            Severity::Error,
                            quoting(
                                format!("the folder of include pattern `{resolved}` does not exist"),
                                Says::Refuses,
                                words,
                            ),
                            file,
                            value.span,
                        )
                        .with_help("create the folder, or fix the pattern: relative patterns are relative to the FPM prefix, not to this file"),
                        other => Diagnostic::new(
                            codes::INCLUDE_GLOB_FAILED,
                            Severity::Error,
                            quoting(
                                format!("the folder of include pattern `{resolved}` cannot be read ({other})"),
                                Says::Refuses,
                                words,
                            ),
                            file,
                            value.span,
                        ),
                    };
                    self.diags.push(d);
                    self.includes.push(include);
                    return;
                }
            }
        } else {
            // Without wildcards glob(3) only checks that the path exists.
            match self.vfs.read(Path::new(&resolved)) {
                Err(VfsError::NotFound) => Vec::new(),
                Err(VfsError::IsDir) => {
                    matched_any = true;
                    Vec::new()
                }
                _ => {
                    matched_any = true;
                    vec![PathBuf::from(&resolved)]
                }
            }
        };
        if !matched_any {
            let mut d = Diagnostic::new(
                codes::INCLUDE_NO_MATCH,
                Severity::Warning,
                quoting(
                    format!("include pattern `{resolved}` matches no file"),
                    Says::Logs,
                    format!("Nothing matches the include pattern '{resolved}'"),
                ),
                file,
                value.span,
            );
            if !pattern.starts_with('/') {
                d = d.with_help(format!(
                    "relative include patterns are relative to the FPM prefix (`{}`), not to this file: write an absolute path",
                    self.opts.prefix_str()
                ));
            }
            self.diags.push(d);
        }
        for path in matches {
            if let Some(idx) = self.load_included(&path, file, value.span) {
                include.files.push(idx);
            } else {
                break;
            }
        }
        self.includes.push(include);
    }

    /// `fpm_conf_load_ini_file()` for an included file; `None` stops the include (php-fpm gives up).
    fn load_included(&mut self, path: &Path, file: usize, span: Span) -> Option<usize> {
        let bytes = match self.vfs.read(path) {
            Ok(b) => b,
            Err(e) => {
                // `path` is the server's path, as the pattern spelled it.
                let shown = path.display();
                let d = match e {
                    VfsError::OutsideRoot => Diagnostic::new(
                        codes::FILE_UNREADABLE,
                        Severity::Warning,
                        format!("included file `{shown}` is outside the linted root; it was not read"),
                        file,
                        span,
                    )
                    .with_help("map the folder into the tree with `--map FROM=DIR`, or allow reading it with `--allow-outside-root`"),
                    VfsError::TooLarge { limit } => Diagnostic::new(
                        codes::FILE_UNREADABLE,
                        Severity::Error,
                        format!("included file `{shown}` is larger than {limit} bytes; it was not read"),
                        file,
                        span,
                    ),
                    e => Diagnostic::new(
                        codes::FILE_UNREADABLE,
                        Severity::Error,
                        quoting(
                            format!("cannot read included file `{shown}` ({e})"),
                            Says::Refuses,
                            format!("Unable to include {shown}"),
                        ),
                        file,
                        span,
                    ),
                };
                self.diags.push(d);
                return None;
            }
        };
        let idx = self.push_file(path, bytes, Some((file, span)));
        if self.depth >= MAX_DEPTH {
            let mut chain = Vec::new();
            let mut cur = Some((idx, Span::default()));
            while let Some((i, _)) = cur {
                chain.push(i);
                cur = self.files[i].included_from;
            }
            let mut d = Diagnostic::new(
                codes::INCLUDE_TOO_DEEP,
                Severity::Error,
                quoting(
                    "includes nested more than 5 files deep",
                    Says::Refuses,
                    "failed to include more than 5 files recursively",
                ),
                file,
                span,
            )
            .with_help("flatten the includes: php-fpm follows at most 5 nested files (an include that includes itself never ends)");
            for i in chain.iter().rev().skip(1) {
                if let Some((f, s)) = self.files[*i].included_from {
                    d = d.with_related(f, s, format!("includes {}", self.files[*i].path.display()));
                }
            }
            self.diags.push(d);
            return None;
        }
        self.depth += 1;
        self.apply_file(idx);
        self.depth -= 1;
        Some(idx)
    }
}

/// Reads a configuration the way php-fpm does, starting at its main file.
pub fn load(main: &Path, opts: &LoadOptions, vfs: &dyn Vfs) -> FpmConfig {
    let mut l = Loader::new(opts, vfs);
    let ok = l.load_main(main, None);
    crate::check::finish(l, ok, false)
}

/// Like [`load`], with the main file's bytes given (an unsaved editor buffer, a test).
pub fn load_source(main: &Path, bytes: Vec<u8>, opts: &LoadOptions, vfs: &dyn Vfs) -> FpmConfig {
    let mut l = Loader::new(opts, vfs);
    let ok = l.load_main(main, Some(bytes));
    crate::check::finish(l, ok, false)
}

/// Reads a pool file found without its main configuration (a `pool.d/*.conf` file): see
/// [`load_pool_files`].
pub fn load_pool_file(path: &Path, opts: &LoadOptions, vfs: &dyn Vfs) -> FpmConfig {
    load_pool_files(&[path.to_path_buf()], opts, vfs)
}

/// Reads pool files found without their main configuration, in the order given, as one
/// configuration: as the main config's `include=…/*.conf` would read them, each file continuing
/// the section the one before ended in (the php image's `docker.conf`, `www.conf` and
/// `zz-docker.conf`, whose `[global]` overrides apply to the whole). Having no pool is not an
/// error, settings before the first section header continue a section of a file that is not here
/// (they are checked, not kept), and settings php-fpm requires of a pool (`user`, `listen`, `pm`)
/// are not asked for: the files of the server's configuration that are not here may set them.
pub fn load_pool_files(paths: &[PathBuf], opts: &LoadOptions, vfs: &dyn Vfs) -> FpmConfig {
    let mut l = Loader::new(opts, vfs);
    l.unknown_section = !opts.complete_pool_files;
    let mut ok = false;
    for path in paths {
        ok |= l.load_main(path, None);
    }
    crate::check::finish(l, ok, true)
}

/// A `#` line made a `;` comment, as the line meant.
pub(crate) fn hash_to_semicolon(file: usize, at: u32) -> crate::diag::Fix {
    crate::diag::Fix {
        title: "Comment the line out with `;`".into(),
        edits: vec![crate::diag::FixEdit::Replace {
            file,
            span: Span {
                start: at,
                end: at + 1,
            },
            text: ";".into(),
        }],
    }
}
