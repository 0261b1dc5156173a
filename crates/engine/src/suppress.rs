//! Inline suppressions: `# ngxlint: ignore[CODE] reason` in nginx files and
//! `; ngxlint: ignore[CODE] reason` in FPM files.
//!
//! On its own line, a suppression covers the next statement and, for a block, everything inside it
//! (in FPM files: the next line, or a whole `[section]`); at the end of a line it covers that line;
//! `ignore-file[CODE]` covers the file. Codes may be given by code or name, comma-separated. A
//! reason is required; suppressions without one, with an unknown code, or that suppress nothing
//! are reported.

use nginx_syntax::{Directive, Span};

use crate::diagnostic::{Diagnostic, Severity};
use crate::files::{FileId, FileKind};
use crate::project::Project;

/// What every inline suppression starts with (after the comment sign).
pub const MARK: &str = "ngxlint:";

/// One parsed suppression.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The file it stands in.
    pub file: FileId,
    /// The comment.
    pub span: Span,
    /// Codes or names it names.
    pub codes: Vec<String>,
    /// The byte range it covers.
    pub covers: std::ops::Range<u32>,
    /// The reason given.
    pub reason: String,
}

/// Finds the suppressions of every file of the project; malformed ones come back as diagnostics.
pub fn collect(project: &Project) -> (Vec<Suppression>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (id, f) in project.files.iter() {
        if !f.may_hold_suppressions() {
            continue;
        }
        match f.kind {
            FileKind::Nginx => {
                let Some(parsed) = project.nginx.parsed.get(&id) else {
                    continue;
                };
                for c in &parsed.comments {
                    let text = String::from_utf8_lossy(c.slice(&f.bytes));
                    let body = text.trim_start_matches('#').trim();
                    let Some(rest) = body.strip_prefix(MARK) else {
                        continue;
                    };
                    let covers = if trailing(&f.bytes, c.start) {
                        line_range(&f.bytes, c.start)
                    } else {
                        next_statement(&parsed.directives, c.end)
                            .map(|s| s.start..s.end)
                            .unwrap_or(c.end..c.end)
                    };
                    parse_one(
                        id,
                        *c,
                        rest.trim(),
                        covers,
                        f.bytes.len() as u32,
                        &mut out,
                        &mut bad,
                    );
                }
            }
            FileKind::Fpm => {
                let mut offset = 0usize;
                for line in f.bytes.split(|&b| b == b'\n') {
                    let start = offset;
                    offset += line.len() + 1;
                    let Some(semi) = line.iter().position(|&b| b == b';') else {
                        continue;
                    };
                    let text = String::from_utf8_lossy(&line[semi + 1..]);
                    let Some(rest) = text.trim().strip_prefix(MARK) else {
                        continue;
                    };
                    let span = Span::new(start + semi, start + line.len());
                    let before = &line[..semi];
                    let covers = if before.iter().any(|b| !b.is_ascii_whitespace()) {
                        start as u32..(start + line.len()) as u32
                    } else {
                        fpm_next(&f.bytes, offset)
                    };
                    parse_one(
                        id,
                        span,
                        rest.trim(),
                        covers,
                        f.bytes.len() as u32,
                        &mut out,
                        &mut bad,
                    );
                }
            }
        }
    }
    (out, bad)
}

fn parse_one(
    file: FileId,
    span: Span,
    rest: &str,
    covers: std::ops::Range<u32>,
    len: u32,
    out: &mut Vec<Suppression>,
    bad: &mut Vec<Diagnostic>,
) {
    let (whole_file, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("ignore") {
        (false, r)
    } else {
        bad.push(invalid(
            file,
            span,
            "unknown ngxlint comment; expected `ngxlint: ignore[CODE] reason`",
        ));
        return;
    };
    let Some(inner) = rest.strip_prefix('[').and_then(|r| r.split_once(']')) else {
        bad.push(invalid(
            file,
            span,
            "a suppression names its codes in brackets: `ngxlint: ignore[CODE] reason`",
        ));
        return;
    };
    let (codes, reason) = inner;
    let codes: Vec<String> = codes
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    let reason = reason.trim().to_string();
    if codes.is_empty() {
        bad.push(invalid(file, span, "a suppression names at least one code"));
        return;
    }
    if reason.is_empty() {
        bad.push(
            invalid(file, span, "a suppression needs a reason after the codes").with_help(format!(
                "say why: `ngxlint: ignore[{}] the app sends small headers only`",
                codes.join(",")
            )),
        );
        return;
    }
    let covers = if whole_file { 0..len } else { covers };
    out.push(Suppression {
        file,
        span,
        codes,
        covers,
        reason,
    });
}

fn invalid(file: FileId, span: Span, msg: &str) -> Diagnostic {
    Diagnostic::new(
        "NGX010",
        "invalid-suppression",
        Severity::Warning,
        file,
        span,
        msg,
    )
}

/// Removes a comment: its line when it stands alone there, else the comment and the blanks
/// before it (the statement it trails stays).
fn remove_comment(file: FileId, bytes: &[u8], span: Span) -> crate::diagnostic::Edit {
    let end = crate::edit::line_end(bytes, span.start as usize) as u32;
    if trailing(bytes, span.start) {
        let before = bytes[..span.start as usize]
            .iter()
            .rposition(|&b| b != b' ' && b != b'\t')
            .map_or(0, |i| i + 1);
        crate::diagnostic::Edit::delete(file, Span::new(before, end as usize))
    } else {
        crate::edit::remove_line(file, bytes, span.start as usize)
    }
}

/// Whether something other than whitespace precedes `at` on its line.
fn trailing(bytes: &[u8], at: u32) -> bool {
    let at = at as usize;
    let start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    bytes[start..at].iter().any(|b| !b.is_ascii_whitespace())
}

fn line_range(bytes: &[u8], at: u32) -> std::ops::Range<u32> {
    let at = at as usize;
    let start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| at + i)
        .unwrap_or(bytes.len());
    start as u32..end as u32
}

