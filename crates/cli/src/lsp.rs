//! `ngxlint lsp`: a language server over stdio. It lints the workspace on open, change and save
//! (editor buffers stand in for the files on disk), publishes every file's diagnostics with related
//! information across files and a link to the rule's document, and offers exact fixes as quick fixes.
//!
//! What is linted as one project: each workspace folder (`workspaceFolders`, else `rootUri`, else
//! `rootPath`); without a workspace, the repository of an opened file (the folder up the tree that
//! holds `.git` or `ngxlint.toml`). Never the server's working folder, never `/`. A file outside
//! every project is linted alone. The configuration is the workspace's (found from its folder up).
//! An internal error in one run is reported to the editor and the server keeps serving.

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
    let caps = json!({
        "capabilities": {
            "textDocumentSync": {"openClose": true, "change": 1, "save": {"includeText": false}},
            "codeActionProvider": {"codeActionKinds": ["quickfix", "source.fixAll", "source.fixAll.ngxlint"]},
        },
        "serverInfo": {"name": "ngxlint", "version": env!("CARGO_PKG_VERSION")},
    });
    conn.initialize_finish(id, caps)
        .map_err(|e| e.to_string())?;
    let mut server = Server::new(&params);
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
                    let (notes, projects) = server.lint(read);
                    for out in notes {
                        conn.sender
                            .send(Message::Notification(out))
                            .map_err(|e| e.to_string())?;
                    }
                    // Freed once the editor has its answer: the next run reuses the memory.
                    drop(projects);
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(conn);
    io.join().map_err(|e| e.to_string())
}

/// One editor buffer.
struct Doc {
    /// The URI the editor knows it by (`file://...`, or `untitled:Untitled-1` for a new buffer).
    uri: String,
    text: String,
}

/// One lint run of a server round: a project folder, or a file linted alone.
struct Run {
    /// The folder nothing is read outside of.
    root: PathBuf,
    /// What is linted: the project folder, or the file alone.
    path: PathBuf,
    /// Where the configuration is looked for.
    config_from: PathBuf,
}

/// The language server's state between messages (public for the tests that drive it without a
/// process: the whole-pipeline fuzz test).
pub struct Server {
    /// Files parsed by earlier runs: a change re-reads only what changed.
    cache: std::sync::Arc<ngxlint_engine::nginx::ParseCache>,
    /// The workspace folders (canonical); empty without a workspace.
    roots: Vec<PathBuf>,
    /// Open documents by the path they are linted as.
    open: HashMap<PathBuf, Doc>,
    /// What was last published for each URI that has diagnostics (to clear them when they are
    /// gone, and to send a file's list again only when it changed).
    published: HashMap<String, Vec<Value>>,
    /// Quick fixes of the last run, by URI.
    fixes: HashMap<String, Vec<(Value, Value)>>,
    /// The internal error last shown, so that typing on does not repeat it at every keystroke.
    last_error: Option<String>,
    /// The fix-all action of the last run, by URI: every safe fix of the document's findings.
    fix_all: HashMap<String, Value>,
}

impl Server {
    /// A server for the workspace that `initialize`'s parameters describe.
    pub fn new(params: &Value) -> Server {
        Server {
            cache: std::sync::Arc::new(ngxlint_engine::nginx::ParseCache::default()),
            roots: workspace_roots(params),
            open: HashMap::new(),
            published: HashMap::new(),
            fixes: HashMap::new(),
            last_error: None,
            fix_all: HashMap::new(),
        }
    }

    /// The path a document is linted as: its file, or for a new buffer that has none
    /// (`untitled:`), a name in the first workspace folder that no file on disk has.
    fn doc_path(&self, uri: &str) -> Option<PathBuf> {
        if let Some(p) = uri_to_path(uri) {
            return Some(p);
        }
        // Other schemes (`git:`, `vscode-userdata:`) are views of files, not buffers to lint.
        let (scheme, rest) = uri.split_once(':')?;
        if scheme != "untitled" {
            return None;
        }
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .map(|c| if c == '/' || c == '\0' { '_' } else { c })
            .collect();
        // The scheme in the name keeps it apart from every real file (`untitled:Untitled-1`).
        let dir = self
            .roots
            .first()
            .cloned()
            .unwrap_or_else(std::env::temp_dir);
        Some(dir.join(format!("{scheme}:{name}")))
    }

