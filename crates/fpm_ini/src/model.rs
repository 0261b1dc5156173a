//! The typed configuration: `[global]` and each pool, php-fpm's defaults filled in, every
//! explicit value remembering where it was set.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use crate::diag::Diagnostic;
use crate::span::Span;
use crate::syntax::{ParsedFile, PhpVersion};
pub use crate::values::PmStyle;

/// Where a value was set: the file and the spans of its key and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin {
    /// Index into [`FpmConfig::files`].
    pub file: usize,
    /// The key token.
    pub key: Span,
    /// The value token.
    pub value: Span,
}

/// A value with php-fpm's default applied; `origin` is `None` when the default is in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value php-fpm uses.
    pub value: T,
    /// Where it was set, if it was.
    pub origin: Option<Origin>,
}

impl<T> Setting<T> {
    /// php-fpm's default.
    pub fn default_value(value: T) -> Setting<T> {
        Setting {
            value,
            origin: None,
        }
    }

    /// Whether the file sets it.
    pub fn is_explicit(&self) -> bool {
        self.origin.is_some()
    }
}

/// The last value of an explicitly set key, as text, with every place it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSetting {
    /// The text php-fpm received (after quoting, `${VAR}` and `$pool`).
    pub value: String,
    /// The place that wins (the last one).
    pub origin: Origin,
    /// Earlier places, overridden.
    pub earlier: Vec<Origin>,
}

/// One `php_value[…]`, `php_flag[…]`, `env[…]` (…) entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayValue {
    /// The key inside the brackets.
    pub key: String,
    /// The value (`"1"`/`"0"` for flags).
    pub value: String,
    /// Where it was set.
    pub origin: Origin,
}

/// Address a pool listens on (`listen`), classified as php-fpm does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    /// `9000`: every interface (`[::]`, IPv4-mapped; 0.0.0.0 as a fallback).
    AllInterfaces {
        /// The port (`atoi` of the text; may be out of range).
        port: i32,
    },
    /// `127.0.0.1:9000`, `[::1]:9000`.
    Ip {
        /// The address.
        addr: IpAddr,
        /// The port.
        port: i32,
    },
    /// `localhost:9000`: php-fpm binds only the first address the name resolves to; not resolved here.
    Host {
        /// The host name as written (brackets stripped).
        host: String,
        /// The port.
        port: i32,
    },
    /// A unix socket, made absolute against pool prefix, global prefix or the FPM prefix.
    Unix {
        /// The absolute path.
        path: String,
    },
}

impl Listen {
    /// Classifies a `listen` value (`fpm_sockets_domain_from_address()`); `prefix` makes relative socket paths absolute.
    pub fn classify(raw: &str, prefix: &str) -> Listen {
        if let Some((host, port)) = raw.rsplit_once(':') {
            let port = crate::syntax::atoi(port.as_bytes());
            let host = host
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .unwrap_or(host);
            return match host.parse::<IpAddr>() {
                Ok(addr) => Listen::Ip { addr, port },
                Err(_) => Listen::Host {
                    host: host.to_string(),
                    port,
                },
            };
        }
        if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
            return Listen::AllInterfaces {
                port: crate::syntax::atoi(raw.as_bytes()),
            };
        }
        Listen::Unix {
            path: full_path(raw, prefix),
        }
    }

    /// Whether this is a unix socket.
    pub fn is_unix(&self) -> bool {
        matches!(self, Listen::Unix { .. })
    }

    /// The TCP port, for TCP addresses.
    pub fn port(&self) -> Option<i32> {
        match self {
            Listen::AllInterfaces { port }
            | Listen::Ip { port, .. }
            | Listen::Host { port, .. } => Some(*port),
            Listen::Unix { .. } => None,
        }
    }
}

impl fmt::Display for Listen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Listen::AllInterfaces { port } => write!(f, "*:{port}"),
            Listen::Ip {
                addr: IpAddr::V6(a),
                port,
            } => write!(f, "[{a}]:{port}"),
            Listen::Ip { addr, port } => write!(f, "{addr}:{port}"),
            Listen::Host { host, port } => write!(f, "{host}:{port}"),
            Listen::Unix { path } => write!(f, "unix:{path}"),
        }
    }
}