/// The first statement (at any depth) that starts after `after`.
fn next_statement(list: &[Directive], after: u32) -> Option<Span> {
    for d in list {
        if d.name.span.start >= after {
            return Some(d.span());
        }
        if d.span().end > after {
            if let Some(s) = next_statement(d.children(), after) {
                return Some(s);
            }
        }
    }
    None
}

/// In an FPM file: the next significant line, or the whole section it opens.
fn fpm_next(bytes: &[u8], from: usize) -> std::ops::Range<u32> {
    let mut offset = from;
    for line in bytes[from.min(bytes.len())..].split(|&b| b == b'\n') {
        let start = offset;
        offset += line.len() + 1;
        let t = String::from_utf8_lossy(line);
        let t = t.trim();
        if t.is_empty() || t.starts_with(';') {
            continue;
        }
        if t.starts_with('[') {
            // A section: up to the next section header.
            let mut end = offset.min(bytes.len());
            for l in bytes[end..].split(|&b| b == b'\n') {
                if String::from_utf8_lossy(l).trim_start().starts_with('[') {
                    break;
                }
                end += l.len() + 1;
            }
            return start as u32..end.min(bytes.len()) as u32;
        }
        return start as u32..(start + line.len()) as u32;
    }
    from as u32..from as u32
}

/// Drops the suppressed diagnostics; reports suppressions that are malformed, name unknown codes,
/// or suppress nothing (only for codes that ran: `enabled` says which).
pub fn apply(
    project: &Project,
    diags: Vec<Diagnostic>,
    known: &dyn Fn(&str) -> Option<(&'static str, &'static str)>,
    enabled: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let (sups, mut extra) = collect(project);
    let mut used = vec![false; sups.len()];
    let mut kept = Vec::with_capacity(diags.len());
    'diag: for d in diags {
        for (i, s) in sups.iter().enumerate() {
            let covered = s.file == d.file && s.covers.contains(&d.span.start);
            if covered
                && s.codes
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(d.code) || c == d.name)
            {
                used[i] = true;
                continue 'diag;
            }
        }
        kept.push(d);
    }
    for (i, s) in sups.iter().enumerate() {
        for c in &s.codes {
            match known(c) {
                None => extra.push(
                    invalid(
                        s.file,
                        s.span,
                        &format!("unknown code `{c}` in a suppression"),
                    )
                    .with_help("`ngxlint rules` lists the codes and names"),
                ),
                Some((code, _)) if !used[i] && enabled(code) => {
                    let d = Diagnostic::new(
                        "NGX011",
                        "unused-suppression",
                        Severity::Warning,
                        s.file,
                        s.span,
                        format!("this suppression of `{c}` suppresses nothing"),
                    )
                    .with_help("remove it; the finding it was written for is gone");
                    // It suppresses nothing, for every code it names: the comment goes.
                    let all_unused = s
                        .codes
                        .iter()
                        .all(|c| known(c).is_some_and(|(code, _)| enabled(code)));
                    let d = if all_unused {
                        let bytes = &project.files.get(s.file).bytes;
                        d.with_edits(crate::diagnostic::Fix::safe(
                            "Remove the suppression",
                            vec![remove_comment(s.file, bytes, s.span)],
                        ))
                    } else {
                        d
                    };
                    extra.push(d);
                }
                _ => {}
            }
        }
    }
    kept.extend(extra);
    kept
}
