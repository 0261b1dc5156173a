//! FPM105 fpm-pool-capacity: fixture projects under testdata/rules/FPM105, judged against the host
//! and worker sizes given as options; silent without them.

mod socket_support;

use ngxlint_engine::rule::Settings;
use socket_support::{lint, rule};

const CODE: &str = "FPM105";

/// 2g at 64m a worker: 80% holds 25 workers.
const TWO_G: &[(&str, &str)] = &[("host_memory", "2g"), ("worker_memory", "64m")];

fn full(case: &str, options: &[(&str, &str)]) -> Vec<String> {
    lint(CODE, case, options, &Settings::default())
}

#[test]
fn silent_until_both_sizes_are_declared() {
    assert_eq!(full("one", &[]), Vec::<String>::new());
    assert_eq!(full("one", &[("host_memory", "2g")]), Vec::<String>::new());
    assert_eq!(
        full("one", &[("worker-memory", "64m")]),
        Vec::<String>::new()
    );
}

#[test]
fn one_pool_above_the_budget() {
    assert_eq!(
        full("one", TWO_G),
        ["www.conf:4:19: warning: pool [www] runs up to 40 PHP workers, more than the 25 that fit in 80% of the declared 2g host memory at 64m each: under load the kernel kills workers for memory and nginx answers 502 [FPM105]\n  \
          help: set `pm.max_children = 25` (25 workers in all)"]
    );
    // 80% of 4000m at 64m is 50 workers: 40 fits, and is more than a quarter.
    assert_eq!(
        full("one", &[("host-memory", "4000M"), ("worker-memory", "64m")]),
        Vec::<String>::new()
    );
    assert_eq!(
        full("one", &[("host_memory", "1600m"), ("worker_memory", "1m")]),
        ["www.conf:4:19: warning: pool [www] runs at most 40 PHP workers, under a quarter of the 1280 that fit in 80% of the declared 1600m host memory at 1m each: under load requests wait for a worker until nginx answers 504 [FPM105]\n  \
          help: set `pm.max_children = 1280` (1280 workers in all)"]
    );
    // 40 × 4 = 160 = the budget: not under a quarter.
    assert_eq!(
        full("one", &[("host_memory", "200m"), ("worker_memory", "1m")]),
        Vec::<String>::new()
    );
}

#[test]
fn a_dynamic_pool_keeps_its_spare_servers_valid() {
    assert_eq!(
        full("dynamic", &[("host_memory", "1g"), ("worker_memory", "64m")]),
        ["www.conf:5:19: warning: pool [www] runs up to 40 PHP workers, more than the 12 that fit in 80% of the declared 1g host memory at 64m each: under load the kernel kills workers for memory and nginx answers 502 [FPM105]\n  \
          help: set `pm.max_children = 12`, `pm.max_spare_servers = 12`, `pm.start_servers = 12` (12 workers in all)"]
    );
    assert_eq!(
        full("dynamic", &[("host_memory", "512m"), ("worker_memory", "64m")]),
        ["www.conf:5:19: warning: pool [www] runs up to 40 PHP workers, more than the 6 that fit in 80% of the declared 512m host memory at 64m each: under load the kernel kills workers for memory and nginx answers 502 [FPM105]\n  \
          help: set `pm.max_children = 6`, `pm.max_spare_servers = 6`, `pm.min_spare_servers = 6`, `pm.start_servers = 6` (6 workers in all)"]
    );
    // Raised 32 times (40 of 1280), the spare and start counts keep their share of the pool:
    // a larger pool with the old spare counts still forks a worker a second under a burst.
    assert_eq!(
        full("dynamic", &[("host_memory", "1600m"), ("worker_memory", "1m")]),
        ["www.conf:5:19: warning: pool [www] runs at most 40 PHP workers, under a quarter of the 1280 that fit in 80% of the declared 1600m host memory at 1m each: under load requests wait for a worker until nginx answers 504 [FPM105]\n  \
          help: set `pm.max_children = 1280`, `pm.max_spare_servers = 960`, `pm.min_spare_servers = 320`, `pm.start_servers = 640` (1280 workers in all)"]
    );
}

