//! Rule documents are tests (STYLE.md): every `rules/CODE.md` names a known code, every code (the
//! nginx reader's, php-fpm's start-up checks, the rules) has a document, each *Example* produces
//! exactly its caret annotations, the `text` block after the first example is the exact concise
//! output, and each *Use instead* block is clean for that code. A reader check's document names its
//! severities (`**warning**`); a finding at another severity than its code's default must be one
//! the code declares (reader checks) and the document names.
//! A block tagged `nginx-version=X.Y.Z` runs its section as for that nginx version
//! (`--nginx-version`), for rules whose findings depend on it; a block tagged `symlink=TARGET` is
//! a symbolic link to TARGET at its `file=` path (its text is ignored).
//!
//! `fpm_documents_agree_with_php_fpm` runs the PHP-FPM documents through the real `php-fpm -t`.

#[path = "../../fpm_ini/tests/common/php_fpm.rs"]
mod php_fpm;
#[path = "support/annotations.rs"]
mod support;

use support::annotations;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ngxlint_engine::{Options, Project, Severity};

/// A fenced block: its language tag, `file=`, `nginx-version=` and `symlink=` attributes and text.
struct Fence {
    lang: String,
    file: Option<String>,
    nginx_version: Option<String>,
    symlink: Option<String>,
    /// In *Fix*: how many findings of the code the fixed example still has (default 0).
    remaining: Option<usize>,
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
            let symlink = attr("symlink=");
            let remaining = attr("remaining=").and_then(|n| n.parse().ok());
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
                    symlink,
                    remaining,
                    body,
                });
            }
        }
    }
    out
}

struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The file a fence stands for in its project.
fn file_name(f: &Fence) -> String {
    f.file.clone().unwrap_or_else(|| {
        if f.lang == "fpm" {
            "pool.d/www.conf".into()
        } else if f.lang == "toml" {
            ngxlint_cli::config::FILE_NAME.into()
        } else {
            "nginx.conf".into()
        }
    })
}

