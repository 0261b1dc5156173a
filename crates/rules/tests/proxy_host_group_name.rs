//! NGX317 proxy-host-group-name: fixture projects under testdata/rules/NGX317, exact diagnostics.
//! nginx -t accepts both: what the application sees as the host is a runtime matter
//! (crates/ngxlint/tests/security_servers.rs shows it).

mod lint_support;

use lint_support::{fixture, heads, lint, rule};

const CODE: &str = "NGX317";

#[test]
fn a_group_without_host_sends_its_name() {
    assert_eq!(
        lint(&fixture(CODE, "group-host"), rule(CODE, &[])),
        [
            concat!(
                "nginx.conf:10:24: info: no `proxy_set_header Host` is in effect: the application behind upstream `app` gets `Host: app`, not the host the client asked for [NGX317]\n",
                "  label nginx.conf:3:14: the group's name is what nginx sends as the host\n",
                "  help: send the client's host: `proxy_set_header Host $host;` (in the location, or once in `server`/`http` where no level sets its own)"
            ),
            concat!(
                "nginx.conf:14:24: info: no `proxy_set_header Host` is in effect: the application behind upstream `app` gets `Host: app`, not the host the client asked for [NGX317]\n",
                "  label nginx.conf:3:14: the group's name is what nginx sends as the host\n",
                "  help: send the client's host: `proxy_set_header Host $host;` (in the location, or once in `server`/`http` where no level sets its own)"
            ),
        ]
    );
    lint_support::nginx_says(CODE, "group-host", None);
}

#[test]
fn host_set_inherited_and_dotted_names_are_left_alone() {
    assert!(heads(&fixture(CODE, "group-host-ok"), rule(CODE, &[])).is_empty());
    lint_support::nginx_says(CODE, "group-host-ok", None);
}

/// `stream` sends no HTTP request, so no Host (Debian's nginx loads the stream module
/// dynamically: this case is not given to `nginx -t`).
#[test]
fn stream_proxies_have_no_host() {
    assert!(heads(&fixture(CODE, "stream"), rule(CODE, &[])).is_empty());
}