/// `fpm_evaluate_full_path()` without `$prefix`: a relative path goes under `prefix`.
pub(crate) fn full_path(path: &str, prefix: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{prefix}/{path}")
    }
}

/// Owner of the unix socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketOwner {
    /// Not set (or overridden by ACLs): the user the master runs as, normally root.
    MasterUser,
    /// A user name.
    Named(String),
    /// A numeric uid.
    Uid(u32),
}

/// Group of the unix socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketGroup {
    /// Not set: the master's group, normally root.
    MasterGroup,
    /// A group name.
    Named(String),
    /// A numeric gid.
    Gid(u32),
    /// `listen.owner` names a user and `listen.group` is unset: that user's primary group.
    PrimaryGroupOf(String),
}

impl fmt::Display for SocketOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocketOwner::MasterUser => f.write_str("the master's user (root)"),
            SocketOwner::Named(n) => f.write_str(n),
            SocketOwner::Uid(u) => write!(f, "uid {u}"),
        }
    }
}

impl fmt::Display for SocketGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocketGroup::MasterGroup => f.write_str("the master's group (root)"),
            SocketGroup::Named(n) => f.write_str(n),
            SocketGroup::Gid(g) => write!(f, "gid {g}"),
            SocketGroup::PrimaryGroupOf(u) => write!(f, "primary group of {u}"),
        }
    }
}

