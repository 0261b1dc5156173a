//! Building the typed model and php-fpm's post-processing checks (`fpm_conf_post_process()`,
//! `fpm_conf_process_all_pools()`, and what `fpm_unix.c`/`fpm_sockets.c` refuse at start).

use std::collections::BTreeMap;

use crate::codes;
use crate::diag::{quoting, Diagnostic, Says, Severity};
use crate::load::{Loader, SectionState};
use crate::model::{
    full_path, FpmConfig, GlobalConfig, Listen, Origin, PmStyle, Pool, RawSetting, Setting,
    SocketGroup, SocketOwner,
};
use crate::span::Span;
use crate::syntax::PhpVersion;
use crate::values;

/// `FPM_BACKLOG_DEFAULT` of Debian's 8.2.35 build (the kernel's somaxconn).
const BACKLOG_DEFAULT: i32 = -1;
/// `ZLOG_MIN_LIMIT`.
const LOG_LIMIT_MIN: i32 = 512;
/// `sizeof(sun_path)` on Linux.
const SUN_PATH: usize = 108;

fn raw<'a>(s: &'a SectionState, key: &str) -> Option<&'a RawSetting> {
    s.raw.get(key)
}

fn string(s: &SectionState, key: &str) -> Setting<Option<String>> {
    match raw(s, key) {
        Some(r) => Setting {
            value: Some(r.value.clone()),
            origin: Some(r.origin),
        },
        None => Setting::default_value(None),
    }
}

fn int(s: &SectionState, key: &str, default: i32) -> Setting<i32> {
    match raw(s, key) {
        Some(r) => Setting {
            value: values::parse_int(&r.value).unwrap_or(default),
            origin: Some(r.origin),
        },
        None => Setting::default_value(default),
    }
}

fn opt_int(s: &SectionState, key: &str) -> Setting<Option<i32>> {
    match raw(s, key) {
        Some(r) => Setting {
            value: values::parse_int(&r.value).ok(),
            origin: Some(r.origin),
        },
        None => Setting::default_value(None),
    }
}

fn time(s: &SectionState, key: &str, default: i32) -> Setting<i32> {
    match raw(s, key) {
        Some(r) => Setting {
            value: values::parse_time(&r.value).map_or(default, |t| t.seconds),
            origin: Some(r.origin),
        },
        None => Setting::default_value(default),
    }
}

fn boolean(s: &SectionState, key: &str, default: bool) -> Setting<bool> {
    match raw(s, key) {
        Some(r) => Setting {
            value: values::parse_bool(&r.value).unwrap_or(default),
            origin: Some(r.origin),
        },
        None => Setting::default_value(default),
    }
}

fn rlimit_core(s: &SectionState) -> Setting<Option<i32>> {
    match raw(s, "rlimit_core") {
        Some(r) => Setting {
            value: values::parse_rlimit_core(&r.value).ok(),
            origin: Some(r.origin),
        },
        None => Setting::default_value(None),
    }
}

fn list(s: &SectionState, key: &str) -> Setting<Vec<String>> {
    match raw(s, key) {
        Some(r) => Setting {
            value: r
                .value
                .split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect(),
            origin: Some(r.origin),
        },
        None => Setting::default_value(Vec::new()),
    }
}

fn global_model(s: &SectionState, includes: Vec<crate::model::Include>) -> GlobalConfig {
    let str_or = |key: &str, default: &str| match raw(s, key) {
        Some(r) => Setting {
            value: r.value.clone(),
            origin: Some(r.origin),
        },
        None => Setting::default_value(default.to_string()),
    };
    let log_level = match raw(s, "log_level") {
        Some(r) => Setting {
            value: values::parse_log_level(&r.value)
                .unwrap_or("notice")
                .to_string(),
            origin: Some(r.origin),
        },
        None => Setting::default_value("notice".to_string()),
    };
    GlobalConfig {
        pid: string(s, "pid"),
        error_log: str_or("error_log", "log/php-fpm.log"),
        syslog_ident: str_or("syslog.ident", "php-fpm"),
        syslog_facility: str_or("syslog.facility", "daemon"),
        log_buffering: boolean(s, "log_buffering", true),
        log_level,
        log_limit: int(s, "log_limit", 1024),
        emergency_restart_threshold: int(s, "emergency_restart_threshold", 0),
        emergency_restart_interval: time(s, "emergency_restart_interval", 0),
        process_control_timeout: time(s, "process_control_timeout", 0),
        process_max: int(s, "process.max", 0),
        process_priority: opt_int(s, "process.priority"),
        daemonize: boolean(s, "daemonize", true),
        rlimit_files: opt_int(s, "rlimit_files"),
        rlimit_core: rlimit_core(s),
        events_mechanism: string(s, "events.mechanism"),
        systemd_interval: time(s, "systemd_interval", 10),
        includes,
        raw: s.raw.clone(),
    }
}

