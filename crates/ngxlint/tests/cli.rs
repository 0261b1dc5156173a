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
    // What the server reads there is not in the repository: noted, nothing wrong with it.
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains(
            "info: include `/etc/passwd` points outside the linted root; it was not read [NGX008]"
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
        out.contains("leak.conf` links to `/etc/passwd`, which is not in the repository"),
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
    // nginx's words, with the path as the repository names it (not this checkout's location).
    assert!(
        out.contains(
            "nginx.conf:4:13: error: open() \"missing.conf\" failed (2: No such file or directory) [NGX006]"
        ),
        "{out}"
    );
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
        out.contains("api.conf:7:1: error: `baz` is not a pool setting: php-fpm refuses to start with `unknown entry 'baz'` [FPM004]"),
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

#[test]
fn load_module_enables_its_module_set_from_that_line_on() {
    let d = Dir::new("load-module");
    d.write(
        "nginx.conf",
        "load_module modules/ngx_http_brotli_filter_module.so;\n\
         load_module /usr/lib/nginx/modules/ngx_http_geoip2_module.so;\n\
         events {}\n\
         http {\n\
         \x20   brotli on;\n\
         \x20   geoip2 /var/lib/GeoIP/GeoLite2-Country.mmdb { $country country iso_code; }\n\
         \x20   server { listen 80; location / { brotli_static on; more_set_headers \"X: y\"; } }\n\
         }\n",
    );
    let o = run(&d.0, &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let found: Vec<(String, String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
                d["help"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    // The filter object does not hold `brotli_static`; headers-more was never loaded.
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].1, "unknown directive \"brotli_static\"");
    assert_eq!(
        found[0].2,
        "it comes from the `brotli` module: load it with `load_module modules/ngx_http_brotli_static_module.so;` at the top of the main configuration, or pass `--module brotli` if your nginx has it built in"
    );
    assert_eq!(found[1].1, "unknown directive \"more_set_headers\"");
    assert!(
        found[1]
            .2
            .contains("`load_module modules/ngx_http_headers_more_filter_module.so;`"),
        "{found:?}"
    );
    // `--module` still enables a whole set (a static build).
    let o = run(
        &d.0,
        &[
            "check",
            "--format",
            "concise",
            "--module",
            "brotli",
            "--module",
            "headers-more",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // Before its load_module a directive is unknown, as in nginx; after a subsystem block the
    // load_module itself is refused.
    d.write(
        "nginx.conf",
        "rtmp_auto_push on;\nload_module modules/ngx_rtmp_module.so;\nrtmp_auto_push on;\n\
         events {}\nload_module modules/ngx_http_echo_module.so;\n\
         rtmp { server { listen 1935; application live { live on; } } }\n",
    );
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(
        stdout(&o),
        "nginx.conf:1:1: error: unknown directive \"rtmp_auto_push\" [NGX002]\n\
         nginx.conf:5:1: error: \"load_module\" directive is specified too late [NGX003]\n"
    );
}

#[test]
fn debian_modules_enabled_links_enable_their_sets_by_name() {
    let d = Dir::new("modules-enabled");
    d.write(
        "etc/nginx/nginx.conf",
        "include /etc/nginx/modules-enabled/*.conf;\nevents {}\n\
         http {\n    more_clear_headers Server;\n    include /etc/nginx/sites-enabled/*;\n}\n",
    );
    d.write(
        "etc/nginx/sites-enabled/default",
        "server {\n    listen 80;\n    location / { echo hello; fancyindex on; }\n}\n",
    );
    // Links into /usr/share/nginx/modules-available, which the repository does not hold.
    std::fs::create_dir_all(d.0.join("etc/nginx/modules-enabled")).unwrap();
    for name in [
        "50-mod-http-headers-more-filter.conf",
        "50-mod-http-echo.conf",
    ] {
        std::os::unix::fs::symlink(
            format!("/usr/share/nginx/modules-available/{}", &name[3..]),
            d.0.join("etc/nginx/modules-enabled").join(name),
        )
        .unwrap();
    }
    // Only the unknown directives matter here (the broken links have their own findings).
    let unknown = || {
        let o = run(&d.0, &["check", "--format", "concise"]);
        stdout(&o)
            .lines()
            .filter(|l| l.contains("[NGX002]"))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    // fancyindex has no link: its package is not installed on that server.
    assert_eq!(
        unknown(),
        "etc/nginx/sites-enabled/default:3:30: error: unknown directive \"fancyindex\" [NGX002]\n"
    );
    // A snippet the tree holds is read for its load_module line instead of its name.
    d.write(
        "etc/nginx/modules-enabled/50-mod-http-fancyindex.conf",
        "load_module modules/ngx_http_fancyindex_module.so;\n",
    );
    assert_eq!(unknown(), "");
    d.write(
        "etc/nginx/modules-enabled/50-mod-http-fancyindex.conf",
        "# disabled\n",
    );
    assert!(unknown().contains("\"fancyindex\""));
}

/// One configuration repository with a finding of every kind whose message can carry a path:
/// nginx include failures (a missing file, a folder matched by a glob, a cycle, a target outside
/// the root), unreadable files (a broken symbolic link, a file over the size limit) and php-fpm's
/// include failures (nothing matched, a missing folder, a self-include, a broken symbolic link).
fn repository_with_path_findings(repo: &Path) {
    let w = |rel: &str, text: &str| {
        let p = repo.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "nginx/nginx.conf",
        "events {}\nhttp {\n    include conf.d/*;\n    include snippets/missing.conf;\n    include loop/a.conf;\n    include ../../outside.conf;\n    include sites-enabled/*;\n}\n",
    );
    w("nginx/conf.d/site.conf", "server { listen 80; }\n");
    w("nginx/conf.d/huge.conf", &"# padding\n".repeat(2000));
    std::fs::create_dir_all(repo.join("nginx/conf.d/archive")).unwrap();
    w("nginx/loop/a.conf", "include loop/b.conf;\n");
    w("nginx/loop/b.conf", "include loop/a.conf;\n");
    std::fs::create_dir_all(repo.join("nginx/sites-enabled")).unwrap();
    std::os::unix::fs::symlink(
        "../sites-available/old-shop.conf",
        repo.join("nginx/sites-enabled/old-shop.conf"),
    )
    .unwrap();
    w("../outside.conf", "# not the repository's\n");
    w(
        "etc/php/8.2/fpm/php-fpm.conf",
        "[global]\nerror_log = /var/log/php8.2-fpm.log\ninclude = /etc/php/8.2/fpm/pool.d/*.conf\ninclude = /etc/php/8.2/fpm/sites.d/*.conf\ninclude = /etc/php/8.2/fpm/pools/*.conf\n",
    );
    w(
        "etc/php/8.2/fpm/pool.d/www.conf",
        "[www]\nuser = www-data\nlisten = /run/php/php8.2-fpm.sock\npm = static\npm.max_children = 5\ninclude = /etc/php/8.2/fpm/pool.d/www.conf\n",
    );
    w("etc/php/8.2/fpm/sites.d/README", "no pools here yet\n");
    std::os::unix::fs::symlink(
        "../pools-available/shop.conf",
        repo.join("etc/php/8.2/fpm/pool.d/shop.conf"),
    )
    .unwrap();
}

#[test]
fn a_baseline_written_in_one_checkout_holds_in_another() {
    let d = Dir::new("moved");
    let first = d.0.join("first/repo");
    let second = d.0.join("elsewhere/checkouts/repo");
    for repo in [&first, &second] {
        repository_with_path_findings(repo);
    }
    let args = ["check", "--format", "json", "--max-file-size", "10000"];
    let json = |dir: &Path| -> serde_json::Value {
        let o = run(dir, &args);
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
    };
    // Every message, label and related note reads the same in both checkouts, and names neither.
    let (a, b) = (json(&first), json(&second));
    let texts = |v: &serde_json::Value| -> Vec<String> {
        let mut out = Vec::new();
        for d in v["diagnostics"].as_array().unwrap() {
            out.push(format!("{} {} {}", d["code"], d["file"], d["message"]));
            for place in ["labels", "related"] {
                for p in d[place].as_array().unwrap() {
                    out.push(format!("  {place}: {}", p["message"]));
                }
            }
        }
        out
    };
    assert_eq!(texts(&a), texts(&b));
    let all = texts(&a).join("\n");
    for dir in [&d.0, &first, &second] {
        let canonical = std::fs::canonicalize(dir).unwrap();
        assert!(
            !all.contains(&canonical.display().to_string())
                && !all.contains(&dir.display().to_string()),
            "a message names the checkout's folder {}:\n{all}",
            dir.display()
        );
    }
    let codes: std::collections::BTreeSet<&str> = a["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    for code in [
        "NGX006", "NGX007", "NGX008", "NGX009", "FPM020", "FPM021", "FPM022", "FPM023",
    ] {
        assert!(codes.contains(code), "no {code} among the findings:\n{all}");
    }
    // Each at a severity its code declares (NGX009: error, a broken link a warning).
    for d in a["diagnostics"].as_array().unwrap() {
        let code = d["code"].as_str().unwrap();
        let c = ngxlint_engine::codes::reader_code(code).unwrap();
        let severity = d["severity"].as_str().unwrap();
        assert!(
            c.severity.as_str() == severity || c.also.iter().any(|s| s.as_str() == severity),
            "{code} at {severity}: {}",
            d["message"]
        );
    }
    assert!(
        all.contains("open() \\\"nginx/snippets/missing.conf\\\" failed")
            && all.contains("pread() \\\"nginx/conf.d/archive\\\" failed")
            && all.contains(
                "include cycle: nginx/loop/a.conf → nginx/loop/b.conf → nginx/loop/a.conf"
            )
            && all.contains("`nginx/sites-enabled/old-shop.conf` is a broken symbolic link"),
        "paths are not named from the repository:\n{all}"
    );

    // The baseline written in the first checkout leaves nothing in the second, run from the
    // checkout or from elsewhere with `--root`.
    let baseline = d.0.join("baseline.json");
    let baseline_arg = baseline.display().to_string();
    let o = run(
        &first,
        &[
            "check",
            "--max-file-size",
            "10000",
            "--write-baseline",
            &baseline_arg,
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let written = a["diagnostics"].as_array().unwrap().len();
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("wrote {written} findings")));
    let check = |dir: &Path, extra: &[&str]| {
        let mut argv = vec!["check", "--format", "concise", "--max-file-size", "10000"];
        argv.extend_from_slice(extra);
        run(dir, &argv)
    };
    let o = check(&second, &[]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unreadable file: {}",
        stdout(&o)
    );
    let o = check(&second, &["--baseline", &baseline_arg]);
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
    let root = second.display().to_string();
    let o = run(
        &d.0,
        &[
            "check",
            "--format",
            "concise",
            "--max-file-size",
            "10000",
            "--root",
            &root,
            &root,
            "--baseline",
            &baseline_arg,
        ],
    );
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
}

#[test]
fn every_code_has_a_severity_a_document_and_a_url_to_it() {
    let d = Dir::new("codes");
    let o = run(&d.0, &["rules"]);
    assert_eq!(o.status.code(), Some(0));
    let listing = stdout(&o);
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut codes = Vec::new();
    for line in listing.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (code, name, severity) = (cols[0], cols[1], cols[2]);
        assert!(
            ["error", "warning", "info"].contains(&severity),
            "no severity: {line}"
        );
        let doc = std::fs::read_to_string(docs.join(format!("{code}.md")))
            .unwrap_or_else(|e| panic!("{code}: {e}"));
        for key in [code, name, &code.to_ascii_lowercase()] {
            let o = run(&d.0, &["rule", key]);
            assert_eq!(o.status.code(), Some(0), "ngxlint rule {key}");
            assert_eq!(stdout(&o), doc, "ngxlint rule {key}");
        }
        // The URL a report carries is this document's place in the repository.
        assert_eq!(
            ngxlint_cli::render::rule_url(code),
            format!("https://github.com/ngxlint/ngxlint/blob/main/rules/{code}.md")
        );
        codes.push(code.to_string());
    }
    for c in [
        "NGX001", "NGX011", "FPM001", "FPM031", "FPM061", "NGX301", "FPM101",
    ] {
        assert!(codes.iter().any(|x| x == c), "`ngxlint rules` lacks {c}");
    }
    // SARIF's rule list: every code, with its severity and its document.
    d.write("nginx.conf", "events {}\nhttp { bogus; }\n");
    let o = run(&d.0, &["check", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), codes.len());
    for r in rules {
        let code = r["id"].as_str().unwrap();
        let doc = std::fs::read_to_string(docs.join(format!("{code}.md"))).unwrap();
        assert_eq!(r["help"]["markdown"].as_str(), Some(doc.as_str()), "{code}");
        let level = r["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(
            ["error", "warning", "note"].contains(&level),
            "{code}: {level}"
        );
    }
}

#[test]
fn rules_as_json_name_defaults_and_aliases() {
    let d = Dir::new("rules-json");
    let o = run(&d.0, &["rules", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], 1);
    let rules = v["rules"].as_array().unwrap();
    let text = stdout(&run(&d.0, &["rules"]));
    assert_eq!(
        rules.len(),
        text.lines().count(),
        "every check, reader codes too"
    );
    for r in rules {
        for key in [
            "code", "name", "severity", "default", "family", "summary", "url",
        ] {
            assert!(r[key].is_string(), "{key} of {r}");
        }
        assert!(
            ["on", "opt-in"].contains(&r["default"].as_str().unwrap()),
            "{r}"
        );
        // Another tool's check, as `tool:id`.
        for a in r["aliases"].as_array().unwrap() {
            let (tool, id) = a.as_str().unwrap().split_once(':').unwrap();
            assert!(["gixy", "nginx-lint", "semgrep"].contains(&tool), "{a}");
            assert!(!id.is_empty() && !id.contains(' '), "{a}");
        }
    }
    let by = |code: &str| rules.iter().find(|r| r["code"] == code).unwrap().clone();
    assert_eq!(by("NGX001")["family"], "reader");
    assert_eq!(by("NGX310")["aliases"][0], "nginx-lint:proxy-keepalive");
    assert_eq!(by("NGX301")["family"], "gateway");
}

#[test]
fn select_and_ignore_on_the_command_line_override_the_file() {
    let d = Dir::new("select");
    d.write(
        "nginx.conf",
        "events {}\nhttp {\n    proxy_read_timeout 300s;\n    server {\n        listen 80;\n        location / { proxy_passs http://a; }\n    }\n}\n",
    );
    let codes = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["check", "--format", "concise"];
        a.extend_from_slice(args);
        let o = run(&d.0, &a);
        stdout(&o)
            .lines()
            .map(|l| {
                l.rsplit_once('[')
                    .unwrap()
                    .1
                    .trim_end_matches(']')
                    .to_string()
            })
            .collect()
    };
    assert_eq!(codes(&[]), ["NGX303", "NGX002"]);
    d.write("ngxlint.toml", "[lint]\nignore = [\"NGX303\"]\n");
    assert_eq!(codes(&[]), ["NGX002"]);
    // --select replaces the file's select and ignore.
    assert_eq!(codes(&["--select", "NGX3"]), ["NGX303"]);
    assert_eq!(
        codes(&["--select", "global-timeout-inflation,NGX002"]),
        ["NGX303", "NGX002"]
    );
    // --ignore alone adds to the file's.
    assert_eq!(codes(&["--ignore", "NGX002"]), Vec::<String>::new());
    // ALL runs the opt-in rules too: NGX504 (`worker_processes` unset), NGX103 (`server_tokens`
    // unset).
    assert_eq!(
        codes(&["--select", "ALL", "--ignore", "NGX0"]),
        ["NGX504", "NGX103", "NGX303"]
    );
    assert_eq!(codes(&["--select", "NGX1"]), Vec::<String>::new());
    let o = run(&d.0, &["check", "--select", "NGX9"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("`NGX9` names no check"));
}

#[test]
fn fix_diff_show_fixes_and_fmt() {
    let dir = std::env::temp_dir().join(format!("ngxlint-cli-fix-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("nginx.conf");
    let text = "events {}\r\nhttp {\r\n    server {\r\n        listen 80; # web\r\n        location / {\r\n            proxy_read_timout 5s;\r\n            return 204;\r\n        }\r\n    }\r\n}\r\n";
    std::fs::write(&conf, text).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ngxlint"))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    // --diff writes nothing and exits 1.
    let o = run(&["check", "--no-config", "--diff", "."]);
    assert_eq!(o.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&o.stdout);
    assert!(
        diff.contains(
            "-            proxy_read_timout 5s;\r\n+            proxy_read_timeout 5s;\r\n"
        ),
        "{diff}"
    );
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), text);
    // --fix writes it (CRLF and the comment kept), --show-fixes lists it, nothing is left.
    let o = run(&[
        "check",
        "--no-config",
        "--fix",
        "--show-fixes",
        "--format",
        "concise",
        ".",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("Fixed 1 finding:") && out.contains("1 × NGX002 (unknown-directive)"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        text.replace("proxy_read_timout", "proxy_read_timeout")
    );
    // A second --fix changes nothing.
    let o = run(&["check", "--no-config", "--fix", "--diff", "."]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    // fmt --check: the file is formatted already; a one-line block is not.
    assert_eq!(
        run(&["fmt", "--no-config", "--check", "."]).status.code(),
        Some(0)
    );
    std::fs::write(
        &conf,
        "events{}\nhttp { server { listen 80;   # web\n return 204 ; } }",
    )
    .unwrap();
    let o = run(&["fmt", "--no-config", "--check", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("would reformat nginx.conf"));
    assert_eq!(run(&["fmt", "--no-config", "."]).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        "events {}\nhttp {\n    server {\n        listen 80;   # web\n        return 204;\n    }\n}\n"
    );
    // Standard input.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .args(["fmt", "--no-config", "--stdin-filename", "x.conf"])
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"a {b 1;}").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "a {\n    b 1;\n}\n");
    // A file nginx cannot read is left alone, exit 2.
    std::fs::write(&conf, "http {\n  listen 80\n").unwrap();
    assert_eq!(
        run(&["fmt", "--no-config", "nginx.conf"]).status.code(),
        Some(2)
    );
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        "http {\n  listen 80\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// NGX214 is one finding per block that lacks the cache, counting the `try_files` under it: a
/// tree of many sites is told once that its `http` block has none, and a server whose own
/// `open_file_cache off` is in effect is a cause of its own.
#[test]
fn try_files_without_a_cache_is_reported_once_per_block_that_lacks_it() {
    let d = Dir::new("ngx214-group");
    d.write("nginx/nginx.conf", MAIN);
    for i in 0..3 {
        d.write(
            &format!("nginx/conf.d/s{i}.conf"),
            format!(
                "server {{\n    listen 80{i};\n    root /srv;\n    location / {{ try_files $uri /index.html; }}\n    location /a/ {{ try_files $uri $uri/ =404; }}\n}}\n"
            ),
        );
    }
    d.write(
        "nginx/conf.d/t.conf",
        "server {\n    listen 810;\n    root /srv;\n    open_file_cache off;\n    location / { try_files $uri /index.html; }\n}\n",
    );
    let o = run(&d.0, &["check", "--select", "NGX214", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v["diagnostics"].as_array().unwrap();
    let places: Vec<(String, u64, String)> = list
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["start"]["line"].as_u64().unwrap(),
                d["help"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(places.len(), 2, "{places:#?}");
    assert_eq!(
        (places[0].0.as_str(), places[0].1),
        ("nginx/conf.d/s0.conf", 4)
    );
    assert!(
        places[0].2.ends_with(
            "; 5 more `try_files` without a file cache in this configuration, not reported one by one"
        ),
        "{}",
        places[0].2
    );
    assert_eq!(
        (places[1].0.as_str(), places[1].1),
        ("nginx/conf.d/t.conf", 5)
    );
    assert!(!places[1].2.contains("more"), "{}", places[1].2);
    // Suppressed where it is first reported, the next one stands for the rest.
    d.write(
        "nginx/conf.d/s0.conf",
        "server {\n    listen 800;\n    root /srv;\n    # ngxlint: ignore[NGX214] the files here sit on a RAM disk\n    location / { try_files $uri /index.html; }\n}\n",
    );
    let o = run(
        &d.0,
        &["check", "--select", "NGX214", "--format", "concise"],
    );
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.starts_with("nginx/conf.d/s1.conf:4:18: info:"),
        "{text}"
    );
}
