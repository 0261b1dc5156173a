//! NGX302 undersized-buffers: fixture projects with their exact findings, and nginx's own verdict
//! (`nginx -t`) on a set of buffer combinations compared with the rule's.

mod ngx30x_support;

use ngx30x_support::{check, fixture, lines, Tmp};

const CODE: &str = "NGX302";

#[test]
fn http_level_combination_is_reported_once() {
    let f = check(&fixture(CODE, "http-once"), CODE, &[]);
    assert_eq!(
        lines(&f),
        [
            "nginx.conf:3:25: error: \"fastcgi_busy_buffers_size\" must be less than the size of all \"fastcgi_buffers\" minus one buffer (default 2 × 32k = 64k > 7 × 4k = 28k) [NGX302]",
        ]
    );
    assert_eq!(
        f[0].help.as_deref(),
        Some("set `fastcgi_buffers 8 16k;` next to `fastcgi_buffer_size 32k;`")
    );
}

#[test]
fn no_server_no_check() {
    // nginx validates servers and locations; an http block without servers passes `nginx -t`.
    assert!(check(&fixture(CODE, "no-server"), CODE, &[]).is_empty());
}

#[test]
fn a_location_with_its_own_combination_is_reported_there() {
    let f = check(&fixture(CODE, "location-own-combination"), CODE, &[]);
    assert_eq!(
        lines(&f),
        [
            "nginx.conf:10:31: error: \"proxy_busy_buffers_size\" must be equal to or greater than the maximum of the value of \"proxy_buffer_size\" and one of the \"proxy_buffers\" (12k < 16k) [NGX302]",
            "nginx.conf:16:37: error: \"proxy_busy_buffers_size\" must be less than the size of all \"proxy_buffers\" minus one buffer (64k > 3 × 16k = 48k) [NGX302]",
        ]
    );
    assert_eq!(f[0].labels, ["4:29 inherited from here"]);
    assert_eq!(
        f[0].help.as_deref(),
        Some("set `proxy_buffers 5 4k; proxy_busy_buffers_size 16k;` next to `proxy_buffer_size 16k;`")
    );
    assert_eq!(f[1].labels, ["15:27 set here"]);
    assert_eq!(
        f[1].help.as_deref(),
        Some("use `proxy_busy_buffers_size 48k;`")
    );
}

#[test]
fn each_of_the_five_checks_with_each_prefix() {
    let f = check(&fixture(CODE, "checks"), CODE, &[]);
    assert_eq!(
        lines(&f),
        [
            "nginx.conf:12:39: error: \"scgi_temp_file_write_size\" must be equal to or greater than the maximum of the value of \"scgi_buffer_size\" and one of the \"scgi_buffers\" (2k < 4k) [NGX302]",
            "nginx.conf:16:40: error: \"fastcgi_max_temp_file_size\" must be equal to zero to disable temporary files usage or must be equal to or greater than the maximum of the value of \"fastcgi_buffer_size\" and one of the \"fastcgi_buffers\" (4k < 8k) [NGX302]",
            "nginx.conf:23:37: error: \"proxy_busy_buffers_size\" must be less than the size of all \"proxy_buffers\" minus one buffer (29k > 7 × 4k = 28k) [NGX302]",
            "nginx.conf:6:27: error: there must be at least 2 \"proxy_buffers\" [NGX302]",
            "nginx.conf:9:37: error: \"uwsgi_busy_buffers_size\" must be equal to or greater than the maximum of the value of \"uwsgi_buffer_size\" and one of the \"uwsgi_buffers\" (2k < 4k) [NGX302]",
        ]
    );
    let helps: Vec<_> = f.iter().map(|d| d.help.as_deref().unwrap_or("")).collect();
    assert_eq!(
        helps,
        [
            "use `scgi_temp_file_write_size 4k;`",
            "use `fastcgi_max_temp_file_size 8k;`",
            "use `proxy_busy_buffers_size 28k;`",
            "use `proxy_buffers 3 8k;`",
            "use `uwsgi_busy_buffers_size 4k;`",
        ]
    );
    assert_eq!(f[1].labels, ["15:33 set here"]);
}