fn pool_model(s: &SectionState, fpm_prefix: &str) -> Pool {
    // `prefix` itself is made absolute with the global prefix.
    let prefix = match raw(s, "prefix") {
        Some(r) if !r.value.is_empty() => Setting {
            value: Some(full_path(&r.value, fpm_prefix)),
            origin: Some(r.origin),
        },
        Some(r) => Setting {
            value: None,
            origin: Some(r.origin),
        },
        None => Setting::default_value(None),
    };
    let unix_prefix = prefix
        .value
        .clone()
        .unwrap_or_else(|| fpm_prefix.to_string());
    let listen = string(s, "listen");
    let listen_address = listen
        .value
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(|v| Listen::classify(v, &unix_prefix));

    let acl_users = list(s, "listen.acl_users");
    let acl_groups = list(s, "listen.acl_groups");
    let acl = !acl_users.value.is_empty() || !acl_groups.value.is_empty();
    let owner_raw = raw(s, "listen.owner").filter(|r| !r.value.is_empty());
    let group_raw = raw(s, "listen.group").filter(|r| !r.value.is_empty());
    let listen_owner = match owner_raw {
        Some(r) if !acl => Setting {
            value: match r.value.parse::<u32>() {
                Ok(uid) if r.value.bytes().all(|b| b.is_ascii_digit()) => SocketOwner::Uid(uid),
                _ => SocketOwner::Named(r.value.clone()),
            },
            origin: Some(r.origin),
        },
        _ => Setting::default_value(SocketOwner::MasterUser),
    };
    let listen_group = match (group_raw, &listen_owner.value) {
        (Some(r), _) if !acl => Setting {
            value: match r.value.parse::<u32>() {
                Ok(gid) if r.value.bytes().all(|b| b.is_ascii_digit()) => SocketGroup::Gid(gid),
                _ => SocketGroup::Named(r.value.clone()),
            },
            origin: Some(r.origin),
        },
        (_, SocketOwner::Named(user)) => Setting {
            value: SocketGroup::PrimaryGroupOf(user.clone()),
            origin: listen_owner.origin,
        },
        _ => Setting::default_value(SocketGroup::MasterGroup),
    };
    let listen_mode = match raw(s, "listen.mode").filter(|r| !r.value.is_empty()) {
        Some(r) => Setting {
            value: values::parse_octal_prefix(&r.value).0,
            origin: Some(r.origin),
        },
        None => Setting::default_value(0o660),
    };
    let allowed = match raw(s, "listen.allowed_clients").filter(|r| !r.value.is_empty()) {
        Some(r) => Setting {
            value: Some(r.value.split(',').map(str::to_string).collect()),
            origin: Some(r.origin),
        },
        None => Setting::default_value(None),
    };
    let pm = match raw(s, "pm") {
        Some(r) => Setting {
            value: values::parse_pm(&r.value).ok(),
            origin: Some(r.origin),
        },
        None => Setting::default_value(None),
    };
    let limit_ext = match raw(s, "security.limit_extensions") {
        Some(r) => Setting {
            value: r
                .value
                .split([' ', '\t'])
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect(),
            origin: Some(r.origin),
        },
        None => Setting::default_value(vec![".php".to_string(), ".phar".to_string()]),
    };
    let ping_path = string(s, "ping.path");
    let mut ping_response = string(s, "ping.response");
    if ping_path.value.as_deref().is_some_and(|p| !p.is_empty()) {
        if ping_response.value.is_none() {
            ping_response.value = Some("pong".to_string());
        }
    } else if !ping_response.is_explicit() {
        ping_response.value = None;
    }
    let mut access_format = string(s, "access.format");
    if string(s, "access.log").value.is_some_and(|l| !l.is_empty()) && access_format.value.is_none()
    {
        access_format.value = Some("%R - %u %t \"%m %r\" %s".to_string());
    }
    let trace_depth = int(s, "request_slowlog_trace_depth", 0);
    let trace_depth = if trace_depth.value == 0 {
        Setting {
            value: 20,
            origin: trace_depth.origin,
        }
    } else {
        trace_depth
    };
    Pool {
        name: s.name.clone(),
        headers: s.headers.clone(),
        prefix,
        user: string(s, "user"),
        group: string(s, "group"),
        listen,
        listen_address,
        listen_backlog: int(s, "listen.backlog", BACKLOG_DEFAULT),
        listen_owner,
        listen_group,
        listen_mode,
        listen_acl_users: acl_users,
        listen_acl_groups: acl_groups,
        listen_allowed_clients: allowed,
        process_priority: opt_int(s, "process.priority"),
        process_dumpable: boolean(s, "process.dumpable", false),
        pm,
        pm_max_children: int(s, "pm.max_children", 0),
        pm_start_servers: int(s, "pm.start_servers", 0),
        pm_min_spare_servers: int(s, "pm.min_spare_servers", 0),
        pm_max_spare_servers: int(s, "pm.max_spare_servers", 0),
        pm_max_spawn_rate: int(s, "pm.max_spawn_rate", 32),
        pm_process_idle_timeout: time(s, "pm.process_idle_timeout", 10),
        pm_max_requests: int(s, "pm.max_requests", 0),
        pm_status_path: string(s, "pm.status_path"),
        pm_status_listen: string(s, "pm.status_listen"),
        ping_path,
        ping_response,
        access_log: string(s, "access.log"),
        access_format,
        access_suppress_paths: s.suppress.clone(),
        slowlog: string(s, "slowlog"),
        request_slowlog_timeout: time(s, "request_slowlog_timeout", 0),
        request_slowlog_trace_depth: trace_depth,
        request_terminate_timeout: time(s, "request_terminate_timeout", 0),
        request_terminate_timeout_track_finished: boolean(
            s,
            "request_terminate_timeout_track_finished",
            false,
        ),
        rlimit_files: opt_int(s, "rlimit_files"),
        rlimit_core: rlimit_core(s),
        chroot: string(s, "chroot"),
        chdir: string(s, "chdir"),
        catch_workers_output: boolean(s, "catch_workers_output", false),
        decorate_workers_output: boolean(s, "decorate_workers_output", true),
        clear_env: boolean(s, "clear_env", true),
        security_limit_extensions: limit_ext,
        from_env: s.from_env.clone(),
        apparmor_hat: string(s, "apparmor_hat"),
        php_values: s.php_values.clone(),
        php_admin_values: s.php_admin_values.clone(),
        env: s.env.clone(),
        raw: s.raw.clone(),
    }
}

