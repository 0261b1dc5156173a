//! ngxlint's command line: argument parsing, the commands, and exit codes.
//!
//! Exit codes: 0 clean, 1 findings at or above the failing level, 2 usage, configuration or I/O error.

// Slicing a `str` at a byte offset panics inside a multi-byte character, and configuration
// text is whatever bytes a user wrote: cut with `split_once`, `strip_prefix`, `get` or on bytes.
#![cfg_attr(not(test), deny(clippy::string_slice))]

pub mod baseline;
pub mod config;
pub mod crossplane;
pub mod crossplane_format;
pub mod fix;
pub mod fmt;
pub mod lsp;
pub mod render;
pub mod trace;
pub mod triage;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use ngxlint_engine::model::Model;
use ngxlint_engine::rule::{self, Settings};
use ngxlint_engine::{Options, Project, Severity};

/// A fast linter for nginx and PHP-FPM configuration that reads both sides together.
#[derive(Debug, Parser)]
#[command(name = "ngxlint", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lint nginx and PHP-FPM configuration under the given paths (default: the current folder).
    Check(CheckArgs),
    /// Format nginx files: indentation, one statement per line, every comment and word kept.
    Fmt(fmt::FmtArgs),
    /// Print the nginx trees as crossplane's JSON payload.
    Parse(ParseArgs),
    /// List every rule and reader check.
    Rules(RulesArgs),
    /// Run the language server over stdio (for editors).
    Lsp(LspArgs),
    /// Write a commented starter `ngxlint.toml` in the current folder.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print a rule's document, by code or name.
    Rule {
        /// `NGX301` or `fastcgi-listen-mismatch`.
        code: String,
    },
    /// Show which server and location answer a URL, the rewrites on the way, the directives in
    /// effect there and where the request is passed.
    Trace(trace::TraceArgs),
    /// Group the error-log lines of failed requests (nginx, `nginx -t`, php-fpm) into incidents,
    /// with the configuration lines and rules behind each.
    Triage(triage::TriageArgs),
}

/// How to read the tree: shared by every command that reads configuration.
#[derive(Clone, Debug, clap::Args)]
pub struct ReadArgs {
    /// Nothing outside this folder is read (default: the current folder, or the folder of the given paths).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// nginx's conf prefix: the folder relative `include`s resolve against (default: each main config's folder).
    #[arg(long, value_name = "DIR")]
    prefix: Option<PathBuf>,
    /// Map a server path prefix to a folder in the tree, e.g. `--map /etc/nginx=nginx` (repeatable).
    #[arg(long = "map", value_name = "FROM=TO", value_parser = parse_map)]
    maps: Vec<(PathBuf, PathBuf)>,
    /// Do not look up absolute paths in the tree by their longest existing suffix.
    #[arg(long)]
    no_auto_map: bool,
    /// Report a missing `fastcgi_params`, `mime.types`, ... instead of reading nginx's stock copy.
    #[arg(long)]
    no_stock_files: bool,
    /// Allow includes to read files outside the root.
    #[arg(long)]
    allow_outside_root: bool,
    /// Enable a module set built into nginx: lua, njs, headers-more, brotli, geoip2, echo, ... (repeatable).
    #[arg(long = "module", value_name = "SET")]
    modules: Vec<String>,
    /// php-fpm's prefix (`-p`): relative `include=` patterns and socket paths resolve against it (default `/usr`).
    #[arg(long, value_name = "DIR")]
    fpm_prefix: Option<PathBuf>,
    /// The PHP version php-fpm runs (default `8.2`): `${VAR:-default}` works from 8.3 on.
    #[arg(long, value_name = "X.Y", value_parser = parse_php_version)]
    php_version: Option<fpm_ini::PhpVersion>,
    /// The configuration file (default: `ngxlint.toml` found from the working folder up to the repository root).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Read no configuration file.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// The nginx version the configuration is for, `X.Y.Z` (default: the newest stable, 1.30.4).
    #[arg(long, value_name = "X.Y.Z")]
    nginx_version: Option<String>,
    /// php-fpm is started with `-R` (pools may run as root).
    #[arg(long)]
    fpm_allow_root: bool,
    /// The nginx worker user (`USER` or `USER:GROUP`) when the configuration has no `user` directive.
    #[arg(long, value_name = "USER[:GROUP]")]
    nginx_user: Option<String>,
    /// Supplementary groups of the nginx worker user, comma-separated (the workers get them too).
    #[arg(long, value_name = "GROUPS", value_delimiter = ',')]
    worker_groups: Vec<String>,
    /// Read files that `.gitignore` leaves out of the repository too.
    #[arg(long)]
    no_respect_gitignore: bool,
    /// Judge files no main config includes as whole configurations, with nginx's and php-fpm's
    /// defaults around them (by default they are judged only for what they set themselves).
    #[arg(long)]
    standalone: bool,
    /// Every file's reason is kept (`check --list-files` sets it).
    #[arg(skip)]
    list_files: bool,
    /// Largest file read, in bytes; a larger one is reported, not read.
    #[arg(long, value_name = "BYTES", default_value_t = ngxlint_vfs::DEFAULT_MAX_SIZE)]
    max_file_size: u64,
    /// Declare a third-party directive: `NAME[:CONTEXTS[:ARGS[:BODY]]]`, e.g. `more_set_headers:http,server,location:1more` (repeatable).
    #[arg(long = "directive", value_name = "SPEC")]
    directives: Vec<String>,
}

