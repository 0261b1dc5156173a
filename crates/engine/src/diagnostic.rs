//! What a check reports: code, severity, message, spans in one or more files, and one help.

use nginx_syntax::Span;

use crate::files::FileId;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; never fails a run by default.
    Info,
    /// Probably wrong.
    Warning,
    /// The server refuses the config or answers 502/504.
    Error,
}

impl Severity {
    /// Lowercase name as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// How far a fix may be trusted (ruff's applicability): `check --fix` applies the safe ones,
/// `--unsafe-fixes` the unsafe ones too; a display-only fix is shown, never applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Shown as a suggestion only: it needs a fact the configuration does not hold (an address,
    /// a certificate), so its text is a template.
    DisplayOnly,
    /// Changes behaviour in a way the user should review (a guess among several pools, a new
    /// log format, a value raised for every location).
    Unsafe,
    /// Meaning-preserving, or exactly what the message says.
    Safe,
}

impl Applicability {
    /// Lowercase name as printed (`safe`, `unsafe`, `display-only`).
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }
}

/// One replacement of a byte range of one file (an insertion when the range is empty).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edit {
    /// Which file.
    pub file: FileId,
    /// The bytes replaced.
    pub span: Span,
    /// The new text. A `\n` in it becomes the file's own line ending when applied.
    pub replacement: String,
}

impl Edit {
    /// Replaces `span` of `file` with `replacement`.
    pub fn replace(file: FileId, span: Span, replacement: impl Into<String>) -> Self {
        Edit {
            file,
            span,
            replacement: replacement.into(),
        }
    }
    /// Inserts `text` at `offset`.
    pub fn insert(file: FileId, offset: u32, text: impl Into<String>) -> Self {
        Edit::replace(
            file,
            Span {
                start: offset,
                end: offset,
            },
            text,
        )
    }
    /// Deletes `span`.
    pub fn delete(file: FileId, span: Span) -> Self {
        Edit::replace(file, span, "")
    }
}

/// An exact change that resolves a finding: edits in one or several files (both sides of a
/// cross-file finding), applied together or not at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the editor shows and `--show-fixes` lists ("Replace with `proxy_pass`").
    pub title: String,
    /// How far it may be trusted.
    pub applicability: Applicability,
    /// The edits, in any order; they never overlap each other.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A fix of the given applicability.
    pub fn new(title: impl Into<String>, applicability: Applicability, edits: Vec<Edit>) -> Self {
        let mut edits = edits;
        edits.sort();
        edits.dedup();
        Fix {
            title: title.into(),
            applicability,
            edits,
        }
    }
    /// A safe fix.
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(title, Applicability::Safe, edits)
    }
    /// A fix the user should review.
    pub fn unsafe_edits(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(title, Applicability::Unsafe, edits)
    }
    /// A suggestion that is shown, never applied.
    pub fn display_only(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(title, Applicability::DisplayOnly, edits)
    }
    /// The files it edits, each once, in order.
    pub fn files(&self) -> Vec<FileId> {
        let mut v: Vec<FileId> = self.edits.iter().map(|e| e.file).collect();
        v.sort();
        v.dedup();
        v
    }
}

/// A secondary place in the primary file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What it is ("set here", "inherited from here").
    pub message: String,
}

/// Evidence in another place, possibly another file (the FPM side of an nginx finding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// Which file.
    pub file: FileId,
    /// Where.
    pub span: Span,
    /// What it shows.
    pub message: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, `NGX001`.
    pub code: &'static str,
    /// Stable kebab-case name, `syntax-error`.
    pub name: &'static str,
    /// How serious.
    pub severity: Severity,
    /// What is wrong: one line, lowercase, no final period.
    pub message: String,
    /// The file of the primary span.
    pub file: FileId,
    /// The exact token.
    pub span: Span,
    /// Secondary labels in the same file.
    pub labels: Vec<Label>,
    /// Places in other files.
    pub related: Vec<Related>,
    /// One concrete fix.
    pub help: Option<String>,
    /// Exact edits that fix it, possibly in several files (`check --fix`, editors' quick fixes).
    pub fix: Option<Fix>,
    /// Where nginx's scanner stood when nginx would report this (its cited line), if nginx would.
    pub nginx_offset: Option<u32>,
    /// Findings of one cause reported once: the first of a group stands for the others, which
    /// it counts (see [`collapse_groups`]).
    pub group: Option<Group>,
}

