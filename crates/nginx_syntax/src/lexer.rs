//! nginx's tokenizer, `ngx_conf_read_token()` from `src/core/ngx_conf_file.c`, ported byte for byte.
//!
//! One call to [`Reader::next`] reads one statement, as nginx does: the words up to `;`, `{` or a
//! lone `}`. The per-byte state machine is the C one; nom scanners skip the long runs (word
//! bodies, comments, quoted text) so the hot path does not branch per byte.

use nom::bytes::complete::{take_till, take_while};
use nom::Parser;

use crate::ast::{Quote, Span, Word};
use crate::error::{SyntaxError, SyntaxErrorKind};

/// nginx's `NGX_CONF_BUFFER`: a word (or comment) that fills it is an error.
pub const CONF_BUFFER: usize = 4096;

type NomErr<'a> = nom::error::Error<&'a [u8]>;

/// The four bytes nginx treats as whitespace (form feed, VT and NBSP are word bytes).
#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Bytes that need attention inside an unquoted word.
static WORD_STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t[b';' as usize] = true;
    t[b'{' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'$' as usize] = true;
    t
};

/// A statement's first word and the others; `None` when it has no words.
pub(crate) type Head = Option<(Word, Vec<Word>)>;

/// What one call of the reader found.
#[derive(Debug)]
pub(crate) enum Event {
    /// A statement: its words and how it ended (`;` or missing after an error).
    Statement(Head, crate::ast::Terminator),
    /// Words followed by `{` at this offset (no words: an error was reported).
    BlockStart(Head, u32),
    /// A lone `}` at this offset.
    BlockEnd(u32),
    /// End of input.
    Eof,
}