impl ReadArgs {
    /// The reading options as command-line words would set them (`["--root", "repo"]`; none for
    /// the defaults): for programs and tests that lint without starting the binary.
    pub fn from_args<I, T>(args: I) -> Result<ReadArgs, String>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        #[derive(Parser)]
        #[command(name = "ngxlint")]
        struct Only {
            #[command(flatten)]
            read: ReadArgs,
        }
        let words = std::iter::once(std::ffi::OsString::from("ngxlint"))
            .chain(args.into_iter().map(Into::into));
        Only::try_parse_from(words)
            .map(|o| o.read)
            .map_err(|e| e.to_string())
    }
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Files or folders to lint.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Pretty)]
    format: Format,
    /// When to use colors (NO_COLOR is honoured by `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Read the file's contents from standard input (an editor's unsaved buffer) and lint it as PATH,
    /// inside its project.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Write today's findings to FILE (a baseline) and exit 0: adopt ngxlint with them frozen.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Leave out the findings recorded in a baseline FILE (matched by code, file, flagged text and
    /// message, so unrelated edits and shifted lines keep matching).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Which findings to report when only files are given: those in the `given` files (the whole
    /// project around them is still read) or `all`.
    #[arg(long, value_enum, default_value_t = Report::Given)]
    report: Report,
    /// The lowest severity that makes the run fail (exit 1; default `warning`).
    #[arg(long, value_enum)]
    fail_level: Option<FailLevel>,
    /// List every file the walk saw, what it is (nginx, PHP-FPM, neither) and why, and lint nothing
    /// (`--format json` for a JSON list).
    #[arg(long)]
    list_files: bool,
    /// Only these checks: codes, code prefixes (`NGX2`), names, or `ALL` (every rule, opt-in ones
    /// included), comma-separated or repeated. Replaces `[lint] select` and `ignore` of `ngxlint.toml`.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    select: Vec<String>,
    /// Never these checks (codes, prefixes, names), comma-separated or repeated; added to
    /// `[lint] ignore`, or with `--select` the only ones left out.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Apply the safe fixes (to a fixpoint, every file written atomically), then report what is left.
    #[arg(long)]
    fix: bool,
    /// Apply the unsafe fixes too (changes of behaviour to review); without `--fix` or `--diff`,
    /// nothing is applied.
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print a unified diff of what the fixes would change and write nothing (exit 1 when there
    /// is a change).
    #[arg(long)]
    diff: bool,
    /// List the fixes applied, by file and code.
    #[arg(long)]
    show_fixes: bool,
}