/// Collects diagnostics for one pool.
struct PoolCheck<'a> {
    pool: &'a Pool,
    out: &'a mut Vec<Diagnostic>,
}

impl PoolCheck<'_> {
    fn at<T>(&self, s: &Setting<T>) -> (usize, Span) {
        match s.origin {
            Some(o) => (o.file, o.value),
            None => self.pool.header(),
        }
    }

    fn push(
        &mut self,
        code: &'static str,
        sev: Severity,
        msg: String,
        loc: (usize, Span),
    ) -> &mut Diagnostic {
        self.out.push(Diagnostic::new(code, sev, msg, loc.0, loc.1));
        let n = self.out.len() - 1;
        &mut self.out[n]
    }

    fn name(&self) -> &str {
        &self.pool.name
    }
}

/// php-fpm's checks of one pool. `partial`: pool files read without their main config, where
/// a setting that is missing may come from a file that is not here.
fn check_pool(
    p: &mut Pool,
    opts: &crate::load::LoadOptions,
    global: &GlobalConfig,
    partial: bool,
    out: &mut Vec<Diagnostic>,
) {
    let snapshot = p.clone();
    let mut c = PoolCheck {
        pool: &snapshot,
        out,
    };
    let name = c.name().to_string();
    let root_rules = opts.run_as_root && !opts.allow_root;

    if snapshot.user.value.is_none() && root_rules && !partial && !snapshot.from_env("user") {
        let loc = snapshot.header();
        // A pool without `user` is how a master that does not run as root is configured (a
        // container's `USER`), and the configuration does not say which it is.
        c.push(
            codes::USER_NOT_DEFINED,
            Severity::Info,
            quoting(
                format!("pool [{name}] sets no `user`"),
                Says::Refuses,
                format!("[pool {name}] user has not been defined"),
            ),
            loc,
        )
        .help = Some(
            "set `user = www-data` (or the site's user): php-fpm refuses to start without it when the master runs as root"
                .into(),
        );
    }

    match &snapshot.listen.value {
        Some(v) if !v.is_empty() => {}
        None if partial || snapshot.from_env("listen") => {}
        _ => {
            let loc = c.at(&snapshot.listen);
            c.push(
                codes::NO_LISTEN,
                Severity::Error,
                quoting(
                    format!("pool [{name}] has no `listen` address"),
                    Says::Refuses,
                    format!("[pool {name}] no listen address have been defined!"),
                ),
                loc,
            )
            .help = Some("add `listen = /run/php/php8.2-fpm.sock` (or `127.0.0.1:9000`)".into());
        }
    }

    if let Some(prio) = snapshot.process_priority.value {
        if !(-19..=20).contains(&prio) {
            let loc = c.at(&snapshot.process_priority);
            c.push(
                codes::PROCESS_PRIORITY,
                Severity::Error,
                quoting(
                    "`process.priority` must be between -19 and 20",
                    Says::Refuses,
                    format!("[pool {name}] process.priority must be included into [-19,20]"),
                ),
                loc,
            );
        }
    }

    // Limits that depend on a value from the environment cannot be checked here.
    let unknown_pm = partial && snapshot.pm.value.is_none() || snapshot.any_from_env("pm");
    if !unknown_pm {
        check_pm(&mut c, p, global);
    }

    check_path(
        &mut c,
        &snapshot.pm_status_path,
        ("pm.status_path", "status path"),
        snapshot.pm_status_listen.value.is_some(),
        codes::STATUS_PATH,
    );
    if check_path(
        &mut c,
        &snapshot.ping_path,
        ("ping.path", "ping path"),
        false,
        codes::PING_PATH,
    ) {
        if let Some(resp) = &snapshot.ping_response.value {
            if resp.is_empty() {
                let loc = c.at(&snapshot.ping_response);
                c.push(
                    codes::PING_PATH,
                    Severity::Error,
                    quoting(
                        "`ping.response` is empty",
                        Says::Refuses,
                        format!("[pool {name}] the ping response page '{resp}' is not long enough"),
                    ),
                    loc,
                );
            }
        }
    }

    let slowlog_set = snapshot
        .slowlog
        .value
        .as_deref()
        .is_some_and(|s| !s.is_empty())
        || snapshot.from_env("slowlog");
    let slow = snapshot.request_slowlog_timeout.value;
    if slow != 0 && !snapshot.from_env("request_terminate_timeout") {
        if !slowlog_set {
            let loc = c.at(&snapshot.request_slowlog_timeout);
            c.push(
                codes::SLOWLOG_REQUIRED,
                Severity::Error,
                quoting(
                    "`request_slowlog_timeout` needs a `slowlog` file",
                    Says::Refuses,
                    format!("[pool {name}] 'slowlog' must be specified for use with 'request_slowlog_timeout'"),
                ),
                loc,
            )
            .help = Some("add `slowlog = /var/log/php-fpm/$pool.slow.log`".into());
        } else {
            let term = snapshot.request_terminate_timeout.value;
            if term != 0 && slow > term {
                let loc = c.at(&snapshot.request_slowlog_timeout);
                let d = c.push(
                    codes::SLOWLOG_GT_TERMINATE,
                    Severity::Error,
                    quoting(
                        "`request_slowlog_timeout` is longer than `request_terminate_timeout`",
                        Says::Refuses,
                        format!("[pool {name}] 'request_slowlog_timeout' ({slow}) can't be greater than 'request_terminate_timeout' ({term})"),
                    ),
                    loc,
                );
                if let Some(o) = snapshot.request_terminate_timeout.origin {
                    d.related
                        .push((o.file, o.value, "request_terminate_timeout set here".into()));
                }
            }
        }
    }
    if snapshot.request_slowlog_trace_depth.is_explicit()
        && snapshot
            .get("request_slowlog_trace_depth")
            .is_some_and(|r| values::parse_int(&r.value) != Ok(0))
    {
        let depth = snapshot.request_slowlog_trace_depth.value;
        let loc = c.at(&snapshot.request_slowlog_trace_depth);
        if !slowlog_set {
            c.push(
                codes::SLOWLOG_REQUIRED,
                Severity::Error,
                quoting(
                    "`request_slowlog_trace_depth` needs a `slowlog` file",
                    Says::Refuses,
                    format!("[pool {name}] 'slowlog' must be specified for use with 'request_slowlog_trace_depth'"),
                ),
                loc,
            );
        } else if depth <= 0 {
            c.push(
                codes::TRACE_DEPTH,
                Severity::Error,
                quoting(
                    "`request_slowlog_trace_depth` must be 1 or more",
                    Says::Refuses,
                    format!("[pool {name}] 'request_slowlog_trace_depth' ({depth}) must be a positive value"),
                ),
                loc,
            );
        }
    }

    let prefix = snapshot
        .prefix
        .value
        .clone()
        .unwrap_or_else(|| opts.prefix_str());
    for (what, setting, expand) in [
        ("chroot", &snapshot.chroot, true),
        ("chdir", &snapshot.chdir, false),
    ] {
        let Some(v) = setting.value.as_deref().filter(|v| !v.is_empty()) else {
            continue;
        };
        // `fpm_evaluate_full_path()`: an absolute value is kept as written (a `$prefix` inside it
        // stays literal); `$prefix` elsewhere than at the start of a relative value is an error
        // that leaves the value unexpanded; any other relative value gets the pool's prefix.
        let mut full = full_path(v, &prefix);
        if expand && !v.starts_with('/') {
            if let Some(pos) = v.find("$prefix") {
                if pos == 0 {
                    let rest = v.strip_prefix("$prefix").unwrap_or(v);
                    full = format!("{prefix}{rest}");
                } else {
                    let loc = c.at(setting);
                    c.push(
                        codes::PATH_NOT_ABSOLUTE,
                        Severity::Warning,
                        quoting(
                            format!("`$prefix` is expanded only at the start of `{what}`"),
                            Says::Logs,
                            "'$prefix' must be use at the beginning of the value",
                        ),
                        loc,
                    );
                    full = v.to_string();
                }
            }
        } else if expand && v.find("$prefix").is_some_and(|pos| pos > 0) {
            let loc = c.at(setting);
            c.push(
                codes::PATH_NOT_ABSOLUTE,
                Severity::Warning,
                format!("`$prefix` is expanded only at the start of `{what}`: php-fpm takes `{v}` literally"),
                loc,
            )
            .help = Some(format!("write `{what} = $prefix/…`, or the absolute path itself"));
        }
        if !full.starts_with('/') {
            let loc = c.at(setting);
            c.push(
                codes::PATH_NOT_ABSOLUTE,
                Severity::Error,
                quoting(
                    format!("`{what}` is not an absolute path"),
                    Says::Refuses,
                    format!("[pool {name}] the {what} path '{full}' must start with a '/'"),
                ),
                loc,
            );
        }
    }

    check_listen(&mut c, opts);
    check_root(&mut c, root_rules);
}

