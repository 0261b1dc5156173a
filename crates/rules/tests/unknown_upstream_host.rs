//! NGX308 unknown-upstream-host: fixture projects under testdata/rules/NGX308, exact diagnostics,
//! and the real `nginx -t` refusing each typo (FACTS N4).

mod lint_support;

use lint_support::{fixture, heads, lint, nginx_t, rule};

const CODE: &str = "NGX308";

fn check(case: &str, options: &[(&str, &str)]) -> Vec<String> {
    heads(&fixture(CODE, case), rule(CODE, options))
}

/// nginx -t fails with this text.
fn nginx_refuses(case: &str, text: &str) {
    if let Some((ok, stderr)) = nginx_t(&fixture(CODE, case)) {
        assert!(!ok, "{case}: nginx -t passed, expected {text:?}");
        assert!(stderr.contains(text), "{case}: nginx -t said:\n{stderr}");
    }
}

#[test]
fn typo_of_an_upstream_name() {
    assert_eq!(
        lint(&fixture(CODE, "typo"), rule(CODE, &[])),
        [
            concat!(
                "nginx.conf:17:24: error: `backnd` is not an upstream group: nginx refuses to start with `host not found in upstream \"backnd\"` [NGX308]\n",
                "  label nginx.conf:12:14: upstream `backend` defined here\n",
                "  help: use `proxy_pass http://backend;` (upstream `backend`)"
            ),
            concat!(
                "nginx.conf:23:26: error: `php_fmp` is not an upstream group: nginx refuses to start with `no port in upstream \"php_fmp\"` [NGX308]\n",
                "  label nginx.conf:13:14: upstream `php_fpm` defined here\n",
                "  help: use `fastcgi_pass php_fpm;` (upstream `php_fpm`)"
            ),
        ]
    );
    nginx_refuses("typo", "host not found in upstream \"backnd\"");
}

#[test]
fn typo_with_a_port() {
    assert_eq!(
        lint(&fixture(CODE, "typo-with-port"), rule(CODE, &[])),
        [concat!(
            "nginx.conf:16:26: error: `backnd` is not an upstream group: nginx refuses to start with `host not found in upstream \"backnd\"` [NGX308]\n",
            "  label nginx.conf:12:14: upstream `backend` defined here\n",
            "  help: use `fastcgi_pass backend;` (upstream `backend`)"
        )]
    );
    nginx_refuses("typo-with-port", "host not found in upstream \"backnd\"");
}

#[test]
fn container_names_are_left_alone() {
    // `php` has no close upstream name: a compose service resolved at start-up. Not run through
    // nginx -t: these names do not resolve here.
    assert_eq!(check("container-names", &[]), Vec::<String>::new());
    assert_eq!(
        check("container-names", &[("report_unmatched", "true")]),
        ["nginx.conf:25:26: warning: `php` is not an upstream group: nginx resolves it at start-up and refuses to start with `host not found in upstream \"php\"` when that fails [NGX308]"]
    );
}

#[test]
fn a_host_a_group_names_as_its_server_is_a_host() {
    // `web1` is one edit from `web`, but `upstream web` lists `server web1:80`: a host name
    // where nginx runs. A typo of the group beside it is still reported. Not run through
    // nginx -t: these names do not resolve here.
    assert_eq!(
        check("server-host", &[]),
        ["nginx.conf:18:24: error: `webb` is not an upstream group: nginx refuses to start with `host not found in upstream \"webb\"` [NGX308]"]
    );
}

#[test]
fn options_are_typed() {
    let mut r = rule(CODE, &[]);
    assert!(r.configure("report_unmatched", "yes").is_err());
    assert!(r.configure("nope", "true").is_err());
    assert!(r.configure("report_unmatched", "true").is_ok());
}
