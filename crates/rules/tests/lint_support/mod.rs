//! Shared by rule tests: lint a fixture project with one rule, and ask the real `nginx -t` for its
//! verdict on the same files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ngxlint_engine::model::Model;
use ngxlint_engine::rule::{run, Rule, Settings};
use ngxlint_engine::{Options, Project};

/// The fixture folder `testdata/rules/<code>/<case>`.
pub fn fixture(code: &str, case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/rules")
        .join(code)
        .join(case)
}

/// `file:line:col: severity: message` for each diagnostic of `rule` on the project in `dir`,
/// in file and offset order; the file is relative to `dir`. Labels and related places follow as `  label file:line:col: text`.
pub fn lint(dir: &Path, rule: Box<dyn Rule>) -> Vec<String> {
    lint_with(dir, rule, &Settings::default())
}

/// [`lint`] with environment settings (worker groups, nginx version, ...).
pub fn lint_with(dir: &Path, rule: Box<dyn Rule>, settings: &Settings) -> Vec<String> {
    let dir = std::fs::canonicalize(dir).unwrap();
    let opts = Options::new(dir.clone());
    let project = Project::load(std::slice::from_ref(&dir), &opts).unwrap();
    let model = Model::build(&project, &opts.directives);
    let diags = run(&project, &model, settings, &[rule]);
    show(&project, &dir, diags)
}

/// The first lines of the reader's own diagnostics (NGX0xx: what nginx itself refuses or warns
/// about) on the project in `dir`, formatted as [`lint`] formats a rule's.
pub fn reader_heads(dir: &Path) -> Vec<String> {
    let dir = std::fs::canonicalize(dir).unwrap();
    let opts = Options::new(dir.clone());
    let project = Project::load(std::slice::from_ref(&dir), &opts).unwrap();
    let diags = project.diagnostics.clone();
    show(&project, &dir, diags)
        .into_iter()
        .map(|s| s.lines().next().unwrap_or("").to_string())
        .collect()
}

fn show(project: &Project, dir: &Path, mut diags: Vec<ngxlint_engine::Diagnostic>) -> Vec<String> {
    diags.sort_by_key(|d| (project.files.get(d.file).path.clone(), d.span.start));
    let place = |file, offset| {
        let f = project.files.get(file);
        let (line, col) = f.line_col_chars(offset);
        let name = f
            .path
            .strip_prefix(dir)
            .unwrap_or(&f.path)
            .display()
            .to_string();
        format!("{name}:{line}:{col}")
    };
    let out: Vec<String> = diags
        .iter()
        .map(|d| {
            let mut s = format!(
                "{}: {}: {} [{}]",
                place(d.file, d.span.start),
                d.severity.as_str(),
                d.message,
                d.code
            );
            for l in &d.labels {
                s.push_str(&format!(
                    "\n  label {}: {}",
                    place(d.file, l.span.start),
                    l.message
                ));
            }
            for r in &d.related {
                s.push_str(&format!(
                    "\n  related {}: {}",
                    place(r.file, r.span.start),
                    r.message
                ));
            }
            if let Some(h) = &d.help {
                s.push_str(&format!("\n  help: {h}"));
            }
            s
        })
        .collect();
    out
}

/// Only the first line (`file:line:col: severity: message [CODE]`) of each [`lint`] entry.
pub fn heads(dir: &Path, rule: Box<dyn Rule>) -> Vec<String> {
    lint(dir, rule)
        .into_iter()
        .map(|s| s.lines().next().unwrap_or("").to_string())
        .collect()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

fn nginx_binary() -> Option<PathBuf> {
    ["nginx", "/usr/sbin/nginx"].iter().find_map(|b| {
        Command::new(b)
            .arg("-v")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| PathBuf::from(b))
    })
}

/// `nginx -t` on a copy of the fixture (`pid`/`error_log`/temp paths are relative to the prefix):
/// `Some((passed, stderr))`, or `None` when nginx is not installed. With `CI` set, a missing nginx
/// fails the test instead of skipping it.
pub fn nginx_t(dir: &Path) -> Option<(bool, String)> {
    let Some(nginx) = nginx_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "nginx is not installed, and CI is set: the nginx -t verdicts must run"
        );
        eprintln!("SKIP: nginx not installed; nginx -t verdicts not checked");
        return None;
    };
    let tmp = std::env::temp_dir().join(format!(
        "ngxlint-nginx-t-{}-{}",
        std::process::id(),
        dir.file_name().unwrap().to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    copy_tree(dir, &tmp);
    std::fs::create_dir_all(tmp.join("tmp")).unwrap();
    let prefix = format!("{}/", tmp.display());
    let out = Command::new(nginx)
        .args(["-t", "-q", "-p", &prefix, "-c"])
        .arg(tmp.join("nginx.conf"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&tmp);
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// The `(major, minor)` of the OpenSSL the installed nginx runs with (`nginx -V`: "running with
/// OpenSSL …", else "built with OpenSSL …"); `None` without nginx or without OpenSSL.
#[allow(dead_code)]
pub fn nginx_openssl() -> Option<(u32, u32)> {
    let out = Command::new(nginx_binary()?).arg("-V").output().ok()?;
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    let version = |marker: &str| {
        let rest = &text[text.find(marker)? + marker.len()..];
        let mut parts = rest.split(|c: char| !c.is_ascii_digit());
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    version("running with OpenSSL ").or_else(|| version("built with OpenSSL "))
}

/// Asserts the real `nginx -t` verdict on fixture `code/case`: it passes (`refused` is `None`) or
/// fails with that text. Returns what nginx printed, `None` when nginx is not installed.
pub fn nginx_says(code: &str, case: &str, refused: Option<&str>) -> Option<String> {
    let (ok, stderr) = nginx_t(&fixture(code, case))?;
    match refused {
        None => assert!(ok, "{case}: nginx -t failed:\n{stderr}"),
        Some(text) => {
            assert!(!ok, "{case}: nginx -t passed, expected {text:?}");
            assert!(stderr.contains(text), "{case}: nginx -t said:\n{stderr}");
        }
    }
    Some(stderr)
}

/// The registered rule `code`, configured with `options`.
pub fn rule(code: &str, options: &[(&str, &str)]) -> Box<dyn Rule> {
    let mut r = ngxlint_rules::all()
        .into_iter()
        .find(|r| r.meta().code == code)
        .unwrap_or_else(|| panic!("{code} is not registered"));
    for (k, v) in options {
        r.configure(k, v).unwrap();
    }
    r
}