/// Status and ping paths; returns whether the path is set (and so checked).
fn check_path(
    c: &mut PoolCheck<'_>,
    s: &Setting<Option<String>>,
    (key, what): (&str, &str),
    short_ok: bool,
    code: &'static str,
) -> bool {
    let Some(path) = s.value.as_deref().filter(|p| !p.is_empty()) else {
        return false;
    };
    let name = c.name().to_string();
    let loc = c.at(s);
    if !path.starts_with('/') {
        c.push(
            code,
            Severity::Error,
            quoting(
                format!("`{key}` must start with `/`"),
                Says::Refuses,
                format!("[pool {name}] the {what} '{path}' must start with a '/'"),
            ),
            loc,
        )
        .help = Some(format!("write `/{path}`"));
    } else if !short_ok && path.len() < 2 {
        c.push(
            code,
            Severity::Error,
            quoting(
                format!("`{key}` needs a name after `/`"),
                Says::Refuses,
                format!("[pool {name}] the {what} '{path}' is not long enough"),
            ),
            loc,
        );
    } else if !path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~'))
    {
        c.push(
            code,
            Severity::Error,
            quoting(
                format!("`{key}` holds characters php-fpm does not allow in a path"),
                Says::Refuses,
                format!("[pool {name}] the {what} '{path}' must contain only the following characters '[alphanum]/_-.~'"),
            ),
            loc,
        );
    }
    true
}

