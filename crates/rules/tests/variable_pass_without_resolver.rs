//! NGX306 variable-pass-without-resolver: fixture projects under testdata/rules/NGX306, exact
//! diagnostics, and the real `nginx -t` verdict (every fixture starts: the failure is a 502 at
//! request time, `no resolver defined to resolve NAME`; FACTS N6, real-servers.md #8).

mod lint_support;

use lint_support::{fixture, heads, lint, rule};

const CODE: &str = "NGX306";

fn check(case: &str) -> Vec<String> {
    heads(&fixture(CODE, case), rule(CODE, &[]))
}

fn nginx_starts(case: &str) {
    lint_support::nginx_says(CODE, case, None);
}

#[test]
fn set_gives_a_name() {
    assert_eq!(
        lint(&fixture(CODE, "set-name"), rule(CODE, &[])),
        [concat!(
            "nginx.conf:16:24: error: proxy_pass `http://$backend_host:8080` resolves `backend.internal.example` at request time, but no `resolver` is in effect [NGX306]\n",
            "  label nginx.conf:14:27: `$backend_host` set to `backend.internal.example` here\n",
            "  help: add `resolver ADDRESS valid=30s;` with your DNS server's address (`127.0.0.11` under Docker) to this `server` block"
        )]
    );
    nginx_starts("set-name");
}

#[test]
fn localhost_needs_a_resolver_too() {
    assert_eq!(
        lint(&fixture(CODE, "set-localhost"), rule(CODE, &[])),
        [concat!(
            "nginx.conf:16:26: error: fastcgi_pass `$php` resolves `localhost` at request time, but no `resolver` is in effect (nginx's resolver does not read /etc/hosts) [NGX306]\n",
            "  label nginx.conf:15:22: `$php` set to `localhost:9000` here\n",
            "  help: use `set $php 127.0.0.1:9000;`: an IP address needs no resolver"
        )]
    );
    nginx_starts("set-localhost");
}

#[test]
fn map_values_are_checked() {
    assert_eq!(
        lint(&fixture(CODE, "map-values"), rule(CODE, &[])),
        [concat!(
            "nginx.conf:27:24: error: proxy_pass `http://$pool` resolves `canary.internal.example` at request time, but no `resolver` is in effect [NGX306]\n",
            "  label nginx.conf:17:16: `map` gives `$pool` the value `canary.internal.example` here\n",
            "  help: add `resolver ADDRESS valid=30s;` with your DNS server's address (`127.0.0.11` under Docker) to this `server` block"
        )]
    );
    nginx_starts("map-values");
}

#[test]
fn unknown_values_are_a_warning_literal_names_an_error() {
    assert_eq!(
        check("unknown-value"),
        [
            "nginx.conf:15:24: warning: proxy_pass `http://$arg_target` takes its host from `$arg_target` at request time, and no `resolver` is in effect: a value that is not an upstream name or an IP address gets 502 [NGX306]",
            "nginx.conf:18:24: error: proxy_pass `$scheme://app.internal.example` resolves `app.internal.example` at request time, but no `resolver` is in effect [NGX306]",
        ]
    );
    nginx_starts("unknown-value");
}

#[test]
fn an_upstream_name_with_a_port_is_resolved() {
    // With a port written, nginx matches no upstream group (`ngx_http_upstream_init_request`
    // compares `no_port`): the name goes to the resolver.
    assert_eq!(
        check("group-with-port"),
        ["nginx.conf:17:24: error: proxy_pass `http://$b:8081` resolves `backend` at request time, but no `resolver` is in effect [NGX306]"]
    );
    nginx_starts("group-with-port");
}

#[test]
fn resolver_ip_upstream_and_socket_are_clean() {
    assert_eq!(check("resolved"), Vec::<String>::new());
    nginx_starts("resolved");
}

#[test]
fn a_literal_ip_before_the_variable_needs_no_resolver() {
    // `http://127.0.0.1:$server_port/...`, `http://127.0.0.1:8081$uri`: the host is written.
    assert_eq!(check("literal-ip-ok"), Vec::<String>::new());
    nginx_starts("literal-ip-ok");
}

#[test]
fn a_scheme_completed_by_the_uri_takes_its_host_from_the_client() {
    // nginx joins `http:/` and `$uri` (which starts with `/`) into `http://SEGMENT/...`: the
    // client's first path segment is the host, looked up at request time.
    assert_eq!(
        check("uri-host"),
        ["nginx.conf:16:24: warning: proxy_pass `http:/$uri` takes its host from `$uri` at request time, and no `resolver` is in effect: a value that is not an upstream name or an IP address gets 502 [NGX306]"]
    );
    nginx_starts("uri-host");
}

#[test]
fn multibyte_addresses_are_read() {
    // The scheme comparison once sliced inside `é` and panicked: the address is read whole.
    let found = lint(&fixture(CODE, "multibyte"), rule(CODE, &[]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("proxy_pass `ééé$a`"), "{found:?}");
}