    /// Handles a document notification; true when the workspace should be linted again.
    pub fn notification(&mut self, n: &Notification) -> bool {
        let uri = n
            .params
            .pointer("/textDocument/uri")
            .and_then(Value::as_str)
            .unwrap_or("");
        let Some(path) = self.doc_path(uri) else {
            return false;
        };
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let text = n
                    .params
                    .pointer("/textDocument/text")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                self.open.insert(
                    path,
                    Doc {
                        uri: uri.to_string(),
                        text: text.to_string(),
                    },
                );
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
                    let doc = self.open.entry(path).or_insert_with(|| Doc {
                        uri: uri.to_string(),
                        text: String::new(),
                    });
                    doc.text = t.to_string();
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

    /// Answers a request (quick fixes).
    pub fn request(&self, req: Request) -> Response {
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

    /// The runs of a round: every workspace folder, and each open document outside them (its
    /// repository when there is no workspace, else the file alone).
    fn runs(&self) -> Vec<Run> {
        let mut runs: Vec<Run> = self
            .roots
            .iter()
            .map(|r| Run {
                root: r.clone(),
                path: r.clone(),
                config_from: r.clone(),
            })
            .collect();
        let mut docs: Vec<&PathBuf> = self.open.keys().collect();
        docs.sort();
        for doc in docs {
            let abs = crate::canonical(doc);
            if runs
                .iter()
                .any(|r| r.path.is_dir() && abs.starts_with(&r.path))
            {
                continue;
            }
            let Some(dir) = abs.parent().map(Path::to_path_buf) else {
                continue;
            };
            let repo = if self.roots.is_empty() {
                repository_of(&dir)
            } else {
                None
            };
            runs.push(match repo {
                Some(repo) => Run {
                    root: repo.clone(),
                    path: repo.clone(),
                    config_from: repo,
                },
                None => Run {
                    root: dir,
                    path: abs.clone(),
                    // The workspace's configuration, else the one found from the file up.
                    config_from: self.roots.first().cloned().unwrap_or(abs),
                },
            });
        }
        runs
    }

    /// Lints every project with the open buffers; returns the notifications to send (diagnostics,
    /// and a message for a run that failed) and the projects they came from (for the caller to
    /// free after sending them).
    pub fn lint(&mut self, read: &ReadArgs) -> (Vec<Notification>, Vec<Project>) {
        let overlays: Vec<(PathBuf, Vec<u8>)> = self
            .open
            .iter()
            .map(|(p, d)| (p.clone(), d.text.as_bytes().to_vec()))
            .collect();
        let uri_of: HashMap<PathBuf, String> = self
            .open
            .iter()
            .map(|(p, d)| (crate::canonical(p), d.uri.clone()))
            .collect();
        let mut out = Vec::new();
        let mut projects = Vec::new();
        let mut by_uri: HashMap<String, Vec<Value>> = HashMap::new();
        let mut fixes: HashMap<String, Vec<(Value, Value)>> = HashMap::new();
        let mut fix_all: FixAllByUri = HashMap::new();
        let mut complete = true;
        let mut errors = Vec::new();
        for run in self.runs() {
            let cache = self.cache.clone();
            let overlays = overlays.clone();
            let uri_of = &uri_of;
            // A last line of defence: a bug in one run must not take the editor's linter down.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                one_run(read, &run, overlays, cache, uri_of)
            }));
            match result {
                Ok(Ok((project, found, found_fixes, found_fix_all))) => {
                    for (uri, list) in found {
                        by_uri.entry(uri).or_default().extend(list);
                    }
                    for (uri, list) in found_fixes {
                        fixes.entry(uri).or_default().extend(list);
                    }
                    fix_all.extend(found_fix_all);
                    projects.push(project);
                }
                Ok(Err(e)) => {
                    complete = false;
                    errors.push(format!("ngxlint: {e}"));
                }
                Err(panic) => {
                    complete = false;
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown cause".into());
                    errors.push(format!(
                        "ngxlint: internal error while linting {}: {what}. The diagnostics shown \
                         may be stale; please report this at https://github.com/ngxlint/ngxlint/issues",
                        run.path.display()
                    ));
                    // What the failed run left in the parse cache cannot be trusted.
                    self.cache = std::sync::Arc::new(ngxlint_engine::nginx::ParseCache::default());
                }
            }
        }
        let message = (!errors.is_empty()).then(|| errors.join("\n"));
        if message.is_some() && message != self.last_error {
            if let Some(m) = &message {
                out.push(Notification::new(
                    "window/showMessage".into(),
                    json!({"type": 1, "message": m}),
                ));
            }
        }
        self.last_error = message;
        // A file whose list is what the editor already shows is not sent again (a tree with
        // findings in hundreds of files would send them all at every keystroke); an open
        // document's always is.
        let open: HashSet<&str> = self.open.values().map(|d| d.uri.as_str()).collect();
        let mut uris: Vec<(String, Vec<Value>)> = by_uri
            .iter()
            .filter(|(uri, list)| {
                open.contains(uri.as_str()) || self.published.get(*uri) != Some(*list)
            })
            .map(|(u, l)| (u.clone(), l.clone()))
            .collect();
        uris.sort_by(|a, b| a.0.cmp(&b.0));
        // A failed run's files keep what they showed: clearing them would claim they are clean.
        if complete {
            let mut gone: Vec<&String> = self
                .published
                .keys()
                .filter(|u| !by_uri.contains_key(*u))
                .collect();
            gone.sort();
            for uri in gone {
                out.push(Notification::new(
                    "textDocument/publishDiagnostics".into(),
                    json!({"uri": uri, "diagnostics": []}),
                ));
            }
            self.published = by_uri;
            self.fixes = fixes;
            self.fix_all = fix_all;
        } else {
            self.published.extend(by_uri);
            self.fixes.extend(fixes);
            self.fix_all.extend(fix_all);
        }
        for (uri, list) in uris {
            out.push(Notification::new(
                "textDocument/publishDiagnostics".into(),
                json!({"uri": uri, "diagnostics": list}),
            ));
        }
        (out, projects)
    }
}

