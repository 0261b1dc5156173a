//! FPM101 fpm-socket-permissions: fixture projects under testdata/rules/FPM101 (nginx and PHP-FPM
//! files together), exact diagnostics with the nginx `user` line and the help (FACTS P2).

mod socket_support;

use ngxlint_engine::rule::Settings;
use socket_support::{heads, lint};

const CODE: &str = "FPM101";

fn check(case: &str) -> Vec<String> {
    heads(CODE, case, &[], &Settings::default())
}

fn full(case: &str) -> Vec<String> {
    lint(CODE, case, &[], &Settings::default())
}

fn none() -> Vec<String> {
    Vec::new()
}

#[test]
fn unset_owner_leaves_the_socket_to_root() {
    assert_eq!(
        full("root-default"),
        ["pool.d/www.conf:4:10: error: socket `/run/php/php8.2-fpm.sock` of pool [www] is `root:root` 0660 (the master's, `listen.owner` unset): nginx workers running as `www-data` cannot connect [FPM101]\n  \
          related nginx.conf:1:6: nginx workers run as `www-data`\n  \
          related nginx.conf:6:26: this fastcgi_pass connects to the socket\n  \
          help: set `listen.owner = www-data` and `listen.group = www-data` (nginx workers run as `www-data`)"]
    );
}

#[test]
fn nginx_running_as_nobody() {
    assert_eq!(
        full("nginx-nobody"),
        ["pool.d/www.conf:6:16: error: socket `/run/php/php8.2-fpm.sock` of pool [www] is `www-data:www-data` 0660: nginx workers running as `nobody:nogroup` cannot connect [FPM101]\n  \
          related nginx.conf:1:6: nginx workers run as `nobody:nogroup`\n  \
          related nginx.conf:6:26: this fastcgi_pass connects to the socket\n  \
          help: set `listen.group = nogroup` (nginx workers run as `nobody:nogroup`)"]
    );
}

#[test]
fn debian_pool_is_clean() {
    assert_eq!(check("debian-good"), none());
}

#[test]
fn owner_alone_gives_its_primary_group() {
    // `listen.owner = www-data` alone: group www-data (taken as the owner's primary group).
    assert_eq!(
        full("owner-only"),
        ["pool.d/www.conf:13:16: error: socket `/run/php/b.sock` of pool [b] is `app:app` 0660: nginx workers running as `www-data` cannot connect [FPM101]\n  \
          related nginx.conf:1:6: nginx workers run as `www-data`\n  \
          related nginx.conf:6:37: this fastcgi_pass connects to the socket\n  \
          help: set `listen.group = www-data` (nginx workers run as `www-data`)"]
    );
}

#[test]
fn mode_bits_of_the_workers_class() {
    let f = full("modes");
    assert_eq!(
        heads(CODE, "modes", &[], &Settings::default()),
        [
            "pool.d/www.conf:17:15: error: listen.mode `0460` gives the socket's owner `www-data` no write access: nginx workers running as `www-data` cannot connect to `/run/php/owner.sock` [FPM101]",
            "pool.d/www.conf:26:16: error: socket `/run/php/other.sock` of pool [other] is `app:app` 0660: nginx workers running as `www-data` cannot connect [FPM101]",
            "pool.d/www.conf:44:10: error: socket `/run/php/owner-no-group.sock` of pool [owner-no-group] is `root:root` 0600 (the master's, `listen.owner` unset): nginx workers running as `www-data` cannot connect [FPM101]",
            "pool.d/www.conf:7:15: error: listen.mode `0600` gives the socket's group `www-data` no write access: nginx workers running as `www-data` cannot connect to `/run/php/group.sock` [FPM101]",
        ]
    );
    assert!(f[0].ends_with("help: set `listen.mode = 0660`"), "{f:?}");
    assert!(f[2].ends_with("help: set `listen.owner = www-data` and `listen.group = www-data` (nginx workers run as `www-data`)"), "{f:?}");
    assert!(f[3].ends_with("help: set `listen.mode = 0660`"), "{f:?}");
}

