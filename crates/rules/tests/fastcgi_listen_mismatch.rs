//! NGX301 fastcgi-listen-mismatch: fixture projects under testdata/rules/NGX301 (nginx and PHP-FPM
//! files together), exact diagnostics with their related pool and help (FACTS P2).

mod socket_support;

use ngxlint_engine::rule::Settings;
use socket_support::{heads, lint};

const CODE: &str = "NGX301";

fn check(case: &str) -> Vec<String> {
    heads(CODE, case, &[], &Settings::default())
}

fn full(case: &str) -> Vec<String> {
    lint(CODE, case, &[], &Settings::default())
}

#[test]
fn php_upgrade_names_the_new_socket() {
    assert_eq!(
        full("upgrade"),
        ["nginx.conf:7:26: error: fastcgi_pass `unix:/run/php/php7.4-fpm.sock` matches no PHP-FPM pool [NGX301]\n  \
          related php/8.2/fpm/pool.d/www.conf:4:10: pool [www] listens on `/run/php/php8.2-fpm.sock`\n  \
          help: use `fastcgi_pass unix:/run/php/php8.2-fpm.sock;` (pool [www])"]
    );
}

#[test]
fn debians_version_less_link_reaches_the_www_pool() {
    assert_eq!(
        check("debian-link"),
        ["nginx.conf:14:26: error: fastcgi_pass `unix:/run/php/php-fpm-admin.sock` matches no PHP-FPM pool [NGX301]"]
    );
}

#[test]
fn tcp_against_unix_and_the_other_way() {
    assert_eq!(
        full("tcp-vs-unix"),
        [
            "nginx.conf:6:26: error: fastcgi_pass `127.0.0.1:9000` matches no PHP-FPM pool [NGX301]\n  \
             related pool.d/api.conf:4:10: pool [api] listens on `127.0.0.1:9001`\n  \
             help: use `fastcgi_pass 127.0.0.1:9001;` (pool [api])",
            "nginx.conf:9:26: error: fastcgi_pass `unix:/run/php/api.sock` matches no PHP-FPM pool [NGX301]\n  \
             related pool.d/www.conf:4:10: pool [www] listens on `/run/php/php8.2-fpm.sock`\n  \
             help: use `fastcgi_pass unix:/run/php/php8.2-fpm.sock;` (pool [www])",
        ]
    );
}

#[test]
fn every_spelling_of_a_match_is_clean() {
    // Bare port against 127.0.0.1, ::1, localhost, 127.0.0.2; `//`; /var/run = /run; relative FPM
    // paths against the pool prefix and php-fpm's prefix; 0.0.0.0 and IPv4-mapped; `if` blocks.
    assert_eq!(check("forms-match"), Vec::<String>::new());
}

#[test]
fn name_resolution_is_not_guessed() {
    // FPM `localhost:9000` binds one address: 127.0.0.1 and [::1] may or may not reach it. nginx
    // `localhost` tries 127.0.0.1 and ::1, so a pool on [::1] only may or may not be reached.
    assert_eq!(
        check("name-resolution"),
        [
            "nginx.conf:10:37: error: fastcgi_pass `127.0.0.1:9002` matches no PHP-FPM pool [NGX301]",
            "nginx.conf:12:37: error: fastcgi_pass `[::1]:9003` matches no PHP-FPM pool [NGX301]",
            "nginx.conf:8:37: error: fastcgi_pass `127.0.0.1:9001` matches no PHP-FPM pool [NGX301]",
        ]
    );
    let f = full("name-resolution");
    assert!(
        f[0].ends_with("help: use `fastcgi_pass [::1]:9002;` (pool [six])"),
        "{f:?}"
    );
    assert!(
        f[1].ends_with("help: use `fastcgi_pass 127.0.0.1:9003;` (pool [four])"),
        "{f:?}"
    );
    // No pool on 9001: the closest address is the same host on another port.
    assert!(
        f[2].ends_with("help: use `fastcgi_pass 127.0.0.1:9003;` (pool [four])"),
        "{f:?}"
    );
}

#[test]
fn silent_without_fpm_config() {
    assert_eq!(check("no-fpm"), Vec::<String>::new());
}

