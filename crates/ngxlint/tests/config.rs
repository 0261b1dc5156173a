//! `ngxlint.toml` in force: found from each linted path (not from the working folder), `--config`
//! relative to the working folder, and codes or names of checks that do not exist refused with the
//! closest one named.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fresh folder under the system temp dir, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("ngxlint-config-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(std::fs::canonicalize(&p).unwrap())
    }
    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }
    /// A repository: a folder with `.git`.
    fn repo(&self, rel: &str) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.join(".git")).unwrap();
        p
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A main config whose site has an unknown directive (NGX002) and a raised timeout (NGX303).
const MAIN: &str =
    "events {}\nhttp {\n    proxy_read_timeout 300s;\n    server { listen 80; bogus; }\n}\n";

#[test]
fn the_configuration_is_found_from_the_linted_path_not_the_working_folder() {
    let d = Dir::new("from-path");
    let a = d.repo("a");
    d.write("a/nginx/nginx.conf", MAIN);
    d.write("a/ngxlint.toml", "[lint]\nignore = [\"NGX002\"]\n");
    // The working folder's own file says the opposite: it must not apply to `a`.
    let elsewhere = d.repo("elsewhere");
    d.write("elsewhere/ngxlint.toml", "[lint]\nignore = [\"NGX303\"]\n");

    for target in ["../a", "../a/nginx", "../a/nginx/nginx.conf"] {
        let o = run(&elsewhere, &["check", "--format", "concise", target]);
        let out = stdout(&o);
        assert!(out.contains("[NGX303]"), "{target}: {out}");
        assert!(!out.contains("[NGX002]"), "{target}: {out}");
    }
    // From a subfolder of the repository, as before: up to the repository root.
    let o = run(&a.join("nginx"), &["check", "--format", "concise", "."]);
    assert!(!stdout(&o).contains("[NGX002]"), "{}", stdout(&o));
    assert!(stdout(&o).contains("[NGX303]"), "{}", stdout(&o));
    // The walk stops at the repository root: a file above it is not this repository's.
    d.write("ngxlint.toml", "[lint]\nignore = [\"NGX303\"]\n");
    std::fs::remove_file(a.join("ngxlint.toml")).unwrap();
    let o = run(&elsewhere, &["check", "--format", "concise", "../a"]);
    assert!(stdout(&o).contains("[NGX303]"), "{}", stdout(&o));
    assert!(stdout(&o).contains("[NGX002]"), "{}", stdout(&o));
}

