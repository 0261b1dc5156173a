//! `ngxlint parse --format crossplane`: what `crossplane parse FILE` (crossplane 0.5.8, default
//! options) prints, byte for byte, from ngxlint's reading of the files.
//!
//! crossplane is emulated on ngxlint's tokens: each file is read from the disk as crossplane
//! reads it (names as given, relative to the current folder; includes joined to the main file's
//! folder, globs expanded as Python's `glob` does and sorted), turned into the token stream
//! crossplane's lexer yields (words as written with only `\"`/`\'` unescaped inside quotes, `;`
//! `{` `}`, comments), and run through crossplane's parser: its brace balance check, its
//! directive table (`data/crossplane-directives.tsv`) and how it recovers from each refusal, `if`
//! conditions without parentheses, comments met between a statement's words as `#` statements
//! after it, errors as Python words them, compact JSON with non-ASCII characters escaped.
//!
//! Where crossplane misreads nginx, the tokens stay nginx's (README, "crossplane"): whitespace
//! is only space, tab, CR and LF; `}` inside a word belongs to it; `${var}` followed by a space
//! ends the word; all nineteen OpenResty `*_by_lua_block` bodies are one argument; a CR is not a
//! line break and is kept inside quotes; syntax nginx refuses is read as nginx reads it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use nginx_syntax::{Directive, Quote, SyntaxErrorKind, Terminator, Word};

/// crossplane's context bits (its own values, not nginx's).
const MAIN: u32 = 0x0004_0000;
const EVENT: u32 = 0x0008_0000;
const MAIL_MAIN: u32 = 0x0010_0000;
const MAIL_SRV: u32 = 0x0020_0000;
const STREAM_MAIN: u32 = 0x0040_0000;
const STREAM_SRV: u32 = 0x0080_0000;
const STREAM_UPS: u32 = 0x0100_0000;
const HTTP_MAIN: u32 = 0x0200_0000;
const HTTP_SRV: u32 = 0x0400_0000;
const HTTP_LOC: u32 = 0x0800_0000;
const HTTP_UPS: u32 = 0x1000_0000;
const HTTP_SIF: u32 = 0x2000_0000;
const HTTP_LIF: u32 = 0x4000_0000;
const HTTP_LMT: u32 = 0x8000_0000;
const BLOCK: u32 = 0x0000_0100;
const FLAG: u32 = 0x0000_0200;
const ANY: u32 = 0x0000_0400;
const MORE1: u32 = 0x0000_0800;
const MORE2: u32 = 0x0000_1000;

/// crossplane 0.5.8's directive table: name → masks (`analyzer.py`, `DIRECTIVES`).
fn table() -> &'static HashMap<&'static str, Vec<u32>> {
    static T: OnceLock<HashMap<&'static str, Vec<u32>>> = OnceLock::new();
    T.get_or_init(|| {
        include_str!("../data/crossplane-directives.tsv")
            .lines()
            .skip(1)
            .filter_map(|l| {
                let (name, masks) = l.split_once('\t')?;
                let masks = masks
                    .split(',')
                    .filter_map(|m| u32::from_str_radix(m, 16).ok())
                    .collect();
                Some((name, masks))
            })
            .collect()
    })
}

/// A block context as crossplane names it: the tuple of enclosing block directives.
type Ctx = Vec<String>;

fn ctx_bits(ctx: &[String]) -> Option<u32> {
    let c: Vec<&str> = ctx.iter().map(String::as_str).collect();
    Some(match c[..] {
        [] => MAIN,
        ["events"] => EVENT,
        ["mail"] => MAIL_MAIN,
        ["mail", "server"] => MAIL_SRV,
        ["stream"] => STREAM_MAIN,
        ["stream", "server"] => STREAM_SRV,
        ["stream", "upstream"] => STREAM_UPS,
        ["http"] => HTTP_MAIN,
        ["http", "server"] => HTTP_SRV,
        ["http", "location"] => HTTP_LOC,
        ["http", "upstream"] => HTTP_UPS,
        ["http", "server", "if"] => HTTP_SIF,
        ["http", "location", "if"] => HTTP_LIF,
        ["http", "location", "limit_except"] => HTTP_LMT,
        _ => return None,
    })
}