#[test]
fn other_files_are_related() {
    let f = check(&fixture(CODE, "multi-file"), CODE, &[]);
    assert_eq!(
        lines(&f),
        [
            "conf.d/app.conf:5:27: error: \"proxy_busy_buffers_size\" must be less than the size of all \"proxy_buffers\" minus one buffer (default 2 × 16k = 32k > 1 × 8k = 8k) [NGX302]",
            "nginx.conf:3:19: error: \"proxy_busy_buffers_size\" must be less than the size of all \"proxy_buffers\" minus one buffer (default 2 × 8k = 16k > 1 × 8k = 8k) [NGX302]",
        ]
    );
    assert_eq!(f[0].related, ["nginx.conf:3:19 inherited from here"]);
    assert!(f[0].labels.is_empty());
    assert_eq!(
        f[0].help.as_deref(),
        Some("set `proxy_buffers 5 8k;` next to `proxy_buffer_size 16k;`")
    );
    assert_eq!(f[1].help.as_deref(), Some("use `proxy_buffers 3 8k;`"));
}

#[test]
fn default_header_buffer_is_reported_once_per_server_when_servers_differ() {
    let f = check(&fixture(CODE, "server-differs"), CODE, &[]);
    assert_eq!(
        lines(&f),
        ["nginx.conf:12:5: warning: `fastcgi_buffer_size` is nginx's default 4k, below 16k, for the response headers of `fastcgi_pass` in 2 locations [NGX302]"]
    );
    assert_eq!(
        f[0].labels,
        [
            "16:26 passes here with the default",
            "19:26 passes here with the default"
        ]
    );
    assert_eq!(
        f[0].help.as_deref(),
        Some("set `fastcgi_buffer_size 16k; fastcgi_buffers 8 8k;` in the `server` block")
    );
}

#[test]
fn default_header_buffer_fix_keeps_nginx_checks_passing() {
    // http sets proxy_busy_buffers_size 8k: raising the buffer size to 16k needs busy 16k too.
    let f = check(&fixture(CODE, "header-default-http"), CODE, &[]);
    assert_eq!(
        lines(&f),
        [
            "nginx.conf:17:31: warning: `proxy_buffer_size 8k` is below 16k for the response headers of `proxy_pass` [NGX302]",
            "nginx.conf:5:5: warning: `proxy_buffer_size` is nginx's default 4k, below 16k, for the response headers of `proxy_pass` in 2 locations [NGX302]",
        ]
    );
    assert_eq!(
        f[0].help.as_deref(),
        Some("use `proxy_buffer_size 16k; proxy_busy_buffers_size 16k;`")
    );
    assert_eq!(
        f[1].help.as_deref(),
        Some("set `proxy_buffer_size 16k; proxy_busy_buffers_size 16k;` in the `server` block")
    );
    // One label per location, not one for the `if` inside /a/ as well.
    assert_eq!(f[1].labels.len(), 2);
}

#[test]
fn default_everywhere_is_reported_at_the_http_block() {
    let t = Tmp::new(
        "ngx302-http-default",
        &[(
            "nginx.conf",
            "events {}\nhttp {\n    server {\n        listen 80;\n        location /a/ { proxy_pass http://127.0.0.1:1; }\n    }\n    server {\n        listen 81;\n        location /b/ { proxy_pass http://127.0.0.1:2; }\n        location /c/ { proxy_pass http://127.0.0.1:3; }\n    }\n}\n",
        )],
    );
    let f = check(&t.0, CODE, &[]);
    // nginx's default on a stock site is advice: what the backends send is not in the configuration.
    assert_eq!(
        lines(&f),
        ["nginx.conf:2:1: info: `proxy_buffer_size` is nginx's default 4k, below 16k, for the response headers of `proxy_pass` in 3 locations [NGX302]"]
    );
    assert_eq!(
        f[0].help.as_deref(),
        Some("set `proxy_buffer_size 16k; proxy_buffers 8 8k;` in the `http` block")
    );
}