#[derive(Debug, clap::Args)]
struct RulesArgs {
    /// Output format: a table, or JSON (`code`, `name`, `severity`, `default`, `aliases`, ...).
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RulesFormat {
    /// One check per line: code, name, severity, summary.
    Text,
    /// `{"version": 1, "rules": [...]}`.
    Json,
}

#[derive(Debug, clap::Args)]
struct LspArgs {
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(Debug, clap::Args)]
struct ParseArgs {
    /// The main nginx config (or a folder).
    path: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
    /// Output format: ngxlint's JSON (nginx's values, with spans) or crossplane's payload.
    #[arg(long, value_enum, default_value_t = ParseFormat::Json)]
    format: ParseFormat,
    /// Indent the JSON.
    #[arg(long)]
    pretty: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// miette's graphical report.
    Pretty,
    /// `path:line:col: severity: message [CODE]`.
    Concise,
    /// ngxlint's own JSON (schema version 1, see the README).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow-command annotations.
    Github,
    /// GitLab Code Quality report.
    Gitlab,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Report {
    /// Findings located in the files named on the command line.
    Given,
    /// Every finding of the project.
    All,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ParseFormat {
    /// crossplane's payload shape with nginx's values (escapes processed) and byte spans.
    Json,
    /// What `crossplane parse` prints (crossplane 0.5.8), byte for byte, where it reads nginx right.
    Crossplane,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FailLevel {
    Info,
    Warning,
    Error,
}

fn parse_php_version(s: &str) -> Result<fpm_ini::PhpVersion, String> {
    let (major, minor) = s
        .split_once('.')
        .ok_or_else(|| format!("expected X.Y, got `{s}`"))?;
    let major: u8 = major
        .parse()
        .map_err(|_| format!("expected X.Y, got `{s}`"))?;
    let minor: u8 = minor
        .parse()
        .map_err(|_| format!("expected X.Y, got `{s}`"))?;
    if (major, minor) < (5, 3) {
        return Err(format!(
            "php-fpm {s} is older than the INI format ngxlint reads (5.3)"
        ));
    }
    Ok(fpm_ini::PhpVersion { major, minor })
}

fn parse_map(s: &str) -> Result<(PathBuf, PathBuf), String> {
    let (from, to) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FROM=TO, got `{s}`"))?;
    if from.is_empty() || to.is_empty() {
        return Err(format!("expected FROM=TO, got `{s}`"));
    }
    Ok((PathBuf::from(from), PathBuf::from(to)))
}

/// Entry point of the `ngxlint` binary.
pub fn main() -> ExitCode {
    run_with(std::env::args_os())
}

/// Runs ngxlint with these arguments (the first is the program name), as the binary does: tests
/// of other crates run commands through it.
pub fn run_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Parse(args) => parse(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Rules(args) => list_rules(args.format),
        Command::Rule { code } => show_rule(&code),
        Command::Init { force } => init(force),
        Command::Lsp(args) => lsp::run(&args.read).map(|_| ExitCode::SUCCESS),
        Command::Trace(args) => trace::run(args),
        Command::Triage(args) => triage::run(args),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            let _ = writeln!(std::io::stderr(), "ngxlint: {msg}");
            ExitCode::from(2)
        }
    }
}

/// `p` absolute with its symbolic links resolved; for a path that does not exist yet (an editor's
/// new buffer), its nearest existing ancestor's canonical path with the rest.
pub(crate) fn canonical(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    for a in abs.ancestors() {
        if let Ok(c) = std::fs::canonicalize(a) {
            return match abs.strip_prefix(a) {
                Ok(rest) if !rest.as_os_str().is_empty() => c.join(rest),
                _ => c,
            };
        }
    }
    abs
}

/// A path given as `../a/x` made absolute through its folder's real path (the last component is
/// kept: a link named on the command line stays a link): files are read by paths below the root,
/// and `/work/e/../a` is not lexically below `/work/a`.
fn without_parent_dirs(p: &Path) -> PathBuf {
    if !p.components().any(|c| c == std::path::Component::ParentDir) {
        return p.to_path_buf();
    }
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    match (abs.parent(), abs.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or_else(|_| canonical(p)),
        // `..` itself, or a path ending in `..`: a folder, resolved whole.
        _ => canonical(p),
    }
}

/// The folder nothing is read outside of: the working folder when every path is inside it,
/// else the deepest folder containing all paths.
fn default_root(paths: &[PathBuf]) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let abs: Vec<PathBuf> = paths.iter().map(|p| canonical(p)).collect();
    let cwd_canon = std::fs::canonicalize(&cwd).unwrap_or(cwd.clone());
    if abs.iter().all(|p| p.starts_with(&cwd_canon)) {
        return cwd;
    }
    let mut common: PathBuf = match abs.first() {
        Some(p) if p.is_dir() => p.clone(),
        Some(p) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => return cwd,
    };
    for p in &abs[1..] {
        while !p.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

/// The configuration file in force for a linted path: `--config` (relative to the working folder),
/// else the one found upwards from `start`, unless `--no-config`.
pub fn load_config(read: &ReadArgs, start: &Path) -> Result<config::Config, String> {
    Ok(configs(read, std::slice::from_ref(&start.to_path_buf()))?
        .into_iter()
        .next()
        .map(|(cfg, _)| cfg)
        .unwrap_or_default())
}

/// The one configuration in force for all `paths` (commands that answer about one tree: `trace`,
/// `triage`); paths under different configuration files are an error that names them.
pub(crate) fn single_config(read: &ReadArgs, paths: &[PathBuf]) -> Result<config::Config, String> {
    let mut groups = configs(read, paths)?;
    if groups.len() > 1 {
        let which: Vec<String> = groups
            .iter()
            .map(|(cfg, list)| {
                let file = cfg
                    .path
                    .as_ref()
                    .map_or("no ngxlint.toml".to_string(), |p| p.display().to_string());
                let first = list
                    .first()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                format!("`{first}` ({file})")
            })
            .collect();
        return Err(format!(
            "the paths lie under different configurations: {}; run once per repository, or pass --config",
            which.join(", ")
        ));
    }
    Ok(groups.pop().map(|(cfg, _)| cfg).unwrap_or_default())
}

/// The linted paths grouped by the configuration in force for each (`--config` or `--no-config`
/// make one group; otherwise each path's `ngxlint.toml` is found from it upwards), in the order the
/// paths were given. Paths in different repositories with different files are linted each with
/// its own, and reported together.
pub fn configs(
    read: &ReadArgs,
    paths: &[PathBuf],
) -> Result<Vec<(config::Config, Vec<PathBuf>)>, String> {
    if read.no_config {
        return Ok(vec![(config::Config::default(), paths.to_vec())]);
    }
    if let Some(p) = &read.config {
        return Ok(vec![(config::load(p)?, paths.to_vec())]);
    }
    let mut groups: Vec<(Option<PathBuf>, Vec<PathBuf>)> = Vec::new();
    for p in paths {
        let found = config::discover(p);
        match groups.iter_mut().find(|(f, _)| *f == found) {
            Some((_, list)) => list.push(p.clone()),
            None => groups.push((found, vec![p.clone()])),
        }
    }
    groups
        .into_iter()
        .map(|(file, list)| {
            let cfg = match file {
                Some(f) => config::load(&f)?,
                None => config::Config::default(),
            };
            Ok((cfg, list))
        })
        .collect()
}

/// Command-line flags win over the configuration file, which wins over the defaults.
pub(crate) fn options(
    read: &ReadArgs,
    paths: &[PathBuf],
    cfg: &config::Config,
) -> Result<Options, String> {
    let mut opts = options_without_table(read, paths, cfg)?;
    opts.directives = directive_table(read, cfg)?;
    Ok(opts)
}

/// The directives of the configured nginx release (its names, argument counts and values), with
/// the module sets and declarations of the configuration and the command line.
fn directive_table(
    read: &ReadArgs,
    cfg: &config::Config,
) -> Result<nginx_syntax::directives::Directives, String> {
    let mut directives =
        nginx_syntax::directives::Directives::for_version(nginx_version(read, cfg)?);
    for m in cfg.modules.iter().chain(&read.modules) {
        directives.enable_set(m).map_err(|e| e.to_string())?;
    }
    for d in cfg.directives.iter().chain(&read.directives) {
        directives.declare(d).map_err(|e| e.to_string())?;
    }
    Ok(directives)
}

/// [`options`] but for the directive table, which is left as `Options::new` makes it.
fn options_without_table(
    read: &ReadArgs,
    paths: &[PathBuf],
    cfg: &config::Config,
) -> Result<Options, String> {
    // A configuration file describes its repository: its folder is the root when the paths lie in it.
    let cfg_dir = cfg
        .path
        .as_ref()
        .and_then(|p| p.parent())
        .and_then(|d| std::fs::canonicalize(d).ok());
    let in_cfg_dir = |d: &PathBuf| paths.iter().all(|p| canonical(p).starts_with(d));
    let root = read
        .root
        .clone()
        .or_else(|| cfg_dir.filter(in_cfg_dir))
        .unwrap_or_else(|| default_root(paths));
    let mut opts = Options::without_table(root);
    opts.nginx_version_pinned = read.nginx_version.is_some() || cfg.nginx_version.is_some();
    if let Some(base) = cfg.path.as_ref().and_then(|p| p.parent()) {
        opts.filter.base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
    }
    opts.filter.include = cfg.include.clone();
    opts.filter.exclude = cfg.exclude.clone();
    opts.filter.gitignore = !read.no_respect_gitignore && cfg.respect_gitignore.unwrap_or(true);
    opts.complete_fragments = read.standalone;
    opts.list_files = read.list_files;
    opts.fpm.complete_pool_files = read.standalone;
    opts.maps = cfg.maps.clone();
    opts.maps.extend(read.maps.iter().cloned());
    opts.allow_outside = read.allow_outside_root;
    opts.auto_map = !read.no_auto_map;
    // Spans are 32-bit offsets: no file of 4 GiB or more is read, whatever the flag says.
    opts.max_file_size = read.max_file_size.min(u64::from(u32::MAX));
    opts.stock_files = !read.no_stock_files;
    if let Some(p) = read.fpm_prefix.clone().or_else(|| cfg.fpm_prefix.clone()) {
        opts.fpm.fpm_prefix = p;
    }
    if let Some(v) = read.php_version {
        opts.fpm.php_version = v;
    } else if let Some(v) = &cfg.php_version {
        opts.fpm.php_version =
            parse_php_version(v).map_err(|e| format!("[fpm] php-version: {e}"))?;
    }
    opts.fpm.allow_root = read.fpm_allow_root || cfg.fpm_allow_root.unwrap_or(false);
    opts.prefix = read
        .prefix
        .clone()
        .or_else(|| cfg.prefix.clone())
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p));
    Ok(opts)
}

/// The registry with the configuration applied: rules turned off are left out, options set.
fn configured_rules(cfg: &config::Config) -> Result<Vec<Box<dyn rule::Rule>>, String> {
    let mut rules = ngxlint_rules::all();
    let known = config::known_checks();
    let file = cfg
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from(config::FILE_NAME));
    for (key, rc) in &cfg.rules {
        // `config::load` checked the keys already; a configuration built otherwise is checked here.
        config::check_code(key, &known, "[rules]", &file)?;
        if let Some(r) = rules
            .iter_mut()
            .find(|r| r.meta().code.eq_ignore_ascii_case(key) || r.meta().name == key)
        {
            for (k, v) in &rc.options {
                r.configure(k, v)
                    .map_err(|e| format!("[rules.{key}] {e}"))?;
            }
        } else if !rc.options.is_empty() {
            return Err(format!("[rules.{key}] has no options"));
        }
    }
    // Only the rules the selection runs: a rule not run costs nothing.
    rules.retain(|r| {
        let m = r.meta();
        cfg.runs(m.code, m.name, m.default == rule::Enabled::OptIn)
    });
    Ok(rules)
}

