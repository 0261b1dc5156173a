//! Renderers: miette's graphical report and the one-line concise format.

use std::fmt::Write as _;
use std::io::Write;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use ngxlint_engine::{Diagnostic, Files, Severity};

/// Sorts for display: by file path, then position, then code.
pub fn sort_for_display(files: &Files, diags: &mut [Diagnostic]) {
    // Each file's place in path order, worked out once (files with the same path share it):
    // comparing two paths component by component at every step of the sort cost more than
    // writing the report. A path's key orders as its components do: each component as a tag
    // (root, `.`, `..`, a name) and its bytes, closed by a NUL no name holds.
    let mut ids: Vec<ngxlint_engine::FileId> = diags.iter().map(|d| d.file).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut keyed: Vec<(Vec<u8>, ngxlint_engine::FileId)> = ids
        .iter()
        .map(|&f| (path_key(&files.get(f).path), f))
        .collect();
    keyed.sort_unstable();
    let mut rank = vec![0usize; files.len()];
    for (i, (key, f)) in keyed.iter().enumerate() {
        rank[f.0 as usize] = match i.checked_sub(1).map(|p| &keyed[p]) {
            Some((prev_key, prev)) if prev_key == key => rank[prev.0 as usize],
            _ => i,
        };
    }
    // Keys worked out once per finding, and the sort moves indexes, not findings.
    diags.sort_by_cached_key(|d| (rank[d.file.0 as usize], d.span.start, d.code));
}

/// A byte string that orders as [`Path`]'s `Ord` orders paths (component by component).
fn path_key(p: &std::path::Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    use std::path::Component;
    let mut key = Vec::with_capacity(p.as_os_str().len() + 8);
    for c in p.components() {
        let (tag, bytes): (u8, &[u8]) = match c {
            Component::Prefix(x) => (1, x.as_os_str().as_bytes()),
            Component::RootDir => (2, b""),
            Component::CurDir => (3, b""),
            Component::ParentDir => (4, b""),
            Component::Normal(n) => (5, n.as_bytes()),
        };
        key.push(tag);
        key.extend_from_slice(bytes);
        key.push(0);
    }
    key
}

/// `path:line:col: severity: message [CODE]`, one per line.
pub fn concise(files: &Files, diags: &[Diagnostic], out: &mut dyn Write) -> std::io::Result<()> {
    // Findings come sorted by file: each file's shown path is worked out once, and each line is
    // put together in one buffer (the formatting machinery per field cost more than the rest).
    let mut shown: Option<(ngxlint_engine::FileId, String)> = None;
    let mut line = String::with_capacity(256);
    for d in diags {
        let f = files.get(d.file);
        if shown.as_ref().is_none_or(|(id, _)| *id != d.file) {
            shown = Some((d.file, f.path.display().to_string()));
        }
        let path = shown.as_ref().map_or("", |(_, p)| p.as_str());
        let (ln, col) = f.line_col_chars(d.span.start);
        line.clear();
        line.push_str(path);
        line.push(':');
        push_number(&mut line, ln);
        line.push(':');
        push_number(&mut line, col);
        line.push_str(": ");
        line.push_str(d.severity.as_str());
        line.push_str(": ");
        line.push_str(&d.message);
        line.push_str(" [");
        line.push_str(d.code);
        line.push_str("]\n");
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

fn push_number(s: &mut String, n: usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.extend(buf[i..].iter().map(|&b| b as char));
}

/// One diagnostic as miette sees it.
#[derive(Debug)]
struct Report {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    url: String,
    src: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(&self.url))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

pub(crate) fn source(files: &Files, id: ngxlint_engine::FileId) -> NamedSource<String> {
    let f = files.get(id);
    NamedSource::new(
        f.path.display().to_string(),
        String::from_utf8_lossy(&f.bytes).into_owned(),
    )
}

pub(crate) fn span(s: nginx_syntax::Span, files: &Files, id: ngxlint_engine::FileId) -> SourceSpan {
    // miette indexes the lossily decoded text; map byte offsets through the decoding.
    let bytes = &files.get(id).bytes;
    let start = lossy_offset(bytes, s.start as usize);
    let end = lossy_offset(bytes, s.end as usize);
    SourceSpan::new(start.into(), end.saturating_sub(start))
}

/// The offset in `String::from_utf8_lossy(bytes)` of byte `at`: a character boundary of that text,
/// within it. A byte inside a character (or inside an invalid sequence, which the text holds as one
/// U+FFFD) maps to the start of that character. Decoding only the bytes before `at` would not do:
/// a character cut in two decodes as replacement characters the whole text does not have, and the
/// offset could land past its end (miette panics on such a span).
fn lossy_offset(bytes: &[u8], at: usize) -> usize {
    let at = at.min(bytes.len());
    let prefix = &bytes[..at];
    if std::str::from_utf8(prefix).is_ok() {
        // A valid prefix ends on a character boundary, and decodes to itself.
        return at;
    }
    let (mut raw, mut text) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        if at < raw + valid.len() {
            let inside = at - raw;
            let boundary = (0..=inside)
                .rev()
                .find(|&i| valid.is_char_boundary(i))
                .unwrap_or(0);
            return text + boundary;
        }
        raw += valid.len();
        text += valid.len();
        let invalid = chunk.invalid();
        if !invalid.is_empty() {
            if at < raw + invalid.len() {
                return text;
            }
            raw += invalid.len();
            text += '\u{FFFD}'.len_utf8();
        }
    }
    text
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

/// Where a rule's document lives.
pub fn rule_url(code: &str) -> String {
    format!("https://github.com/ngxlint/ngxlint/blob/main/rules/{code}.md")
}

fn report(files: &Files, d: &Diagnostic) -> Report {
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.name.to_string()),
        span(d.span, files, d.file),
    )];
    for l in &d.labels {
        labels.push(LabeledSpan::new_with_span(
            Some(l.message.clone()),
            span(l.span, files, d.file),
        ));
    }
    let related = d
        .related
        .iter()
        .map(|r| Report {
            message: r.message.clone(),
            code: d.code.to_string(),
            severity: miette::Severity::Advice,
            help: None,
            url: rule_url(d.code),
            src: source(files, r.file),
            labels: vec![LabeledSpan::new_primary_with_span(
                None,
                span(r.span, files, r.file),
            )],
            related: Vec::new(),
        })
        .collect();
    Report {
        message: d.message.clone(),
        code: d.code.to_string(),
        severity: severity(d.severity),
        help: d.help.clone(),
        url: rule_url(d.code),
        src: source(files, d.file),
        labels,
        related,
    }
}

