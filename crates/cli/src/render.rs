//! Renderers: miette's graphical report and the one-line concise format.

use std::io::Write;

use std::borrow::Cow;
use std::collections::VecDeque;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use ngxlint_engine::{Diagnostic, Files, Severity};

mod draw;

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
struct Report<'a> {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    url: String,
    src: &'a Source<'a>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report<'a>>,
}

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
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
        Some(self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// A file's text as miette reads it, under its shown path: what `miette::NamedSource` over the
/// lossily decoded text gives, without its cost. miette finds a span's lines by walking the text
/// byte by byte from its start, for every label of every finding, and a `NamedSource` owns its
/// text, so each finding copied and decoded its whole file: most of the time of the default
/// report of a large tree went there. This text is borrowed when the file is UTF-8, decoded once
/// per file otherwise, and its spans are found line by line (`context_info`).
#[derive(Debug)]
pub(crate) struct Source<'a> {
    name: String,
    text: Cow<'a, str>,
    /// Where each line break ends (`line_breaks`), worked out on the first read.
    breaks: std::sync::OnceLock<Vec<usize>>,
}

pub(crate) fn source(files: &Files, id: ngxlint_engine::FileId) -> Source<'_> {
    let f = files.get(id);
    Source {
        name: f.path.display().to_string(),
        text: String::from_utf8_lossy(&f.bytes),
        breaks: std::sync::OnceLock::new(),
    }
}

/// The offset of the last byte of each line break as miette counts them: `\n`, `\r\n` (its
/// `\n`), a lone `\r`.
fn line_breaks(input: &[u8]) -> Vec<usize> {
    let mut breaks = Vec::new();
    let mut at = 0;
    while let Some(i) = memchr::memchr2(b'\r', b'\n', &input[at..]) {
        let mut end = at + i;
        if input[end] == b'\r' && input.get(end + 1) == Some(&b'\n') {
            end += 1;
        }
        breaks.push(end);
        at = end + 1;
    }
    breaks
}

impl Source<'_> {
    /// The lines around `span`, as `read_span` gives them, without the name.
    fn contents(
        &self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<MietteSpanContents<'_>, MietteError> {
        let text = self.text.as_bytes();
        context_info(
            text,
            self.breaks.get_or_init(|| line_breaks(text)),
            span,
            context_lines_before,
            context_lines_after,
        )
    }
}

impl SourceCode for Source<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let c = self.contents(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            *c.span(),
            c.line(),
            c.column(),
            c.line_count(),
        )))
    }
}