/// The process manager checks, in php-fpm's order; php-fpm stops at the first failure.
fn check_pm(c: &mut PoolCheck<'_>, p: &mut Pool, global: &GlobalConfig) {
    let name = c.name().to_string();
    let Some(pm) = p.pm.value else {
        let loc = c.at(&p.pm);
        c.push(
            codes::PM_MISSING,
            Severity::Error,
            quoting(
                format!("pool [{name}] has no `pm`"),
                Says::Refuses,
                format!(
                    "[pool {name}] the process manager is missing (static, dynamic or ondemand)"
                ),
            ),
            loc,
        )
        .help = Some("add `pm = dynamic` (or `static`, `ondemand`)".into());
        return;
    };
    let max = p.pm_max_children.value;
    if max < 1 {
        let loc = c.at(&p.pm_max_children);
        c.push(
            codes::PM_MAX_CHILDREN,
            Severity::Error,
            quoting(
                format!("pool [{name}] needs a `pm.max_children` of 1 or more"),
                Says::Refuses,
                format!("[pool {name}] pm.max_children must be a positive value"),
            ),
            loc,
        )
        .help =
            Some("set `pm.max_children` to the number of PHP workers the machine can hold".into());
        return;
    }
    match pm {
        PmStyle::Dynamic => {
            let min_s = p.pm_min_spare_servers.value;
            let max_s = p.pm_max_spare_servers.value;
            if min_s <= 0 {
                let loc = c.at(&p.pm_min_spare_servers);
                c.push(
                    codes::PM_SPARE_POSITIVE,
                    Severity::Error,
                    quoting(
                        "`pm.min_spare_servers` must be 1 or more",
                        Says::Refuses,
                        format!(
                            "[pool {name}] pm.min_spare_servers({min_s}) must be a positive value"
                        ),
                    ),
                    loc,
                );
                return;
            }
            if max_s <= 0 {
                let loc = c.at(&p.pm_max_spare_servers);
                c.push(
                    codes::PM_SPARE_POSITIVE,
                    Severity::Error,
                    quoting(
                        "`pm.max_spare_servers` must be 1 or more",
                        Says::Refuses,
                        format!(
                            "[pool {name}] pm.max_spare_servers({max_s}) must be a positive value"
                        ),
                    ),
                    loc,
                );
                return;
            }
            if min_s > max || max_s > max {
                let bad = if max_s > max {
                    &p.pm_max_spare_servers
                } else {
                    &p.pm_min_spare_servers
                };
                let loc = c.at(bad);
                let d = c.push(
                    codes::PM_SPARE_GT_CHILDREN,
                    Severity::Error,
                    quoting(
                        format!("pool [{name}] keeps more spare workers than `pm.max_children` allows"),
                        Says::Refuses,
                        format!("[pool {name}] pm.min_spare_servers({min_s}) and pm.max_spare_servers({max_s}) cannot be greater than pm.max_children({max})"),
                    ),
                    loc,
                );
                if let Some(o) = p.pm_max_children.origin {
                    d.related
                        .push((o.file, o.value, "pm.max_children set here".into()));
                }
                return;
            }
            if max_s < min_s {
                let loc = c.at(&p.pm_max_spare_servers);
                c.push(
                    codes::PM_MAX_SPARE_LT_MIN,
                    Severity::Error,
                    quoting(
                        "`pm.max_spare_servers` is below `pm.min_spare_servers`",
                        Says::Refuses,
                        format!("[pool {name}] pm.max_spare_servers({max_s}) must not be less than pm.min_spare_servers({min_s})"),
                    ),
                    loc,
                );
                return;
            }
            let start = p.pm_start_servers.value;
            if start <= 0 {
                let computed = min_s + (max_s - min_s) / 2;
                let loc = match (p.pm_start_servers.origin, p.pm.origin) {
                    (Some(o), _) | (None, Some(o)) => (o.file, o.value),
                    _ => c.pool.header(),
                };
                c.push(
                    codes::PM_START_DEFAULT,
                    Severity::Info,
                    quoting(
                        format!("pool [{name}] sets no `pm.start_servers`"),
                        Says::Logs,
                        format!("[pool {name}] pm.start_servers is not set. It's been set to {computed}."),
                    ),
                    loc,
                );
                p.pm_start_servers.value = computed;
            } else if start < min_s || start > max_s {
                let loc = c.at(&p.pm_start_servers);
                c.push(
                    codes::PM_START_RANGE,
                    Severity::Error,
                    quoting(
                        "`pm.start_servers` lies outside `pm.min_spare_servers`..`pm.max_spare_servers`",
                        Says::Refuses,
                        format!("[pool {name}] pm.start_servers({start}) must not be less than pm.min_spare_servers({min_s}) and not greater than pm.max_spare_servers({max_s})"),
                    ),
                    loc,
                );
                return;
            }
            if p.pm_max_spawn_rate.value < 1 {
                let loc = c.at(&p.pm_max_spawn_rate);
                c.push(
                    codes::PM_SPAWN_RATE,
                    Severity::Error,
                    quoting(
                        "`pm.max_spawn_rate` must be 1 or more",
                        Says::Refuses,
                        format!("[pool {name}] pm.max_spawn_rate must be a positive value"),
                    ),
                    loc,
                );
            }
        }
        PmStyle::Ondemand => {
            let mech = global.events_mechanism.value.as_deref().unwrap_or("epoll");
            if !mech.eq_ignore_ascii_case("epoll") && !mech.eq_ignore_ascii_case("kqueue") {
                let loc = c.at(&p.pm);
                let d = c.push(
                    codes::ONDEMAND_EVENTS,
                    Severity::Error,
                    quoting(
                        format!("`pm = ondemand` needs the `epoll` event mechanism, not `{mech}`"),
                        Says::Refuses,
                        format!("[pool {name}] ondemand process manager can ONLY be used when events.mechanism is either epoll (Linux) or kqueue (*BSD)."),
                    ),
                    loc,
                );
                if let Some(o) = global.events_mechanism.origin {
                    d.related
                        .push((o.file, o.value, "events.mechanism set here".into()));
                }
                return;
            }
            let idle = p.pm_process_idle_timeout.value;
            if idle < 1 {
                let loc = c.at(&p.pm_process_idle_timeout);
                c.push(
                    codes::PM_IDLE_TIMEOUT,
                    Severity::Error,
                    quoting(
                        "`pm.process_idle_timeout` must be 1s or more",
                        Says::Refuses,
                        format!("[pool {name}] pm.process_idle_timeout({idle}s) must be greater than 0s"),
                    ),
                    loc,
                );
                return;
            }
            let backlog = p.listen_backlog.value;
            if backlog < BACKLOG_DEFAULT {
                let loc = c.at(&p.listen_backlog);
                c.push(
                    codes::ONDEMAND_BACKLOG,
                    Severity::Warning,
                    quoting(
                        format!("`listen.backlog = {backlog}` is too low for `pm = ondemand` and replaced with {BACKLOG_DEFAULT} (the kernel's maximum)"),
                        Says::Logs,
                        format!("[pool {name}] listen.backlog({backlog}) was too low for the ondemand process manager. I updated it for you to {BACKLOG_DEFAULT}."),
                    ),
                    loc,
                );
                p.listen_backlog.value = BACKLOG_DEFAULT;
            }
            // php-fpm forces these to 0 for ondemand
            p.pm_start_servers.value = 0;
            p.pm_min_spare_servers.value = 0;
            p.pm_max_spare_servers.value = 0;
        }
        PmStyle::Static => {}
    }
}