/// crossplane's `enter_block_ctx`: locations do not nest.
fn enter(ctx: &Ctx, name: &str) -> Ctx {
    if ctx.first().is_some_and(|c| c == "http") && name == "location" {
        return vec!["http".into(), "location".into()];
    }
    let mut c = ctx.clone();
    c.push(name.to_string());
    c
}

/// crossplane's `analyze`: `None` when the statement passes, else the reason as a Python format
/// string the directive name is applied to (see [`py_format`]).
fn analyze(name: &str, args: &[String], term: &Tok, ctx: &Ctx) -> Option<String> {
    let bits = ctx_bits(ctx)?;
    let masks = table().get(name)?;
    let masks: Vec<u32> = masks.iter().copied().filter(|m| m & bits != 0).collect();
    if masks.is_empty() {
        return Some("\"%s\" directive is not allowed here".into());
    }
    let n = args.len();
    let flag = |a: &str| {
        let l = a.to_lowercase();
        l == "on" || l == "off"
    };
    let mut reason = String::new();
    for &mask in masks.iter().rev() {
        if mask & BLOCK != 0 && !term.is("{") {
            reason = "directive \"%s\" has no opening \"{\"".into();
            continue;
        }
        if mask & BLOCK == 0 && !term.is(";") {
            reason = "directive \"%s\" is not terminated by \";\"".into();
            continue;
        }
        if (n <= 7 && (mask >> n) & 1 != 0)
            || (mask & FLAG != 0 && n == 1 && flag(&args[0]))
            || mask & ANY != 0
            || (mask & MORE1 != 0 && n >= 1)
            || (mask & MORE2 != 0 && n >= 2)
        {
            return None;
        }
        reason = if mask & FLAG != 0 && n == 1 {
            format!(
                "invalid value \"{}\" in \"%s\" directive, it must be \"on\" or \"off\"",
                args[0]
            )
        } else {
            "invalid number of arguments in \"%s\" directive".into()
        };
    }
    Some(reason)
}

