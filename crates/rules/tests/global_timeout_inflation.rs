//! NGX303 global-timeout-inflation: fixture projects with their exact findings.

mod ngx30x_support;

use ngx30x_support::{check, fixture, lines};

const CODE: &str = "NGX303";

#[test]
fn http_and_server_levels_only_with_nginx_time_syntax() {
    let f = check(&fixture(CODE, "levels"), CODE, &[]);
    assert_eq!(
        lines(&f),
        [
            "nginx.conf:10:28: warning: `proxy_send_timeout 2m` in the `server` block raises the timeout above 60s for every location [NGX303]",
            "nginx.conf:11:27: warning: `grpc_send_timeout 1m30s` in the `server` block raises the timeout above 60s for every location [NGX303]",
            "nginx.conf:12:28: warning: `uwsgi_read_timeout 61` in the `server` block raises the timeout above 60s for every location [NGX303]",
            "nginx.conf:21:37: info: `fastcgi_connect_timeout 76s` is above 75s, which nginx documents a connect cannot usually exceed [NGX303]",
            "nginx.conf:3:24: warning: `proxy_read_timeout 300s` in the `http` block raises the timeout above 60s for every location [NGX303]",
            "nginx.conf:6:26: info: `grpc_connect_timeout 2m` is above 75s, which nginx documents a connect cannot usually exceed [NGX303]",
        ]
    );
    let helps: Vec<_> = f.iter().map(|d| d.help.as_deref().unwrap_or("")).collect();
    assert_eq!(
        helps,
        [
            "move `proxy_send_timeout 2m;` into `location /slow/`",
            "move `grpc_send_timeout 1m30s;` into `location /grpc/`",
            // No uwsgi location: nobody to name.
            "move `uwsgi_read_timeout 61;` into the location that needs it",
            "use `fastcgi_connect_timeout 75s;` or less",
            // The only proxy location sets its own: nobody inherits it.
            "move `proxy_read_timeout 300s;` into the location that needs it",
            "use `grpc_connect_timeout 75s;` or less",
        ]
    );
    assert_eq!(f[0].labels, ["15:24 inherited here"]);
    assert_eq!(f[1].labels, ["24:23 inherited here"]);
    assert!(f[4].labels.is_empty());
}

#[test]
fn names_the_one_location_that_inherits_it() {
    let f = check(&fixture(CODE, "one-location"), CODE, &[]);
    assert_eq!(
        lines(&f),
        ["nginx.conf:3:26: warning: `fastcgi_read_timeout 300s` in the `http` block raises the timeout above 60s for every location [NGX303]"]
    );
    assert_eq!(
        f[0].help.as_deref(),
        Some("move `fastcgi_read_timeout 300s;` into `location ~ \\.php$`")
    );
    assert_eq!(f[0].labels, ["8:26 inherited here"]);
}

#[test]
fn inheriting_locations_in_other_files_are_related() {
    let f = check(&fixture(CODE, "multi-file"), CODE, &[]);
    assert_eq!(
        lines(&f),
        ["nginx.conf:3:24: warning: `proxy_read_timeout 10m` in the `http` block raises the timeout above 60s for every location [NGX303]"]
    );
    assert_eq!(
        f[0].related,
        [
            "sites/a.conf:4:20 inherited here",
            "sites/b.conf:4:20 inherited here"
        ]
    );
    assert_eq!(
        f[0].help.as_deref(),
        Some("move `proxy_read_timeout 10m;` into the location that needs it")
    );
}

#[test]
fn max_global_timeout_option() {
    let f = check(
        &fixture(CODE, "one-location"),
        CODE,
        &[("max_global_timeout", "5m")],
    );
    assert!(f.is_empty(), "{f:?}");
    let f = check(
        &fixture(CODE, "one-location"),
        CODE,
        &[("max_global_timeout", "4m59s")],
    );
    assert_eq!(f.len(), 1);
    assert!(f[0].line.contains("above 299s"), "{}", f[0].line);
    let mut rules = ngxlint_rules::all();
    let r = rules.iter_mut().find(|r| r.meta().code == CODE).unwrap();
    assert!(r.configure("max_global_timeout", "5x").is_err());
    assert!(r.configure("min_buffer_size", "16k").is_err());
}
