//! NGX310 upstream-keepalive-misconfigured: fixture projects under testdata/rules/NGX310, exact
//! diagnostics for nginx before 1.29.7 (the installed 1.22.1) and from 1.29.7 on (the default
//! 1.30.4), and the real `nginx -t` verdict on each fixture it can read (FACTS N3, N4).

mod socket_support;

use socket_support::lint_support;

use ngxlint_engine::rule::Settings;

const CODE: &str = "NGX310";

/// Before 1.29.7: HTTP/1.0 and `Connection: close` by default, the method must come first.
const OLD: (u32, u32, u32) = (1, 22, 1);
/// From 1.29.7 on: HTTP/1.1, no `Connection` header, order-free.
const NEW: (u32, u32, u32) = (1, 30, 4);

fn full(case: &str, version: (u32, u32, u32)) -> Vec<String> {
    let settings = Settings {
        nginx_version: version,
        ..Settings::default()
    };
    socket_support::lint(CODE, case, &[], &settings)
}

fn heads(case: &str, version: (u32, u32, u32)) -> Vec<String> {
    full(case, version)
        .into_iter()
        .map(|d| d.lines().next().unwrap_or("").to_string())
        .collect()
}

/// `nginx -t` accepts the fixture; returns what it printed (warnings).
fn nginx_accepts(case: &str) -> Option<String> {
    lint_support::nginx_says(CODE, case, None)
}

const NONE: [&str; 0] = [];

#[test]
fn keepalive_alone_before_1_29_7() {
    assert_eq!(
        full("defaults", OLD),
        [concat!(
            "nginx.conf:21:24: warning: proxy_pass to upstream `app` speaks HTTP/1.0 and sends `Connection: close` (nginx's defaults before 1.29.7): every request opens a new connection, `keepalive 16` caches none [NGX310]\n",
            "  label nginx.conf:15:9: the connection cache of upstream `app`\n",
            "  help: add `proxy_http_version 1.1;` and `proxy_set_header Connection \"\";` next to the proxy_pass"
        )]
    );
    // From 1.29.7 nginx speaks HTTP/1.1 and sends no `Connection` header: the cache works.
    assert_eq!(heads("defaults", NEW), NONE);
    if let Some(out) = nginx_accepts("defaults") {
        assert!(!out.contains("[warn]"), "{out}");
    }
}

#[test]
fn each_default_alone() {
    assert_eq!(
        full("close-only", OLD),
        [
            concat!(
                "nginx.conf:21:24: warning: proxy_pass to upstream `app` sends `Connection: close` (nginx's default before 1.29.7): every request opens a new connection, `keepalive 16` caches none [NGX310]\n",
                "  label nginx.conf:14:9: the connection cache of upstream `app`\n",
                "  help: add `proxy_set_header Connection \"\";` next to the proxy_pass"
            ),
            concat!(
                "nginx.conf:26:24: warning: proxy_pass to upstream `app` speaks HTTP/1.0 (nginx's default before 1.29.7): every request opens a new connection, `keepalive 16` caches none [NGX310]\n",
                "  label nginx.conf:14:9: the connection cache of upstream `app`\n",
                "  help: add `proxy_http_version 1.1;` next to the proxy_pass"
            ),
        ]
    );
    assert_eq!(heads("close-only", NEW), NONE);
    nginx_accepts("close-only");
}

#[test]
fn a_location_list_discards_connection_clearing() {
    // The server clears `Connection`; /api/ has its own `proxy_set_header` list, which replaces
    // the server's: nginx's `Connection: close` is back (FACTS N3). The line belongs in that list.
    assert_eq!(
        full("discarded", OLD),
        [concat!(
            "nginx.conf:29:24: warning: proxy_pass to upstream `app` sends `Connection: close` (nginx's default before 1.29.7): every request opens a new connection, `keepalive 16` caches none [NGX310]\n",
            "  label nginx.conf:14:9: the connection cache of upstream `app`\n",
            "  label nginx.conf:28:13: a `proxy_set_header` list in effect starts here, with no `Connection`\n",
            "  help: add `proxy_set_header Connection \"\";` to the `location /api/` block, which holds the `proxy_set_header` list in effect"
        )]
    );
    assert_eq!(heads("discarded", NEW), NONE);
    nginx_accepts("discarded");
}

