//! nginx configuration reader that follows nginx's own `ngx_conf_file.c` byte for byte.
//!
//! [`parse`] turns one file's bytes into directives with byte spans, keeping comments, raw bytes
//! and unescaped values apart; errors carry nginx's exact wording. No I/O happens here: include
//! resolution and directive validation in context live with the caller (see `directives`).

// Slicing a `str` at a byte offset panics inside a multi-byte character, and configuration
// text is whatever bytes a user wrote: cut with `split_once`, `strip_prefix`, `get` or on bytes.
#![cfg_attr(not(test), deny(clippy::string_slice))]

pub mod ast;
pub mod directives;
pub mod error;
pub mod format;
mod lexer;
pub mod parser;

pub use ast::{Block, Directive, Quote, Span, Terminator, Word};
pub use error::{SyntaxError, SyntaxErrorKind};
pub use lexer::CONF_BUFFER;
pub use parser::{is_lua_block, parse, ParsedFile, LUA_BLOCKS, MAX_DEPTH};
