//! The PHP INI grammar exactly as php-fpm feeds it: one physical line at a time.
//!
//! php-fpm (`fpm_conf_load_ini_file()`) reads a line, appends `\n` and hands it to
//! `zend_parse_ini_string(…, ZEND_INI_SCANNER_NORMAL)`. So nothing spans lines (an unterminated
//! quote is an error), a NUL byte ends the line, and a lone `\r` starts a new statement inside the
//! same line. The scanner below follows `Zend/zend_ini_scanner.l` rule by rule: longest match
//! wins, ties go to the earlier rule (the comments name the rules); the parser follows
//! `Zend/zend_ini_parser.y` and words its errors as bison does.

use std::collections::BTreeMap;

use crate::codes;
use crate::diag::{quoting, Diagnostic, Says, Severity};
use crate::span::Span;

/// A PHP version, major.minor (the reader's behaviour changes at 8.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhpVersion {
    /// Major version.
    pub major: u8,
    /// Minor version.
    pub minor: u8,
}

impl PhpVersion {
    /// PHP 8.2 (Debian 12), the default target.
    pub const V8_2: PhpVersion = PhpVersion { major: 8, minor: 2 };
    /// PHP 8.3: `${VAR:-default}` and the socket path length check.
    pub const V8_3: PhpVersion = PhpVersion { major: 8, minor: 3 };

    /// Whether `${VAR:-default}` works (PHP >= 8.3).
    pub fn has_ini_fallback(self) -> bool {
        self >= PhpVersion::V8_3
    }
}

impl Default for PhpVersion {
    fn default() -> Self {
        PhpVersion::V8_2
    }
}

impl std::fmt::Display for PhpVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// What the reader needs to know to evaluate values.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// The php-fpm version the file is for.
    pub php_version: PhpVersion,
    /// The environment php-fpm will start with, when known; `None` = unknown at lint time.
    pub env: Option<BTreeMap<String, String>>,
}

/// Which configuration format a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The INI format of php-fpm >= 5.3.
    Ini,
    /// The XML format of php-fpm 5.2 (`<?xml` / `<configuration>`); no items are read from it.
    LegacyXml,
}

/// One file as read: its items in order and the syntax diagnostics.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// INI or the legacy XML format.
    pub format: Format,
    /// Section headers and entries, in file order.
    pub items: Vec<Item>,
    /// Syntax and value diagnostics (file index 0; the loader renumbers them).
    pub diagnostics: Vec<Diagnostic>,
}

/// A section header or an entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `[name]`.
    Section(SectionHeader),
    /// `key = value`, `key[index] = value`, or a bare `key`.
    Entry(Entry),
}

/// `[name]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionHeader {
    /// The name exactly as php-fpm keeps it (`[ www ]` is the pool ` www `).
    pub name: String,
    /// The name between the brackets.
    pub name_span: Span,
    /// From `[` to `]`.
    pub span: Span,
    /// 1-based line.
    pub line: u32,
}

/// `key = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as written, whitespace trimmed (`php_value` for `php_value[x]`).
    pub key: String,
    /// The key token.
    pub key_span: Span,
    /// The `[index]` part of an array entry.
    pub index: Option<ArrayIndex>,
    /// The value; `None` for a line with no `=` (php-fpm: `value is NULL`).
    pub value: Option<Value>,
    /// 1-based line.
    pub line: u32,
}

/// The `[index]` of `php_value[index] = …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayIndex {
    /// The index as php-fpm keeps it (leading blanks dropped, trailing ones kept).
    pub key: String,
    /// The bytes between the brackets.
    pub span: Span,
}

/// An evaluated value.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// What php-fpm receives after quoting, `${VAR}`, constants and operators.
    pub text: String,
    /// From the first to the last byte of the value (quotes included, comment excluded).
    pub span: Span,
    /// Whether any part was quoted.
    pub quoted: bool,
    /// `Some(b)` when the value was a bare boolean word (`on`, `no`, `null`…).
    pub bool_word: Option<bool>,
    /// Whether operators (`| & ^ ~ ! ( )`) were evaluated.
    pub computed: bool,
    /// `${VAR}` references.
    pub vars: Vec<VarRef>,
    /// Names replaced by the value of a PHP constant (`E_ALL` → `32767`).
    pub constants: Vec<(String, Span)>,
}

/// One `${VAR}` (or `${VAR:-default}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    /// The variable name (without the fallback part).
    pub name: String,
    /// The `:-default` text, as written.
    pub default: Option<String>,
    /// From `${` to `}`.
    pub span: Span,
    /// The value used, when the environment was given; `None` = unknown at lint time.
    pub resolved: Option<String>,
    /// The fallback syntax was used on a PHP version that does not support it.
    pub fallback_unsupported: bool,
}

/// Reads one FPM file with default options (PHP 8.2, environment unknown).
pub fn parse(bytes: &[u8]) -> ParsedFile {
    parse_with(bytes, &ParseOptions::default())
}

/// Reads one FPM file.
pub fn parse_with(bytes: &[u8], opts: &ParseOptions) -> ParsedFile {
    let mut out = ParsedFile {
        format: Format::Ini,
        items: Vec::new(),
        diagnostics: Vec::new(),
    };
    if let Some(span) = legacy_xml_start(bytes) {
        out.format = Format::LegacyXml;
        out.diagnostics.push(
            Diagnostic::new(
                codes::LEGACY_XML,
                Severity::Error,
                "the XML configuration format of PHP 5.2: php-fpm 5.3 and later read only the INI format",
                0,
                span,
            )
            .with_help("rewrite it in the INI format: `[global]`, one `[pool]` section, `key = value` lines"),
        );
        return out;
    }
    let mut start = 0usize;
    let mut line_no = 0u32;
    while start <= bytes.len() {
        let end = memchr_nl(bytes, start);
        line_no = line_no.saturating_add(1);
        let line = &bytes[start..end];
        if !line.is_empty() {
            // php-fpm passes the line as a C string: a NUL ends it, and the `\n` it appended is lost.
            let (content, newline) = match line.iter().position(|&b| b == 0) {
                Some(nul) => (&line[..nul], false),
                None => (line, true),
            };
            let mut buf = content.to_vec();
            if newline {
                buf.push(b'\n');
            }
            let mut p = LineParser {
                lx: Lexer::new(&buf, start, content.len()),
                opts,
                line: line_no,
                out: &mut out,
                peeked: None,
            };
            p.run();
        }
        if end >= bytes.len() {
            break;
        }
        start = end + 1;
    }
    out
}

fn memchr_nl(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

/// Where the legacy XML format announces itself, if it does.
fn legacy_xml_start(bytes: &[u8]) -> Option<Span> {
    let mut i = 0;
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        i = 3;
    }
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    let rest = &bytes[i..];
    for tag in [&b"<?xml"[..], &b"<configuration"[..]] {
        if rest.len() >= tag.len() && rest[..tag.len()].eq_ignore_ascii_case(tag) {
            return Some(Span::new(i, i + tag.len()));
        }
    }
    None
}