/// Severity overrides, `select`/`ignore`, rules turned off, and per-path overrides.
fn apply_config(
    cfg: &config::Config,
    files: &ngxlint_engine::Files,
    diags: Vec<ngxlint_engine::Diagnostic>,
) -> Vec<ngxlint_engine::Diagnostic> {
    let base = cfg
        .path
        .as_ref()
        .and_then(|p| p.parent())
        .and_then(|p| std::fs::canonicalize(p).ok());
    diags
        .into_iter()
        .filter_map(|mut d| {
            let sel = |s: &String| config::selects(s, d.code, d.name);
            if !cfg.select.is_empty() && !cfg.select.iter().any(sel) {
                return None;
            }
            if cfg.ignore.iter().any(sel) {
                return None;
            }
            for (k, rc) in &cfg.rules {
                if config::selects(k, d.code, d.name)
                    && (k == d.name || k.eq_ignore_ascii_case(d.code))
                {
                    if rc.off {
                        return None;
                    }
                    if let Some(s) = rc.severity {
                        d.severity = s;
                    }
                }
            }
            if let Some(base) = &base {
                let f = files.get(d.file);
                let abs = std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone());
                if let Ok(rel) = abs.strip_prefix(base) {
                    let rel = rel.to_string_lossy();
                    for o in &cfg.overrides {
                        if !o.paths.iter().any(|p| config::path_matches(p, &rel)) {
                            continue;
                        }
                        if o.ignore.iter().any(|s| config::selects(s, d.code, d.name)) {
                            return None;
                        }
                        for (k, s) in &o.severity {
                            if k == d.name || k.eq_ignore_ascii_case(d.code) {
                                d.severity = *s;
                            }
                        }
                    }
                }
            }
            Some(d)
        })
        .collect()
}

