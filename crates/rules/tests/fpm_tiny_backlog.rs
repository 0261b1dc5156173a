//! FPM104 fpm-tiny-backlog: fixture projects under testdata/rules/FPM104 (nginx and PHP-FPM files
//! together), exact diagnostics with the pass that reaches the pool and the line to write.

mod socket_support;

use ngxlint_engine::rule::Settings;
use socket_support::{heads, lint, rule};

const CODE: &str = "FPM104";

fn full(case: &str, options: &[(&str, &str)]) -> Vec<String> {
    lint(CODE, case, options, &Settings::default())
}

#[test]
fn below_the_floor_or_the_pool_with_the_pass_that_reaches_it() {
    assert_eq!(
        full("short", &[]),
        [
            "www.conf:11:18: warning: pool [big] queues only `listen.backlog = 150` connections, fewer than its `pm.max_children = 200`: in a burst nginx cannot connect to its socket (`11: Resource temporarily unavailable`) and answers 502 [FPM104]\n  \
             related nginx.conf:4:16: this upstream server connects to `unix:/run/php/big.sock`\n  \
             help: set `listen.backlog = 511`",
            "www.conf:20:18: warning: pool [c] queues only `listen.backlog = 0` connections, below 128: in a burst nginx cannot connect to its socket (`11: Resource temporarily unavailable`) and answers 502 [FPM104]\n  \
             help: set `listen.backlog = 511`",
            "www.conf:27:18: warning: pool [huge] queues only `listen.backlog = 600` connections, fewer than its `pm.max_children = 1000`: in a burst nginx cannot connect to its socket (`11: Resource temporarily unavailable`) and answers 502 [FPM104]\n  \
             help: set `listen.backlog = 1000`",
            "www.conf:4:18: warning: pool [a] queues only `listen.backlog = 10` connections, below 128: in a burst nginx cannot connect to its socket (`11: Resource temporarily unavailable`) and answers 502 [FPM104]\n  \
             related nginx.conf:8:26: this fastcgi_pass connects to `unix:/run/php/a.sock`\n  \
             help: set `listen.backlog = 511`",
        ]
    );
}

#[test]
fn default_negative_at_the_floor_tcp_as_many_as_the_pool_and_static_are_clean() {
    assert_eq!(full("clean", &[]), Vec::<String>::new());
}

#[test]
fn min_backlog_moves_the_floor() {
    // 0: only the comparison with pm.max_children of the pools that fork is left (not static [c]).
    assert_eq!(
        heads(CODE, "short", &[("min_backlog", "0")], &Settings::default()),
        [
            "www.conf:11:18: warning: pool [big] queues only `listen.backlog = 150` connections, fewer than its `pm.max_children = 200`: in a burst nginx cannot connect to its socket (`11: Resource temporarily unavailable`) and answers 502 [FPM104]",
            "www.conf:27:18: warning: pool [huge] queues only `listen.backlog = 600` connections, fewer than its `pm.max_children = 1000`: in a burst nginx cannot connect to its socket (`11: Resource temporarily unavailable`) and answers 502 [FPM104]",
            "www.conf:4:18: warning: pool [a] queues only `listen.backlog = 10` connections, fewer than its `pm.max_children = 20`: in a burst nginx cannot connect to its socket (`11: Resource temporarily unavailable`) and answers 502 [FPM104]",
        ]
    );
    // Above 511, the help asks for the floor itself; the TCP pool stays out.
    assert_eq!(
        full("clean", &[("min-backlog", "1024")]),
        [
            "www.conf:17:18: warning: pool [f] queues only `listen.backlog = 128` connections, below 1024: in a burst nginx cannot connect to its socket (`11: Resource temporarily unavailable`) and answers 502 [FPM104]\n  \
             help: set `listen.backlog = 1024`",
            "www.conf:31:18: warning: pool [h] queues only `listen.backlog = 200` connections, below 1024: in a burst nginx cannot connect to its socket (`11: Resource temporarily unavailable`) and answers 502 [FPM104]\n  \
             help: set `listen.backlog = 1024`",
            "www.conf:40:18: warning: pool [i] queues only `listen.backlog = 200` connections, below 1024: in a burst nginx cannot connect to its socket (`11: Resource temporarily unavailable`) and answers 502 [FPM104]\n  \
             help: set `listen.backlog = 1024`",
        ]
    );
}

#[test]
fn min_backlog_takes_a_whole_number() {
    let mut r = rule(CODE, &[]);
    for bad in ["-1", "1k", "", "ten"] {
        assert_eq!(
            r.configure("min_backlog", bad).unwrap_err(),
            format!("`min_backlog` takes a number of connections (`128`), not `{bad}`")
        );
    }
    assert_eq!(
        r.configure("max_backlog", "5").unwrap_err(),
        "`fpm-tiny-backlog` has no option `max_backlog`"
    );
}
