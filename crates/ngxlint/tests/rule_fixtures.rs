//! Rule fixtures annotate themselves (STYLE.md): every case under `testdata/rules/CODE/` of a
//! security or hardening rule is linted with that rule alone and must produce exactly its caret
//! annotations. A case is a file `NAME.conf` (read as the project's `nginx.conf`) or a folder
//! `NAME/` (a project: each file's annotations count). A case whose name ends in `_ok` is the
//! look-alike safe twin of a finding and has none. Every such rule has at least one case with a
//! finding and one `_ok` twin.
//!
//! A whole configuration (one with an `events` block) is also given to the real `nginx -t`, which
//! must accept it: a fixture nginx refuses proves nothing about a rule. Header comments on the
//! first lines of the main file:
//!
//! - `# nginx-version: X.Y.Z` — lint as for that nginx version (`--nginx-version`);
//! - `# nginx-t: skip REASON` — not given to `nginx -t` (a directive of a newer nginx than the
//!   one installed);
//! - `# nginx-t: refused below OpenSSL X.Y: TEXT` — `nginx -t` must refuse it with TEXT when the
//!   installed nginx runs with an OpenSSL older than X.Y, and accept it otherwise (the proof of a
//!   rule about what older OpenSSL refuses);
//! - `# option: KEY=VALUE` — a rule option, as `[rules.NAME]` in `ngxlint.toml` sets it.
//!
//! Files named `cert.pem` and `key.pem` in `ssl_certificate` lines are made for `nginx -t` (a
//! self-signed pair), not kept in the tree.

#[path = "../../rules/tests/lint_support/mod.rs"]
mod lint_support;
#[path = "support/annotations.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use ngxlint_engine::rule::{Family, Settings};
use ngxlint_engine::{Options, Project};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules")
}

/// One case: its name, the folder linted, the main file, and what its header says.
struct Case {
    name: String,
    dir: PathBuf,
    /// Files of the case (relative path, text).
    files: Vec<(String, String)>,
    version: Option<(u32, u32, u32)>,
    nginx_t: Option<String>,
    options: Vec<(String, String)>,
}

struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn files_of(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_of(&p, base, out);
        } else {
            let rel = p.strip_prefix(base).unwrap().display().to_string();
            out.push((rel, std::fs::read_to_string(&p).unwrap()));
        }
    }
}