fn check_listen(c: &mut PoolCheck<'_>, opts: &crate::load::LoadOptions) {
    let pool = c.pool;
    let name = c.name().to_string();
    let Some(addr) = &pool.listen_address else {
        return;
    };
    let raw = pool.listen.value.clone().unwrap_or_default();
    let loc = c.at(&pool.listen);
    match addr {
        Listen::Unix { path } => {
            let looks_like_host =
                raw.eq_ignore_ascii_case("localhost") || raw.parse::<std::net::IpAddr>().is_ok();
            if looks_like_host {
                c.push(
                    codes::LISTEN_LOCALHOST_UNIX,
                    Severity::Warning,
                    format!("`listen = {raw}` has no port, so php-fpm creates a unix socket file named `{path}`"),
                    loc,
                )
                .help = Some(format!("write `listen = {raw}:9000` for TCP, or an absolute socket path"));
            }
            if path.len() >= SUN_PATH {
                let n = path.len();
                if opts.php_version >= PhpVersion::V8_3 {
                    c.push(
                        codes::SOCKET_PATH_TOO_LONG,
                        Severity::Error,
                        quoting(
                            format!("the unix socket path `{path}` is {n} bytes long"),
                            Says::Refuses,
                            format!(
                                "[pool {name}] cannot bind to UNIX socket '{path}' as path is too long (found length: {n}, maximal length: {})",
                                SUN_PATH - 1
                            ),
                        ),
                        loc,
                    );
                } else {
                    c.push(
                        codes::SOCKET_PATH_TOO_LONG,
                        Severity::Warning,
                        format!(
                            "the unix socket path `{path}` is {n} bytes long: php-fpm {} silently cuts it to {} bytes and listens somewhere else",
                            opts.php_version,
                            SUN_PATH - 1
                        ),
                        loc,
                    )
                    .help = Some("use a shorter socket path, such as /run/php/<pool>.sock".into());
                }
            }
        }
        tcp => {
            if let Some(port) = tcp.port() {
                if !(1..=65535).contains(&port) {
                    let port_str = raw
                        .rsplit_once(':')
                        .map_or(raw.as_str(), |(_, p)| p)
                        .to_string();
                    c.push(
                        codes::INVALID_PORT,
                        Severity::Error,
                        quoting(
                            format!("port `{port_str}` is outside 1..65535"),
                            Says::StartFails,
                            format!("invalid port value '{port_str}'"),
                        ),
                        loc,
                    )
                    .help = Some("use a port between 1 and 65535".into());
                }
            }
        }
    }

    // listen.owner/group are ignored when ACLs are set.
    let acl = !pool.listen_acl_users.value.is_empty() || !pool.listen_acl_groups.value.is_empty();
    if acl {
        for key in ["listen.owner", "listen.group"] {
            if let Some(r) = pool.get(key).filter(|r| !r.value.is_empty()) {
                let v = r.value.clone();
                let o = r.origin;
                c.push(
                    codes::ACL_OVERRIDES_OWNER,
                    Severity::Warning,
                    quoting(
                        format!(
                            "`{key}` has no effect beside `listen.acl_users`/`listen.acl_groups`"
                        ),
                        Says::Logs,
                        format!("[pool {name}] ACL set, {key} = '{v}' is ignored"),
                    ),
                    (o.file, o.key),
                )
                .help = Some(format!("remove `{key}`, or the `listen.acl_*` lines"));
            }
        }
    }

    if let Some(r) = pool.get("listen.mode").filter(|r| !r.value.is_empty()) {
        let (mode, complete) = values::parse_octal_prefix(&r.value);
        if !complete {
            let v = r.value.clone();
            let o = r.origin;
            c.push(
                codes::LISTEN_MODE,
                Severity::Warning,
                format!(
                    "php-fpm reads `listen.mode = {v}` as {mode:04o}: the mode is an octal number"
                ),
                (o.file, o.value),
            )
            .help = Some("write the mode in octal, such as `0660`".into());
        }
    }

    if let (Some(list), Some(o)) = (
        &pool.listen_allowed_clients.value,
        pool.listen_allowed_clients.origin,
    ) {
        let mut valid = 0;
        for item in list {
            if item.parse::<std::net::IpAddr>().is_ok() {
                valid += 1;
            } else {
                c.push(
                    codes::ALLOWED_CLIENTS,
                    Severity::Warning,
                    quoting(
                        format!("`{item}` in `listen.allowed_clients` is not an IP address"),
                        Says::Logs,
                        format!("Wrong IP address '{item}' in listen.allowed_clients"),
                    ),
                    (o.file, o.value),
                )
                .help = Some(if item.trim() != item {
                    "remove the blanks: php-fpm splits on commas only".to_string()
                } else {
                    "use IP addresses only: php-fpm does not resolve host names here".to_string()
                });
            }
        }
        if valid == 0 {
            c.push(
                codes::ALLOWED_CLIENTS,
                Severity::Warning,
                quoting(
                    "`listen.allowed_clients` holds no IP address: php-fpm refuses every connection",
                    Says::Logs,
                    "There are no allowed addresses",
                ),
                (o.file, o.value),
            )
            .help = Some("list the addresses nginx connects from, such as `127.0.0.1`; without any, nginx answers 502".into());
        }
    }
}

