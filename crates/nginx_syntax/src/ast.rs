//! The syntax tree: directives, words and blocks, each with byte spans into its file.

use std::borrow::Cow;

/// A byte range `[start, end)` in one file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from two offsets.
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
    /// The bytes it covers in `src` (empty if out of range).
    pub fn slice<'a>(&self, src: &'a [u8]) -> &'a [u8] {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or(&[])
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }
    /// True for an empty span.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// How a word was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quote {
    /// Bare word.
    None,
    /// `'...'`
    Single,
    /// `"..."`
    Double,
    /// The raw body of an OpenResty `*_by_lua_block { ... }`.
    Lua,
}

/// One word of a statement: the directive name or an argument.
///
/// Twelve bytes: the contents without the quotes ([`Word::inner`]) are worked out from the span,
/// the quote and whether the word is closed, not kept (a 2,000-server tree holds 400,000 words;
/// keeping a second span was 3 MB, and the memory every later step walks through).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Word {
    /// The bytes as written, including quotes (for Lua: the body with its braces).
    pub span: Span,
    /// How it was quoted.
    pub quote: Quote,
    /// Whether the contents hold a backslash, so the value differs from the raw bytes.
    pub escaped: bool,
    /// Whether the closing quote (or brace) is there: a word cut by the end of the file has none.
    closed: bool,
}

// The size the layout above is for (a directive holds one, its arguments one each).
const _: () = assert!(std::mem::size_of::<Word>() == 12);

impl Word {
    /// A bare word: its contents are its span.
    pub fn bare(span: Span, escaped: bool) -> Word {
        Word {
            span,
            quote: Quote::None,
            escaped,
            closed: false,
        }
    }

    /// A quoted word (or a Lua body): the span from the opening quote (brace) through the closing
    /// one, or to the end of the file when `closed` is false.
    pub fn quoted(span: Span, quote: Quote, escaped: bool, closed: bool) -> Word {
        Word {
            span,
            quote,
            escaped,
            closed: closed && quote != Quote::None,
        }
    }

    /// The contents without quotes (for Lua: without the braces).
    #[inline]
    pub fn inner(&self) -> Span {
        let open = u32::from(self.quote != Quote::None);
        let close = u32::from(self.closed);
        let start = (self.span.start + open).min(self.span.end);
        Span {
            start,
            end: self.span.end.saturating_sub(close).max(start),
        }
    }

    /// Where bytes `start..end` of the value stand in the file: exactly, when the value is the
    /// raw contents (nothing was unescaped) and the range lies in them; else the whole word.
    pub fn value_span(&self, start: usize, end: usize) -> Span {
        let inner = self.inner();
        if self.escaped || start > end || end > inner.len() {
            return self.span;
        }
        let at = inner.start as usize;
        Span::new(at + start, at + end)
    }

    /// The raw contents (without quotes, escapes not processed).
    pub fn raw<'a>(&self, src: &'a [u8]) -> &'a [u8] {
        self.inner().slice(src)
    }

    /// The value nginx hands to the directive's handler: nginx's six escapes processed
    /// (`\"` `\'` `\\` `\t` `\r` `\n`); any other backslash is kept with its byte.
    pub fn value<'a>(&self, src: &'a [u8]) -> Cow<'a, [u8]> {
        let raw = self.raw(src);
        if !self.escaped || self.quote == Quote::Lua {
            return Cow::Borrowed(raw);
        }
        Cow::Owned(unescape(raw))
    }

    /// The value as text (non-UTF-8 bytes replaced), for messages and comparisons.
    pub fn text<'a>(&self, src: &'a [u8]) -> Cow<'a, str> {
        // Nearly every word is valid UTF-8: `from_utf8` checks it word-at-a-time, while the lossy
        // form walks it in chunks; the lossy form only runs for the rare word that is not.
        match self.value(src) {
            // Nearly every word is ASCII, which `is_ascii` sees word-at-a-time in a few
            // instructions where `from_utf8` costs a hundred for a short word (73,000 words on
            // the 2,000-server benchmark tree).
            // SAFETY: ASCII bytes are valid UTF-8.
            Cow::Borrowed(b) if b.is_ascii() => {
                Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(b) })
            }
            Cow::Borrowed(b) => match std::str::from_utf8(b) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(b),
            },
            Cow::Owned(v) => match String::from_utf8(v) {
                Ok(s) => Cow::Owned(s),
                Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
            },
        }
    }

    /// Whether the value is exactly `s` (compares the processed value).
    pub fn is(&self, src: &[u8], s: &str) -> bool {
        if !self.escaped {
            // The length first: most comparisons fail there, without touching the bytes.
            self.inner().len() == s.len() && self.raw(src) == s.as_bytes()
        } else {
            &*self.value(src) == s.as_bytes()
        }
    }
}

