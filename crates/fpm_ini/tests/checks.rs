//! One test per php-fpm check: the diagnostic, its wording, its severity and the token it points at.

mod common;

use std::path::Path;

use common::{find, span_text, FsVfs};
use fpm_ini::{codes, FpmConfig, LoadOptions, PhpVersion, Severity};

fn lint_with(src: &str, opts: &LoadOptions) -> FpmConfig {
    fpm_ini::load_source(
        Path::new("/etc/php/8.2/fpm/php-fpm.conf"),
        src.as_bytes().to_vec(),
        opts,
        &FsVfs,
    )
}

fn lint(src: &str) -> FpmConfig {
    lint_with(src, &LoadOptions::default())
}

/// A valid pool plus `extra` lines.
fn pool(extra: &str) -> String {
    format!(
        "[global]\nerror_log = /proc/self/fd/2\n[www]\nuser = www-data\nlisten = /run/php/www.sock\npm = dynamic\npm.max_children = 5\npm.start_servers = 2\npm.min_spare_servers = 1\npm.max_spare_servers = 3\n{extra}\n"
    )
}

/// The diagnostic of `code`: its severity, the token it points at, and its words — php-fpm's
/// exact words where the message quotes them (the rest of the message is ngxlint's), else the
/// whole message.
#[track_caller]
fn expect(c: &FpmConfig, code: &str, sev: Severity, words: &str, token: &str) {
    let Some(d) = find(c, code) else {
        panic!("no {code} in {:#?}", c.diagnostics);
    };
    assert_eq!(d.severity, sev, "{d:?}");
    let shown = fpm_ini::quoted(&d.message).map_or(d.message.as_str(), |(_, w)| w);
    assert_eq!(shown, words, "{}", d.message);
    assert_eq!(span_text(c, d), token, "{d:?}");
}

#[track_caller]
fn clean(c: &FpmConfig) {
    assert!(c.diagnostics.is_empty(), "{:#?}", c.diagnostics);
}

#[test]
fn valid_pool_is_clean() {
    clean(&lint(&pool("")));
}

#[test]
fn unknown_entry_with_suggestion() {
    let c = lint(&pool("pm.max_chidlren = 5"));
    expect(
        &c,
        codes::UNKNOWN_ENTRY,
        Severity::Error,
        "unknown entry 'pm.max_chidlren'",
        "pm.max_chidlren",
    );
    assert_eq!(
        find(&c, codes::UNKNOWN_ENTRY).unwrap().help.as_deref(),
        Some("did you mean `pm.max_children`?")
    );
    let c = lint(&pool("log_level = debug"));
    expect(
        &c,
        codes::UNKNOWN_ENTRY,
        Severity::Error,
        "unknown entry 'log_level'",
        "log_level",
    );
    assert!(find(&c, codes::UNKNOWN_ENTRY)
        .unwrap()
        .help
        .as_deref()
        .unwrap()
        .contains("[global]"));
    // `include` is case-sensitive
    let c = lint(&pool("INCLUDE = /x"));
    expect(
        &c,
        codes::UNKNOWN_ENTRY,
        Severity::Error,
        "unknown entry 'INCLUDE'",
        "INCLUDE",
    );
}

#[test]
fn hash_line() {
    let c = lint(&pool("# pm.max_children = 10"));
    expect(
        &c,
        codes::UNKNOWN_ENTRY,
        Severity::Error,
        "unknown entry '# pm.max_children'",
        "# pm.max_children",
    );
    let c = lint(&pool("# a comment"));
    expect(
        &c,
        codes::VALUE_NULL,
        Severity::Error,
        "value is NULL for a ZEND_INI_PARSER_ENTRY",
        "# a comment",
    );
}