fn init(force: bool) -> Result<ExitCode, String> {
    let path = PathBuf::from(config::FILE_NAME);
    if path.exists() && !force {
        return Err(format!(
            "{} exists; pass --force to overwrite it",
            path.display()
        ));
    }
    std::fs::write(&path, config::STARTER).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// One lint run with a configuration: the project (around `paths`), the rules, suppressions and
/// configuration applied. With `given_only`, and only files given, the project around them is read
/// and the findings located in them (or pointing into them) are returned.
pub fn lint(
    read: &ReadArgs,
    cfg: &config::Config,
    paths: &[PathBuf],
    given_only: bool,
    overlays: Vec<(PathBuf, Vec<u8>)>,
    cache: Option<std::sync::Arc<ngxlint_engine::nginx::ParseCache>>,
) -> Result<(Project, Vec<ngxlint_engine::Diagnostic>), String> {
    let paths: Vec<PathBuf> = paths.iter().map(|p| without_parent_dirs(p)).collect();
    let paths = paths.as_slice();
    let mut opts = options_without_table(read, paths, cfg)?;
    opts.defer_checks = true;
    let rules = configured_rules(cfg)?;
    let settings = settings(read, cfg)?;
    // An editor's buffer (`--stdin-filename`, the language server) may be a file not saved yet.
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let buffer = |p: &PathBuf| overlays.iter().any(|(o, _)| abs(o) == abs(p));
    for p in paths {
        if std::fs::symlink_metadata(p).is_err() && !buffer(p) {
            return Err(format!("{}: No such file or directory", p.display()));
        }
    }
    let only_files = given_only && paths.iter().all(|p| p.is_file() || buffer(p));
    opts.overlays = overlays;
    opts.cache = cache;
    // Only files given (pre-commit): the project around them is read, and they are read as named
    // (whatever their names, for what their content is).
    let load_paths = if only_files {
        std::iter::once(opts.root.clone())
            .chain(paths.iter().cloned())
            .collect()
    } else {
        paths.to_vec()
    };
    // The directive table (a millisecond of parsing the embedded tables) is made on the helper
    // core while this one walks the folders, which needs none of it. Files named alone (a
    // pre-commit run) are a small job: no helper is started for it.
    let (table, discovered) = if only_files {
        (
            directive_table(read, cfg),
            Project::discover(&load_paths, &opts),
        )
    } else {
        ngxlint_engine::par::join(
            || directive_table(read, cfg),
            || Project::discover(&load_paths, &opts),
        )
    };
    opts.directives = table?;
    let discovered = discovered.map_err(|e| e.to_string())?;
    let project = Project::load_discovered(discovered, &load_paths, &opts);
    let mut diags = project.diagnostics.clone();
    // nginx's handler checks (left out of the reading) run on a second core while the model is
    // built and the rules start; that core takes its share of the rules' jobs once they are done.
    // A small project (as the reader judges one) is checked on this thread: a thread's start and
    // its allocator's first pages cost more than the checks.
    let (mut found, mut checked) =
        if project.nginx.parsed.len() <= ngxlint_engine::nginx::READ_ALONE {
            let checked = project.check_deferred(&opts.directives);
            let model = Model::build(&project, &opts.directives);
            (rule::run(&project, &model, &settings, &rules), checked)
        } else {
            checks_beside_rules(&project, &opts.directives, &settings, &rules)
        };
    diags.append(&mut checked.diagnostics);
    // Where nginx's handlers refuse a statement, the refusal is the finding (NGX012–NGX017).
    if !checked.refused.is_empty() {
        found.retain(|d| !checked.is_refused(d.file, d.span));
    }
    diags.extend(found);
    let all_rules = ngxlint_rules::all();
    let enabled = |code: &str| {
        rules.iter().any(|r| r.meta().code == code)
            || !all_rules.iter().any(|r| r.meta().code == code)
    };
    let mut diags =
        ngxlint_engine::suppress::apply(&project, diags, &|c| known_code(&all_rules, c), &enabled);
    ngxlint_engine::diagnostic::collapse_groups(&mut diags);
    let mut diags = apply_config(cfg, &project.files, diags);
    if only_files {
        let given: Vec<PathBuf> = paths
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        let given_abs: Vec<PathBuf> = paths.iter().map(|p| abs(p)).collect();
        let is_given = |f: ngxlint_engine::FileId| {
            let file = project.files.get(f);
            std::fs::canonicalize(&file.path).is_ok_and(|c| given.contains(&c))
                // A buffer not saved yet has no canonical path: its server path is the given one.
                || given_abs.contains(&file.server_path)
        };
        diags.retain(|d| is_given(d.file) || d.related.iter().any(|r| is_given(r.file)));
    }
    Ok((project, diags))
}

/// nginx's handler checks on a second thread while this one builds the model and starts the
/// rules' jobs; the second thread takes its share of those jobs once its checks are done. The
/// rules' findings, and what the checks found.
fn checks_beside_rules(
    project: &Project,
    directives: &nginx_syntax::directives::Directives,
    settings: &rule::Settings,
    rules: &[Box<dyn rule::Rule>],
) -> (
    Vec<ngxlint_engine::Diagnostic>,
    ngxlint_engine::nginx::Checked,
) {
    use std::sync::atomic::Ordering;
    use std::sync::{Condvar, Mutex, OnceLock};
    let model: OnceLock<Model<'_>> = OnceLock::new();
    let run: OnceLock<rule::Run<'_, '_>> = OnceLock::new();
    // Opened when the rules' jobs are ready, or when this thread unwinds before they are: the
    // helper never waits for them forever.
    let gate = (Mutex::new(false), Condvar::new());
    /// Opens the gate when dropped.
    struct Release<'a>(&'a (Mutex<bool>, Condvar));
    impl Drop for Release<'_> {
        fn drop(&mut self) {
            let (open, cv) = self.0;
            *open.lock().unwrap_or_else(|e| e.into_inner()) = true;
            cv.notify_all();
        }
    }
    let helper = || {
        let checked = project.check_deferred(directives);
        let (open, cv) = &gate;
        let mut is_open = open.lock().unwrap_or_else(|e| e.into_inner());
        while !*is_open {
            is_open = cv.wait(is_open).unwrap_or_else(|e| e.into_inner());
        }
        drop(is_open);
        let theirs = run.get().map(|r| r.work()).unwrap_or_default();
        (checked, theirs)
    };
    let mine = || {
        let release = Release(&gate);
        let m = model.get_or_init(|| Model::build(project, directives));
        let r = run.get_or_init(|| rule::Run::new(project, m, settings, rules));
        drop(release);
        r.work()
    };
    let ((checked, theirs), mut parts) = ngxlint_engine::par::join(helper, mine);
    parts.extend(theirs);
    let found = match run.get() {
        Some(r) => (r.finish(parts), checked),
        None => (Vec::new(), checked),
    };
    if PROCESS_ENDS_AFTER_RUN.load(Ordering::Relaxed) {
        // Freeing the model's scopes took half a millisecond of the 2,000-server check; the
        // process ends after the report anyway (a language server frees them).
        std::mem::forget(run);
        std::mem::forget(model);
    }
    found
}

/// Set by a command whose process ends after its one lint run (`check`): what the run built is
/// left to the process's end instead of being freed piece by piece.
static PROCESS_ENDS_AFTER_RUN: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

