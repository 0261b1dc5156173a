//! The stable diagnostic codes: each with its name, the severity its diagnostics have and a summary,
//! in one table ([`CODES`]) that `ngxlint rules`, SARIF and the documents in `rules/` read.
//! Never renumber or reuse a code.

use crate::diag::Severity;

/// PHP INI syntax error (`syntax error, unexpected '='`).
pub const SYNTAX: &str = "FPM001";
/// A key without `=` (this is how a `#` line fails): `value is NULL for a ZEND_INI_PARSER_ENTRY`.
pub const VALUE_NULL: &str = "FPM002";
/// The pre-5.3 XML configuration format.
pub const LEGACY_XML: &str = "FPM003";
/// `unknown entry 'foo'`.
pub const UNKNOWN_ENTRY: &str = "FPM004";
/// `unknown directive 'foo'` (an array key on a name that is not an array).
pub const UNKNOWN_ARRAY: &str = "FPM005";
/// `You must provide a key for field '%s'`.
pub const ARRAY_KEY_MISSING: &str = "FPM006";
/// `Array are not allowed in the global section`.
pub const ARRAY_IN_GLOBAL: &str = "FPM007";
/// `unable to parse value for entry '%s': %s`.
pub const INVALID_VALUE: &str = "FPM008";
/// `empty value` for an `env[...]` entry.
pub const EMPTY_ENV: &str = "FPM009";
/// Bad `php_flag[]`/`php_admin_flag[]`/`access.suppress_path[]` entry.
pub const ARRAY_VALUE: &str = "FPM010";
/// `$pool` used in `[global]`.
pub const POOL_IN_GLOBAL: &str = "FPM011";
/// `${VAR}` whose value comes from the environment at start-up.
pub const ENV_DEPENDENT: &str = "FPM012";
/// `${VAR:-default}` needs PHP >= 8.3; older versions expand it to empty.
pub const FALLBACK_NEEDS_83: &str = "FPM013";
/// A time value php-fpm reads differently from how it looks (`100ms`, `1.5m`).
pub const TIME_MISREAD: &str = "FPM014";
/// The same key set twice in one section; the last one wins.
pub const DUPLICATE_KEY: &str = "FPM015";
/// `Nothing matches the include pattern '%s' from %s at line %d.`
pub const INCLUDE_NO_MATCH: &str = "FPM020";
/// `Unable to globalize '%s' (ret=2) from %s at line %d.`
pub const INCLUDE_GLOB_FAILED: &str = "FPM021";
/// `failed to include more than 5 files recursively`.
pub const INCLUDE_TOO_DEEP: &str = "FPM022";
/// An included or main file that cannot be read.
pub const FILE_UNREADABLE: &str = "FPM023";
/// `No pool defined. at least one pool section must be specified in config file`.
pub const NO_POOL: &str = "FPM030";
/// `[pool %s] user has not been defined` (fatal only when the master runs as root).
pub const USER_NOT_DEFINED: &str = "FPM031";
/// `[pool %s] no listen address have been defined!`.
pub const NO_LISTEN: &str = "FPM032";
/// `process.priority must be included into [-19,20]`.
pub const PROCESS_PRIORITY: &str = "FPM033";
/// `[pool %s] the process manager is missing (static, dynamic or ondemand)`.
pub const PM_MISSING: &str = "FPM034";
/// `[pool %s] pm.max_children must be a positive value`.
pub const PM_MAX_CHILDREN: &str = "FPM035";
/// `pm.min_spare_servers(%d)` / `pm.max_spare_servers(%d) must be a positive value`.
pub const PM_SPARE_POSITIVE: &str = "FPM036";
/// `... cannot be greater than pm.max_children(%d)`.
pub const PM_SPARE_GT_CHILDREN: &str = "FPM037";
/// `pm.max_spare_servers(%d) must not be less than pm.min_spare_servers(%d)`.
pub const PM_MAX_SPARE_LT_MIN: &str = "FPM038";
/// NOTICE `pm.start_servers is not set. It's been set to %d.`
pub const PM_START_DEFAULT: &str = "FPM039";
/// `pm.start_servers(%d) must not be less than pm.min_spare_servers(%d) and not greater than pm.max_spare_servers(%d)`.
pub const PM_START_RANGE: &str = "FPM040";
/// `pm.max_spawn_rate must be a positive value`.
pub const PM_SPAWN_RATE: &str = "FPM041";
/// `ondemand process manager can ONLY be used when events.mechanism is either epoll (Linux) or kqueue (*BSD).`
pub const ONDEMAND_EVENTS: &str = "FPM042";
/// `pm.process_idle_timeout(%ds) must be greater than 0s`.
pub const PM_IDLE_TIMEOUT: &str = "FPM043";
/// Invalid `pm.status_path`.
pub const STATUS_PATH: &str = "FPM044";
/// Invalid `ping.path` / `ping.response`.
pub const PING_PATH: &str = "FPM045";
/// `'slowlog' must be specified for use with 'request_slowlog_timeout'` (or `_trace_depth`).
pub const SLOWLOG_REQUIRED: &str = "FPM046";
/// `'request_slowlog_timeout' (%d) can't be greater than 'request_terminate_timeout' (%d)`.
pub const SLOWLOG_GT_TERMINATE: &str = "FPM047";
/// `'request_slowlog_trace_depth' (%d) must be a positive value`.
pub const TRACE_DEPTH: &str = "FPM048";
/// `the chroot path '%s' must start with a '/'` (also chdir, `$prefix` misuse).
pub const PATH_NOT_ABSOLUTE: &str = "FPM049";
/// `unable to set listen address as it's already used in another pool '%s'`.
pub const DUPLICATE_LISTEN: &str = "FPM050";
/// `please specify user and group other than root` (start fails without `-R`; `-t` passes).
pub const RUN_AS_ROOT: &str = "FPM051";
/// Unix socket path of 108 bytes or more (8.2 truncates it silently, 8.3+ fails).
pub const SOCKET_PATH_TOO_LONG: &str = "FPM052";
/// `listen = localhost` (no port) is a unix socket file named `localhost`.
pub const LISTEN_LOCALHOST_UNIX: &str = "FPM053";
/// `ACL set, listen.owner = '%s' is ignored` (and group).
pub const ACL_OVERRIDES_OWNER: &str = "FPM054";
/// `Wrong IP address '%s' in listen.allowed_clients` / `There are no allowed addresses`.
pub const ALLOWED_CLIENTS: &str = "FPM055";
/// `log_limit must be greater than 512`.
pub const LOG_LIMIT: &str = "FPM056";
/// `process_max can't be negative`.
pub const PROCESS_MAX: &str = "FPM057";
/// `event mechanism '%s' is not available on this system`.
pub const EVENTS_MECHANISM: &str = "FPM058";
/// `listen.backlog(%d) was too low for the ondemand process manager. I updated it for you to %d.`
pub const ONDEMAND_BACKLOG: &str = "FPM059";
/// `invalid port value '%s'` (start fails; `-t` passes).
pub const INVALID_PORT: &str = "FPM060";
/// `listen.mode` that is not an octal number.
pub const LISTEN_MODE: &str = "FPM061";

