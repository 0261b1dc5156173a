//! The whole pipeline never panics, whatever bytes a configuration holds: project load, model,
//! every rule (every option set so that every rule runs), every renderer, `trace`'s request
//! matching and the language server's run, on real fixtures (`testdata/`) and every rule document's examples, with arguments mutated in
//! every position — multi-byte UTF-8, invalid UTF-8, NUL, CR, very long tokens. The parsers have
//! their own fuzzing (`nginx_syntax/tests/proptest.rs`, `fpm_ini/tests/no_panic.rs`); this test is
//! about everything after them, which slices, splits and parses the words they return.
//!
//! Besides "no panic", what every run must hold: each diagnostic's spans lie inside its file; the
//! JSON, SARIF and GitLab reports are JSON; the language server publishes and reports no internal
//! error. `PROPTEST_CASES` raises the number of cases (CI runs the default).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use ngxlint_cli::config::{Config, RuleConfig};
use ngxlint_cli::{lint, lsp, render, ReadArgs};
use ngxlint_engine::{Diagnostic, Files};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Value};

/// A project to mutate: files by path relative to its folder.
#[derive(Debug)]
struct Seed {
    name: String,
    files: Vec<(String, Vec<u8>)>,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every regular file under `dir`, by relative path, sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                stack.push(p);
            } else if t.is_file() {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Each level-2 section of a rule document with its `nginx`/`fpm` blocks, as one project (as
/// `crates/ngxlint/tests/rule_docs.rs` runs them: `file=` names a block's file).
fn doc_projects(code: &str, doc: &str) -> Vec<Seed> {
    let mut out: Vec<Seed> = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if let Some(h) = line.strip_prefix("## ") {
            out.push(Seed {
                name: format!("rules/{code}.md: {}", h.trim()),
                files: Vec::new(),
            });
        } else if let Some(info) = line.strip_prefix("```") {
            let parts: Vec<&str> = info.split_whitespace().collect();
            let lang = parts.first().copied().unwrap_or("");
            let file = parts.iter().find_map(|p| p.strip_prefix("file="));
            let mut body = String::new();
            for l in lines.by_ref() {
                if l.starts_with("```") {
                    break;
                }
                body.push_str(l);
                body.push('\n');
            }
            let name = match (lang, file) {
                ("nginx" | "fpm", Some(f)) => f.to_string(),
                ("nginx", None) => "nginx.conf".to_string(),
                ("fpm", None) => "pool.d/www.conf".to_string(),
                _ => continue,
            };
            if let Some(seed) = out.last_mut() {
                seed.files.push((name, body.into_bytes()));
            }
        }
    }
    out.retain(|s| !s.files.is_empty());
    out
}

/// The fixtures: every rule document's examples, every `testdata/rules` case, the example and
/// formats projects, the real-world trees and the repository-shaped ones (`testdata/repos`).
fn seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = repo();
        let mut out = Vec::new();
        let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("rules"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        docs.sort();
        for d in docs {
            let code = d.file_stem().unwrap().to_string_lossy().into_owned();
            out.extend(doc_projects(&code, &std::fs::read_to_string(&d).unwrap()));
        }
        let mut dirs: Vec<PathBuf> = Vec::new();
        for group in ["testdata/rules", "testdata/realworld", "testdata/repos"] {
            for e in std::fs::read_dir(root.join(group)).unwrap().flatten() {
                let p = e.path();
                if !p.is_dir() {
                    continue;
                }
                if group == "testdata/rules" {
                    // One folder per case.
                    dirs.extend(
                        std::fs::read_dir(&p)
                            .unwrap()
                            .flatten()
                            .map(|c| c.path())
                            .filter(|c| c.is_dir()),
                    );
                } else {
                    dirs.push(p);
                }
            }
        }
        dirs.push(root.join("testdata/projects/example"));
        dirs.push(root.join("testdata/formats/project"));
        dirs.sort();
        for d in dirs {
            let files: Vec<(String, Vec<u8>)> = tree(&d)
                .into_iter()
                .filter(|(p, _)| {
                    !p.contains("LICENSE")
                        && !p.ends_with(".expected")
                        && !p.ends_with("expected.txt")
                })
                .collect();
            if !files.is_empty() {
                out.push(Seed {
                    name: d.strip_prefix(&root).unwrap_or(&d).display().to_string(),
                    files,
                });
            }
        }
        assert!(out.len() > 100, "{} seeds", out.len());
        out
    })
}