// ---------------------------------------------------------------- scanner

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Initial,
    Value,
    SectionValue,
    Offset,
    DoubleQuotes,
    VarName,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum K {
    Section,
    Label,
    Offset,
    Eq,
    RBracket,
    Eol,
    BoolTrue,
    BoolFalse,
    Null,
    Constant,
    Number,
    Str,
    Raw,
    Whitespace,
    Quoted,
    DollarCurly,
    VarName,
    RBrace,
    Quote,
    Op(u8),
    Char(u8),
    Eof,
}

impl K {
    /// The token's name in bison's messages.
    fn bison_name(self) -> String {
        match self {
            K::Section => "TC_SECTION".into(),
            K::Label => "TC_LABEL".into(),
            K::Offset => "TC_OFFSET".into(),
            K::Eq => "'='".into(),
            K::RBracket => "']'".into(),
            K::Eol => "END_OF_LINE".into(),
            K::BoolTrue => "BOOL_TRUE".into(),
            K::BoolFalse => "BOOL_FALSE".into(),
            K::Null => "NULL_NULL".into(),
            K::Constant => "TC_CONSTANT".into(),
            K::Number => "TC_NUMBER".into(),
            K::Str => "TC_STRING".into(),
            K::Raw => "TC_RAW".into(),
            K::Whitespace => "TC_WHITESPACE".into(),
            K::Quoted => "TC_QUOTED_STRING".into(),
            K::DollarCurly => "TC_DOLLAR_CURLY".into(),
            K::VarName => "TC_VARNAME".into(),
            K::RBrace => "'}'".into(),
            K::Quote => "'\"'".into(),
            K::Op(c) | K::Char(c) => format!("'{}'", char::from(c)),
            K::Eof => "end of file".into(),
        }
    }
}

#[derive(Debug, Clone)]
struct Tok {
    kind: K,
    /// Byte offsets in the line buffer; `end` excludes blanks a rule eats after the token.
    start: usize,
    end: usize,
    text: Vec<u8>,
}

struct Lexer<'a> {
    buf: &'a [u8],
    pos: usize,
    state: St,
    stack: Vec<St>,
    /// File offset of the line's first byte.
    base: usize,
    /// Length of the real line (the buffer may have a synthetic `\n`).
    line_len: usize,
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_label_char(b: u8) -> bool {
    !matches!(
        b,
        b'=' | b'\n'
            | b'\r'
            | b'\t'
            | b';'
            | b'&'
            | b'|'
            | b'^'
            | b'$'
            | b'~'
            | b'('
            | b')'
            | b'{'
            | b'}'
            | b'!'
            | b'"'
            | b'['
            | b']'
            | 0
    )
}

const TOKENS: &[u8] = b":,.[]\"'()&|^+-/*=%$!~<>?@{}";
const OPERATORS: &[u8] = b"&|^~()!";

