//! `ngxlint lsp`: a language server over stdio. It lints the workspace on open, change and save
//! (editor buffers stand in for the files on disk), publishes every file's diagnostics with related
//! information across files and a link to the rule's document, and offers exact fixes as quick fixes.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use lsp_server::{Connection, Message, Notification, Request, Response};
use ngxlint_engine::{Diagnostic, FileId, Files, Project, Severity};
use serde_json::{json, Value};

use crate::ReadArgs;

/// Runs the server until the client says `exit`.
pub fn run(read: &ReadArgs) -> Result<(), String> {
    let (conn, io) = Connection::stdio();
    let (id, params) = conn.initialize_start().map_err(|e| e.to_string())?;
    let root = workspace_root(&params)
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")));
    let caps = json!({
        "capabilities": {
            "textDocumentSync": {"openClose": true, "change": 1, "save": {"includeText": false}},
            "codeActionProvider": {"codeActionKinds": ["quickfix", "source.fixAll", "source.fixAll.ngxlint"]},
        },
        "serverInfo": {"name": "ngxlint", "version": env!("CARGO_PKG_VERSION")},
    });
    conn.initialize_finish(id, caps)
        .map_err(|e| e.to_string())?;
    let mut server = Server {
        cache: std::sync::Arc::new(ngxlint_engine::nginx::ParseCache::default()),
        root,
        open: HashMap::new(),
        published: HashSet::new(),
        fixes: HashMap::new(),
        fix_all: HashMap::new(),
    };
    // Messages read ahead while collecting a burst of edits, handled before new ones.
    let mut deferred: std::collections::VecDeque<Message> = std::collections::VecDeque::new();
    loop {
        let msg = match deferred.pop_front() {
            Some(m) => m,
            None => match conn.receiver.recv() {
                Ok(m) => m,
                Err(_) => break,
            },
        };
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                    break;
                }
                let resp = server.request(req);
                conn.sender
                    .send(Message::Response(resp))
                    .map_err(|e| e.to_string())?;
            }
            Message::Notification(n) => {
                let mut relint = server.notification(&n);
                // Edits already waiting (fast typing) are applied first: one run answers them
                // all instead of one stale run per keystroke.
                while let Ok(m) = conn.receiver.try_recv() {
                    match m {
                        Message::Notification(n) => relint |= server.notification(&n),
                        other => {
                            deferred.push_back(other);
                            break;
                        }
                    }
                }
                if relint {
                    let (notes, project) = server.lint(read);
                    for out in notes {
                        conn.sender
                            .send(Message::Notification(out))
                            .map_err(|e| e.to_string())?;
                    }
                    // Freed once the editor has its answer: the next run reuses the memory.
                    drop(project);
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(conn);
    io.join().map_err(|e| e.to_string())
}

struct Server {
    /// Files parsed by earlier runs: a change re-reads only what changed.
    cache: std::sync::Arc<ngxlint_engine::nginx::ParseCache>,
    root: PathBuf,
    /// Open documents: path → text.
    open: HashMap<PathBuf, String>,
    /// URIs that have diagnostics published (to clear them when they are gone).
    published: HashSet<String>,
    /// Quick fixes of the last run, by URI.
    fixes: HashMap<String, Vec<(Value, Value)>>,
    /// The fix-all action of the last run, by URI: every safe fix of the document's findings.
    fix_all: HashMap<String, Value>,
}

impl Server {
    /// Handles a document notification; true when the workspace should be linted again.
    fn notification(&mut self, n: &Notification) -> bool {
        let uri = n
            .params
            .pointer("/textDocument/uri")
            .and_then(Value::as_str)
            .unwrap_or("");
        let Some(path) = uri_to_path(uri) else {
            return false;
        };
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let text = n
                    .params
                    .pointer("/textDocument/text")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                self.open.insert(path, text.to_string());
                true
            }
            "textDocument/didChange" => {
                // Full synchronisation: the last change holds the whole text.
                let text = n
                    .params
                    .pointer("/contentChanges")
                    .and_then(Value::as_array)
                    .and_then(|c| c.last())
                    .and_then(|c| c.get("text"))
                    .and_then(Value::as_str);
                if let Some(t) = text {
                    self.open.insert(path, t.to_string());
                }
                true
            }
            "textDocument/didSave" => true,
            "textDocument/didClose" => {
                self.open.remove(&path);
                true
            }
            _ => false,
        }
    }

    fn request(&self, req: Request) -> Response {
        if req.method != "textDocument/codeAction" {
            return Response::new_err(
                req.id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("unsupported request {}", req.method),
            );
        }
        let uri = req
            .params
            .pointer("/textDocument/uri")
            .and_then(Value::as_str)
            .unwrap_or("");
        let start = req
            .params
            .pointer("/range/start/line")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let end = req
            .params
            .pointer("/range/end/line")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX);
        // `source.fixAll` (an editor's fix-on-save, or the menu): every safe fix of the document.
        let only: Vec<&str> = req
            .params
            .pointer("/context/only")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let wants_fix_all = only
            .iter()
            .any(|k| *k == "source" || k.starts_with("source.fixAll"));
        if wants_fix_all || !only.is_empty() {
            let actions: Vec<Value> = self
                .fix_all
                .get(uri)
                .filter(|_| wants_fix_all)
                .cloned()
                .into_iter()
                .collect();
            return Response::new_ok(req.id, actions);
        }
        let actions: Vec<Value> = self
            .fixes
            .get(uri)
            .into_iter()
            .flatten()
            .filter(|(diag, _)| {
                let line = diag
                    .pointer("/range/start/line")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                line >= start && line <= end
            })
            .map(|(diag, action)| {
                let mut a = action.clone();
                a["diagnostics"] = json!([diag]);
                a
            })
            .collect();
        Response::new_ok(req.id, actions)
    }

    /// Lints the workspace with the open buffers; returns the publishDiagnostics notifications and
    /// the project they came from (for the caller to free after sending them).
    fn lint(&mut self, read: &ReadArgs) -> (Vec<Notification>, Option<Project>) {
        let overlays: Vec<(PathBuf, Vec<u8>)> = self
            .open
            .iter()
            .map(|(p, t)| (p.clone(), t.as_bytes().to_vec()))
            .collect();
        // The configuration is read on every run: editing ngxlint.toml takes effect at once.
        let run = crate::load_config(read).and_then(|cfg| {
            crate::lint(
                read,
                &cfg,
                std::slice::from_ref(&self.root),
                false,
                overlays,
                Some(self.cache.clone()),
            )
        });
        let (project, diags) = match run {
            Ok(r) => r,
            Err(e) => {
                let msg = json!({"type": 1, "message": format!("ngxlint: {e}")});
                return (
                    vec![Notification::new("window/showMessage".into(), msg)],
                    None,
                );
            }
        };
        let mut by_uri: HashMap<String, Vec<Value>> = HashMap::new();
        self.fixes.clear();
        self.fix_all.clear();
        let mut safe: HashMap<String, Vec<&ngxlint_engine::Fix>> = HashMap::new();
        for d in &diags {
            let uri = path_to_uri(&abs(&project.files.get(d.file).path));
            let lsp = to_lsp(&project, d);
            // A display-only fix is a template (an address to fill in): not offered as an edit.
            if let Some(fix) = d
                .fix
                .as_ref()
                .filter(|f| f.applicability != ngxlint_engine::Applicability::DisplayOnly)
            {
                let edit = workspace_edit(&project.files, &fix.edits);
                let safe_fix = fix.applicability == ngxlint_engine::Applicability::Safe;
                let title = if safe_fix {
                    fix.title.clone()
                } else {
                    format!("{} (unsafe: review it)", fix.title)
                };
                let action = json!({"title": title, "kind": "quickfix", "isPreferred": safe_fix, "edit": edit});
                self.fixes
                    .entry(uri.clone())
                    .or_default()
                    .push((lsp.clone(), action));
                if safe_fix {
                    safe.entry(uri.clone()).or_default().push(fix);
                }
            }
            by_uri.entry(uri).or_default().push(lsp);
        }
        for (uri, fixes) in safe {
            let applied = ngxlint_engine::edit::apply(&project.files, &fixes);
            let mut changes = serde_json::Map::new();
            for (id, bytes) in &applied.contents {
                let f = project.files.get(*id);
                let whole = nginx_syntax::Span::new(0, f.bytes.len());
                changes.insert(
                    path_to_uri(&abs(&f.path)),
                    json!([{"range": range(&project.files, *id, whole), "newText": String::from_utf8_lossy(bytes)}]),
                );
            }
            if !changes.is_empty() {
                self.fix_all.insert(
                    uri,
                    json!({"title": "ngxlint: fix all", "kind": "source.fixAll.ngxlint", "edit": {"changes": changes}}),
                );
            }
        }
        let mut out = Vec::new();
        let now: HashSet<String> = by_uri.keys().cloned().collect();
        for uri in self.published.difference(&now) {
            out.push(Notification::new(
                "textDocument/publishDiagnostics".into(),
                json!({"uri": uri, "diagnostics": []}),
            ));
        }
        for (uri, list) in by_uri {
            out.push(Notification::new(
                "textDocument/publishDiagnostics".into(),
                json!({"uri": uri, "diagnostics": list}),
            ));
        }
        self.published = now;
        (out, Some(project))
    }
}