#[test]
fn invalid_values() {
    let c = lint(&pool("request_terminate_timeout = 5M"));
    expect(
        &c,
        codes::INVALID_VALUE,
        Severity::Error,
        "unable to parse value for entry 'request_terminate_timeout': unknown suffix used in time value",
        "5M",
    );
    let c = lint(&pool("pm.max_requests = 5k"));
    expect(
        &c,
        codes::INVALID_VALUE,
        Severity::Error,
        "unable to parse value for entry 'pm.max_requests': is not a valid number (greater or equal than zero)",
        "5k",
    );
    let c = lint(&pool("catch_workers_output = \"TRUE\""));
    expect(
        &c,
        codes::INVALID_VALUE,
        Severity::Error,
        "unable to parse value for entry 'catch_workers_output': invalid boolean value",
        "\"TRUE\"",
    );
    let c = lint(&pool("pm = apache-like"));
    expect(
        &c,
        codes::INVALID_VALUE,
        Severity::Error,
        "unable to parse value for entry 'pm': invalid process manager (static, dynamic or ondemand)",
        "apache-like",
    );
    let c = lint(&pool("rlimit_core = -1"));
    expect(
        &c,
        codes::INVALID_VALUE,
        Severity::Error,
        "unable to parse value for entry 'rlimit_core': must be greater than zero or 'unlimited'",
        "-1",
    );
    let c = lint("[global]\nlog_level = loud\n[www]\nuser = a\nlisten = 9000\npm = static\npm.max_children = 1\n");
    expect(
        &c,
        codes::INVALID_VALUE,
        Severity::Error,
        "unable to parse value for entry 'log_level': invalid value for 'log_level'",
        "loud",
    );
}

#[test]
fn time_values_misread() {
    let c = lint(&pool("request_terminate_timeout = 100ms"));
    let d = find(&c, codes::TIME_MISREAD).unwrap();
    assert_eq!(d.severity, Severity::Warning);
    assert!(d.message.contains("as 100 seconds"), "{}", d.message);
    assert_eq!(span_text(&c, d), "100ms");
    assert_eq!(c.pools[0].request_terminate_timeout.value, 100);
    let c = lint(&pool("request_terminate_timeout = 1.5m"));
    assert!(find(&c, codes::TIME_MISREAD)
        .unwrap()
        .message
        .contains("as 60 seconds"));
    assert_eq!(c.pools[0].request_terminate_timeout.value, 60);
    clean(&lint(&pool("request_terminate_timeout = 10 s")));
    clean(&lint(&pool("request_terminate_timeout = 2m")));
}

#[test]
fn arrays() {
    let c = lint(&pool("php_value[] = 1"));
    expect(
        &c,
        codes::ARRAY_KEY_MISSING,
        Severity::Error,
        "You must provide a key for field 'php_value'",
        "[]",
    );
    let c = lint("[global]\nphp_value[memory_limit] = 1\n[www]\nuser = a\nlisten = 9000\npm = static\npm.max_children = 1\n");
    expect(
        &c,
        codes::ARRAY_IN_GLOBAL,
        Severity::Error,
        "Array are not allowed in the global section",
        "php_value",
    );
    let c = lint(&pool("env[X] ="));
    expect(&c, codes::EMPTY_ENV, Severity::Error, "empty value", "");
    let c = lint(&pool("env[X] = no"));
    expect(&c, codes::EMPTY_ENV, Severity::Error, "empty value", "no");
    // A variable of an environment the run does not know may hold a value (`php-fpm -t` passes
    // with `APPENV=prod` exported): only FPM012's note. Known, and unset, it is empty.
    let c = lint(&pool("env[APPENV] = ${APPENV}"));
    assert!(find(&c, codes::EMPTY_ENV).is_none(), "{:#?}", c.diagnostics);
    let opts = LoadOptions {
        env: Some([("OTHER".to_string(), "x".to_string())].into()),
        ..LoadOptions::default()
    };
    let c = lint_with(&pool("env[APPENV] = ${APPENV}"), &opts);
    expect(
        &c,
        codes::EMPTY_ENV,
        Severity::Error,
        "empty value",
        "${APPENV}",
    );
    let c = lint(&pool("php_flag[display_errors] = maybe"));
    expect(
        &c,
        codes::ARRAY_VALUE,
        Severity::Error,
        "error while parsing 'php_flag[display_errors]' : invalid boolean value",
        "maybe",
    );
    let c = lint(&pool("access.suppress_path[] = ping"));
    expect(
        &c,
        codes::ARRAY_VALUE,
        Severity::Error,
        "Values provided to field 'access.suppress_path' must begin with '/'",
        "ping",
    );
    let c = lint(&pool("listen.foo[x] = 1"));
    expect(
        &c,
        codes::UNKNOWN_ARRAY,
        Severity::Error,
        "unknown directive 'listen.foo'",
        "listen.foo",
    );
    let c = lint(&pool("php_flag[display_errors] = on\nphp_admin_value[memory_limit] = 256M\nenv[PATH] = /usr/bin\nphp_value[session.save_path] = /tmp/$pool"));
    clean(&c);
    let p = &c.pools[0];
    assert_eq!(p.php_values[0].value, "1");
    assert_eq!(p.php_values[1].value, "/tmp/www");
    assert_eq!(p.php_ini("memory_limit").unwrap().value, "256M");
    assert_eq!(p.env[0].key, "PATH");
}

