//! The checks the readers themselves make: the nginx reader's (syntax, directives, includes,
//! files, suppressions: `NGX001`–`NGX011`, listed here) and php-fpm's start-up checks (`FPM001`–
//! `FPM061`, listed in [`fpm_ini::codes::CODES`]). Rule codes live with the rules. Every code here
//! has its document in `rules/`, embedded so `ngxlint rule CODE` and SARIF carry it.

use crate::diagnostic::Severity;

/// One check of a reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReaderCode {
    /// Stable code, `NGX006`.
    pub code: &'static str,
    /// Stable kebab-case name, `include-failed`.
    pub name: &'static str,
    /// The severity of its diagnostics, the default `ngxlint rules` and SARIF show.
    pub severity: Severity,
    /// Other severities some of its diagnostics have; its document says when.
    pub also: &'static [Severity],
    /// One line: what it finds.
    pub summary: &'static str,
    /// Its document, `rules/CODE.md`.
    pub doc: &'static str,
}

/// The nginx reader's checks: (code, name, severity, other severities, summary).
const NGINX: &[(&str, &str, Severity, &[Severity], &str)] = &[
    (
        "NGX001",
        "syntax-error",
        Severity::Error,
        &[],
        "nginx's tokenizer rejects the file",
    ),
    (
        "NGX002",
        "unknown-directive",
        Severity::Error,
        &[Severity::Info],
        "a directive nginx does not know",
    ),
    (
        "NGX003",
        "directive-not-allowed-here",
        Severity::Error,
        &[],
        "a directive used in a context that does not accept it",
    ),
    (
        "NGX004",
        "invalid-argument-count",
        Severity::Error,
        &[],
        "a directive with a number of arguments it does not take",
    ),
    (
        "NGX005",
        "directive-terminator",
        Severity::Error,
        &[],
        "a block directive ended by `;` or a simple one opening a block",
    ),
    (
        "NGX006",
        "include-failed",
        Severity::Error,
        &[],
        "an `include` that nginx cannot read",
    ),
    (
        "NGX007",
        "include-cycle",
        Severity::Error,
        &[],
        "files that include each other",
    ),
    (
        "NGX008",
        "include-outside-root",
        Severity::Info,
        &[],
        "an `include` pointing outside the linted tree",
    ),
    (
        "NGX009",
        "unreadable-file",
        Severity::Error,
        &[Severity::Warning],
        "a file that cannot be read",
    ),
    (
        "NGX010",
        "invalid-suppression",
        Severity::Warning,
        &[],
        "an `ngxlint: ignore[...]` comment without a reason or with an unknown code",
    ),
    (
        "NGX011",
        "unused-suppression",
        Severity::Warning,
        &[],
        "a suppression that suppresses nothing",
    ),
    (
        "NGX012",
        "invalid-directive-value",
        Severity::Error,
        &[],
        "a value the directive's handler refuses (`invalid value \"yes\" in \"sendfile\" directive`)",
    ),
    (
        "NGX013",
        "duplicate-directive",
        Severity::Error,
        &[],
        "a directive, location, upstream or name given twice where nginx allows it once",
    ),
    (
        "NGX014",
        "unknown-variable",
        Severity::Error,
        &[],
        "a variable nginx does not know (`unknown \"x\" variable`)",
    ),
    (
        "NGX015",
        "invalid-regex",
        Severity::Error,
        &[],
        "a regular expression PCRE2 does not compile",
    ),
    (
        "NGX016",
        "missing-definition",
        Severity::Error,
        &[],
        "a zone, log format, upstream or section that is used but not defined",
    ),
    (
        "NGX017",
        "misplaced-directive",
        Severity::Error,
        &[],
        "a directive or location nginx refuses where it stands",
    ),
    (
        "NGX018",
        "nginx-warning",
        Severity::Warning,
        &[],
        "a warning nginx logs at start-up (`[warn]`), in nginx's words",
    ),
];

