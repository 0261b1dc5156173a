//! `ngxlint fmt`: one statement per line, indented by depth, with every comment, every word and
//! every multi-line statement kept as written.
//!
//! The formatter works on the reader's spans, not on a re-rendering of values: a word is copied
//! byte for byte (quotes, escapes, regexes), a statement that spans lines (a `log_format` with
//! continuation lines, a `map` entry split over lines) is copied from its first byte to its
//! terminator with only its first line re-indented, and an OpenResty Lua block is copied whole.
//! What changes is the whitespace between statements: indentation, line breaks between
//! statements written on one line, runs of blank lines (kept as groups, at most
//! `max_blank_lines`), the space before `;` and `{`, trailing blanks, the final newline. The result
//! is read back and compared with the input (the same statements and words, the same comments in
//! the same order); a difference is an error, never an output.

use crate::ast::{Directive, Quote};
use crate::parser::{parse, ParsedFile};

/// How blanks between the words of a one-line statement are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spacing {
    /// As written (alignment a human chose stays).
    Keep,
    /// One space.
    Single,
}

/// What happens to a block written on one line (`location = /x { return 204; }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OneLineBlocks {
    /// One statement per line.
    Expand,
    /// Left on its line as written.
    Keep,
}

/// The formatter's choices (`[format]` in `ngxlint.toml`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatOptions {
    /// One level of indentation: spaces or a tab.
    pub indent: String,
    /// The most blank lines kept in a row.
    pub max_blank_lines: usize,
    /// Blanks between words.
    pub spacing: Spacing,
    /// Blocks written on one line.
    pub one_line_blocks: OneLineBlocks,
}

impl Default for FormatOptions {
    fn default() -> Self {
        FormatOptions {
            indent: "    ".into(),
            max_blank_lines: 1,
            spacing: Spacing::Keep,
            one_line_blocks: OneLineBlocks::Expand,
        }
    }
}

/// Why a file was not formatted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// nginx could not read the file: it is left as it is.
    #[error("line {line}: {message}")]
    Syntax {
        /// 1-based line of the first error.
        line: usize,
        /// nginx's words.
        message: String,
    },
    /// The output would read differently from the input (a bug of the formatter; nothing is
    /// written).
    #[error("formatting would change what nginx reads ({0}); the file is left as it is")]
    Changed(String),
}

/// One thing the output is made of, in file order.
enum Item<'a> {
    /// A statement (`;`) or a block head (`{`).
    Statement { dir: &'a Directive, depth: usize },
    /// Bytes copied as written: a Lua block, or a block kept on its line.
    Verbatim {
        start: usize,
        end: usize,
        depth: usize,
    },
    /// A block's `}`.
    Close { at: usize, depth: usize },
    /// A `#` comment.
    Comment {
        start: usize,
        end: usize,
        depth: usize,
    },
}

impl Item<'_> {
    fn start(&self) -> usize {
        match *self {
            Item::Statement { dir, .. } => dir.name.span.start as usize,
            Item::Verbatim { start, .. } | Item::Comment { start, .. } => start,
            Item::Close { at, .. } => at,
        }
    }
    fn end(&self) -> usize {
        match *self {
            Item::Statement { dir, .. } => dir.terminator.offset() as usize + 1,
            Item::Verbatim { end, .. } | Item::Comment { end, .. } => end,
            Item::Close { at, .. } => at + 1,
        }
    }
}

/// Walks the tree in file order, placing each comment before the first item after it, at the
/// depth of the block it stands in; comments inside a statement copied whole are left to it.
struct Walk<'a> {
    src: &'a [u8],
    comments: &'a [crate::Span],
    next_comment: usize,
    items: Vec<Item<'a>>,
    opts: &'a FormatOptions,
}

impl<'a> Walk<'a> {
    fn comments_before(&mut self, at: usize, depth: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.start as usize >= at {
                break;
            }
            self.items.push(Item::Comment {
                start: c.start as usize,
                end: c.end as usize,
                depth,
            });
            self.next_comment += 1;
        }
    }
    fn skip_comments_to(&mut self, end: usize) {
        while self
            .comments
            .get(self.next_comment)
            .is_some_and(|c| (c.start as usize) < end)
        {
            self.next_comment += 1;
        }
    }
    fn directives(&mut self, dirs: &'a [Directive], depth: usize) {
        for d in dirs {
            let start = d.name.span.start as usize;
            self.comments_before(start, depth);
            let lua = d.args.last().is_some_and(|a| a.quote == Quote::Lua);
            if lua {
                let end = d.span().end as usize;
                self.items.push(Item::Verbatim { start, end, depth });
                self.skip_comments_to(end);
                continue;
            }
            let Some(block) = &d.block else {
                self.items.push(Item::Statement { dir: d, depth });
                self.skip_comments_to(d.terminator.offset() as usize);
                continue;
            };
            let Some(close) = block.close.map(|c| c as usize) else {
                continue;
            };
            let one_line = !self.src[start..close].contains(&b'\n');
            if one_line && self.opts.one_line_blocks == OneLineBlocks::Keep {
                self.items.push(Item::Verbatim {
                    start,
                    end: close + 1,
                    depth,
                });
                self.skip_comments_to(close + 1);
                continue;
            }
            self.items.push(Item::Statement { dir: d, depth });
            self.skip_comments_to(d.terminator.offset() as usize);
            self.directives(&block.children, depth + 1);
            self.comments_before(close, depth + 1);
            self.items.push(Item::Close { at: close, depth });
        }
    }
}