#[test]
fn written_http_1_0_and_connection_close_in_every_version() {
    let want = [
        concat!(
            "nginx.conf:11:24: warning: `proxy_http_version 1.0` to upstream `app`: the upstream closes every connection after one response, `keepalive 16` caches none [NGX310]\n",
            "  label nginx.conf:15:9: the connection cache of upstream `app`\n",
            "  label nginx.conf:26:24: passes to upstream `app` here\n",
            "  label nginx.conf:29:24: passes to upstream `app` here\n",
            "  help: use `proxy_http_version 1.1;` instead of `proxy_http_version 1.0`"
        ),
        concat!(
            "nginx.conf:34:41: warning: `proxy_set_header Connection close` to upstream `search`: the upstream closes every connection after one response, `keepalive 4` caches none [NGX310]\n",
            "  label nginx.conf:19:9: the connection cache of upstream `search`\n",
            "  label nginx.conf:35:24: passes to upstream `search` here\n",
            "  help: use `proxy_set_header Connection \"\";` instead of `proxy_set_header Connection close`"
        ),
    ];
    assert_eq!(full("written", OLD), want);
    assert_eq!(full("written", NEW), want);
    nginx_accepts("written");
}

#[test]
fn balancing_method_after_keepalive() {
    let want = [
        concat!(
            "nginx.conf:15:9: warning: `least_conn` after `keepalive 16` drops the connection cache of upstream `a` (nginx warns `load balancing method redefined`): every request opens a new connection [NGX310]\n",
            "  label nginx.conf:14:9: the cache is set up here, before the balancing method\n",
            "  help: move `keepalive 16;` below `least_conn;`: the balancing method must come first"
        ),
        concat!(
            "nginx.conf:20:9: warning: `hash` after `keepalive 16` drops the connection cache of upstream `b` (nginx warns `load balancing method redefined`): every request opens a new connection [NGX310]\n",
            "  label nginx.conf:19:9: the cache is set up here, before the balancing method\n",
            "  help: move `keepalive 16;` below `hash $request_uri consistent;`: the balancing method must come first"
        ),
        concat!(
            "nginx.conf:24:9: warning: `ip_hash` after `keepalive 16` drops the connection cache of upstream `c` (nginx warns `load balancing method redefined`): every request opens a new connection [NGX310]\n",
            "  label nginx.conf:23:9: the cache is set up here, before the balancing method\n",
            "  help: move `keepalive 16;` below `ip_hash;`: the balancing method must come first"
        ),
        concat!(
            "nginx.conf:30:9: warning: `random` after `keepalive 16` drops the connection cache of upstream `d` (nginx warns `load balancing method redefined`): every request opens a new connection [NGX310]\n",
            "  label nginx.conf:29:9: the cache is set up here, before the balancing method\n",
            "  help: move `keepalive 16;` below `random two least_conn;`: the balancing method must come first"
        ),
    ];
    assert_eq!(full("order", OLD), want);
    // From 1.29.7 on the order no longer matters.
    assert_eq!(heads("order", NEW), NONE);
    // nginx 1.22.1 warns on exactly the lines reported, and not on upstream `e` (method first).
    if let Some(out) = nginx_accepts("order") {
        let warned: Vec<&str> = out
            .lines()
            .filter(|l| l.contains("[warn]"))
            .map(|l| l.rsplit(':').next().unwrap_or(""))
            .collect();
        assert!(
            out.lines()
                .filter(|l| l.contains("[warn]"))
                .all(|l| l.contains("load balancing method redefined in ")),
            "{out}"
        );
        assert_eq!(warned, ["15", "20", "24", "30"], "{out}");
    }
}

