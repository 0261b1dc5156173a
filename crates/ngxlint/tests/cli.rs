//! The `ngxlint` binary end to end: exit codes, output formats, and bad input of every kind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ngxlint"))
}

/// A fresh folder under the system temp dir, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("ngxlint-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin().args(args).current_dir(dir).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const MAIN: &str = "events {}\nhttp {\n    include conf.d/*.conf;\n}\n";

#[test]
fn clean_tree_exits_0_and_findings_exit_1() {
    let d = Dir::new("clean");
    d.write("nginx/nginx.conf", MAIN);
    d.write(
        "nginx/conf.d/a.conf",
        "server { listen 80; location / { return 204; } }\n",
    );
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "");

    d.write(
        "nginx/conf.d/b.conf",
        "server {\n    listen 81;\n    proxy_passs http://x;\n}\n",
    );
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "nginx/conf.d/b.conf:3:5: error: unknown directive \"proxy_passs\" [NGX002]\n"
    );
}

#[test]
fn missing_path_is_a_usage_error() {
    let d = Dir::new("missing");
    let o = run(&d.0, &["check", "no/such/dir"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no/such/dir: No such file or directory"));
    let o = run(&d.0, &["check", "--bogus-flag"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn pretty_output_has_no_escapes_off_a_terminal() {
    let d = Dir::new("pretty");
    d.write("nginx.conf", "events {}\nhttp { server { listen 80 } }\n");
    let o = run(&d.0, &["check"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("unexpected \"}\""), "{out}");
    assert!(out.contains("nginx.conf:2:27"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "escape sequences when not on a terminal: {out:?}"
    );
    assert!(
        out.contains("1 file checked: 1 error, 0 warnings, 0 notes"),
        "{out}"
    );
    // --color always forces them.
    let o = run(&d.0, &["check", "--color", "always"]);
    assert!(stdout(&o).contains('\u{1b}'));
}

#[test]
fn outside_root_is_never_read() {
    let d = Dir::new("outside");
    d.write("nginx.conf", "events {}\nhttp {\n    include /etc/passwd;\n    include ../../../../../../etc/hostname;\n}\n");
    let o = run(&d.0, &["check", "--format", "concise"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(
            "include `/etc/passwd` points outside the linted root; it was not read [NGX008]"
        ),
        "{out}"
    );
    assert!(!out.contains("root:"), "host file content leaked: {out}");
    assert_eq!(out.matches("[NGX008]").count(), 2, "{out}");
    // A symlink inside the tree that leads out is refused too.
    std::os::unix::fs::symlink("/etc/passwd", d.0.join("leak.conf")).unwrap();
    let o = run(&d.0, &["check", "--format", "concise"]);
    let out = stdout(&o);
    assert!(
        out.contains("leak.conf") && out.contains("outside the linted root"),
        "{out}"
    );
    assert!(!out.contains("root:x"), "{out}");
}

#[test]
fn includes_cycles_and_missing_files() {
    let d = Dir::new("cycle");
    d.write("nginx.conf", "events {}\nhttp {\n    include a.conf;\n    include missing.conf;\n    include none/*.conf;\n}\n");
    d.write("a.conf", "include b.conf;\n");
    d.write("b.conf", "include a.conf;\n");
    let o = run(&d.0, &["check", "--format", "concise"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out.contains("b.conf:1:1: error: include cycle: a.conf → b.conf → a.conf [NGX007]"),
        "{out}"
    );
    let missing = format!(
        "nginx.conf:4:13: error: open() \"{}\" failed (2: No such file or directory) [NGX006]",
        std::fs::canonicalize(&d.0)
            .unwrap()
            .join("missing.conf")
            .display()
    );
    assert!(out.contains(&missing), "{out}");
    // An empty glob is silent, as in nginx.
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn binary_junk_huge_files_and_broken_links() {
    let d = Dir::new("junk");
    // Deterministic junk bytes, including NUL and invalid UTF-8.
    let junk: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    d.write("conf.d/junk.conf", &junk);
    d.write("conf.d/ok.conf", "location / { return 204; }\n");
    d.write("conf.d/huge.conf", "# big\n".repeat(2000));
    std::os::unix::fs::symlink("loop2.conf", d.0.join("conf.d/loop1.conf")).unwrap();
    std::os::unix::fs::symlink("loop1.conf", d.0.join("conf.d/loop2.conf")).unwrap();
    let before: Vec<(PathBuf, Vec<u8>)> =
        ["conf.d/junk.conf", "conf.d/ok.conf", "conf.d/huge.conf"]
            .iter()
            .map(|p| (d.0.join(p), std::fs::read(d.0.join(p)).unwrap()))
            .collect();
    let o = run(
        &d.0,
        &["check", "--format", "concise", "--max-file-size", "10000"],
    );
    let out = stdout(&o);
    // The huge file is an I/O error: exit 2, but every other file is still linted.
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("conf.d/huge.conf") && out.contains("larger than 10000 bytes"),
        "{out}"
    );
    assert!(
        out.contains("conf.d/junk.conf:"),
        "junk is read and reported: {out}"
    );
    assert!(
        out.contains("conf.d/loop1.conf") && out.contains("broken symbolic link"),
        "{out}"
    );
    assert!(!out.contains("ok.conf"), "{out}");
    // Input files are never modified.
    for (p, bytes) in before {
        assert_eq!(std::fs::read(&p).unwrap(), bytes, "{} changed", p.display());
    }
}

#[test]
fn deep_nesting_and_long_lines_do_not_hang_or_crash() {
    let d = Dir::new("deep");
    let n = 50_000;
    d.write("nginx.conf", "location / {".repeat(n) + &"}".repeat(n));
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("blocks nested deeper than"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn non_utf8_bytes_are_kept_and_shown() {
    let d = Dir::new("latin1");
    d.write(
        "nginx.conf",
        b"events {}\nhttp { server { server_name caf\xe9; unknown_\xe9; } }\n",
    );
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "nginx.conf:2:35: error: unknown directive \"unknown_\u{fffd}\" [NGX002]\n"
    );
}

#[test]
fn parse_prints_crossplane_payload() {
    let d = Dir::new("parse");
    d.write(
        "nginx.conf",
        "events {}\nhttp {\n    include x.conf;\n    server { if ($a = b) { return 403; } }\n}\n",
    );
    d.write("x.conf", "server { listen 80; }\n");
    let o = run(&d.0, &["parse", "nginx.conf"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["config"].as_array().unwrap().len(), 2);
    let http = &v["config"][0]["parsed"][1];
    assert_eq!(http["directive"], "http");
    assert_eq!(http["block"][0]["includes"], serde_json::json!([1]));
    assert_eq!(
        http["block"][1]["block"][0]["args"],
        serde_json::json!(["$a", "=", "b"])
    );
    assert_eq!(
        v["config"][1]["parsed"][0]["block"][0]["args"],
        serde_json::json!(["80"])
    );
}

#[test]
fn parse_json_has_spans_and_crossplane_format_is_crossplanes() {
    let d = Dir::new("parsefmt");
    d.write(
        "nginx.conf",
        "events {}\nhttp {\n    include x.conf;\n    server { if ( $a = b ) { return 403 \"a\\\"b\"; } }\n}\n",
    );
    d.write("x.conf", "server { listen 80; }\n");
    let o = run(&d.0, &["parse", "nginx.conf"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cond = &v["config"][0]["parsed"][1]["block"][1]["block"][0];
    assert_eq!(cond["args"], serde_json::json!(["$a", "=", "b"]));
    assert_eq!(
        cond["arg_spans"],
        serde_json::json!([[55, 57], [58, 59], [60, 61]])
    );
    assert_eq!(cond["span"], serde_json::json!([50, 86]));
    // nginx's value: the escape processed.
    assert_eq!(cond["block"][0]["args"], serde_json::json!(["403", "a\"b"]));

    let o = run(&d.0, &["parse", "--format", "crossplane", "nginx.conf"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        concat!(
            r#"{"status":"ok","errors":[],"config":[{"file":"nginx.conf","status":"ok","errors":[],"parsed":["#,
            r#"{"directive":"events","line":1,"args":[],"block":[]},{"directive":"http","line":2,"args":[],"block":["#,
            r#"{"directive":"include","line":3,"args":["x.conf"],"includes":[1]},{"directive":"server","line":4,"args":[],"block":["#,
            r#"{"directive":"if","line":4,"args":["$a","=","b"],"block":[{"directive":"return","line":4,"args":["403","a\"b"]}]}]}]}]},"#,
            r#"{"file":"x.conf","status":"ok","errors":[],"parsed":[{"directive":"server","line":1,"args":[],"block":[{"directive":"listen","line":1,"args":["80"]}]}]}]}"#,
            "\n"
        )
    );
    let o = run(&d.0, &["parse", "--format", "crossplane", "missing.conf"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout)
        .contains(r#""error":"[Errno 2] No such file or directory: 'missing.conf'","line":null"#));
}

#[test]
fn third_party_directives_by_set_and_declaration() {
    let d = Dir::new("thirdparty");
    d.write("nginx.conf", "events {}\nhttp { server { location / { more_set_headers 'X: y'; content_by_lua_block { ngx.say('}') } } } }\n");
    let o = run(&d.0, &["check", "--format", "concise"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out.contains("unknown directive \"more_set_headers\""),
        "{out}"
    );
    let o = run(
        &d.0,
        &[
            "check",
            "--format",
            "concise",
            "--module",
            "lua",
            "--module",
            "headers-more",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = run(
        &d.0,
        &[
            "check",
            "--format",
            "concise",
            "--module",
            "lua",
            "--directive",
            "more_set_headers:location:1more",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = run(&d.0, &["check", "--module", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn absolute_includes_map_into_the_tree() {
    let d = Dir::new("map");
    d.write(
        "etc-nginx/nginx.conf",
        "events {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n",
    );
    d.write(
        "etc-nginx/conf.d/site.conf",
        "server { listen 80; bogus_directive; }\n",
    );
    // Found automatically: `/etc/nginx/conf.d` ends with the tree's `conf.d`.
    let o = run(&d.0, &["check", "--format", "concise"]);
    let out = stdout(&o);
    assert!(
        out.contains(
            "etc-nginx/conf.d/site.conf:1:21: error: unknown directive \"bogus_directive\""
        ),
        "{out}"
    );
    assert!(!out.contains("NGX008"), "{out}");
    // Without automatic mapping the absolute include points outside the root.
    let o = run(&d.0, &["check", "--format", "concise", "--no-auto-map"]);
    assert!(stdout(&o).contains("[NGX008]"), "{}", stdout(&o));
    // With --map the include is read and its finding reported.
    let o = run(
        &d.0,
        &[
            "check",
            "--format",
            "concise",
            "--map",
            "/etc/nginx=etc-nginx",
        ],
    );
    let out = stdout(&o);
    assert!(
        out.contains(
            "etc-nginx/conf.d/site.conf:1:21: error: unknown directive \"bogus_directive\""
        ),
        "{out}"
    );
    assert!(!out.contains("NGX008"), "{out}");
}

#[test]
fn an_included_fifo_does_not_hang_the_run() {
    let d = Dir::new("fifo");
    d.write(
        "nginx.conf",
        "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
    );
    d.write("conf.d/a.conf", "server { listen 80; }\n");
    let fifo = d.0.join("conf.d/b.conf");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let mut child = bin()
        .args(["check", "--format", "concise"])
        .current_dir(&d.0)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            panic!("ngxlint hung on a FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // An unreadable file is an I/O error: exit 2, after the rest was linted.
    assert_eq!(status.code(), Some(2), "{text}");
    assert!(
        text.contains("conf.d/b.conf") && text.contains("not a regular file"),
        "{text}"
    );
}

#[test]
fn stock_files_stand_in_for_missing_distro_includes() {
    let d = Dir::new("stock");
    d.write("nginx.conf", "events {}\nhttp {\n    include /etc/nginx/mime.types;\n    server {\n        location ~ \\.php$ {\n            include fastcgi_params;\n            fastcgi_pass 127.0.0.1:9000;\n        }\n    }\n}\n");
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert!(!stdout(&o).contains("NGX00"), "{}", stdout(&o));
    // Without them, the includes are what nginx would report on a machine that lacks the files.
    let o = run(&d.0, &["check", "--format", "concise", "--no-stock-files"]);
    let out = stdout(&o);
    assert!(
        out.contains("fastcgi_params\" failed (2: No such file or directory) [NGX006]"),
        "{out}"
    );
    assert!(
        out.contains("include `/etc/nginx/mime.types` points outside the linted root"),
        "{out}"
    );
    // A file the tree does hold wins over the stock copy.
    d.write("fastcgi_params", "fastcgi_param_typo X y;\n");
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert!(
        stdout(&o).contains("unknown directive \"fastcgi_param_typo\""),
        "{}",
        stdout(&o)
    );
}

#[test]
fn suppressions_cover_a_block_a_line_or_a_file() {
    let d = Dir::new("suppress");
    d.write(
        "nginx.conf",
        "events {}\nhttp {\n    # ngxlint: ignore[NGX002] our build has headers-more\n    server {\n        listen 80;\n        more_set_headers \"A: b\";\n    }\n    server {\n        listen 81;\n        more_set_headers \"A: b\";  # ngxlint: ignore[unknown-directive] same\n        more_clear_headers Server;\n    }\n}\n",
    );
    let o = run(&d.0, &["check", "--format", "concise"]);
    let out = stdout(&o);
    // The block suppression covers line 6; the trailing one line 10; line 11 stays.
    assert_eq!(
        out, "nginx.conf:11:9: error: unknown directive \"more_clear_headers\" [NGX002]\n",
        "{out}"
    );

    d.write("other.conf", "# ngxlint: ignore-file[NGX002] generated by our template engine\nlocation / { bogus_one; bogus_two; }\n");
    d.write("bad.conf", "location /x {\n    # ngxlint: ignore[NGX002]\n    bogus;\n    # ngxlint: ignore[NGX999] typo\n    return 204;\n    # ngxlint: ignore[NGX002] stale\n    return 204;\n}\n");
    let o = run(&d.0, &["check", "--format", "concise"]);
    let out = stdout(&o);
    assert!(!out.contains("other.conf"), "{out}");
    assert!(
        out.contains(
            "bad.conf:2:5: warning: a suppression needs a reason after the codes [NGX010]"
        ),
        "{out}"
    );
    assert!(
        out.contains("bad.conf:3:5: error: unknown directive \"bogus\" [NGX002]"),
        "{out}"
    );
    assert!(
        out.contains("bad.conf:4:5: warning: unknown code `NGX999` in a suppression [NGX010]"),
        "{out}"
    );
    assert!(
        out.contains(
            "bad.conf:6:5: warning: this suppression of `NGX002` suppresses nothing [NGX011]"
        ),
        "{out}"
    );
}

#[test]
fn fpm_suppressions_use_semicolons() {
    let d = Dir::new("fpmsup");
    d.write("pool.d/www.conf", "; ngxlint: ignore[FPM004] our patched php-fpm knows it\n[www]\nuser = www-data\nlisten = /run/php/www.sock\npm = static\npm.max_children = 2\nfoo = 1\n");
    d.write("pool.d/api.conf", "[api]\nuser = www-data\nlisten = /run/php/api.sock\npm = static\npm.max_children = 2\nbar = 1 ; ngxlint: ignore[unknown-entry] same\nbaz = 1\n");
    let o = run(&d.0, &["check", "--format", "concise"]);
    let out = stdout(&o);
    assert!(!out.contains("www.conf"), "{out}");
    assert!(!out.contains("api.conf:6:"), "{out}");
    assert!(
        out.contains("api.conf:7:1: error: unknown entry 'baz'"),
        "{out}"
    );
}

#[test]
fn configuration_file_selects_ignores_and_overrides() {
    let d = Dir::new("config");
    std::fs::create_dir_all(d.0.join(".git")).unwrap();
    d.write(
        "nginx/nginx.conf",
        "events {}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n",
    );
    d.write("site/conf.d/a.conf", "server { listen 80; bogus_a; }\n");
    d.write(
        "site/conf.d/legacy.conf",
        "server { listen 81; bogus_b; }\n",
    );
    // Without configuration `/etc/nginx` maps to `nginx/` (its suffix), where `conf.d/` is empty:
    // an empty glob, silent as in nginx — the sites are not read.
    let o = run(&d.0, &["check", "--format", "concise", "nginx"]);
    assert_eq!(stdout(&o), "");
    d.write(
        "ngxlint.toml",
        "[paths]\nmap = { \"/etc/nginx\" = \"site\" }\n\n[rules]\ninclude-outside-root = \"off\"\n\n[[overrides]]\npaths = [\"site/conf.d/legacy.conf\"]\nignore = [\"unknown-directive\"]\n",
    );
    // Found from a subfolder too (walking up to the repository root).
    let o = run(&d.0.join("nginx"), &["check", "--format", "concise", "."]);
    let out = stdout(&o);
    assert!(
        out.contains("a.conf:1:21: error: unknown directive \"bogus_a\""),
        "{out}"
    );
    assert!(!out.contains("bogus_b"), "{out}");
    assert!(!out.contains("NGX008"), "{out}");
    // Select by prefix, severity per rule, fail level.
    d.write("ngxlint.toml", "[lint]\nselect = [\"NGX0\"]\nfail-level = \"error\"\n\n[paths]\nmap = { \"/etc/nginx\" = \"site\" }\n\n[rules]\nunknown-directive = \"warning\"\n");
    let o = run(&d.0, &["check", "--format", "concise", "nginx"]);
    let out = stdout(&o);
    assert!(
        out.contains("warning: unknown directive \"bogus_a\""),
        "{out}"
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "warnings below the fail level: {out}"
    );
    // Unknown keys are an error that names the closest key.
    d.write("ngxlint.toml", "[lint]\nselct = [\"NGX\"]\n");
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("unknown key `selct` in [lint] (did you mean `select`?)"));
    // The repository's file may not point the linter at the host.
    d.write(
        "ngxlint.toml",
        "[paths]\nmap = { \"/etc/nginx\" = \"../../../etc/nginx\" }\n",
    );
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("points outside the repository"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    d.write("ngxlint.toml", "[paths]\nallow-outside-root = true\n");
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(2));
    // --no-config ignores it; `init` writes a valid starter.
    let o = run(
        &d.0,
        &["check", "--format", "concise", "--no-config", "nginx"],
    );
    assert_ne!(o.status.code(), Some(2));
    std::fs::remove_file(d.0.join("ngxlint.toml")).unwrap();
    let o = run(&d.0, &["init"]);
    assert_eq!(o.status.code(), Some(0));
    let o = run(&d.0, &["init"]);
    assert_eq!(o.status.code(), Some(2), "init does not overwrite");
    let o = run(&d.0, &["check", "--format", "concise", "nginx"]);
    assert_ne!(
        o.status.code(),
        Some(2),
        "the starter file is valid: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn baseline_freezes_todays_findings() {
    let d = Dir::new("baseline");
    d.write(
        "nginx.conf",
        "events {}\nhttp {\n    server {\n        listen 80;\n        bogus_one;\n    }\n}\n",
    );
    let o = run(
        &d.0,
        &[
            "check",
            "--format",
            "concise",
            "--write-baseline",
            "ngxlint-baseline.json",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrote 1 findings"));
    let o = run(
        &d.0,
        &[
            "check",
            "--format",
            "concise",
            "--baseline",
            "ngxlint-baseline.json",
        ],
    );
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
    // Lines shift above it and a new finding appears: only the new one is reported.
    d.write("nginx.conf", "# a comment\n\nevents {}\nhttp {\n    server {\n        listen 80;\n        bogus_one;\n        bogus_two;\n    }\n}\n");
    let o = run(
        &d.0,
        &[
            "check",
            "--format",
            "concise",
            "--baseline",
            "ngxlint-baseline.json",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "nginx.conf:8:9: error: unknown directive \"bogus_two\" [NGX002]\n"
    );
    // The same finding twice: the baseline absorbs one.
    d.write("nginx.conf", "events {}\nhttp {\n    server {\n        listen 80;\n        bogus_one;\n    }\n    server {\n        listen 81;\n        bogus_one;\n    }\n}\n");
    let o = run(
        &d.0,
        &[
            "check",
            "--format",
            "concise",
            "--baseline",
            "ngxlint-baseline.json",
        ],
    );
    assert_eq!(stdout(&o).lines().count(), 1, "{}", stdout(&o));
    // Not a baseline file: an error, not a silent pass.
    d.write("bad.json", "{}");
    let o = run(&d.0, &["check", "--baseline", "bad.json"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_worker_user_can_be_declared_when_nginx_conf_has_none() {
    let d = Dir::new("workeruser");
    d.write("nginx/nginx.conf", "events {}\nhttp {\n    server {\n        location ~ \\.php$ {\n            fastcgi_pass unix:/run/php/www.sock;\n        }\n    }\n}\n");
    d.write(
        "php/pool.d/www.conf",
        "[www]\nuser = www-data\nlisten = /run/php/www.sock\npm = static\npm.max_children = 2\n",
    );
    // No `user` directive: who the workers run as is not in the configuration.
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert!(!stdout(&o).contains("FPM101"), "{}", stdout(&o));
    // Declared: the root-owned default socket shuts them out.
    let o = run(
        &d.0,
        &["check", "--format", "concise", "--nginx-user", "www-data"],
    );
    assert!(
        stdout(&o).contains("[FPM101]") && stdout(&o).contains("`www-data` cannot connect"),
        "{}",
        stdout(&o)
    );
    d.write("ngxlint.toml", "[nginx]\nuser = \"www-data:www-data\"\n");
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert!(stdout(&o).contains("[FPM101]"), "{}", stdout(&o));
}

#[test]
fn parse_cache_reuses_unchanged_files_and_rereads_changed_ones() {
    use ngxlint_engine::{Options, Project};
    let d = Dir::new("cache");
    d.write("nginx.conf", "events {}\nhttp { include conf.d/*.conf; }\n");
    d.write("conf.d/a.conf", "server { listen 80; }\n");
    let cache = std::sync::Arc::new(ngxlint_engine::nginx::ParseCache::default());
    let load = || {
        let mut opts = Options::new(d.0.clone());
        opts.cache = Some(cache.clone());
        Project::load(std::slice::from_ref(&d.0), &opts).unwrap()
    };
    let p1 = load();
    assert!(p1.diagnostics.is_empty());
    let p2 = load();
    let a = |p: &Project| {
        p.files
            .iter()
            .find(|(_, f)| f.path.ends_with("a.conf"))
            .map(|(_, f)| f.bytes.clone())
            .unwrap()
    };
    assert!(
        std::sync::Arc::ptr_eq(&a(&p1), &a(&p2)),
        "an unchanged file is not read again"
    );
    d.write("conf.d/a.conf", "server { listen 80; bogus_cached; }\n");
    let p3 = load();
    assert!(
        p3.diagnostics
            .iter()
            .any(|x| x.message.contains("bogus_cached")),
        "a changed file is read again"
    );
}

#[test]
fn rule_options_from_the_configuration_file_reach_the_rule() {
    let d = Dir::new("rule-options");
    std::fs::create_dir_all(d.0.join(".git")).unwrap();
    d.write(
        "pool.d/www.conf",
        "[www]\nuser = www-data\nlisten = /run/php/php8.2-fpm.sock\npm = static\npm.max_children = 40\n",
    );
    // FPM105 is silent until the sizes are declared.
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    d.write(
        "ngxlint.toml",
        "[rules.fpm-pool-capacity]\nhost_memory = \"2g\"\nworker_memory = \"64m\"\n",
    );
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "pool.d/www.conf:5:19: warning: pool [www] runs up to 40 PHP workers, more than the 25 that fit in 80% of the declared 2g host memory at 64m each: under load the kernel kills workers for memory and nginx answers 502 [FPM105]\n"
    );
    // A size nginx would not read is a configuration error (exit 2), naming the rule and the key.
    d.write(
        "ngxlint.toml",
        "[rules.fpm-pool-capacity]\nhost_memory = \"4GB\"\nworker_memory = \"64m\"\n",
    );
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("[rules.fpm-pool-capacity] `host_memory` takes a size in bytes with an optional k, m or g (`4g`, `512m`), not `4GB`"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    d.write("ngxlint.toml", "[rules.FPM104]\nmin_backlog = -5\n");
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(
            "[rules.FPM104] `min_backlog` takes a number of connections (`128`), not `-5`"
        ),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