#[test]
fn pool_variable() {
    let c = lint("[global]\npid = /run/$pool.pid\n[www]\nuser = a\nlisten = 9000\npm = static\npm.max_children = 1\n");
    expect(
        &c,
        codes::POOL_IN_GLOBAL,
        Severity::Error,
        "unable to parse value for entry 'pid': Can't use '$pool' when the pool is not defined",
        "/run/$pool.pid",
    );
    let c = lint(&pool("slowlog = /var/log/$pool.slow"));
    assert_eq!(
        c.pools[0].slowlog.value.as_deref(),
        Some("/var/log/www.slow")
    );
}

#[test]
fn env_dependent_values() {
    let src = "[www]\nuser = a\nlisten = ${SOCK}\npm = static\npm.max_children = 1\n";
    let c = lint(src);
    let d = find(&c, codes::ENV_DEPENDENT).unwrap();
    assert_eq!(d.severity, Severity::Info);
    assert!(d
        .message
        .starts_with("the value depends on the environment"));
    assert_eq!(span_text(&c, d), "${SOCK}");
    // Set when the container starts, to a value not known here: not an error, not php-fpm's
    // default either.
    assert!(find(&c, codes::NO_LISTEN).is_none());
    assert!(c.pools[0].from_env("listen"));
    assert_eq!(c.pools[0].listen.value, None);
    // Every check that depends on such a value is left alone.
    let c = lint("[www]\nuser = a\nlisten = /run/a.sock\npm = ${PM}\npm.max_children = ${MAX}\n");
    assert!(
        c.diagnostics.iter().all(|d| d.code == codes::ENV_DEPENDENT),
        "{:?}",
        c.diagnostics
    );
    // A later literal value wins over an earlier one from the environment.
    let c = lint("[www]\nuser = a\nlisten = ${SOCK}\nlisten = /run/b.sock\npm = static\npm.max_children = 1\n");
    assert!(!c.pools[0].from_env("listen"));
    assert_eq!(c.pools[0].listen.value.as_deref(), Some("/run/b.sock"));
    let opts = LoadOptions {
        env: Some([("SOCK".to_string(), "/run/x.sock".to_string())].into()),
        ..LoadOptions::default()
    };
    let c = lint_with(src, &opts);
    clean(&c);
    assert_eq!(c.pools[0].listen.value.as_deref(), Some("/run/x.sock"));
}

#[test]
fn fallback_syntax_by_version() {
    let c = lint(&pool("listen = ${NOPE:-/run/x.sock}"));
    let d = find(&c, codes::FALLBACK_NEEDS_83).unwrap();
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(span_text(&c, d), "${NOPE:-/run/x.sock}");
    assert!(find(&c, codes::NO_LISTEN).is_some());
    let opts = LoadOptions {
        php_version: PhpVersion::V8_3,
        ..LoadOptions::default()
    };
    let c = lint_with(&pool("listen = ${NOPE:-/run/x.sock}"), &opts);
    assert!(find(&c, codes::FALLBACK_NEEDS_83).is_none());
    assert!(find(&c, codes::NO_LISTEN).is_none());
    assert_eq!(c.pools[0].listen.value.as_deref(), Some("/run/x.sock"));
}