/// The byte ranges of a file's words that an edit may touch: an nginx file's directive names and
/// arguments (with and without their quotes), an FPM file's section names, keys and values.
fn tokens(path: &str, bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let fpm = path.contains("pool.d/") || path.contains("php-fpm") || path.ends_with(".ini");
    if fpm || bytes.first() == Some(&b'[') || bytes.starts_with(b";") {
        for item in fpm_ini::parse(bytes).items {
            match item {
                fpm_ini::Item::Section(s) => {
                    out.push((s.name_span.start as usize, s.name_span.end as usize))
                }
                fpm_ini::Item::Entry(e) => {
                    out.push((e.key_span.start as usize, e.key_span.end as usize));
                    if let Some(v) = e.value {
                        out.push((v.span.start as usize, v.span.end as usize));
                    }
                }
            }
        }
    }
    fn walk(list: &[nginx_syntax::Directive], out: &mut Vec<(usize, usize)>) {
        for d in list {
            out.push((d.name.span.start as usize, d.name.span.end as usize));
            for a in &d.args {
                out.push((a.inner().start as usize, a.inner().end as usize));
                out.push((a.span.start as usize, a.span.end as usize));
            }
            if let Some(b) = &d.block {
                walk(&b.children, out);
            }
        }
    }
    walk(&nginx_syntax::parse(bytes).directives, &mut out);
    out.retain(|&(s, e)| s <= e && e <= bytes.len());
    out
}

/// What goes into a word.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    const NASTY: &[&[u8]] = &[
        "é".as_bytes(),
        "€".as_bytes(),
        "𝄞".as_bytes(),
        "e\u{301}".as_bytes(),
        "\u{202e}".as_bytes(),
        "\u{feff}".as_bytes(),
        "日本語".as_bytes(),
        "ＮＧＸ".as_bytes(),
        b"\0",
        b"\r",
        b"\r\n",
        b"\t",
        b"\\",
        b"$",
        b"${",
        b"}",
        b"{",
        b";",
        b"'",
        b"\"",
        b"#",
        b":",
        b"::",
        b"[",
        b"]",
        b"[::1]",
        b"[\xc3\xa9]:80",
        b"unix:",
        b"unix:/run/\xc3\xa9.sock",
        b"http://",
        "https://é".as_bytes(),
        "grpcs://ééé".as_bytes(),
        b"localhost",
        b"$host",
        b"$\xc3\xa9",
        "${é}".as_bytes(),
        b"%",
        b"/",
        b"..",
        b"*",
        b"=",
        b"-1",
        b"0",
        b"99999999999999999999999",
        b"1k",
        b"4g",
        b"1m30s",
        b"=404",
        b"\xff",
        b"\xc3",
        b"\xe2\x82",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\xc0\xaf",
    ];
    prop_oneof![
        6 => proptest::sample::select(NASTY).prop_map(<[u8]>::to_vec),
        2 => proptest::collection::vec(any::<u8>(), 1..12),
        1 => (proptest::sample::select(&["a", "é", "$", "9", "\u{10ffff}"][..]), 1000usize..6000)
            .prop_map(|(s, n)| s.repeat(n).into_bytes()),
    ]
}

/// One edit: which file, which word, where in it, and what.
#[derive(Clone, Debug)]
struct Edit {
    file: Index,
    token: Index,
    how: How,
    payload: Vec<u8>,
}