/// The text of a statement or block head: words as written with the blanks between them (or one
/// space), then `;` or ` {`. A statement that spans lines is copied as written.
fn statement(src: &[u8], dir: &Directive, opts: &FormatOptions, out: &mut Vec<u8>) {
    let start = dir.name.span.start as usize;
    let term = dir.terminator.offset() as usize;
    if src[start..term].contains(&b'\n') {
        out.extend_from_slice(&src[start..=term]);
        return;
    }
    let mut prev = &dir.name;
    out.extend_from_slice(prev.span.slice(src));
    for w in &dir.args {
        match opts.spacing {
            Spacing::Keep => {
                out.extend_from_slice(&src[prev.span.end as usize..w.span.start as usize])
            }
            Spacing::Single => out.push(b' '),
        }
        out.extend_from_slice(w.span.slice(src));
        prev = w;
    }
    if dir.block.is_some() {
        out.extend_from_slice(b" {");
    } else {
        out.push(b';');
    }
}

/// A comment without the blanks (and carriage return) at its end.
fn comment(src: &[u8], start: usize, end: usize) -> &[u8] {
    let c = &src[start..end];
    let n = c
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r'))
        .map_or(0, |i| i + 1);
    &c[..n]
}

/// Formats one file. A file nginx cannot read is refused, not guessed at.
pub fn format(src: &[u8], opts: &FormatOptions) -> Result<Vec<u8>, FormatError> {
    let parsed = parse(src);
    if let Some(e) = parsed.errors.first() {
        let line = 1 + src[..(e.span.start as usize).min(src.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        return Err(FormatError::Syntax {
            line,
            message: e.kind.to_string(),
        });
    }
    let out = render(src, &parsed, opts);
    verify(src, &parsed, &out)?;
    Ok(out)
}

fn render(src: &[u8], parsed: &ParsedFile, opts: &FormatOptions) -> Vec<u8> {
    let mut walk = Walk {
        src,
        comments: &parsed.comments,
        next_comment: 0,
        items: Vec::new(),
        opts,
    };
    walk.directives(&parsed.directives, 0);
    walk.comments_before(src.len() + 1, 0);
    let eol: &[u8] = match memchr::memchr(b'\n', src) {
        Some(i) if i > 0 && src[i - 1] == b'\r' => b"\r\n",
        _ => b"\n",
    };
    let mut out = Vec::with_capacity(src.len() + src.len() / 8);
    let mut prev: Option<(usize, bool)> = None; // (end, opened a block)
                                                // Whether the last thing written is a block head's `{` (nothing after it on its line).
    let mut after_open = false;
    for item in &walk.items {
        let start = item.start();
        // An empty block stays `events {}`.
        if after_open && matches!(item, Item::Close { .. }) {
            out.push(b'}');
            prev = Some((item.end(), false));
            after_open = false;
            continue;
        }
        after_open = false;
        if let Some((end, opened)) = prev {
            let gap = &src[end..start];
            let newlines = gap.iter().filter(|&&b| b == b'\n').count();
            // A comment on the line of what comes before it stays there, after the same blanks.
            if newlines == 0 {
                if let Item::Comment { start, end, .. } = *item {
                    out.extend_from_slice(gap);
                    out.extend_from_slice(comment(src, start, end));
                    prev = Some((end, opened));
                    continue;
                }
            }
            out.extend_from_slice(eol);
            let closes = matches!(item, Item::Close { .. });
            let blank = if opened || closes {
                0
            } else {
                newlines.saturating_sub(1).min(opts.max_blank_lines)
            };
            for _ in 0..blank {
                out.extend_from_slice(eol);
            }
        }
        let depth = match *item {
            Item::Statement { depth, .. }
            | Item::Verbatim { depth, .. }
            | Item::Close { depth, .. }
            | Item::Comment { depth, .. } => depth,
        };
        for _ in 0..depth {
            out.extend_from_slice(opts.indent.as_bytes());
        }
        let mut opened = false;
        match *item {
            Item::Statement { dir, .. } => {
                statement(src, dir, opts, &mut out);
                opened = dir.block.is_some();
                after_open = opened;
            }
            Item::Verbatim { start, end, .. } => out.extend_from_slice(&src[start..end]),
            Item::Close { .. } => out.push(b'}'),
            Item::Comment { start, end, .. } => out.extend_from_slice(comment(src, start, end)),
        }
        prev = Some((item.end(), opened));
    }
    if !out.is_empty() {
        out.extend_from_slice(eol);
    }
    out
}

/// The output must read as the input: the same statements with the same words (as written) in
/// the same blocks, and the same comments in the same order.
fn verify(src: &[u8], before: &ParsedFile, out: &[u8]) -> Result<(), FormatError> {
    let after = parse(out);
    if let Some(e) = after.errors.first() {
        return Err(FormatError::Changed(format!(
            "the output has an error: {}",
            e.kind
        )));
    }
    fn same(a: &[Directive], asrc: &[u8], b: &[Directive], bsrc: &[u8]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                x.name.span.slice(asrc) == y.name.span.slice(bsrc)
                    && x.args.len() == y.args.len()
                    && x.args.iter().zip(&y.args).all(|(p, q)| {
                        p.quote == q.quote && p.span.slice(asrc) == q.span.slice(bsrc)
                    })
                    && x.block.is_some() == y.block.is_some()
                    && same(x.children(), asrc, y.children(), bsrc)
            })
    }
    if !same(&before.directives, src, &after.directives, out) {
        return Err(FormatError::Changed("the statements differ".into()));
    }
    let texts = |p: &ParsedFile, s: &[u8]| -> Vec<Vec<u8>> {
        p.comments
            .iter()
            .map(|c| comment(s, c.start as usize, c.end as usize).to_vec())
            .collect()
    };
    if texts(before, src) != texts(&after, out) {
        return Err(FormatError::Changed("the comments differ".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        String::from_utf8(format(s.as_bytes(), &FormatOptions::default()).unwrap()).unwrap()
    }

    #[test]
    fn indents_by_depth_and_puts_one_statement_per_line() {
        assert_eq!(
            fmt("http{\nserver {listen 80 ;   server_name a;\n  location / { return 200; } }\n}"),
            "http {\n    server {\n        listen 80;\n        server_name a;\n        location / {\n            return 200;\n        }\n    }\n}\n"
        );
    }

    #[test]
    fn comments_stay_where_they_were() {
        let src = "# top\nhttp { # the block\n  # inside\n\tgzip on;   # trailing\n  # last\n}\n";
        assert_eq!(
            fmt(src),
            "# top\nhttp { # the block\n    # inside\n    gzip on;   # trailing\n    # last\n}\n"
        );
    }

    #[test]
    fn multi_line_statements_quotes_and_lua_are_copied() {
        let src = "http {\n  log_format main '$remote_addr - $remote_user'\n                  '\"$request\" $status';\n    content_by_lua_block {\n  ngx.say(\"}\") -- { not a block\n    }\n  rewrite ^/(a|b)\\.x$  \"/y;z\" last;\n}\n";
        assert_eq!(
            fmt(src),
            "http {\n    log_format main '$remote_addr - $remote_user'\n                  '\"$request\" $status';\n    content_by_lua_block {\n  ngx.say(\"}\") -- { not a block\n    }\n    rewrite ^/(a|b)\\.x$  \"/y;z\" last;\n}\n"
        );
    }

    #[test]
    fn blank_line_groups_are_kept_and_capped() {
        let src = "\n\nhttp {\n\n  a 1;\n\n\n\n  b 2;\n  c 3;\n\n}\n\n";
        assert_eq!(fmt(src), "http {\n    a 1;\n\n    b 2;\n    c 3;\n}\n");
        assert_eq!(
            fmt("events {\n}\nhttp { # c\n}\n"),
            "events {}\nhttp { # c\n}\n"
        );
    }

    #[test]
    fn line_endings_spacing_and_one_line_blocks() {
        assert_eq!(fmt("a {\r\n  b  c;\r\n}\r\n"), "a {\r\n    b  c;\r\n}\r\n");
        let opts = FormatOptions {
            indent: "\t".into(),
            spacing: Spacing::Single,
            one_line_blocks: OneLineBlocks::Keep,
            ..FormatOptions::default()
        };
        let out = format(
            b"a {\n  b    c;\n  location = /x { return 204; }\n}\n",
            &opts,
        )
        .unwrap();
        assert_eq!(out, b"a {\n\tb c;\n\tlocation = /x { return 204; }\n}\n");
    }

    #[test]
    fn idempotent_and_refuses_what_nginx_cannot_read() {
        let src = "http{server{listen 80;#c\nlocation /{ proxy_pass http://a;}}}";
        let once = fmt(src);
        assert_eq!(fmt(&once), once);
        assert!(matches!(
            format(b"http {\n  listen 80\n", &FormatOptions::default()),
            Err(FormatError::Syntax { .. })
        ));
    }
}
