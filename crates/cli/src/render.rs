//! Renderers: miette's graphical report and the one-line concise format.

use std::fmt::Write as _;
use std::io::Write;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use ngxlint_engine::{Diagnostic, Files, Severity};

/// Sorts for display: by file path, then position, then code.
pub fn sort_for_display(files: &Files, diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let pa = &files.get(a.file).path;
        let pb = &files.get(b.file).path;
        pa.cmp(pb)
            .then(a.span.start.cmp(&b.span.start))
            .then(a.code.cmp(b.code))
    });
}

/// `path:line:col: severity: message [CODE]`, one per line.
pub fn concise(files: &Files, diags: &[Diagnostic], out: &mut dyn Write) -> std::io::Result<()> {
    for d in diags {
        let f = files.get(d.file);
        let (line, col) = f.line_col_chars(d.span.start);
        writeln!(
            out,
            "{}:{}:{}: {}: {} [{}]",
            f.path.display(),
            line,
            col,
            d.severity.as_str(),
            d.message,
            d.code
        )?;
    }
    Ok(())
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

fn source(files: &Files, id: ngxlint_engine::FileId) -> NamedSource<String> {
    let f = files.get(id);
    NamedSource::new(
        f.path.display().to_string(),
        String::from_utf8_lossy(&f.bytes).into_owned(),
    )
}

fn span(s: nginx_syntax::Span, files: &Files, id: ngxlint_engine::FileId) -> SourceSpan {
    // miette indexes the lossily decoded text; map byte offsets through the decoding.
    let bytes = &files.get(id).bytes;
    let start = lossy_offset(bytes, s.start as usize);
    let end = lossy_offset(bytes, s.end as usize);
    SourceSpan::new(start.into(), end.saturating_sub(start))
}

/// The offset in `String::from_utf8_lossy(bytes)` of byte `at`.
fn lossy_offset(bytes: &[u8], at: usize) -> usize {
    let at = at.min(bytes.len());
    let prefix = &bytes[..at];
    if std::str::from_utf8(prefix).is_ok() {
        return at;
    }
    String::from_utf8_lossy(prefix).len()
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
        if handler.render_report(&mut s, &report(files, d)).is_err() {
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
