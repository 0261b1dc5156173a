//! FPM102 fpm-terminate-before-nginx-timeout: fixture projects under testdata/rules/FPM102 (nginx
//! and PHP-FPM files together), exact diagnostics with the nginx timeout in effect (FACTS P4).

mod socket_support;

use ngxlint_engine::rule::Settings;
use socket_support::lint;

const CODE: &str = "FPM102";

fn full(case: &str) -> Vec<String> {
    lint(CODE, case, &[], &Settings::default())
}

#[test]
fn nginx_default_of_60s() {
    assert_eq!(
        full("nginx-default"),
        ["www.conf:5:29: warning: pool [www] kills requests after `request_terminate_timeout = 30s`, before nginx's `fastcgi_read_timeout` of 60s, its default: slow requests get 502, not 504 [FPM102]\n  \
          related nginx.conf:5:26: this fastcgi_pass waits nginx's default 60s for the response header\n  \
          help: set `request_terminate_timeout = 65s` (above nginx's 60s, so nginx answers 504 first), or `fastcgi_read_timeout 29s;`"]
    );
}

#[test]
fn the_longest_wait_of_the_locations_that_reach_the_pool() {
    // 20s (http level) and the `if` inherit it: shorter than the pool's 1m; the 5m location is not.
    assert_eq!(
        full("location-timeout"),
        ["www.conf:5:29: warning: pool [app] kills requests after `request_terminate_timeout = 1m`, before nginx's `fastcgi_read_timeout` of 5m: slow requests get 502, not 504 [FPM102]\n  \
          related nginx.conf:9:34: nginx waits 5m for the response header here\n  \
          help: set `request_terminate_timeout = 305s` (above nginx's 300s, so nginx answers 504 first), or `fastcgi_read_timeout 59s;`"]
    );
}

#[test]
fn equal_off_remote_longer_and_unreached_pools_are_clean() {
    assert_eq!(full("not-shorter"), Vec::<String>::new());
}

#[test]
fn through_an_upstream_group() {
    assert_eq!(
        full("via-upstream"),
        ["www.conf:5:29: warning: pool [www] kills requests after `request_terminate_timeout = 1`, before nginx's `fastcgi_read_timeout` of 90s: slow requests get 502, not 504 [FPM102]\n  \
          related nginx.conf:8:34: nginx waits 90s for the response header here\n  \
          help: set `request_terminate_timeout = 95s` (above nginx's 90s, so nginx answers 504 first)"]
    );
}