#[test]
fn other_hosts_are_left_alone_unless_asked() {
    assert_eq!(check("remote"), Vec::<String>::new());
    let remote = lint(
        CODE,
        "remote",
        &[("check_remote", "true")],
        &Settings::default(),
    );
    assert_eq!(
        remote,
        [
            "nginx.conf:5:16: error: server `php:9000` of upstream `backend` matches no PHP-FPM pool [NGX301]\n  \
             label nginx.conf:10:37: the upstream group this fastcgi_pass uses\n  \
             related pool.d/www.conf:11:10: pool [other] listens on `9001`\n  \
             help: use `server php:9001;` (pool [other])",
            "nginx.conf:8:37: error: fastcgi_pass `php:9000` matches no PHP-FPM pool [NGX301]\n  \
             related pool.d/www.conf:11:10: pool [other] listens on `9001`\n  \
             help: use `fastcgi_pass php:9001;` (pool [other])",
            "nginx.conf:9:37: error: fastcgi_pass `10.0.0.5:9000` matches no PHP-FPM pool [NGX301]\n  \
             related pool.d/www.conf:11:10: pool [other] listens on `9001`\n  \
             help: use `fastcgi_pass 10.0.0.5:9001;` (pool [other])",
        ]
    );
    let mut r = socket_support::rule(CODE, &[]);
    assert!(r.configure("check_remote", "yes").is_err());
    assert!(r.configure("nope", "true").is_err());
}

#[test]
fn variables_are_followed_only_when_certain() {
    assert_eq!(
        full("variables"),
        [
            "nginx.conf:11:26: error: fastcgi_pass `$sock` (`unix:/run/php/php7.4-fpm.sock`) matches no PHP-FPM pool [NGX301]\n  \
             label nginx.conf:10:23: `$sock` set here\n  \
             related pool.d/www.conf:4:10: pool [www] listens on `/run/php/php8.2-fpm.sock`\n  \
             help: use `set $sock unix:/run/php/php8.2-fpm.sock;` (pool [www])",
            "nginx.conf:14:26: error: fastcgi_pass `$server_sock` (`unix:/run/php/php7.4-fpm.sock`) matches no PHP-FPM pool [NGX301]\n  \
             label nginx.conf:8:26: `$server_sock` set here\n  \
             related pool.d/www.conf:4:10: pool [www] listens on `/run/php/php8.2-fpm.sock`\n  \
             help: use `set $server_sock unix:/run/php/php8.2-fpm.sock;` (pool [www])",
            "nginx.conf:18:26: error: fastcgi_pass `unix:${dir}/php7.4-fpm.sock` (`unix:/run/php/php7.4-fpm.sock`) matches no PHP-FPM pool [NGX301]\n  \
             label nginx.conf:17:22: `$dir` set here\n  \
             related pool.d/www.conf:4:10: pool [www] listens on `/run/php/php8.2-fpm.sock`\n  \
             help: use `fastcgi_pass unix:/run/php/php8.2-fpm.sock;` (pool [www])",
        ]
    );
}

#[test]
fn upstream_servers_one_by_one() {
    assert_eq!(
        full("upstream"),
        [
            "upstreams.conf:3:12: error: server `127.0.0.1:9001` of upstream `php` matches no PHP-FPM pool [NGX301]\n  \
             related nginx.conf:6:42: the upstream group this fastcgi_pass uses\n  \
             related pool.d/www.conf:11:10: pool [api] listens on `9000`\n  \
             help: use `server 127.0.0.1:9000 max_fails=3;` (pool [api])",
            "upstreams.conf:5:12: error: server `unix:/run/php/php7.4-fpm.sock` of upstream `php` matches no PHP-FPM pool [NGX301]\n  \
             related nginx.conf:6:42: the upstream group this fastcgi_pass uses\n  \
             related pool.d/www.conf:4:10: pool [www] listens on `/run/php/php8.2-fpm.sock`\n  \
             help: use `server unix:/run/php/php8.2-fpm.sock backup;` (pool [www])",
            "upstreams.conf:6:12: error: server `127.0.0.1` of upstream `php` matches no PHP-FPM pool [NGX301]\n  \
             related nginx.conf:6:42: the upstream group this fastcgi_pass uses\n  \
             related pool.d/www.conf:11:10: pool [api] listens on `9000`\n  \
             help: use `server 127.0.0.1:9000;` (pool [api])",
        ]
    );
}

#[test]
fn a_snippet_included_twice_is_reported_once() {
    assert_eq!(
        check("included-twice"),
        ["php.conf:2:18: error: fastcgi_pass `unix:/run/php/php7.4-fpm.sock` matches no PHP-FPM pool [NGX301]"]
    );
}
