//! `ngxlint parse --format json`: crossplane's JSON payload, so crossplane users can switch.
//!
//! Shape (crossplane 0.5.8 `parse`): `{"status","errors":[{"file","line","error"}],
//! "config":[{"file","status","errors":[{"error","line"}],"parsed":[directive]}]}` with directives
//! `{"directive","line","args"[,"includes"][,"block"]}`. Values are nginx's (escapes processed),
//! where crossplane keeps most escapes raw; error lines are the lines nginx cites.

use serde_json::{json, Map, Value};

use nginx_syntax::Directive;
use ngxlint_engine::nginx::NginxData;
use ngxlint_engine::{Diagnostic, FileId, Project};

/// The payload for every tree of the project, files in crossplane's (breadth-first) include order.
pub fn payload(project: &Project) -> Value {
    let mut order: Vec<FileId> = Vec::new();
    for tree in &project.nginx.trees {
        collect(&project.nginx, project, tree.main, &mut order);
    }
    let index: std::collections::HashMap<FileId, usize> =
        order.iter().enumerate().map(|(i, f)| (*f, i)).collect();
    let mut all_errors = Vec::new();
    let mut configs = Vec::new();
    for &id in &order {
        let f = project.files.get(id);
        let errs: Vec<&Diagnostic> = project
            .diagnostics
            .iter()
            .filter(|d| d.file == id && d.severity == ngxlint_engine::Severity::Error)
            .collect();
        let file = f.path.display().to_string();
        let mut file_errors = Vec::new();
        for d in &errs {
            let line = f.nginx_line(d.nginx_offset.unwrap_or(d.span.start));
            file_errors.push(
                json!({"error": format!("{} in {}:{}", d.message, file, line), "line": line}),
            );
            all_errors.push(json!({"file": file, "line": line, "error": format!("{} in {}:{}", d.message, file, line)}));
        }
        let parsed = project
            .nginx
            .parsed
            .get(&id)
            .map(|p| directives(project, id, &p.directives, &index))
            .unwrap_or_default();
        configs.push(json!({
            "file": file,
            "status": if errs.is_empty() { "ok" } else { "failed" },
            "errors": file_errors,
            "parsed": parsed,
        }));
    }
    json!({
        "status": if all_errors.is_empty() { "ok" } else { "failed" },
        "errors": all_errors,
        "config": configs,
    })
}

/// crossplane's order: breadth first, as its `includes` queue grows while each file is parsed.
fn collect(data: &NginxData, project: &Project, id: FileId, order: &mut Vec<FileId>) {
    if order.contains(&id) {
        return;
    }
    let mut next = order.len();
    order.push(id);
    while let Some(&file) = order.get(next) {
        next += 1;
        if let Some(p) = data.parsed.get(&file) {
            walk_includes(data, project, file, &p.directives, order);
        }
    }
}

fn walk_includes(
    data: &NginxData,
    project: &Project,
    id: FileId,
    list: &[Directive],
    order: &mut Vec<FileId>,
) {
    let src = &project.files.get(id).bytes;
    for d in list {
        if d.is(src, "include") {
            for &t in data.included(id, d) {
                if !order.contains(&t) {
                    order.push(t);
                }
            }
        }
        walk_includes(data, project, id, d.children(), order);
    }
}

fn directives(
    project: &Project,
    id: FileId,
    list: &[Directive],
    index: &std::collections::HashMap<FileId, usize>,
) -> Vec<Value> {
    let f = project.files.get(id);
    let src = &f.bytes;
    list.iter()
        .map(|d| {
            let mut m = Map::new();
            let name = d.name.text(src).into_owned();
            m.insert("directive".into(), Value::String(name.clone()));
            m.insert("line".into(), json!(f.line_col(d.name.span.start).0));
            let mut args: Vec<String> = d.args.iter().map(|a| a.text(src).into_owned()).collect();
            if name == "if" {
                strip_parens(&mut args);
            }
            m.insert("args".into(), json!(args));
            if name == "include" {
                let inc: Vec<usize> = project
                    .nginx
                    .included(id, d)
                    .iter()
                    .filter_map(|t| index.get(t).copied())
                    .collect();
                m.insert("includes".into(), json!(inc));
            }
            if let Some(b) = &d.block {
                m.insert(
                    "block".into(),
                    Value::Array(directives(project, id, &b.children, index)),
                );
            }
            Value::Object(m)
        })
        .collect()
}

/// crossplane drops the parentheses around an `if` condition.
fn strip_parens(args: &mut Vec<String>) {
    if args.first().is_some_and(|a| a.starts_with('('))
        && args.last().is_some_and(|a| a.ends_with(')'))
    {
        if let Some(first) = args.first_mut() {
            *first = first
                .strip_prefix('(')
                .unwrap_or(first)
                .trim_start()
                .to_string();
        }
        if let Some(last) = args.last_mut() {
            *last = last
                .strip_suffix(')')
                .unwrap_or(last)
                .trim_end()
                .to_string();
        }
        if args.last().is_some_and(|a| a.is_empty()) {
            args.pop();
        }
        if args.first().is_some_and(|a| a.is_empty()) {
            args.remove(0);
        }
    }
}
