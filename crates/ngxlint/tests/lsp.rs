//! Drives `ngxlint lsp` over stdio as an editor does: initialize, didOpen (expect the diagnostics),
//! a quick fix, didChange fixing the file (expect them cleared), shutdown and exit.

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
        let mut child = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
            .arg("lsp")
            .current_dir(dir)
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