/// Writes a section's fences as a project: `(name, language, text)` of each file written.
fn write_project(dir: &Path, fences: &[&Fence]) -> Vec<(String, String, String)> {
    let mut files = Vec::new();
    for f in fences {
        let name = file_name(f);
        let p = dir.join(&name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        match &f.symlink {
            Some(target) => std::os::unix::fs::symlink(target, &p).unwrap(),
            None => {
                std::fs::write(&p, &f.body).unwrap();
                files.push((name, f.lang.clone(), f.body.clone()));
            }
        }
    }
    files
}

fn project(fences: &[&Fence], tag: &str) -> (Tmp, Vec<(String, String, String)>) {
    let dir = std::env::temp_dir().join(format!("ngxlint-doc-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let files = write_project(&dir, fences);
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

/// Annotation lines (`# ^^^ CODE`, `; ^^^ CODE`) removed.
fn without_annotations(text: &str) -> String {
    text.split_inclusive('\n')
        .filter(|l| {
            let t = l.trim_start();
            !((t.starts_with('#') || t.starts_with(';')) && t[1..].trim_start().starts_with('^'))
        })
        .collect()
}

/// Applies the code's fixes (safe and unsafe) to the example project to a fixpoint, as
/// `check --fix --unsafe-fixes` does; returns each file as (name, language, text before, text
/// after), annotation lines removed, the findings left, and the number of fixes applied.
#[allow(clippy::type_complexity)]
fn fix_example(
    dir: &Path,
    code: &str,
    settings: &ngxlint_engine::rule::Settings,
    files: &[(String, String, String)],
) -> (Vec<(String, String, String, String)>, Vec<String>, usize) {
    let mut applied = 0;
    let mut remaining = Vec::new();
    for pass in 0..=ngxlint_cli::fix::MAX_PASSES {
        let (p, diags) = diagnostics(dir, code, settings);
        let fixes: Vec<&ngxlint_engine::Fix> =
            ngxlint_engine::edit::fixes_at(&diags, ngxlint_engine::Applicability::Unsafe)
                .into_iter()
                .map(|(_, f)| f)
                .collect();
        let out = ngxlint_engine::edit::apply(&p.files, &fixes);
        if out.contents.is_empty() {
            remaining = diags.iter().map(|d| d.message.clone()).collect();
            break;
        }
        assert!(
            pass < ngxlint_cli::fix::MAX_PASSES,
            "{code}: the fixes do not settle"
        );
        applied += out.applied.len();
        for (id, bytes) in out.contents {
            let path = &p.files.get(id).path;
            assert!(
                path.starts_with(dir),
                "{code}: a fix edits {}",
                path.display()
            );
            std::fs::write(path, bytes).unwrap();
        }
    }
    let fixed = files
        .iter()
        .map(|(name, lang, body)| {
            let after = std::fs::read_to_string(dir.join(name)).unwrap();
            (
                name.clone(),
                lang.clone(),
                without_annotations(body),
                without_annotations(&after),
            )
        })
        .collect();
    (fixed, remaining, applied)
}

/// `NGXLINT_BLESS=1`: the *Fix* section's fences rewritten from what --fix makes of the example
/// (the files it changes, in the example's order); the section's prose stays.
fn bless_fix(path: &Path, fixed: &[(String, String, String, String)], remaining: usize) {
    let doc = std::fs::read_to_string(path).unwrap();
    let Some(start) = doc.find("\n## Fix\n") else {
        return;
    };
    let body_start = start + "\n## Fix\n".len();
    let end = doc[body_start..]
        .find("\n## ")
        .map_or(doc.len(), |i| body_start + i);
    // The prose: the section without its nginx/fpm fences.
    let mut prose = String::new();
    let mut skip = false;
    for line in doc[body_start..end].split_inclusive('\n') {
        if line.starts_with("```nginx") || line.starts_with("```fpm") {
            skip = true;
            continue;
        }
        if skip {
            if line.starts_with("```") {
                skip = false;
            }
            continue;
        }
        prose.push_str(line);
    }
    let mut section = prose.trim_end().to_string();
    section.push('\n');
    let mut first = true;
    for (name, lang, before, after) in fixed {
        if before == after {
            continue;
        }
        let mut info = format!("```{lang} file={name}");
        if first && remaining > 0 {
            info.push_str(&format!(" remaining={remaining}"));
        }
        first = false;
        section.push_str(&format!("\n{info}\n{after}```\n"));
    }
    let new_doc = format!("{}{}{}", &doc[..body_start], section, &doc[end..]);
    std::fs::write(path, new_doc).unwrap();
}

/// Every code: the readers' (nginx's and php-fpm's) and the rules'.
fn known_codes() -> BTreeSet<String> {
    let mut set: BTreeSet<String> = ngxlint_engine::codes::reader_codes()
        .iter()
        .map(|c| c.code.to_string())
        .collect();
    set.extend(
        ngxlint_rules::all()
            .iter()
            .map(|r| r.meta().code.to_string()),
    );
    set
}

/// A code's default severity and, for a reader check, the other severities it declares (a rule
/// declares only its default; its document names the others).
fn declared_severities(code: &str) -> (Severity, Option<&'static [Severity]>) {
    if let Some(c) = ngxlint_engine::codes::reader_code(code) {
        return (c.severity, Some(c.also));
    }
    let rules = ngxlint_rules::all();
    let r = ngxlint_rules::find(&rules, code).unwrap_or_else(|| panic!("{code}: no such code"));
    (r.meta().severity, None)
}

#[test]
fn rule_documents_run_as_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut documented = BTreeSet::new();
    let mut checked_examples = 0;
    let mut fixed_examples = 0;
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
        if let Some(rc) = ngxlint_engine::codes::reader_code(code) {
            assert_eq!(
                rc.name,
                name,
                "{}: name differs from the code's name",
                path.display()
            );
            assert_eq!(
                rc.doc,
                doc,
                "{}: the reader embeds another document",
                path.display()
            );
            // A reader check's document says how severe its findings are, and when they are not.
            for sev in std::iter::once(rc.severity).chain(rc.also.iter().copied()) {
                assert!(
                    doc.contains(&format!("**{}**", sev.as_str())),
                    "{}: does not name its severity **{}**",
                    path.display(),
                    sev.as_str()
                );
            }
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
                settings.nginx_version_pinned = true;
            }
            let (p, diags) = diagnostics(&tmp.0, code, &settings);
            let (default, also) = declared_severities(code);
            let local = std::fs::canonicalize(&tmp.0).unwrap_or_else(|_| tmp.0.clone());
            for d in &diags {
                // STYLE.md (the readers' messages): one line, lowercase, no final period; and
                // no message names a path of this checkout.
                let m = &d.message;
                assert!(
                    also.is_none()
                        || !m.contains('\n')
                            && !m.starts_with(|c: char| c.is_ascii_uppercase())
                            && !m.ends_with('.'),
                    "{code}: not in ngxlint's voice: {m:?}"
                );
                for dir in [&tmp.0, &local] {
                    assert!(
                        !m.contains(&dir.display().to_string()),
                        "{code}: the message names this checkout's folder: {m}"
                    );
                }
                assert!(
                    d.severity == default || also.is_none_or(|a| a.contains(&d.severity)),
                    "{code}: a finding at {} (declared: {}, also {also:?}): {}",
                    d.severity.as_str(),
                    default.as_str(),
                    d.message
                );
                // Reader documents name each severity in bold (checked above); a rule's names it.
                assert!(
                    d.severity == default || doc.contains(d.severity.as_str()),
                    "{code}: a finding at {}, which the document does not name: {}",
                    d.severity.as_str(),
                    d.message
                );
            }
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
            for (name, lang, body) in &files {
                // FPM files comment with `;` (a `#` line is an error to php-fpm).
                let comment = if lang == "fpm" { ';' } else { '#' };
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
                // The code alone, selected by name: an opt-in rule runs too.
                cmd.args([
                    "check",
                    "--format",
                    "concise",
                    "--standalone",
                    "--select",
                    code,
                ]);
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
            // *Fix*: `check --fix --unsafe-fixes` on the example gives the section's files, which
            // are clean for the code (but for the findings it says remain).
            let is_rule = ngxlint_rules::find(&registry, code).is_some();
            let (fixed, remaining, applied) = fix_example(&tmp.0, code, &settings, &files);
            let fix_fences: Vec<&Fence> = secs
                .iter()
                .filter(|(h, _)| h == "Fix")
                .flat_map(|(_, f)| f.iter())
                .filter(|f| f.lang == "nginx" || f.lang == "fpm")
                .collect();
            let has_section = secs.iter().any(|(h, _)| h == "Fix");
            assert!(
                has_section || (!is_rule && applied == 0),
                "{code}: its example has {applied} fixes; the document needs a `## Fix` section"
            );
            if std::env::var_os("NGXLINT_BLESS").is_some() && has_section {
                bless_fix(path, &fixed, remaining.len());
            } else {
                if fix_fences.is_empty() {
                    assert_eq!(
                        applied, 0,
                        "{code}: *Fix* shows no fixed files, but --fix changes the example"
                    );
                } else {
                    fixed_examples += 1;
                }
                for (name, lang, before, after) in &fixed {
                    let shown = fix_fences
                        .iter()
                        .find(|f| file_name(f) == *name && f.lang == *lang);
                    match shown {
                        Some(f) => assert_eq!(
                            after, &f.body,
                            "{code}: *Fix* shows another {name} than --fix makes (NGXLINT_BLESS=1 rewrites it)"
                        ),
                        None => assert_eq!(
                            after, before,
                            "{code}: --fix changes {name}, which *Fix* does not show"
                        ),
                    }
                }
                let want = fix_fences.first().and_then(|f| f.remaining).unwrap_or(0);
                assert!(
                    fix_fences.is_empty() || remaining.len() == want,
                    "{code}: the fixed example has {} findings of its code (the document says {want}): {remaining:#?}",
                    remaining.len()
                );
            }
        }
    }
    assert!(
        fixed_examples >= 16,
        "only {fixed_examples} examples fixed by their documents"
    );
    for c in ngxlint_engine::codes::reader_codes() {
        assert!(
            documented.contains(c.code),
            "{} has no document in rules/",
            c.code
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

// =============================================================================================
// The PHP-FPM documents against the real php-fpm
// =============================================================================================

/// php-fpm start-up checks whose documents quote no php-fpm words, and why (php-fpm logs nothing
/// for them, or nothing users would search for).
const NO_WORDS: &[(&str, &str)] = &[
    (
        "FPM003",
        "php-fpm's answer to an XML file depends on its first line",
    ),
    ("FPM012", "php-fpm substitutes the environment silently"),
    (
        "FPM013",
        "php-fpm 8.2 expands `${VAR:-x}` to an empty string silently",
    ),
    ("FPM014", "php-fpm reads `100ms` as 100 seconds silently"),
    ("FPM015", "php-fpm takes the last value silently"),
    (
        "FPM052",
        "php-fpm 8.2 cuts the socket path silently (8.3's words cannot be checked here)",
    ),
    ("FPM053", "php-fpm creates the socket file silently"),
    ("FPM061", "php-fpm reads the octal prefix silently"),
];

/// Moves what php-fpm opens or binds into `prefix`: absolute paths of `include`, folders, logs
/// and sockets (not `/proc`, `/dev`), and TCP `listen` addresses to free 127.0.0.1 ports (the
/// same address to the same port, so duplicates stay duplicates). Symbolic links keep their
/// targets, moved the same way when absolute.
fn fpm_case(fences: &[&Fence], prefix: &Path) -> Vec<String> {
    let p = prefix.display().to_string();
    let moved = |v: &str| {
        if v.starts_with('/') && !v.starts_with("/proc/") && !v.starts_with("/dev/") {
            format!("{p}{v}")
        } else {
            v.to_string()
        }
    };
    let mut ports: std::collections::HashMap<String, u16> = std::collections::HashMap::new();
    let mut names = Vec::new();
    for f in fences {
        let name = file_name(f);
        let path = prefix.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if let Some(target) = &f.symlink {
            std::os::unix::fs::symlink(moved(target), &path).unwrap();
            continue;
        }
        let mut out = String::new();
        for line in f.body.split_inclusive('\n') {
            let Some((key, value)) = line.split_once('=') else {
                out.push_str(line);
                continue;
            };
            let k = key.trim();
            let v = value.trim();
            let new = match k {
                "include" | "chroot" | "chdir" | "prefix" | "error_log" | "slowlog"
                | "access.log" | "pid" => moved(v),
                "listen" if v.starts_with('/') => moved(v),
                "listen" => {
                    let port = v.rsplit(':').next().unwrap_or(v);
                    match port.parse::<u32>() {
                        Ok(n) if (1..=65535).contains(&n) => {
                            let free = *ports
                                .entry(v.to_string())
                                .or_insert_with(php_fpm::free_port);
                            format!("127.0.0.1:{free}")
                        }
                        _ => v.to_string(),
                    }
                }
                _ => {
                    out.push_str(line);
                    continue;
                }
            };
            // php-fpm -t checks that these folders exist and opens the error log; a relative
            // folder is relative to the prefix (`$prefix/jail` too).
            let new = match k {
                "chroot" | "chdir" if !new.starts_with('/') => {
                    let rest = new
                        .strip_prefix("$prefix")
                        .unwrap_or(&new)
                        .trim_start_matches('/');
                    let _ = std::fs::create_dir_all(prefix.join(rest));
                    new
                }
                _ => new,
            };
            if new.starts_with(&p) && k != "include" {
                let target = PathBuf::from(&new);
                let folder = if matches!(k, "chroot" | "chdir" | "prefix") {
                    Some(target.as_path())
                } else {
                    target.parent()
                };
                if let Some(d) = folder {
                    let _ = std::fs::create_dir_all(d);
                }
            }
            out.push_str(&format!("{key}= {new}\n"));
        }
        std::fs::write(&path, out).unwrap();
        names.push(name);
    }
    names
}

/// ngxlint's PHP-FPM findings on the php-fpm copy, read as php-fpm is started there.
fn fpm_findings(prefix: &Path, root: bool) -> Vec<ngxlint_engine::Diagnostic> {
    let mut opts = Options::new(prefix.to_path_buf());
    opts.fpm.fpm_prefix = prefix.to_path_buf();
    opts.fpm.env = Some(php_fpm::env());
    opts.fpm.run_as_root = root;
    // php-fpm reads the example as its whole configuration: so does ngxlint.
    opts.fpm.complete_pool_files = true;
    opts.complete_fragments = true;
    let project = Project::load(&[prefix.to_path_buf()], &opts).unwrap();
    project
        .diagnostics
        .into_iter()
        .filter(|d| d.code.starts_with("FPM0"))
        .collect()
}

#[test]
fn fpm_documents_agree_with_php_fpm() {
    let Some(bin) = php_fpm::php_fpm_or_skip("fpm_documents_agree_with_php_fpm") else {
        return;
    };
    let root = php_fpm::running_as_root();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut docs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("FPM0") && n.ends_with(".md"))
        })
        .collect();
    docs.sort();
    let mut failures = Vec::new();
    let (mut judged, mut quoted, mut logged_lines) = (0, 0, 0);
    for path in &docs {
        let code = path.file_stem().unwrap().to_string_lossy().into_owned();
        let doc = std::fs::read_to_string(path).unwrap();
        if !root && matches!(code.as_str(), "FPM031" | "FPM051") {
            eprintln!("SKIPPED {code}: php-fpm checks `user` only when it runs as root");
            continue;
        }
        for (heading, fences) in sections(&doc) {
            if heading != "Example" && heading != "Use instead" {
                continue;
            }
            let fpm: Vec<&Fence> = fences.iter().filter(|f| f.lang == "fpm").collect();
            if fpm.is_empty() {
                continue;
            }
            let tmp = Tmp(std::env::temp_dir().join(format!(
                "ngxlint-docfpm-{}-{code}-{}",
                std::process::id(),
                heading.replace(' ', "_")
            )));
            let _ = std::fs::remove_dir_all(&tmp.0);
            let names = fpm_case(&fpm, &tmp.0);
            // php-fpm reads one main file: the one with `[global]`, else the one with `include=`,
            // else the only one.
            let holding = |what: &dyn Fn(&str) -> bool| -> Vec<String> {
                names
                    .iter()
                    .filter(|n| {
                        std::fs::read_to_string(tmp.0.join(n))
                            .unwrap_or_default()
                            .lines()
                            .any(|l| what(l.trim()))
                    })
                    .cloned()
                    .collect()
            };
            let mut mains = holding(&|l| l == "[global]");
            if mains.is_empty() {
                mains = holding(&|l| l.starts_with("include"));
            }
            let main = match (mains.as_slice(), names.as_slice()) {
                ([m], _) | ([], [m]) => tmp.0.join(m),
                _ => {
                    failures.push(format!(
                        "{code} {heading}: php-fpm reads one main file; this section has {names:?}"
                    ));
                    continue;
                }
            };
            let (php_ok, php_out) = php_fpm::php_fpm_t(&bin, &main, &tmp.0, false);
            let ours = fpm_findings(&tmp.0, root);
            // ngxlint says php-fpm -t fails with an error php-fpm finds with `-t`, or with a finding
            // that quotes php-fpm's refusal (FPM031 is info: who starts php-fpm is not in the
            // configuration; started as root, as here, it refuses).
            let we_fail = ours.iter().any(|d| {
                d.severity == Severity::Error && !fpm_ini::codes::START_ONLY.contains(&d.code)
                    || fpm_ini::quoted(&d.message)
                        .is_some_and(|(says, _)| says == fpm_ini::Says::Refuses)
            });
            judged += 1;
            let shown: Vec<String> = ours
                .iter()
                .map(|d| format!("{} {}: {}", d.code, d.severity.as_str(), d.message))
                .collect();
            if php_ok == we_fail {
                failures.push(format!(
                    "{code} {heading}: php-fpm -t {}, ngxlint {}\n-- php-fpm:\n{}\n-- ngxlint:\n{}",
                    if php_ok { "passes" } else { "fails" },
                    if we_fail { "fails" } else { "passes" },
                    php_out.trim(),
                    shown.join("\n")
                ));
                continue;
            }
            if heading == "Use instead" {
                continue;
            }
            let mine: Vec<&ngxlint_engine::Diagnostic> =
                ours.iter().filter(|d| d.code == code).collect();
            if mine.is_empty() && !NO_WORDS.iter().any(|(c, _)| *c == code) {
                failures.push(format!(
                    "{code}: its example gives no {code} on the php-fpm copy:\n{}",
                    shown.join("\n")
                ));
            }
            let mut started: Option<(bool, String)> = None;
            let mut any_words = false;
            for d in mine {
                let Some((says, words)) = fpm_ini::quoted(&d.message) else {
                    continue;
                };
                any_words = true;
                let in_t = php_out.contains(words);
                if says != fpm_ini::Says::Refuses && !in_t && started.is_none() {
                    started = Some(php_fpm::php_fpm_start(
                        &bin,
                        &main,
                        &tmp.0,
                        std::time::Duration::from_secs(2),
                    ));
                }
                let in_start = |want_failed: bool| {
                    started
                        .as_ref()
                        .is_some_and(|(failed, out)| *failed == want_failed && out.contains(words))
                };
                let ok = match says {
                    // -t fails with these words.
                    fpm_ini::Says::Refuses => !php_ok && in_t,
                    // -t or the running server logs them (a worker's words need a start).
                    fpm_ini::Says::Logs => in_t || in_start(false),
                    // -t passes without them; the start fails with them.
                    fpm_ini::Says::StartFails => !in_t && in_start(true),
                };
                if ok {
                    quoted += 1;
                } else {
                    failures.push(format!(
                        "{code}: the message says php-fpm {says:?} `{words}`, but php-fpm does not\n-- php-fpm -t ({}):\n{}\n-- start:\n{}",
                        if php_ok { "passes" } else { "fails" },
                        php_out.trim(),
                        started.as_ref().map_or("(not started)", |(_, o)| o.trim())
                    ));
                }
            }
            let silent = NO_WORDS.iter().any(|(c, _)| *c == code);
            if !any_words && !silent {
                failures.push(format!(
                    "{code}: its example quotes no php-fpm words (list it in NO_WORDS with the reason if php-fpm has none)"
                ));
            }
            if any_words && silent {
                failures.push(format!("{code}: quotes php-fpm, but NO_WORDS lists it"));
            }
            // *Why is this bad?* shows php-fpm's log: each of its lines is in what php-fpm logged
            // for the example (paths without the test's prefix; a worker's PID is any number).
            let logged = |text: &str| {
                let text = text.replace(&tmp.0.display().to_string(), "");
                let mut out = String::new();
                let mut rest = text.as_str();
                while let Some(at) = rest.find("child ") {
                    out.push_str(&rest[..at + 6]);
                    rest = rest[at + 6..].trim_start_matches(|c: char| c.is_ascii_digit());
                    out.push('N');
                }
                out.push_str(rest);
                out
            };
            let why_log: Vec<String> = sections(&doc)
                .iter()
                .filter(|(h, _)| h == "Why is this bad?")
                .flat_map(|(_, f)| f.iter().filter(|f| f.lang == "log"))
                .flat_map(|f| f.body.lines().map(&logged).collect::<Vec<_>>())
                .collect();
            for line in &why_log {
                if logged(&php_out).contains(line.as_str()) {
                    continue;
                }
                let (_, out) = started.get_or_insert_with(|| {
                    php_fpm::php_fpm_start(&bin, &main, &tmp.0, std::time::Duration::from_secs(2))
                });
                if !logged(out).contains(line.as_str()) {
                    failures.push(format!(
                        "{code}: *Why is this bad?* shows `{line}`, which php-fpm does not log for the example\n-- php-fpm -t:\n{}\n-- start:\n{}",
                        logged(&php_out).trim(),
                        logged(out).trim()
                    ));
                }
            }
            logged_lines += why_log.len();
        }
    }
    eprintln!(
        "php-fpm documents: {} documents, {judged} sections judged by php-fpm -t, {quoted} quotations and {logged_lines} log lines found in php-fpm's log",
        docs.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(docs.len() >= 51, "only {} FPM0xx documents", docs.len());
}