#[test]
fn duplicate_key_points_at_both() {
    let c = lint(&pool("pm.max_children = 7"));
    let d = find(&c, codes::DUPLICATE_KEY).unwrap();
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(span_text(&c, d), "pm.max_children");
    assert_eq!(c.files[d.file].line_col(d.span.start).0, 7);
    assert_eq!(c.files[d.related[0].0].line_col(d.related[0].1.start).0, 11);
    assert_eq!(c.pools[0].pm_max_children.value, 7);
}

#[test]
fn reopened_and_case_insensitive_sections() {
    let c =
        lint("[WWW]\nuser = a\nlisten = 9000\n[global]\n[www]\npm = static\npm.max_children = 2\n");
    clean(&c);
    assert_eq!(c.pools.len(), 1);
    assert_eq!(c.pools[0].name, "WWW");
    assert_eq!(c.pools[0].headers.len(), 2);
}

#[test]
fn no_pool() {
    // At the `[global]` header, else where pools were expected (the last include), else the start.
    let c = lint("[global]\ndaemonize = no\n");
    expect(
        &c,
        codes::NO_POOL,
        Severity::Error,
        "No pool defined. at least one pool section must be specified in config file",
        "global",
    );
    let c = lint("[global]\ninclude = /nonexistent-ngxlint/*.conf\n");
    assert!(
        find(&c, codes::NO_POOL).is_none(),
        "an include failed: php-fpm stopped there"
    );
    let c = lint("[global]\ninclude = /proc/self/*.nomatch\n");
    expect(
        &c,
        codes::NO_POOL,
        Severity::Error,
        "No pool defined. at least one pool section must be specified in config file",
        "/proc/self/*.nomatch",
    );
    let c = lint("daemonize = no\n");
    expect(
        &c,
        codes::NO_POOL,
        Severity::Error,
        "No pool defined. at least one pool section must be specified in config file",
        "",
    );
}

#[test]
fn user_missing_is_a_note_and_says_why() {
    let c = lint("[www]\nlisten = 9000\npm = static\npm.max_children = 1\n");
    expect(
        &c,
        codes::USER_NOT_DEFINED,
        Severity::Info,
        "[pool www] user has not been defined",
        "www",
    );
    assert!(find(&c, codes::USER_NOT_DEFINED)
        .unwrap()
        .help
        .as_deref()
        .unwrap()
        .contains("as root"));
    let opts = LoadOptions {
        allow_root: true,
        ..LoadOptions::default()
    };
    clean(&lint_with(
        "[www]\nlisten = 9000\npm = static\npm.max_children = 1\n",
        &opts,
    ));
}

#[test]
fn listen_missing() {
    let c = lint("[www]\nuser = a\npm = static\npm.max_children = 1\n");
    expect(
        &c,
        codes::NO_LISTEN,
        Severity::Error,
        "[pool www] no listen address have been defined!",
        "www",
    );
}

#[test]
fn process_priority() {
    let c = lint(&pool("process.priority = 30"));
    expect(
        &c,
        codes::PROCESS_PRIORITY,
        Severity::Error,
        "[pool www] process.priority must be included into [-19,20]",
        "30",
    );
}

#[test]
fn pm_missing() {
    let c = lint("[www]\nuser = a\nlisten = 9000\npm.max_children = 1\n");
    expect(
        &c,
        codes::PM_MISSING,
        Severity::Error,
        "[pool www] the process manager is missing (static, dynamic or ondemand)",
        "www",
    );
}

fn pm_pool(pm: &str, lines: &str) -> FpmConfig {
    lint(&format!(
        "[www]\nuser = a\nlisten = 9000\npm = {pm}\n{lines}\n"
    ))
}