/// A word as crossplane keeps it: its bytes as written, with only an escaped quote of the
/// word's own kind unescaped inside quotes; bytes that are not UTF-8 replaced, as crossplane
/// reads files.
fn word(w: &Word, src: &[u8]) -> String {
    let raw = w.raw(src);
    let q = match w.quote {
        Quote::Double => Some(b'"'),
        Quote::Single => Some(b'\''),
        _ => None,
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() {
            if Some(raw[i + 1]) == q {
                out.push(raw[i + 1]);
            } else {
                out.extend_from_slice(&raw[i..i + 2]);
            }
            i += 2;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// crossplane's `_prepare_if_args` (Python's `strip()` trims Unicode whitespace).
fn strip_if(args: &mut Vec<String>) {
    if args.first().is_some_and(|a| a.starts_with('('))
        && args.last().is_some_and(|a| a.ends_with(')'))
    {
        if let Some(first) = args.first_mut() {
            *first = first
                .strip_prefix('(')
                .unwrap_or(first)
                .trim_start_matches(py_space)
                .to_string();
        }
        if let Some(last) = args.last_mut() {
            *last = last
                .strip_suffix(')')
                .unwrap_or(last)
                .trim_end_matches(py_space)
                .to_string();
        }
        let start = usize::from(args[0].is_empty());
        let end = args.len() - usize::from(args[args.len() - 1].is_empty());
        *args = args[start.min(end)..end].to_vec();
    }
}

/// A value of crossplane's payload, written in the order crossplane's dicts keep their keys.
enum J {
    Str(String),
    Int(usize),
    Null,
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

/// Python's `json.dumps(obj)` as crossplane calls it: compact (`separators=(',', ':')`) without
/// an indent, `,`/`: ` with one; `ensure_ascii`, so every character outside printable ASCII is
/// escaped as `\uXXXX` (surrogate pairs above the BMP).
fn dump(v: &J, out: &mut String, indent: Option<usize>, level: usize) {
    let newline = |out: &mut String, level: usize| {
        if let Some(n) = indent {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', n * level));
        }
    };
    match v {
        J::Null => out.push_str("null"),
        J::Int(n) => {
            let _ = write!(out, "{n}");
        }
        J::Str(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    ' '..='~' => out.push(c),
                    c => {
                        let mut buf = [0u16; 2];
                        for u in c.encode_utf16(&mut buf) {
                            let _ = write!(out, "\\u{u:04x}");
                        }
                    }
                }
            }
            out.push('"');
        }
        J::Arr(items) if items.is_empty() => out.push_str("[]"),
        J::Obj(fields) if fields.is_empty() => out.push_str("{}"),
        J::Arr(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                dump(x, out, indent, level + 1);
            }
            newline(out, level);
            out.push(']');
        }
        J::Obj(fields) => {
            out.push('{');
            for (i, (k, x)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                dump(&J::Str((*k).to_string()), out, indent, level + 1);
                out.push_str(if indent.is_some() { ": " } else { ":" });
                dump(x, out, indent, level + 1);
            }
            newline(out, level);
            out.push('}');
        }
    }
}

/// `os.path.join(a, b)` for POSIX paths.
fn join(a: &str, b: &str) -> String {
    if b.starts_with('/') || a.is_empty() {
        b.to_string()
    } else if a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

/// `glob.has_magic`.
fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Python's `str.isspace()`.
fn py_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..=' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// `os.path.dirname`.
fn dirname(p: &str) -> String {
    // Python's head keeps the last separator (`a/b` → `a/`), then trims the separators unless
    // the head is nothing but separators.
    let head = p
        .rsplit_once('/')
        .map_or(String::new(), |(h, _)| format!("{h}/"));
    if head.bytes().any(|b| b != b'/') {
        head.trim_end_matches('/').to_string()
    } else {
        head
    }
}

/// `os.path.split`.
fn split(p: &str) -> (String, String) {
    let tail = p.rsplit_once('/').map_or(p, |(_, t)| t);
    (dirname(p), tail.to_string())
}

/// Python's `repr()` of a string.
fn repr(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

/// How Python words an `OSError` from `open()`: `[Errno 2] No such file or directory: 'x'`.
fn os_error(e: &std::io::Error, path: &str) -> String {
    let code = e.raw_os_error().unwrap_or(0);
    let text = e.to_string();
    let text = text
        .rsplit_once(" (os error ")
        .map_or(text.as_str(), |(head, _)| head);
    format!("[Errno {code}] {text}: {}", repr(path))
}

/// Python's `open(path)` for reading: the error it raises, if any (a folder is `EISDIR`).
fn open_error(disk: &Path, path: &str) -> Option<String> {
    match std::fs::File::open(disk.join(path)) {
        Err(e) => Some(os_error(&e, path)),
        Ok(f) => match f.metadata() {
            Ok(m) if m.is_dir() => Some(format!("[Errno 21] Is a directory: {}", repr(path))),
            _ => None,
        },
    }
}

/// Python's `fnmatch.fnmatchcase` on POSIX: `*`, `?`, `[...]` with `!` negation and ranges; a
/// `[` without its `]` is literal.
fn fnmatch(p: &[char], n: &[char]) -> bool {
    let Some(&c) = p.first() else {
        return n.is_empty();
    };
    match c {
        '*' => (0..=n.len()).any(|k| fnmatch(&p[1..], &n[k..])),
        '?' => !n.is_empty() && fnmatch(&p[1..], &n[1..]),
        '[' => match class(&p[1..]) {
            Some(Class { set, neg, used }) => {
                let Some(&x) = n.first() else {
                    return false;
                };
                let hit = set.iter().any(|&(a, b)| a <= x && x <= b);
                hit != neg && fnmatch(&p[1 + used..], &n[1..])
            }
            None => n.first() == Some(&'[') && fnmatch(&p[1..], &n[1..]),
        },
        c => n.first() == Some(&c) && fnmatch(&p[1..], &n[1..]),
    }
}

/// A `[...]` class: its ranges, whether negated, and its length after the `[`.
struct Class {
    set: Vec<(char, char)>,
    neg: bool,
    used: usize,
}

/// A `[...]` class after its `[`: the ranges, whether negated, and how many characters it used
/// (through the `]`).
fn class(p: &[char]) -> Option<Class> {
    let mut i = 0;
    let neg = p.first() == Some(&'!');
    if neg {
        i += 1;
    }
    // A `]` right after `[` or `[!` is a member.
    let mut j = i;
    if p.get(j) == Some(&']') {
        j += 1;
    }
    while p.get(j).is_some_and(|&c| c != ']') {
        j += 1;
    }
    if j >= p.len() {
        return None;
    }
    let body = &p[i..j];
    let mut set = Vec::new();
    let mut k = 0;
    while k < body.len() {
        if k + 2 < body.len() && body[k + 1] == '-' {
            if body[k] <= body[k + 2] {
                set.push((body[k], body[k + 2]));
            }
            k += 3;
        } else {
            set.push((body[k], body[k]));
            k += 1;
        }
    }
    Some(Class {
        set,
        neg,
        used: j + 1,
    })
}

/// `glob._listdir` + `_glob1`: the names in `dir` matching `pattern`, hidden ones only for a
/// pattern starting with `.`.
fn glob1(disk: &Path, dir: &str, pattern: &str, dironly: bool) -> Vec<String> {
    let read = std::fs::read_dir(disk.join(dir));
    let Ok(rd) = read else {
        return Vec::new();
    };
    let pat: Vec<char> = pattern.chars().collect();
    let hidden = pattern.starts_with('.');
    let mut out = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if dironly && !e.path().is_dir() {
            continue;
        }
        if !hidden && name.starts_with('.') {
            continue;
        }
        let n: Vec<char> = name.chars().collect();
        if fnmatch(&pat, &n) {
            out.push(name);
        }
    }
    out
}

/// `glob._glob0`: a literal name inside `dir`.
fn glob0(disk: &Path, dir: &str, base: &str, dironly: bool) -> Vec<String> {
    let path = if dir.is_empty() {
        base.to_string()
    } else {
        join(dir, base)
    };
    let p = disk.join(if base.is_empty() { dir } else { &path });
    let ok = if base.is_empty() || dironly {
        p.is_dir()
    } else {
        p.symlink_metadata().is_ok()
    };
    if ok {
        vec![base.to_string()]
    } else {
        Vec::new()
    }
}

/// Python's `glob.glob(pattern)` (not recursive, hidden files skipped), unsorted.
fn glob(disk: &Path, pattern: &str, dironly: bool) -> Vec<String> {
    let (dir, base) = split(pattern);
    if !has_magic(pattern) {
        let ok = if base.is_empty() {
            disk.join(&dir).is_dir()
        } else {
            disk.join(pattern).symlink_metadata().is_ok()
        };
        return if ok {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
    }
    if dir.is_empty() {
        return glob1(disk, "", &base, dironly);
    }
    let dirs = if dir != pattern && has_magic(&dir) {
        glob(disk, &dir, true)
    } else {
        vec![dir]
    };
    let mut out = Vec::new();
    for d in dirs {
        let names = if has_magic(&base) {
            glob1(disk, &d, &base, dironly)
        } else {
            glob0(disk, &d, &base, dironly)
        };
        for n in names {
            out.push(join(&d, &n));
        }
    }
    out
}

/// One token as crossplane's lexer yields it.
#[derive(Clone, Debug)]
struct Tok {
    text: String,
    line: usize,
    quoted: bool,
}

impl Tok {
    fn is(&self, s: &str) -> bool {
        !self.quoted && self.text == s
    }
    fn is_comment(&self) -> bool {
        !self.quoted && self.text.starts_with('#')
    }
}

/// Why crossplane stopped reading a file: its `str(exception)` and the line it carries.
struct Abort {
    error: String,
    line: Option<usize>,
}

/// The tokens of one file, from ngxlint's reading, with crossplane's brace balance check
/// (`_balance_braces`) raising where crossplane's would.
struct Tokens {
    toks: Vec<Tok>,
    at: usize,
    depth: i64,
    fname: String,
}

impl Tokens {
    fn new(src: &[u8], fname: &str) -> Self {
        let parsed = nginx_syntax::parse(src);
        let newlines: Vec<usize> = memchr_iter(src);
        let line = |off: u32| newlines.partition_point(|&n| n < off as usize) + 1;
        let mut raw: Vec<(u32, Tok)> = Vec::new();
        let mut push = |off: u32, text: String, quoted: bool| {
            raw.push((
                off,
                Tok {
                    text,
                    line: line(off),
                    quoted,
                },
            ));
        };
        fn walk(list: &[Directive], src: &[u8], push: &mut dyn FnMut(u32, String, bool)) {
            for d in list {
                for w in std::iter::once(&d.name).chain(&d.args) {
                    push(w.span.start, word(w, src), w.quote != Quote::None);
                }
                if d.args.last().is_some_and(|a| a.quote == Quote::Lua) {
                    // crossplane's Lua lexer ends the statement itself.
                    push(d.span().end.saturating_sub(1), ";".into(), false);
                    continue;
                }
                match d.terminator {
                    Terminator::Semicolon(o) => push(o, ";".into(), false),
                    Terminator::Block(o) => push(o, "{".into(), false),
                    Terminator::Missing(_) => {}
                }
                if let Some(b) = &d.block {
                    walk(&b.children, src, push);
                    if let Some(c) = b.close {
                        push(c, "}".into(), false);
                    }
                }
            }
        }
        walk(&parsed.directives, src, &mut push);
        // A `;` or `}` nginx finds out of place is a token for crossplane too (after a stray `{`
        // nginx's reading and crossplane's part).
        for e in &parsed.errors {
            if let SyntaxErrorKind::Unexpected(c @ (b';' | b'}')) = e.kind {
                if src.get(e.span.start as usize) == Some(&c) {
                    push(e.span.start, char::from(c).to_string(), false);
                }
            }
        }
        for c in &parsed.comments {
            // crossplane loses a comment the file ends in (its lexer stops at end of input).
            if c.end as usize >= src.len() {
                continue;
            }
            let text = String::from_utf8_lossy(c.slice(src));
            // Read with universal newlines, a CRLF line's comment ends before the CR.
            let text = text.strip_suffix('\r').unwrap_or(&text).to_string();
            push(c.start, text, false);
        }
        raw.sort_by_key(|(o, _)| *o);
        raw.dedup_by(|a, b| a.0 == b.0 && a.1.text == b.1.text);
        Tokens {
            toks: raw.into_iter().map(|(_, t)| t).collect(),
            at: 0,
            depth: 0,
            fname: fname.to_string(),
        }
    }

    /// The next token; `Ok(None)` at the end of a balanced file.
    fn next(&mut self) -> Result<Option<Tok>, Abort> {
        let Some(t) = self.toks.get(self.at).cloned() else {
            if self.depth > 0 {
                let line = self.toks.last().map_or(0, |t| t.line);
                return Err(self.syntax("unexpected end of file, expecting \"}\"", line));
            }
            return Ok(None);
        };
        self.at += 1;
        if t.is("}") {
            self.depth -= 1;
        } else if t.is("{") {
            self.depth += 1;
        }
        if self.depth < 0 {
            // Nothing is read after the exception.
            self.at = self.toks.len();
            self.depth = 0;
            return Err(self.syntax("unexpected \"}\"", t.line));
        }
        Ok(Some(t))
    }

    /// `next(tokens)` inside a statement: the end of the tokens is `StopIteration`.
    fn next_in_statement(&mut self) -> Result<Tok, Abort> {
        self.next()?.ok_or(Abort {
            error: String::new(),
            line: None,
        })
    }

    fn syntax(&self, reason: &str, line: usize) -> Abort {
        Abort {
            error: format!("{reason} in {}:{line}", self.fname),
            line: Some(line),
        }
    }
}

fn memchr_iter(src: &[u8]) -> Vec<usize> {
    src.iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .map(|(i, _)| i)
        .collect()
}

/// Python's `reason % directive` for crossplane's final message, where an `invalid value`
/// reason already holds the argument: a `%` there fails as Python's formatting does.
fn py_format(reason: &str, arg: &str) -> Result<String, String> {
    let chars: Vec<char> = reason.chars().collect();
    let mut out = String::new();
    let mut used = false;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('%') => out.push('%'),
            Some('s') if !used => {
                out.push_str(arg);
                used = true;
            }
            Some(
                's' | 'r' | 'a' | 'd' | 'i' | 'o' | 'u' | 'x' | 'X' | 'e' | 'E' | 'f' | 'F' | 'g'
                | 'G' | 'c',
            ) if used => {
                return Err("not enough arguments for format string".into());
            }
            Some('r') => {
                out.push_str(&repr(arg));
                used = true;
            }
            Some(c) => {
                return Err(format!(
                    "unsupported format character '{c}' (0x{:x}) at index {}",
                    *c as u32,
                    i + 1
                ));
            }
            None => return Err("incomplete format".into()),
        }
        i += 2;
    }
    Ok(out)
}

/// One file of the payload being read.
struct Parsing {
    file: String,
    errors: Vec<J>,
}

struct Run {
    /// The current folder relative names are read from.
    disk: PathBuf,
    /// The folder of the main file as given (`os.path.dirname`).
    config_dir: String,
    /// crossplane's `includes`: (file name, context) in reading order.
    queue: Vec<(String, Ctx)>,
    /// crossplane's `included`: file name → index in the queue.
    included: HashMap<String, usize>,
    errors: Vec<J>,
}

impl Run {
    fn handle_error(&mut self, parsing: &mut Parsing, error: String, line: Option<usize>) {
        let l = || line.map_or(J::Null, J::Int);
        parsing.errors.push(J::Obj(vec![
            ("error", J::Str(error.clone())),
            ("line", l()),
        ]));
        self.errors.push(J::Obj(vec![
            ("file", J::Str(parsing.file.clone())),
            ("error", J::Str(error)),
            ("line", l()),
        ]));
    }

    /// crossplane's `_parse`.
    fn parse(
        &mut self,
        parsing: &mut Parsing,
        toks: &mut Tokens,
        ctx: &Ctx,
        consume: bool,
    ) -> Result<Vec<J>, Abort> {
        let mut parsed = Vec::new();
        while let Some(tok) = toks.next()? {
            if tok.is("}") {
                break;
            }
            if consume {
                if tok.is("{") {
                    self.parse(parsing, toks, &Vec::new(), true)?;
                }
                continue;
            }
            let directive = tok.text.clone();
            let line = tok.line;
            if tok.is_comment() {
                continue;
            }
            let mut args = Vec::new();
            let mut comments = Vec::new();
            let mut term = toks.next_in_statement()?;
            while term.quoted || !(term.is("{") || term.is(";") || term.is("}")) {
                if term.is_comment() {
                    comments.push(
                        term.text
                            .strip_prefix('#')
                            .unwrap_or(&term.text)
                            .to_string(),
                    );
                } else {
                    args.push(term.text);
                }
                term = toks.next_in_statement()?;
            }
            if directive == "if" {
                strip_if(&mut args);
            }
            if let Some(reason) = analyze(&directive, &args, &term, ctx) {
                let reason = py_format(&reason, &directive).map_err(|e| Abort {
                    error: e,
                    line: None,
                })?;
                let error = format!("{reason} in {}:{line}", parsing.file);
                self.handle_error(parsing, error, Some(line));
                if reason.ends_with(" is not terminated by \";\"") {
                    if !term.is("}") {
                        self.parse(parsing, toks, &Vec::new(), true)?;
                    } else {
                        break;
                    }
                }
                continue;
            }
            let mut stmt: Vec<(&'static str, J)> = vec![
                ("directive", J::Str(directive.clone())),
                ("line", J::Int(line)),
                ("args", J::Arr(args.iter().cloned().map(J::Str).collect())),
            ];
            if directive == "include" {
                let Some(first) = args.first() else {
                    return Err(Abort {
                        error: "list index out of range".into(),
                        line: None,
                    });
                };
                let pattern = if first.starts_with('/') {
                    first.clone()
                } else {
                    join(&self.config_dir, first)
                };
                let fnames = if has_magic(&pattern) {
                    let mut f = glob(&self.disk, &pattern, false);
                    f.sort();
                    f
                } else if let Some(e) = open_error(&self.disk, &pattern) {
                    self.handle_error(parsing, e, Some(line));
                    Vec::new()
                } else {
                    vec![pattern]
                };
                let mut idx = Vec::new();
                for f in fnames {
                    let i = match self.included.get(&f) {
                        Some(&i) => i,
                        None => {
                            let i = self.queue.len();
                            self.included.insert(f.clone(), i);
                            self.queue.push((f, ctx.clone()));
                            i
                        }
                    };
                    idx.push(J::Int(i));
                }
                stmt.push(("includes", J::Arr(idx)));
            }
            if term.is("{") {
                let inner = enter(ctx, &directive);
                let block = self.parse(parsing, toks, &inner, false)?;
                stmt.push(("block", J::Arr(block)));
            }
            parsed.push(J::Obj(stmt));
            for c in comments {
                parsed.push(J::Obj(vec![
                    ("directive", J::Str("#".into())),
                    ("line", J::Int(line)),
                    ("args", J::Arr(Vec::new())),
                    ("comment", J::Str(c)),
                ]));
            }
        }
        Ok(parsed)
    }

    fn file(&mut self, q: usize) -> J {
        let (name, ctx) = self.queue[q].clone();
        let mut parsing = Parsing {
            file: name.clone(),
            errors: Vec::new(),
        };
        let read = match open_error(&self.disk, &name) {
            Some(e) => Err(e),
            None => std::fs::read(self.disk.join(&name)).map_err(|e| os_error(&e, &name)),
        };
        let parsed = match read {
            Err(e) => {
                self.handle_error(&mut parsing, e, None);
                Vec::new()
            }
            Ok(src) => {
                let mut toks = Tokens::new(&src, &name);
                match self.parse(&mut parsing, &mut toks, &ctx, false) {
                    Ok(p) => p,
                    Err(a) => {
                        self.handle_error(&mut parsing, a.error, a.line);
                        Vec::new()
                    }
                }
            }
        };
        let status = if parsing.errors.is_empty() {
            "ok"
        } else {
            "failed"
        };
        J::Obj(vec![
            ("file", J::Str(name)),
            ("status", J::Str(status.into())),
            ("errors", J::Arr(parsing.errors)),
            ("parsed", J::Arr(parsed)),
        ])
    }
}

/// What `crossplane parse FILE` prints (with `--indent N` when `indent` is given), newline
/// included, for the file named `given` as on the command line, run in the current folder.
pub fn payload(given: &str, indent: Option<usize>) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    payload_in(&cwd, given, indent)
}

