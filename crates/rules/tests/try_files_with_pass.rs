//! NGX319 try-files-with-pass: fixture projects under testdata/rules/NGX319, exact diagnostics;
//! nginx -t accepts both (crates/ngxlint/tests/security_servers.rs shows the file proxied).

mod lint_support;

use lint_support::{fixture, heads, rule};

const CODE: &str = "NGX319";

#[test]
fn a_pass_beside_try_files_takes_the_files() {
    assert_eq!(
        heads(&fixture(CODE, "pass"), rule(CODE, &[])),
        [
            "nginx.conf:7:13: info: `try_files` and `proxy_pass` in one location: a file it finds is not served from disk, its URI goes to the upstream like any other [NGX319]",
            "nginx.conf:11:13: info: `try_files` and `fastcgi_pass` in one location: a file it finds is not served from disk, its URI goes to the upstream like any other [NGX319]",
        ]
    );
    lint_support::nginx_says(CODE, "pass", None);
}

#[test]
fn a_named_fallback_and_the_php_idiom_are_left_alone() {
    assert!(heads(&fixture(CODE, "pass-ok"), rule(CODE, &[])).is_empty());
    lint_support::nginx_says(CODE, "pass-ok", None);
}
