//! `ngx_conf_parse()`: statements into a tree of directives and blocks, plus OpenResty's Lua blocks.

use crate::ast::{Block, Directive, Quote, Span, Terminator, Word};
use crate::error::{SyntaxError, SyntaxErrorKind};
use crate::lexer::{Event, Head, Reader};

/// Deepest block nesting ngxlint keeps (nginx has no limit but its C stack; real configs use < 10).
pub const MAX_DEPTH: usize = 200;

/// OpenResty's `*_by_lua_block` directives: their body is read by the Lua module's own lexer
/// (`ngx_http_lua_conf_lua_block_parse()` in lua-nginx-module) and becomes one argument.
pub const LUA_BLOCKS: [&str; 19] = [
    "init_by_lua_block",
    "init_worker_by_lua_block",
    "exit_worker_by_lua_block",
    "set_by_lua_block",
    "server_rewrite_by_lua_block",
    "rewrite_by_lua_block",
    "access_by_lua_block",
    "content_by_lua_block",
    "precontent_by_lua_block",
    "log_by_lua_block",
    "header_filter_by_lua_block",
    "body_filter_by_lua_block",
    "balancer_by_lua_block",
    "ssl_certificate_by_lua_block",
    "ssl_session_fetch_by_lua_block",
    "ssl_session_store_by_lua_block",
    "ssl_client_hello_by_lua_block",
    "proxy_ssl_certificate_by_lua_block",
    "proxy_ssl_verify_by_lua_block",
];

/// One file, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedFile {
    /// Top-level statements.
    pub directives: Vec<Directive>,
    /// Every `#` comment (the `#` through the end of its line, newline excluded).
    pub comments: Vec<Span>,
    /// Syntax errors in file order; nginx would stop at the first.
    pub errors: Vec<SyntaxError>,
    /// How many block statements the file holds, at every depth (a reader sizes its tables by it).
    pub blocks: u32,
}

/// Whether `name` starts an OpenResty Lua block.
pub fn is_lua_block(name: &[u8]) -> bool {
    name.ends_with(b"_by_lua_block") && LUA_BLOCKS.iter().any(|n| n.as_bytes() == name)
}

struct Frame {
    head: Option<(Word, Vec<Word>, u32)>,
    /// Where the block's statements start in the parser's stack of pending statements.
    start: usize,
}

/// Reads one file. Never fails: errors are collected and reading resumes after each.
pub fn parse(src: &[u8]) -> ParsedFile {
    let mut reader = Reader::new(src);
    let mut stack: Vec<Frame> = Vec::new();
    // Statements wait here until their block closes, then move once into an exact-size list
    // (no list grows by doubling, and none is shrunk afterwards); what is left is the top level.
    // Room for the statements of a typical file at once (a statement every 32 bytes or so), so
    // the list is not regrown statement after statement; it lives only while the file is read.
    let mut pending: Vec<Directive> = Vec::with_capacity((src.len() / 32).clamp(8, 4096));
    let mut too_deep_reported = false;
    let mut blocks = 0u32;
    // Frames beyond MAX_DEPTH are counted, not kept.
    let mut skipped_depth = 0usize;

    loop {
        match reader.next() {
            Event::Statement(words, term) => {
                if skipped_depth > 0 {
                    continue;
                }
                if let Some((name, args)) = words {
                    pending.push(Directive {
                        known: known(&name, src),
                        name,
                        args: args.into_boxed_slice(),
                        terminator: term,
                        block: None,
                    });
                }
            }
            Event::BlockStart(words, at) => {
                if let Some((first, _)) = &words {
                    if is_lua_block(&first.value(src)) {
                        let d = lua_block(&mut reader, words, at);
                        if skipped_depth == 0 {
                            pending.push(d);
                        }
                        continue;
                    }
                }
                if skipped_depth > 0 || stack.len() >= MAX_DEPTH {
                    if !too_deep_reported {
                        too_deep_reported = true;
                        let span = words
                            .as_ref()
                            .map(|(w, _)| w.span)
                            .unwrap_or(Span::new(at as usize, at as usize + 1));
                        reader.errors.push(SyntaxError {
                            kind: SyntaxErrorKind::TooDeep(MAX_DEPTH),
                            span,
                            nginx_offset: at,
                        });
                    }
                    skipped_depth += 1;
                    continue;
                }
                let head = words.map(|(n, a)| (n, a, at));
                stack.push(Frame {
                    head,
                    start: pending.len(),
                });
            }
            Event::BlockEnd(at) => {
                if skipped_depth > 0 {
                    skipped_depth -= 1;
                    continue;
                }
                match stack.pop() {
                    Some(frame) => {
                        if let Some((name, args, open)) = frame.head {
                            let d = Directive {
                                known: known(&name, src),
                                name,
                                args: args.into_boxed_slice(),
                                terminator: Terminator::Block(open),
                                block: Some(Box::new(Block {
                                    children: pending.split_off(frame.start),
                                    close: Some(at),
                                })),
                            };
                            blocks += 1;
                            pending.push(d);
                        } else {
                            // A block without words (an error was reported) is dropped whole.
                            pending.truncate(frame.start);
                        }
                    }
                    None => reader.errors.push(SyntaxError {
                        kind: SyntaxErrorKind::Unexpected(b'}'),
                        span: Span::new(at as usize, at as usize + 1),
                        nginx_offset: at,
                    }),
                }
            }
            Event::Eof => {
                if !stack.is_empty() || skipped_depth > 0 {
                    let len = src.len();
                    let span = stack
                        .iter()
                        .rev()
                        .find_map(|f| f.head.as_ref().map(|(n, _, _)| n.span))
                        .unwrap_or(Span::new(len, len));
                    reader.errors.push(SyntaxError {
                        kind: SyntaxErrorKind::EofInBlock,
                        span,
                        nginx_offset: len as u32,
                    });
                }
                while let Some(frame) = stack.pop() {
                    if let Some((name, args, open)) = frame.head {
                        let d = Directive {
                            known: known(&name, src),
                            name,
                            args: args.into_boxed_slice(),
                            terminator: Terminator::Block(open),
                            block: Some(Box::new(Block {
                                children: pending.split_off(frame.start),
                                close: None,
                            })),
                        };
                        blocks += 1;
                        pending.push(d);
                    } else {
                        pending.truncate(frame.start);
                    }
                }
                break;
            }
        }
    }
    pending.shrink_to_fit();
    ParsedFile {
        directives: pending,
        comments: reader.comments,
        errors: reader.errors,
        blocks,
    }
}

