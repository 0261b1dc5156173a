//! Shared by the NGX301 and FPM101 tests: lint a fixture project (nginx and PHP-FPM files) with one
//! rule, its options and the environment settings, and print each diagnostic with its labels,
//! related places and help.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

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

/// The registered rule `code`, configured.
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

/// Each diagnostic as `file:line:col: severity: message [CODE]`, then `  label …`, `  related …`
/// and `  help: …` lines; sorted. Files are relative to the fixture.
pub fn lint(code: &str, case: &str, options: &[(&str, &str)], settings: &Settings) -> Vec<String> {
    let dir = std::fs::canonicalize(fixture(code, case)).unwrap();
    let opts = Options::new(dir.clone());
    let project = Project::load(std::slice::from_ref(&dir), &opts).unwrap();
    let model = Model::build(&project, &opts.directives);
    let diags = run(&project, &model, settings, &[rule(code, options)]);
    let place = |file, offset| {
        let f = project.files.get(file);
        let (line, col) = f.line_col_chars(offset);
        let name = f
            .path
            .strip_prefix(&dir)
            .unwrap_or(&f.path)
            .display()
            .to_string();
        format!("{name}:{line}:{col}")
    };
    let mut out: Vec<String> = diags
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
    out.sort();
    out
}

/// Only the first line of each [`lint`] entry.
pub fn heads(code: &str, case: &str, options: &[(&str, &str)], settings: &Settings) -> Vec<String> {
    lint(code, case, options, settings)
        .into_iter()
        .map(|s| s.lines().next().unwrap_or("").to_string())
        .collect()
}