/// Options for the graphical report.
#[derive(Clone, Copy, Debug)]
pub struct PrettyOptions {
    /// ANSI colors.
    pub color: bool,
    /// Terminal hyperlinks (only on a terminal).
    pub links: bool,
    /// Wrap width.
    pub width: usize,
}

/// miette's graphical report for each diagnostic, then a summary line.
pub fn pretty(
    files: &Files,
    diags: &[Diagnostic],
    opts: PrettyOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(opts.width)
        .with_links(opts.links);
    for d in diags {
        let mut s = String::new();
        // The drawing is miette's: should it fail, or panic on a span it cannot place, the
        // finding is still reported, on one line, and the other findings follow.
        let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut drawn = String::new();
            handler
                .render_report(&mut drawn, &report(files, d))
                .ok()
                .map(|_| drawn)
        }));
        if let Ok(Some(drawn)) = drawn {
            s = drawn;
        } else {
            let f = files.get(d.file);
            let (line, col) = f.line_col_chars(d.span.start);
            let _ = writeln!(
                s,
                "{}:{}:{}: {}: {} [{}]",
                f.path.display(),
                line,
                col,
                d.severity.as_str(),
                d.message,
                d.code
            );
        }
        out.write_all(s.as_bytes())?;
    }
    Ok(())
}

/// Line and column (1-based, in characters) of the start and end of a span.
fn region(
    files: &Files,
    file: ngxlint_engine::FileId,
    span: nginx_syntax::Span,
) -> ((usize, usize), (usize, usize)) {
    let f = files.get(file);
    (f.line_col_chars(span.start), f.line_col_chars(span.end))
}