#[derive(Clone, Debug)]
enum How {
    Replace,
    /// At a byte offset inside the word: it may split a character.
    Insert(Index),
    Prefix,
    Suffix,
}

fn edit() -> impl Strategy<Value = Edit> {
    let how = prop_oneof![
        Just(How::Replace),
        any::<Index>().prop_map(How::Insert),
        Just(How::Prefix),
        Just(How::Suffix),
    ];
    (any::<Index>(), any::<Index>(), how, payload()).prop_map(|(file, token, how, payload)| Edit {
        file,
        token,
        how,
        payload,
    })
}

fn apply(files: &mut [(String, Vec<u8>)], e: &Edit) {
    let f = &mut files[e.file.index(files.len())];
    let toks = tokens(&f.0, &f.1);
    let (s, end) = if toks.is_empty() {
        (0, 0)
    } else {
        toks[e.token.index(toks.len())]
    };
    let at = match &e.how {
        How::Replace => {
            f.1.splice(s..end, e.payload.iter().copied());
            return;
        }
        How::Insert(i) => s + i.index(end - s + 1),
        How::Prefix => s,
        How::Suffix => end,
    };
    f.1.splice(at..at, e.payload.iter().copied());
}

/// Every rule on, with every option that widens what it looks at.
fn all_on() -> Config {
    let mut cfg = Config::default();
    let mut rule = |name: &str, opts: &[(&str, &str)]| {
        cfg.rules.insert(
            name.to_string(),
            RuleConfig {
                options: opts
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..RuleConfig::default()
            },
        );
    };
    rule(
        "fpm-pool-capacity",
        &[("host_memory", "4g"), ("worker_memory", "64m")],
    );
    rule("fastcgi-listen-mismatch", &[("check_remote", "true")]);
    rule(
        "upstream-without-backup",
        &[("note_single_server", "true"), ("min_servers", "2")],
    );
    rule("unknown-upstream-host", &[("report_unmatched", "true")]);
    rule("proxy-ssl-verify-without-ca", &[("require_verify", "true")]);
    rule("undersized-buffers", &[("min_buffer_size", "32k")]);
    rule("fpm-tiny-backlog", &[("min_backlog", "511")]);
    rule("global-timeout-inflation", &[("max_global_timeout", "30s")]);
    cfg.worker_user = Some("www-data:www-data".into());
    cfg.worker_groups = vec!["adm".into()];
    cfg
}

/// An older nginx: the rules whose findings depend on the version take their other branch.
fn old_nginx() -> Config {
    Config {
        nginx_version: Some((1, 22, 1)),
        ..Config::default()
    }
}

/// Every span a diagnostic carries lies inside its file.
fn spans_inside(files: &Files, diags: &[Diagnostic]) {
    for d in diags {
        let len = files.get(d.file).bytes.len() as u32;
        let ok = |s: nginx_syntax::Span, l: u32| s.start <= s.end && s.end <= l;
        assert!(ok(d.span, len), "{} {:?} outside 0..{len}", d.code, d.span);
        for l in &d.labels {
            assert!(ok(l.span, len), "{} label {:?}", d.code, l.span);
        }
        for r in &d.related {
            let rl = files.get(r.file).bytes.len() as u32;
            assert!(ok(r.span, rl), "{} related {:?}", d.code, r.span);
        }
        if let Some(f) = &d.fix {
            for e in &f.edits {
                let el = files.get(e.file).bytes.len() as u32;
                assert!(ok(e.span, el), "{} fix edit {:?}", d.code, e.span);
            }
        }
    }
}