/// One pool, php-fpm's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// The section name (as written the first time; later headers match it case-insensitively).
    pub name: String,
    /// Every header that opened or reopened the pool: (file, span of the name).
    pub headers: Vec<(usize, Span)>,
    /// `prefix`, made absolute.
    pub prefix: Setting<Option<String>>,
    /// `user`.
    pub user: Setting<Option<String>>,
    /// `group` (unset = the user's primary group).
    pub group: Setting<Option<String>>,
    /// `listen` as written (after `${VAR}` and `$pool`).
    pub listen: Setting<Option<String>>,
    /// `listen` classified and resolved.
    pub listen_address: Option<Listen>,
    /// `listen.backlog` (Debian 8.2.35 default -1: the kernel's somaxconn).
    pub listen_backlog: Setting<i32>,
    /// Socket owner (`listen.owner`).
    pub listen_owner: Setting<SocketOwner>,
    /// Socket group (`listen.group`).
    pub listen_group: Setting<SocketGroup>,
    /// Socket mode (`listen.mode`, default 0660).
    pub listen_mode: Setting<u32>,
    /// `listen.acl_users`, split on commas.
    pub listen_acl_users: Setting<Vec<String>>,
    /// `listen.acl_groups`, split on commas.
    pub listen_acl_groups: Setting<Vec<String>>,
    /// `listen.allowed_clients`, split on commas (not trimmed, as php-fpm does not); `None` = anyone.
    pub listen_allowed_clients: Setting<Option<Vec<String>>>,
    /// `process.priority` (`None` = unset).
    pub process_priority: Setting<Option<i32>>,
    /// `process.dumpable`.
    pub process_dumpable: Setting<bool>,
    /// `pm` (`None` = missing, which php-fpm refuses).
    pub pm: Setting<Option<PmStyle>>,
    /// `pm.max_children`.
    pub pm_max_children: Setting<i32>,
    /// `pm.start_servers` (dynamic default: min + (max − min) / 2).
    pub pm_start_servers: Setting<i32>,
    /// `pm.min_spare_servers`.
    pub pm_min_spare_servers: Setting<i32>,
    /// `pm.max_spare_servers`.
    pub pm_max_spare_servers: Setting<i32>,
    /// `pm.max_spawn_rate` (default 32).
    pub pm_max_spawn_rate: Setting<i32>,
    /// `pm.process_idle_timeout` in seconds (default 10).
    pub pm_process_idle_timeout: Setting<i32>,
    /// `pm.max_requests` (default 0: never respawn).
    pub pm_max_requests: Setting<i32>,
    /// `pm.status_path`.
    pub pm_status_path: Setting<Option<String>>,
    /// `pm.status_listen`.
    pub pm_status_listen: Setting<Option<String>>,
    /// `ping.path`.
    pub ping_path: Setting<Option<String>>,
    /// `ping.response` (default `pong` when `ping.path` is set).
    pub ping_response: Setting<Option<String>>,
    /// `access.log`.
    pub access_log: Setting<Option<String>>,
    /// `access.format`.
    pub access_format: Setting<Option<String>>,
    /// `access.suppress_path[]` entries.
    pub access_suppress_paths: Vec<ArrayValue>,
    /// `slowlog`.
    pub slowlog: Setting<Option<String>>,
    /// `request_slowlog_timeout` in seconds (default 0: off).
    pub request_slowlog_timeout: Setting<i32>,
    /// `request_slowlog_trace_depth` (default 20).
    pub request_slowlog_trace_depth: Setting<i32>,
    /// `request_terminate_timeout` in seconds (default 0: off).
    pub request_terminate_timeout: Setting<i32>,
    /// `request_terminate_timeout_track_finished`.
    pub request_terminate_timeout_track_finished: Setting<bool>,
    /// `rlimit_files`.
    pub rlimit_files: Setting<Option<i32>>,
    /// `rlimit_core` (-1 = unlimited).
    pub rlimit_core: Setting<Option<i32>>,
    /// `chroot`.
    pub chroot: Setting<Option<String>>,
    /// `chdir`.
    pub chdir: Setting<Option<String>>,
    /// `catch_workers_output` (default no).
    pub catch_workers_output: Setting<bool>,
    /// `decorate_workers_output` (default yes).
    pub decorate_workers_output: Setting<bool>,
    /// `clear_env` (default yes).
    pub clear_env: Setting<bool>,
    /// `security.limit_extensions` (default `.php .phar`).
    pub security_limit_extensions: Setting<Vec<String>>,
    /// `apparmor_hat`.
    pub apparmor_hat: Setting<Option<String>>,
    /// `php_value[]` and `php_flag[]`, in file order.
    pub php_values: Vec<ArrayValue>,
    /// `php_admin_value[]` and `php_admin_flag[]`, in file order.
    pub php_admin_values: Vec<ArrayValue>,
    /// `env[]`, in file order.
    pub env: Vec<ArrayValue>,
    /// Every explicit scalar key (canonical lower-case name) with its last value.
    pub raw: BTreeMap<&'static str, RawSetting>,
    /// Keys whose last value comes from php-fpm's environment at start-up (`${VAR}` with no
    /// environment given): set, to a value not known here. Their fields hold php-fpm's default.
    pub from_env: Vec<(&'static str, Origin)>,
}

impl Pool {
    /// Whether a key's value comes from the environment at start-up (set, but not known here).
    pub fn from_env(&self, key: &str) -> bool {
        self.from_env
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(key))
    }

    /// Whether any key with this prefix (`pm.`, `listen.`) comes from the environment.
    pub fn any_from_env(&self, prefix: &str) -> bool {
        self.from_env.iter().any(|(k, _)| k.starts_with(prefix))
    }

    /// The explicit setting of a key (canonical name, e.g. `pm.max_children`), if set.
    pub fn get(&self, key: &str) -> Option<&RawSetting> {
        let lower = key.to_ascii_lowercase();
        self.raw.get(lower.as_str())
    }

    /// The span of the first section header, for diagnostics about the whole pool.
    pub fn header(&self) -> (usize, Span) {
        self.headers.first().copied().unwrap_or_default()
    }

    /// The effective PHP ini value `name` in this pool: admin values win over plain ones; later entries win.
    pub fn php_ini(&self, name: &str) -> Option<&ArrayValue> {
        self.php_admin_values
            .iter()
            .rev()
            .find(|v| v.key == name)
            .or_else(|| self.php_values.iter().rev().find(|v| v.key == name))
    }
}