impl<'a> Lexer<'a> {
    fn new(buf: &'a [u8], base: usize, line_len: usize) -> Lexer<'a> {
        Lexer {
            buf,
            pos: 0,
            state: St::Initial,
            stack: Vec::new(),
            base,
            line_len,
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(
            self.base + start.min(self.line_len),
            self.base + end.min(self.line_len),
        )
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.buf.get(i).copied()
    }

    fn blanks(&self, i: usize) -> usize {
        self.buf[i.min(self.buf.len())..]
            .iter()
            .take_while(|&&b| is_blank(b))
            .count()
    }

    fn newline_len(&self, i: usize) -> usize {
        match (self.at(i), self.at(i + 1)) {
            (Some(b'\r'), Some(b'\n')) => 2,
            (Some(b'\r'), _) | (Some(b'\n'), _) => 1,
            _ => 0,
        }
    }

    fn label_len(&self, i: usize) -> usize {
        self.buf[i..]
            .iter()
            .take_while(|&&b| is_label_char(b))
            .count()
    }

    /// `("true"|"on"|"yes"){TABS_AND_SPACES}*` and friends, case-insensitive.
    fn bool_word(&self, i: usize) -> Option<(usize, K)> {
        let rest = &self.buf[i..];
        let words: [(&[u8], K); 8] = [
            (b"true", K::BoolTrue),
            (b"yes", K::BoolTrue),
            (b"on", K::BoolTrue),
            (b"false", K::BoolFalse),
            (b"none", K::BoolFalse),
            (b"off", K::BoolFalse),
            (b"no", K::BoolFalse),
            (b"null", K::Null),
        ];
        let mut best: Option<(usize, K)> = None;
        for (w, k) in words {
            if rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w) {
                let len = w.len() + self.blanks(i + w.len());
                if best.is_none_or(|(l, _)| len > l) {
                    best = Some((len, k));
                }
            }
        }
        best
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`.
    fn constant_len(&self, i: usize) -> usize {
        match self.at(i) {
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
                1 + self.buf[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count()
            }
            _ => 0,
        }
    }

    /// `[-]?{LNUM}|{DNUM}`.
    fn number_len(&self, i: usize) -> usize {
        let digits = |j: usize| {
            self.buf[j.min(self.buf.len())..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let mut best = 0;
        let neg = usize::from(self.at(i) == Some(b'-'));
        let d = digits(i + neg);
        if d > 0 {
            best = neg + d;
        }
        let lead = digits(i);
        if self.at(i + lead) == Some(b'.') {
            let frac = digits(i + lead + 1);
            if frac > 0 || lead > 0 {
                best = best.max(lead + 1 + frac);
            }
        }
        best
    }

    /// `{VALUE_CHARS}+`, where `$` takes the next byte unless it is `{` (LITERAL_DOLLAR).
    fn value_chars_len(&self, i: usize) -> usize {
        let mut j = i;
        while let Some(b) = self.at(j) {
            if b == b'$' {
                match self.at(j + 1) {
                    Some(b'\\') if self.at(j + 2).is_some() => j += 3,
                    Some(n) if n != b'{' && n != 0 => j += 2,
                    _ => break,
                }
            } else if matches!(
                b,
                b'=' | b' '
                    | b'\t'
                    | b'\n'
                    | b'\r'
                    | b';'
                    | b'&'
                    | b'|'
                    | b'^'
                    | b'~'
                    | b'('
                    | b')'
                    | b'!'
                    | b'"'
                    | b'\''
                    | 0
            ) {
                break;
            } else {
                j += 1;
            }
        }
        j - i
    }

    /// `{SECTION_VALUE_CHARS}+`.
    fn section_chars_len(&self, i: usize) -> usize {
        let mut j = i;
        while let Some(b) = self.at(j) {
            match b {
                b'\\' if self.at(j + 1).is_some() => j += 2,
                b'$' => match self.at(j + 1) {
                    Some(b'\\') if self.at(j + 2).is_some() => j += 3,
                    Some(n) if n != b'{' && n != 0 => j += 2,
                    _ => break,
                },
                b'\n' | b'\r' | b';' | b'"' | b'\'' | b']' | b'\\' => break,
                _ => j += 1,
            }
        }
        j - i
    }

    /// `'…'` (at least one byte inside).
    fn raw_len(&self, i: usize) -> usize {
        if self.at(i) != Some(b'\'') {
            return 0;
        }
        match self.buf[i + 1..].iter().position(|&b| b == b'\'') {
            Some(p) if p > 0 => p + 2,
            _ => 0,
        }
    }

    fn tok(&mut self, kind: K, start: usize, len: usize, core: usize, text: Vec<u8>) -> Tok {
        self.pos = start + len;
        Tok {
            kind,
            start,
            end: start + core,
            text,
        }
    }

    fn push(&mut self, st: St) {
        self.stack.push(self.state);
        self.state = st;
    }

    fn pop(&mut self) {
        self.state = self.stack.pop().unwrap_or(St::Initial);
    }

    fn next(&mut self) -> Tok {
        loop {
            let i = self.pos;
            if i >= self.buf.len() {
                // <ST_VALUE><<EOF>> ends the value; elsewhere the input just ends.
                if self.state == St::Value {
                    self.state = St::Initial;
                    return Tok {
                        kind: K::Eol,
                        start: i,
                        end: i,
                        text: Vec::new(),
                    };
                }
                return Tok {
                    kind: K::Eof,
                    start: i,
                    end: i,
                    text: Vec::new(),
                };
            }
            let t = match self.state {
                St::Initial => self.lex_initial(i),
                St::Value => self.lex_value(i),
                St::SectionValue | St::Offset => self.lex_section_or_offset(i),
                St::DoubleQuotes => Some(self.lex_double_quotes(i)),
                St::VarName => Some(self.lex_varname(i)),
            };
            if let Some(t) = t {
                return t;
            }
        }
    }

    /// Picks the longest candidate; ties go to the lower rule number (the earlier rule in the .l file).
    fn pick(cands: &[(usize, u8, u8)]) -> Option<(usize, u8)> {
        let mut best: Option<(usize, u8, u8)> = None;
        for &c in cands {
            if c.0 == 0 {
                continue;
            }
            best = match best {
                None => Some(c),
                Some(b) if c.0 > b.0 || (c.0 == b.0 && c.1 < b.1) => Some(c),
                keep => keep,
            };
        }
        best.map(|b| (b.0, b.2))
    }

    fn eof_tok(&mut self, i: usize) -> Tok {
        // `<*>[^] { return 0; }`: the parser sees the end of input here.
        self.pos = self.buf.len();
        Tok {
            kind: K::Eof,
            start: i,
            end: i,
            text: Vec::new(),
        }
    }

    fn comment_len(&self, i: usize) -> usize {
        let s = self.blanks(i);
        if self.at(i + s) != Some(b';') {
            return 0;
        }
        let mut j = i + s + 1;
        while let Some(b) = self.at(j) {
            if b == b'\r' || b == b'\n' {
                break;
            }
            j += 1;
        }
        j + self.newline_len(j) - i
    }

    fn lex_initial(&mut self, i: usize) -> Option<Tok> {
        const SECTION: u8 = 1;
        const OFFSET: u8 = 2;
        const BOOL: u8 = 3;
        const LABEL: u8 = 4;
        const EQ: u8 = 5;
        const TOKEN: u8 = 6;
        const SKIP: u8 = 7;
        const EOL: u8 = 8;
        let c = self.buf[i];
        let ll = self.label_len(i);
        let offset_len = if ll > 0 && self.at(i + ll) == Some(b'[') {
            ll + 1 + self.blanks(i + ll + 1)
        } else {
            0
        };
        let bool_len = self.bool_word(i).map_or(0, |(l, _)| l);
        let s = self.blanks(i);
        let eq_len = if self.at(i + s) == Some(b'=') {
            s + 1 + self.blanks(i + s + 1)
        } else {
            0
        };
        let token_len = usize::from(TOKENS.contains(&c));
        let nl = self.newline_len(i + s);
        let eol_len = if nl > 0 { s + nl } else { 0 };
        let comment_len = self.comment_len(i);
        let cands = [
            (usize::from(c == b'['), 1, SECTION),
            (offset_len, 4, OFFSET),
            (bool_len, 9, BOOL),
            (ll, 12, LABEL),
            (eq_len, 13, EQ),
            (token_len, 19, TOKEN),
            (s, 28, SKIP),
            (eol_len, 29, EOL),
            (comment_len, 30, EOL),
        ];
        let Some((len, what)) = Self::pick(&cands) else {
            return Some(self.eof_tok(i));
        };
        Some(match what {
            SECTION => {
                let t = self.tok(K::Section, i, 1, 1, Vec::new());
                self.state = St::SectionValue;
                t
            }
            OFFSET => {
                let (a, b) = trim_blanks(self.buf, i, i + ll);
                let t = Tok {
                    kind: K::Offset,
                    start: a,
                    end: b,
                    text: self.buf[a..b].to_vec(),
                };
                self.pos = i + len;
                self.state = St::Offset;
                t
            }
            BOOL => {
                let kind = self.bool_word(i).map_or(K::BoolTrue, |(_, k)| k);
                let core = len - trailing_blanks(&self.buf[i..i + len]);
                self.tok(kind, i, len, core, Vec::new())
            }
            LABEL => {
                let (a, b) = trim_blanks(self.buf, i, i + len);
                self.pos = i + len;
                Tok {
                    kind: K::Label,
                    start: a,
                    end: b,
                    text: self.buf[a..b].to_vec(),
                }
            }
            EQ => {
                let t = self.tok(K::Eq, i + s, len - s, 1, Vec::new());
                self.pos = i + len;
                self.state = St::Value;
                t
            }
            TOKEN => self.tok(K::Char(c), i, 1, 1, Vec::new()),
            SKIP => {
                self.pos = i + len;
                return None;
            }
            _ => self.tok(K::Eol, i, len, 0, Vec::new()),
        })
    }

    fn lex_value(&mut self, i: usize) -> Option<Tok> {
        const RAW: u8 = 1;
        const DOLLAR: u8 = 2;
        const BOOL: u8 = 3;
        const EOL: u8 = 4;
        const CONSTANT: u8 = 5;
        const NUMBER: u8 = 6;
        const OP: u8 = 7;
        const EQ: u8 = 8;
        const STR: u8 = 9;
        const QUOTE: u8 = 10;
        const WS: u8 = 11;
        let c = self.buf[i];
        let s = self.blanks(i);
        let nl = self.newline_len(i + s);
        let op_len = if OPERATORS.contains(&c) {
            1 + self.blanks(i + 1)
        } else {
            0
        };
        let quote_len = if self.at(i + s) == Some(b'"') {
            s + 1
        } else {
            0
        };
        let cands = [
            (self.raw_len(i), 2, RAW),
            (
                if self.buf[i..].starts_with(b"${") {
                    2
                } else {
                    0
                },
                6,
                DOLLAR,
            ),
            (self.bool_word(i).map_or(0, |(l, _)| l), 9, BOOL),
            (if nl > 0 { s + nl } else { 0 }, 16, EOL),
            (self.constant_len(i), 17, CONSTANT),
            (self.number_len(i), 18, NUMBER),
            (op_len, 20, OP),
            (usize::from(c == b'='), 21, EQ),
            (self.value_chars_len(i), 22, STR),
            (quote_len, 24, QUOTE),
            (s, 27, WS),
            (self.comment_len(i), 30, EOL),
        ];
        let Some((len, what)) = Self::pick(&cands) else {
            return Some(self.eof_tok(i));
        };
        Some(match what {
            RAW => {
                let text = self.buf[i + 1..i + len - 1].to_vec();
                self.tok(K::Raw, i, len, len, text)
            }
            DOLLAR => {
                let t = self.tok(K::DollarCurly, i, 2, 2, Vec::new());
                self.push(St::VarName);
                t
            }
            BOOL => {
                let kind = self.bool_word(i).map_or(K::BoolTrue, |(_, k)| k);
                let core = len - trailing_blanks(&self.buf[i..i + len]);
                self.tok(kind, i, len, core, Vec::new())
            }
            EOL => {
                self.state = St::Initial;
                self.tok(K::Eol, i, len, 0, Vec::new())
            }
            CONSTANT | NUMBER | STR | WS => {
                let kind = match what {
                    CONSTANT => K::Constant,
                    NUMBER => K::Number,
                    STR => K::Str,
                    _ => K::Whitespace,
                };
                let text = self.buf[i..i + len].to_vec();
                self.tok(kind, i, len, len, text)
            }
            OP => self.tok(K::Op(c), i, len, 1, Vec::new()),
            EQ => {
                // `<ST_VALUE>[=]`: yyless(0), back to INITIAL, END_OF_LINE; the `=` is read again.
                self.state = St::Initial;
                Tok {
                    kind: K::Eol,
                    start: i,
                    end: i,
                    text: Vec::new(),
                }
            }
            QUOTE => {
                let t = self.tok(K::Quote, i + s, 1, 1, Vec::new());
                self.pos = i + len;
                self.push(St::DoubleQuotes);
                t
            }
            _ => {
                self.state = St::Initial;
                self.tok(K::Eol, i, len, 0, Vec::new())
            }
        })
    }

    fn lex_section_or_offset(&mut self, i: usize) -> Option<Tok> {
        const RAW: u8 = 1;
        const END: u8 = 2;
        const DOLLAR: u8 = 3;
        const CONSTANT: u8 = 4;
        const NUMBER: u8 = 5;
        const STR: u8 = 6;
        const QUOTE: u8 = 7;
        const WS: u8 = 8;
        let s = self.blanks(i);
        let end_len = if self.state == St::SectionValue {
            if self.at(i) == Some(b']') {
                let b = self.blanks(i + 1);
                1 + b + self.newline_len(i + 1 + b)
            } else {
                0
            }
        } else if self.at(i + s) == Some(b']') {
            s + 1
        } else {
            0
        };
        let quote_len = if self.at(i + s) == Some(b'"') {
            s + 1
        } else {
            0
        };
        let cands = [
            (self.raw_len(i), 2, RAW),
            (
                end_len,
                if self.state == St::SectionValue { 3 } else { 5 },
                END,
            ),
            (
                if self.buf[i..].starts_with(b"${") {
                    2
                } else {
                    0
                },
                6,
                DOLLAR,
            ),
            (self.constant_len(i), 17, CONSTANT),
            (self.number_len(i), 18, NUMBER),
            (self.section_chars_len(i), 23, STR),
            (quote_len, 24, QUOTE),
            (s, 27, WS),
        ];
        let Some((len, what)) = Self::pick(&cands) else {
            return Some(self.eof_tok(i));
        };
        Some(match what {
            RAW => {
                let text = self.buf[i + 1..i + len - 1].to_vec();
                self.tok(K::Raw, i, len, len, text)
            }
            END => {
                let at = if self.state == St::SectionValue {
                    i
                } else {
                    i + s
                };
                self.state = St::Initial;
                let t = self.tok(K::RBracket, at, 1, 1, Vec::new());
                self.pos = i + len;
                t
            }
            DOLLAR => {
                let t = self.tok(K::DollarCurly, i, 2, 2, Vec::new());
                self.push(St::VarName);
                t
            }
            QUOTE => {
                let t = self.tok(K::Quote, i + s, 1, 1, Vec::new());
                self.pos = i + len;
                self.push(St::DoubleQuotes);
                t
            }
            _ => {
                let kind = match what {
                    CONSTANT => K::Constant,
                    NUMBER => K::Number,
                    STR => K::Str,
                    _ => K::Whitespace,
                };
                let text = self.buf[i..i + len].to_vec();
                self.tok(kind, i, len, len, text)
            }
        })
    }

    fn lex_double_quotes(&mut self, i: usize) -> Tok {
        if self.buf[i] == b'"' {
            let len = 1 + self.blanks(i + 1);
            let t = self.tok(K::Quote, i, len, 1, Vec::new());
            self.pop();
            return t;
        }
        if self.buf[i..].starts_with(b"${") {
            let t = self.tok(K::DollarCurly, i, 2, 2, Vec::new());
            self.push(St::VarName);
            return t;
        }
        // The string runs to the next `"` or `${`; `\"` does not end it, except the Windows-path
        // case `"C:\dir\"` where `\"` is followed by the end of the line.
        let mut j = i;
        while j < self.buf.len() {
            match self.buf[j] {
                b'"' => break,
                b'$' if self.at(j + 1) == Some(b'{') => break,
                b'\\' if j + 1 < self.buf.len() => {
                    let escaped = self.buf[j + 1];
                    if escaped == b'"' && matches!(self.at(j + 2), None | Some(b'\n') | Some(b'\r'))
                    {
                        j += 1;
                        break;
                    }
                    j += 2;
                }
                _ => j += 1,
            }
        }
        let text = unescape_double_quoted(&self.buf[i..j]);
        self.tok(K::Quoted, i, j - i, j - i, text)
    }

    fn lex_varname(&mut self, i: usize) -> Tok {
        if self.buf[i] == b'}' {
            let t = self.tok(K::RBrace, i, 1, 1, Vec::new());
            self.pop();
            return t;
        }
        let ll = self.label_len(i);
        if ll == 0 {
            return self.eof_tok(i);
        }
        let (a, b) = trim_blanks(self.buf, i, i + ll);
        self.pos = i + ll;
        Tok {
            kind: K::VarName,
            start: a,
            end: b,
            text: self.buf[a..b].to_vec(),
        }
    }
}

fn trailing_blanks(s: &[u8]) -> usize {
    s.iter().rev().take_while(|&&b| is_blank(b)).count()
}

/// EAT_LEADING_WHITESPACE / EAT_TRAILING_WHITESPACE on `buf[a..b]`.
fn trim_blanks(buf: &[u8], mut a: usize, mut b: usize) -> (usize, usize) {
    while a < b && matches!(buf[a], b' ' | b'\t' | b'\n' | b'\r') {
        a += 1;
    }
    while b > a && matches!(buf[b - 1], b' ' | b'\t' | b'\n' | b'\r') {
        b -= 1;
    }
    (a, b)
}

/// `zend_ini_escape_string(…, '"')`: only `\"`, `\\` and `\$` are escapes.
fn unescape_double_quoted(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' {
            match s.get(i + 1) {
                None => out.push(b'\\'),
                Some(&c @ (b'"' | b'\\' | b'$')) => {
                    out.push(c);
                    i += 1;
                }
                Some(&c) => {
                    out.push(b'\\');
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(s[i]);
        }
        i += 1;
    }
    out
}

/// The value of a PHP constant php-fpm's INI reader would substitute (a Debian php8.x build).
pub fn php_constant(name: &str, version: PhpVersion) -> Option<String> {
    let v = match name {
        "E_ERROR" => "1",
        "E_WARNING" => "2",
        "E_PARSE" => "4",
        "E_NOTICE" => "8",
        "E_CORE_ERROR" => "16",
        "E_CORE_WARNING" => "32",
        "E_COMPILE_ERROR" => "64",
        "E_COMPILE_WARNING" => "128",
        "E_USER_ERROR" => "256",
        "E_USER_WARNING" => "512",
        "E_USER_NOTICE" => "1024",
        "E_STRICT" => "2048",
        "E_RECOVERABLE_ERROR" => "4096",
        "E_DEPRECATED" => "8192",
        "E_USER_DEPRECATED" => "16384",
        "E_ALL" => "32767",
        "PHP_OS" | "PHP_OS_FAMILY" => "Linux",
        "PHP_EOL" => "\n",
        "PHP_INT_MAX" => "9223372036854775807",
        "PHP_INT_MIN" => "-9223372036854775808",
        "PHP_INT_SIZE" => "8",
        "PHP_MAJOR_VERSION" => return Some(version.major.to_string()),
        "PHP_MINOR_VERSION" => return Some(version.minor.to_string()),
        "PHP_DEBUG" | "PHP_ZTS" => "0",
        "PHP_MAXPATHLEN" => "4096",
        "DIRECTORY_SEPARATOR" => "/",
        "PATH_SEPARATOR" => ":",
        "PHP_SHLIB_SUFFIX" => "so",
        "PHP_PREFIX" => "/usr",
        "PHP_BINDIR" => "/usr/bin",
        "DEFAULT_INCLUDE_PATH" => ".:/usr/share/php",
        _ => return None,
    };
    Some(v.to_string())
}

// ---------------------------------------------------------------- parser

/// A partly built value.
#[derive(Default)]
struct Ev {
    text: Vec<u8>,
    start: Option<usize>,
    end: usize,
    quoted: bool,
    computed: bool,
    vars: Vec<VarRef>,
    constants: Vec<(String, Span)>,
}

impl Ev {
    fn cover(&mut self, start: usize, end: usize) {
        if self.start.is_none() {
            self.start = Some(start);
        }
        self.end = self.end.max(end);
    }

    fn absorb(&mut self, other: Ev) {
        if let Some(s) = other.start {
            self.cover(s, other.end);
        }
        self.quoted |= other.quoted;
        self.computed |= other.computed;
        self.vars.extend(other.vars);
        self.constants.extend(other.constants);
    }

    fn int(&self) -> i32 {
        atoi(&self.text)
    }
}

/// C `atoi` as glibc does it (`(int) strtol(s, NULL, 10)`).
pub(crate) fn atoi(s: &[u8]) -> i32 {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut v: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add(i64::from(s[i] - b'0'));
        i += 1;
    }
    if neg {
        v = -v;
    }
    // truncation to int is what the C code does with strtol's long
    v as i32
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Value,
    Section,
    Offset,
}

struct LineParser<'a, 'b> {
    lx: Lexer<'a>,
    opts: &'b ParseOptions,
    line: u32,
    out: &'b mut ParsedFile,
    peeked: Option<Tok>,
}

/// The parser stopped at a syntax error (already reported).
struct Stop;

impl LineParser<'_, '_> {
    fn next(&mut self) -> Tok {
        match self.peeked.take() {
            Some(t) => t,
            None => self.lx.next(),
        }
    }