/// Every renderer, into memory; the machine-readable ones must parse.
fn render_all(files: &Files, diags: &mut [Diagnostic]) {
    render::sort_for_display(files, diags);
    let rules = ngxlint_rules::all();
    let infos = ngxlint_cli::rule_infos(&rules);
    let mut out = Vec::new();
    render::concise(files, diags, &mut out).unwrap();
    render::github(files, diags, &mut out).unwrap();
    // Colors and links on: the plain report is the same code with fewer escapes.
    let opts = render::PrettyOptions {
        color: true,
        links: true,
        width: 80,
    };
    render::pretty(files, diags, opts, &mut out).unwrap();
    for which in 0..3 {
        let mut buf = Vec::new();
        match which {
            0 => render::json(files, diags, &mut buf).unwrap(),
            1 => render::gitlab(files, diags, &mut buf).unwrap(),
            _ => render::sarif(files, diags, &infos, &mut buf).unwrap(),
        }
        serde_json::from_slice::<Value>(&buf)
            .unwrap_or_else(|e| panic!("report {which} is not JSON: {e}"));
    }
}

fn file_uri(p: &Path) -> String {
    lsp::path_to_uri(p)
}

/// The language server's run on the project with the mutated file open (as an editor sends it:
/// text, so invalid UTF-8 arrives replaced) and a new unsaved buffer holding the same text.
fn lsp_run(read: &ReadArgs, dir: &Path, open: &Path, bytes: &[u8]) {
    let mut server = lsp::Server::new(&json!({"rootUri": file_uri(dir)}));
    let text = String::from_utf8_lossy(bytes);
    for (uri, t) in [
        (file_uri(open), text.as_ref()),
        ("untitled:Untitled-1".to_string(), text.as_ref()),
    ] {
        let n = lsp_server::Notification::new(
            "textDocument/didOpen".into(),
            json!({"textDocument": {"uri": uri, "languageId": "nginx", "version": 1, "text": t}}),
        );
        assert!(server.notification(&n));
    }
    let (notes, _projects) = server.lint(read);
    for n in &notes {
        assert_ne!(
            n.method, "window/showMessage",
            "the language server reported: {}",
            n.params
        );
        assert_eq!(n.method, "textDocument/publishDiagnostics");
        for d in n.params["diagnostics"].as_array().unwrap() {
            assert!(d["range"]["start"]["line"].is_u64(), "{d}");
            assert!(d["range"]["end"]["character"].is_u64(), "{d}");
        }
    }
}

static CASE: AtomicUsize = AtomicUsize::new(0);

/// A temporary folder removed on drop.
struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_project(files: &[(String, Vec<u8>)]) -> Tmp {
    let n = CASE.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ngxlint-nopanic-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (rel, bytes) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    Tmp(std::fs::canonicalize(&dir).unwrap())
}

/// `ngxlint trace`'s matching on the project: requests with non-ASCII and odd bytes in every part.
fn trace_all(project: &ngxlint_engine::Project) {
    use ngxlint_engine::matching::{Matcher, Request};
    let directives = nginx_syntax::directives::Directives::builtin();
    let model = ngxlint_engine::model::Model::build(project, &directives);
    let matcher = Matcher::new(&model);
    for url in [
        "http://example.com/",
        "https://xn--e1a.example:8443/caf%C3%A9/%FF/../a.php?x=%00&y=é",
        "http://é.example/é/$uri/${x}?$args",
        "http://[::1]:80/%2e%2e/./\\",
        "/index.php/PATH/INFO",
    ] {
        let mut req = Request::from_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        req.headers.push(("x-é".into(), "\u{202e}$1".into()));
        for tree in std::iter::once(None).chain((0..project.nginx.trees.len()).map(Some)) {
            let _ = matcher.trace(tree, &req);
        }
    }
}