/// The lines around `span` exactly as miette's own `SourceCode for [u8]` finds them (miette 7.6's
/// `context_info`, whose every quirk the drawing depends on: columns in bytes, `\r\n` as one
/// break, a lone `\r` as a break), but starting at the line before the span (`breaks`, from
/// `line_breaks`) instead of the text's start, and jumping from line break to line break with
/// memchr instead of looking at every byte. The test `context_info_agrees_with_miette` compares
/// both on random texts and spans.
fn context_info<'a>(
    input: &'a [u8],
    breaks: &[usize],
    span: &SourceSpan,
    context_lines_before: usize,
    context_lines_after: usize,
) -> Result<MietteSpanContents<'a>, MietteError> {
    let start = span.offset();
    // miette compares with two different "last byte of the span" values; they differ for an
    // empty span.
    let last_a = start + span.len().saturating_sub(1);
    let last_b = (start + span.len()).saturating_sub(1);
    // The lines whose breaks end before the span's start and before `last_b` only count lines
    // and keep the starts of the last `context_lines_before` of them: miette's state at the start
    // of the first line after them is known without walking them.
    let skipped = breaks.partition_point(|&b| b < start.min(last_b));
    let line_start = |k: usize| if k == 0 { 0 } else { breaks[k - 1] + 1 };
    let first_kept = skipped.saturating_sub(context_lines_before);
    let mut offset = line_start(skipped);
    let mut line_count = skipped;
    let mut start_line = first_kept;
    let mut start_column = 0usize;
    let mut before_lines_starts: VecDeque<usize> = (first_kept..skipped).map(line_start).collect();
    let mut current_line_start = offset;
    let mut end_lines = 0usize;
    let mut post_span = false;
    let mut post_span_got_newline = false;
    // Bytes in [from, to) that lie before the span's start: each adds one to the column.
    let before_start = |from: usize, to: usize| to.min(start).saturating_sub(from);
    'bytes: while offset < input.len() {
        let next =
            memchr::memchr2(b'\r', b'\n', &input[offset..]).map_or(input.len(), |i| offset + i);
        if offset < next {
            // A run of bytes that are not line breaks: each one before the span adds to the
            // column, and the first one at or past `last_b` marks the span passed (and may end
            // the walk).
            let trigger = offset.max(last_b);
            if trigger < next {
                start_column += before_start(offset, trigger + 1);
                post_span = true;
                if end_lines >= context_lines_after {
                    offset = trigger + 1;
                    break 'bytes;
                }
                start_column += before_start(trigger + 1, next);
            } else {
                start_column += before_start(offset, next);
            }
            offset = next;
            if offset == input.len() {
                break;
            }
        }
        // A line break at `offset`.
        line_count += 1;
        if input[offset] == b'\r' && input.get(offset + 1) == Some(&b'\n') {
            offset += 1;
        }
        if offset < start {
            start_column = 0;
            before_lines_starts.push_back(current_line_start);
            if before_lines_starts.len() > context_lines_before {
                start_line += 1;
                before_lines_starts.pop_front();
            }
        } else if offset >= last_a && post_span {
            start_column = 0;
            if post_span_got_newline {
                end_lines += 1;
            } else {
                post_span_got_newline = true;
            }
            if end_lines >= context_lines_after {
                offset += 1;
                break;
            }
        }
        current_line_start = offset + 1;
        if offset >= last_b {
            post_span = true;
            if end_lines >= context_lines_after {
                offset += 1;
                break;
            }
        }
        offset += 1;
    }
    if offset >= last_b {
        let starting_offset = before_lines_starts.front().copied().unwrap_or({
            if context_lines_before == 0 {
                start
            } else {
                0
            }
        });
        Ok(MietteSpanContents::new(
            &input[starting_offset..offset],
            (starting_offset, offset - starting_offset).into(),
            start_line,
            if context_lines_before == 0 {
                start_column
            } else {
                0
            },
            line_count,
        ))
    } else {
        Err(MietteError::OutOfBounds)
    }
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