/// A fix's edits as an LSP WorkspaceEdit (`changes` by URI), with each file's line endings.
fn workspace_edit(files: &Files, edits: &[ngxlint_engine::Edit]) -> Value {
    let mut changes = serde_json::Map::new();
    for e in edits {
        let f = files.get(e.file);
        let eol = ngxlint_engine::edit::line_ending(&f.bytes);
        let text = if eol == "\n" {
            e.replacement.clone()
        } else {
            e.replacement.replace('\n', eol)
        };
        let list = changes
            .entry(path_to_uri(&abs(&f.path)))
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = list {
            a.push(json!({"range": range(files, e.file, e.span), "newText": text}));
        }
    }
    json!({ "changes": changes })
}

fn to_lsp(project: &Project, d: &Diagnostic) -> Value {
    let severity = match d.severity {
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Info => 3,
    };
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    let mut related: Vec<Value> = d
        .related
        .iter()
        .map(|r| json!({"location": {"uri": path_to_uri(&abs(&project.files.get(r.file).path)), "range": range(&project.files, r.file, r.span)}, "message": r.message}))
        .collect();
    let uri = path_to_uri(&abs(&project.files.get(d.file).path));
    related.extend(d.labels.iter().map(|l| json!({"location": {"uri": uri, "range": range(&project.files, d.file, l.span)}, "message": l.message})));
    let mut v = json!({
        "range": range(&project.files, d.file, d.span),
        "severity": severity,
        "code": d.code,
        "codeDescription": {"href": crate::render::rule_url(d.code)},
        "source": "ngxlint",
        "message": message,
    });
    if !related.is_empty() {
        v["relatedInformation"] = related.into();
    }
    v
}

