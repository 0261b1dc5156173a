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
    let mut key = Vec::with_capacity(p.as_os_str().len() + 8);
    let b = p.as_os_str().as_bytes();
    // A clean path's components are its `/`-separated parts (see `ngxlint_vfs::is_clean`): read
    // from the bytes, without parsing each component.
    if ngxlint_vfs::is_clean(p) {
        let rest = match b.strip_prefix(b"/") {
            Some(rest) => {
                key.extend_from_slice(&[2, 0]);
                rest
            }
            None => b,
        };
        if !rest.is_empty() {
            for part in rest.split(|&c| c == b'/') {
                if part == b".." {
                    key.extend_from_slice(&[4, 0]);
                } else {
                    key.push(5);
                    key.extend_from_slice(part);
                    key.push(0);
                }
            }
        }
        return key;
    }
    components_key(p, key)
}

/// [`path_key`] from the path's components, appended to `key`.
fn components_key(p: &std::path::Path, mut key: Vec<u8>) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    use std::path::Component;
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
    s.extend(decimal(n as u64, &mut buf).iter().map(|&b| b as char));
}

/// `n`'s decimal digits, written at the end of `buf`.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or_default()
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
        // Validating as UTF-8 first: far faster than the lossy decoding's walk, which only a
        // file with invalid bytes needs.
        text: match std::str::from_utf8(&f.bytes) {
            Ok(t) => Cow::Borrowed(t),
            Err(_) => String::from_utf8_lossy(&f.bytes),
        },
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
    files.get(file).span_line_col_chars(span.start, span.end)
}

/// The version of the `--format json` schema (documented in the README).
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// `--format json`'s writer: serde_json's pretty layout (two spaces a level, `"key": value`,
/// `[]` for an empty list) and its string escapes, written straight into a buffer. Through
/// serde, each finding was serialized alone and indented afterwards: four times the
/// instructions, and the largest part of the report's time on the 2,000-server tree.
struct JsonOut<'o> {
    o: &'o mut Vec<u8>,
    /// Levels of indentation of the values being written.
    depth: usize,
    /// Whether the list or object last opened has no member yet.
    empty: bool,
}