/// One `include=` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// The pattern as written.
    pub pattern: String,
    /// The pattern made absolute with the FPM prefix.
    pub resolved: String,
    /// Where it was written.
    pub origin: Origin,
    /// The files it loaded (indices into [`FpmConfig::files`]).
    pub files: Vec<usize>,
}

/// The `[global]` section, php-fpm's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalConfig {
    /// `pid` as written.
    pub pid: Setting<Option<String>>,
    /// `error_log` as written (default `log/php-fpm.log`).
    pub error_log: Setting<String>,
    /// `syslog.ident` (default `php-fpm`).
    pub syslog_ident: Setting<String>,
    /// `syslog.facility` (default `daemon`).
    pub syslog_facility: Setting<String>,
    /// `log_buffering` (default yes).
    pub log_buffering: Setting<bool>,
    /// `log_level` (default `notice`).
    pub log_level: Setting<String>,
    /// `log_limit` (default 1024).
    pub log_limit: Setting<i32>,
    /// `emergency_restart_threshold` (default 0: off).
    pub emergency_restart_threshold: Setting<i32>,
    /// `emergency_restart_interval` in seconds (default 0).
    pub emergency_restart_interval: Setting<i32>,
    /// `process_control_timeout` in seconds (default 0).
    pub process_control_timeout: Setting<i32>,
    /// `process.max` (default 0: no limit).
    pub process_max: Setting<i32>,
    /// `process.priority` (`None` = unset).
    pub process_priority: Setting<Option<i32>>,
    /// `daemonize` (default yes).
    pub daemonize: Setting<bool>,
    /// `rlimit_files`.
    pub rlimit_files: Setting<Option<i32>>,
    /// `rlimit_core` (-1 = unlimited).
    pub rlimit_core: Setting<Option<i32>>,
    /// `events.mechanism` (`None` = the best available: epoll on Linux).
    pub events_mechanism: Setting<Option<String>>,
    /// `systemd_interval` in seconds (default 10).
    pub systemd_interval: Setting<i32>,
    /// Every `include=` line, wherever it was written.
    pub includes: Vec<Include>,
    /// Every explicit key with its last value.
    pub raw: BTreeMap<&'static str, RawSetting>,
}

impl GlobalConfig {
    /// The explicit setting of a key, if set.
    pub fn get(&self, key: &str) -> Option<&RawSetting> {
        let lower = key.to_ascii_lowercase();
        self.raw.get(lower.as_str())
    }
}

/// One file of the configuration.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path php-fpm would open.
    pub path: PathBuf,
    /// The bytes read (empty when unreadable).
    pub bytes: Vec<u8>,
    /// The parse result (`None` when the file could not be read or was not parsed).
    pub parsed: Option<ParsedFile>,
    /// The `include=` value that brought it in: (file, span).
    pub included_from: Option<(usize, Span)>,
}

impl SourceFile {
    /// 1-based line and column (in bytes) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let end = (offset as usize).min(self.bytes.len());
        let before = &self.bytes[..end];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }
}

/// A whole PHP-FPM configuration: files, global section, pools and diagnostics.
#[derive(Debug, Clone)]
pub struct FpmConfig {
    /// The file table: every span is (index into this, span).
    pub files: Vec<SourceFile>,
    /// `[global]`.
    pub global: GlobalConfig,
    /// Pools, in the order php-fpm creates them.
    pub pools: Vec<Pool>,
    /// Everything php-fpm -t (and the start) would say, plus the linter's warnings.
    pub diagnostics: Vec<Diagnostic>,
    /// The PHP version the configuration was read for.
    pub php_version: PhpVersion,
}

impl FpmConfig {
    /// The pool with this name (compared as php-fpm does, case-insensitively).
    pub fn pool(&self, name: &str) -> Option<&Pool> {
        self.pools
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Pools whose `listen` resolves to `addr`.
    pub fn pools_listening_on<'a>(
        &'a self,
        addr: &'a Listen,
    ) -> impl Iterator<Item = &'a Pool> + 'a {
        self.pools
            .iter()
            .filter(move |p| p.listen_address.as_ref() == Some(addr))
    }

    /// Whether php-fpm would refuse this configuration (any error).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}
