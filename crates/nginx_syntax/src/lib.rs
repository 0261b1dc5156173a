//! nginx configuration reader that follows nginx's own `ngx_conf_file.c` byte for byte.
//!
//! [`parse`] turns one file's bytes into directives with byte spans, keeping comments, raw bytes
//! and unescaped values apart; errors carry nginx's exact wording. No I/O happens here: include
//! resolution and directive validation in context live with the caller (see `directives`).

pub mod ast;
pub mod directives;
pub mod error;
mod lexer;
pub mod parser;
pub mod values;

pub use ast::{Block, Directive, Quote, Span, Terminator, Word};
pub use error::{SyntaxError, SyntaxErrorKind};
pub use lexer::CONF_BUFFER;
pub use parser::{is_lua_block, parse, ParsedFile, LUA_BLOCKS, MAX_DEPTH};