impl JsonOut<'_> {
    /// A line break and the indentation of the current depth.
    fn newline(&mut self) {
        self.o.push(b'\n');
        for _ in 0..self.depth {
            self.o.extend_from_slice(b"  ");
        }
    }

    /// Opens an object (`{`) or a list (`[`).
    fn open(&mut self, c: u8) {
        self.o.push(c);
        self.depth += 1;
        self.empty = true;
    }

    /// Closes what `open` opened: on its own line unless it is empty.
    fn close(&mut self, c: u8) {
        self.depth -= 1;
        if !self.empty {
            self.newline();
        }
        self.o.push(c);
        self.empty = false;
    }

    /// The next member of a list.
    fn item(&mut self) {
        if !self.empty {
            self.o.push(b',');
        }
        self.empty = false;
        self.newline();
    }

    /// The next member of an object, up to its value.
    fn key(&mut self, k: &str) {
        self.item();
        self.string(k);
        self.o.extend_from_slice(b": ");
    }

    /// A string value, escaped as serde_json escapes it: `"`, `\\` and the control characters
    /// below U+0020 (`\b`, `\t`, `\n`, `\f`, `\r`, else `\u00xx`); nothing else.
    fn string(&mut self, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.o.push(b'"');
        let mut rest = s.as_bytes();
        while let Some(i) = to_escape(rest) {
            let (plain, tail) = rest.split_at(i);
            self.o.extend_from_slice(plain);
            let Some((&b, tail)) = tail.split_first() else {
                break;
            };
            match b {
                b'"' => self.o.extend_from_slice(b"\\\""),
                b'\\' => self.o.extend_from_slice(b"\\\\"),
                b'\n' => self.o.extend_from_slice(b"\\n"),
                b'\r' => self.o.extend_from_slice(b"\\r"),
                b'\t' => self.o.extend_from_slice(b"\\t"),
                0x08 => self.o.extend_from_slice(b"\\b"),
                0x0c => self.o.extend_from_slice(b"\\f"),
                _ => self.o.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 15)],
                ]),
            }
            rest = tail;
        }
        self.o.extend_from_slice(rest);
        self.o.push(b'"');
    }

    /// A number value.
    fn number(&mut self, n: u64) {
        let mut digits = [0u8; 20];
        self.o.extend_from_slice(decimal(n, &mut digits));
    }

    /// `"key": "value"`.
    fn string_member(&mut self, k: &str, v: &str) {
        self.key(k);
        self.string(v);
    }

    /// A position: `{"line", "column", "offset"}`.
    fn position(&mut self, k: &str, (line, column): (usize, usize), offset: u32) {
        self.key(k);
        self.open(b'{');
        self.key("line");
        self.number(line as u64);
        self.key("column");
        self.number(column as u64);
        self.key("offset");
        self.number(u64::from(offset));
        self.close(b'}');
    }

    /// A place's members: `file`, `start`, `end` (the object around them is the caller's).
    fn place(&mut self, files: &Files, file: ngxlint_engine::FileId, span: nginx_syntax::Span) {
        let (start, end) = region(files, file, span);
        let path = &files.get(file).path;
        self.key("file");
        match path.to_str() {
            Some(p) => self.string(p),
            None => self.string(&path.display().to_string()),
        }
        self.position("start", start, span.start);
        self.position("end", end, span.end);
    }

    /// A list of places, each with what is said of it under `said` (`message` or `content`).
    fn places<'x>(
        &mut self,
        files: &Files,
        said: &str,
        places: impl Iterator<Item = (ngxlint_engine::FileId, nginx_syntax::Span, Cow<'x, str>)>,
    ) {
        self.open(b'[');
        for (file, span, text) in places {
            self.item();
            self.open(b'{');
            self.place(files, file, span);
            self.string_member(said, &text);
            self.close(b'}');
        }
        self.close(b']');
    }

    /// One finding, its members in the documented order.
    fn diagnostic(&mut self, files: &Files, d: &Diagnostic) {
        self.open(b'{');
        self.place(files, d.file, d.span);
        self.string_member("code", d.code);
        self.string_member("name", d.name);
        self.string_member("severity", d.severity.as_str());
        self.string_member("message", &d.message);
        self.key("help");
        match &d.help {
            Some(h) => self.string(h),
            None => self.o.extend_from_slice(b"null"),
        }
        self.string_member("url", &rule_url(d.code));
        self.key("labels");
        self.places(
            files,
            "message",
            d.labels
                .iter()
                .map(|l| (d.file, l.span, Cow::Borrowed(l.message.as_str()))),
        );
        self.key("related");
        self.places(
            files,
            "message",
            d.related
                .iter()
                .map(|r| (r.file, r.span, Cow::Borrowed(r.message.as_str()))),
        );
        // The fix as data (ruff's `fix`): what `check --fix` would apply, or an editor offers.
        self.key("fix");
        match &d.fix {
            None => self.o.extend_from_slice(b"null"),
            Some(f) => {
                self.open(b'{');
                self.string_member("title", &f.title);
                self.string_member("applicability", f.applicability.as_str());
                self.key("edits");
                self.places(
                    files,
                    "content",
                    f.edits.iter().map(|e| {
                        // The bytes written: the file's own line endings.
                        let eol = ngxlint_engine::edit::line_ending(&files.get(e.file).bytes);
                        let content = if eol == "\n" {
                            Cow::Borrowed(e.replacement.as_str())
                        } else {
                            Cow::Owned(e.replacement.replace('\n', eol))
                        };
                        (e.file, e.span, content)
                    }),
                );
                self.close(b'}');
            }
        }
        self.close(b'}');
    }
}

/// Where the first byte JSON escapes (`"`, `\\`, below U+0020) is, eight bytes at a time.
fn to_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    // A zero byte of `w`, or a byte below `n`, sets that byte's high bit (exact as a test of
    // whether there is one, for `n` up to 128).
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_ne_bytes(word);
        if below(w, 0x20)
            | below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1)
            != 0
        {
            break;
        }
        at += 8;
    }
    let rest = bytes.get(at..).unwrap_or_default();
    rest.iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .map(|i| at + i)
}