#[test]
fn fastcgi_without_keep_conn_in_every_version() {
    let want = [
        concat!(
            "nginx.conf:24:26: warning: fastcgi_pass to upstream `php` without `fastcgi_keep_conn on`: php-fpm closes every connection after one response, `keepalive 8` caches none [NGX310]\n",
            "  label nginx.conf:14:9: the connection cache of upstream `php`\n",
            "  help: add `fastcgi_keep_conn on;` next to the fastcgi_pass (each cached connection holds a php-fpm child: keep `keepalive 8` × worker processes below `pm.max_children`)"
        ),
        concat!(
            "nginx.conf:27:31: warning: `fastcgi_keep_conn off` to upstream `php`: php-fpm closes every connection after one response, `keepalive 8` caches none [NGX310]\n",
            "  label nginx.conf:14:9: the connection cache of upstream `php`\n",
            "  label nginx.conf:28:26: passes to upstream `php` here\n",
            "  help: use `fastcgi_keep_conn on;` instead of `fastcgi_keep_conn off` (each cached connection holds a php-fpm child: keep `keepalive 8` × worker processes below `pm.max_children`)"
        ),
    ];
    assert_eq!(full("fastcgi", OLD), want);
    assert_eq!(full("fastcgi", NEW), want);
    nginx_accepts("fastcgi");
}

#[test]
fn near_misses_are_clean() {
    // HTTP/1.1 with `Connection ""` (any case, after proxy_params), the websocket variable (not
    // judged), HTTP/1.0 keep-alive, a group without `keepalive` (from 1.29.7 on nginx's own
    // `keepalive 32 local`: not judged), a literal address, a variable pass.
    assert_eq!(heads("clean", OLD), NONE);
    assert_eq!(heads("clean", NEW), NONE);
    nginx_accepts("clean");
}

#[test]
fn an_include_the_project_lacks_is_not_judged() {
    assert_eq!(heads("unknown-include", OLD), NONE);
}

#[test]
fn many_locations_one_finding() {
    // One group, three servers in three files: one finding, the others shown beside it; the lines
    // belong in the `http` block (no level has a `proxy_set_header` list).
    assert_eq!(
        full("many", OLD),
        [concat!(
            "sites/site1.conf:4:20: warning: proxy_pass to upstream `app` in 3 locations speaks HTTP/1.0 and sends `Connection: close` (nginx's defaults before 1.29.7): every request opens a new connection, `keepalive 16` caches none [NGX310]\n",
            "  related nginx.conf:14:9: the connection cache of upstream `app`\n",
            "  related sites/site2.conf:4:20: passes to upstream `app` here\n",
            "  related sites/site3.conf:4:20: passes to upstream `app` here\n",
            "  help: add `proxy_http_version 1.1;` and `proxy_set_header Connection \"\";` to the `http` block"
        )]
    );
    assert_eq!(heads("many", NEW), NONE);
    nginx_accepts("many");
}

#[test]
fn keepalive_local_and_keepalive_0_from_1_29_7() {
    // `keepalive 16 local` is a cache; `keepalive 0` turns it off (no finding for `off`).
    assert_eq!(
        heads("modern", NEW),
        ["nginx.conf:16:28: warning: `proxy_http_version 1.0` to upstream `app`: the upstream closes every connection after one response, `keepalive 16 local` caches none [NGX310]"]
    );
}

#[test]
fn one_file_included_in_two_servers() {
    // Fine in the first server, defeated in the second: judged in each place it is read.
    assert_eq!(
        full("included", OLD),
        [concat!(
            "locations/app.conf:2:16: warning: proxy_pass to upstream `app` speaks HTTP/1.0 and sends `Connection: close` (nginx's defaults before 1.29.7): every request opens a new connection, `keepalive 16` caches none [NGX310]\n",
            "  related nginx.conf:14:9: the connection cache of upstream `app`\n",
            "  help: add `proxy_http_version 1.1;` and `proxy_set_header Connection \"\";` next to the proxy_pass"
        )]
    );
    nginx_accepts("included");
}
