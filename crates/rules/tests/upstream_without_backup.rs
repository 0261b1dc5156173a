//! NGX304 upstream-without-backup: fixture projects under testdata/rules/NGX304, exact diagnostics,
//! and the real `nginx -t` verdict on each http fixture (FACTS N4).

mod lint_support;

use lint_support::{fixture, heads, lint, reader_heads, rule};

const CODE: &str = "NGX304";

fn check(case: &str, options: &[(&str, &str)]) -> Vec<String> {
    heads(&fixture(CODE, case), rule(CODE, options))
}

/// nginx -t passes (`None`) or fails with this text.
fn nginx_says(case: &str, refused: Option<&str>) {
    lint_support::nginx_says(CODE, case, refused);
}

const REFUSED: &str = "balancing method does not support parameter \"backup\"";

#[test]
fn two_servers_without_backup() {
    assert_eq!(
        check("no-backup", &[]),
        ["nginx.conf:12:14: warning: upstream `orders` has no `backup` server [NGX304]"]
    );
    nginx_says("no-backup", None);
    let full = lint(&fixture(CODE, "no-backup"), rule(CODE, &[]));
    assert!(
        full[0].ends_with(
            "help: add a standby server that is not one of the primaries: `server HOST:PORT backup;`"
        ),
        "{full:?}"
    );
}

#[test]
fn least_conn_allows_backup() {
    assert_eq!(
        check("least-conn-no-backup", &[]),
        ["nginx.conf:12:14: warning: upstream `orders` has no `backup` server [NGX304]"]
    );
    nginx_says("least-conn-no-backup", None);
}

#[test]
fn help_uses_the_shared_port() {
    let full = lint(&fixture(CODE, "least-conn-no-backup"), rule(CODE, &[]));
    assert!(full[0].ends_with("`server HOST:PORT backup;`"), "{full:?}");
    let single = lint(
        &fixture(CODE, "single-server"),
        rule(CODE, &[("note_single_server", "true")]),
    );
    assert!(
        single
            .iter()
            .any(|d| d.contains("reports") && d.ends_with("`server HOST:8443 backup;`")),
        "{single:?}"
    );
}

#[test]
fn backup_present_is_clean() {
    assert_eq!(check("with-backup", &[]), Vec::<String>::new());
    nginx_says("with-backup", None);
}

#[test]
fn backup_after_ip_hash_is_refused() {
    // nginx's refusal is the reader's (NGX012, nginx's words at nginx's place); the rule adds
    // nothing on a statement nginx refuses.
    assert_eq!(
        reader_heads(&fixture(CODE, "ip-hash-then-backup")),
        refused_at("nginx.conf:15:31")
    );
    assert_eq!(
        lint(&fixture(CODE, "ip-hash-then-backup"), rule(CODE, &[])),
        Vec::<String>::new()
    );
    nginx_says("ip-hash-then-backup", Some(REFUSED));
}

/// The reader's NGX012 for `backup` under a method that does not support it.
fn refused_at(place: &str) -> Vec<String> {
    vec![format!("{place}: error: {REFUSED} [NGX012]")]
}

#[test]
fn backup_before_ip_hash_passes_nginx_but_is_flagged() {
    assert_eq!(
        lint(&fixture(CODE, "backup-then-ip-hash"), rule(CODE, &[])),
        [concat!(
            "nginx.conf:14:31: warning: `backup` is not supported by `ip_hash`: nginx accepts it only because the `server` line comes first [NGX304]\n",
            "  label nginx.conf:15:9: `ip_hash` set here\n",
            "  help: remove `backup` from this line, or balance with `least_conn;` instead of `ip_hash`"
        )]
    );
    nginx_says("backup-then-ip-hash", None);
}

#[test]
fn hash_and_random_refuse_backup() {
    for case in ["hash-then-backup", "random-then-backup"] {
        assert_eq!(
            reader_heads(&fixture(CODE, case)),
            refused_at("nginx.conf:15:31")
        );
        assert_eq!(check(case, &[]), Vec::<String>::new());
    }
    nginx_says("hash-then-backup", Some(REFUSED));
    nginx_says("random-then-backup", Some(REFUSED));
    assert_eq!(
        check("backup-then-random", &[]),
        ["nginx.conf:14:31: warning: `backup` is not supported by `random`: nginx accepts it only because the `server` line comes first [NGX304]"]
    );
    nginx_says("backup-then-random", None);
}

#[test]
fn a_later_method_directive_restores_backup() {
    // `least_conn` after `ip_hash` resets the parameter flags (nginx warns "load balancing method
    // redefined" and accepts `backup`).
    assert_eq!(
        check("ip-hash-redefined-least-conn", &[]),
        Vec::<String>::new()
    );
    nginx_says("ip-hash-redefined-least-conn", None);
}

