//! Rule documents are tests (STYLE.md): every `rules/CODE.md` names a known code, every code has a
//! document, each *Example* produces exactly its caret annotations, the `text` block after the first
//! example is the exact concise output, and each *Use instead* block is clean for that code.
//! A block tagged `nginx-version=X.Y.Z` runs its section as for that nginx version
//! (`--nginx-version`), for rules whose findings depend on it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ngxlint_engine::{Options, Project};

/// A fenced block: its language tag, `file=` and `nginx-version=` attributes and text.
struct Fence {
    lang: String,
    file: Option<String>,
    nginx_version: Option<String>,
    body: String,
}

/// Level-2 sections with their fences.
fn sections(doc: &str) -> Vec<(String, Vec<Fence>)> {
    let mut out: Vec<(String, Vec<Fence>)> = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if let Some(h) = line.strip_prefix("## ") {
            out.push((h.trim().to_string(), Vec::new()));
        } else if let Some(info) = line.strip_prefix("```") {
            let parts: Vec<&str> = info.split_whitespace().collect();
            let lang = parts.first().copied().unwrap_or("").to_string();
            let attr = |name: &str| {
                parts
                    .iter()
                    .skip(1)
                    .find_map(|p| p.strip_prefix(name))
                    .map(str::to_string)
            };
            let file = attr("file=");
            let nginx_version = attr("nginx-version=");
            let mut body = String::new();
            for l in lines.by_ref() {
                if l.starts_with("```") {
                    break;
                }
                body.push_str(l);
                body.push('\n');
            }
            if let Some(last) = out.last_mut() {
                last.1.push(Fence {
                    lang,
                    file,
                    nginx_version,
                    body,
                });
            }
        }
    }
    out
}

/// `(line, column, length, code, message part)` from caret comment lines.
fn annotations(body: &str, comment: char) -> Vec<(usize, usize, usize, String, String)> {
    let mut out = Vec::new();
    let mut last_code_line = 0;
    for (i, line) in body.lines().enumerate() {
        let t = line.trim_start();
        let is_annotation = t.starts_with(comment) && t[1..].trim_start().starts_with('^');
        if !is_annotation {
            last_code_line = i + 1;
            continue;
        }
        let col = line.find('^').unwrap();
        let len = line[col..].chars().take_while(|&c| c == '^').count();
        let rest = line[col + len..].trim();
        let (code, msg) = match rest.split_once(' ') {
            Some((c, m)) => {
                let m = m.trim();
                let inner = m
                    .strip_prefix('"')
                    .and_then(|m| m.strip_suffix('"'))
                    .unwrap_or(m);
                (c.to_string(), inner.replace("\\\"", "\""))
            }
            None => (rest.to_string(), String::new()),
        };
        out.push((last_code_line, col + 1, len, code, msg));
    }
    out
}

struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn project(fences: &[&Fence], tag: &str) -> (Tmp, Vec<(String, String)>) {
    let dir = std::env::temp_dir().join(format!("ngxlint-doc-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for f in fences {
        let name = f.file.clone().unwrap_or_else(|| {
            if f.lang == "fpm" {
                "pool.d/www.conf".into()
            } else if f.lang == "toml" {
                ngxlint_cli::config::FILE_NAME.into()
            } else {
                "nginx.conf".into()
            }
        });
        let p = dir.join(&name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &f.body).unwrap();
        files.push((name, f.body.clone()));
    }
    (Tmp(dir), files)
}

/// The project's reader diagnostics plus those of the rule `code` alone (only that rule on), with
/// the options an `ngxlint.toml` block of the section gives it (a block that does not load, or an
/// option the rule refuses, fails the test).
fn diagnostics(
    dir: &Path,
    code: &str,
    settings: &ngxlint_engine::rule::Settings,
) -> (Project, Vec<ngxlint_engine::Diagnostic>) {
    // An example is the whole configuration it shows: nginx's and php-fpm's defaults around it.
    let mut opts = Options::new(dir.to_path_buf());
    opts.complete_fragments = true;
    opts.fpm.complete_pool_files = true;
    let project = Project::load(&[dir.to_path_buf()], &opts).unwrap();
    let mut diags = project.diagnostics.clone();
    let mut rules: Vec<Box<dyn ngxlint_engine::rule::Rule>> = ngxlint_rules::all()
        .into_iter()
        .filter(|r| r.meta().code == code)
        .collect();
    let toml = dir.join(ngxlint_cli::config::FILE_NAME);
    if toml.is_file() {
        let cfg = ngxlint_cli::config::load(&toml).unwrap_or_else(|e| panic!("{code}: {e}"));
        for (key, rc) in &cfg.rules {
            for r in rules
                .iter_mut()
                .filter(|r| r.meta().code == key.as_str() || r.meta().name == key.as_str())
            {
                for (k, v) in &rc.options {
                    r.configure(k, v)
                        .unwrap_or_else(|e| panic!("{code}: [rules.{key}] {e}"));
                }
            }
        }
    }
    if !rules.is_empty() {
        let model = ngxlint_engine::model::Model::build(&project, &opts.directives);
        diags.extend(ngxlint_engine::rule::run(
            &project, &model, settings, &rules,
        ));
    }
    let all = ngxlint_rules::all();
    let diags = ngxlint_engine::suppress::apply(
        &project,
        diags,
        &|c| ngxlint_cli::known_code(&all, c),
        &|_| true,
    );
    let diags = diags.into_iter().filter(|d| d.code == code).collect();
    drop(opts);
    (project, diags)
}

fn known_codes() -> BTreeSet<String> {
    let mut set: BTreeSet<String> = ngxlint_engine::codes::READER_CODES
        .iter()
        .map(|(c, _, _)| c.to_string())
        .collect();
    set.extend(fpm_ini::codes::ALL.iter().map(|c| c.to_string()));
    set.extend(
        ngxlint_rules::all()
            .iter()
            .map(|r| r.meta().code.to_string()),
    );
    set
}

#[test]
fn rule_documents_run_as_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut documented = BTreeSet::new();
    let mut checked_examples = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
    {
        let doc = std::fs::read_to_string(path).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let title = doc.lines().next().unwrap_or("");
        let (code, name) = title
            .trim_start_matches("# ")
            .split_once(": ")
            .unwrap_or_else(|| panic!("{}: title must be `# CODE: name`", path.display()));
        assert_eq!(
            code,
            stem,
            "{}: title code differs from the file name",
            path.display()
        );
        assert!(
            known_codes().contains(code),
            "{}: no rule has code {code}",
            path.display()
        );
        if let Some((_, n, _)) = ngxlint_engine::codes::reader_code(code) {
            assert_eq!(
                n,
                name,
                "{}: name differs from the code's name",
                path.display()
            );
        }
        let registry = ngxlint_rules::all();
        if let Some(rule) = ngxlint_rules::find(&registry, code) {
            assert_eq!(
                rule.meta().name,
                name,
                "{}: name differs from the rule's name",
                path.display()
            );
            assert_eq!(
                rule.meta().doc,
                doc,
                "{}: the rule embeds another document",
                path.display()
            );
        }
        assert!(
            documented.insert(code.to_string()),
            "{code} documented twice"
        );
        for heading in [
            "What it does",
            "Why is this bad?",
            "Example",
            "Use instead",
            "Options",
            "References",
        ] {
            assert!(
                doc.contains(&format!("## {heading}")),
                "{}: missing section `{heading}`",
                path.display()
            );
        }
        let secs = sections(&doc);
        for (heading, fences) in &secs {
            let configs: Vec<&Fence> = fences
                .iter()
                .filter(|f| f.lang == "nginx" || f.lang == "fpm" || f.lang == "toml")
                .collect();
            if configs.is_empty() {
                continue;
            }
            let (tmp, files) = project(&configs, &format!("{code}-{}", heading.replace(' ', "_")));
            let version = configs.iter().find_map(|f| f.nginx_version.clone());
            let mut settings = ngxlint_engine::rule::Settings::default();
            if let Some(v) = &version {
                let n: Vec<u32> = v.split('.').filter_map(|p| p.parse().ok()).collect();
                assert_eq!(n.len(), 3, "{code}: nginx-version={v} is not X.Y.Z");
                settings.nginx_version = (n[0], n[1], n[2]);
            }
            let (p, diags) = diagnostics(&tmp.0, code, &settings);
            let mut got: Vec<(String, usize, usize, usize, String)> = diags
                .iter()
                .map(|d| {
                    let f = p.files.get(d.file);
                    let (line, col) = f.line_col_chars(d.span.start);
                    let name = f
                        .path
                        .strip_prefix(&tmp.0)
                        .unwrap_or(&f.path)
                        .display()
                        .to_string();
                    let name = name
                        .rsplit_once("/ngxlint-doc")
                        .map(|_| name.clone())
                        .unwrap_or(name);
                    (name, line, col, d.span.len(), d.message.clone())
                })
                .collect();
            got.sort();
            if heading == "Use instead" {
                assert!(got.is_empty(), "{code} *Use instead* is not clean: {got:?}");
                continue;
            }
            if heading != "Example" {
                continue;
            }
            checked_examples += 1;
            let mut want = Vec::new();
            for (name, body) in &files {
                let comment =
                    if name.ends_with(".conf") && body.contains("[") && !body.contains('{') {
                        ';'
                    } else {
                        '#'
                    };
                for a in annotations(body, comment) {
                    want.push((name.clone(), a));
                }
            }
            // Both lists in (file, line, column) order, whatever order the blocks were written in.
            want.sort_by(|x, y| (&x.0, x.1 .0, x.1 .1).cmp(&(&y.0, y.1 .0, y.1 .1)));
            let fmt_got: Vec<String> = got
                .iter()
                .map(|g| format!("{}:{}:{} len {} {}", g.0, g.1, g.2, g.3, g.4))
                .collect();
            let fmt_want: Vec<String> = want
                .iter()
                .map(|(n, a)| format!("{n}:{}:{} len {} {} {:?}", a.0, a.1, a.2, a.3, a.4))
                .collect();
            assert_eq!(got.len(), want.len(), "{code} example: diagnostics and annotations differ\n got: {fmt_got:#?}\nwant: {fmt_want:#?}");
            for (g, (n, a)) in got.iter().zip(&want) {
                let ok = &g.0 == n
                    && g.1 == a.0
                    && g.2 == a.1
                    && g.3 == a.2
                    && a.3 == code
                    && g.4.contains(&a.4);
                assert!(ok, "{code} example: diagnostics and annotations differ\n got: {fmt_got:#?}\nwant: {fmt_want:#?}");
            }
            // The text block after the example: the exact concise output.
            if let Some(text) = fences.iter().find(|f| f.lang == "text") {
                let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ngxlint"));
                cmd.args(["check", "--format", "concise", "--standalone"]);
                if let Some(v) = &version {
                    cmd.args(["--nginx-version", v]);
                }
                let out = cmd.current_dir(&tmp.0).output().unwrap();
                let canon = std::fs::canonicalize(&tmp.0).unwrap();
                let shown: String = String::from_utf8_lossy(&out.stdout)
                    .replace(&format!("{}/", canon.display()), "")
                    .lines()
                    .filter(|l| l.ends_with(&format!("[{code}]")))
                    .map(|l| format!("{l}\n"))
                    .collect();
                if std::env::var_os("NGXLINT_BLESS").is_some() && shown != text.body {
                    // Replace inside the fence after the example (an empty block too).
                    let fence = format!("```text\n{}```", text.body);
                    let new_doc = doc.replacen(&fence, &format!("```text\n{shown}```"), 1);
                    std::fs::write(path, new_doc).unwrap();
                } else {
                    assert_eq!(
                        shown, text.body,
                        "{code}: the output block differs (NGXLINT_BLESS=1 rewrites it)"
                    );
                }
            }
        }
    }
    for (code, _, _) in ngxlint_engine::codes::READER_CODES {
        assert!(
            documented.contains(*code),
            "{code} has no document in rules/"
        );
    }
    let mut codes = BTreeSet::new();
    for r in ngxlint_rules::all() {
        let m = r.meta();
        assert!(
            documented.contains(m.code),
            "{} has no document in rules/",
            m.code
        );
        assert!(codes.insert(m.code), "code {} used twice", m.code);
        assert!(
            ngxlint_engine::codes::reader_code(m.code).is_none(),
            "code {} reused",
            m.code
        );
    }
    assert!(
        checked_examples >= 8,
        "only {checked_examples} examples checked"
    );
}