#[test]
fn pm_max_children_bounds() {
    for pm in ["static", "dynamic", "ondemand"] {
        let c = pm_pool(
            pm,
            "pm.max_children = 0\npm.min_spare_servers = 1\npm.max_spare_servers = 1",
        );
        expect(
            &c,
            codes::PM_MAX_CHILDREN,
            Severity::Error,
            "[pool www] pm.max_children must be a positive value",
            "0",
        );
        let c = pm_pool(
            pm,
            "pm.max_children = 1\npm.min_spare_servers = 1\npm.max_spare_servers = 1",
        );
        assert!(!c.has_errors(), "{pm}: {:?}", c.diagnostics);
    }
    let c = pm_pool("static", "");
    // not set: located at the pool's header
    expect(
        &c,
        codes::PM_MAX_CHILDREN,
        Severity::Error,
        "[pool www] pm.max_children must be a positive value",
        "www",
    );
}

#[test]
fn dynamic_spares() {
    let c = pm_pool(
        "dynamic",
        "pm.max_children = 5\npm.min_spare_servers = 0\npm.max_spare_servers = 3",
    );
    expect(
        &c,
        codes::PM_SPARE_POSITIVE,
        Severity::Error,
        "[pool www] pm.min_spare_servers(0) must be a positive value",
        "0",
    );
    let c = pm_pool("dynamic", "pm.max_children = 5\npm.min_spare_servers = 1");
    expect(
        &c,
        codes::PM_SPARE_POSITIVE,
        Severity::Error,
        "[pool www] pm.max_spare_servers(0) must be a positive value",
        "www",
    );
    let c = pm_pool(
        "dynamic",
        "pm.max_children = 5\npm.min_spare_servers = 1\npm.max_spare_servers = 8",
    );
    expect(
        &c,
        codes::PM_SPARE_GT_CHILDREN,
        Severity::Error,
        "[pool www] pm.min_spare_servers(1) and pm.max_spare_servers(8) cannot be greater than pm.max_children(5)",
        "8",
    );
    // the bound itself is accepted
    let c = pm_pool("dynamic", "pm.max_children = 5\npm.start_servers = 1\npm.min_spare_servers = 1\npm.max_spare_servers = 5");
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let c = pm_pool(
        "dynamic",
        "pm.max_children = 5\npm.min_spare_servers = 3\npm.max_spare_servers = 2",
    );
    expect(
        &c,
        codes::PM_MAX_SPARE_LT_MIN,
        Severity::Error,
        "[pool www] pm.max_spare_servers(2) must not be less than pm.min_spare_servers(3)",
        "2",
    );
}

#[test]
fn dynamic_start_servers() {
    let c = pm_pool(
        "dynamic",
        "pm.max_children = 10\npm.min_spare_servers = 2\npm.max_spare_servers = 7",
    );
    expect(
        &c,
        codes::PM_START_DEFAULT,
        Severity::Info,
        "[pool www] pm.start_servers is not set. It's been set to 4.",
        "dynamic",
    );
    assert_eq!(c.pools[0].pm_start_servers.value, 4);
    assert!(!c.has_errors());
    let c = pm_pool("dynamic", "pm.max_children = 5\npm.start_servers = 10\npm.min_spare_servers = 1\npm.max_spare_servers = 3");
    expect(
        &c,
        codes::PM_START_RANGE,
        Severity::Error,
        "[pool www] pm.start_servers(10) must not be less than pm.min_spare_servers(1) and not greater than pm.max_spare_servers(3)",
        "10",
    );
    let c = pm_pool("dynamic", "pm.max_children = 5\npm.start_servers = 3\npm.min_spare_servers = 1\npm.max_spare_servers = 3");
    assert!(!c.has_errors());
    let c = pm_pool(
        "dynamic",
        "pm.max_children = 5\npm.start_servers = 2\npm.min_spare_servers = 1\npm.max_spare_servers = 3\npm.max_spawn_rate = 0",
    );
    expect(
        &c,
        codes::PM_SPAWN_RATE,
        Severity::Error,
        "[pool www] pm.max_spawn_rate must be a positive value",
        "0",
    );
}

