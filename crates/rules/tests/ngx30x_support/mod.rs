//! Runs one rule over a fixture project and renders its findings as exact strings
//! (shared by the NGX302 and NGX303 tests; not every test uses every helper).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ngxlint_engine::{Options, Project};

/// One finding: the concise line, then its help, labels and related places.
#[derive(Debug, PartialEq, Eq)]
pub struct Finding {
    /// `file:line:col: severity: message [CODE]`
    pub line: String,
    /// The help line.
    pub help: Option<String>,
    /// `line:col message` (same file).
    pub labels: Vec<String>,
    /// `file:line:col message`.
    pub related: Vec<String>,
}

/// `testdata/rules/CODE/name`.
pub fn fixture(code: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/rules")
        .join(code)
        .join(name)
}

/// A temporary project folder with these files, removed on drop.
pub struct Tmp(pub PathBuf);

impl Tmp {
    /// Writes `files` (path, text) under a fresh folder.
    pub fn new(tag: &str, files: &[(&str, &str)]) -> Tmp {
        let dir = std::env::temp_dir().join(format!("ngxlint-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (name, text) in files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        Tmp(dir)
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The findings of rule `code` alone over `dir`, with options set through `configure`.
pub fn check(dir: &Path, code: &str, options: &[(&str, &str)]) -> Vec<Finding> {
    let opts = Options::new(dir.to_path_buf());
    let project = Project::load(&[dir.to_path_buf()], &opts).unwrap();
    let mut rules: Vec<Box<dyn ngxlint_engine::rule::Rule>> = ngxlint_rules::all()
        .into_iter()
        .filter(|r| r.meta().code == code)
        .collect();
    assert_eq!(rules.len(), 1, "no rule {code}");
    for (k, v) in options {
        rules[0].configure(k, v).unwrap();
    }
    let model = ngxlint_engine::model::Model::build(&project, &opts.directives);
    let diags = ngxlint_engine::rule::run(
        &project,
        &model,
        &ngxlint_engine::rule::Settings::default(),
        &rules,
    );
    let canon = std::fs::canonicalize(dir).unwrap();
    let name = |f: ngxlint_engine::FileId| {
        let p = &project.files.get(f).path;
        p.strip_prefix(&canon)
            .or_else(|_| p.strip_prefix(dir))
            .unwrap_or(p)
            .display()
            .to_string()
    };
    let pos = |f: ngxlint_engine::FileId, off: u32| {
        let (l, c) = project.files.get(f).line_col_chars(off);
        format!("{l}:{c}")
    };
    let mut out: Vec<Finding> = diags
        .iter()
        .map(|d| Finding {
            line: format!(
                "{}:{}: {}: {} [{}]",
                name(d.file),
                pos(d.file, d.span.start),
                d.severity.as_str(),
                d.message,
                d.code
            ),
            help: d.help.clone(),
            labels: d
                .labels
                .iter()
                .map(|l| format!("{} {}", pos(d.file, l.span.start), l.message))
                .collect(),
            related: d
                .related
                .iter()
                .map(|r| {
                    format!(
                        "{}:{} {}",
                        name(r.file),
                        pos(r.file, r.span.start),
                        r.message
                    )
                })
                .collect(),
        })
        .collect();
    out.sort_by(|a, b| a.line.cmp(&b.line));
    out
}

/// Just the concise lines.
pub fn lines(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.line.as_str()).collect()
}