fn report<'a>(
    files: &'a Files,
    sources: &'a [std::sync::OnceLock<Source<'a>>],
    d: &Diagnostic,
) -> Report<'a> {
    let src = |id: ngxlint_engine::FileId| sources[id.0 as usize].get_or_init(|| source(files, id));
    let at = |s: nginx_syntax::Span, id: ngxlint_engine::FileId| {
        let (start, end) = (s.start as usize, s.end as usize);
        match &src(id).text {
            // UTF-8 text is its bytes: a span on its characters' boundaries stays as it is.
            Cow::Borrowed(t)
                if start <= end && t.is_char_boundary(start) && t.is_char_boundary(end) =>
            {
                SourceSpan::new(start.into(), end - start)
            }
            _ => span(s, files, id),
        }
    };
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.name.to_string()),
        at(d.span, d.file),
    )];
    for l in &d.labels {
        labels.push(LabeledSpan::new_with_span(
            Some(l.message.clone()),
            at(l.span, d.file),
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
            src: src(r.file),
            labels: vec![LabeledSpan::new_primary_with_span(None, at(r.span, r.file))],
            related: Vec::new(),
        })
        .collect();
    Report {
        message: d.message.clone(),
        code: d.code.to_string(),
        severity: severity(d.severity),
        help: d.help.clone(),
        url: rule_url(d.code),
        src: src(d.file),
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

/// miette's drawing, wrapping at spaces only: a word (a directive, a header name, a path) is
/// never cut at a hyphen or a slash, and only one longer than the line is broken.
pub(crate) fn handler(theme: GraphicalTheme, width: usize) -> GraphicalReportHandler {
    GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
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
    let handler = handler(theme, opts.width).with_links(opts.links);
    // Each named file's text once, for all its findings, made when a finding first needs it.
    let sources: Vec<std::sync::OnceLock<Source>> = (0..files.len())
        .map(|_| std::sync::OnceLock::new())
        .collect();
    let draw = |d: &Diagnostic| {
        // The drawing is miette's: should it fail, or panic on a span it cannot place, the
        // finding is still reported, on one line, and the other findings follow.
        let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let report = report(files, &sources, d);
            // Without colors and terminal links, most findings are drawn here, as miette would.
            if !opts.color && !opts.links {
                if let Some(drawn) = draw::draw(&report, opts.width) {
                    return Some(drawn);
                }
            }
            let mut drawn = String::new();
            handler
                .render_report(&mut drawn, &report)
                .ok()
                .map(|_| drawn)
        }));
        if let Ok(Some(drawn)) = drawn {
            return drawn;
        }
        let f = files.get(d.file);
        let (line, col) = f.line_col_chars(d.span.start);
        format!(
            "{}:{}:{}: {}: {} [{}]\n",
            f.path.display(),
            line,
            col,
            d.severity.as_str(),
            d.message,
            d.code
        )
    };
    // Drawn on every core, a block at a time so that a huge report is not held whole, and
    // written in order.
    for block in diags.chunks(4096) {
        for s in ngxlint_engine::par::map(block, 64, |d| draw(d)) {
            out.write_all(s.as_bytes())?;
        }
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

#[cfg(test)]
mod context_tests {
    use super::context_info;
    use miette::{SourceCode, SourceSpan, SpanContents};

    /// miette's own walk and ours agree on every field, or both refuse, on random texts of short
    /// lines with `\r\n`, lone `\r` and `\n` breaks, for every span and context size.
    #[test]
    fn context_info_agrees_with_miette() {
        let parts: [&[u8]; 6] = [b"ab", b"\n", b"\r\n", b"\r", b"x", b"\n\n"];
        let mut seed: u64 = 11;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let mut compared = 0usize;
        for _ in 0..3_000 {
            let mut text = Vec::new();
            for _ in 0..next(16) {
                text.extend_from_slice(parts[next(parts.len())]);
            }
            for start in 0..=text.len() + 1 {
                for len in 0..=(text.len() + 2 - start).min(4) {
                    for ctx in 0..3 {
                        let (before, after) = (ctx, next(3));
                        let span = SourceSpan::from((start, len));
                        let fields = |c: Result<_, _>| {
                            c.map(|c: Box<dyn SpanContents<'_>>| {
                                (
                                    c.data().to_vec(),
                                    *c.span(),
                                    c.line(),
                                    c.column(),
                                    c.line_count(),
                                )
                            })
                            .ok()
                        };
                        let theirs = std::panic::catch_unwind(|| {
                            fields(<[u8] as SourceCode>::read_span(
                                &text[..],
                                &span,
                                before,
                                after,
                            ))
                        });
                        let ours = std::panic::catch_unwind(|| {
                            let breaks = super::line_breaks(&text);
                            fields(
                                context_info(&text, &breaks, &span, before, after)
                                    .map(|c| Box::new(c) as Box<dyn SpanContents<'_>>),
                            )
                        });
                        match (theirs, ours) {
                            (Ok(t), Ok(o)) => assert_eq!(
                                t,
                                o,
                                "{:?} span {start}+{len}, context {before}/{after}",
                                String::from_utf8_lossy(&text)
                            ),
                            (Err(_), Err(_)) => {}
                            (t, o) => panic!(
                                "{:?} span {start}+{len}: miette panicked {}, ours {}",
                                String::from_utf8_lossy(&text),
                                t.is_err(),
                                o.is_err()
                            ),
                        }
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 50_000, "{compared}");
    }
}