#[test]
fn static_ignores_spares() {
    let c = pm_pool(
        "static",
        "pm.max_children = 5\npm.start_servers = 99\npm.min_spare_servers = -3",
    );
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
}

#[test]
fn ondemand_checks() {
    let c = pm_pool(
        "ondemand",
        "pm.max_children = 5\npm.process_idle_timeout = 0",
    );
    expect(
        &c,
        codes::PM_IDLE_TIMEOUT,
        Severity::Error,
        "[pool www] pm.process_idle_timeout(0s) must be greater than 0s",
        "0",
    );
    let c = lint("[global]\nevents.mechanism = poll\n[www]\nuser = a\nlisten = 9000\npm = ondemand\npm.max_children = 5\n");
    expect(
        &c,
        codes::ONDEMAND_EVENTS,
        Severity::Error,
        "[pool www] ondemand process manager can ONLY be used when events.mechanism is either epoll (Linux) or kqueue (*BSD).",
        "ondemand",
    );
    let c = pm_pool("ondemand", "pm.max_children = 5\nlisten.backlog = -5");
    expect(
        &c,
        codes::ONDEMAND_BACKLOG,
        Severity::Warning,
        "[pool www] listen.backlog(-5) was too low for the ondemand process manager. I updated it for you to -1.",
        "-5",
    );
    let c = pm_pool("ondemand", "pm.max_children = 5\npm.start_servers = 40");
    assert!(!c.has_errors());
    assert_eq!(c.pools[0].pm_start_servers.value, 0);
}

#[test]
fn status_and_ping_paths() {
    let c = lint(&pool("pm.status_path = status"));
    expect(
        &c,
        codes::STATUS_PATH,
        Severity::Error,
        "[pool www] the status path 'status' must start with a '/'",
        "status",
    );
    let c = lint(&pool("ping.path = /"));
    expect(
        &c,
        codes::PING_PATH,
        Severity::Error,
        "[pool www] the ping path '/' is not long enough",
        "/",
    );
    let c = lint(&pool("ping.path = \"/a b\""));
    expect(
        &c,
        codes::PING_PATH,
        Severity::Error,
        "[pool www] the ping path '/a b' must contain only the following characters '[alphanum]/_-.~'",
        "\"/a b\"",
    );
    let c = lint(&pool("ping.path = /ping\nping.response = \"\""));
    expect(
        &c,
        codes::PING_PATH,
        Severity::Error,
        "[pool www] the ping response page '' is not long enough",
        "\"\"",
    );
    let c = lint(&pool("ping.path = /ping"));
    assert_eq!(c.pools[0].ping_response.value.as_deref(), Some("pong"));
}

#[test]
fn slowlog_checks() {
    let c = lint(&pool("request_slowlog_timeout = 5s"));
    expect(
        &c,
        codes::SLOWLOG_REQUIRED,
        Severity::Error,
        "[pool www] 'slowlog' must be specified for use with 'request_slowlog_timeout'",
        "5s",
    );
    let c = lint(&pool(
        "slowlog = /tmp/s.log\nrequest_slowlog_timeout = 30s\nrequest_terminate_timeout = 10s",
    ));
    expect(
        &c,
        codes::SLOWLOG_GT_TERMINATE,
        Severity::Error,
        "[pool www] 'request_slowlog_timeout' (30) can't be greater than 'request_terminate_timeout' (10)",
        "30s",
    );
    clean(&lint(&pool(
        "slowlog = /tmp/s.log\nrequest_slowlog_timeout = 30s\nrequest_terminate_timeout = 0",
    )));
    let c = lint(&pool("request_slowlog_trace_depth = 5"));
    expect(
        &c,
        codes::SLOWLOG_REQUIRED,
        Severity::Error,
        "[pool www] 'slowlog' must be specified for use with 'request_slowlog_trace_depth'",
        "5",
    );
    let c = lint(&pool(
        "slowlog = /tmp/s.log\nrequest_slowlog_trace_depth = -2",
    ));
    expect(
        &c,
        codes::TRACE_DEPTH,
        Severity::Error,
        "[pool www] 'request_slowlog_trace_depth' (-2) must be a positive value",
        "-2",
    );
}

