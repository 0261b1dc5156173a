//! `ngxlint parse --format crossplane` ([`ngxlint_cli::crossplane_format::payload_in`]) against
//! `crossplane parse` — crossplane 0.5.8's own command line, run through its `main()` — byte for
//! byte:
//!
//! - `crossplane_format_fixtures`: how crossplane's analyzer refuses and recovers (a block it does
//!   not allow read in the outer context, a block where `;` belongs skipped, `%` in a flag's
//!   value), includes (globs as Python's `glob`, a missing file, a folder), escapes, comments
//!   between words, brace balance, the end of the file inside a statement, Lua blocks, `--indent`;
//! - `crossplane_format_corpus`: every corpus file in place, named relative to its repository
//!   as a user would run it there, and every corpus tree rendered, named absolutely;
//! - `crossplane_format_divergences`: one case per place crossplane misreads nginx (README,
//!   "crossplane"), where ngxlint keeps nginx's reading: the outputs differ there, and only there.
//!
//! A corpus case that differs must be explained by one of those misreads in a file it reads;
//! the count of such cases is printed.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nginx_syntax::{Directive, Quote, SyntaxErrorKind};
use serde_json::Value;
use support::*;

/// One `crossplane parse` run: the folder it runs in, the file as given, `--indent`.
struct Job {
    cwd: PathBuf,
    file: String,
    indent: Option<usize>,
}

/// Runs `crossplane parse FILE [-i N] -o OUT` through crossplane's `main()` for each job, in one
/// interpreter, and returns what each printed.
fn crossplane_cli(python: &Path, jobs: &[Job]) -> Vec<Vec<u8>> {
    const SCRIPT: &str = r#"
import json, os, sys
import crossplane, crossplane.__main__ as m
assert crossplane.__version__ == "0.5.8", crossplane.__version__
for job in json.load(sys.stdin):
    os.chdir(job["cwd"])
    sys.argv = ["crossplane", "parse", job["file"], "-o", job["out"]]
    if job["indent"] is not None:
        sys.argv += ["-i", str(job["indent"])]
    m.main()
"#;
    let out = TempDir::new("cpout");
    let input: Vec<Value> = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| {
            serde_json::json!({
                "cwd": j.cwd.to_string_lossy(),
                "file": j.file,
                "indent": j.indent,
                "out": out.path().join(format!("{i}.json")).to_string_lossy(),
            })
        })
        .collect();
    let ran = run_bounded(
        std::process::Command::new(python).args(["-c", SCRIPT]),
        serde_json::to_string(&input).unwrap_or_default().as_bytes(),
    );
    assert_eq!(
        ran.status,
        Some(0),
        "crossplane failed: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    (0..jobs.len())
        .map(|i| std::fs::read(out.path().join(format!("{i}.json"))).unwrap_or_default())
        .collect()
}

fn ours(job: &Job) -> Vec<u8> {
    ngxlint_cli::crossplane_format::payload_in(&job.cwd, &job.file, job.indent).into_bytes()
}

fn python_or_skip(test: &str) -> Option<PathBuf> {
    let p = crossplane_python();
    if p.is_none() {
        missing("crossplane (Python module 0.5.8)", test);
    }
    p
}

/// Where two payloads first differ, with some context.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let i = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let show = |s: &[u8]| {
        String::from_utf8_lossy(&s[i.saturating_sub(120)..(i + 120).min(s.len())]).into_owned()
    };
    format!(
        "at byte {i}\n    ngxlint:    …{}…\n    crossplane: …{}…",
        show(a),
        show(b)
    )
}

/// A fixture's files: (path, bytes).
type Files = Vec<(&'static str, &'static [u8])>;

