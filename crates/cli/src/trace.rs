//! `ngxlint trace URL [PATHS]...`: which server and location of the configuration answer a
//! request, the rewrite steps on the way, the directives in effect there and where the request
//! is passed. The matching itself is the engine's ([`ngxlint_engine::matching`]), which triage
//! uses too.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use ngxlint_engine::matching::{self, Matcher, Request, Step};
use ngxlint_engine::model::{At, Model, ScopeId, Target};
use ngxlint_engine::{FileId, Files, Project};
use serde_json::{json, Value};

use crate::ReadArgs;

/// `trace`'s arguments.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// `http://host[:port]/path?query` (or `/path`, with `--header 'Host: ...'`).
    pub url: String,
    /// Files or folders of the configuration (default: .).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
    /// The request method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// A request header, `Name: value` (repeatable; `Host:` overrides the URL's host).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// The client's address (`$remote_addr`).
    #[arg(long, value_name = "IP")]
    pub client_addr: Option<std::net::IpAddr>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TraceFormat::Pretty)]
    pub format: TraceFormat,
}

/// `trace --format`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum TraceFormat {
    /// Text.
    Pretty,
    /// JSON (see the README).
    Json,
}

/// A place as JSON: `{file, line, column}`.
pub fn place(files: &Files, file: FileId, span: nginx_syntax::Span) -> Value {
    let f = files.get(file);
    let (line, column) = f.line_col_chars(span.start);
    json!({"file": f.path.display().to_string(), "line": line, "column": column})
}

fn at_place(files: &Files, at: &At<'_>) -> Value {
    place(files, at.file, at.name_span())
}

fn loc_of(files: &Files, at: &At<'_>) -> String {
    let f = files.get(at.file);
    let (line, col) = f.line_col_chars(at.name_span().start);
    format!("{}:{line}:{col}", f.path.display())
}