#[test]
fn duplicate_listen_across_pools() {
    let c = lint("[a]\nuser = x\nlisten = /run/a.sock\npm = static\npm.max_children = 1\n[b]\nuser = x\nlisten = /run/a.sock\npm = static\npm.max_children = 1\n");
    expect(
        &c,
        codes::DUPLICATE_LISTEN,
        Severity::Error,
        "[pool b] unable to set listen address as it's already used in another pool 'a'",
        "/run/a.sock",
    );
    let d = find(&c, codes::DUPLICATE_LISTEN).unwrap();
    assert_eq!(c.files[d.file].line_col(d.span.start).0, 8);
    assert_eq!(c.files[d.related[0].0].line_col(d.related[0].1.start).0, 3);
    // php-fpm compares strings: 127.0.0.1 and localhost are not the same string
    let c = lint("[a]\nuser = x\nlisten = 127.0.0.1:9000\npm = static\npm.max_children = 1\n[b]\nuser = x\nlisten = localhost:9000\npm = static\npm.max_children = 1\n");
    assert!(find(&c, codes::DUPLICATE_LISTEN).is_none());
    // relative socket paths are compared after resolution
    let c = lint("[a]\nuser = x\nlisten = a.sock\npm = static\npm.max_children = 1\n[b]\nuser = x\nlisten = /usr/a.sock\npm = static\npm.max_children = 1\n");
    assert!(find(&c, codes::DUPLICATE_LISTEN).is_some());
}

#[test]
fn root_user() {
    let c = lint(&pool("user = root"));
    expect(
        &c,
        codes::RUN_AS_ROOT,
        Severity::Error,
        "[pool www] please specify user and group other than root",
        "root",
    );
    assert!(codes::START_ONLY.contains(&codes::RUN_AS_ROOT));
    let opts = LoadOptions {
        allow_root: true,
        ..LoadOptions::default()
    };
    assert!(find(&lint_with(&pool("user = root"), &opts), codes::RUN_AS_ROOT).is_none());
}

#[test]
fn socket_path_length() {
    let long = format!("/run/{}.sock", "x".repeat(100));
    let c = lint(&pool(&format!("listen = {long}")));
    let d = find(&c, codes::SOCKET_PATH_TOO_LONG).unwrap();
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(span_text(&c, d), long);
    let opts = LoadOptions {
        php_version: PhpVersion::V8_3,
        ..LoadOptions::default()
    };
    let c = lint_with(&pool(&format!("listen = {long}")), &opts);
    assert_eq!(
        find(&c, codes::SOCKET_PATH_TOO_LONG).unwrap().severity,
        Severity::Error
    );
    let ok = format!("/run/{}.sock", "x".repeat(97)); // 107 bytes
    assert_eq!(ok.len(), 107);
    assert!(find(
        &lint(&pool(&format!("listen = {ok}"))),
        codes::SOCKET_PATH_TOO_LONG
    )
    .is_none());
}

#[test]
fn listen_localhost_is_a_socket_file() {
    let c = lint(&pool("listen = localhost"));
    expect(
        &c,
        codes::LISTEN_LOCALHOST_UNIX,
        Severity::Warning,
        "`listen = localhost` has no port, so php-fpm creates a unix socket file named `/usr/localhost`",
        "localhost",
    );
}

#[test]
fn acl_overrides_owner() {
    let c = lint(&pool("listen.owner = www-data\nlisten.acl_users = nginx"));
    expect(
        &c,
        codes::ACL_OVERRIDES_OWNER,
        Severity::Warning,
        "[pool www] ACL set, listen.owner = 'www-data' is ignored",
        "listen.owner",
    );
    assert_eq!(
        c.pools[0].listen_owner.value,
        fpm_ini::SocketOwner::MasterUser
    );
}