/// `--format json`: a versioned, documented schema.
///
/// The findings are written on every core, a run of them into each buffer, and the buffers
/// written in order a block at a time, so that a huge report is not held whole.
pub fn json(files: &Files, diags: &[Diagnostic], out: &mut dyn Write) -> std::io::Result<()> {
    let tool = serde_json::to_string(env!("CARGO_PKG_VERSION")).map_err(std::io::Error::other)?;
    write!(
        out,
        "{{\n  \"version\": {JSON_SCHEMA_VERSION},\n  \"tool\": {{\n    \"name\": \"ngxlint\",\n    \"version\": {tool}\n  }},\n  \"diagnostics\": "
    )?;
    if diags.is_empty() {
        out.write_all(b"[]")?;
    } else {
        out.write_all(b"[")?;
        let runs: Vec<&[Diagnostic]> = diags.chunks(32).collect();
        for (k, block) in runs.chunks(128).enumerate() {
            let texts = ngxlint_engine::par::map(block, 2, |run| {
                let mut text = Vec::with_capacity(run.len() * 1024);
                let mut w = JsonOut {
                    o: &mut text,
                    depth: 2,
                    empty: true,
                };
                for d in run.iter() {
                    w.item();
                    w.diagnostic(files, d);
                }
                text
            });
            for (i, text) in texts.iter().enumerate() {
                // Each run starts as the first member of a list; the ones after it continue.
                if k > 0 || i > 0 {
                    out.write_all(b",")?;
                }
                out.write_all(text)?;
            }
        }
        out.write_all(b"\n  ]")?;
    }
    out.write_all(b"\n}\n")
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

#[derive(serde::Serialize)]
struct GitlabLines {
    begin: usize,
    end: usize,
}

#[derive(serde::Serialize)]
struct GitlabLocation {
    path: String,
    lines: GitlabLines,
}

#[derive(serde::Serialize)]
struct GitlabIssue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: GitlabLocation,
}

/// `--format gitlab`: a Code Quality report.
pub fn gitlab(files: &Files, diags: &[Diagnostic], out: &mut dyn Write) -> std::io::Result<()> {
    let mut seen = std::collections::HashSet::new();
    let list: Vec<GitlabIssue<'_>> = diags
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
            GitlabIssue {
                description: format!("{} [{}]", d.message, d.code),
                check_name: d.code,
                fingerprint: fp,
                severity: match d.severity {
                    Severity::Error => "critical",
                    Severity::Warning => "major",
                    Severity::Info => "info",
                },
                location: GitlabLocation {
                    path: files.get(d.file).path.display().to_string(),
                    lines: GitlabLines { begin: sl, end: el },
                },
            }
        })
        .collect();
    write_json(out, &list)
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
    let rule_list: Vec<SarifRule<'_>> = rules
        .iter()
        .map(|r| SarifRule {
            id: r.code,
            name: r.name,
            short_description: SarifText { text: r.summary },
            full_description: SarifText { text: r.summary },
            help_uri: rule_url(r.code),
            help: SarifHelp {
                text: format!("See {}", rule_url(r.code)),
                markdown: r.doc,
            },
            default_configuration: SarifLevel {
                level: sarif_level(r.severity),
            },
        })
        .collect();
    let doc = SarifDoc {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [SarifRun {
            tool: SarifTool {
                driver: SarifDriver {
                    name: "ngxlint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/ngxlint/ngxlint",
                    rules: rule_list,
                },
            },
            results: SarifResults {
                files,
                diags,
                rules,
            },
        }],
    };
    write_json(out, &doc)
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

#[derive(serde::Serialize)]
struct SarifDoc<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [SarifRun<'a>; 1],
}

#[derive(serde::Serialize)]
struct SarifRun<'a> {
    tool: SarifTool<'a>,
    results: SarifResults<'a>,
}