#[test]
fn paths_under_different_configurations_are_linted_each_with_its_own() {
    let d = Dir::new("two-repos");
    d.repo("a");
    d.repo("b");
    d.repo("c");
    d.write("a/nginx.conf", MAIN);
    d.write("b/nginx.conf", MAIN);
    d.write("c/nginx.conf", MAIN);
    d.write("a/ngxlint.toml", "[lint]\nignore = [\"NGX002\"]\n");
    d.write(
        "b/ngxlint.toml",
        "[lint]\nignore = [\"NGX303\"]\nfail-level = \"error\"\n[rules]\nNGX002 = \"warning\"\n",
    );
    // `c` has no file: the defaults.
    let o = run(&d.0, &["check", "--format", "concise", "a", "b", "c"]);
    assert_eq!(
        stdout(&o),
        "a/nginx.conf:3:24: warning: `proxy_read_timeout 300s` in the `http` block raises the timeout above 60s for every location [NGX303]\n\
         b/nginx.conf:4:25: warning: unknown directive \"bogus\" [NGX002]\n\
         c/nginx.conf:3:24: warning: `proxy_read_timeout 300s` in the `http` block raises the timeout above 60s for every location [NGX303]\n\
         c/nginx.conf:4:25: error: unknown directive \"bogus\" [NGX002]\n"
    );
    assert_eq!(o.status.code(), Some(1));
    // Each group's fail level: `b` alone fails only on errors, and has none.
    let o = run(&d.0, &["check", "--format", "concise", "b"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // One report for every format: the JSON holds both repositories' findings.
    let o = run(&d.0, &["check", "--format", "json", "a", "b"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let files: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["a/nginx.conf", "b/nginx.conf"]);
    // A baseline written over both holds in a later run over both.
    let o = run(
        &d.0,
        &["check", "--write-baseline", "base.json", "a", "b", "c"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(
        &d.0,
        &[
            "check",
            "--format",
            "concise",
            "--baseline",
            "base.json",
            "a",
            "b",
            "c",
        ],
    );
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
}

#[test]
fn the_standard_input_takes_the_configuration_of_its_file() {
    let d = Dir::new("stdin");
    d.repo("a");
    d.write(
        "a/nginx.conf",
        "events {}\nhttp { include conf.d/*.conf; }\n",
    );
    d.write("a/ngxlint.toml", "[lint]\nignore = [\"NGX002\"]\n");
    let out = |args: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
            .args(args)
            .current_dir(&d.0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"server { listen 80; bogus; }\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    // `conf.d/` does not exist yet either: the buffer is a new file in a new folder.
    let o = out(&[
        "check",
        "--format",
        "concise",
        "--stdin-filename",
        "a/conf.d/new.conf",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "", "NGX002 ignored by a/ngxlint.toml");
    let o = out(&[
        "check",
        "--format",
        "concise",
        "--no-config",
        "--stdin-filename",
        "a/conf.d/new.conf",
    ]);
    assert_eq!(
        stdout(&o),
        "a/conf.d/new.conf:1:21: error: unknown directive \"bogus\" [NGX002]\n"
    );
    assert!(!d.0.join("a/conf.d").exists(), "nothing is written");
}

#[test]
fn config_relative_to_the_working_folder_is_like_dot_slash() {
    let d = Dir::new("relative");
    d.repo("");
    d.write("nginx/legacy/nginx.conf", MAIN);
    let toml = "[[overrides]]\npaths = [\"nginx/legacy/**\"]\nignore = [\"NGX303\", \"NGX002\"]\n";
    d.write("name.toml", toml);
    std::fs::create_dir_all(d.0.join("cfg")).unwrap();
    // Before the fix, `name.toml` had the folder "" and its overrides matched nothing.
    for cfg in ["name.toml", "./name.toml", "cfg/../name.toml"] {
        let o = run(
            &d.0,
            &["check", "--format", "concise", "--config", cfg, "."],
        );
        assert_eq!(
            (o.status.code(), stdout(&o)),
            (Some(0), String::new()),
            "--config {cfg}: {}",
            stderr(&o)
        );
    }
    let abs = d.0.join("name.toml");
    let o = run(
        &d.0.join("nginx"),
        &[
            "check",
            "--format",
            "concise",
            "--config",
            abs.to_str().unwrap(),
            "legacy",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A missing file names the path as given.
    let o = run(&d.0, &["check", "--config", "nope.toml", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("ngxlint: nope.toml: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn unknown_codes_and_names_are_errors_with_the_closest_match() {
    let d = Dir::new("unknown");
    d.repo("");
    d.write("nginx.conf", MAIN);
    let cases: &[(&str, &str)] = &[
        (
            "[lint]\nselect = [\"NGX3O1\"]\n",
            "ngxlint.toml: [lint] select: `NGX3O1` is not the code, a code prefix or the name of a check (did you mean `NGX301`?)",
        ),
        (
            "[lint]\nignore = [\"upstream-without-backups\"]\n",
            "ngxlint.toml: [lint] ignore: `upstream-without-backups` is not the code, a code prefix or the name of a check (did you mean `upstream-without-backup`?)",
        ),
        (
            "[lint]\nselect = [\"NGX9\"]\n",
            "ngxlint.toml: [lint] select: `NGX9` is not the code, a code prefix or the name of a check (did you mean `NGX`?)",
        ),
        (
            "[rules]\nNGX3011 = \"off\"\n",
            "ngxlint.toml: [rules]: `NGX3011` is not the code or the name of a check (did you mean `NGX301`?)",
        ),
        (
            "[rules.undersized-bufers]\nmin_buffer_size = \"32k\"\n",
            "ngxlint.toml: [rules]: `undersized-bufers` is not the code or the name of a check (did you mean `undersized-buffers`?)",
        ),
        (
            "[[overrides]]\npaths = [\"x\"]\nignore = [\"FPM9999\"]\n",
            "ngxlint.toml: [[overrides]] ignore: `FPM9999` is not the code, a code prefix or the name of a check (did you mean `FPM009`?)",
        ),
        (
            "[[overrides]]\npaths = [\"x\"]\nseverity = { \"unknown-directiv\" = \"info\" }\n",
            "ngxlint.toml: [[overrides]] severity: `unknown-directiv` is not the code or the name of a check (did you mean `unknown-directive`?)",
        ),
        (
            "[lint]\nignore = [\"something-else-entirely\"]\n",
            "ngxlint.toml: [lint] ignore: `something-else-entirely` is not the code, a code prefix or the name of a check; `ngxlint rules` lists them",
        ),
    ];
    for (toml, message) in cases {
        d.write("ngxlint.toml", toml);
        let o = run(
            &d.0,
            &["check", "--format", "concise", "--config", "ngxlint.toml"],
        );
        assert_eq!(o.status.code(), Some(2), "{toml}");
        assert_eq!(stderr(&o), format!("ngxlint: {message}\n"), "{toml}");
    }
    // What stays valid: prefixes, lowercase codes, names, php-fpm's and the readers' codes, ALL.
    d.write(
        "ngxlint.toml",
        "[lint]\nselect = [\"NGX3\", \"ngx0\", \"FPM\", \"fastcgi-listen-mismatch\", \"N\"]\nignore = [\"FPM031\", \"syntax-error\"]\n\n[rules]\nngx303 = \"info\"\nunknown-directive = \"warning\"\nFPM035 = \"off\"\n\n[[overrides]]\npaths = [\"x\"]\nignore = [\"NGX30\"]\nseverity = { NGX002 = \"info\" }\n",
    );
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("info: `proxy_read_timeout 300s`"),
        "{}",
        stdout(&o)
    );
    d.write(
        "ngxlint.toml",
        "[lint]\nselect = [\"ALL\"]\nignore = [\"all\"]\n",
    );
    let o = run(&d.0, &["check", "--format", "concise"]);
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
}

#[test]
fn trace_takes_the_configuration_of_its_paths() {
    let d = Dir::new("trace");
    d.repo("a");
    d.repo("b");
    let conf =
        "events {}\nhttp { server { listen 80; server_name x; location / { return 204; } } }\n";
    d.write("a/nginx.conf", conf);
    d.write("b/nginx.conf", conf);
    d.write("a/ngxlint.toml", "[lint]\nselect = [\"NGX3O1\"]\n");
    // Found from the path, not the working folder: `a`'s file is read (and refused).
    let o = run(&d.0, &["trace", "http://x/", "a"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("did you mean `NGX301`?"),
        "{}",
        stderr(&o)
    );
    d.write("a/ngxlint.toml", "[lint]\nselect = [\"NGX3\"]\n");
    let o = run(&d.0, &["trace", "http://x/", "a"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // One answer needs one configuration: two repositories with different files are refused.
    let o = run(&d.0, &["trace", "http://x/", "a", "b"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the paths lie under different configurations"),
        "{}",
        stderr(&o)
    );
}