#[test]
fn supplementary_groups_from_settings() {
    assert_eq!(
        check("worker-groups"),
        ["pool.d/www.conf:6:16: error: socket `/run/php/php8.2-fpm.sock` of pool [www] is `app:php` 0660: nginx workers running as `www-data` cannot connect [FPM101]"]
    );
    let settings = Settings {
        worker_groups: vec!["php".into()],
        ..Settings::default()
    };
    assert_eq!(heads(CODE, "worker-groups", &[], &settings), none());
}

#[test]
fn plesks_psaserv_holds_the_web_server() {
    assert_eq!(
        check("plesk"),
        ["pool.d/example.com.conf:16:16: error: socket `/run/php/other.sock` of pool [other] is `root:psacln` 0660: nginx workers running as `nginx` cannot connect [FPM101]"]
    );
}

#[test]
fn acls_replace_owner_and_group() {
    assert_eq!(
        full("acl"),
        [
            "pool.d/www.conf:13:21: error: no ACL entry of pool [groups] names nginx workers running as `www-data`, and mode `0660` gives others no write access to `/run/php/groups.sock` [FPM101]\n  \
             related nginx.conf:1:6: nginx workers run as `www-data`\n  \
             related nginx.conf:6:42: this fastcgi_pass connects to the socket\n  \
             help: set `listen.acl_users = www-data`",
            "pool.d/www.conf:23:20: error: no ACL entry of pool [ignored] names nginx workers running as `www-data`, and mode `0660` gives others no write access to `/run/php/ignored.sock` [FPM101]\n  \
             related nginx.conf:1:6: nginx workers run as `www-data`\n  \
             related nginx.conf:7:49: this fastcgi_pass connects to the socket\n  \
             help: set `listen.acl_users = app,www-data`",
        ]
    );
    let settings = Settings {
        worker_groups: vec!["php".into()],
        ..Settings::default()
    };
    assert_eq!(heads(CODE, "acl", &[], &settings).len(), 1);
}

#[test]
fn silent_when_the_worker_user_is_not_written() {
    // No `user`: the build default applies only when the master starts as root (containers often
    // run both servers as one unprivileged user).
    assert_eq!(check("user-unset"), none());
}

#[test]
fn silent_for_pools_no_fastcgi_pass_reaches() {
    assert_eq!(check("not-reached"), none());
}

#[test]
fn socket_settings_on_tcp_are_noted() {
    assert_eq!(
        full("tcp-settings"),
        [
            "pool.d/www.conf:5:1: info: `listen.owner` has no effect: pool [www] listens on TCP `127.0.0.1:9000` [FPM101]\n  \
             help: remove `listen.owner` (`listen.allowed_clients` limits who may connect over TCP)",
            "pool.d/www.conf:6:1: info: `listen.group` has no effect: pool [www] listens on TCP `127.0.0.1:9000` [FPM101]\n  \
             help: remove `listen.group` (`listen.allowed_clients` limits who may connect over TCP)",
            "pool.d/www.conf:7:1: info: `listen.mode` has no effect: pool [www] listens on TCP `127.0.0.1:9000` [FPM101]\n  \
             help: remove `listen.mode` (`listen.allowed_clients` limits who may connect over TCP)",
        ]
    );
}

#[test]
fn root_workers_and_numeric_ids() {
    assert_eq!(check("root-worker"), none());
    // uid/gid 33 is www-data on Debian and xfs on Alpine: not knowable here.
    assert_eq!(check("numeric"), none());
}

#[test]
fn reached_through_an_upstream_and_var_run() {
    assert_eq!(
        check("via-upstream"),
        ["pool.d/www.conf:4:10: error: socket `/run/php/php8.2-fpm.sock` of pool [www] is `root:root` 0660 (the master's, `listen.owner` unset): nginx workers running as `www-data` cannot connect [FPM101]"]
    );
}
