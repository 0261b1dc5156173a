//! Codes of the checks the readers themselves make (syntax, directives, includes, files).
//! Rule codes live with the rules; every code here has its document in `rules/`.

/// `(code, name, one-line summary)`.
pub const READER_CODES: &[(&str, &str, &str)] = &[
    (
        "NGX001",
        "syntax-error",
        "nginx's tokenizer rejects the file",
    ),
    (
        "NGX002",
        "unknown-directive",
        "a directive nginx does not know",
    ),
    (
        "NGX003",
        "directive-not-allowed-here",
        "a directive used in a context that does not accept it",
    ),
    (
        "NGX004",
        "invalid-argument-count",
        "a directive with a number of arguments it does not take",
    ),
    (
        "NGX005",
        "directive-terminator",
        "a block directive ended by `;` or a simple one opening a block",
    ),
    (
        "NGX006",
        "include-failed",
        "an `include` that nginx cannot read",
    ),
    ("NGX007", "include-cycle", "files that include each other"),
    (
        "NGX008",
        "include-outside-root",
        "an `include` pointing outside the linted tree",
    ),
    ("NGX009", "unreadable-file", "a file that cannot be read"),
    (
        "NGX010",
        "invalid-suppression",
        "an `ngxlint: ignore[...]` comment without a reason or with an unknown code",
    ),
    (
        "NGX011",
        "unused-suppression",
        "a suppression that suppresses nothing",
    ),
    (
        "NGX012",
        "invalid-value",
        "a value the directive's handler refuses (`invalid value \"yes\" in \"sendfile\" directive`)",
    ),
    (
        "NGX013",
        "duplicate-directive",
        "a directive, location, upstream or name given twice where nginx allows it once",
    ),
    (
        "NGX014",
        "unknown-variable",
        "a variable nginx does not know (`unknown \"x\" variable`)",
    ),
    (
        "NGX015",
        "invalid-regex",
        "a regular expression PCRE2 does not compile",
    ),
    (
        "NGX016",
        "missing-definition",
        "a zone, log format, upstream or section that is used but not defined",
    ),
    (
        "NGX017",
        "misplaced-directive",
        "a directive or location nginx refuses where it stands",
    ),
    (
        "NGX018",
        "nginx-warning",
        "a warning nginx logs at start-up (`[warn]`), in nginx's words",
    ),
];

/// The severity a reader code is reported at: warnings for an include outside the root and for
/// nginx's own start-up warnings, errors for everything nginx refuses.
pub fn reader_severity(code: &str) -> crate::Severity {
    match code {
        "NGX008" | "NGX018" => crate::Severity::Warning,
        _ => crate::Severity::Error,
    }
}

/// True for the codes of nginx's directive handlers' checks (NGX012–NGX018): what nginx refuses
/// or warns about after a statement was read, which a parser such as crossplane does not report.
pub fn is_handler_code(code: &str) -> bool {
    matches!(
        code,
        "NGX012" | "NGX013" | "NGX014" | "NGX015" | "NGX016" | "NGX017" | "NGX018"
    )
}

/// Looks a reader code up by code or name.
pub fn reader_code(code_or_name: &str) -> Option<(&'static str, &'static str, &'static str)> {
    READER_CODES
        .iter()
        .copied()
        .find(|(c, n, _)| *c == code_or_name || *n == code_or_name)
}

/// The document of a reader code (by code or name), from `rules/`.
pub fn reader_doc(code_or_name: &str) -> Option<&'static str> {
    let (code, _, _) = READER_CODES
        .iter()
        .copied()
        .find(|(c, n, _)| c.eq_ignore_ascii_case(code_or_name) || *n == code_or_name)?;
    DOCS.iter().find(|(c, _)| *c == code).map(|(_, d)| *d)
}

const DOCS: &[(&str, &str)] = &[
    ("NGX001", include_str!("../../../rules/NGX001.md")),
    ("NGX002", include_str!("../../../rules/NGX002.md")),
    ("NGX003", include_str!("../../../rules/NGX003.md")),
    ("NGX004", include_str!("../../../rules/NGX004.md")),
    ("NGX005", include_str!("../../../rules/NGX005.md")),
    ("NGX006", include_str!("../../../rules/NGX006.md")),
    ("NGX007", include_str!("../../../rules/NGX007.md")),
    ("NGX008", include_str!("../../../rules/NGX008.md")),
    ("NGX009", include_str!("../../../rules/NGX009.md")),
    ("NGX010", include_str!("../../../rules/NGX010.md")),
    ("NGX011", include_str!("../../../rules/NGX011.md")),
    ("NGX012", include_str!("../../../rules/NGX012.md")),
    ("NGX013", include_str!("../../../rules/NGX013.md")),
    ("NGX014", include_str!("../../../rules/NGX014.md")),
    ("NGX015", include_str!("../../../rules/NGX015.md")),
    ("NGX016", include_str!("../../../rules/NGX016.md")),
    ("NGX017", include_str!("../../../rules/NGX017.md")),
    ("NGX018", include_str!("../../../rules/NGX018.md")),
];