/// True for the codes of nginx's directive handlers' checks (NGX012–NGX018): what nginx refuses
/// or warns about after a statement was read, which a parser such as crossplane does not report.
pub fn is_handler_code(code: &str) -> bool {
    matches!(
        code,
        "NGX012" | "NGX013" | "NGX014" | "NGX015" | "NGX016" | "NGX017" | "NGX018"
    )
}

/// `rules/CODE.md` of every reader code.
macro_rules! docs {
    ($($code:literal)*) => {
        &[$(($code, include_str!(concat!("../../../rules/", $code, ".md")))),*]
    };
}

const DOCS: &[(&str, &str)] = docs![
    "NGX001" "NGX002" "NGX003" "NGX004" "NGX005" "NGX006" "NGX007" "NGX008" "NGX009" "NGX010"
    "NGX011" "NGX012" "NGX013" "NGX014" "NGX015" "NGX016" "NGX017" "NGX018"
    "FPM001" "FPM002" "FPM003" "FPM004" "FPM005" "FPM006" "FPM007" "FPM008" "FPM009" "FPM010"
    "FPM011" "FPM012" "FPM013" "FPM014" "FPM015"
    "FPM020" "FPM021" "FPM022" "FPM023"
    "FPM030" "FPM031" "FPM032" "FPM033" "FPM034" "FPM035" "FPM036" "FPM037" "FPM038" "FPM039"
    "FPM040" "FPM041" "FPM042" "FPM043" "FPM044" "FPM045" "FPM046" "FPM047" "FPM048" "FPM049"
    "FPM050" "FPM051" "FPM052" "FPM053" "FPM054" "FPM055" "FPM056" "FPM057" "FPM058" "FPM059"
    "FPM060" "FPM061"
];

fn doc(code: &str) -> &'static str {
    // A code without a document fails the `rule_docs` test; the empty text never ships.
    DOCS.iter().find(|(c, _)| *c == code).map_or("", |(_, d)| d)
}

fn fpm_severity(s: fpm_ini::Severity) -> Severity {
    match s {
        fpm_ini::Severity::Error => Severity::Error,
        fpm_ini::Severity::Warning => Severity::Warning,
        fpm_ini::Severity::Info => Severity::Info,
    }
}

/// Every reader code: the nginx reader's, then php-fpm's.
pub fn reader_codes() -> &'static [ReaderCode] {
    static ALL: std::sync::OnceLock<Vec<ReaderCode>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let nginx = NGINX
            .iter()
            .map(|&(code, name, severity, also, summary)| ReaderCode {
                code,
                name,
                severity,
                also,
                summary,
                doc: doc(code),
            });
        let fpm = fpm_ini::codes::CODES.iter().map(|c| {
            // Built once per process: the table lives as long as the program.
            let also: &'static [Severity] =
                Box::leak(c.also.iter().map(|&s| fpm_severity(s)).collect());
            ReaderCode {
                code: c.code,
                name: c.name,
                severity: fpm_severity(c.severity),
                also,
                summary: c.summary,
                doc: doc(c.code),
            }
        });
        nginx.chain(fpm).collect()
    })
}

/// A reader code by code (any case) or name.
pub fn reader_code(code_or_name: &str) -> Option<&'static ReaderCode> {
    reader_codes()
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code_or_name) || c.name == code_or_name)
}

/// The document of a reader code (by code or name), from `rules/`.
pub fn reader_doc(code_or_name: &str) -> Option<&'static str> {
    reader_code(code_or_name).map(|c| c.doc)
}

/// The same check of a reader in other tools, `tool:id` (`ngxlint rules --format json` lists them).
pub fn reader_aliases(code: &str) -> &'static [&'static str] {
    match code {
        "NGX001" => &[
            "nginx-lint:unmatched-braces",
            "nginx-lint:unclosed-quote",
            "nginx-lint:missing-semicolon",
        ],
        "NGX003" => &["nginx-lint:invalid-directive-context"],
        "NGX006" => &["nginx-lint:include-path-exists"],
        "NGX010" => &["nginx-lint:invalid-nginx-lint-ignore"],
        "NGX018" => &[
            "nginx-lint:listen-http2-deprecated",
            "nginx-lint:ssl-on-deprecated",
        ],
        _ => &[],
    }
}