/// What a finding shares with others of its cause (dozens of NGINX Plus directives in a
/// configuration written for NGINX Plus are one finding, not dozens).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Findings with the same key are one.
    pub key: String,
    /// What the others are, in the plural (`directives of the \`plus\` module set`).
    pub what: String,
    /// This finding's item (`status_zone`).
    pub item: String,
}

/// Keeps the first finding of each group (after suppressions, so a suppressed first does not hide
/// the others) and says on it how many more there are.
pub fn collapse_groups(diags: &mut Vec<Diagnostic>) {
    struct First {
        key: String,
        index: usize,
        item: String,
        others: Vec<String>,
        more: usize,
    }
    let mut firsts: Vec<First> = Vec::new();
    let mut keep = vec![true; diags.len()];
    for (i, d) in diags.iter().enumerate() {
        let Some(g) = &d.group else { continue };
        match firsts.iter_mut().find(|f| f.key == g.key) {
            Some(f) => {
                keep[i] = false;
                f.more += 1;
                if g.item != f.item && !f.others.contains(&g.item) {
                    f.others.push(g.item.clone());
                }
            }
            None => firsts.push(First {
                key: g.key.clone(),
                index: i,
                item: g.item.clone(),
                others: Vec::new(),
                more: 0,
            }),
        }
    }
    for f in firsts.into_iter().filter(|f| f.more > 0) {
        let d = &mut diags[f.index];
        let what = d.group.as_ref().map(|g| g.what.clone()).unwrap_or_default();
        let shown: Vec<String> = f.others.iter().take(4).map(|n| format!("`{n}`")).collect();
        let names = match (shown.is_empty(), f.others.len() > 4) {
            (true, _) => String::new(),
            (false, false) => format!(" ({})", shown.join(", ")),
            (false, true) => format!(" ({}, ...)", shown.join(", ")),
        };
        let line = format!(
            "{} more {what} in this configuration{names}, not reported one by one",
            f.more
        );
        d.help = Some(match d.help.take() {
            Some(h) => format!("{h}; {line}"),
            None => line,
        });
    }
    let mut keep = keep.into_iter();
    diags.retain(|_| keep.next().unwrap_or(true));
}

impl Diagnostic {
    /// A diagnostic with no labels, related places or help.
    pub fn new(
        code: &'static str,
        name: &'static str,
        severity: Severity,
        file: FileId,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            name,
            severity,
            message: message.into(),
            file,
            span,
            labels: Vec::new(),
            related: Vec::new(),
            help: None,
            fix: None,
            nginx_offset: None,
            group: None,
        }
    }
    /// Adds the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }
    /// Adds a related place.
    pub fn with_related(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            file,
            span,
            message: message.into(),
        });
        self
    }
    /// Adds a secondary place: a label when it is in the primary's file, else a related place.
    pub fn with_place(self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        if file == self.file {
            self.with_label(span, message)
        } else {
            self.with_related(file, span, message)
        }
    }
    /// Adds an exact, safe fix: `replacement` for `span` of the primary file.
    pub fn with_fix(
        self,
        title: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        let edit = Edit::replace(self.file, span, replacement);
        self.with_edits(Fix::safe(title, vec![edit]))
    }
    /// Makes it one of a group of findings of one cause, reported once (see [`collapse_groups`]).
    pub fn in_group(mut self, group: Group) -> Self {
        self.group = Some(group);
        self
    }
    /// Adds a fix of any applicability, in any files (none is added when it has no edit).
    pub fn with_edits(mut self, fix: Fix) -> Self {
        if !fix.edits.is_empty() {
            self.fix = Some(fix);
        }
        self
    }
    /// Renumbers its files after their table was appended to another ([`crate::Files::append`]).
    pub fn shift_files(&mut self, offset: u32) {
        self.file.0 += offset;
        for r in &mut self.related {
            r.file.0 += offset;
        }
    }
    /// Records where nginx would report it.
    pub fn at_nginx(mut self, offset: u32) -> Self {
        self.nginx_offset = Some(offset);
        self
    }
}
