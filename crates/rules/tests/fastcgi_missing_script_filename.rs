//! NGX309 fastcgi-missing-script-filename: fixture projects under testdata/rules/NGX309, exact
//! diagnostics with the inherited `SCRIPT_FILENAME`, the list in effect and the help (FACTS N3).

mod socket_support;

use ngxlint_engine::rule::Settings;
use socket_support::{heads, lint};

const CODE: &str = "NGX309";

fn full(case: &str) -> Vec<String> {
    lint(CODE, case, &[], &Settings::default())
}

fn check(case: &str) -> Vec<String> {
    heads(CODE, case, &[], &Settings::default())
}

#[test]
fn a_location_param_discards_the_inherited_list() {
    // The server's own list (not http's fastcgi.conf) is the one discarded; /a/ inherits it.
    assert_eq!(
        full("discarded"),
        ["nginx.conf:8:13: error: this `fastcgi_param` replaces every inherited one, `SCRIPT_FILENAME` included: php-fpm finds no script to run [NGX309]\n  \
          label nginx.conf:5:23: `SCRIPT_FILENAME` set here is not inherited by a level with its own `fastcgi_param`\n  \
          help: repeat the inherited parameters at this level (e.g. `include fastcgi.conf;`), at least `fastcgi_param SCRIPT_FILENAME $request_filename;`"]
    );
}

#[test]
fn stock_fastcgi_params_has_no_script_filename() {
    let f = full("fastcgi-params");
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].starts_with("nginx.conf:6:26: error: no `SCRIPT_FILENAME` among the `fastcgi_param`s in effect for this fastcgi_pass: php-fpm finds no script to run [NGX309]\n  related "), "{f:?}");
    assert!(
        f[0].contains("fastcgi_params:2:1: the `fastcgi_param`s in effect start here"),
        "{f:?}"
    );
    assert!(f[0].ends_with("help: include `fastcgi.conf` instead of `fastcgi_params` (the same parameters and `SCRIPT_FILENAME`), or add `fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;`"), "{f:?}");
}

#[test]
fn no_param_at_all() {
    assert_eq!(
        full("no-params"),
        ["nginx.conf:5:26: error: no `fastcgi_param` is in effect for this fastcgi_pass: php-fpm gets no `SCRIPT_FILENAME` and finds no script to run [NGX309]\n  \
          help: add `include fastcgi.conf;` next to the fastcgi_pass (nginx's parameters, `SCRIPT_FILENAME` included)"]
    );
}

#[test]
fn an_include_the_project_lacks_is_not_judged() {
    // A missing file may set SCRIPT_FILENAME; a glob that matches nothing sets nothing.
    assert_eq!(
        check("unknown-include"),
        ["nginx.conf:10:26: error: no `fastcgi_param` is in effect for this fastcgi_pass: php-fpm gets no `SCRIPT_FILENAME` and finds no script to run [NGX309]"]
    );
}

#[test]
fn inherited_debian_snippet_if_and_own_are_clean() {
    assert_eq!(check("clean"), Vec::<String>::new());
}

#[test]
fn path_info_without_guards() {
    assert_eq!(
        full("path-info"),
        [
            "nginx.conf:12:37: warning: `PATH_INFO` is split off and passed without `try_files $fastcgi_script_name =404`, and pool [any] runs every file as PHP (`security.limit_extensions` is empty): the CVE-2019-11043 shape [NGX309]\n  \
             label nginx.conf:15:26: this fastcgi_pass reaches pool [any]\n  \
             related www.conf:11:28: empty: pool [any] runs any file as PHP\n  \
             help: add `try_files $fastcgi_script_name =404;` to the location (after `fastcgi_split_path_info`), and set `security.limit_extensions = .php` in the pool",
            "nginx.conf:6:37: warning: `PATH_INFO` is split off and passed without `try_files $fastcgi_script_name =404`, and pool [wide] runs `.php .htm` files as PHP: the CVE-2019-11043 shape [NGX309]\n  \
             label nginx.conf:9:26: this fastcgi_pass reaches pool [wide]\n  \
             related www.conf:5:29: pool [wide] runs files with these extensions as PHP\n  \
             help: add `try_files $fastcgi_script_name =404;` to the location (after `fastcgi_split_path_info`), and set `security.limit_extensions = .php` in the pool",
        ]
    );
}

#[test]
fn php_fpm_status_and_ping_pages_need_no_script() {
    // php-fpm answers its status and ping paths from SCRIPT_NAME; /health is a script.
    assert_eq!(
        check("status-page"),
        ["nginx.conf:14:26: error: no `SCRIPT_FILENAME` among the `fastcgi_param`s in effect for this fastcgi_pass: php-fpm finds no script to run [NGX309]"]
    );
}