/// Codes whose errors php-fpm finds only when it really starts, not with `-t`.
pub const START_ONLY: &[&str] = &[RUN_AS_ROOT, INVALID_PORT];

/// One check of the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// Stable code, `FPM031`.
    pub code: &'static str,
    /// Stable kebab-case name, `user-not-defined`.
    pub name: &'static str,
    /// The severity of its diagnostics (the default `ngxlint rules` and SARIF show).
    pub severity: Severity,
    /// Other severities some of its diagnostics have; its document says when.
    pub also: &'static [Severity],
    /// One line: what it finds.
    pub summary: &'static str,
}

const fn code(
    code: &'static str,
    name: &'static str,
    severity: Severity,
    summary: &'static str,
) -> Code {
    code_also(code, name, severity, &[], summary)
}

const fn code_also(
    code: &'static str,
    name: &'static str,
    severity: Severity,
    also: &'static [Severity],
    summary: &'static str,
) -> Code {
    Code {
        code,
        name,
        severity,
        also,
        summary,
    }
}

/// Every code, in code order.
pub const CODES: &[Code] = &[
    code(
        SYNTAX,
        "ini-syntax-error",
        Severity::Error,
        "a line php-fpm's INI parser rejects (`syntax error, unexpected ...`)",
    ),
    code(
        VALUE_NULL,
        "value-is-null",
        Severity::Error,
        "a key without `=`, such as a `#` comment line",
    ),
    code(
        LEGACY_XML,
        "legacy-xml",
        Severity::Error,
        "the PHP 5.2 XML configuration format",
    ),
    code(
        UNKNOWN_ENTRY,
        "unknown-entry",
        Severity::Error,
        "a setting php-fpm does not know in its section",
    ),
    code(
        UNKNOWN_ARRAY,
        "unknown-array",
        Severity::Error,
        "`name[key]` on a setting that takes no key",
    ),
    code(
        ARRAY_KEY_MISSING,
        "array-key-missing",
        Severity::Error,
        "`php_value[]` (or another array setting) without a key",
    ),
    code(
        ARRAY_IN_GLOBAL,
        "array-in-global",
        Severity::Error,
        "`php_value[...]`, `env[...]` and the like in `[global]`",
    ),
    code(
        INVALID_VALUE,
        "invalid-value",
        Severity::Error,
        "a value php-fpm cannot parse for its setting (number, time, boolean, ...)",
    ),
    code(
        EMPTY_ENV,
        "empty-env",
        Severity::Error,
        "`env[NAME]` with an empty value",
    ),
    code(
        ARRAY_VALUE,
        "array-value",
        Severity::Error,
        "a bad `php_flag[]`, `php_admin_flag[]` or `access.suppress_path[]` entry",
    ),
    code(
        POOL_IN_GLOBAL,
        "pool-in-global",
        Severity::Error,
        "`$pool` in `[global]`, where there is no pool to name",
    ),
    code_also(
        ENV_DEPENDENT,
        "env-dependent",
        Severity::Info,
        &[Severity::Warning],
        "a `${VAR}` value php-fpm takes from its environment at start-up",
    ),
    code(
        FALLBACK_NEEDS_83,
        "fallback-needs-83",
        Severity::Warning,
        "`${VAR:-default}` before PHP 8.3, which expands it to an empty string",
    ),
    code(
        TIME_MISREAD,
        "time-misread",
        Severity::Warning,
        "a time such as `100ms` or `1.5m` that php-fpm reads as another number of seconds",
    ),
    code_also(
        DUPLICATE_KEY,
        "duplicate-key",
        Severity::Warning,
        &[Severity::Info],
        "a setting set twice in one section (the last value wins)",
    ),
    code(
        INCLUDE_NO_MATCH,
        "include-no-match",
        Severity::Warning,
        "an `include=` pattern that matches no file",
    ),
    code(
        INCLUDE_GLOB_FAILED,
        "include-glob-failed",
        Severity::Error,
        "an `include=` pattern whose folder does not exist or cannot be read",
    ),
    code(
        INCLUDE_TOO_DEEP,
        "include-too-deep",
        Severity::Error,
        "includes nested more than 5 files deep",
    ),
    code(
        FILE_UNREADABLE,
        "file-unreadable",
        Severity::Error,
        "a configuration file that cannot be read",
    ),
    code(
        NO_POOL,
        "no-pool",
        Severity::Error,
        "a configuration without any pool section",
    ),
    code(
        USER_NOT_DEFINED,
        "user-not-defined",
        Severity::Info,
        "a pool without `user` (php-fpm started as root refuses it)",
    ),
    code(
        NO_LISTEN,
        "no-listen",
        Severity::Error,
        "a pool without a `listen` address",
    ),
    code(
        PROCESS_PRIORITY,
        "process-priority",
        Severity::Error,
        "a `process.priority` outside -19..20",
    ),
    code(
        PM_MISSING,
        "pm-missing",
        Severity::Error,
        "a pool without `pm`",
    ),
    code(
        PM_MAX_CHILDREN,
        "pm-max-children",
        Severity::Error,
        "a `pm.max_children` missing or below 1",
    ),
    code(
        PM_SPARE_POSITIVE,
        "pm-spare-positive",
        Severity::Error,
        "a `pm.min_spare_servers` or `pm.max_spare_servers` below 1",
    ),
    code(
        PM_SPARE_GT_CHILDREN,
        "pm-spare-gt-children",
        Severity::Error,
        "spare servers above `pm.max_children`",
    ),
    code(
        PM_MAX_SPARE_LT_MIN,
        "pm-max-spare-lt-min",
        Severity::Error,
        "a `pm.max_spare_servers` below `pm.min_spare_servers`",
    ),
    code(
        PM_START_DEFAULT,
        "pm-start-default",
        Severity::Info,
        "a dynamic pool without `pm.start_servers`: php-fpm picks the number",
    ),
    code(
        PM_START_RANGE,
        "pm-start-range",
        Severity::Error,
        "a `pm.start_servers` outside the spare-server range",
    ),
    code(
        PM_SPAWN_RATE,
        "pm-spawn-rate",
        Severity::Error,
        "a `pm.max_spawn_rate` below 1",
    ),
    code(
        ONDEMAND_EVENTS,
        "ondemand-events",
        Severity::Error,
        "`pm = ondemand` with an event mechanism other than epoll or kqueue",
    ),
    code(
        PM_IDLE_TIMEOUT,
        "pm-idle-timeout",
        Severity::Error,
        "a `pm.process_idle_timeout` below 1s",
    ),
    code(
        STATUS_PATH,
        "status-path",
        Severity::Error,
        "a `pm.status_path` php-fpm refuses",
    ),
    code(
        PING_PATH,
        "ping-path",
        Severity::Error,
        "a `ping.path` or `ping.response` php-fpm refuses",
    ),
    code(
        SLOWLOG_REQUIRED,
        "slowlog-required",
        Severity::Error,
        "`request_slowlog_timeout` or `request_slowlog_trace_depth` without `slowlog`",
    ),
    code(
        SLOWLOG_GT_TERMINATE,
        "slowlog-gt-terminate",
        Severity::Error,
        "a `request_slowlog_timeout` above `request_terminate_timeout`",
    ),
    code(
        TRACE_DEPTH,
        "trace-depth",
        Severity::Error,
        "a `request_slowlog_trace_depth` below 1",
    ),
    code_also(
        PATH_NOT_ABSOLUTE,
        "path-not-absolute",
        Severity::Error,
        &[Severity::Warning],
        "a `chroot` or `chdir` that is not absolute, or `$prefix` not at its start",
    ),
    code(
        DUPLICATE_LISTEN,
        "duplicate-listen",
        Severity::Error,
        "two pools on the same `listen` address",
    ),
    code(
        RUN_AS_ROOT,
        "run-as-root",
        Severity::Error,
        "a pool running as root (the start fails without `-R`; `-t` passes)",
    ),
    code_also(
        SOCKET_PATH_TOO_LONG,
        "socket-path-too-long",
        Severity::Warning,
        &[Severity::Error],
        "a unix socket path of 108 bytes or more",
    ),
    code(
        LISTEN_LOCALHOST_UNIX,
        "listen-localhost-unix",
        Severity::Warning,
        "`listen = localhost` or an IP address without a port: a unix socket file",
    ),
    code(
        ACL_OVERRIDES_OWNER,
        "acl-overrides-owner",
        Severity::Warning,
        "`listen.owner` or `listen.group` beside `listen.acl_*`, which replace them",
    ),
    code(
        ALLOWED_CLIENTS,
        "allowed-clients",
        Severity::Warning,
        "a `listen.allowed_clients` entry that is not an IP address",
    ),
    code(
        LOG_LIMIT,
        "log-limit",
        Severity::Error,
        "a `log_limit` below 512",
    ),
    code(
        PROCESS_MAX,
        "process-max",
        Severity::Error,
        "a negative `process.max`",
    ),
    code(
        EVENTS_MECHANISM,
        "events-mechanism",
        Severity::Error,
        "an `events.mechanism` Linux does not have",
    ),
    code(
        ONDEMAND_BACKLOG,
        "ondemand-backlog",
        Severity::Warning,
        "a `listen.backlog` php-fpm raises for `pm = ondemand`",
    ),
    code(
        INVALID_PORT,
        "invalid-port",
        Severity::Error,
        "a `listen` port outside 1..65535 (the start fails; `-t` passes)",
    ),
    code(
        LISTEN_MODE,
        "listen-mode",
        Severity::Warning,
        "a `listen.mode` that is not an octal number",
    ),
];

/// A code by its code or its name (`FPM031`, `fpm031` or `user-not-defined`).
pub fn find(code_or_name: &str) -> Option<&'static Code> {
    CODES
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code_or_name) || c.name == code_or_name)
}

/// The name of a code.
pub fn name(code: &str) -> Option<&'static str> {
    CODES.iter().find(|c| c.code == code).map(|c| c.name)
}

/// Whether a diagnostic of `code` may have `severity`: its own, or one its document names.
pub fn allows(code: &str, severity: Severity) -> bool {
    CODES
        .iter()
        .any(|c| c.code == code && (c.severity == severity || c.also.contains(&severity)))
}