/// The fixtures: (name, files). The main file is `nginx.conf`.
fn fixtures() -> Vec<(&'static str, Files)> {
    let sub: Files = vec![
        ("sub/a.conf", b"gzip on;\n"),
        ("sub/b.conf", b"server { listen 80; }\n"),
        ("sub/.hidden.conf", b"x;\n"),
        ("sub/deeper/c.conf", b"gzip off;\n"),
    ];
    let with_sub = |main: &'static [u8]| {
        let mut v = vec![("nginx.conf", main)];
        v.extend(sub.iter().cloned());
        v
    };
    vec![
        // A block crossplane does not allow here: its statements are read in the outer
        // context and its `}` ends the outer list.
        ("block refused", with_sub(b"types { text/html html; }\nworker_processes 1;\n")),
        (
            "nested block refused",
            with_sub(b"http { server { listen 80; bad_block { x; } } foo { a; } sendfile on; }\nevents {}\n"),
        ),
        // A block where `;` belongs: crossplane skips it whole.
        ("block not terminated", with_sub(b"http { sendfile on { a; b { c; } } gzip on; }\n")),
        ("flag values", with_sub(b"http { sendfile yes; gzip 50%; gunzip %s; etag OFF; }\n")),
        ("comments between words", with_sub(b"http {\n resolver # c1\n 1.1.1.1 # c2\n valid=5s;\n}\n# last\n")),
        ("if parentheses", with_sub(b"http { server { if ( $a = b ) { return 404; } if ($x) { } if ( ) {} } }\n")),
        ("escapes", with_sub(b"http { server { return 200 \"a\\\"b\\n\\\\c\" 'x\\'y\\\"' z\\;w; } }\n")),
        ("quoted braces", with_sub(b"http { server { return 200 \"{\" ; add_header X \"}\"; } }\n")),
        ("unexpected brace", with_sub(b"http { sendfile on; }\n}\ninclude missing.conf;\n")),
        ("unexpected brace after include", with_sub(b"include missing.conf;\nevents { } }\nfoo;\n")),
        ("end of file in block", with_sub(b"http { server { listen 80;\n# trailing\n")),
        ("end of file in statement", with_sub(b"http { }\nworker_processes 1")),
        ("stray semicolons", with_sub(b"events {} ;\nhttp { ; a b ; ; }\n")),
        (
            "includes missing",
            with_sub(b"http { include nope.conf; include nope/*.conf; include /nonexistent/x.conf; }\n"),
        ),
        ("include of a folder", with_sub(b"http { include sub; include sub/*; }\n")),
        (
            "include globs",
            with_sub(b"http { include sub/*.conf; include sub/[ab].conf; include ./sub/a.conf; include sub/a.conf; include */*.conf; include sub/[!a]*.conf; include sub/.h*; }\n"),
        ),
        ("include without a file", with_sub(b"http { include; }\n")),
        ("include in two contexts", with_sub(b"http { include sub/a.conf; }\nevents { include sub/a.conf; }\nstream { include sub/b.conf; }\n")),
        (
            "lua blocks",
            with_sub(b"http { server { location / { content_by_lua_block { ngx.say('}') -- }\n } set_by_lua_block $x { return 1 } } } }\n"),
        ),
        ("locations nested", with_sub(b"http { server { location / { location /a { limit_except GET { deny all; } } } } }\n")),
        ("stream and mail", with_sub(b"stream { server { listen 1; proxy_pass x; } upstream u { server a; } }\nmail { server { listen 25; } }\n")),
        ("unicode", with_sub("http { server { return 200 \"h\u{e9}llo \u{1f600}\"; } }\n".as_bytes())),
        ("bytes not UTF-8", with_sub(b"http { server { return 200 \"a\xf6b\"; } }\n")),
        ("crlf", with_sub(b"http {\r\n  sendfile on; # c\r\n  gzip on\r\n  # inner\r\n  ;\r\n}\r\n")),
        ("empty", with_sub(b"")),
        ("comment at the end without newline", with_sub(b"events {}\n# no newline")),
        ("unknown directives", with_sub(b"foo bar { baz; }\nhttp { qux 1 2 3; server { unknown { a; } } }\n")),
    ]
}