#[derive(serde::Serialize)]
struct SarifTool<'a> {
    driver: SarifDriver<'a>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifDriver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<SarifRule<'a>>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: SarifText<'a>,
    full_description: SarifText<'a>,
    help_uri: String,
    help: SarifHelp<'a>,
    default_configuration: SarifLevel,
}

#[derive(serde::Serialize)]
struct SarifText<'a> {
    text: &'a str,
}

#[derive(serde::Serialize)]
struct SarifHelp<'a> {
    text: String,
    markdown: &'a str,
}

#[derive(serde::Serialize)]
struct SarifLevel {
    level: &'static str,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(serde::Serialize)]
struct SarifUri {
    uri: String,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifPhysical {
    artifact_location: SarifUri,
    region: SarifRegion,
}

impl SarifPhysical {
    fn new(files: &Files, file: ngxlint_engine::FileId, span: nginx_syntax::Span) -> Self {
        let ((sl, sc), (el, ec)) = region(files, file, span);
        SarifPhysical {
            artifact_location: SarifUri {
                uri: files.get(file).path.display().to_string(),
            },
            region: SarifRegion {
                start_line: sl,
                start_column: sc,
                end_line: el,
                end_column: ec.max(1),
            },
        }
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: SarifPhysical,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRelated<'a> {
    id: usize,
    message: SarifText<'a>,
    physical_location: SarifPhysical,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFingerprints {
    primary_location_line_hash: String,
}

#[derive(serde::Serialize)]
struct SarifMessage {
    text: String,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    level: &'static str,
    message: SarifMessage,
    locations: [SarifLocation; 1],
    partial_fingerprints: SarifFingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifRelated<'a>>,
}

/// The results, each made when it is written.
struct SarifResults<'a> {
    files: &'a Files,
    diags: &'a [Diagnostic],
    rules: &'a [RuleInfo],
}

impl<'x> serde::Serialize for SarifResults<'x> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let files = self.files;
        s.collect_seq(self.diags.iter().map(|d| {
            let mut text = d.message.clone();
            for (i, r) in d.related.iter().enumerate() {
                text.push_str(&format!(
                    " ([{}]({}))",
                    r.message.replace(['[', ']'], ""),
                    i + 1
                ));
            }
            SarifResult {
                rule_id: d.code,
                level: sarif_level(d.severity),
                message: SarifMessage { text },
                locations: [SarifLocation {
                    physical_location: SarifPhysical::new(files, d.file, d.span),
                }],
                partial_fingerprints: SarifFingerprints {
                    primary_location_line_hash: fingerprint(files, d),
                },
                rule_index: self.rules.iter().position(|r| r.code == d.code),
                related_locations: d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| SarifRelated {
                        id: i + 1,
                        message: SarifText { text: &r.message },
                        physical_location: SarifPhysical::new(files, r.file, r.span),
                    })
                    .collect(),
            }
        }))
    }
}

/// Pretty JSON and a newline; write errors keep their kind (a closed pipe stays a closed pipe).
///
/// Written as it is serialized: a large report is never held whole, as text or as a JSON tree.
fn write_json<T: serde::Serialize + ?Sized>(out: &mut dyn Write, v: &T) -> std::io::Result<()> {
    // Serialized in blocks of memory and written block by block: serde_json's many small writes
    // through `dyn Write` cost more than the serializing.
    let mut block = BlockWriter {
        buf: Vec::with_capacity(BLOCK),
        out,
    };
    serde_json::to_writer_pretty(&mut block, v).map_err(|e| match e.io_error_kind() {
        Some(kind) => std::io::Error::from(kind),
        None => std::io::Error::other(e),
    })?;
    block.buf.push(b'\n');
    block.out.write_all(&block.buf)
}

const BLOCK: usize = 1 << 16;

/// Collects small writes in memory; hands them on a block at a time.
struct BlockWriter<'a> {
    buf: Vec<u8>,
    out: &'a mut dyn Write,
}