/// The version of the `--format json` schema (documented in the README).
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// `--format json`: a versioned, documented schema.
pub fn json(files: &Files, diags: &[Diagnostic], out: &mut dyn Write) -> std::io::Result<()> {
    let place = |file: ngxlint_engine::FileId, span: nginx_syntax::Span| {
        let ((sl, sc), (el, ec)) = region(files, file, span);
        serde_json::json!({
            "file": files.get(file).path.display().to_string(),
            "start": {"line": sl, "column": sc, "offset": span.start},
            "end": {"line": el, "column": ec, "offset": span.end},
        })
    };
    let list: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut o = match place(d.file, d.span) {
                serde_json::Value::Object(m) => m,
                _ => serde_json::Map::new(),
            };
            o.insert("code".into(), d.code.into());
            o.insert("name".into(), d.name.into());
            o.insert("severity".into(), d.severity.as_str().into());
            o.insert("message".into(), d.message.clone().into());
            o.insert("help".into(), d.help.clone().into());
            o.insert("url".into(), rule_url(d.code).into());
            let labels: Vec<serde_json::Value> = d
                .labels
                .iter()
                .map(|l| {
                    let mut p = place(d.file, l.span);
                    p["message"] = l.message.clone().into();
                    p
                })
                .collect();
            o.insert("labels".into(), labels.into());
            let related: Vec<serde_json::Value> = d
                .related
                .iter()
                .map(|r| {
                    let mut p = place(r.file, r.span);
                    p["message"] = r.message.clone().into();
                    p
                })
                .collect();
            o.insert("related".into(), related.into());
            // The fix as data (ruff's `fix`): what `check --fix` would apply, or an editor offers.
            let fix = d.fix.as_ref().map(|f| {
                let edits: Vec<serde_json::Value> = f
                    .edits
                    .iter()
                    .map(|e| {
                        let mut p = place(e.file, e.span);
                        // The bytes written: the file's own line endings.
                        let eol = ngxlint_engine::edit::line_ending(&files.get(e.file).bytes);
                        p["content"] = e.replacement.replace('\n', eol).into();
                        p
                    })
                    .collect();
                serde_json::json!({
                    "title": f.title,
                    "applicability": f.applicability.as_str(),
                    "edits": edits,
                })
            });
            o.insert("fix".into(), fix.into());
            serde_json::Value::Object(o)
        })
        .collect();
    let doc = serde_json::json!({
        "version": JSON_SCHEMA_VERSION,
        "tool": {"name": "ngxlint", "version": env!("CARGO_PKG_VERSION")},
        "diagnostics": list,
    });
    write_json(out, &doc)
}

/// Escapes a GitHub workflow-command value (`%`, CR, LF; properties also `:` and `,`).
fn gh_escape(s: &str, property: bool) -> String {
    let mut o = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        o = o.replace(':', "%3A").replace(',', "%2C");
    }
    o
}

/// `--format github`: workflow-command annotations, one per line.
pub fn github(files: &Files, diags: &[Diagnostic], out: &mut dyn Write) -> std::io::Result<()> {
    for d in diags {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let ((sl, sc), (el, ec)) = region(files, d.file, d.span);
        let path = files.get(d.file).path.display().to_string();
        // GitHub drops col/endColumn that span lines; give them only for one-line spans.
        let cols = if sl == el {
            format!(",col={sc},endColumn={ec}")
        } else {
            String::new()
        };
        let mut msg = d.message.clone();
        if let Some(h) = &d.help {
            msg.push_str("\nhelp: ");
            msg.push_str(h);
        }
        writeln!(
            out,
            "::{kind} title={},file={},line={sl},endLine={el}{cols}::{}",
            gh_escape(&format!("ngxlint {} ({})", d.code, d.name), true),
            gh_escape(&path, true),
            gh_escape(&msg, false)
        )?;
    }
    Ok(())
}

/// A stable fingerprint: code, file, the text of the flagged token and the message — no line
/// numbers, so unrelated edits that shift lines keep it.
pub fn fingerprint(files: &Files, d: &Diagnostic) -> String {
    use std::hash::{Hash, Hasher};
    let f = files.get(d.file);
    let mut h = Fnv64::default();
    d.code.hash(&mut h);
    f.path.hash(&mut h);
    f.text(d.span).trim().hash(&mut h);
    d.message.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// FNV-1a: stable across runs and Rust versions (std's hasher is not).
#[derive(Default)]
struct Fnv64(u64);

impl std::hash::Hasher for Fnv64 {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        if self.0 == 0 {
            self.0 = 0xcbf2_9ce4_8422_2325;
        }
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// `--format gitlab`: a Code Quality report.
pub fn gitlab(files: &Files, diags: &[Diagnostic], out: &mut dyn Write) -> std::io::Result<()> {
    let mut seen = std::collections::HashSet::new();
    let list: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let ((sl, _), (el, _)) = region(files, d.file, d.span);
            let mut fp = fingerprint(files, d);
            // Identical findings (same token and message) would collapse: make them distinct.
            let mut n = 1;
            while !seen.insert(fp.clone()) {
                fp = format!("{}-{n}", fingerprint(files, d));
                n += 1;
            }
            serde_json::json!({
                "description": format!("{} [{}]", d.message, d.code),
                "check_name": d.code,
                "fingerprint": fp,
                "severity": match d.severity { Severity::Error => "critical", Severity::Warning => "major", Severity::Info => "info" },
                "location": {"path": files.get(d.file).path.display().to_string(), "lines": {"begin": sl, "end": el}},
            })
        })
        .collect();
    write_json(out, &serde_json::Value::Array(list))
}