/// An LSP range: lines from 0, characters in UTF-16 code units.
fn range(files: &Files, file: FileId, span: nginx_syntax::Span) -> Value {
    json!({"start": position(files, file, span.start), "end": position(files, file, span.end)})
}

fn position(files: &Files, file: FileId, offset: u32) -> Value {
    let f = files.get(file);
    let (line, _) = f.line_col(offset.min(f.bytes.len() as u32));
    let start = f.line_starts()[line - 1] as usize;
    let end = (offset as usize).min(f.bytes.len()).max(start);
    let character: usize = String::from_utf8_lossy(&f.bytes[start..end])
        .encode_utf16()
        .count();
    json!({"line": line - 1, "character": character})
}

fn abs(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn workspace_root(params: &Value) -> Option<PathBuf> {
    let uri = params
        .pointer("/workspaceFolders/0/uri")
        .and_then(Value::as_str)
        .or_else(|| params.get("rootUri").and_then(Value::as_str))?;
    uri_to_path(uri)
}

/// `file:///a%20b/c` → `/a b/c`.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(out)))
}

/// `/a b/c` → `file:///a%20b/c`.
pub fn path_to_uri(p: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut s = String::from("file://");
    for &b in p.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip() {
        let p = Path::new("/srv/my configs/nginx.conf");
        let u = path_to_uri(p);
        assert_eq!(u, "file:///srv/my%20configs/nginx.conf");
        assert_eq!(uri_to_path(&u).as_deref(), Some(p));
        assert_eq!(uri_to_path("http://x"), None);
    }
}
