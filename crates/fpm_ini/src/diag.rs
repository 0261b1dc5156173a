//! Diagnostics: what php-fpm would say, where it applies.

use crate::span::Span;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// php-fpm -t (or the start) fails.
    Error,
    /// php-fpm accepts it but it does not do what it says.
    Warning,
    /// A notice: php-fpm fills in or ignores something.
    Info,
}

/// One finding, located at the offending token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, `FPM0NN` (see the crate docs).
    pub code: &'static str,
    /// Error, warning or notice.
    pub severity: Severity,
    /// One line: php-fpm's own words for php-fpm's checks.
    pub message: String,
    /// Index into the file table (`FpmConfig::files`); 0 for a lone `parse`.
    pub file: usize,
    /// The exact token.
    pub span: Span,
    /// Other places that explain this one: (file, span, label).
    pub related: Vec<(usize, Span, String)>,
    /// One imperative fix, when there is a concrete one.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with no related locations and no help.
    pub fn new(
        code: &'static str,
        severity: Severity,
        message: impl Into<String>,
        file: usize,
        span: Span,
    ) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            file,
            span,
            related: Vec::new(),
            help: None,
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds a related location.
    pub fn with_related(mut self, file: usize, span: Span, label: impl Into<String>) -> Diagnostic {
        self.related.push((file, span, label.into()));
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