#[test]
fn a_warning_needs_evidence_of_large_headers() {
    let site = |extra: &str| {
        format!("events {{}}\nhttp {{\n{extra}    server {{\n        listen 80;\n        location /a/ {{ proxy_pass http://127.0.0.1:1; }}\n        location /b/ {{ fastcgi_pass 127.0.0.1:9000; fastcgi_buffer_size 32k; fastcgi_buffers 8 32k; }}\n    }}\n}}\n")
    };
    // Another backend's 32k header buffer says this application's headers are large.
    let t = Tmp::new("ngx302-evidence", &[("nginx.conf", &site(""))]);
    assert_eq!(
        lines(&check(&t.0, CODE, &[])),
        ["nginx.conf:2:1: warning: `proxy_buffer_size` is nginx's default 4k, below 16k, for the response headers of `proxy_pass` in 1 location [NGX302]"]
    );
    // Large request cookies come back as large `Set-Cookie` headers.
    let t = Tmp::new(
        "ngx302-cookies",
        &[(
            "nginx.conf",
            "events {}\nhttp {\n    large_client_header_buffers 4 32k;\n    server {\n        listen 80;\n        location /a/ { proxy_pass http://127.0.0.1:1; }\n    }\n}\n",
        )],
    );
    assert_eq!(
        lines(&check(&t.0, CODE, &[])),
        ["nginx.conf:2:1: warning: `proxy_buffer_size` is nginx's default 4k, below 16k, for the response headers of `proxy_pass` in 1 location [NGX302]"]
    );
    // A value set below nginx's own default; one above it but below 16k is advice.
    let t = Tmp::new(
        "ngx302-small",
        &[(
            "nginx.conf",
            "events {}\nhttp {\n    server {\n        listen 80;\n        location /a/ { proxy_pass http://127.0.0.1:1; proxy_buffer_size 2k; }\n        location /b/ { proxy_pass http://127.0.0.1:2; proxy_buffer_size 8k; }\n    }\n}\n",
        )],
    );
    assert_eq!(
        lines(&check(&t.0, CODE, &[])),
        [
            "nginx.conf:5:73: warning: `proxy_buffer_size 2k` is below 16k for the response headers of `proxy_pass` [NGX302]",
            "nginx.conf:6:73: info: `proxy_buffer_size 8k` is below 16k for the response headers of `proxy_pass` [NGX302]",
        ]
    );
}

#[test]
fn php_fpms_own_ping_and_status_pages_need_no_larger_buffer() {
    // The application's location raises its buffer; the pool's ping and status pages, which
    // php-fpm answers itself with a few short headers, keep nginx's default.
    let nginx = "events {}\nhttp {\n    server {\n        listen 80;\n        location = /fpm-ping { fastcgi_param SCRIPT_FILENAME /fpm-ping; fastcgi_pass 127.0.0.1:9000; }\n        location ~ ^/(fpm-status)$ { fastcgi_param SCRIPT_FILENAME $1; fastcgi_pass 127.0.0.1:9000; }\n        location /ping { fastcgi_param SCRIPT_FILENAME /ping; fastcgi_pass 127.0.0.1:9000; }\n        location ~ \\.php$ { fastcgi_pass 127.0.0.1:9000; fastcgi_buffer_size 32k; fastcgi_buffers 8 32k; }\n    }\n}\n";
    let pool = "[www]\nuser = www-data\nlisten = 127.0.0.1:9000\npm = static\npm.max_children = 2\nping.path = /fpm-ping\npm.status_path = /fpm-status\n";
    let t = Tmp::new(
        "ngx302-fpm-pages",
        &[("nginx.conf", nginx), ("php-fpm.d/www.conf", pool)],
    );
    // `/ping` is no page of the pool: it still counts.
    assert_eq!(
        lines(&check(&t.0, CODE, &[])),
        ["nginx.conf:3:5: warning: `fastcgi_buffer_size` is nginx's default 4k, below 16k, for the response headers of `fastcgi_pass` in 1 location [NGX302]"]
    );
    let t = Tmp::new(
        "ngx302-fpm-pages-only",
        &[
            ("nginx.conf", &nginx.replace("        location /ping { fastcgi_param SCRIPT_FILENAME /ping; fastcgi_pass 127.0.0.1:9000; }\n", "")),
            ("php-fpm.d/www.conf", pool),
        ],
    );
    assert_eq!(lines(&check(&t.0, CODE, &[])), Vec::<String>::new());
}

#[test]
fn grpc_has_only_the_header_buffer() {
    let f = check(&fixture(CODE, "grpc"), CODE, &[]);
    assert_eq!(
        lines(&f),
        [
            "nginx.conf:11:30: warning: `grpc_buffer_size 8k` is below 16k for the response headers of `grpc_pass` [NGX302]",
            "nginx.conf:3:5: warning: `grpc_buffer_size` is nginx's default 4k, below 16k, for the response headers of `grpc_pass` in 1 location [NGX302]",
        ]
    );
    assert_eq!(f[0].help.as_deref(), Some("use `grpc_buffer_size 16k;`"));
}

#[test]
fn min_buffer_size_option() {
    let f = check(
        &fixture(CODE, "header-default-http"),
        CODE,
        &[("min_buffer_size", "4k")],
    );
    assert!(f.is_empty(), "{f:?}");
    let f = check(
        &fixture(CODE, "header-default-http"),
        CODE,
        &[("min_buffer_size", "64k")],
    );
    assert_eq!(f.len(), 3, "{f:?}");
    let mut rules = ngxlint_rules::all();
    let r = rules.iter_mut().find(|r| r.meta().code == CODE).unwrap();
    assert!(r.configure("min_buffer_size", "16q").is_err());
    assert!(r.configure("nope", "1").is_err());
}