#[test]
fn crossplane_format_fixtures() {
    let Some(py) = python_or_skip("crossplane_format_fixtures") else {
        return;
    };
    let cases = fixtures();
    let dirs: Vec<TempDir> = cases.iter().map(|_| TempDir::new("cpf")).collect();
    let mut jobs = Vec::new();
    for ((_, files), dir) in cases.iter().zip(&dirs) {
        for (path, bytes) in files {
            write(dir.path(), path, bytes);
        }
        // As a user runs it in the folder, as a path from elsewhere, and indented.
        jobs.push(Job {
            cwd: dir.path().to_path_buf(),
            file: "nginx.conf".into(),
            indent: None,
        });
        jobs.push(Job {
            cwd: dir.path().join("sub"),
            file: "../nginx.conf".into(),
            indent: None,
        });
        jobs.push(Job {
            cwd: std::env::temp_dir(),
            file: dir.path().join("nginx.conf").to_string_lossy().into_owned(),
            indent: Some(4),
        });
    }
    // The main file missing, and a folder given as the main file.
    let gone = TempDir::new("cpf");
    jobs.push(Job {
        cwd: gone.path().to_path_buf(),
        file: "nginx.conf".into(),
        indent: None,
    });
    jobs.push(Job {
        cwd: gone.path().to_path_buf(),
        file: ".".into(),
        indent: None,
    });
    let theirs = crossplane_cli(&py, &jobs);
    let mut problems = Vec::new();
    for (i, (job, t)) in jobs.iter().zip(&theirs).enumerate() {
        let o = ours(job);
        if &o != t {
            let name = cases.get(i / 3).map_or("main file missing", |c| c.0);
            problems.push(format!(
                "{name} ({} in {}): {}",
                job.file,
                job.cwd.display(),
                first_difference(&o, t)
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} fixture runs differ from crossplane:\n{}",
        problems.len(),
        jobs.len(),
        problems.join("\n")
    );
    eprintln!(
        "crossplane format: {} fixture runs byte for byte equal",
        jobs.len()
    );
}

/// Python's `str.isspace()` beyond nginx's four whitespace bytes.
fn py_only_space(c: char) -> bool {
    matches!(
        c,
        '\u{b}'
            | '\u{c}'
            | '\u{1c}'..='\u{1f}'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

fn statements<'a>(list: &'a [Directive], out: &mut Vec<&'a Directive>) {
    for d in list {
        out.push(d);
        statements(d.children(), out);
    }
}

/// The documented misreads present in one file's bytes (README, "crossplane").
fn misreads(src: &[u8]) -> Vec<&'static str> {
    let mut out = Vec::new();
    let parsed = nginx_syntax::parse(src);
    if parsed.errors.iter().any(|e| {
        !matches!(
            e.kind,
            SyntaxErrorKind::Unexpected(b'}' | b';')
                | SyntaxErrorKind::EofInBlock
                | SyntaxErrorKind::EofInStatement
        )
    }) {
        out.push("syntax nginx refuses");
    }
    if src.windows(2).any(|w| w == b"${") {
        out.push("${ merge");
    }
    if String::from_utf8_lossy(src).chars().any(py_only_space) {
        out.push("Unicode whitespace");
    }
    if src
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && src.get(i + 1) != Some(&b'\n'))
    {
        out.push("lone CR");
    }
    let mut all = Vec::new();
    statements(&parsed.directives, &mut all);
    for d in all {
        for w in std::iter::once(&d.name).chain(&d.args) {
            let raw = w.raw(src);
            if w.quote == Quote::None && raw.len() > 1 && raw[1..].contains(&b'}') {
                out.push("} inside a word");
            }
            if matches!(w.quote, Quote::Single | Quote::Double) && raw.contains(&b'\r') {
                out.push("CR in a quoted word");
            }
        }
        if d.args.last().is_some_and(|a| a.quote == Quote::Lua) {
            out.push("Lua block");
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The files crossplane's payload read (names relative to `cwd`), as disk paths.
fn files_read(payload: &[u8], cwd: &Path) -> Vec<PathBuf> {
    let v: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    v["config"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|f| f["file"].as_str())
                .map(|f| cwd.join(f))
                .collect()
        })
        .unwrap_or_default()
}

/// Every nginx file of the copied corpus (not licences or notes).
fn corpus_files() -> Vec<PathBuf> {
    walk(&realworld())
        .into_iter()
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let top = p.parent() == Some(realworld().as_path());
            !top && !name.starts_with("LICENSE")
        })
        .collect()
}