/// Diagnostics and quick fixes of one run, by URI.
type ByUri = HashMap<String, Vec<Value>>;
type FixesByUri = HashMap<String, Vec<(Value, Value)>>;
type FixAllByUri = HashMap<String, Value>;

/// One run: the project (or file) linted with the open buffers, its findings as LSP values.
fn one_run(
    read: &ReadArgs,
    run: &Run,
    overlays: Vec<(PathBuf, Vec<u8>)>,
    cache: std::sync::Arc<ngxlint_engine::nginx::ParseCache>,
    uri_of: &HashMap<PathBuf, String>,
) -> Result<(Project, ByUri, FixesByUri, FixAllByUri), String> {
    #[cfg(debug_assertions)]
    force_internal_error(&overlays);
    let mut read = read.clone();
    if read.root.is_none() {
        read.root = Some(run.root.clone());
    }
    // The configuration is read on every run: editing ngxlint.toml takes effect at once.
    let cfg = crate::load_config(&read, &run.config_from)?;
    let (project, diags) = crate::lint(
        &read,
        &cfg,
        std::slice::from_ref(&run.path),
        false,
        overlays,
        Some(cache),
    )?;
    let uri = |file: FileId| {
        let p = crate::canonical(&project.files.get(file).path);
        uri_of.get(&p).cloned().unwrap_or_else(|| path_to_uri(&p))
    };
    let mut by_uri: ByUri = HashMap::new();
    let mut fixes: FixesByUri = HashMap::new();
    let mut safe: HashMap<String, Vec<&ngxlint_engine::Fix>> = HashMap::new();
    for d in &diags {
        let u = uri(d.file);
        let lsp = to_lsp(&project, d, &uri);
        // A display-only fix is a template (an address to fill in): not offered as an edit.
        if let Some(fix) = d
            .fix
            .as_ref()
            .filter(|f| f.applicability != ngxlint_engine::Applicability::DisplayOnly)
        {
            let edit = workspace_edit(&project.files, &fix.edits, &uri);
            let safe_fix = fix.applicability == ngxlint_engine::Applicability::Safe;
            let title = if safe_fix {
                fix.title.clone()
            } else {
                format!("{} (unsafe: review it)", fix.title)
            };
            let action =
                json!({"title": title, "kind": "quickfix", "isPreferred": safe_fix, "edit": edit});
            fixes
                .entry(u.clone())
                .or_default()
                .push((lsp.clone(), action));
            if safe_fix {
                safe.entry(u.clone()).or_default().push(fix);
            }
        }
        by_uri.entry(u).or_default().push(lsp);
    }
    // The fix-all action of each document: every safe fix of its findings, applied together.
    let mut fix_all: FixAllByUri = HashMap::new();
    for (u, list) in safe {
        let applied = ngxlint_engine::edit::apply(&project.files, &list);
        let mut changes = serde_json::Map::new();
        for (id, bytes) in &applied.contents {
            let f = project.files.get(*id);
            let whole = nginx_syntax::Span::new(0, f.bytes.len());
            changes.insert(
                uri(*id),
                json!([{"range": range(&project.files, *id, whole), "newText": String::from_utf8_lossy(bytes)}]),
            );
        }
        if !changes.is_empty() {
            fix_all.insert(
                u,
                json!({"title": "ngxlint: fix all", "kind": "source.fixAll.ngxlint", "edit": {"changes": changes}}),
            );
        }
    }
    Ok((project, by_uri, fixes, fix_all))
}