/// Reads a Lua block body after its `{` at `open`, as lua-nginx-module's lexer does: braces are
/// counted outside Lua strings, `--` comments and long brackets `[==[ ]==]`.
fn lua_block(reader: &mut Reader<'_>, words: Head, open: u32) -> Directive {
    let src = reader.src;
    let len = src.len();
    let body_start = open as usize + 1;
    let mut i = body_start;
    let mut depth = 1usize;
    // The Lua module reports an unclosed block at the line of the last `{` it saw.
    let mut last_open = open as usize;
    let fail = |reader: &mut Reader<'_>, kind: SyntaxErrorKind, at: usize| {
        reader.errors.push(SyntaxError {
            kind,
            span: Span::new(open as usize, open as usize + 1),
            nginx_offset: at as u32,
        });
    };
    let close = loop {
        if i >= len {
            fail(reader, SyntaxErrorKind::LuaEof, last_open);
            break None;
        }
        // `--[==[ ... ]==]` long comments and `[==[ ... ]==]` long strings close the same way.
        let long = match src[i] {
            b'-' if src.get(i + 1) == Some(&b'-') => Some(skip_long(src, i + 2, true)),
            b'[' => Some(skip_long(src, i, false)),
            _ => None,
        };
        match long {
            Some(Ok(next)) => {
                i = next;
                continue;
            }
            Some(Err(level)) => {
                fail(
                    reader,
                    SyntaxErrorKind::LuaLongBracket(format!("]{}]", "=".repeat(level))),
                    i,
                );
                break None;
            }
            None => {}
        }
        match src[i] {
            b'{' => {
                depth += 1;
                last_open = i;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    break Some(i);
                }
                i += 1;
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < len && src[i] != q {
                    i += if src[i] == b'\\' { 2 } else { 1 };
                }
                if i >= len {
                    fail(reader, SyntaxErrorKind::LuaEof, last_open);
                    break None;
                }
                i += 1;
            }
            _ => i += 1,
        }
    };
    reader.pos = close.map(|c| c + 1).unwrap_or(len);
    let body = Word::quoted(
        Span::new(open as usize, close.map(|c| c + 1).unwrap_or(len)),
        Quote::Lua,
        false,
        close.is_some(),
    );
    let (name, mut args) = words.unwrap_or((body, Vec::new()));
    args.push(body);
    Directive {
        known: known(&name, src),
        name,
        args: args.into_boxed_slice(),
        terminator: Terminator::Block(open),
        block: None,
    }
}

/// The number of a statement's name among the names the tables know (see [`Directive::known`]).
fn known(name: &Word, src: &[u8]) -> u16 {
    crate::directives::name_index(&name.value(src))
}

/// Skips what starts at `at`: a long bracket to its close (`Err(level)` when it never closes),
/// else for a comment the rest of the line, else one byte.
fn skip_long(src: &[u8], at: usize, comment: bool) -> Result<usize, usize> {
    match long_bracket(&src[at..]) {
        Some(level) => close_long_bracket(src, at + level + 2, level).ok_or(level),
        None if comment => Ok(src[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(src.len(), |p| at + p)),
        None => Ok(at + 1),
    }
}

/// `[`, any number of `=`, `[`: returns the number of `=`.
fn long_bracket(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'[') {
        return None;
    }
    let eq = s[1..].iter().take_while(|&&b| b == b'=').count();
    (s.get(1 + eq) == Some(&b'[')).then_some(eq)
}

/// Finds `]`, `level` times `=`, `]` from `from`; returns the offset after it.
fn close_long_bracket(src: &[u8], from: usize, level: usize) -> Option<usize> {
    let mut i = from;
    while i < src.len() {
        let p = memchr::memchr(b']', &src[i..])? + i;
        let eq = src[p + 1..]
            .iter()
            .take(level)
            .take_while(|&&b| b == b'=')
            .count();
        if eq == level && src.get(p + 1 + level) == Some(&b']') {
            return Some(p + level + 2);
        }
        i = p + 1;
    }
    None
}
