//! The stable diagnostic codes. Never renumber or reuse one; the crate docs carry the same table.

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

/// Every code, for the table in the docs and the uniqueness test.
pub const ALL: &[&str] = &[
    SYNTAX,
    VALUE_NULL,
    LEGACY_XML,
    UNKNOWN_ENTRY,
    UNKNOWN_ARRAY,
    ARRAY_KEY_MISSING,
    ARRAY_IN_GLOBAL,
    INVALID_VALUE,
    EMPTY_ENV,
    ARRAY_VALUE,
    POOL_IN_GLOBAL,
    ENV_DEPENDENT,
    FALLBACK_NEEDS_83,
    TIME_MISREAD,
    DUPLICATE_KEY,
    INCLUDE_NO_MATCH,
    INCLUDE_GLOB_FAILED,
    INCLUDE_TOO_DEEP,
    FILE_UNREADABLE,
    NO_POOL,
    USER_NOT_DEFINED,
    NO_LISTEN,
    PROCESS_PRIORITY,
    PM_MISSING,
    PM_MAX_CHILDREN,
    PM_SPARE_POSITIVE,
    PM_SPARE_GT_CHILDREN,
    PM_MAX_SPARE_LT_MIN,
    PM_START_DEFAULT,
    PM_START_RANGE,
    PM_SPAWN_RATE,
    ONDEMAND_EVENTS,
    PM_IDLE_TIMEOUT,
    STATUS_PATH,
    PING_PATH,
    SLOWLOG_REQUIRED,
    SLOWLOG_GT_TERMINATE,
    TRACE_DEPTH,
    PATH_NOT_ABSOLUTE,
    DUPLICATE_LISTEN,
    RUN_AS_ROOT,
    SOCKET_PATH_TOO_LONG,
    LISTEN_LOCALHOST_UNIX,
    ACL_OVERRIDES_OWNER,
    ALLOWED_CLIENTS,
    LOG_LIMIT,
    PROCESS_MAX,
    EVENTS_MECHANISM,
    ONDEMAND_BACKLOG,
    INVALID_PORT,
    LISTEN_MODE,
];

/// The kebab-case name of each code (`FPM050` → `duplicate-listen`), for configuration and output.
pub const NAMES: &[(&str, &str)] = &[
    (SYNTAX, "ini-syntax-error"),
    (VALUE_NULL, "value-is-null"),
    (LEGACY_XML, "legacy-xml"),
    (UNKNOWN_ENTRY, "unknown-entry"),
    (UNKNOWN_ARRAY, "unknown-array"),
    (ARRAY_KEY_MISSING, "array-key-missing"),
    (ARRAY_IN_GLOBAL, "array-in-global"),
    (INVALID_VALUE, "invalid-value"),
    (EMPTY_ENV, "empty-env"),
    (ARRAY_VALUE, "array-value"),
    (POOL_IN_GLOBAL, "pool-in-global"),
    (ENV_DEPENDENT, "env-dependent"),
    (FALLBACK_NEEDS_83, "fallback-needs-83"),
    (TIME_MISREAD, "time-misread"),
    (DUPLICATE_KEY, "duplicate-key"),
    (INCLUDE_NO_MATCH, "include-no-match"),
    (INCLUDE_GLOB_FAILED, "include-glob-failed"),
    (INCLUDE_TOO_DEEP, "include-too-deep"),
    (FILE_UNREADABLE, "file-unreadable"),
    (NO_POOL, "no-pool"),
    (USER_NOT_DEFINED, "user-not-defined"),
    (NO_LISTEN, "no-listen"),
    (PROCESS_PRIORITY, "process-priority"),
    (PM_MISSING, "pm-missing"),
    (PM_MAX_CHILDREN, "pm-max-children"),
    (PM_SPARE_POSITIVE, "pm-spare-positive"),
    (PM_SPARE_GT_CHILDREN, "pm-spare-gt-children"),
    (PM_MAX_SPARE_LT_MIN, "pm-max-spare-lt-min"),
    (PM_START_DEFAULT, "pm-start-default"),
    (PM_START_RANGE, "pm-start-range"),
    (PM_SPAWN_RATE, "pm-spawn-rate"),
    (ONDEMAND_EVENTS, "ondemand-events"),
    (PM_IDLE_TIMEOUT, "pm-idle-timeout"),
    (STATUS_PATH, "status-path"),
    (PING_PATH, "ping-path"),
    (SLOWLOG_REQUIRED, "slowlog-required"),
    (SLOWLOG_GT_TERMINATE, "slowlog-gt-terminate"),
    (TRACE_DEPTH, "trace-depth"),
    (PATH_NOT_ABSOLUTE, "path-not-absolute"),
    (DUPLICATE_LISTEN, "duplicate-listen"),
    (RUN_AS_ROOT, "run-as-root"),
    (SOCKET_PATH_TOO_LONG, "socket-path-too-long"),
    (LISTEN_LOCALHOST_UNIX, "listen-localhost-unix"),
    (ACL_OVERRIDES_OWNER, "acl-overrides-owner"),
    (ALLOWED_CLIENTS, "allowed-clients"),
    (LOG_LIMIT, "log-limit"),
    (PROCESS_MAX, "process-max"),
    (EVENTS_MECHANISM, "events-mechanism"),
    (ONDEMAND_BACKLOG, "ondemand-backlog"),
    (INVALID_PORT, "invalid-port"),
    (LISTEN_MODE, "listen-mode"),
];

/// The name of a code.
pub fn name(code: &str) -> Option<&'static str> {
    NAMES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}