/// The whole pipeline on one project; `changed` is the file an editor has open.
fn pipeline(files: &[(String, Vec<u8>)], changed: usize, cfg: &Config, given: bool) {
    let tmp = write_project(files);
    let dir = &tmp.0;
    let read = ReadArgs::from_args(["--root".as_ref(), dir.as_os_str()]).unwrap();
    let (project, mut diags) = lint(&read, cfg, std::slice::from_ref(dir), false, vec![], None)
        .unwrap_or_else(|e| panic!("the run failed: {e}"));
    spans_inside(&project.files, &diags);
    render_all(&project.files, &mut diags);
    trace_all(&project);
    let open = dir.join(&files[changed].0);
    if given {
        // pre-commit's run: the project around the given file, its findings only.
        let (project, mut diags) =
            lint(&read, cfg, std::slice::from_ref(&open), true, vec![], None)
                .unwrap_or_else(|e| panic!("the run on the file failed: {e}"));
        spans_inside(&project.files, &diags);
        render_all(&project.files, &mut diags);
    }
    lsp_run(&read, dir, &open, &files[changed].1);
}

proptest! {
    #![proptest_config(ProptestConfig {
        // A long run: `PROPTEST_CASES=5000 cargo test -p ngxlint_cli --test no_panic`.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(96),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_input_panics_the_pipeline(
        seed in any::<Index>(),
        edits in proptest::collection::vec(edit(), 1..5),
        options in 0..3u8,
        given in any::<bool>(),
    ) {
        let seeds = seeds();
        let seed = &seeds[seed.index(seeds.len())];
        let mut files = seed.files.clone();
        for e in &edits {
            apply(&mut files, e);
        }
        let changed = edits[0].file.index(files.len());
        let cfg = match options {
            0 => Config::default(),
            1 => all_on(),
            _ => old_nginx(),
        };
        pipeline(&files, changed, &cfg, given);
    }
}

/// Every seed as it is, with every rule on: the fixtures themselves are inputs too.
#[test]
fn every_fixture_runs_through_the_pipeline() {
    for seed in seeds() {
        let r = std::panic::catch_unwind(|| pipeline(&seed.files, 0, &all_on(), false));
        assert!(r.is_ok(), "{}", seed.name);
    }
}

/// The panic issue #10 found, and its neighbours: a pass address with a multi-byte or invalid
/// byte at every offset, in every pass directive, through the whole pipeline.
#[test]
fn pass_addresses_with_any_byte_at_any_offset() {
    const ADDRESSES: &[&str] = &[
        "http://127.0.0.1:8080/api",
        "https://backend",
        "abcdef",
        "grpc://[::1]:50051",
        "grpcs://h",
        "uwsgi://u:3031",
        "suwsgi://u",
        "unix:/run/php/php8.2-fpm.sock",
        "http://unix:/run/app.sock:/uri",
        "127.0.0.1:9000",
        "localhost:9000",
        "http://$host:8080",
        "$scheme://${upstream}",
        "app",
    ];
    const DIRECTIVES: &[&str] = &[
        "proxy_pass",
        "fastcgi_pass",
        "grpc_pass",
        "uwsgi_pass",
        "scgi_pass",
        "memcached_pass",
    ];
    let pool = b"[www]\nuser = www-data\nlisten = /run/php/php8.2-fpm.sock\npm = static\npm.max_children = 5\n";
    for insert in [&b"\xc3\xa9"[..], "€".as_bytes(), b"\xe2\x82", b"\0"] {
        let mut conf =
            b"events {}\nhttp {\n upstream app { server 127.0.0.1:9000; }\n server {\n".to_vec();
        let mut n = 0;
        for addr in ADDRESSES {
            for at in 0..=addr.len() {
                for d in DIRECTIVES {
                    let mut a = addr.as_bytes().to_vec();
                    a.splice(at..at, insert.iter().copied());
                    conf.extend_from_slice(format!("  location /l{n} {{ {d} ").as_bytes());
                    conf.extend_from_slice(&a);
                    conf.extend_from_slice(b"; }\n");
                    n += 1;
                }
            }
        }
        conf.extend_from_slice(b" }\n}\n");
        let files = vec![
            ("nginx.conf".to_string(), conf),
            ("pool.d/www.conf".to_string(), pool.to_vec()),
        ];
        pipeline(&files, 0, &all_on(), false);
    }
}