/// nginx's unescape, as in `ngx_conf_read_token()`.
pub fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'\\' && i + 1 < raw.len() {
            match raw[i + 1] {
                c @ (b'"' | b'\'' | b'\\') => {
                    out.push(c);
                    i += 2;
                    continue;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                b'r' => {
                    out.push(b'\r');
                    i += 2;
                    continue;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// How a statement ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminator {
    /// `;` at this offset.
    Semicolon(u32),
    /// `{` at this offset; the block follows.
    Block(u32),
    /// Not terminated (a syntax error was reported); the offset is where reading stopped.
    Missing(u32),
}

impl Terminator {
    /// The offset where nginx's scanner stood when it dispatched the statement.
    pub fn offset(&self) -> u32 {
        match *self {
            Terminator::Semicolon(o) | Terminator::Block(o) | Terminator::Missing(o) => o,
        }
    }
}

/// A block's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The statements inside.
    pub children: Vec<Directive>,
    /// Offset of the closing `}` (None when the file ended first).
    pub close: Option<u32>,
}

/// One statement: a simple directive, a block directive, or a Lua block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// Word 0.
    pub name: Word,
    /// Words 1.. (for `*_by_lua_block`, the Lua body is the last argument, quote `Lua`).
    pub args: Box<[Word]>,
    /// How the statement ended.
    pub terminator: Terminator,
    /// The body, for block directives (boxed: most directives have none).
    pub block: Option<Box<Block>>,
    /// The name's number among the names the directive tables know
    /// ([`crate::directives::name_index`] of its value), or
    /// [`crate::directives::UNKNOWN_NAME`]: looked up once as the file is read.
    pub known: u16,
}

impl Directive {
    /// From the name's first byte to the terminator (or the block's closing brace), inclusive.
    pub fn span(&self) -> Span {
        let end = match (&self.block, self.terminator) {
            (Some(b), t) => match b.close {
                Some(c) => c + 1,
                // The file ended inside the block: up to its last statement.
                None => b
                    .children
                    .last()
                    .map(|d| d.span().end)
                    .unwrap_or(t.offset() + 1),
            },
            (None, Terminator::Missing(o)) => self
                .args
                .last()
                .map(|a| a.span.end)
                .unwrap_or(o)
                .max(self.name.span.end),
            // A Lua block ends with its body's closing brace.
            (None, _) if self.args.last().is_some_and(|a| a.quote == Quote::Lua) => {
                self.args.last().map(|a| a.span.end).unwrap_or(0)
            }
            (None, t) => t.offset() + 1,
        };
        Span {
            start: self.name.span.start,
            end,
        }
    }

    /// The span of the statement head: name through last argument.
    pub fn head_span(&self) -> Span {
        let end = self
            .args
            .last()
            .map(|a| a.span.end)
            .unwrap_or(self.name.span.end);
        Span {
            start: self.name.span.start,
            end,
        }
    }

    /// Whether the name is exactly `s`.
    pub fn is(&self, src: &[u8], s: &str) -> bool {
        self.name.is(src, s)
    }

    /// The children, or an empty slice for a simple directive.
    pub fn children(&self) -> &[Directive] {
        self.block
            .as_ref()
            .map(|b| b.children.as_slice())
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::{Quote, Span, Word};

    #[test]
    fn a_value_range_is_placed_in_the_file_only_where_the_value_is_the_raw_text() {
        // `"a$x"` at offset 10: the contents start after the quote.
        let quoted = Word::quoted(Span::new(10, 15), Quote::Double, false, true);
        assert_eq!(quoted.inner(), Span::new(11, 14));
        assert_eq!(quoted.value_span(1, 3), Span::new(12, 14));
        // Past the contents, backwards, or in a word with escapes: the whole word.
        assert_eq!(quoted.value_span(1, 4), quoted.span);
        assert_eq!(quoted.value_span(2, 1), quoted.span);
        let escaped = Word::quoted(Span::new(10, 16), Quote::Single, true, true);
        assert_eq!(escaped.value_span(0, 1), escaped.span);
        let bare = Word::bare(Span::new(3, 7), false);
        assert_eq!(bare.value_span(0, 4), Span::new(3, 7));
        // Cut by the end of the file: no closing quote to leave out.
        let open = Word::quoted(Span::new(0, 4), Quote::Double, false, false);
        assert_eq!(open.inner(), Span::new(1, 4));
    }
}
