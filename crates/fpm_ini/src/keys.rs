//! The keys php-fpm knows, and how it reads each value.
//!
//! Names from php-src `sapi/fpm/fpm/fpm_conf.c` (tables `ini_fpm_global_options` and
//! `ini_fpm_pool_options`, PHP-8.2 branch), with the build options of Debian's php8.2-fpm
//! (syslog, systemd, ACL and AppArmor on; `listen.setfib` is FreeBSD-only). Checked against
//! `php-fpm8.2 -t` 8.2.35: every name here is accepted, `listen.setfib` is `unknown entry`.

/// How php-fpm converts a key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Any string; `$pool` is expanded.
    Str,
    /// Digits with an optional leading `-` (`fpm_conf_set_integer`).
    Int,
    /// Integer with an optional `s`/`m`/`h`/`d` suffix (`fpm_conf_set_time`).
    Time,
    /// `"1"`/`""` and lower-case yes/no words (`fpm_conf_set_boolean`).
    Bool,
    /// `static`, `dynamic` or `ondemand`.
    Pm,
    /// `debug`, `notice`, `warning`/`warn`, `error`, `alert`.
    LogLevel,
    /// `unlimited` or a non-negative integer.
    RlimitCore,
    /// A syslog facility name.
    SyslogFacility,
}

/// Keys of the `[global]` section, in php-fpm's order.
pub const GLOBAL_KEYS: &[(&str, Kind)] = &[
    ("pid", Kind::Str),
    ("error_log", Kind::Str),
    ("syslog.ident", Kind::Str),
    ("syslog.facility", Kind::SyslogFacility),
    ("log_buffering", Kind::Bool),
    ("log_level", Kind::LogLevel),
    ("log_limit", Kind::Int),
    ("emergency_restart_threshold", Kind::Int),
    ("emergency_restart_interval", Kind::Time),
    ("process_control_timeout", Kind::Time),
    ("process.max", Kind::Int),
    ("process.priority", Kind::Int),
    ("daemonize", Kind::Bool),
    ("rlimit_files", Kind::Int),
    ("rlimit_core", Kind::RlimitCore),
    ("events.mechanism", Kind::Str),
    ("systemd_interval", Kind::Time),
];

/// Keys of a pool section, in php-fpm's order.
pub const POOL_KEYS: &[(&str, Kind)] = &[
    ("prefix", Kind::Str),
    ("user", Kind::Str),
    ("group", Kind::Str),
    ("listen", Kind::Str),
    ("listen.backlog", Kind::Int),
    ("listen.acl_users", Kind::Str),
    ("listen.acl_groups", Kind::Str),
    ("listen.owner", Kind::Str),
    ("listen.group", Kind::Str),
    ("listen.mode", Kind::Str),
    ("listen.allowed_clients", Kind::Str),
    ("process.priority", Kind::Int),
    ("process.dumpable", Kind::Bool),
    ("pm", Kind::Pm),
    ("pm.max_children", Kind::Int),
    ("pm.start_servers", Kind::Int),
    ("pm.min_spare_servers", Kind::Int),
    ("pm.max_spare_servers", Kind::Int),
    ("pm.max_spawn_rate", Kind::Int),
    ("pm.process_idle_timeout", Kind::Time),
    ("pm.max_requests", Kind::Int),
    ("pm.status_path", Kind::Str),
    ("pm.status_listen", Kind::Str),
    ("ping.path", Kind::Str),
    ("ping.response", Kind::Str),
    ("access.log", Kind::Str),
    ("access.format", Kind::Str),
    ("slowlog", Kind::Str),
    ("request_slowlog_timeout", Kind::Time),
    ("request_slowlog_trace_depth", Kind::Int),
    ("request_terminate_timeout", Kind::Time),
    ("request_terminate_timeout_track_finished", Kind::Bool),
    ("rlimit_files", Kind::Int),
    ("rlimit_core", Kind::RlimitCore),
    ("chroot", Kind::Str),
    ("chdir", Kind::Str),
    ("catch_workers_output", Kind::Bool),
    ("decorate_workers_output", Kind::Bool),
    ("clear_env", Kind::Bool),
    ("security.limit_extensions", Kind::Str),
    ("apparmor_hat", Kind::Str),
];

/// Names that take `name[key] = value` in a pool (`fpm_conf_ini_parser_array`).
pub const ARRAY_KEYS: &[&str] = &[
    "php_value",
    "php_admin_value",
    "php_flag",
    "php_admin_flag",
    "env",
    "access.suppress_path",
];

/// Looks a key up the way php-fpm does (`strcasecmp`); returns the canonical name.
pub fn lookup(table: &'static [(&'static str, Kind)], key: &str) -> Option<(&'static str, Kind)> {
    table
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .copied()
}

/// The known key closest to `key` (edit distance at most a third of its length, at least 2), for "did you mean".
pub fn closest(key: &str, in_global: bool) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    let mut names: Vec<&'static str> = if in_global {
        GLOBAL_KEYS.iter().map(|(n, _)| *n).collect()
    } else {
        POOL_KEYS.iter().map(|(n, _)| *n).collect()
    };
    names.push("include");
    if !in_global {
        names.extend_from_slice(ARRAY_KEYS);
    }
    let limit = (lower.chars().count() / 3).max(2);
    names
        .into_iter()
        .map(|n| (levenshtein(&lower, n), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// The key as it is known in the other kind of section, when it is one there (for a better hint).
pub fn other_section_has(key: &str, in_global: bool) -> bool {
    if in_global {
        lookup(POOL_KEYS, key).is_some()
    } else {
        lookup(GLOBAL_KEYS, key).is_some()
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_canonical() {
        assert_eq!(
            lookup(POOL_KEYS, "PM.Max_Children"),
            Some(("pm.max_children", Kind::Int))
        );
        assert_eq!(lookup(GLOBAL_KEYS, "listen"), None);
    }

    #[test]
    fn closest_suggests_near_names_only() {
        assert_eq!(closest("pm.max_chidlren", false), Some("pm.max_children"));
        assert_eq!(closest("listen.onwer", false), Some("listen.owner"));
        assert_eq!(closest("completely_unrelated_thing", false), None);
        assert_eq!(closest("daemonise", true), Some("daemonize"));
    }
}