/// Runs `trace`.
pub fn run(args: TraceArgs) -> Result<ExitCode, String> {
    let mut req = Request::from_url(&args.url)?;
    req.method = args.method.to_ascii_uppercase();
    req.client = args.client_addr;
    for h in &args.headers {
        let (n, v) = h
            .split_once(':')
            .ok_or_else(|| format!("--header `{h}`: expected `Name: value`"))?;
        let n = n.trim().to_ascii_lowercase();
        let v = v.trim().to_string();
        if n == "host" {
            req.host = Some(v);
        } else {
            req.headers.push((n, v));
        }
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let cfg = crate::single_config(&args.read, &paths)?;
    let opts = crate::options(&args.read, &paths, &cfg)?;
    let project = Project::load(&paths, &opts).map_err(|e| e.to_string())?;
    let model = Model::build(&project, &opts.directives);
    let matcher = Matcher::new(&model);
    // Entry points first: a file no entry point includes is read in its evident context and
    // would answer too.
    let tree = (0..project.nginx.trees.len()).find(|&t| {
        project.nginx.trees[t].context == nginx_syntax::directives::Context::Main
            && matcher.servers.iter().any(|s| s.tree == t)
    });
    let t = matcher.trace(tree, &req);
    let report = Report::new(&project, &model, &matcher, &req, &t);
    let mut out = std::io::stdout().lock();
    let io = match args.format {
        TraceFormat::Json => serde_json::to_string_pretty(&report.json)
            .map_err(std::io::Error::other)
            .and_then(|s| writeln!(out, "{s}")),
        TraceFormat::Pretty => out.write_all(report.text.as_bytes()),
    };
    crate::quiet_pipe(io)?;
    Ok(if t.server.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A trace rendered both ways.
struct Report {
    json: Value,
    text: String,
}

impl Report {
    fn new<'p>(
        project: &'p Project,
        model: &Model<'p>,
        m: &Matcher<'_, 'p>,
        req: &Request,
        t: &matching::Trace<'p>,
    ) -> Report {
        let files = &project.files;
        let block = |s: Option<ScopeId>| s.and_then(|s| model.scope(s).block);
        let mut text = String::new();
        let mut steps = Vec::new();
        let mut listen = Value::Null;
        let mut server_why = Value::Null;
        use std::fmt::Write as _;
        let _ = writeln!(
            text,
            "{} {}://{}{}{}",
            req.method,
            req.scheme,
            req.host.as_deref().unwrap_or("(no Host)"),
            req.path,
            req.args
                .as_deref()
                .map(|a| format!("?{a}"))
                .unwrap_or_default()
        );
        if t.server.is_none() {
            let _ = writeln!(
                text,
                "no http server listens on port {}{}",
                req.port,
                req.local_addr
                    .map(|a| format!(" at {a}"))
                    .unwrap_or_default()
            );
        }
        for step in &t.steps {
            let (kind, at, line, note): (&str, Option<At<'p>>, String, Option<String>) = match step
            {
                Step::Server {
                    scope,
                    listen: l,
                    why,
                } => {
                    listen = l.map(|a| at_place(files, &a)).unwrap_or(Value::Null);
                    server_why = json!(why.to_string());
                    let s = m.server(*scope);
                    let names = s
                        .map(|s| {
                            s.names
                                .iter()
                                .map(|(n, _)| if n.is_empty() { "\"\"" } else { n })
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .unwrap_or_default();
                    let via = l
                        .map(|a| {
                            format!(" on `{}` ({})", matching::head_text(&a), loc_of(files, &a))
                        })
                        .unwrap_or_else(|| " on nginx's default `listen *:80`".into());
                    (
                        "server",
                        block(Some(*scope)),
                        format!("server `{names}`{via}: {why}"),
                        None,
                    )
                }
                Step::Location { scope, why, uri } => {
                    let how = match why {
                        matching::LocWhy::Exact => "exact match",
                        matching::LocWhy::Prefix => "longest prefix",
                        matching::LocWhy::NoRegex => "longest prefix, ^~ (no regexes)",
                        matching::LocWhy::Regex => "first matching regex",
                        matching::LocWhy::Named => "named location",
                    };
                    let at = block(Some(*scope));
                    let head = at
                        .map(|a| matching::head_text(&a).into_owned())
                        .unwrap_or_default();
                    ("location", at, format!("`{head}` for `{uri}`: {how}"), None)
                }
                Step::NoLocation { uri } => (
                    "no-location",
                    None,
                    format!(
                        "no location matches `{uri}`: the server's own configuration serves it"
                    ),
                    None,
                ),
                Step::AutoRedirect { scope } => {
                    let at = block(Some(*scope));
                    let head = at
                        .map(|a| matching::head_text(&a).into_owned())
                        .unwrap_or_default();
                    (
                        "redirect",
                        at,
                        format!(
                            "`{head}` passes upstream and the URI lacks its final `/`: 301 to it"
                        ),
                        None,
                    )
                }
                Step::Rewrite { at, to, flag } => (
                    "rewrite",
                    Some(*at),
                    format!("`{}` → `{to}`", matching::head_text(at)),
                    (!flag.is_empty()).then(|| flag.clone()),
                ),
                Step::RewriteSkipped { at } => (
                    "rewrite-skipped",
                    Some(*at),
                    format!("`{}` does not match", matching::head_text(at)),
                    None,
                ),
                Step::Return {
                    at,
                    code,
                    text: body,
                } => (
                    "return",
                    Some(*at),
                    format!(
                        "`{}`: the response is {code}{}",
                        matching::head_text(at),
                        if body.is_empty() {
                            String::new()
                        } else {
                            format!(" `{body}`")
                        }
                    ),
                    None,
                ),
                Step::If {
                    at, taken, note, ..
                } => (
                    "if",
                    Some(*at),
                    format!(
                        "`{}`: {}",
                        matching::head_text(at),
                        match taken {
                            Some(true) => "true, its block applies",
                            Some(false) => "false",
                            None => "unknown, taken as false",
                        }
                    ),
                    note.clone(),
                ),
                Step::Break { at } => (
                    "break",
                    Some(*at),
                    "`break`: no more rewrite directives".into(),
                    None,
                ),
                Step::TryFiles {
                    at,
                    fallback,
                    named,
                } => (
                    "try_files",
                    Some(*at),
                    format!(
                        "`{}`: which files exist is not known here; when none does: `{fallback}`{}",
                        matching::head_text(at),
                        named
                            .and_then(|n| model.scope(n).block)
                            .map(|b| format!(" ({})", loc_of(files, &b)))
                            .unwrap_or_default()
                    ),
                    None,
                ),
                Step::ErrorPage { at, codes, named } => (
                    "error_page",
                    Some(*at),
                    format!(
                        "on {}: named location {}",
                        codes.join(", "),
                        model
                            .scope(*named)
                            .block
                            .map(|b| format!(
                                "`{}` ({})",
                                matching::head_text(&b),
                                loc_of(files, &b)
                            ))
                            .unwrap_or_default()
                    ),
                    None,
                ),
                Step::Unknown { at, note } => (
                    "unknown",
                    Some(*at),
                    format!("`{}`: not followed", matching::head_text(at)),
                    Some(note.clone()),
                ),
            };
            let where_ = at
                .map(|a| format!("{}  ", loc_of(files, &a)))
                .unwrap_or_default();
            let _ = writeln!(
                text,
                "  {kind:<15} {where_}{line}{}",
                note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()
            );
            steps.push(json!({
                "kind": kind,
                "at": at.map(|a| at_place(files, &a)).unwrap_or(Value::Null),
                "text": line,
                "note": note,
            }));
        }
        if let Some((code, body)) = &t.response {
            let _ = writeln!(text, "  {:<15} {code} {body}", "response");
        }

        // The directives in effect where the request is served.
        let mut effective = Vec::new();
        if let Some(scope) = t.config {
            let _ = writeln!(
                text,
                "\nin effect at {}:",
                block(Some(scope))
                    .map(|b| loc_of(files, &b))
                    .unwrap_or_default()
            );
            for e in matching::effective(model, scope) {
                let inherited =
                    e.from != scope && model.location_of(scope).is_none_or(|l| e.from != l);
                for at in &e.set {
                    let value = at.args().join(" ");
                    let _ = writeln!(
                        text,
                        "  {} {value};  {}{}",
                        e.name,
                        loc_of(files, at),
                        if inherited { " (inherited)" } else { "" }
                    );
                    effective.push(json!({
                        "name": e.name,
                        "value": value,
                        "at": at_place(files, at),
                        "inherited": inherited,
                    }));
                }
            }
        }

        // Where the request is passed.
        let mut pass_json = Value::Null;
        let mut upstream_json = Value::Null;
        let mut pools_json = Vec::new();
        let pass = matching::pass_of(model, t).filter(|_| t.response.is_none());
        if let Some(p) = pass {
            let _ = writeln!(
                text,
                "\npassed by `{}` ({})",
                matching::head_text(&p.at),
                loc_of(files, &p.at)
            );
            pass_json = json!({
                "directive": p.module.directive(),
                "address": p.at.arg(0).map(|a| a.into_owned()).unwrap_or_default(),
                "at": at_place(files, &p.at),
            });
            if let Target::Group(g) = &p.target {
                let u = &model.upstreams[*g];
                let _ = writeln!(text, "  upstream `{}` ({})", u.name, loc_of(files, &u.at));
                for s in &u.servers {
                    let _ = writeln!(text, "    server {} ({})", s.address, loc_of(files, &s.at));
                }
                upstream_json = json!({
                    "name": u.name,
                    "at": at_place(files, &u.at),
                    "servers": u.servers.iter().map(|s| json!({"address": s.address, "at": at_place(files, &s.at)})).collect::<Vec<_>>(),
                });
            }
            if p.module == ngxlint_engine::model::PassModule::FastCgi {
                let scope = t.config.unwrap_or(ScopeId(0));
                let scope = matching::find_scope_of(model, scope, &p.at).unwrap_or(scope);
                for r in matching::pools_reached(project, model, scope, &p.at) {
                    let origin = r.pool.listen.origin.as_ref();
                    let (file, span) = origin
                        .map(|o| {
                            (
                                r.tree.file(o.file),
                                nginx_syntax::Span {
                                    start: o.value.start,
                                    end: o.value.end,
                                },
                            )
                        })
                        .unwrap_or((r.tree.file(0), nginx_syntax::Span::default()));
                    let f = files.get(file);
                    let (line, col) = f.line_col_chars(span.start);
                    let _ = writeln!(
                        text,
                        "  PHP-FPM pool [{}] listens on `{}` ({}:{line}:{col})",
                        r.pool.name,
                        r.pool.listen.value.as_deref().unwrap_or(""),
                        f.path.display()
                    );
                    pools_json
                        .push(json!({"pool": r.pool.name, "listen": place(files, file, span)}));
                }
            }
        } else if t.response.is_none() && t.server.is_some() {
            let _ = writeln!(text, "\nnot passed upstream: nginx serves it itself");
        }
        let loc_block = block(t.location);
        let json = json!({
            "version": 1,
            "request": {
                "method": req.method,
                "host": req.host,
                "port": req.port,
                "uri": req.path,
                "args": req.args,
            },
            "server": block(t.server).map(|a| at_place(files, &a)).unwrap_or(Value::Null),
            "server_reason": server_why,
            "listen": listen,
            "location": loc_block.map(|a| at_place(files, &a)).unwrap_or(Value::Null),
            "location_name": loc_block.map(|a| a.args().join(" ")),
            "uri": t.uri,
            "response": t.response.as_ref().map(|(c, b)| json!({"status": c, "text": b})),
            "steps": steps,
            "effective": effective,
            "pass": pass_json,
            "upstream": upstream_json,
            "pools": pools_json,
        });
        Report { json, text }
    }
}
