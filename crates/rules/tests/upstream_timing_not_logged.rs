//! NGX311 upstream-timing-not-logged: fixture projects under testdata/rules/NGX311, exact
//! diagnostics with the place of the fix (the http-level log for every server that inherits it,
//! else once per server), the passes it covers and the help; and nginx's own verdict on each
//! fixture (ngx_http_log_module.c; verified on nginx 1.22.1).

mod lint_support;

use lint_support::{fixture, heads, lint, nginx_t, rule};

const CODE: &str = "NGX311";

/// The format the help adds: nginx's `combined` and the three upstream fields.
const ADD_FORMAT: &str = r#"log_format upstream_combined '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" upstream=$upstream_addr upstream_status=$upstream_status upstream_rt=$upstream_response_time';"#;

const ALL_THREE: &str = "`$upstream_addr`, `$upstream_status` and `$upstream_response_time`";

fn full(case: &str) -> Vec<String> {
    lint(&fixture(CODE, case), rule(CODE, &[]))
}

fn check(case: &str) -> Vec<String> {
    heads(&fixture(CODE, case), rule(CODE, &[]))
}

/// nginx's verdict on the fixture: `Ok` when it starts, else its message; `None` without nginx.
fn nginx_verdict(case: &str) -> Option<Result<(), String>> {
    nginx_t(&fixture(CODE, case)).map(|(ok, stderr)| if ok { Ok(()) } else { Err(stderr) })
}

fn nginx_starts(case: &str) {
    if let Some(Err(e)) = nginx_verdict(case) {
        panic!("{case}: nginx -t failed:\n{e}");
    }
}

#[test]
fn an_http_level_log_is_reported_once_for_every_server_that_inherits_it() {
    // The fourth server passes only where `access_log off` is set: a choice, not counted. One
    // server passes to a group of two: which backend answered is what the log cannot show.
    assert_eq!(
        full("http-log"),
        [format!(
            "nginx.conf:3:16: info: access log format `combined` lacks {ALL_THREE}: the access log does not show which backend answered the upstream requests of 3 servers [NGX311]\n  \
             label nginx.conf:14:24: passes requests upstream here with `combined`\n  \
             label nginx.conf:24:26: passes requests upstream here with `combined`\n  \
             label nginx.conf:31:23: passes requests upstream here with `combined`\n  \
             help: add `{ADD_FORMAT}` at the top of the `http` block and use `access_log access.log upstream_combined;`"
        )]
    );
    nginx_starts("http-log");
}

#[test]
fn nginx_default_is_reported_at_the_http_block() {
    assert_eq!(
        full("default"),
        [
            format!(
                "nginx.conf:2:1: info: no `access_log` is set, so nginx logs with `combined`, which lacks {ALL_THREE}: the access log does not show which backend answered the upstream requests of 2 servers [NGX311]\n  \
                 label nginx.conf:10:24: passes requests upstream here with `combined`\n  \
                 label nginx.conf:16:24: passes requests upstream here with `combined`\n  \
                 help: add `{ADD_FORMAT}` to the `http` block, and `access_log logs/access.log upstream_combined;` after it"
            ),
            // A server with a log of its own in one location: reported once, at that log. Its
            // backends are single addresses: the address is known, their answer is not.
            format!(
                "nginx.conf:29:24: info: access log format `combined` lacks {ALL_THREE}: the access log does not show the backend's status and response time for this server's upstream requests [NGX311]\n  \
                 label nginx.conf:2:1: other locations of this server log with nginx's default, `combined` (no `access_log` is set)\n  \
                 label nginx.conf:30:24: passes requests upstream here with `combined`\n  \
                 help: add `{ADD_FORMAT}` at the top of the `http` block and use `access_log admin.log upstream_combined;`"
            ),
        ]
    );
    nginx_starts("default");
}

#[test]
fn server_and_location_logs_are_reported_once_per_server() {
    // The http block's format records all three: the help uses it, keeping the log's parameters.
    assert_eq!(
        full("per-server"),
        [
            format!(
                "nginx.conf:17:26: info: access log format `combined` lacks {ALL_THREE}: the access log does not show the backend's status and response time for this server's upstream requests [NGX311]\n  \
                 label nginx.conf:19:24: passes requests upstream here with `combined`\n  \
                 help: use `access_log a.log upstream_timing buffer=32k;` (format `upstream_timing` records all three)"
            ),
            format!(
                "nginx.conf:29:30: info: access log format `main` lacks {ALL_THREE}: the access log does not show which backend answered this server's upstream requests [NGX311]\n  \
                 label nginx.conf:3:16: format `main` is defined here\n  \
                 label nginx.conf:30:24: passes requests upstream here with `main`\n  \
                 help: use `access_log b.log upstream_timing;` (format `upstream_timing` records all three)"
            ),
            format!(
                "nginx.conf:36:26: info: access log format `combined` lacks {ALL_THREE}: the access log does not show the backend's status and response time for this server's upstream requests [NGX311]\n  \
                 label nginx.conf:41:34: other locations of this server log with `main`, which lacks {ALL_THREE} too\n  \
                 label nginx.conf:38:24: passes requests upstream here with `combined`\n  \
                 help: use `access_log c.log upstream_timing;` (format `upstream_timing` records all three)"
            ),
            // The `if` inherits the location's proxy_pass; its own log replaces the inherited one.
            format!(
                "nginx.conf:54:28: info: access log format `combined` lacks {ALL_THREE}: the access log does not show the backend's status and response time for this server's upstream requests [NGX311]\n  \
                 label nginx.conf:49:24: passes requests upstream here with `combined`\n  \
                 help: use `access_log debug.log upstream_timing;` (format `upstream_timing` records all three)"
            ),
        ]
    );
    nginx_starts("per-server");
}