fn check(mut args: CheckArgs) -> Result<ExitCode, String> {
    PROCESS_ENDS_AFTER_RUN.store(true, std::sync::atomic::Ordering::Relaxed);
    args.read.list_files = args.list_files;
    let mut paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut overlays = Vec::new();
    if let Some(name) = &args.stdin_filename {
        // An editor pipes its buffer: lint it as the contents of NAME, inside its project.
        use std::io::Read;
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        overlays.push((name.clone(), buf));
        paths = vec![name.clone()];
    }
    let infos = rule_infos(&ngxlint_rules::all());
    for (flag, list) in [("--select", &args.select), ("--ignore", &args.ignore)] {
        for s in list {
            if !infos.iter().any(|r| config::selects(s, r.code, r.name)) {
                return Err(format!(
                    "{flag} `{s}` names no check; `ngxlint rules` lists them"
                ));
            }
        }
    }
    if (args.fix || args.diff) && !args.list_files {
        // Fixes edit the files of one repository: its configuration's.
        let mut cfg = single_config(&args.read, &paths)?;
        cfg.select_from_command_line(&args.select, &args.ignore);
        return check_fix(&args, &cfg, &paths, overlays);
    }
    let fail_flag = args.fail_level.map(|l| match l {
        FailLevel::Info => Severity::Info,
        FailLevel::Warning => Severity::Warning,
        FailLevel::Error => Severity::Error,
    });
    let mut kept = match &args.baseline {
        Some(file) => Some(baseline::Baseline::read(file)?),
        None => None,
    };
    // Each group of paths under one configuration is a run of its own; the report is one.
    let mut records = Vec::new();
    let mut listing = Vec::new();
    let mut failed = false;
    let mut files = ngxlint_engine::Files::default();
    let mut diags = Vec::new();
    for (mut cfg, group) in configs(&args.read, &paths)? {
        cfg.select_from_command_line(&args.select, &args.ignore);
        let (mut project, mut found) = lint(
            &args.read,
            &cfg,
            &group,
            args.report == Report::Given,
            overlays.clone(),
            None,
        )?;
        if args.list_files {
            listing.append(&mut project.listing);
            continue;
        }
        // A named path that holds no configuration is said so, whatever the format: a green run
        // on nothing is no answer.
        for (_, why) in &project.unlinted {
            let _ = writeln!(std::io::stderr(), "ngxlint: {why}");
        }
        if args.write_baseline.is_some() {
            records.extend(baseline::records(&project.root, &project.files, &found));
        }
        if let Some(b) = &mut kept {
            found = b.filter(&project.root, &project.files, found);
        }
        let fail = fail_flag.unwrap_or(cfg.fail_level.unwrap_or(Severity::Warning));
        failed |= found.iter().any(|d| d.severity >= fail);
        let Project {
            files: run_files,
            nginx,
            fpm,
            ..
        } = project;
        // Freeing the trees costs more than the check itself; the process ends anyway.
        std::mem::forget((nginx, fpm));
        let offset = files.append(run_files);
        diags.extend(found.into_iter().map(|mut d| {
            d.shift_files(offset);
            d
        }));
    }
    if args.list_files {
        // Files named alone (pre-commit's way): the listing of those, not of the root around them.
        if args.report == Report::Given && paths.iter().all(|p| p.is_file()) {
            let named: Vec<PathBuf> = paths.iter().map(|p| absolute_path(p)).collect();
            listing.retain(|l| named.contains(&absolute_path(&l.path)));
        }
        return list_files(&listing, args.format);
    }
    if let Some(file) = &args.write_baseline {
        let n = baseline::write(file, records)?;
        eprintln!("wrote {n} findings to {}", file.display());
        std::mem::forget(files);
        return Ok(ExitCode::SUCCESS);
    }
    render_report(&args, files, diags, failed, &[])
}