fn check_root(c: &mut PoolCheck<'_>, root_rules: bool) {
    if !root_rules {
        return;
    }
    let pool = c.pool;
    let name = c.name().to_string();
    let is_root = |v: &Option<String>| matches!(v.as_deref(), Some("root") | Some("0") | Some(""));
    let user_root = pool.user.is_explicit() && is_root(&pool.user.value);
    let group_root = pool.group.is_explicit() && is_root(&pool.group.value);
    if user_root || group_root {
        let loc = if user_root {
            c.at(&pool.user)
        } else {
            c.at(&pool.group)
        };
        c.push(
            codes::RUN_AS_ROOT,
            Severity::Error,
            quoting(
                format!("pool [{name}] runs as root"),
                Says::StartFails,
                format!("[pool {name}] please specify user and group other than root"),
            ),
            loc,
        )
        .help = Some(
            "run the pool as an unprivileged user such as `www-data` (or start php-fpm with `-R`)"
                .into(),
        );
    }
}

fn check_global(
    g: &GlobalConfig,
    header: (usize, Span),
    not_linux: bool,
    out: &mut Vec<Diagnostic>,
) {
    let at = |s: Option<Origin>| s.map_or(header, |o| (o.file, o.value));
    if g.log_limit.value < LOG_LIMIT_MIN {
        let (f, s) = at(g.log_limit.origin);
        out.push(Diagnostic::new(
            codes::LOG_LIMIT,
            Severity::Error,
            quoting(
                format!("`log_limit` must be more than {LOG_LIMIT_MIN}"),
                Says::Refuses,
                format!("log_limit must be greater than {LOG_LIMIT_MIN}"),
            ),
            f,
            s,
        ));
    }
    if g.process_max.value < 0 {
        let (f, s) = at(g.process_max.origin);
        out.push(Diagnostic::new(
            codes::PROCESS_MAX,
            Severity::Error,
            quoting(
                "`process.max` is negative",
                Says::Refuses,
                "process_max can't be negative",
            ),
            f,
            s,
        ));
    }
    if let Some(p) = g.process_priority.value {
        if !(-19..=20).contains(&p) {
            let (f, s) = at(g.process_priority.origin);
            out.push(Diagnostic::new(
                codes::PROCESS_PRIORITY,
                Severity::Error,
                quoting(
                    "`process.priority` must be between -19 and 20",
                    Says::Refuses,
                    "process.priority must be included into [-19,20]",
                ),
                f,
                s,
            ));
        }
    }
    if let Some(m) = g.events_mechanism.value.as_deref().filter(|_| !not_linux) {
        if !["epoll", "poll", "select"]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(m))
        {
            let (f, s) = at(g.events_mechanism.origin);
            out.push(
                Diagnostic::new(
                    codes::EVENTS_MECHANISM,
                    Severity::Error,
                    quoting(
                        format!("event mechanism `{m}` does not exist on Linux"),
                        Says::Refuses,
                        format!("event mechanism '{m}' is not available on this system"),
                    ),
                    f,
                    s,
                )
                .with_help("use `epoll` on Linux, or remove the line to let php-fpm choose"),
            );
        }
    }
}