impl Write for BlockWriter<'_> {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }
    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.buf.len() + bytes.len() > BLOCK && !self.buf.is_empty() {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod path_key_tests {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;

    /// Every path of up to four parts from these (with and without a root, a final `/`, `//`):
    /// the key read from the bytes is the components' key, and keys order as paths do.
    #[test]
    fn keys_read_from_the_bytes_are_the_components_keys() {
        let parts: [&[u8]; 10] = [
            b"a",
            b"b",
            b"..",
            b".",
            b"",
            b"a.b",
            b"a-b",
            b"\xc3\xa9",
            b"a b",
            b".x",
        ];
        let mut paths: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for p in &paths {
                for part in parts {
                    let mut q = p.clone();
                    if !q.is_empty() {
                        q.push(b'/');
                    }
                    q.extend_from_slice(part);
                    next.push(q);
                }
            }
            paths.extend(next);
        }
        let mut all: Vec<Vec<u8>> = Vec::new();
        for p in paths {
            for v in [
                p.clone(),
                [b"/".as_slice(), &p].concat(),
                [p.as_slice(), b"/"].concat(),
            ] {
                all.push(v);
            }
        }
        all.sort();
        all.dedup();
        let mut clean = 0;
        for b in &all {
            let p = Path::new(OsStr::from_bytes(b));
            clean += usize::from(ngxlint_vfs::is_clean(p));
            assert_eq!(
                super::path_key(p),
                super::components_key(p, Vec::new()),
                "{p:?}"
            );
        }
        assert!(clean > 1000, "{clean} clean paths of {}", all.len());
        for a in all.iter().step_by(37) {
            for b in all.iter().step_by(53) {
                let (pa, pb) = (
                    Path::new(OsStr::from_bytes(a)),
                    Path::new(OsStr::from_bytes(b)),
                );
                assert_eq!(
                    super::path_key(pa).cmp(&super::path_key(pb)),
                    pa.cmp(pb),
                    "{pa:?} {pb:?}"
                );
            }
        }
    }
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

#[cfg(test)]
mod json_tests {
    use super::{json, Diagnostic, Files, JsonOut};
    use nginx_syntax::Span;
    use ngxlint_engine::diagnostic::{Applicability, Edit, Fix};
    use ngxlint_engine::{FileKind, Severity};

    /// The document as serde_json would write it from a tree of values (the layout and escapes
    /// the writer must reproduce byte for byte).
    fn by_serde(files: &Files, diags: &[Diagnostic]) -> Vec<u8> {
        use serde_json::{json, Value};
        let place = |file, span: Span, said: Option<(&str, String)>| {
            let ((sl, sc), (el, ec)) = super::region(files, file, span);
            let mut o = json!({
                "file": files.get(file).path.display().to_string(),
                "start": {"line": sl, "column": sc, "offset": span.start},
                "end": {"line": el, "column": ec, "offset": span.end},
            });
            if let (Some((k, v)), Value::Object(m)) = (said, &mut o) {
                m.insert(k.to_string(), v.into());
            }
            o
        };
        let list: Vec<Value> = diags
            .iter()
            .map(|d| {
                let Value::Object(mut o) = place(d.file, d.span, None) else {
                    unreachable!()
                };
                o.insert("code".into(), d.code.into());
                o.insert("name".into(), d.name.into());
                o.insert("severity".into(), d.severity.as_str().into());
                o.insert("message".into(), d.message.clone().into());
                o.insert("help".into(), d.help.clone().into());
                o.insert("url".into(), super::rule_url(d.code).into());
                let labels = d.labels.iter();
                let labels: Vec<Value> = labels
                    .map(|l| place(d.file, l.span, Some(("message", l.message.clone()))))
                    .collect();
                o.insert("labels".into(), labels.into());
                let related = d.related.iter();
                let related: Vec<Value> = related
                    .map(|r| place(r.file, r.span, Some(("message", r.message.clone()))))
                    .collect();
                o.insert("related".into(), related.into());
                let fix = d.fix.as_ref().map(|f| {
                    let edits: Vec<Value> = f
                        .edits
                        .iter()
                        .map(|e| {
                            let eol = ngxlint_engine::edit::line_ending(&files.get(e.file).bytes);
                            let content = e.replacement.replace('\n', eol);
                            place(e.file, e.span, Some(("content", content)))
                        })
                        .collect();
                    json!({"title": f.title, "applicability": f.applicability.as_str(), "edits": edits})
                });
                o.insert("fix".into(), fix.into());
                Value::Object(o)
            })
            .collect();
        let doc = json!({
            "version": super::JSON_SCHEMA_VERSION,
            "tool": {"name": "ngxlint", "version": env!("CARGO_PKG_VERSION")},
            "diagnostics": list,
        });
        let mut text = serde_json::to_vec_pretty(&doc).unwrap();
        text.push(b'\n');
        text
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every: String = (0u8..0x80).map(char::from).collect();
        every.push_str("é\u{2028}\u{7f}😀\"\\");
        for s in [
            every.as_str(),
            "",
            "plain",
            "\u{1}",
            "tab\there",
            "\"\\\n\r",
        ] {
            let mut o = Vec::new();
            JsonOut {
                o: &mut o,
                depth: 0,
                empty: true,
            }
            .string(s);
            assert_eq!(
                String::from_utf8(o).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    #[test]
    fn the_first_byte_to_escape_is_found_eight_at_a_time_as_one_at_a_time() {
        let naive = |b: &[u8]| b.iter().position(|&c| c < 0x20 || c == b'"' || c == b'\\');
        // Every byte value at every place of a run long enough for two words and a tail, among
        // fillers next to the escaped values (and the high bytes of UTF-8).
        for filler in [
            b'a', b' ', b'!', b'#', b'[', b']', b'\x7f', b'\x80', b'\xff', b'\x1f',
        ] {
            for at in 0..21 {
                for v in 0..=255u8 {
                    let mut b = vec![filler; 21];
                    b[at] = v;
                    assert_eq!(super::to_escape(&b), naive(&b), "{filler} {at} {v}");
                    assert_eq!(super::to_escape(&b[at..]), naive(&b[at..]));
                }
            }
        }
    }

    #[test]
    fn the_report_is_serde_jsons_pretty_document_byte_for_byte() {
        let mut files = Files::default();
        let lf = files.add(
            "a/nginx.conf".into(),
            "/etc/nginx/nginx.conf".into(),
            b"http {\n    server { listen 80; }\n}\n# \xc3\xa9t\xc3\xa9 \"q\"\n".to_vec(),
            FileKind::Nginx,
        );
        let crlf = files.add(
            "b/\u{e9}\t\"x\".conf".into(),
            "/etc/nginx/b.conf".into(),
            b"events {}\r\nhttp {\r\n}\r\n".to_vec(),
            FileKind::Nginx,
        );
        let span = |a, b| Span { start: a, end: b };
        let mut diags = vec![Diagnostic::new(
            "NGX001",
            "syntax-error",
            Severity::Error,
            lf,
            span(0, 4),
            "a \"quoted\" \\ message\twith\u{1}control\u{1f} and \u{e9}",
        )];
        // Every optional part at once, in both files; then one without any.
        diags.push(
            Diagnostic::new("NGX301", "x", Severity::Warning, lf, span(11, 37), "m")
                .with_help("help \u{8} \u{c}")
                .with_label(span(18, 28), "label\none")
                .with_label(span(38, 50), "past the end")
                .with_related(crlf, span(11, 18), "related\r\n")
                .with_edits(Fix::new(
                    "title",
                    Applicability::Unsafe,
                    vec![
                        Edit::replace(lf, span(0, 4), "line\nbreak"),
                        Edit::replace(crlf, span(0, 6), "two\nlines\n"),
                    ],
                )),
        );
        diags.push(Diagnostic::new(
            "NGX9",
            "y",
            Severity::Info,
            crlf,
            span(3, 3),
            "",
        ));
        // Several runs of findings, and more than one block of runs.
        for n in [0, 1, 2, 3, 33, 70, 5000] {
            let many: Vec<Diagnostic> = diags.iter().cycle().take(n).cloned().collect();
            let mut out = Vec::new();
            json(&files, &many, &mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(by_serde(&files, &many)).unwrap(),
                "{n} findings"
            );
        }
    }
}