/// Reads statements from one file's bytes.
pub(crate) struct Reader<'a> {
    pub(crate) src: &'a [u8],
    pub(crate) pos: usize,
    pub(crate) errors: Vec<SyntaxError>,
    pub(crate) comments: Vec<Span>,
    scratch: Vec<Word>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(src: &'a [u8]) -> Self {
        Reader {
            src,
            pos: 0,
            errors: Vec::new(),
            comments: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The statement's name and an exact-size copy of its arguments; the buffer goes back for
    /// the next statement.
    fn keep(&mut self, words: &mut Vec<Word>) -> Head {
        let out = words
            .split_first()
            .map(|(name, args)| (*name, args.to_vec()));
        words.clear();
        self.scratch = std::mem::take(words);
        out
    }

    fn error(&mut self, kind: SyntaxErrorKind, span: Span, nginx_offset: usize) {
        self.errors.push(SyntaxError {
            kind,
            span,
            nginx_offset: nginx_offset as u32,
        });
    }

    /// Reports nginx's buffer-full error for the run that began at `start`.
    fn too_long(&mut self, start: usize, quote: Option<u8>, word_start: usize) {
        let kind = match quote {
            Some(q) => SyntaxErrorKind::TooLongQuoted(q),
            None => {
                let end = (start + 10).min(self.src.len());
                SyntaxErrorKind::TooLongParameter(self.src[start..end].to_vec())
            }
        };
        let span = Span::new(word_start, (word_start + 1).min(self.src.len()));
        self.error(kind, span, start);
    }

    /// Reads the next statement, recovering after errors so the rest of the file is still read.
    pub(crate) fn next(&mut self) -> Event {
        let src = self.src;
        let len = src.len();
        // Words collect in a reused buffer; each statement leaves with an exact-size copy.
        let mut words: Vec<Word> = std::mem::take(&mut self.scratch);
        words.clear();
        let mut i = self.pos;
        // nginx's `start`: where the current run began; a run reaching CONF_BUFFER bytes is an error.
        let mut start = i;
        let mut last_space = true;
        let mut need_space = false;
        // Set after an "unexpected" byte following a quote, so its re-read does not report twice.
        let mut recovering = false;

        loop {
            if i >= len {
                self.pos = len;
                if !words.is_empty() {
                    let at = words[0].span;
                    self.error(SyntaxErrorKind::EofInStatement, at, len);
                    return Event::Statement(
                        self.keep(&mut words),
                        crate::ast::Terminator::Missing(len as u32),
                    );
                }
                return Event::Eof;
            }
            if i - start == CONF_BUFFER {
                self.too_long(start, None, start);
                start = i;
            }
            let ch = src[i];
            i += 1;

            if need_space {
                if is_space(ch) {
                    last_space = true;
                    need_space = false;
                    continue;
                }
                if ch == b';' {
                    self.pos = i;
                    return Event::Statement(
                        self.keep(&mut words),
                        crate::ast::Terminator::Semicolon((i - 1) as u32),
                    );
                }
                if ch == b'{' {
                    self.pos = i;
                    return Event::BlockStart(self.keep(&mut words), (i - 1) as u32);
                }
                need_space = false;
                last_space = true;
                if ch != b')' {
                    self.error(SyntaxErrorKind::Unexpected(ch), Span::new(i - 1, i), i - 1);
                    // Re-read the byte as if a space had preceded it.
                    i -= 1;
                    recovering = true;
                    continue;
                }
            }

            if last_space {
                start = i - 1;
                if is_space(ch) {
                    // Skip the rest of the whitespace run; `start` follows each byte, so the
                    // buffer limit cannot trigger inside it.
                    let (rest, _) = take_while::<_, _, NomErr>(is_space)
                        .parse(&src[i..])
                        .unwrap_or((&src[i..], &[][..]));
                    let j = len - rest.len();
                    if j > i {
                        start = j - 1;
                        i = j;
                    }
                    continue;
                }
                match ch {
                    b';' | b'{' => {
                        if words.is_empty() {
                            self.error(SyntaxErrorKind::Unexpected(ch), Span::new(i - 1, i), i - 1);
                            if ch == b'{' {
                                self.pos = i;
                                return Event::BlockStart(self.keep(&mut words), (i - 1) as u32);
                            }
                            continue;
                        }
                        self.pos = i;
                        if ch == b'{' {
                            return Event::BlockStart(self.keep(&mut words), (i - 1) as u32);
                        }
                        return Event::Statement(
                            self.keep(&mut words),
                            crate::ast::Terminator::Semicolon((i - 1) as u32),
                        );
                    }
                    b'}' => {
                        if !words.is_empty() {
                            if !recovering {
                                self.error(
                                    SyntaxErrorKind::Unexpected(b'}'),
                                    Span::new(i - 1, i),
                                    i - 1,
                                );
                            }
                            // Leave the `}` to close the block on the next call.
                            self.pos = i - 1;
                            return Event::Statement(
                                self.keep(&mut words),
                                crate::ast::Terminator::Missing((i - 1) as u32),
                            );
                        }
                        self.pos = i;
                        return Event::BlockEnd((i - 1) as u32);
                    }
                    b'#' => {
                        // A comment runs to the end of the line; `start` stays on the `#`.
                        let (rest, _) = take_till::<_, _, NomErr>(|b| b == b'\n')
                            .parse(&src[i..])
                            .unwrap_or((&src[i..], &[][..]));
                        let lf = len - rest.len();
                        if start + CONF_BUFFER <= lf && start + CONF_BUFFER < len {
                            self.too_long(start, None, start);
                        }
                        self.comments.push(Span::new(i - 1, lf));
                        i = lf;
                        recovering = false;
                        continue;
                    }
                    b'"' | b'\'' => {
                        let (word, next, closed) = self.quoted(i, ch);
                        i = next;
                        words.push(word);
                        if closed {
                            need_space = true;
                            last_space = false;
                        }
                        start = word.inner().start as usize;
                        recovering = false;
                        continue;
                    }
                    _ => {
                        // An unquoted word, starting with `ch` (which may be `\` or `$`).
                        let (word, next, end) = self.unquoted(i - 1);
                        words.push(word);
                        i = next;
                        recovering = false;
                        match end {
                            WordEnd::Space => {
                                last_space = true;
                                start = i - 1;
                            }
                            WordEnd::Semicolon => {
                                self.pos = i;
                                return Event::Statement(
                                    self.keep(&mut words),
                                    crate::ast::Terminator::Semicolon((i - 1) as u32),
                                );
                            }
                            WordEnd::Brace => {
                                self.pos = i;
                                return Event::BlockStart(self.keep(&mut words), (i - 1) as u32);
                            }
                            WordEnd::Eof => {
                                start = i;
                            }
                        }
                        continue;
                    }
                }
            }
        }
    }

    /// Reads an unquoted word whose first byte is at `ws`. Returns the word, the offset after the
    /// byte that ended it, and what ended it.
    fn unquoted(&mut self, ws: usize) -> (Word, usize, WordEnd) {
        let src = self.src;
        let len = src.len();
        let mut start = ws; // nginx's `start` for the buffer limit
        let mut i = ws;
        let mut escaped = false;
        let mut variable = false;
        // The first byte is special only as `\` or `$`.
        let mut first = true;
        loop {
            if i >= len {
                let word = Word::bare(Span::new(ws, len), escaped);
                return (word, len, WordEnd::Eof);
            }
            if !first {
                // Skip ordinary bytes in one go.
                let (rest, _) = take_till::<_, _, NomErr>(|b| WORD_STOP[b as usize])
                    .parse(&src[i..])
                    .unwrap_or((&src[i..], &[][..]));
                let j = len - rest.len();
                if j > i {
                    variable = false;
                    if start + CONF_BUFFER < j {
                        self.too_long(start, None, ws);
                        start += CONF_BUFFER;
                    }
                    i = j;
                    continue;
                }
            }
            if i - start == CONF_BUFFER {
                self.too_long(start, None, ws);
                start = i;
            }
            let ch = src[i];
            i += 1;
            if first {
                first = false;
                match ch {
                    b'\\' => {
                        escaped = true;
                        i = self.skip_escaped(i, &mut start, ws);
                    }
                    b'$' => variable = true,
                    _ => {}
                }
                continue;
            }
            if ch == b'{' && variable {
                continue;
            }
            variable = false;
            match ch {
                b'\\' => {
                    escaped = true;
                    i = self.skip_escaped(i, &mut start, ws);
                }
                b'$' => variable = true,
                b';' | b'{' | b' ' | b'\t' | b'\r' | b'\n' => {
                    let word = Word::bare(Span::new(ws, i - 1), escaped);
                    let end = match ch {
                        b';' => WordEnd::Semicolon,
                        b'{' => WordEnd::Brace,
                        _ => WordEnd::Space,
                    };
                    return (word, i, end);
                }
                _ => {}
            }
        }
    }

    /// The byte after a `\` is taken without inspection (nginx's `quoted` flag).
    fn skip_escaped(&mut self, i: usize, start: &mut usize, ws: usize) -> usize {
        if i >= self.src.len() {
            return i;
        }
        if i - *start == CONF_BUFFER {
            self.too_long(*start, None, ws);
            *start = i;
        }
        i + 1
    }

    /// Reads a quoted word whose opening quote is at `open - 1`. Returns the word, the offset
    /// after the closing quote, and whether it closed before the end of the file.
    fn quoted(&mut self, open: usize, q: u8) -> (Word, usize, bool) {
        let src = self.src;
        let len = src.len();
        let mut start = open;
        let mut i = open;
        let mut escaped = false;
        let quote = if q == b'"' {
            Quote::Double
        } else {
            Quote::Single
        };
        loop {
            let (rest, _) = take_till::<_, _, NomErr>(|b| b == q || b == b'\\')
                .parse(&src[i..])
                .unwrap_or((&src[i..], &[][..]));
            let j = len - rest.len();
            if start + CONF_BUFFER < j {
                // The read buffer filled while the quote was still open.
                self.too_long(start, Some(q), open - 1);
                start += CONF_BUFFER;
                continue;
            }
            i = j;
            if i >= len {
                let word = Word::quoted(Span::new(open - 1, len), quote, escaped, false);
                return (word, len, false);
            }
            if i - start == CONF_BUFFER {
                self.too_long(start, Some(q), open - 1);
                start = i;
            }
            let ch = src[i];
            i += 1;
            if ch == b'\\' {
                escaped = true;
                if i < len {
                    if i - start == CONF_BUFFER {
                        self.too_long(start, Some(q), open - 1);
                        start = i;
                    }
                    i += 1;
                }
                continue;
            }
            // The closing quote. nginx keeps counting the run from the word's start until the
            // next word begins; the caller carries on with `start = inner.start`.
            let word = Word::quoted(Span::new(open - 1, i), quote, escaped, true);
            return (word, i, true);
        }
    }
}

enum WordEnd {
    Space,
    Semicolon,
    Brace,
    Eof,
}