/// What `ngxlint rules`, `ngxlint rule` and SARIF tell of each check.
pub struct RuleInfo {
    /// Code.
    pub code: &'static str,
    /// Name.
    pub name: &'static str,
    /// One line.
    pub summary: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// The document (markdown, `rules/CODE.md`).
    pub doc: &'static str,
    /// `reader` for the readers' own checks, else the rule's family.
    pub family: &'static str,
    /// `on`, or `opt-in` for a rule that runs only when selected.
    pub default: &'static str,
    /// The same check in other tools, `tool:id`.
    pub aliases: &'static [&'static str],
}

/// `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.
pub fn sarif(
    files: &Files,
    diags: &[Diagnostic],
    rules: &[RuleInfo],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    let uri = |file: ngxlint_engine::FileId| files.get(file).path.display().to_string();
    let region_json = |file, span| {
        let ((sl, sc), (el, ec)) = region(files, file, span);
        serde_json::json!({"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec.max(1)})
    };
    let rule_list: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "helpUri": rule_url(r.code),
                "help": {"text": format!("See {}", rule_url(r.code)), "markdown": r.doc},
                "defaultConfiguration": {"level": level(r.severity)},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            for (i, r) in d.related.iter().enumerate() {
                text.push_str(&format!(" ([{}]({}))", r.message.replace(['[', ']'], ""), i + 1));
            }
            let related: Vec<serde_json::Value> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    serde_json::json!({
                        "id": i + 1,
                        "message": {"text": r.message},
                        "physicalLocation": {"artifactLocation": {"uri": uri(r.file)}, "region": region_json(r.file, r.span)},
                    })
                })
                .collect();
            let mut v = serde_json::json!({
                "ruleId": d.code,
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(d.file)}, "region": region_json(d.file, d.span)}}],
                "partialFingerprints": {"primaryLocationLineHash": fingerprint(files, d)},
            });
            if let Some(idx) = rules.iter().position(|r| r.code == d.code) {
                v["ruleIndex"] = idx.into();
            }
            if !related.is_empty() {
                v["relatedLocations"] = related.into();
            }
            v
        })
        .collect();
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ngxlint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/ngxlint/ngxlint",
                "rules": rule_list,
            }},
            "results": results,
        }],
    });
    write_json(out, &doc)
}

/// Pretty JSON and a newline; write errors keep their kind (a closed pipe stays a closed pipe).
fn write_json(out: &mut dyn Write, v: &serde_json::Value) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(std::io::Error::other)?;
    out.write_all(text.as_bytes())?;
    writeln!(out)
}

#[cfg(test)]
mod lossy_tests {
    use super::lossy_offset;

    #[test]
    fn offsets_land_on_boundaries_of_the_decoded_text() {
        // A character cut in two after an invalid byte: the prefix alone would decode to two
        // replacement characters (6 bytes) where the text has one and `é` (5 bytes in all).
        let bytes = b"\xff\xc3\xa9";
        let text = String::from_utf8_lossy(bytes);
        assert_eq!(lossy_offset(bytes, 2), 3);
        assert_eq!(lossy_offset(bytes, 3), 5);
        assert_eq!(lossy_offset(bytes, 1), 3);
        assert_eq!(lossy_offset(bytes, 0), 0);
        assert_eq!(text.len(), 5);
        // Every offset of every short mix of valid, cut and invalid sequences.
        let parts: [&[u8]; 7] = [
            b"a",
            "\u{e9}".as_bytes(),
            "\u{20ac}".as_bytes(),
            b"\xe2\x82",
            b"\xff",
            b"\r\n",
            b"\xc3",
        ];
        let mut seed: u64 = 7;
        for _ in 0..20_000 {
            let mut bytes = Vec::new();
            for _ in 0..(seed % 7) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                bytes.extend_from_slice(parts[(seed >> 33) as usize % parts.len()]);
            }
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let text = String::from_utf8_lossy(&bytes);
            let mut last = 0;
            for at in 0..=bytes.len() + 1 {
                let o = lossy_offset(&bytes, at);
                assert!(
                    o <= text.len(),
                    "{bytes:?} at {at}: {o} past {}",
                    text.len()
                );
                assert!(text.is_char_boundary(o), "{bytes:?} at {at}: {o}");
                assert!(o >= last, "{bytes:?}: offsets go back at {at}");
                last = o;
            }
            assert_eq!(lossy_offset(&bytes, bytes.len()), text.len());
        }
    }
}
