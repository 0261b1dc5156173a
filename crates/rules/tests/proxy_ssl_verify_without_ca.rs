//! NGX305 proxy-ssl-verify-without-ca: fixture projects under testdata/rules/NGX305, exact
//! diagnostics, and the real `nginx -t` verdict on each http fixture (FACTS N5).

mod lint_support;

use lint_support::{fixture, heads, lint, rule};

const CODE: &str = "NGX305";

fn check(case: &str, options: &[(&str, &str)]) -> Vec<String> {
    heads(&fixture(CODE, case), rule(CODE, options))
}

/// nginx -t passes (`None`) or fails with this text.
fn nginx_says(case: &str, refused: Option<&str>) {
    let Some(stderr) = lint_support::nginx_says(CODE, case, refused) else {
        return;
    };
    if refused.is_some() {
        // nginx names no file and line for this one.
        assert!(!stderr.contains(" in /"), "{case}: {stderr}");
    }
}

const PROXY: &str = "no proxy_ssl_trusted_certificate for proxy_ssl_verify";

#[test]
fn verify_without_ca_at_an_https_location() {
    assert_eq!(
        lint(&fixture(CODE, "verify-https-no-ca"), rule(CODE, &[])),
        [concat!(
            "nginx.conf:17:13: error: no proxy_ssl_trusted_certificate for proxy_ssl_verify [NGX305]\n",
            "  label nginx.conf:16:24: TLS to the upstream here (`proxy_pass https://127.0.0.1:8443`)\n",
            "  help: add `proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;` (or the CA that signed the upstream's certificate)"
        )]
    );
    nginx_says("verify-https-no-ca", Some(PROXY));
}

#[test]
fn verify_at_http_level_with_only_plain_http_is_accepted() {
    assert_eq!(
        check("http-level-verify-http-only", &[]),
        Vec::<String>::new()
    );
    nginx_says("http-level-verify-http-only", None);
}

#[test]
fn inherited_verify_reported_once_at_the_directive() {
    assert_eq!(
        lint(&fixture(CODE, "http-level-verify-https"), rule(CODE, &[])),
        [concat!(
            "nginx.conf:11:5: error: no proxy_ssl_trusted_certificate for proxy_ssl_verify [NGX305]\n",
            "  label nginx.conf:21:24: TLS to the upstream here (`proxy_pass https://127.0.0.1:8443`) and in 1 other place\n",
            "  help: add `proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;` (or the CA that signed the upstream's certificate)"
        )]
    );
    nginx_says("http-level-verify-https", Some(PROXY));
}

#[test]
fn variables_make_nginx_prepare_tls() {
    assert_eq!(
        check("verify-variables", &[]),
        ["nginx.conf:18:13: error: no proxy_ssl_trusted_certificate for proxy_ssl_verify [NGX305]"]
    );
    nginx_says("verify-variables", Some(PROXY));
}

#[test]
fn pass_inside_if() {
    assert_eq!(
        check("verify-in-if", &[]),
        ["nginx.conf:16:13: error: no proxy_ssl_trusted_certificate for proxy_ssl_verify [NGX305]"]
    );
    nginx_says("verify-in-if", Some(PROXY));
}

#[test]
fn an_empty_trusted_certificate_is_none() {
    assert_eq!(
        check("empty-ca", &[]),
        ["nginx.conf:17:13: error: no proxy_ssl_trusted_certificate for proxy_ssl_verify [NGX305]"]
    );
    nginx_says("empty-ca", Some(PROXY));
}

#[test]
fn verify_across_files() {
    assert_eq!(
        lint(&fixture(CODE, "included"), rule(CODE, &[])),
        [concat!(
            "nginx.conf:12:5: error: no proxy_ssl_trusted_certificate for proxy_ssl_verify [NGX305]\n",
            "  related sites/reports.conf:5:20: TLS to the upstream here (`proxy_pass https://127.0.0.1:8443`)\n",
            "  help: add `proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;` (or the CA that signed the upstream's certificate)"
        )]
    );
    nginx_says("included", Some(PROXY));
}