#[test]
fn the_pools_of_one_master_are_summed_and_each_master_judged_alone() {
    // a: 30 + 10 + 2 = 42 > 25; b: 20 fits.
    assert_eq!(
        full("masters", TWO_G),
        ["a/php-fpm.conf:7:19: warning: the 3 pools of this php-fpm run up to 42 PHP workers, more than the 25 that fit in 80% of the declared 2g host memory at 64m each: under load the kernel kills workers for memory and nginx answers 502 [FPM105]\n  \
          label a/php-fpm.conf:12:19: pool [api] runs up to 10\n  \
          label a/php-fpm.conf:17:19: pool [admin] runs up to 2\n  \
          help: set `pm.max_children = 13` in pool [www] (25 workers in all)"]
    );
    // 12 workers: the other two pools alone take them all, so the budget is shared out.
    assert_eq!(
        full("masters", &[("host_memory", "1g"), ("worker_memory", "64m")]),
        [
            "a/php-fpm.conf:7:19: warning: the 3 pools of this php-fpm run up to 42 PHP workers, more than the 12 that fit in 80% of the declared 1g host memory at 64m each: under load the kernel kills workers for memory and nginx answers 502 [FPM105]\n  \
             label a/php-fpm.conf:12:19: pool [api] runs up to 10\n  \
             label a/php-fpm.conf:17:19: pool [admin] runs up to 2\n  \
             help: set `pm.max_children = 8` in pool [www]; `pm.max_children = 2` in pool [api]; `pm.max_children = 1` in pool [admin] (about 12 workers in all)",
            "b/php-fpm.conf:8:19: warning: pool [shop] runs up to 20 PHP workers, more than the 12 that fit in 80% of the declared 1g host memory at 64m each: under load the kernel kills workers for memory and nginx answers 502 [FPM105]\n  \
             help: set `pm.max_children = 12` (12 workers in all)",
        ]
    );
}

#[test]
fn lone_pool_files_count_together_by_folder() {
    assert_eq!(
        full("folders", TWO_G),
        [
            "other/c.conf:4:19: warning: pool [c] runs up to 30 PHP workers, more than the 25 that fit in 80% of the declared 2g host memory at 64m each: under load the kernel kills workers for memory and nginx answers 502 [FPM105]\n  \
             help: set `pm.max_children = 25` (25 workers in all)",
            "pool.d/a.conf:5:19: warning: the 2 pools of this php-fpm run at most 2 PHP workers, under a quarter of the 25 that fit in 80% of the declared 2g host memory at 64m each: under load requests wait for a worker until nginx answers 504 [FPM105]\n  \
             related pool.d/b.conf:4:19: pool [b] runs up to 1\n  \
             help: set `pm.max_children = 24` in pool [a] (25 workers in all)",
        ]
    );
}

#[test]
fn a_worker_larger_than_the_host_asks_to_check_the_sizes() {
    assert_eq!(
        full("one", &[("host_memory", "64m"), ("worker_memory", "128m")]),
        ["www.conf:4:19: warning: pool [www] runs up to 40 PHP workers, more than the 0 that fit in 80% of the declared 64m host memory at 128m each: under load the kernel kills workers for memory and nginx answers 502 [FPM105]\n  \
          help: check `host_memory` (64m) and `worker_memory` (128m) in ngxlint.toml: one worker takes more than 80% of the host"]
    );
}

#[test]
fn sizes_take_nginx_units_and_refuse_anything_else() {
    let mut r = rule(CODE, &[]);
    for ok in ["4g", "4G", "512m", "65536k", "1073741824"] {
        assert_eq!(r.configure("host_memory", ok), Ok(()), "{ok}");
    }
    for bad in [
        "4GB",
        "0",
        "0g",
        "",
        "-1g",
        "1.5g",
        "lots",
        "18446744073709551615g",
    ] {
        assert_eq!(
            r.configure("worker_memory", bad).unwrap_err(),
            format!("`worker_memory` takes a size in bytes with an optional k, m or g (`4g`, `512m`), not `{bad}`")
        );
    }
    assert_eq!(
        r.configure("ram", "4g").unwrap_err(),
        "`fpm-pool-capacity` has no option `ram`"
    );
}