/// The cases of one code, copied into a temporary folder each (a single file as `nginx.conf`).
fn cases(code: &str, tmp: &Path) -> Vec<Case> {
    let dir = root().join(code);
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(d) => d.flatten().map(|e| e.path()).collect(),
        Err(_) => return Vec::new(),
    };
    entries.sort();
    let mut out = Vec::new();
    for p in entries {
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        let case_dir = tmp.join(&stem);
        std::fs::create_dir_all(&case_dir).unwrap();
        let mut files = Vec::new();
        if p.is_dir() {
            files_of(&p, &p, &mut files);
        } else if p.extension().is_some_and(|e| e == "conf") {
            files.push((
                "nginx.conf".to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        } else {
            continue;
        }
        for (rel, text) in &files {
            let to = case_dir.join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(&to, text).unwrap();
        }
        let main = files
            .iter()
            .find(|(n, _)| n == "nginx.conf")
            .or(files.first())
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        let mut case = Case {
            name: stem,
            dir: case_dir,
            files,
            version: None,
            nginx_t: None,
            options: Vec::new(),
        };
        for line in main.lines().take_while(|l| l.starts_with('#')) {
            let line = line.trim_start_matches('#').trim();
            if let Some(v) = line.strip_prefix("nginx-version:") {
                let n: Vec<u32> = v.trim().split('.').filter_map(|p| p.parse().ok()).collect();
                assert_eq!(n.len(), 3, "{code}/{}: nginx-version {v}", case.name);
                case.version = Some((n[0], n[1], n[2]));
            } else if let Some(r) = line.strip_prefix("nginx-t:") {
                case.nginx_t = Some(r.trim().to_string());
            } else if let Some(o) = line.strip_prefix("option:") {
                let (k, v) = o.trim().split_once('=').expect("option: KEY=VALUE");
                case.options
                    .push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        out.push(case);
    }
    out
}

/// `(file, line, column, length, message)` of the rule's findings on a case.
fn findings(code: &str, case: &Case) -> Vec<(String, usize, usize, usize, String)> {
    let opts = Options::new(case.dir.clone());
    let project = Project::load(std::slice::from_ref(&case.dir), &opts).unwrap();
    let model = ngxlint_engine::model::Model::build(&project, &opts.directives);
    let options: Vec<(&str, &str)> = case
        .options
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let rule = lint_support::rule(code, &options);
    let mut settings = Settings::default();
    if let Some(v) = case.version {
        settings.nginx_version = v;
        settings.nginx_version_pinned = true;
    }
    let diags = ngxlint_engine::rule::run(&project, &model, &settings, &[rule]);
    let mut out: Vec<_> = diags
        .iter()
        .map(|d| {
            let f = project.files.get(d.file);
            let (line, col) = f.line_col_chars(d.span.start);
            let name = f
                .path
                .strip_prefix(&case.dir)
                .unwrap_or(&f.path)
                .display()
                .to_string();
            (name, line, col, d.span.len(), d.message.clone())
        })
        .collect();
    out.sort();
    out
}

/// A self-signed pair as `cert.pem` and `key.pem` beside the config, for `nginx -t`.
fn certificate(dir: &Path) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .arg("ec_paramgen_curve:prime256v1")
        .args(["-nodes", "-days", "2", "-subj", "/CN=fixture.test"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn fixtures_produce_exactly_their_annotations() {
    let tmp = Tmp(std::env::temp_dir().join(format!("ngxlint-fixtures-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&tmp.0);
    let mut failures = Vec::new();
    let (mut judged, mut by_nginx) = (0, 0);
    for r in ngxlint_rules::all() {
        let m = r.meta();
        if m.family == Family::Gateway {
            continue;
        }
        let all = cases(m.code, &tmp.0.join(m.code));
        let positive = all.iter().filter(|c| !c.name.ends_with("_ok")).count();
        let twins = all.len() - positive;
        if positive == 0 || twins == 0 {
            failures.push(format!(
                "{}: needs a case with a finding and an `_ok` twin under testdata/rules/{} ({positive} and {twins})",
                m.code, m.code
            ));
        }
        for case in &all {
            judged += 1;
            let mut want = Vec::new();
            for (name, text) in &case.files {
                for a in support::annotations(text, '#') {
                    want.push((name.clone(), a));
                }
            }
            if case.name.ends_with("_ok") && !want.is_empty() {
                failures.push(format!(
                    "{}/{}: an `_ok` case has annotations",
                    m.code, case.name
                ));
            }
            want.sort_by(|x, y| (&x.0, x.1 .0, x.1 .1).cmp(&(&y.0, y.1 .0, y.1 .1)));
            let got = findings(m.code, case);
            let same = got.len() == want.len()
                && got.iter().zip(&want).all(|(g, (n, a))| {
                    &g.0 == n
                        && g.1 == a.0
                        && g.2 == a.1
                        && g.3 == a.2
                        && a.3 == m.code
                        && g.4.contains(&a.4)
                });
            if !same {
                let got: Vec<String> = got
                    .iter()
                    .map(|g| format!("{}:{}:{} len {} {}", g.0, g.1, g.2, g.3, g.4))
                    .collect();
                let want: Vec<String> = want
                    .iter()
                    .map(|(n, a)| format!("{n}:{}:{} len {} {} {:?}", a.0, a.1, a.2, a.3, a.4))
                    .collect();
                failures.push(format!(
                    "{}/{}: findings and annotations differ\n got: {got:#?}\nwant: {want:#?}",
                    m.code, case.name
                ));
            }
            // The real nginx accepts every whole configuration among the fixtures.
            let main = case.dir.join("nginx.conf");
            let whole = std::fs::read_to_string(&main)
                .is_ok_and(|t| t.lines().any(|l| l.trim_start().starts_with("events")));
            if !whole
                || case
                    .nginx_t
                    .as_deref()
                    .is_some_and(|r| r.starts_with("skip"))
            {
                continue;
            }
            let text = std::fs::read_to_string(&main).unwrap_or_default();
            if text.contains("cert.pem") {
                if let Err(e) = certificate(&case.dir) {
                    failures.push(format!("{}/{}: {e}", m.code, case.name));
                    continue;
                }
            }
            let Some((ok, stderr)) = lint_support::nginx_t(&case.dir) else {
                continue;
            };
            by_nginx += 1;
            let below = case
                .nginx_t
                .as_deref()
                .and_then(|r| r.strip_prefix("refused below OpenSSL "));
            if let Some(rest) = below {
                let (version, text) = rest
                    .split_once(": ")
                    .expect("refused below OpenSSL X.Y: TEXT");
                let (major, minor) = version.split_once('.').expect("OpenSSL X.Y");
                let wanted: (u32, u32) = (major.parse().unwrap(), minor.parse().unwrap());
                let running = lint_support::nginx_openssl();
                let older = running.is_some_and(|v| v < wanted);
                if older && (ok || !stderr.contains(text)) {
                    failures.push(format!(
                        "{}/{}: nginx -t with OpenSSL {running:?} should refuse it with {text:?}:\n{stderr}",
                        m.code, case.name
                    ));
                } else if !older && !ok {
                    failures.push(format!(
                        "{}/{}: nginx -t with OpenSSL {running:?} refuses the fixture:\n{stderr}",
                        m.code, case.name
                    ));
                }
                continue;
            }
            if !ok {
                failures.push(format!(
                    "{}/{}: nginx -t refuses the fixture:\n{stderr}",
                    m.code, case.name
                ));
            }
        }
    }
    eprintln!("{judged} fixture cases judged, {by_nginx} accepted by nginx -t");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