#[test]
fn crossplane_format_corpus() {
    let Some(py) = python_or_skip("crossplane_format_corpus") else {
        return;
    };
    let root = std::fs::canonicalize(realworld()).unwrap_or_else(|_| realworld());
    let mut jobs = Vec::new();
    let mut files = corpus_files();
    files.sort();
    for f in &files {
        let f = std::fs::canonicalize(f).unwrap_or(f.clone());
        let Ok(rel) = f.strip_prefix(&root) else {
            continue;
        };
        let mut comps = rel.components();
        let Some(repo) = comps.next() else {
            continue;
        };
        jobs.push(Job {
            cwd: root.join(repo),
            file: comps.as_path().to_string_lossy().into_owned(),
            indent: None,
        });
    }
    let n_files = jobs.len();
    let dirs: Vec<TempDir> = TREES.iter().map(|_| TempDir::new("cpt")).collect();
    for (t, d) in TREES.iter().zip(&dirs) {
        let main = render(t, d.path(), &mut |_, _| {});
        jobs.push(Job {
            cwd: d.path().to_path_buf(),
            file: main.to_string_lossy().into_owned(),
            indent: None,
        });
    }
    let theirs = crossplane_cli(&py, &jobs);
    let mut equal = 0;
    let mut explained: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for (job, t) in jobs.iter().zip(&theirs) {
        let o = ours(job);
        if &o == t {
            equal += 1;
            continue;
        }
        let mut why: Vec<&'static str> = files_read(t, &job.cwd)
            .iter()
            .chain(&files_read(&o, &job.cwd))
            .filter_map(|p| std::fs::read(p).ok())
            .flat_map(|src| misreads(&src))
            .collect();
        why.sort_unstable();
        why.dedup();
        if why.is_empty() {
            problems.push(format!(
                "{} (in {}): {}",
                job.file,
                job.cwd.display(),
                first_difference(&o, t)
            ));
        }
        for w in why {
            *explained.entry(w).or_default() += 1;
        }
    }
    eprintln!(
        "crossplane format: {equal} of {} corpus runs ({n_files} files in place, {} trees) byte for byte equal; the others read files crossplane misreads: {explained:?}",
        jobs.len(),
        jobs.len() - n_files
    );
    assert!(
        problems.is_empty(),
        "{} corpus runs differ from crossplane without a documented misread:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(n_files >= 235, "only {n_files} corpus files");
    // Every divergence is in a file nginx refuses or in a misread the README lists; the
    // corpus has few of them.
    assert!(
        equal * 100 >= jobs.len() * 97,
        "only {equal} of {} equal",
        jobs.len()
    );
}

/// One case per misread: crossplane's output and ngxlint's differ, the file holds that misread,
/// and ngxlint's arguments are nginx's words.
#[test]
fn crossplane_format_divergences() {
    let Some(py) = python_or_skip("crossplane_format_divergences") else {
        return;
    };
    let cases: &[(&str, &[u8], &[&str])] = &[
        (
            "${ merge",
            b"http { server { try_files /a/${uri} /b =404; } }\n",
            &["/a/${uri}", "/b", "=404"],
        ),
        (
            "Unicode whitespace",
            "events {}\nenv A\u{a0}B;\n".as_bytes(),
            &["A\u{a0}B"],
        ),
        ("} inside a word", b"events {}\nenv a}b;\n", &["a}b"]),
        (
            "Lua block",
            b"http { server { location / { precontent_by_lua_block { ngx.say(1) } } } }\n",
            &[" ngx.say(1) "],
        ),
        ("lone CR", b"events {}\renv A;\n", &["A"]),
        (
            "CR in a quoted word",
            b"events {}\nenv \"A\r\nB\";\n",
            &["A\r\nB"],
        ),
        // nginx: `unexpected "{"`; crossplane reads a directive named `{`.
        ("syntax nginx refuses", b"events { { } }\n", &[]),
    ];
    let dirs: Vec<TempDir> = cases.iter().map(|_| TempDir::new("cpd")).collect();
    let mut jobs = Vec::new();
    for ((_, src, _), d) in cases.iter().zip(&dirs) {
        write(d.path(), "nginx.conf", src);
        jobs.push(Job {
            cwd: d.path().to_path_buf(),
            file: "nginx.conf".into(),
            indent: None,
        });
    }
    let theirs = crossplane_cli(&py, &jobs);
    for (((kind, src, args), job), t) in cases.iter().zip(&jobs).zip(&theirs) {
        let o = ours(job);
        assert!(
            &o != t,
            "{kind}: crossplane reads it as nginx does: {}",
            String::from_utf8_lossy(t)
        );
        assert!(misreads(src).contains(kind), "{kind}: {:?}", misreads(src));
        if args.is_empty() {
            continue;
        }
        // The last statement's arguments (depth first) are nginx's words.
        let v: Value = serde_json::from_slice(&o).unwrap_or(Value::Null);
        let mut last = Vec::new();
        let mut stack: Vec<Value> = v["config"][0]["parsed"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        while let Some(d) = stack.pop() {
            if let Some(b) = d["block"].as_array() {
                stack.extend(b.iter().cloned());
            } else if last.is_empty() {
                last = d["args"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|s| s.as_str().unwrap_or_default().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
            }
        }
        assert_eq!(last, *args, "{kind}: {}", String::from_utf8_lossy(&o));
    }
}