/// Renders a run's findings in the chosen format and turns them into the exit code.
fn render_report(
    args: &CheckArgs,
    files: ngxlint_engine::Files,
    mut diags: Vec<ngxlint_engine::Diagnostic>,
    failed: bool,
    fixed: &[fix::Fixed],
) -> Result<ExitCode, String> {
    let all_rules = ngxlint_rules::all();
    render::sort_for_display(&files, &mut diags);

    let stdout = std::io::stdout();
    let tty = stdout.is_terminal();
    // One write per report line was a system call per finding; the report is written in blocks.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let io = match args.format {
        Format::Concise => render::concise(&files, &diags, &mut out),
        Format::Json => render::json(&files, &diags, &mut out),
        Format::Github => render::github(&files, &diags, &mut out),
        Format::Gitlab => render::gitlab(&files, &diags, &mut out),
        Format::Sarif => render::sarif(&files, &diags, &rule_infos(&all_rules), &mut out),
        Format::Pretty => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            let width = terminal_width().unwrap_or(100);
            let r = render::pretty(
                &files,
                &diags,
                render::PrettyOptions {
                    color,
                    links: tty,
                    width,
                },
                &mut out,
            );
            r.and_then(|_| summary(&diags, files.len(), &mut out))
        }
    };
    if let Err(e) = io {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(format!("cannot write the report: {e}"));
        }
    }
    if args.show_fixes {
        // The machine formats keep standard output to themselves.
        let io = match args.format {
            Format::Pretty | Format::Concise => fix::show_fixes(fixed, &mut out),
            _ => fix::show_fixes(fixed, &mut std::io::stderr()),
        };
        quiet_pipe(io)?;
    }
    quiet_pipe(out.flush())?;
    let io_error = diags
        .iter()
        .any(|d| d.code == "NGX009" && d.severity == Severity::Error);
    // Freeing a large project costs more than the check itself; the process ends anyway.
    std::mem::forget(files);
    std::mem::forget(diags);
    if io_error {
        return Ok(ExitCode::from(2));
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `check --fix` / `--diff`: fixes applied to a fixpoint; then the diff, or the files written and
/// what is left reported.
fn check_fix(
    args: &CheckArgs,
    cfg: &config::Config,
    paths: &[PathBuf],
    overlays: Vec<(PathBuf, Vec<u8>)>,
) -> Result<ExitCode, String> {
    let least = if args.unsafe_fixes {
        ngxlint_engine::Applicability::Unsafe
    } else {
        ngxlint_engine::Applicability::Safe
    };
    let stdin = args.stdin_filename.clone();
    let outcome = fix::run(least, overlays, stdin.as_deref(), |overlays| {
        lint(
            &args.read,
            cfg,
            paths,
            args.report == Report::Given,
            overlays,
            None,
        )
    })?;
    if outcome.unsettled {
        eprintln!(
            "ngxlint: fixes were still applying after {} passes; run `ngxlint check --fix` again",
            fix::MAX_PASSES
        );
    }
    let mut out = std::io::stdout().lock();
    if args.diff {
        let io = (|| {
            for c in &outcome.changes {
                out.write_all(fix::unified_diff(c).as_bytes())?;
            }
            Ok(())
        })();
        quiet_pipe(io)?;
        let n = outcome.fixed.len();
        if n > 0 {
            eprintln!(
                "Would fix {n} finding{} in {} file{}",
                if n == 1 { "" } else { "s" },
                outcome.changes.len(),
                if outcome.changes.len() == 1 { "" } else { "s" }
            );
        }
        if args.show_fixes {
            quiet_pipe(fix::show_fixes(&outcome.fixed, &mut std::io::stderr()))?;
        }
        std::mem::forget(outcome.project);
        return Ok(if outcome.changes.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    if let Some(name) = &stdin {
        // An editor's buffer: the fixed text goes back on standard output, the findings left on
        // standard error.
        let canon = std::fs::canonicalize(name).unwrap_or_else(|_| name.clone());
        let text = outcome
            .changes
            .iter()
            .find(|c| c.target == canon)
            .map(|c| c.after.clone())
            .or_else(|| {
                outcome
                    .project
                    .files
                    .iter()
                    .find(|(_, f)| {
                        std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone()) == canon
                    })
                    .map(|(_, f)| f.bytes.to_vec())
            })
            .unwrap_or_default();
        quiet_pipe(out.write_all(&text))?;
        drop(out);
        let mut err = std::io::stderr().lock();
        let _ = render::concise(&outcome.project.files, &outcome.diags, &mut err);
        if args.show_fixes {
            let _ = fix::show_fixes(&outcome.fixed, &mut err);
        }
        let fail = fail_level(args, cfg);
        let failed = outcome.diags.iter().any(|d| d.severity >= fail);
        std::mem::forget(outcome.project);
        return Ok(if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    drop(out);
    fix::write_atomically(&outcome.changes)?;
    if !outcome.fixed.is_empty() && !args.show_fixes {
        let n = outcome.fixed.len();
        eprintln!(
            "ngxlint: fixed {n} finding{} in {} file{}",
            if n == 1 { "" } else { "s" },
            outcome.changes.len(),
            if outcome.changes.len() == 1 { "" } else { "s" }
        );
    }
    for (_, why) in &outcome.project.unlinted {
        let _ = writeln!(std::io::stderr(), "ngxlint: {why}");
    }
    let mut diags = outcome.diags;
    if let Some(file) = &args.baseline {
        let mut kept = baseline::Baseline::read(file)?;
        diags = kept.filter(&outcome.project.root, &outcome.project.files, diags);
    }
    let fail = fail_level(args, cfg);
    let failed = diags.iter().any(|d| d.severity >= fail);
    let Project {
        files, nginx, fpm, ..
    } = outcome.project;
    // Freeing the trees costs more than the check itself; the process ends anyway.
    std::mem::forget((nginx, fpm));
    render_report(args, files, diags, failed, &outcome.fixed)
}

fn fail_level(args: &CheckArgs, cfg: &config::Config) -> Severity {
    match args.fail_level {
        Some(FailLevel::Info) => Severity::Info,
        Some(FailLevel::Warning) => Severity::Warning,
        Some(FailLevel::Error) => Severity::Error,
        None => cfg.fail_level.unwrap_or(Severity::Warning),
    }
}

fn absolute_path(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    abs.components().collect()
}

/// `--list-files`: every file the walk saw, what it is and why.
fn list_files(
    listing: &[ngxlint_engine::project::Listed],
    format: Format,
) -> Result<ExitCode, String> {
    let mut out = std::io::stdout().lock();
    let io = match format {
        Format::Json => {
            let list: Vec<serde_json::Value> = listing
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "path": l.path.to_string_lossy(),
                        "kind": l.kind.as_str(),
                        "linted": l.kind.linted(),
                        "why": l.why,
                    })
                })
                .collect();
            let doc = serde_json::json!({"version": 1, "files": list});
            writeln!(out, "{doc}")
        }
        _ => (|| {
            for l in listing {
                writeln!(
                    out,
                    "{:<10}  {}  ({})",
                    l.kind.as_str(),
                    l.path.display(),
                    l.why
                )?;
            }
            Ok(())
        })(),
    };
    quiet_pipe(io)?;
    Ok(ExitCode::SUCCESS)
}

/// Every check with its default severity and document: the readers' (nginx's and php-fpm's),
/// then the rules. `ngxlint rules`, `ngxlint rule` and SARIF's rule list all read this.
pub fn rule_infos(rules: &[Box<dyn rule::Rule>]) -> Vec<render::RuleInfo> {
    let mut v: Vec<render::RuleInfo> = ngxlint_engine::codes::reader_codes()
        .iter()
        .map(|c| render::RuleInfo {
            code: c.code,
            name: c.name,
            summary: c.summary,
            severity: c.severity,
            doc: c.doc,
            family: "reader",
            default: rule::Enabled::On.as_str(),
            aliases: ngxlint_engine::codes::reader_aliases(c.code),
        })
        .collect();
    v.extend(rules.iter().map(|r| {
        let m = r.meta();
        render::RuleInfo {
            code: m.code,
            name: m.name,
            summary: m.summary,
            severity: m.severity,
            doc: m.doc,
            family: m.family.as_str(),
            default: m.default.as_str(),
            aliases: m.aliases,
        }
    }));
    v
}