// ---- nginx -t as the oracle ----

fn nginx_binary() -> Option<std::path::PathBuf> {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists())
}

/// nginx's `[emerg]` message for a config, or `None` when `nginx -t` passes.
fn nginx_verdict(nginx: &std::path::Path, dir: &std::path::Path) -> Option<String> {
    let conf = dir.join("nginx.conf");
    let out = std::process::Command::new(nginx)
        .arg("-t")
        .arg("-p")
        .arg(format!("{}/", dir.display()))
        .arg("-c")
        .arg(&conf)
        .output()
        .expect("nginx runs");
    if out.status.success() {
        return None;
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("[emerg]"))
        .unwrap_or_else(|| panic!("nginx failed without [emerg]: {err}"));
    // `... [emerg] 123#123: MESSAGE in /path/nginx.conf:N`
    let msg = line.split_once(": ").map(|x| x.1).unwrap_or(line);
    Some(
        msg.rsplit_once(" in ")
            .map(|x| x.0)
            .unwrap_or(msg)
            .to_string(),
    )
}

fn config(dir: &std::path::Path, http: &str, server: &str, location: &str) -> String {
    let d = dir.display();
    format!(
        "pid {d}/n.pid;\nerror_log {d}/e.log;\nevents {{}}\nhttp {{\n    access_log off;\n    {http}\n    server {{\n        listen 127.0.0.1:18302;\n        {server}\n        location / {{\n            {location}\n        }}\n    }}\n}}\n"
    )
}

#[test]
fn verdicts_match_nginx() {
    let Some(nginx) = nginx_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "nginx is required in CI for the NGX302 oracle test"
        );
        eprintln!("skipped: no nginx binary to compare NGX302 with");
        return;
    };
    // (http, server, location)
    let cases: &[(&str, &str, &str)] = &[
        ("fastcgi_buffer_size 32k;", "", ""),
        ("fastcgi_buffer_size 14k;", "", ""),
        ("", "", "fastcgi_buffer_size 16k;"),
        ("", "", "fastcgi_buffer_size 16k; fastcgi_buffers 8 8k;"),
        ("", "", "proxy_busy_buffers_size 28k;"),
        ("", "", "proxy_busy_buffers_size 29k;"),
        ("", "", "proxy_buffers 1 4k;"),
        ("", "", "proxy_busy_buffers_size 2k;"),
        ("", "", "scgi_temp_file_write_size 2k;"),
        ("", "", "uwsgi_max_temp_file_size 2k;"),
        ("", "", "uwsgi_max_temp_file_size 0; uwsgi_buffer_size 8k;"),
        // Every server overrides the invalid http level: nginx never checks it.
        ("proxy_buffer_size 32k;", "proxy_buffers 8 16k;", ""),
        // ...until a location goes back to small buffers.
        (
            "proxy_buffer_size 32k;",
            "proxy_buffers 8 16k;",
            "proxy_buffers 8 4k;",
        ),
        (
            "proxy_buffers 4 16k; proxy_busy_buffers_size 48k;",
            "",
            "proxy_buffer_size 32k;",
        ),
        (
            "proxy_buffers 4 16k; proxy_busy_buffers_size 48k;",
            "",
            "proxy_buffer_size 64k;",
        ),
        ("", "", "proxy_buffering off; proxy_buffer_size 64k;"),
        ("", "", "proxy_buffer_size 32k; proxy_buffers 2 32k;"),
        ("", "", "proxy_buffer_size 64k; proxy_buffers 2 4k;"),
        ("", "", "grpc_buffer_size 64k;"),
        ("proxy_busy_buffers_size 8k;", "", "proxy_buffer_size 16k;"),
        (
            "",
            "fastcgi_temp_file_write_size 8k;",
            "fastcgi_buffer_size 16k; fastcgi_buffers 8 16k;",
        ),
        ("", "", "scgi_buffers 3 8k; scgi_buffer_size 8k;"),
        ("", "", "scgi_buffers 3 8k; scgi_buffer_size 9k;"),
    ];
    let mut checked = 0;
    for (i, (h, s, l)) in cases.iter().enumerate() {
        let t = Tmp::new(&format!("ngx302-oracle-{i}"), &[]);
        std::fs::create_dir_all(&t.0).unwrap();
        std::fs::write(t.0.join("nginx.conf"), config(&t.0, h, s, l)).unwrap();
        let theirs = nginx_verdict(&nginx, &t.0);
        let ours: Vec<String> = check(&t.0, CODE, &[])
            .into_iter()
            .filter(|f| f.line.contains(": error: "))
            .map(|f| f.line)
            .collect();
        match &theirs {
            None => assert!(
                ours.is_empty(),
                "case {h:?} {s:?} {l:?}: nginx passes, we say {ours:?}"
            ),
            Some(msg) => {
                assert_eq!(
                    ours.len(),
                    1,
                    "case {h:?} {s:?} {l:?}: nginx says {msg:?}, we say {ours:?}"
                );
                assert!(
                    ours[0].contains(&format!(": error: {msg}")),
                    "case {h:?} {s:?} {l:?}: nginx says {msg:?}, we say {ours:?}"
                );
            }
        }
        checked += 1;
    }
    assert_eq!(checked, cases.len());
}

