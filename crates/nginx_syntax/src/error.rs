//! Syntax errors, worded as nginx words them.

use crate::ast::Span;

/// What went wrong while reading.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxErrorKind {
    /// `unexpected "X"`: a `;`, `{` or `}` out of place, or a byte right after a closing quote.
    #[error("unexpected \"{}\"", show_byte(*.0))]
    Unexpected(u8),
    /// The file ended inside a statement.
    #[error("unexpected end of file, expecting \";\" or \"}}\"")]
    EofInStatement,
    /// The file ended inside a block.
    #[error("unexpected end of file, expecting \"}}\"")]
    EofInBlock,
    /// A word (or comment) filled nginx's 4096-byte read buffer.
    #[error("too long parameter \"{}...\" started", String::from_utf8_lossy(.0))]
    TooLongParameter(Vec<u8>),
    /// A quoted word filled the buffer: its closing quote is probably missing.
    #[error("too long parameter, probably missing terminating \"{}\" character", *.0 as char)]
    TooLongQuoted(u8),
    /// An OpenResty Lua block never closed.
    #[error("unexpected end of file, expecting terminating characters for lua code block")]
    LuaEof,
    /// A Lua long bracket (`[==[`) never closed.
    #[error("Lua code block missing the closing long bracket \"{0}\", the inlined Lua code may be too long")]
    LuaLongBracket(String),
    /// Blocks nested deeper than ngxlint reads (nginx itself has no limit but its stack).
    #[error("blocks nested deeper than {0} levels; the deeper content is not checked")]
    TooDeep(usize),
}

fn show_byte(b: u8) -> String {
    String::from_utf8_lossy(&[b]).into_owned()
}

/// A syntax error with where to show it and where nginx would report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// What went wrong.
    pub kind: SyntaxErrorKind,
    /// The precise place to show: the offending byte, word or statement start.
    pub span: Span,
    /// The offset where nginx's scanner stood when it reported the error; nginx cites the line
    /// of this offset (for a too-long word, the word's start).
    pub nginx_offset: u32,
}

impl SyntaxError {
    /// nginx's message.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }
}