/// A code or name of any check, as (code, name).
pub fn known_code(rules: &[Box<dyn rule::Rule>], c: &str) -> Option<(&'static str, &'static str)> {
    if let Some(r) = ngxlint_engine::codes::reader_code(c) {
        return Some((r.code, r.name));
    }
    ngxlint_rules::find(rules, c).map(|r| (r.meta().code, r.meta().name))
}

fn settings(read: &ReadArgs, cfg: &config::Config) -> Result<Settings, String> {
    let mut worker_groups = cfg.worker_groups.clone();
    worker_groups.extend(read.worker_groups.iter().cloned());
    let nginx_version = nginx_version(read, cfg)?;
    let worker_user = read
        .nginx_user
        .clone()
        .or_else(|| cfg.worker_user.clone())
        .map(|u| match u.split_once(':') {
            Some((user, group)) => (user.to_string(), group.to_string()),
            None => (u.clone(), u),
        });
    Ok(Settings {
        worker_groups,
        nginx_version,
        nginx_version_pinned: read.nginx_version.is_some() || cfg.nginx_version.is_some(),
        worker_user,
    })
}

/// The nginx version the configuration is for: `--nginx-version`, `[nginx] version`, or the newest
/// stable release the tables hold.
fn nginx_version(read: &ReadArgs, cfg: &config::Config) -> Result<(u32, u32, u32), String> {
    Ok(match &read.nginx_version {
        Some(v) => config::parse_version(v)
            .ok_or_else(|| format!("--nginx-version `{v}`: expected X.Y.Z"))?,
        None => cfg
            .nginx_version
            .unwrap_or(Settings::default().nginx_version),
    })
}

fn list_rules(format: RulesFormat) -> Result<ExitCode, String> {
    let infos = rule_infos(&ngxlint_rules::all());
    let mut out = std::io::stdout().lock();
    let io = match format {
        RulesFormat::Text => (|| -> std::io::Result<()> {
            for r in &infos {
                let opt_in = if r.default == rule::Enabled::OptIn.as_str() {
                    "(opt-in) "
                } else {
                    ""
                };
                writeln!(
                    out,
                    "{}  {:<32} {:<8} {opt_in}{}",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    r.summary
                )?;
            }
            Ok(())
        })(),
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = infos
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code,
                        "name": r.name,
                        "severity": r.severity.as_str(),
                        "default": r.default,
                        "family": r.family,
                        "aliases": r.aliases,
                        "summary": r.summary,
                        "url": render::rule_url(r.code),
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::json!({"version": 1, "rules": list}))
        }
    };
    quiet_pipe(io)?;
    Ok(ExitCode::SUCCESS)
}

/// A closed pipe (`ngxlint rules | head`) is not an error.
pub(crate) fn quiet_pipe(r: std::io::Result<()>) -> Result<(), String> {
    match r {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

fn show_rule(code: &str) -> Result<ExitCode, String> {
    let doc = rule_infos(&ngxlint_rules::all())
        .into_iter()
        .find(|r| r.code.eq_ignore_ascii_case(code) || r.name == code)
        .map(|r| r.doc)
        .ok_or_else(|| format!("no rule `{code}`; `ngxlint rules` lists them"))?;
    let mut out = std::io::stdout().lock();
    quiet_pipe(out.write_all(doc.as_bytes()))?;
    Ok(ExitCode::SUCCESS)
}

fn summary(
    diags: &[ngxlint_engine::Diagnostic],
    files: usize,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let files = plural(files, "file", "files");
    if diags.is_empty() {
        return writeln!(out, "{files} checked, no findings");
    }
    let e = plural(count(Severity::Error), "error", "errors");
    let w = plural(count(Severity::Warning), "warning", "warnings");
    let i = plural(count(Severity::Info), "note", "notes");
    writeln!(out, "{files} checked: {e}, {w}, {i}")
}

fn terminal_width() -> Option<usize> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&w: &usize| w >= 40)
}

/// `parse --format crossplane`: what `crossplane parse PATH` prints, read from the disk as
/// crossplane reads it (files named as given, relative to the current folder); `--pretty` is
/// crossplane's `--indent 4`.
fn parse_crossplane(args: &ParseArgs) -> Result<ExitCode, String> {
    let indent = args.pretty.then_some(4);
    let text = crossplane_format::payload(&args.path.to_string_lossy(), indent);
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(format!("cannot write: {e}"));
        }
    }
    Ok(
        if text.starts_with("{\"status\":\"ok\"") || text.starts_with("{\n    \"status\": \"ok\"") {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}

fn parse(args: ParseArgs) -> Result<ExitCode, String> {
    if let ParseFormat::Crossplane = args.format {
        return parse_crossplane(&args);
    }
    let paths = vec![args.path.clone()];
    let cfg = load_config(&args.read, &args.path)?;
    let mut opts = options(&args.read, &paths, &cfg)?;
    // crossplane reads what is on disk: a missing stock file is a missing file there, and a
    // template is not the file it renders to.
    opts.stock_files = false;
    opts.templates = false;
    let project = Project::load(&paths, &opts).map_err(|e| e.to_string())?;
    let payload = crossplane::payload(&project);
    let text = if args.pretty {
        serde_json::to_string_pretty(&payload)
    } else {
        serde_json::to_string(&payload)
    };
    let text = text.map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}") {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(format!("cannot write: {e}"));
        }
    }
    let failed = payload.get("status").and_then(|s| s.as_str()) != Some("ok");
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