#[test]
fn helps_pass_nginx() {
    let Some(nginx) = nginx_binary() else {
        assert!(std::env::var_os("CI").is_none(), "nginx is required in CI");
        eprintln!("skipped: no nginx binary to check NGX302's fixes with");
        return;
    };
    // Each failing location combination, then the same with the help applied in the location.
    let cases = [
        "fastcgi_buffer_size 32k;",
        "fastcgi_buffer_size 16k;",
        "proxy_buffers 1 64k;",
        "proxy_buffer_size 64k; proxy_buffers 2 4k;",
        "proxy_busy_buffers_size 2k; proxy_buffer_size 32k;",
        "proxy_buffers 4 16k; proxy_busy_buffers_size 1m;",
        "uwsgi_buffer_size 1m; uwsgi_temp_file_write_size 8k; uwsgi_max_temp_file_size 4k;",
        "scgi_buffer_size 8k; scgi_busy_buffers_size 4k;",
    ];
    for (i, l) in cases.iter().enumerate() {
        let t = Tmp::new(&format!("ngx302-help-{i}"), &[]);
        std::fs::create_dir_all(&t.0).unwrap();
        std::fs::write(t.0.join("nginx.conf"), config(&t.0, "", "", l)).unwrap();
        assert!(
            nginx_verdict(&nginx, &t.0).is_some(),
            "{l:?} should fail nginx -t"
        );
        let f = check(&t.0, CODE, &[]);
        let err: Vec<_> = f.iter().filter(|f| f.line.contains(": error: ")).collect();
        assert_eq!(err.len(), 1, "{l:?}: {f:?}");
        let help = err[0].help.as_deref().expect("a help");
        let fix = help.split('`').nth(1).expect("a quoted fix");
        // Replace the directives the fix names; keep the others.
        let mut body: Vec<String> = l
            .split(';')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
        for d in fix.split(';').map(str::trim).filter(|d| !d.is_empty()) {
            let name = d.split_whitespace().next().unwrap();
            body.retain(|b| b.split_whitespace().next() != Some(name));
            body.push(d.to_string());
        }
        let fixed = body.join("; ") + ";";
        std::fs::write(t.0.join("nginx.conf"), config(&t.0, "", "", &fixed)).unwrap();
        assert_eq!(
            nginx_verdict(&nginx, &t.0),
            None,
            "{l:?} with the help `{fix}` applied ({fixed:?}) still fails nginx -t"
        );
        assert!(
            check(&t.0, CODE, &[])
                .iter()
                .all(|f| !f.line.contains(": error: ")),
            "{fixed:?} is still reported"
        );
    }
}

#[test]
fn a_server_file_read_alone_is_judged_for_what_it_sets() {
    // A conf.d file that no main config of the project includes: its parent may set the
    // buffers, so nginx's defaults are not assumed; what the file itself sets is judged.
    let t = Tmp::new(
        "ngx302-alone",
        &[(
            "conf.d/app.conf",
            "server {\n    listen 80;\n    location ~ \\.php$ {\n        fastcgi_pass 127.0.0.1:9000;\n    }\n    location /x/ {\n        proxy_pass http://127.0.0.1:1;\n        proxy_buffer_size 2k;\n    }\n}\n",
        )],
    );
    let f = check(&t.0, CODE, &[]);
    assert_eq!(
        lines(&f),
        ["conf.d/app.conf:8:27: warning: `proxy_buffer_size 2k` is below 16k for the response headers of `proxy_pass` [NGX302]"]
    );
}