#[test]
fn grpc_and_uwsgi() {
    assert_eq!(
        check("grpc-verify-no-ca", &[]),
        ["nginx.conf:17:13: error: no grpc_ssl_trusted_certificate for grpc_ssl_verify [NGX305]"]
    );
    nginx_says(
        "grpc-verify-no-ca",
        Some("no grpc_ssl_trusted_certificate for grpc_ssl_verify"),
    );
    assert_eq!(check("grpc-plain-verify", &[]), Vec::<String>::new());
    nginx_says("grpc-plain-verify", None);
    assert_eq!(
        check("uwsgi-verify-no-ca", &[]),
        ["nginx.conf:17:13: error: no uwsgi_ssl_trusted_certificate for uwsgi_ssl_verify [NGX305]"]
    );
    nginx_says(
        "uwsgi-verify-no-ca",
        Some("no uwsgi_ssl_trusted_certificate for uwsgi_ssl_verify"),
    );
    assert_eq!(
        check("uwsgi-variables", &[]),
        ["nginx.conf:18:13: error: no uwsgi_ssl_trusted_certificate for uwsgi_ssl_verify [NGX305]"]
    );
    nginx_says(
        "uwsgi-variables",
        Some("no uwsgi_ssl_trusted_certificate for uwsgi_ssl_verify"),
    );
}

#[test]
fn verify_to_an_ip_address_without_a_name() {
    assert_eq!(
        lint(&fixture(CODE, "verify-ip-with-ca"), rule(CODE, &[])),
        [concat!(
            "nginx.conf:16:24: info: the upstream certificate is checked against the address `127.0.0.1`: no `proxy_ssl_name` [NGX305]\n",
            "  label nginx.conf:17:13: verification turned on here\n",
            "  help: add `proxy_ssl_name` with the host name in the upstream's certificate, e.g. `proxy_ssl_name backend.example.com;`"
        )]
    );
    nginx_says("verify-ip-with-ca", None);
    assert_eq!(check("verify-ip-with-name", &[]), Vec::<String>::new());
    nginx_says("verify-ip-with-name", None);
    // An upstream group: the name checked is the group's name, not an address.
    assert_eq!(check("verify-group-with-ca", &[]), Vec::<String>::new());
    nginx_says("verify-group-with-ca", None);
}

#[test]
fn https_without_verification() {
    assert_eq!(
        lint(&fixture(CODE, "https-no-verify"), rule(CODE, &[])),
        [
            concat!(
                "nginx.conf:19:24: warning: proxy_pass `https://10.0.3.20:8443` accepts any upstream certificate: `proxy_ssl_verify` is off [NGX305]\n",
                "  help: add `proxy_ssl_verify on;`, `proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;` and `proxy_ssl_name` with the host name in the upstream's certificate"
            ),
            concat!(
                "nginx.conf:23:24: warning: proxy_pass `https://backend` accepts any upstream certificate: `proxy_ssl_verify` is off [NGX305]\n",
                "  label nginx.conf:24:13: turned off here\n",
                "  help: add `proxy_ssl_verify on;`, `proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;` and `proxy_ssl_name` with the host name in the upstream's certificate"
            ),
            concat!(
                "nginx.conf:30:24: warning: proxy_pass `https://$api:8443` accepts any upstream certificate: `proxy_ssl_verify` is off [NGX305]\n",
                "  help: add `proxy_ssl_verify on;`, `proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;` and `proxy_ssl_server_name on;`"
            ),
        ]
    );
    nginx_says("https-no-verify", None);
    assert_eq!(
        check("https-no-verify", &[("require_verify", "false")]),
        Vec::<String>::new()
    );
    // TLS to this machine's loopback interface (an address, `localhost`, a group of them):
    // nobody on the network can present a certificate in the upstream's place.
    assert_eq!(check("https-loopback-ok", &[]), Vec::<String>::new());
    nginx_says("https-loopback-ok", None);
}

#[test]
fn stream_proxy_ssl() {
    // Not run through nginx -t: Debian builds stream as a dynamic module. The stream proxy module
    // has the same check and text (ngx_stream_proxy_set_ssl()).
    assert_eq!(
        check("stream", &[]),
        [
            "nginx.conf:9:9: error: no proxy_ssl_trusted_certificate for proxy_ssl_verify [NGX305]",
            "nginx.conf:15:9: warning: `proxy_ssl on` accepts any upstream certificate: `proxy_ssl_verify` is off [NGX305]",
        ]
    );
    assert_eq!(
        check("stream", &[("require_verify", "false")]),
        ["nginx.conf:9:9: error: no proxy_ssl_trusted_certificate for proxy_ssl_verify [NGX305]"]
    );
}

#[test]
fn options_are_typed() {
    let mut r = rule(CODE, &[]);
    assert!(r.configure("require_verify", "no").is_err());
    assert!(r.configure("verify", "true").is_err());
    assert!(r.configure("require_verify", "false").is_ok());
}