/// A fix's edits as an LSP WorkspaceEdit (`changes` by URI), with each file's line endings.
fn workspace_edit(
    files: &Files,
    edits: &[ngxlint_engine::Edit],
    uri: &dyn Fn(FileId) -> String,
) -> Value {
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
            .entry(uri(e.file))
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = list {
            a.push(json!({"range": range(files, e.file, e.span), "newText": text}));
        }
    }
    json!({ "changes": changes })
}

/// The test suite's way to make a run fail as a bug would (debug builds only: a release binary
/// never reads it). No input is known to make a run panic any more, and the server's recovery
/// must stay tested: `NGXLINT_TEST_LSP_PANIC=WORD` panics a run whose open buffers hold WORD.
#[cfg(debug_assertions)]
fn force_internal_error(overlays: &[(PathBuf, Vec<u8>)]) {
    if let Some(word) = std::env::var_os("NGXLINT_TEST_LSP_PANIC") {
        use std::os::unix::ffi::OsStrExt;
        let word = word.as_bytes();
        if !word.is_empty()
            && overlays
                .iter()
                .any(|(_, t)| t.windows(word.len()).any(|w| w == word))
        {
            panic!("forced by NGXLINT_TEST_LSP_PANIC");
        }
    }
}

fn to_lsp(project: &Project, d: &Diagnostic, uri_of: &dyn Fn(FileId) -> String) -> Value {
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
        .map(|r| json!({"location": {"uri": uri_of(r.file), "range": range(&project.files, r.file, r.span)}, "message": r.message}))
        .collect();
    let uri = uri_of(d.file);
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

/// The workspace folders of `initialize`: `workspaceFolders`, else `rootUri`, else the deprecated
/// `rootPath`; existing folders only, canonical, and never `/` (a server must not lint the whole
/// machine because an editor was started there).
fn workspace_roots(params: &Value) -> Vec<PathBuf> {
    let folders: Vec<PathBuf> = params
        .get("workspaceFolders")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|f| f.get("uri").and_then(Value::as_str))
        .filter_map(uri_to_path)
        .collect();
    let candidates = if !folders.is_empty() {
        folders
    } else if let Some(p) = params
        .get("rootUri")
        .and_then(Value::as_str)
        .and_then(uri_to_path)
    {
        vec![p]
    } else {
        params
            .get("rootPath")
            .and_then(Value::as_str)
            .map(PathBuf::from)
            .into_iter()
            .collect()
    };
    let mut roots: Vec<PathBuf> = Vec::new();
    for c in candidates {
        if let Ok(c) = std::fs::canonicalize(&c) {
            if c.is_dir() && c.parent().is_some() && !roots.contains(&c) {
                roots.push(c);
            }
        }
    }
    roots
}

/// The repository a folder belongs to: the nearest folder up the tree holding `.git` or
/// `ngxlint.toml`, never `/`.
fn repository_of(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    dir.ancestors()
        .take_while(|a| a.parent().is_some())
        .find(|a| a.join(".git").exists() || a.join(crate::config::FILE_NAME).is_file())
        .map(Path::to_path_buf)
}

/// `file:///a%20b/c` → `/a b/c`.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file://localhost/etc/x` names `/etc/x`; another host's file is none of ours.
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(i)
            if rest
                .get(..i)
                .is_some_and(|h| h.eq_ignore_ascii_case("localhost")) =>
        {
            rest.get(i..)?
        }
        _ => return None,
    };
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let pair = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            );
            if let (Some(hi), Some(lo)) = pair {
                out.push((hi * 16 + lo) as u8);
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
        assert_eq!(
            uri_to_path("file://localhost/etc/nginx").as_deref(),
            Some(Path::new("/etc/nginx"))
        );
        assert_eq!(uri_to_path("file://otherhost/etc/nginx"), None);
        // Not an escape: kept as written (`+1` is no hex pair either).
        assert_eq!(
            uri_to_path("file:///a%+1%é%4").as_deref(),
            Some(Path::new("/a%+1%é%4"))
        );
        assert_eq!(
            uri_to_path("file:///%C3%A9").as_deref(),
            Some(Path::new("/é"))
        );
    }
}
