//! Drives `ngxlint lsp` over stdio as an editor does: initialize, didOpen (expect the diagnostics),
//! a quick fix, didChange fixing the file (expect them cleared), shutdown and exit; which folder is
//! the project (the workspace's, the opened file's repository, never the server's working folder);
//! new unsaved buffers; and an internal error in one run, reported while the server keeps serving.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start(dir: &std::path::Path) -> Client {
        Client::start_env(dir, &[])
    }

    /// The server started in `dir` (its working folder) with extra environment variables.
    fn start_env(dir: &std::path::Path, env: &[(&str, &str)]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
            .arg("lsp")
            .current_dir(dir)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse().unwrap_or(0);
                    }
                }
                let mut buf = vec![0; len];
                if r.read_exact(&mut buf).is_err() {
                    return;
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                    if tx.send(v).is_err() {
                        return;
                    }
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            next_id: 1,
        }
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|m| m.get("id") == Some(&json!(id)))
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message matching `pred`, within 10 s.
    fn wait(&self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let m = self
                .rx
                .recv_timeout(left)
                .expect("no answer from the language server within 10 s");
            if pred(&m) {
                return m;
            }
        }
    }

    fn diagnostics_for(&self, uri: &str) -> Vec<Value> {
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn publishes_fixes_and_clears_diagnostics() {
    let dir = std::env::temp_dir().join(format!("ngxlint-lsp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("nginx/conf.d")).unwrap();
    std::fs::write(
        dir.join("nginx/nginx.conf"),
        "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
    )
    .unwrap();
    let site = dir.join("nginx/conf.d/site.conf");
    let text = "server {\n    listen 80;\n    location / {\n        proxy_passs http://127.0.0.1:8080;\n    }\n}\n";
    std::fs::write(&site, text).unwrap();
    let root = std::fs::canonicalize(&dir).unwrap();
    let uri = format!("file://{}/nginx/conf.d/site.conf", root.display());

    let mut c = Client::start(&dir);
    let init = c.request("initialize", json!({"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}));
    assert_eq!(
        init["result"]["capabilities"]["textDocumentSync"]["change"],
        1
    );
    c.notify("initialized", json!({}));

    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "nginx", "version": 1, "text": text}}),
    );
    let diags = c.diagnostics_for(&uri);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "NGX002");
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 3, "character": 8})
    );
    assert_eq!(
        diags[0]["range"]["end"],
        json!({"line": 3, "character": 19})
    );
    assert!(diags[0]["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("rules/NGX002.md"));

    // The quick fix replaces the misspelt name.
    let actions = c.request("textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}}, "context": {"diagnostics": diags}}));
    let action = &actions["result"][0];
    assert_eq!(action["kind"], "quickfix");
    let edit = &action["edit"]["changes"][uri.as_str()][0];
    assert_eq!(edit["newText"], "proxy_pass");
    assert_eq!(edit["range"]["start"], json!({"line": 3, "character": 8}));

    // An unsaved edit that fixes it clears the diagnostics.
    let fixed = text.replace("proxy_passs", "proxy_pass");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(c.diagnostics_for(&uri), Vec::<Value>::new());

    // A burst of edits, then a request: the server may answer the burst with one run, but the
    // request read ahead with it is answered, and what the editor shows before that answer is the
    // state after the last edit.
    let misspelt = text.replace("proxy_passs", "proxy_pas");
    for (version, body) in [(3, &misspelt), (4, &text.to_string()), (5, &fixed)] {
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": body}]}),
        );
    }
    let id = c.next_id;
    c.next_id += 1;
    c.send(json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}}, "context": {"diagnostics": []}}}));
    let mut last: Option<Vec<Value>> = None;
    let answer = loop {
        let m =
            c.rx.recv_timeout(Duration::from_secs(10))
                .expect("no answer from the language server within 10 s");
        if m.get("id") == Some(&json!(id)) {
            break m;
        }
        if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
            last = Some(m["params"]["diagnostics"].as_array().unwrap().clone());
        }
    };
    assert!(answer.get("error").is_none(), "{answer}");
    assert_eq!(
        answer["result"],
        json!([]),
        "no fix left after the last edit"
    );
    // Nothing published (the burst answered by one run, on a file already clean) or, when a run
    // saw an intermediate state, its findings cleared again.
    assert_eq!(
        last.unwrap_or_default(),
        Vec::<Value>::new(),
        "diagnostics of the last edit"
    );

    let shutdown = c.request("shutdown", json!(null));
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    c.notify("exit", json!(null));
    let status = {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(s) = c.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not exit"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    assert!(status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stdin_filename_lints_a_buffer_in_its_project() {
    let dir = std::env::temp_dir().join(format!("ngxlint-stdin-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("conf.d")).unwrap();
    std::fs::write(
        dir.join("nginx.conf"),
        "events {}\nhttp { include conf.d/*.conf; }\n",
    )
    .unwrap();
    std::fs::write(dir.join("conf.d/a.conf"), "server { listen 80; }\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .args([
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "conf.d/a.conf",
        ])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"server { listen 80; bogus; }\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "conf.d/a.conf:1:21: error: unknown directive \"bogus\" [NGX002]\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("conf.d/a.conf")).unwrap(),
        "server { listen 80; }\n",
        "the file on disk is untouched"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh folder under the system temp dir (canonical), removed on drop.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("ngxlint-lsp-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(std::fs::canonicalize(&p).unwrap())
    }
    fn write(&self, rel: &str, text: &str) -> std::path::PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
    fn uri(&self, rel: &str) -> String {
        let p = if rel.is_empty() {
            self.0.clone()
        } else {
            self.0.join(rel)
        };
        format!("file://{}", p.display())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Client {
    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "nginx", "version": 1, "text": text}}),
        );
    }

    /// Every message until `done` holds of them (however slow the machine; at most 30 s) and
    /// then the server has been quiet for a moment: what the last notification is answered with,
    /// extras included.
    fn drain_until(&self, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let mut out = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !done(&out) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(m) => out.push(m),
                Err(_) => break,
            }
        }
        while let Ok(m) = self.rx.recv_timeout(Duration::from_millis(1500)) {
            out.push(m);
        }
        out
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", json!(null));
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", json!(null));
    }
}