    fn peek(&mut self) -> &Tok {
        let lx = &mut self.lx;
        self.peeked.get_or_insert_with(|| lx.next())
    }

    fn span(&self, start: usize, end: usize) -> Span {
        self.lx.span(start, end)
    }

    fn syntax_error(&mut self, t: &Tok, expecting: Option<&str>) -> Stop {
        let mut words = format!("syntax error, unexpected {}", t.kind.bison_name());
        if let Some(e) = expecting {
            words.push_str(", expecting ");
            words.push_str(e);
        }
        let msg = quoting("invalid INI syntax", Says::Refuses, words);
        let span = if t.end > t.start {
            self.span(t.start, t.end)
        } else {
            // end of line / end of file: point at the last byte of the line
            let at = self.lx.line_len.max(1) - 1;
            self.span(
                at.min(t.start),
                (at + 1).min(self.lx.line_len).max(at.min(t.start)),
            )
        };
        let mut d = Diagnostic::new(codes::SYNTAX, Severity::Error, msg, 0, span);
        if t.kind == K::Eof && self.lx.buf.contains(&b'"') {
            d = d
                .with_help("close the quote on the same line: php-fpm reads every line on its own");
        } else if matches!(t.kind, K::Char(b'=') | K::Eq | K::Op(_) | K::Char(_)) {
            d = d.with_help("quote the value (`key = \"…\"`) when it contains `= | & ^ ~ ! ( )`");
        } else if matches!(t.kind, K::BoolTrue | K::BoolFalse | K::Null) {
            d = d.with_help(
                "quote the value: `true/on/yes/false/off/no/none/null` are INI keywords, not text",
            );
        }
        if self.line_starts_with_hash() {
            d = d.with_help("php-fpm has no `#` comments: use `;`");
        }
        self.out.diagnostics.push(d);
        Stop
    }