#[test]
fn custom_formats_name_what_they_miss_and_are_extended() {
    assert_eq!(
        full("custom"),
        [
            "nginx.conf:13:31: info: access log format `main_timed` lacks `$upstream_addr` and `$upstream_status`: the access log does not show the backend's status for this server's upstream requests [NGX311]\n  \
             label nginx.conf:3:16: format `main_timed` is defined here\n  \
             label nginx.conf:15:26: passes requests upstream here with `main_timed`\n  \
             help: add the string `' upstream=$upstream_addr upstream_status=$upstream_status'` at the end of `log_format main_timed`",
            "nginx.conf:20:57: info: access log format `json` lacks `$upstream_status` and `$upstream_response_time`: the access log does not show the backend's status and response time for this server's upstream requests [NGX311]\n  \
             label nginx.conf:7:16: format `json` is defined here\n  \
             label nginx.conf:22:24: passes requests upstream here with `json`\n  \
             help: add `\"upstream_status\":\"$upstream_status\",\"upstream_response_time\":\"$upstream_response_time\"` to the JSON object of `log_format json`",
            // A JSON object without `escape=json`: no text after its closing brace.
            "nginx.conf:27:31: info: access log format `plain_json` lacks `$upstream_addr`, `$upstream_status` and `$upstream_response_time`: the access log does not show the backend's status and response time for this server's upstream requests [NGX311]\n  \
             label nginx.conf:9:16: format `plain_json` is defined here\n  \
             label nginx.conf:29:24: passes requests upstream here with `plain_json`\n  \
             help: add `\"upstream_addr\":\"$upstream_addr\",\"upstream_status\":\"$upstream_status\",\"upstream_response_time\":\"$upstream_response_time\"` to the JSON object of `log_format plain_json`",
        ]
    );
    nginx_starts("custom");
}

#[test]
fn formats_that_record_them_and_logs_turned_off_are_clean() {
    // `${UPSTREAM_ADDR}`, `$Upstream_Response_Time`, a format named `Upstream` used as `upstream`
    // and `UPSTREAM`, one good log among several, `off` (alone or beside a log), `if=`, syslog.
    assert_eq!(check("clean"), Vec::<String>::new());
    nginx_starts("clean");
}

#[test]
fn a_format_nginx_does_not_know_is_nginx_s_error() {
    // `log_format` after the `access_log` that names it: nginx refuses to start.
    assert_eq!(check("nginx-errors"), Vec::<String>::new());
    if let Some(v) = nginx_verdict("nginx-errors") {
        let e = v.expect_err("nginx -t must refuse a format defined after its access_log");
        assert!(e.contains("unknown log format \"late\""), "{e}");
    }
}

#[test]
fn an_include_the_project_lacks_is_not_judged() {
    // The first server includes a file the project does not hold; the second a glob matching
    // nothing, which sets nothing.
    assert_eq!(
        check("unknown-include"),
        [format!("nginx.conf:3:16: info: access log format `combined` lacks {ALL_THREE}: the access log does not show the backend's status and response time for the upstream requests of 1 server [NGX311]")]
    );
}

#[test]
fn a_file_read_alone_is_judged_only_where_it_sets_the_log() {
    // Read as the http level with no `http` block in view: the inherited log and the format
    // `main` are unknown; a server's own `access_log` with `combined` is not.
    assert_eq!(
        full("alone"),
        [format!(
            "conf.d/sites.conf:12:16: info: access log format `combined` lacks {ALL_THREE}: the access log does not show the backend's status and response time for this server's upstream requests [NGX311]\n  \
             label conf.d/sites.conf:14:20: passes requests upstream here with `combined`\n  \
             help: add `{ADD_FORMAT}` at the top of the `http` block and use `access_log /var/log/nginx/b.log upstream_combined;`"
        )]
    );
}