/// Whether diagnostics were published for each of `uris`.
fn published_for<'a>(uris: &'a [&'a str]) -> impl Fn(&[Value]) -> bool + 'a {
    move |msgs| {
        uris.iter().all(|u| {
            msgs.iter().any(|m| {
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == *u
            })
        })
    }
}

/// The URIs diagnostics were published for, with their codes, from a list of messages.
fn published(msgs: &[Value]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for m in msgs {
        if m["method"] != "textDocument/publishDiagnostics" {
            continue;
        }
        let uri = m["params"]["uri"].as_str().unwrap().to_string();
        let codes = m["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap_or("").to_string())
            .collect();
        out.retain(|(u, _)| *u != uri);
        out.push((uri, codes));
    }
    out.sort();
    out
}

const BROKEN: &str = "server { listen 80; bogus; }\n";

/// A project with a main config, a site and a pool: `fastcgi_pass` to a socket no pool has is
/// NGX301 only when the project around the site is read.
fn stack(d: &Dir, at: &str) {
    d.write(
        &format!("{at}nginx.conf"),
        "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
    );
    d.write(
        &format!("{at}pool.d/www.conf"),
        "[www]\nuser = www-data\ngroup = www-data\nlisten = 127.0.0.1:9000\npm = static\npm.max_children = 5\n",
    );
}

const SITE_WRONG_POOL: &str = "server {\n    listen 80;\n    location ~ \\.php$ {\n        include fastcgi_params;\n        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n        fastcgi_pass 127.0.0.1:9001;\n    }\n}\n";

#[test]
fn the_root_is_the_workspace_folder_never_the_working_folder() {
    let d = Dir::new("roots");
    // The server's working folder holds broken configuration: it must never be linted.
    d.write(
        "cwd/nginx.conf",
        &format!("events {{}}\nhttp {{ {BROKEN} }}\n"),
    );
    d.write("cwd/ngxlint.toml", "[lint]\nignore = [\"NGX309\"]\n");
    stack(&d, "ws/");
    d.write("ws/conf.d/site.conf", SITE_WRONG_POOL);
    d.write(
        "ws/ngxlint.toml",
        "[lint]\nignore = [\"NGX302\", \"NGX311\"]\n",
    );
    d.write(
        "other/nginx.conf",
        &format!("events {{}}\nhttp {{ {BROKEN} }}\n"),
    );
    let cwd = d.0.join("cwd");
    // workspaceFolders wins over rootUri and rootPath; rootUri over rootPath.
    let inits = [
        json!({"processId": null, "workspaceFolders": [{"uri": d.uri("ws"), "name": "ws"}], "rootUri": d.uri("other"), "rootPath": d.0.join("other"), "capabilities": {}}),
        json!({"processId": null, "rootUri": d.uri("ws"), "rootPath": d.0.join("other"), "capabilities": {}}),
        json!({"processId": null, "rootPath": d.0.join("ws"), "capabilities": {}}),
    ];
    for init in inits {
        let mut c = Client::start(&cwd);
        c.request("initialize", init.clone());
        c.notify("initialized", json!({}));
        let site = d.uri("ws/conf.d/site.conf");
        c.open(&site, SITE_WRONG_POOL);
        let got = published(&c.drain_until(published_for(&[&site])));
        // The workspace's configuration (NGX302, NGX311 ignored), its whole project (NGX301
        // needs the pool), nothing of the working folder or of `other/`.
        assert_eq!(
            got,
            vec![(site.clone(), vec!["NGX301".to_string()])],
            "{init}"
        );
        c.shutdown();
    }
}

#[test]
fn without_a_workspace_the_opened_files_repository_is_the_project() {
    let d = Dir::new("repo");
    d.write(
        "cwd/nginx.conf",
        &format!("events {{}}\nhttp {{ {BROKEN} }}\n"),
    );
    std::fs::create_dir_all(d.0.join("repo/.git")).unwrap();
    stack(&d, "repo/etc/nginx/");
    d.write("repo/etc/nginx/conf.d/site.conf", SITE_WRONG_POOL);
    d.write(
        "repo/ngxlint.toml",
        "[lint]\nignore = [\"NGX302\", \"NGX311\"]\n",
    );
    // A repository found by its ngxlint.toml alone, too.
    stack(&d, "marked/");
    d.write(
        "marked/ngxlint.toml",
        "[lint]\nignore = [\"NGX302\", \"NGX311\"]\n",
    );
    d.write("marked/conf.d/site.conf", SITE_WRONG_POOL);

    let mut c = Client::start(&d.0.join("cwd"));
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    let site = d.uri("repo/etc/nginx/conf.d/site.conf");
    c.open(&site, SITE_WRONG_POOL);
    let marked = d.uri("marked/conf.d/site.conf");
    c.open(&marked, SITE_WRONG_POOL);
    let got = published(&c.drain_until(published_for(&[&site, &marked])));
    assert_eq!(
        got,
        vec![
            (marked, vec!["NGX301".to_string()]),
            (site, vec!["NGX301".to_string()]),
        ]
    );
    c.shutdown();
}

#[test]
fn a_file_outside_the_workspace_is_linted_alone() {
    let d = Dir::new("alone");
    stack(&d, "ws/");
    d.write("ws/conf.d/site.conf", "server { listen 80; }\n");
    d.write("ws/ngxlint.toml", "[lint]\nignore = [\"NGX004\"]\n");
    // Outside the workspace, in a folder of broken files that are not opened.
    let loose = d.write("loose/x.conf", "server { listen 80; bogus; listen; }\n");
    d.write("loose/y.conf", BROKEN);
    d.write(
        "loose/nginx.conf",
        &format!("events {{}}\nhttp {{ {BROKEN} }}\n"),
    );
    let mut c = Client::start(&d.0);
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": d.uri("ws"), "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    let uri = format!("file://{}", loose.display());
    c.open(&uri, "server { listen 80; bogus; listen; }\n");
    let got = published(&c.drain_until(published_for(&[&uri])));
    // Alone: only its own findings, with the workspace's configuration (NGX004 ignored).
    assert_eq!(got, vec![(uri, vec!["NGX002".to_string()])]);
    c.shutdown();
}

#[test]
fn a_new_unsaved_buffer_is_linted_with_the_project_around_it() {
    let d = Dir::new("unsaved");
    stack(&d, "ws/");
    d.write(
        "ws/ngxlint.toml",
        "[lint]\nignore = [\"NGX302\", \"NGX311\"]\n",
    );
    let mut c = Client::start(&d.0);
    c.request(
        "initialize",
        json!({"processId": null, "workspaceFolders": [{"uri": d.uri("ws"), "name": "ws"}], "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    // A file the editor created and has not saved, matched by `include conf.d/*.conf` as it will be.
    let new = d.uri("ws/conf.d/new.conf");
    c.open(&new, SITE_WRONG_POOL);
    let diags = c.diagnostics_for(&new);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "NGX301");
    let help = diags[0]["message"].as_str().unwrap();
    assert!(
        help.contains("127.0.0.1:9000"),
        "the pool of the project: {help}"
    );
    // An `untitled:` buffer: linted from its text in the workspace, published to its own URI.
    c.open("untitled:Untitled-1", BROKEN);
    let diags = c.diagnostics_for("untitled:Untitled-1");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "NGX002");
    assert!(!d.0.join("ws/conf.d").exists(), "nothing is written");
    c.shutdown();
}

#[test]
fn an_internal_error_is_reported_and_the_server_keeps_serving() {
    let d = Dir::new("panic");
    d.write("nginx.conf", "events {}\nhttp { include conf.d/*.conf; }\n");
    let site = d.write("conf.d/site.conf", BROKEN);
    let uri = format!("file://{}", site.display());
    // No input is known to panic a run any more: the debug build's test hook stands in for a bug.
    let mut c = Client::start_env(&d.0, &[("NGXLINT_TEST_LSP_PANIC", "PANIC_HERE")]);
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": d.uri(""), "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    c.open(&uri, BROKEN);
    assert_eq!(c.diagnostics_for(&uri).len(), 1);

    let boom = format!("# PANIC_HERE\n{BROKEN}");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": boom}]}),
    );
    let msgs = c.drain_until(|msgs| msgs.iter().any(|m| m["method"] == "window/showMessage"));
    let shown: Vec<&Value> = msgs
        .iter()
        .filter(|m| m["method"] == "window/showMessage")
        .collect();
    assert_eq!(shown.len(), 1, "{msgs:?}");
    assert_eq!(shown[0]["params"]["type"], 1);
    let text = shown[0]["params"]["message"].as_str().unwrap();
    assert!(
        text.starts_with("ngxlint: internal error while linting ")
            && text.contains("forced by NGXLINT_TEST_LSP_PANIC"),
        "{text}"
    );
    // The failed run clears nothing: the editor keeps the last findings it had.
    assert!(
        !msgs
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"),
        "{msgs:?}"
    );
    // Still serving: requests are answered and the next change is linted.
    let r = c.request("textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}));
    assert!(r.get("error").is_none(), "{r}");
    let fixed = "server { listen 80; }\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(c.diagnostics_for(&uri), Vec::<Value>::new());
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": BROKEN}]}),
    );
    assert_eq!(c.diagnostics_for(&uri).len(), 1);
    c.shutdown();
}

#[test]
fn stdin_filename_may_name_a_file_not_saved_yet() {
    let d = Dir::new("stdin-new");
    stack(&d, "");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .args([
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "conf.d/new.conf",
        ])
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
        .write_all(SITE_WRONG_POOL.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // Read as the file it will be: included by nginx.conf's glob, its pass checked against the pool.
    assert!(
        text.contains(
            "conf.d/new.conf:6:22: error: fastcgi_pass `127.0.0.1:9001` matches no PHP-FPM pool [NGX301]"
        ),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!d.0.join("conf.d").exists(), "nothing is written");
}

#[test]
fn cross_file_fixes_and_fix_all() {
    // FPM101: the fix edits the pool file; its diagnostic stands in the pool file too, and the
    // fix-all of that document adds `listen.owner` and `listen.group`.
    let dir = std::env::temp_dir().join(format!("ngxlint-lsp-fixall-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("nginx")).unwrap();
    std::fs::create_dir_all(dir.join("php/pool.d")).unwrap();
    std::fs::write(
        dir.join("nginx/nginx.conf"),
        "user www-data;\nevents {}\nhttp {\n    server {\n        listen 80;\n        location ~ \\.php$ {\n            include fastcgi.conf;\n            fastcgi_pass unix:/run/php/app.sock;\n        }\n    }\n}\n",
    )
    .unwrap();
    let pool = "[app]\r\nuser = app\r\nlisten = /run/php/app.sock\r\npm = static\r\npm.max_children = 2\r\n";
    std::fs::write(dir.join("php/pool.d/app.conf"), pool).unwrap();
    let root = std::fs::canonicalize(&dir).unwrap();
    let uri = format!("file://{}/php/pool.d/app.conf", root.display());
    let mut c = Client::start(&dir);
    let init = c.request("initialize", json!({"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}));
    let kinds = &init["result"]["capabilities"]["codeActionProvider"]["codeActionKinds"];
    assert!(
        kinds.as_array().unwrap().contains(&json!("source.fixAll")),
        "{kinds}"
    );
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "ini", "version": 1, "text": pool}}),
    );
    let diags = c.diagnostics_for(&uri);
    assert!(diags.iter().any(|d| d["code"] == "FPM101"), "{diags:?}");
    let actions = c.request("textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}}, "context": {"diagnostics": diags}}));
    let quick = &actions["result"][0];
    assert_eq!(quick["kind"], "quickfix");
    let edit = &quick["edit"]["changes"][uri.as_str()][0];
    // Below the `listen` line, in the file's CRLF line endings.
    assert_eq!(
        edit["newText"],
        "\r\nlisten.owner = www-data\r\nlisten.group = www-data"
    );
    assert_eq!(edit["range"]["start"], json!({"line": 2, "character": 26}));
    let all = c.request("textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": [], "only": ["source.fixAll"]}}));
    let action = &all["result"][0];
    assert_eq!(action["kind"], "source.fixAll.ngxlint");
    let whole = &action["edit"]["changes"][uri.as_str()][0];
    assert_eq!(
        whole["newText"],
        "[app]\r\nuser = app\r\nlisten = /run/php/app.sock\r\nlisten.owner = www-data\r\nlisten.group = www-data\r\npm = static\r\npm.max_children = 2\r\n"
    );
    let shutdown = c.request("shutdown", json!(null));
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    c.notify("exit", json!(null));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unchanged_files_diagnostics_are_not_sent_again() {
    let d = Dir::new("resend");
    d.write(
        "nginx/nginx.conf",
        "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
    );
    // `b.conf` has a finding of its own that edits of `a.conf` do not change.
    let other = "server {\n    listen 81;\n    retrun 204;\n}\n";
    d.write("nginx/conf.d/b.conf", other);
    let text = "server {\n    listen 80;\n    location / {\n        proxy_passs http://127.0.0.1:8080;\n    }\n}\n";
    d.write("nginx/conf.d/a.conf", text);
    let uri = d.uri("nginx/conf.d/a.conf");
    let other_uri = d.uri("nginx/conf.d/b.conf");

    let mut c = Client::start(&d.0);
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": d.uri(""), "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "nginx", "version": 1, "text": text}}),
    );
    // The first run publishes both files.
    let mut seen: Vec<String> = Vec::new();
    while !(seen.contains(&uri) && seen.contains(&other_uri)) {
        let m = c.wait(|m| m["method"] == "textDocument/publishDiagnostics");
        seen.push(m["params"]["uri"].as_str().unwrap().to_string());
    }
    // An edit of the open document: its list is sent again (always, for an open document), the
    // other file's unchanged list is not. A request after the edit marks the end of its round.
    let fixed = text.replace("proxy_passs", "proxy_pass");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(c.diagnostics_for(&uri), Vec::<Value>::new());
    let id = c.next_id;
    c.next_id += 1;
    c.send(json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}}));
    let mut resent = 0;
    loop {
        let m =
            c.rx.recv_timeout(Duration::from_secs(10))
                .expect("no answer from the language server within 10 s");
        if m.get("id") == Some(&json!(id)) {
            break;
        }
        if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == other_uri {
            resent += 1;
        }
    }
    assert_eq!(resent, 0, "b.conf's unchanged diagnostics were sent again");
    // Once b.conf is opened and fixed, its list changes and is sent.
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": other_uri, "languageId": "nginx", "version": 1, "text": other.replace("retrun", "return")}}),
    );
    assert_eq!(c.diagnostics_for(&other_uri), Vec::<Value>::new());
}