    fn line_starts_with_hash(&self) -> bool {
        self.lx.buf.iter().find(|b| !is_blank(**b)) == Some(&b'#')
    }

    fn run(&mut self) {
        loop {
            let t = self.next();
            let r = match t.kind {
                K::Eof => return,
                K::Eol => continue,
                K::Section => self.section(t),
                K::Label => self.label(t),
                K::Offset => self.offset(t),
                _ => Err(self.syntax_error(&t, None)),
            };
            if r.is_err() {
                return;
            }
        }
    }

    fn section(&mut self, open: Tok) -> Result<(), Stop> {
        let ev = self.string_list(Ctx::Section)?;
        let t = self.next();
        if t.kind != K::RBracket {
            return Err(self.syntax_error(&t, Some("']'")));
        }
        let name_span = match ev.start {
            Some(s) => self.span(s, ev.end),
            None => self.span(open.end, t.start),
        };
        let span = self.span(open.start, t.end);
        self.out.items.push(Item::Section(SectionHeader {
            name: String::from_utf8_lossy(&ev.text).into_owned(),
            name_span,
            span,
            line: self.line,
        }));
        Ok(())
    }

    fn label(&mut self, label: Tok) -> Result<(), Stop> {
        let key = String::from_utf8_lossy(&label.text).into_owned();
        let key_span = self.span(label.start, label.end);
        if self.peek().kind == K::Eq {
            let eq = self.next();
            let value = self.value(eq.end)?;
            self.out.items.push(Item::Entry(Entry {
                key,
                key_span,
                index: None,
                value: Some(value),
                line: self.line,
            }));
            return Ok(());
        }
        // `statement: TC_LABEL` — php-fpm's callback gets no value.
        let mut d = Diagnostic::new(
            codes::VALUE_NULL,
            Severity::Error,
            quoting(
                "a line without `=`",
                Says::Refuses,
                "value is NULL for a ZEND_INI_PARSER_ENTRY",
            ),
            0,
            key_span,
        );
        d = if key.starts_with('#') {
            let mut d = d.with_help("php-fpm has no `#` comments: start the line with `;`");
            d.fix = Some(crate::load::hash_to_semicolon(0, key_span.start));
            d
        } else {
            d.with_help(format!(
                "write `{key} = value`, or comment the line out with `;`"
            ))
        };
        self.out.diagnostics.push(d);
        self.out.items.push(Item::Entry(Entry {
            key,
            key_span,
            index: None,
            value: None,
            line: self.line,
        }));
        let k = self.peek().kind;
        if !matches!(k, K::Eol | K::Eof | K::Section | K::Label | K::Offset) {
            let t = self.next();
            return Err(self.syntax_error(&t, None));
        }
        Ok(())
    }