/// [`payload`] as if run in the folder `cwd`.
pub fn payload_in(cwd: &Path, given: &str, indent: Option<usize>) -> String {
    let mut run = Run {
        disk: cwd.to_path_buf(),
        config_dir: dirname(given),
        queue: vec![(given.to_string(), Vec::new())],
        included: HashMap::from([(given.to_string(), 0)]),
        errors: Vec::new(),
    };
    let mut configs = Vec::new();
    let mut q = 0;
    while q < run.queue.len() {
        configs.push(run.file(q));
        q += 1;
    }
    let status = if run.errors.is_empty() {
        "ok"
    } else {
        "failed"
    };
    let errors = std::mem::take(&mut run.errors);
    let v = J::Obj(vec![
        ("status", J::Str(status.into())),
        ("errors", J::Arr(errors)),
        ("config", J::Arr(configs)),
    ]);
    let mut out = String::new();
    dump(&v, &mut out, indent, 0);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(s: &str) -> Tok {
        Tok {
            text: s.into(),
            line: 1,
            quoted: false,
        }
    }

    #[test]
    fn json_as_python_writes_it() {
        let v = J::Obj(vec![
            ("a", J::Str("é\u{1f600}\"\\\n\u{1}\u{7f}/".into())),
            ("b", J::Arr(vec![J::Int(1), J::Null, J::Arr(vec![])])),
        ]);
        let mut s = String::new();
        dump(&v, &mut s, None, 0);
        assert_eq!(
            s,
            r#"{"a":"\u00e9\ud83d\ude00\"\\\n\u0001\u007f/","b":[1,null,[]]}"#
        );
        let mut s = String::new();
        dump(&v, &mut s, Some(2), 0);
        assert_eq!(
            s,
            "{\n  \"a\": \"\\u00e9\\ud83d\\ude00\\\"\\\\\\n\\u0001\\u007f/\",\n  \"b\": [\n    1,\n    null,\n    []\n  ]\n}"
        );
    }

    #[test]
    fn paths_as_python_forms_them() {
        assert_eq!(join("", "x.conf"), "x.conf");
        assert_eq!(join("nginx", "conf.d/*.conf"), "nginx/conf.d/*.conf");
        assert_eq!(join("nginx", "/etc/x"), "/etc/x");
        assert_eq!(dirname("nginx.conf"), "");
        assert_eq!(dirname("/nginx.conf"), "/");
        assert_eq!(dirname("a//b.conf"), "a");
        assert_eq!(dirname("a/b/"), "a/b");
        assert_eq!(
            split("a/b/*.conf"),
            ("a/b".to_string(), "*.conf".to_string())
        );
        assert_eq!(repr("a'b"), "\"a'b\"");
        assert_eq!(repr("a\\b\n"), "'a\\\\b\\n'");
    }

    #[test]
    fn fnmatch_as_python() {
        let m = |p: &str, n: &str| {
            fnmatch(
                &p.chars().collect::<Vec<_>>(),
                &n.chars().collect::<Vec<_>>(),
            )
        };
        assert!(m("*.conf", "a.conf"));
        assert!(!m("*.conf", "a.conf.bak"));
        assert!(m("[!a]*", "b"));
        assert!(!m("[!a]*", "a"));
        assert!(m("[a-c]?", "bz"));
        assert!(m("[]]", "]"));
        assert!(m("[x", "[x"));
    }

    #[test]
    fn python_formatting_of_reasons() {
        assert_eq!(
            py_format("directive \"%s\" has no opening \"{\"", "a%b").as_deref(),
            Ok("directive \"a%b\" has no opening \"{\"")
        );
        assert_eq!(
            py_format("invalid value \"50%\" in \"%s\" directive", "gzip"),
            Err("unsupported format character '\"' (0x22) at index 18".to_string())
        );
        assert_eq!(
            py_format("invalid value \"%s\" in \"%s\" directive", "gzip"),
            Err("not enough arguments for format string".to_string())
        );
    }

    #[test]
    fn analyzer_as_crossplane() {
        let http = vec!["http".to_string()];
        let semi = tok(";");
        assert_eq!(analyze("sendfile", &["on".into()], &semi, &http), None);
        assert_eq!(
            analyze("sendfile", &["yes".into()], &semi, &http).as_deref(),
            Some("invalid value \"yes\" in \"%s\" directive, it must be \"on\" or \"off\"")
        );
        assert_eq!(
            analyze("listen", &["80".into()], &semi, &Vec::new()).as_deref(),
            Some("\"%s\" directive is not allowed here")
        );
        assert_eq!(
            analyze("sendfile", &["on".into()], &tok("{"), &http).as_deref(),
            Some("directive \"%s\" is not terminated by \";\"")
        );
        assert_eq!(analyze("no_such_directive", &[], &semi, &Vec::new()), None);
        assert_eq!(
            enter(&vec!["http".into(), "location".into()], "location"),
            vec!["http".to_string(), "location".to_string()]
        );
    }
}
