//! FPM103 fpm-allowed-clients: fixture projects under testdata/rules/FPM103 (nginx and PHP-FPM
//! files together), exact diagnostics with the pass that connects and the fixed list (FACTS P2).

mod socket_support;

use ngxlint_engine::rule::Settings;
use socket_support::lint;

const CODE: &str = "FPM103";

fn full(case: &str) -> Vec<String> {
    lint(CODE, case, &[], &Settings::default())
}

#[test]
fn loopback_literals_connect_from_themselves() {
    // ` 127.0.0.1` (after the comma and blank) is no address to php-fpm.
    assert_eq!(
        full("loopback"),
        [
            "www.conf:3:26: error: pool [a] drops connections from `127.0.0.1`, the address nginx connects from: `listen.allowed_clients` does not list it [FPM103]\n  \
             related nginx.conf:8:26: this fastcgi_pass connects to `127.0.0.1:9000`\n  \
             help: set `listen.allowed_clients = 10.0.0.5,127.0.0.1`",
            "www.conf:9:26: error: pool [b] drops connections from `::1`, the address nginx connects from: `listen.allowed_clients` does not list it [FPM103]\n  \
             related nginx.conf:4:16: this upstream server connects to `[::1]:9001`\n  \
             help: set `listen.allowed_clients = 127.0.0.1,::1`",
        ]
    );
}

#[test]
fn localhost_connects_from_the_families_that_reach_the_pool() {
    assert_eq!(
        full("localhost"),
        [
            "www.conf:3:26: error: pool [all] drops connections from `127.0.0.1` and `::1`, the addresses nginx connects from: `listen.allowed_clients` does not list them [FPM103]\n  \
             related nginx.conf:5:26: this fastcgi_pass connects to `localhost:9000`\n  \
             help: set `listen.allowed_clients = 192.168.1.10,127.0.0.1,::1`",
            "www.conf:9:26: error: pool [v4] drops connections from `127.0.0.1`, the address nginx connects from: `listen.allowed_clients` does not list it [FPM103]\n  \
             related nginx.conf:8:26: this fastcgi_pass connects to `localhost:9001`\n  \
             help: set `listen.allowed_clients = ::1,127.0.0.1`",
        ]
    );
}

#[test]
fn listed_mapped_remote_other_loopback_and_unreached_are_clean() {
    assert_eq!(full("clean"), Vec::<String>::new());
}