/// A key set twice in one section. In one file that is a slip (warning); in two files it is how
/// a later file overrides an earlier one (the php image's `zz-docker.conf` sets `listen = 9000`
/// over `www.conf`'s), worth knowing but not wrong (info).
fn duplicate_keys(
    name: &str,
    raw: &BTreeMap<&'static str, RawSetting>,
    in_global: bool,
    files: &[crate::model::SourceFile],
    out: &mut Vec<Diagnostic>,
) {
    for (key, r) in raw {
        for o in &r.earlier {
            let where_ = if in_global {
                "`[global]`".to_string()
            } else {
                format!("pool [{name}]")
            };
            let d = if o.file == r.origin.file {
                Diagnostic::new(
                    codes::DUPLICATE_KEY,
                    Severity::Warning,
                    format!("`{key}` is set again later in {where_}: php-fpm uses the last value"),
                    o.file,
                    o.key,
                )
                .with_help("remove one of the two lines")
                // php-fpm uses the last value: the earlier line does nothing.
                .with_fix(
                    format!("Remove the earlier `{key}`"),
                    vec![crate::diag::FixEdit::RemoveLine {
                        file: o.file,
                        at: o.key.start,
                    }],
                )
            } else {
                let later = files
                    .get(r.origin.file)
                    .and_then(|f| f.path.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Diagnostic::new(
                    codes::DUPLICATE_KEY,
                    Severity::Info,
                    format!("`{key}` of {where_} is set again in `{later}`, which php-fpm reads later: that value is the one in effect"),
                    o.file,
                    o.key,
                )
            };
            out.push(d.with_related(r.origin.file, r.origin.key, "this value wins"));
        }
    }
}

/// Turns a finished loader into the configuration, running php-fpm's checks.
pub(crate) fn finish(l: Loader<'_>, main_ok: bool, pool_file: bool) -> FpmConfig {
    let opts = l.opts.clone();
    let prefix = opts.prefix_str();
    let mut diags = l.diags;
    let global = global_model(&l.global, l.includes);
    let mut pools: Vec<Pool> = l.pools.iter().map(|s| pool_model(s, &prefix)).collect();

    duplicate_keys("global", &global.raw, true, &l.files, &mut diags);
    for p in &pools {
        duplicate_keys(&p.name, &p.raw, false, &l.files, &mut diags);
    }

    if main_ok {
        let header = l
            .global
            .headers
            .first()
            .copied()
            .unwrap_or((0, Span::default()));
        check_global(&global, header, opts.not_linux, &mut diags);
        // Pools may live in files that could not be read; php-fpm stopped there anyway.
        let incomplete = diags.iter().any(|d| {
            matches!(
                d.code,
                codes::INCLUDE_GLOB_FAILED
                    | codes::FILE_UNREADABLE
                    | codes::INCLUDE_TOO_DEEP
                    | codes::LEGACY_XML
            )
        });
        if pools.is_empty() && !pool_file && !incomplete {
            // Where the pools were expected: the last `include=` (it brought none), else `[global]`.
            let (file, span) = global
                .includes
                .last()
                .map(|i| (i.origin.file, i.origin.value))
                .unwrap_or(header);
            let what = if global.includes.is_empty() {
                "no pool section"
            } else {
                "no pool section, here or in the included files"
            };
            diags.push(
                Diagnostic::new(
                    codes::NO_POOL,
                    Severity::Error,
                    quoting(
                        what,
                        Says::Refuses,
                        "No pool defined. at least one pool section must be specified in config file",
                    ),
                    file,
                    span,
                )
                .with_help(
                    "add a pool section such as `[www]`, or an `include=` of the pool files",
                ),
            );
        }
        let partial = pool_file && !opts.complete_pool_files;
        for p in &mut pools {
            check_pool(p, &opts, &global, partial, &mut diags);
        }
        // `ensure 2 pools do not use the same listening address`: exact strings after path resolution.
        for (i, b) in pools.iter().enumerate() {
            let Some(bl) = listen_key(b) else { continue };
            if let Some(a) = pools[..i]
                .iter()
                .find(|a| listen_key(a).as_deref() == Some(bl.as_str()))
            {
                let (bf, bs) = b.listen.origin.map_or(b.header(), |o| (o.file, o.value));
                let mut d = Diagnostic::new(
                    codes::DUPLICATE_LISTEN,
                    Severity::Error,
                    quoting(
                        format!("pool [{}] listens on the address of pool [{}]", b.name, a.name),
                        Says::Refuses,
                        format!(
                            "[pool {}] unable to set listen address as it's already used in another pool '{}'",
                            b.name, a.name
                        ),
                    ),
                    bf,
                    bs,
                )
                .with_help("give each pool its own socket or port");
                if let Some(o) = a.listen.origin {
                    d = d.with_related(o.file, o.value, format!("pool [{}] listens here", a.name));
                }
                diags.push(d);
            }
        }
    }

    FpmConfig {
        files: l.files,
        global,
        pools,
        diagnostics: diags,
        php_version: opts.php_version,
    }
}

/// The listen string php-fpm compares: relative unix paths made absolute, everything else as written.
fn listen_key(p: &Pool) -> Option<String> {
    let raw = p.listen.value.as_deref().filter(|v| !v.is_empty())?;
    Some(match &p.listen_address {
        Some(Listen::Unix { path }) => path.clone(),
        _ => raw.to_string(),
    })
}
