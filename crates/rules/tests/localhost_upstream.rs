//! NGX307 localhost-upstream: fixture projects under testdata/rules/NGX307, exact diagnostics
//! (FACTS N6, real-servers.md #7). nginx -t accepts all of them: the failure is at connect time.

mod lint_support;

use lint_support::{fixture, heads, lint, rule};

const CODE: &str = "NGX307";

fn check(case: &str) -> Vec<String> {
    heads(&fixture(CODE, case), rule(CODE, &[]))
}

fn nginx_starts(case: &str) {
    lint_support::nginx_says(CODE, case, None);
}

#[test]
fn proxy_pass_to_localhost() {
    assert_eq!(
        lint(&fixture(CODE, "proxy-pass"), rule(CODE, &[])),
        [
            concat!(
                "nginx.conf:15:24: warning: proxy_pass `http://localhost:3000` connects to `::1` and `127.0.0.1` in turn where the hosts file lists both: a backend bound to one of them refuses the other [NGX307]\n",
                "  help: use `proxy_pass http://127.0.0.1:3000;`"
            ),
            concat!(
                "nginx.conf:18:24: warning: proxy_pass `http://LOCALHOST:3001/v1/` connects to `::1` and `127.0.0.1` in turn where the hosts file lists both: a backend bound to one of them refuses the other [NGX307]\n",
                "  help: use `proxy_pass http://127.0.0.1:3001/v1/;`"
            ),
        ]
    );
    nginx_starts("proxy-pass");
}

#[test]
fn upstream_server_line() {
    assert_eq!(
        lint(&fixture(CODE, "upstream-server"), rule(CODE, &[])),
        [concat!(
            "nginx.conf:13:16: warning: server `localhost:3000` of upstream `app` connects to `::1` and `127.0.0.1` in turn where the hosts file lists both: a backend bound to one of them refuses the other [NGX307]\n",
            "  help: use `server 127.0.0.1:3000 max_fails=2;`"
        )]
    );
    nginx_starts("upstream-server");
}

#[test]
fn the_pool_tells_which_family_fails() {
    assert_eq!(
        lint(&fixture(CODE, "fpm-v4"), rule(CODE, &[])),
        [concat!(
            "nginx.conf:15:26: warning: fastcgi_pass `localhost:9000` also connects to `[::1]:9000`, where no pool listens: pool [www] binds `127.0.0.1:9000` only [NGX307]\n",
            "  related php-fpm.d/www.conf:4:10: pool [www] listens here\n",
            "  help: use `fastcgi_pass 127.0.0.1:9000;`"
        )]
    );
    nginx_starts("fpm-v4");
}

#[test]
fn a_pool_on_every_interface_answers_both() {
    // `listen = 9000` binds `[::]:9000`, which takes IPv4 too (FACTS P2).
    assert_eq!(check("fpm-all"), Vec::<String>::new());
}

#[test]
fn literal_addresses_are_clean() {
    assert_eq!(check("literal"), Vec::<String>::new());
}