    fn offset(&mut self, name: Tok) -> Result<(), Stop> {
        let key = String::from_utf8_lossy(&name.text).into_owned();
        let key_span = self.span(name.start, name.end);
        let open_end = self.lx.pos;
        let ev = self.string_list(Ctx::Offset)?;
        let close = self.next();
        if close.kind != K::RBracket {
            return Err(self.syntax_error(&close, Some("']'")));
        }
        // An empty key is shown as the brackets themselves: `php_value[]`.
        let index_span = match ev.start {
            Some(s) => self.span(s, ev.end),
            None => self.span(open_end.min(close.start).saturating_sub(1), close.end),
        };
        let eq = self.next();
        if eq.kind != K::Eq {
            return Err(self.syntax_error(&eq, Some("'='")));
        }
        let value = self.value(eq.end)?;
        self.out.items.push(Item::Entry(Entry {
            key,
            key_span,
            index: Some(ArrayIndex {
                key: String::from_utf8_lossy(&ev.text).into_owned(),
                span: index_span,
            }),
            value: Some(value),
            line: self.line,
        }));
        Ok(())
    }

    /// `string_or_value`, right after `=`.
    fn value(&mut self, after_eq: usize) -> Result<Value, Stop> {
        let t = self.peek().clone();
        let (ev, bool_word) = match t.kind {
            K::BoolTrue | K::BoolFalse | K::Null => {
                self.next();
                let mut ev = Ev::default();
                ev.cover(t.start, t.end);
                if t.kind == K::BoolTrue {
                    ev.text = b"1".to_vec();
                }
                (ev, Some(t.kind == K::BoolTrue))
            }
            K::Eol => {
                self.next();
                let mut ev = Ev::default();
                ev.cover(after_eq, after_eq);
                (ev, None)
            }
            _ => (self.expr()?, None),
        };
        let start = ev.start.unwrap_or(after_eq);
        let value = Value {
            text: String::from_utf8_lossy(&ev.text).into_owned(),
            span: self.span(start, ev.end.max(start)),
            quoted: ev.quoted,
            bool_word,
            computed: ev.computed,
            vars: ev.vars,
            constants: ev.constants,
        };
        self.var_diagnostics(&value);
        Ok(value)
    }

    fn var_diagnostics(&mut self, v: &Value) {
        for var in &v.vars {
            if var.fallback_unsupported {
                self.out.diagnostics.push(
                    Diagnostic::new(
                        codes::FALLBACK_NEEDS_83,
                        Severity::Warning,
                        format!(
                            "`${{{}:-{}}}` expands to an empty string on PHP {}: the `:-` fallback needs PHP 8.3 or later",
                            var.name,
                            var.default.as_deref().unwrap_or(""),
                            self.opts.php_version
                        ),
                        0,
                        var.span,
                    )
                    .with_help(format!(
                        "write the value itself, or make sure `{}` is set in php-fpm's environment",
                        var.name
                    )),
                );
            } else if var.resolved.is_none() {
                let msg = match &var.default {
                    Some(d) => format!(
                        "the value depends on the environment: `${{{}}}` comes from php-fpm's environment at start-up (`{}` when unset)",
                        var.name, d
                    ),
                    None => format!(
                        "the value depends on the environment: `${{{}}}` comes from php-fpm's environment at start-up (empty when unset)",
                        var.name
                    ),
                };
                self.out.diagnostics.push(Diagnostic::new(
                    codes::ENV_DEPENDENT,
                    Severity::Info,
                    msg,
                    0,
                    var.span,
                ));
            } else if self
                .opts
                .env
                .as_ref()
                .is_some_and(|e| !e.contains_key(&var.name))
                && var.default.is_none()
            {
                self.out.diagnostics.push(
                    Diagnostic::new(
                        codes::ENV_DEPENDENT,
                        Severity::Warning,
                        format!("`${{{}}}` is not set in the given environment, so it expands to an empty string", var.name),
                        0,
                        var.span,
                    )
                    .with_help(format!("set `{}` in php-fpm's environment or write the value itself", var.name)),
                );
            }
        }
    }