#[test]
fn hash_groups_need_no_backup() {
    assert_eq!(check("hash-no-backup", &[]), Vec::<String>::new());
    nginx_says("hash-no-backup", None);
}

#[test]
fn every_server_down() {
    assert_eq!(
        lint(&fixture(CODE, "all-down"), rule(CODE, &[])),
        [concat!(
            "nginx.conf:12:14: error: every server of upstream `legacy` is `down` [NGX304]\n",
            "  label nginx.conf:13:9: marked `down` here\n",
            "  help: remove `down` from at least one `server` line"
        )]
    );
    // Accepted by nginx -t; every request is a 502 `no live upstreams` (verified by hand, 1.22.1).
    nginx_says("all-down", None);
}

#[test]
fn single_server_groups_only_with_the_option() {
    assert_eq!(check("single-server", &[]), Vec::<String>::new());
    assert_eq!(
        check("single-server", &[("note_single_server", "true")]),
        [
            "nginx.conf:12:14: info: upstream `reports` has a single server: nginx never marks it failed and has no other server to try [NGX304]",
            "nginx.conf:16:14: info: upstream `search` has a single server: nginx never marks it failed and has no other server to try [NGX304]",
            "nginx.conf:20:14: info: upstream `billing` has one `server` line: it fails over only between the addresses `billing.internal.example` resolves to [NGX304]",
        ]
    );
    // min_servers = 1: a single server needs a backup too (a warning, not the note).
    assert_eq!(
        check("single-server", &[("min_servers", "1")]),
        [
            "nginx.conf:12:14: warning: upstream `reports` has no `backup` server [NGX304]",
            "nginx.conf:16:14: warning: upstream `search` has no `backup` server [NGX304]",
            "nginx.conf:20:14: warning: upstream `billing` has no `backup` server [NGX304]",
        ]
    );
}

#[test]
fn min_servers_raises_the_bar() {
    assert_eq!(
        check("no-backup", &[("min_servers", "3")]),
        Vec::<String>::new()
    );
}

#[test]
fn stream_upstreams_are_checked_too() {
    // Not run through nginx -t here (Debian builds stream as a dynamic module; the handler
    // fixtures load it): `backup` under stream's `hash` is the reader's refusal, as in http.
    assert_eq!(
        reader_heads(&fixture(CODE, "stream")),
        refused_at("nginx.conf:13:31")
    );
    assert_eq!(
        check("stream", &[]),
        ["nginx.conf:5:14: warning: upstream `db` has no `backup` server [NGX304]"]
    );
}

#[test]
fn method_and_server_in_different_files() {
    assert_eq!(
        reader_heads(&fixture(CODE, "included")),
        refused_at("upstreams/sessions.servers:2:23")
    );
    assert_eq!(
        lint(&fixture(CODE, "included"), rule(CODE, &[])),
        Vec::<String>::new()
    );
    nginx_says("included", Some(REFUSED));
}

#[test]
fn options_are_typed() {
    let mut r = rule(CODE, &[]);
    assert!(r.configure("min_servers", "0").is_err());
    assert!(r.configure("min_servers", "two").is_err());
    assert!(r.configure("note_single_server", "yes").is_err());
    assert!(r.configure("nope", "1").is_err());
    assert!(r.configure("min_servers", "3").is_ok());
}

#[test]
fn no_failure_accounting_or_a_lua_balancer_needs_no_backup() {
    // `max_fails=0` on every server: nginx never marks a server failed, a backup would never be
    // used. The second group still counts failures on one server.
    assert_eq!(
        check("no-accounting-ok", &[]),
        ["nginx.conf:19:14: warning: upstream `billing` has no `backup` server [NGX304]"]
    );
    nginx_says("no-accounting-ok", None);
    // OpenResty's balancer picks each peer itself (not run through nginx -t: Debian's nginx has
    // no Lua module).
    let t = std::env::temp_dir().join(format!("ngxlint-ngx304-lua-{}", std::process::id()));
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(
        t.join("nginx.conf"),
        "events {}\nhttp {\n    upstream dynamic {\n        server 0.0.0.1;\n        server 0.0.0.2;\n        balancer_by_lua_block {\n            require(\"ngx.balancer\").set_current_peer(\"127.0.0.1\", 8080)\n        }\n    }\n}\n",
    )
    .unwrap();
    let found = heads(&t, rule(CODE, &[]));
    let _ = std::fs::remove_dir_all(&t);
    assert!(found.iter().all(|f| !f.contains("NGX304")), "{found:?}");
}