#[test]
fn allowed_clients() {
    let c = lint(&pool("listen.allowed_clients = 127.0.0.1, ::1"));
    expect(
        &c,
        codes::ALLOWED_CLIENTS,
        Severity::Warning,
        "Wrong IP address ' ::1' in listen.allowed_clients",
        "127.0.0.1, ::1",
    );
    let c = lint(&pool("listen.allowed_clients = web1"));
    assert!(c.diagnostics.iter().any(|d| fpm_ini::quoted(&d.message)
        .is_some_and(|(_, words)| words == "There are no allowed addresses")));
    clean(&lint(&pool("listen.allowed_clients = 127.0.0.1,::1")));
}

#[test]
fn invalid_port_is_start_only() {
    let c = lint(&pool("listen = 127.0.0.1:99999"));
    expect(
        &c,
        codes::INVALID_PORT,
        Severity::Error,
        "invalid port value '99999'",
        "127.0.0.1:99999",
    );
    assert!(codes::START_ONLY.contains(&codes::INVALID_PORT));
}

#[test]
fn listen_mode_not_octal() {
    let c = lint(&pool("listen.mode = 0689"));
    let d = find(&c, codes::LISTEN_MODE).unwrap();
    assert!(d.message.contains("as 0006"), "{}", d.message);
}

#[test]
fn global_checks() {
    let base = "[www]\nuser = a\nlisten = 9000\npm = static\npm.max_children = 1\n";
    let c = lint(&format!("[global]\nlog_limit = 100\n{base}"));
    expect(
        &c,
        codes::LOG_LIMIT,
        Severity::Error,
        "log_limit must be greater than 512",
        "100",
    );
    let c = lint(&format!("[global]\nprocess.max = -1\n{base}"));
    expect(
        &c,
        codes::PROCESS_MAX,
        Severity::Error,
        "process_max can't be negative",
        "-1",
    );
    let c = lint(&format!("[global]\nevents.mechanism = foo\n{base}"));
    expect(
        &c,
        codes::EVENTS_MECHANISM,
        Severity::Error,
        "event mechanism 'foo' is not available on this system",
        "foo",
    );
    let c = lint(&format!("[global]\nprocess.priority = -20\n{base}"));
    expect(
        &c,
        codes::PROCESS_PRIORITY,
        Severity::Error,
        "process.priority must be included into [-19,20]",
        "-20",
    );
}

#[test]
fn syntax_errors_are_located() {
    let c = lint(&pool("ping.path = /a=b"));
    expect(
        &c,
        codes::SYNTAX,
        Severity::Error,
        "syntax error, unexpected '='",
        "=",
    );
    let c = lint(&pool("ping.response = \"pong"));
    let d = find(&c, codes::SYNTAX).unwrap();
    assert_eq!(c.files[d.file].line_col(d.span.start).0, 11);
}

#[test]
fn legacy_xml_is_recognised_not_misread() {
    let c = lint("<?xml version=\"1.0\" ?>\n<configuration>\n<section name=\"global_options\">\n</section>\n</configuration>\n");
    expect(
        &c,
        codes::LEGACY_XML,
        Severity::Error,
        "the XML configuration format of PHP 5.2: php-fpm 5.3 and later read only the INI format",
        "<?xml",
    );
    assert_eq!(c.diagnostics.len(), 1, "{:?}", c.diagnostics);
}

#[test]
fn every_code_is_unique_with_a_kebab_name() {
    let mut codes_seen = std::collections::HashSet::new();
    let mut names_seen = std::collections::HashSet::new();
    for c in codes::CODES {
        assert!(codes_seen.insert(c.code), "{} twice", c.code);
        assert!(names_seen.insert(c.name), "{} twice", c.name);
        assert!(
            c.code.len() == 6 && c.code.starts_with("FPM0"),
            "{}: not an FPM0xx code",
            c.code
        );
        assert!(
            c.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}: `{}` is not kebab-case",
            c.code,
            c.name
        );
        assert!(
            !c.also.contains(&c.severity),
            "{}: severity listed twice",
            c.code
        );
        assert_eq!(codes::find(c.name), Some(c));
        assert_eq!(codes::find(&c.code.to_ascii_lowercase()), Some(c));
    }
}
