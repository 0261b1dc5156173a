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
    /// One line in ngxlint's voice: what is wrong, then php-fpm's own words where php-fpm logs
    /// some (see [`quoting`]).
    pub message: String,
    /// Index into the file table (`FpmConfig::files`); 0 for a lone `parse`.
    pub file: usize,
    /// The exact token.
    pub span: Span,
    /// Other places that explain this one: (file, span, label).
    pub related: Vec<(usize, Span, String)>,
    /// One imperative fix, when there is a concrete one.
    pub help: Option<String>,
    /// The help as exact edits, when they keep what php-fpm does or are exactly what the help
    /// says (a `#` made `;`, a misspelt key, `100ms` written as the `100s` php-fpm reads).
    pub fix: Option<Fix>,
}

/// One change of a [`Fix`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixEdit {
    /// `text` in place of `span` of file `file`.
    Replace {
        /// Index into the file table.
        file: usize,
        /// The bytes replaced.
        span: Span,
        /// The new text.
        text: String,
    },
    /// The whole line holding offset `at` of file `file` removed.
    RemoveLine {
        /// Index into the file table.
        file: usize,
        /// An offset on the line.
        at: u32,
    },
}

/// Exact edits that resolve a diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What an editor shows.
    pub title: String,
    /// The edits.
    pub edits: Vec<FixEdit>,
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
            fix: None,
        }
    }

    /// Adds exact edits.
    pub fn with_fix(mut self, title: impl Into<String>, edits: Vec<FixEdit>) -> Diagnostic {
        self.fix = Some(Fix {
            title: title.into(),
            edits,
        });
        self
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

/// How a message quotes php-fpm: `{what}: php-fpm {verb} `{words}``, with `words` exactly as
/// php-fpm logs them after the level (`ERROR: `, `WARNING: `...), so a user searching for the log
/// line finds the finding and the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Says {
    /// `php-fpm -t` and the start fail with these words.
    Refuses,
    /// `php-fpm -t` passes; the start fails with these words.
    StartFails,
    /// php-fpm starts and logs these words (a warning or a notice, at start-up or from a worker).
    Logs,
}

impl Says {
    const ALL: [Says; 3] = [Says::Refuses, Says::StartFails, Says::Logs];

    fn verb(self) -> &'static str {
        match self {
            Says::Refuses => "php-fpm refuses to start with",
            Says::StartFails => "`php-fpm -t` passes but the start fails with",
            Says::Logs => "php-fpm logs",
        }
    }
}

/// A message that quotes php-fpm: what is wrong, how php-fpm answers, and its words.
pub(crate) fn quoting(
    what: impl std::fmt::Display,
    says: Says,
    words: impl std::fmt::Display,
) -> String {
    format!("{what}: {} `{words}`", says.verb())
}

/// The php-fpm words a message quotes, and how php-fpm says them (`None` when it quotes none).
pub fn quoted(message: &str) -> Option<(Says, &str)> {
    let body = message.strip_suffix('`')?;
    Says::ALL.iter().find_map(|&says| {
        let marker = format!(": {} `", says.verb());
        let (_, words) = body.rsplit_once(&marker)?;
        Some((says, words))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_words_come_back_out() {
        let m = quoting(
            "pool [www] sets no `user`",
            Says::Refuses,
            "[pool www] user has not been defined",
        );
        assert_eq!(
            m,
            "pool [www] sets no `user`: php-fpm refuses to start with `[pool www] user has not been defined`"
        );
        assert_eq!(
            quoted(&m),
            Some((Says::Refuses, "[pool www] user has not been defined"))
        );
        let m = quoting("x", Says::StartFails, "invalid port value '0'");
        assert_eq!(
            quoted(&m),
            Some((Says::StartFails, "invalid port value '0'"))
        );
        assert_eq!(quoted("pool [www] kills requests after `10s`"), None);
    }
}