    /// `expr`: `|`, `&`, `^` are left-associative with one precedence; `~` and `!` bind tighter.
    fn expr(&mut self) -> Result<Ev, Stop> {
        let mut left = self.unary()?;
        while let K::Op(op @ (b'|' | b'&' | b'^')) = self.peek().kind {
            self.next();
            let right = self.unary()?;
            let (a, b) = (left.int(), right.int());
            let r = match op {
                b'|' => a | b,
                b'&' => a & b,
                _ => a ^ b,
            };
            let mut ev = Ev {
                text: r.to_string().into_bytes(),
                computed: true,
                ..Ev::default()
            };
            ev.absorb(left);
            ev.absorb(right);
            left = ev;
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Ev, Stop> {
        let t = self.peek().clone();
        match t.kind {
            K::Op(op @ (b'~' | b'!')) => {
                self.next();
                let inner = self.unary()?;
                let a = inner.int();
                let r = if op == b'~' { !a } else { i32::from(a == 0) };
                let mut ev = Ev {
                    text: r.to_string().into_bytes(),
                    computed: true,
                    ..Ev::default()
                };
                ev.cover(t.start, t.end);
                ev.absorb(inner);
                Ok(ev)
            }
            K::Op(b'(') => {
                self.next();
                let inner = self.expr()?;
                let close = self.next();
                if close.kind != K::Op(b')') {
                    return Err(self.syntax_error(&close, None));
                }
                let mut ev = Ev {
                    text: inner.text.clone(),
                    computed: true,
                    ..Ev::default()
                };
                ev.cover(t.start, close.end);
                ev.absorb(inner);
                Ok(ev)
            }
            K::Constant
            | K::Number
            | K::Str
            | K::Raw
            | K::Whitespace
            | K::DollarCurly
            | K::Quote => self.string_list(Ctx::Value),
            _ => {
                let t = self.next();
                Err(self.syntax_error(&t, None))
            }
        }
    }

    /// `var_string_list` (values) / `var_string_list_section` (sections, offsets).
    fn string_list(&mut self, ctx: Ctx) -> Result<Ev, Stop> {
        let mut ev = Ev::default();
        loop {
            let t = self.peek().clone();
            match t.kind {
                K::Constant => {
                    self.next();
                    let name = String::from_utf8_lossy(&t.text).into_owned();
                    match (ctx, php_constant(&name, self.opts.php_version)) {
                        (Ctx::Value, Some(v)) => {
                            ev.text.extend_from_slice(v.as_bytes());
                            ev.constants.push((name, self.span(t.start, t.end)));
                        }
                        _ => ev.text.extend_from_slice(&t.text),
                    }
                    ev.cover(t.start, t.end);
                }
                K::Number | K::Str | K::Raw | K::Whitespace => {
                    self.next();
                    ev.text.extend_from_slice(&t.text);
                    ev.cover(t.start, t.end);
                    if t.kind == K::Raw {
                        ev.quoted = true;
                    }
                }
                K::DollarCurly => {
                    let var = self.var_ref()?;
                    ev.cover(t.start, var.1);
                    ev.text.extend_from_slice(var.0.as_bytes());
                    ev.vars.push(var.2);
                }
                K::Quote => {
                    self.next();
                    ev.quoted = true;
                    loop {
                        let q = self.next();
                        match q.kind {
                            K::Quoted => ev.text.extend_from_slice(&q.text),
                            K::DollarCurly => {
                                self.peeked = Some(q);
                                let var = self.var_ref()?;
                                ev.text.extend_from_slice(var.0.as_bytes());
                                ev.vars.push(var.2);
                            }
                            K::Quote => {
                                ev.cover(t.start, q.end);
                                break;
                            }
                            _ => {
                                return Err(self.syntax_error(
                                    &q,
                                    Some("TC_DOLLAR_CURLY or TC_QUOTED_STRING or '\"'"),
                                ))
                            }
                        }
                    }
                }
                _ => break,
            }
        }
        // Trailing blanks before a comment or `]` are not part of a value's span.
        Ok(ev)
    }

    /// `${NAME}` → (expanded text, end offset, reference).
    fn var_ref(&mut self) -> Result<(String, usize, VarRef), Stop> {
        let open = self.next();
        let name = self.next();
        if name.kind != K::VarName {
            return Err(self.syntax_error(&name, Some("TC_VARNAME")));
        }
        let close = self.next();
        if close.kind != K::RBrace {
            return Err(self.syntax_error(&close, Some("'}'")));
        }
        let full = String::from_utf8_lossy(&name.text).into_owned();
        let (var_name, default) = match full.split_once(":-") {
            Some((n, d)) => (n.to_string(), Some(d.to_string())),
            None => (full.clone(), None),
        };
        let supported = self.opts.php_version.has_ini_fallback();
        let span = self.span(open.start, close.end);
        let env = self.opts.env.as_ref();
        let (text, resolved, fallback_unsupported) = if default.is_some() && !supported {
            // Before 8.3 the whole `NAME:-default` is the variable name, which is never set.
            let v = env.and_then(|e| e.get(&full)).cloned().unwrap_or_default();
            (v.clone(), Some(v), true)
        } else {
            match env {
                Some(e) => {
                    let v = e
                        .get(&var_name)
                        .cloned()
                        .or_else(|| default.clone())
                        .unwrap_or_default();
                    (v.clone(), Some(v), false)
                }
                None => (default.clone().unwrap_or_default(), None, false),
            }
        };
        Ok((
            text,
            close.end,
            VarRef {
                name: var_name,
                default,
                span,
                resolved,
                fallback_unsupported,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(src: &str) -> Vec<Entry> {
        parse(src.as_bytes())
            .items
            .into_iter()
            .filter_map(|i| match i {
                Item::Entry(e) => Some(e),
                Item::Section(_) => None,
            })
            .collect()
    }

    fn value_of(line: &str) -> String {
        let p = parse(format!("k = {line}\n").as_bytes());
        assert!(
            p.diagnostics.iter().all(|d| !d.is_error()),
            "{line}: {:?}",
            p.diagnostics
        );
        match p.items.first() {
            Some(Item::Entry(e)) => e.value.as_ref().map(|v| v.text.clone()).unwrap_or_default(),
            other => panic!("{line}: {other:?}"),
        }
    }

    /// php-fpm's words quoted by the first error.
    fn first_error(src: &str) -> String {
        let p = parse(src.as_bytes());
        p.diagnostics
            .iter()
            .find(|d| d.is_error())
            .and_then(|d| crate::quoted(&d.message))
            .map(|(_, words)| words.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn key_value_and_spans() {
        let src = "[www]\n  listen = /run/php.sock ; comment\n";
        let p = parse(src.as_bytes());
        assert!(p.diagnostics.is_empty());
        let Item::Section(s) = &p.items[0] else {
            panic!()
        };
        assert_eq!(s.name, "www");
        assert_eq!(s.name_span.slice(src.as_bytes()), b"www");
        assert_eq!(s.span.slice(src.as_bytes()), b"[www]");
        let Item::Entry(e) = &p.items[1] else {
            panic!()
        };
        assert_eq!(e.key, "listen");
        assert_eq!(e.key_span.slice(src.as_bytes()), b"listen");
        let v = e.value.as_ref().unwrap();
        assert_eq!(v.text, "/run/php.sock");
        assert_eq!(v.span.slice(src.as_bytes()), b"/run/php.sock");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn comments_and_blank_lines() {
        assert!(entries("; a comment\n\n   ; indented\n").is_empty());
        assert_eq!(value_of("x;y"), "x");
        assert_eq!(value_of("a b  ; c"), "a b");
        assert_eq!(value_of("'a;b'"), "a;b");
    }

    #[test]
    fn hash_is_not_a_comment() {
        assert_eq!(
            first_error("# text\n"),
            "value is NULL for a ZEND_INI_PARSER_ENTRY"
        );
        assert_eq!(
            first_error("#\n"),
            "value is NULL for a ZEND_INI_PARSER_ENTRY"
        );
        // `# a = b` is the key `# a`
        let e = entries("# a = b\n");
        assert_eq!(e[0].key, "# a");
        // a trailing `# …` stays in the value
        assert_eq!(value_of("/x # not a comment"), "/x # not a comment");
        let p = parse(b"# comment (x)\n");
        let msgs: Vec<_> = p.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "a line without `=`: php-fpm refuses to start with `value is NULL for a ZEND_INI_PARSER_ENTRY`",
                "invalid INI syntax: php-fpm refuses to start with `syntax error, unexpected '('`"
            ]
        );
    }

    #[test]
    fn booleans() {
        for t in ["true", "On", "YES"] {
            assert_eq!(value_of(t), "1", "{t}");
        }
        for f in ["false", "off", "No", "none", "null"] {
            assert_eq!(value_of(f), "", "{f}");
        }
        assert_eq!(value_of("online"), "online");
        assert_eq!(value_of("\"yes\""), "yes");
        assert_eq!(
            first_error("k = yes please\n"),
            "syntax error, unexpected TC_CONSTANT"
        );
        assert_eq!(
            first_error("k = it is on\n"),
            "syntax error, unexpected BOOL_TRUE"
        );
        assert_eq!(
            first_error("yes = 1\n"),
            "syntax error, unexpected BOOL_TRUE"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(value_of("a \"b\" c"), "abc");
        assert_eq!(value_of("\"/a\" /b"), "/a/b");
        assert_eq!(value_of("'/a;b' 'c'"), "/a;b c");
        assert_eq!(value_of(r#""a\"b\\c\$d\n""#), r#"a"b\c$d\n"#);
        assert_eq!(value_of(r#""C:\p\""#), r"C:\p\");
        assert_eq!(value_of("'${HOME}'"), "${HOME}");
        assert_eq!(
            first_error("k = \"/a\n"),
            "syntax error, unexpected end of file, expecting TC_DOLLAR_CURLY or TC_QUOTED_STRING or '\"'"
        );
        assert_eq!(
            first_error("k = '/a\n"),
            "syntax error, unexpected end of file"
        );
    }

    #[test]
    fn expressions() {
        assert_eq!(value_of("E_ALL & ~E_DEPRECATED"), "24575");
        assert_eq!(value_of("(x)"), "x");
        assert_eq!(value_of("!x"), "1");
        assert_eq!(value_of("~5"), "-6");
        assert_eq!(value_of("1|2"), "3");
        assert_eq!(value_of("/a ^ b"), "0");
        assert_eq!(value_of("E_ALL"), "32767");
        assert_eq!(value_of("\"E_ALL\""), "E_ALL");
        assert_eq!(value_of("dynamic"), "dynamic");
        assert_eq!(value_of("127.0.0.1:9000"), "127.0.0.1:9000");
        assert_eq!(value_of("-12"), "-12");
        assert_eq!(first_error("k = a=b\n"), "syntax error, unexpected '='");
        assert_eq!(first_error("k = a!b\n"), "syntax error, unexpected '!'");
        assert_eq!(first_error("= 1\n"), "syntax error, unexpected '='");
        // the entry before the stray `=` is still applied by php-fpm
        assert_eq!(entries("k = a=b\n")[0].value.as_ref().unwrap().text, "a");
    }

    #[test]
    fn dollar_forms() {
        assert_eq!(value_of("/$pool"), "/$pool");
        assert_eq!(value_of("/{a}"), "/{a}");
        // `$` swallows the newline php-fpm appended
        assert_eq!(value_of("/a$"), "/a$\n");
        assert_eq!(
            first_error("k = ${HOME\n"),
            "syntax error, unexpected end of file, expecting '}'"
        );
    }

    #[test]
    fn env_vars() {
        let mut env = BTreeMap::new();
        env.insert("HOME".to_string(), "/root".to_string());
        let opts = ParseOptions {
            php_version: PhpVersion::V8_2,
            env: Some(env.clone()),
        };
        let p = parse_with(b"k = /${ HOME }x\n", &opts);
        let Item::Entry(e) = &p.items[0] else {
            panic!()
        };
        let v = e.value.as_ref().unwrap();
        assert_eq!(v.text, "//rootx");
        assert_eq!(v.vars[0].name, "HOME");
        // unknown environment: flagged, expands to empty
        let p = parse(b"k = ${NOPE}\n");
        assert_eq!(p.diagnostics[0].code, codes::ENV_DEPENDENT);
        assert_eq!(p.diagnostics[0].severity, Severity::Info);
        // fallback on 8.2: empty, flagged
        let p = parse_with(b"listen = ${NOPE:-/x.sock}\n", &opts);
        let Item::Entry(e) = &p.items[0] else {
            panic!()
        };
        assert_eq!(e.value.as_ref().unwrap().text, "");
        assert_eq!(p.diagnostics[0].code, codes::FALLBACK_NEEDS_83);
        // fallback on 8.3
        let opts83 = ParseOptions {
            php_version: PhpVersion::V8_3,
            env: Some(env),
        };
        let p = parse_with(b"listen = ${NOPE:-/x.sock}\n", &opts83);
        let Item::Entry(e) = &p.items[0] else {
            panic!()
        };
        assert_eq!(e.value.as_ref().unwrap().text, "/x.sock");
        assert!(p.diagnostics.is_empty());
    }

    #[test]
    fn sections_and_offsets() {
        let p = parse(b"[ www ]\n");
        let Item::Section(s) = &p.items[0] else {
            panic!()
        };
        assert_eq!(s.name, " www ");
        assert_eq!(
            first_error("[www\n"),
            "syntax error, unexpected end of file, expecting ']'"
        );
        assert_eq!(
            first_error("[a;b]\n"),
            "syntax error, unexpected end of file, expecting ']'"
        );
        assert_eq!(
            first_error("[www] extra\n"),
            "value is NULL for a ZEND_INI_PARSER_ENTRY"
        );
        assert_eq!(
            first_error("  [www]\n"),
            "syntax error, unexpected END_OF_LINE, expecting '='"
        );
        let e = entries("php_value[ memory_limit ] = 1\n");
        assert_eq!(e[0].key, "php_value");
        assert_eq!(e[0].index.as_ref().unwrap().key, "memory_limit ");
        let e = entries("access.suppress_path[] = /ping\n");
        assert_eq!(e[0].index.as_ref().unwrap().key, "");
    }

    #[test]
    fn line_endings_and_bytes() {
        let e = entries("a = 1\r\nb = 2\r\n");
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].value.as_ref().unwrap().text, "2");
        // a lone CR starts a second statement on the same physical line
        let e = entries("a = 1\rb = 2\n");
        assert_eq!(e.len(), 2);
        // NUL ends the line
        assert_eq!(entries("a = x\0y\n")[0].value.as_ref().unwrap().text, "x");
        // invalid UTF-8 survives
        let e = entries("a = \u{e9}\n");
        assert_eq!(e[0].value.as_ref().unwrap().text, "\u{e9}");
        let p = parse(b"a = \xff\xfe\n");
        assert!(p.diagnostics.is_empty());
    }

    #[test]
    fn legacy_xml() {
        let p = parse(b"<?xml version=\"1.0\" ?>\n<configuration>\n");
        assert_eq!(p.format, Format::LegacyXml);
        assert!(p.items.is_empty());
        assert_eq!(p.diagnostics[0].code, codes::LEGACY_XML);
    }
}
