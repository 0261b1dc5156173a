//! The default report's drawing without miette, for the findings it can draw exactly as miette
//! does: no colors, labels that each stay on one line, source lines of printable ASCII and tabs,
//! messages without control characters. miette's drawing of a large report cost more than the
//! whole check before it (formatting machinery for every character, text wrapping through a
//! general line-breaking library for every message); this draws the same bytes directly.
//! Whatever falls outside those conditions is drawn by miette ([`draw`] says `None`). The tests
//! `drawing_agrees_with_miette` (every finding of the fixtures, the corpus-shaped projects and the
//! benchmark tree's generator) and `random_drawings_agree_with_miette` compare both byte for byte.

use miette::{MietteSpanContents, SourceSpan, SpanContents};
use unicode_width::UnicodeWidthChar;

use super::{push_number, Report, Source};

/// miette's `GraphicalReportHandler` defaults the drawing depends on.
const TAB_WIDTH: usize = 4;
const CONTEXT_LINES: usize = 1;

/// The drawing of `r` as miette's `render_report` with `unicode_nocolor`, text links and
/// `width` columns draws it, or `None` where only miette can.
pub(super) fn draw(r: &Report<'_>, width: usize) -> Option<String> {
    let mut out = String::with_capacity(2048);
    header(&mut out, r);
    cause(&mut out, r, width)?;
    snippets(&mut out, r)?;
    if let Some(help) = &r.help {
        fill(
            &mut out,
            help,
            "  help: ",
            "        ",
            width.saturating_sub(2),
        )?;
        out.push('\n');
    }
    for rel in &r.related {
        if !rel.related.is_empty() || rel.help.is_some() {
            return None;
        }
        out.push('\n');
        out.push_str(match rel.severity {
            miette::Severity::Error => "Error: ",
            miette::Severity::Warning => "Warning: ",
            miette::Severity::Advice => "Advice: ",
        });
        header(&mut out, rel);
        cause(&mut out, rel, width)?;
        snippets(&mut out, rel)?;
    }
    Some(out)
}

/// `CODE (url)` and an empty line (miette's `render_header` with text links).
fn header(out: &mut String, r: &Report<'_>) {
    out.push_str(&r.code);
    out.push_str(" (");
    out.push_str(&r.url);
    out.push_str(")\n\n");
}

/// The message after the severity's sign, wrapped (miette's `render_causes`; no cause chain).
fn cause(out: &mut String, r: &Report<'_>, width: usize) -> Option<()> {
    let (first, rest) = match r.severity {
        miette::Severity::Error => ("  × ", "  │ "),
        miette::Severity::Warning => ("  ⚠ ", "  │ "),
        miette::Severity::Advice => ("  ☞ ", "  │ "),
    };
    fill(out, &r.message, first, rest, width.saturating_sub(2))?;
    out.push('\n');
    Some(())
}

/// The display width of a text as textwrap counts it (Unicode widths; no control characters
/// reach here).
fn text_width(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `textwrap::fill(text, options)` with miette's options: `width` columns, the two indents,
/// words separated at ASCII spaces, no hyphenation, words longer than a line broken, first fit,
/// trailing spaces dropped. `None` for a text with control characters other than `\n` (textwrap
/// skips ANSI sequences in widths; nothing of ours holds them, so such a text goes to miette).
fn fill(out: &mut String, text: &str, initial: &str, subsequent: &str, width: usize) -> Option<()> {
    let ascii = text.is_ascii();
    let control = if ascii {
        // No early exit: the compiler checks many bytes at a time.
        text.bytes()
            .fold(false, |c, b| c | ((b < 0x20) & (b != b'\n')) | (b == 0x7f))
    } else {
        text.chars().any(|c| c.is_control() && c != '\n')
    };
    if control {
        return None;
    }
    let widths = [
        width.saturating_sub(text_width(initial)),
        width.saturating_sub(text_width(subsequent)),
    ];
    let mut lines = Lines {
        out,
        initial,
        subsequent,
        pushed: 0,
    };
    for line in text.split('\n') {
        let mut fit = FirstFit {
            widths,
            has: false,
            used: 0,
            from: 0,
            word_end: 0,
            local: 0,
        };
        if !initial.is_empty() {
            // textwrap's empty first word: the first real word may go to the second line.
            fit.add(&mut lines, line, 0, 0, 0, 0)?;
        }
        // The separator: a word runs to the next space; spaces after it are its whitespace; a
        // line's leading spaces are an empty word's.
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let start = i;
            i += memchr::memchr(b' ', &b[i..]).unwrap_or(b.len() - i);
            let end = i;
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
            let w = line.get(start..end)?;
            let ww = if ascii { w.len() } else { text_width(w) };
            if ww > widths[1] {
                // Broken into pieces of at most a line's width (by character widths); the last
                // piece keeps the spaces.
                let mut piece = start;
                let mut pw = 0usize;
                for (at, c) in w.char_indices() {
                    let cw = c.width().unwrap_or(0);
                    if pw > 0 && pw + cw > widths[1] {
                        fit.add(&mut lines, line, piece, start + at, 0, pw)?;
                        piece = start + at;
                        pw = cw;
                    } else {
                        pw += cw;
                    }
                }
                if piece < end {
                    fit.add(&mut lines, line, piece, end, i - end, pw)?;
                }
            } else {
                fit.add(&mut lines, line, start, end, i - end, ww)?;
            }
        }
        if fit.has {
            lines.emit(line.get(fit.from..fit.word_end)?);
        } else {
            // No words and no indent word: textwrap's empty line, without an indent.
            if lines.pushed > 0 {
                lines.out.push('\n');
            }
            lines.pushed += 1;
        }
    }
    Some(())
}

/// The wrapped lines written so far: the first after the first indent, the others after the
/// second, one line break between each two.
struct Lines<'o, 'i> {
    out: &'o mut String,
    initial: &'i str,
    subsequent: &'i str,
    pushed: usize,
}

impl Lines<'_, '_> {
    fn emit(&mut self, text: &str) {
        if self.pushed > 0 {
            self.out.push('\n');
        }
        self.out.push_str(if self.pushed == 0 {
            self.initial
        } else {
            self.subsequent
        });
        self.out.push_str(text);
        self.pushed += 1;
    }
}

/// textwrap's first fit over one line's words as they come: a word that does not fit on a line
/// holding others starts the next one; a line is its words without the last one's spaces.
struct FirstFit {
    widths: [usize; 2],
    /// The line being filled holds a word.
    has: bool,
    used: usize,
    /// Where its first word starts, and where its last word ends (before its spaces).
    from: usize,
    word_end: usize,
    /// Lines already made from this line of the text.
    local: usize,
}

impl FirstFit {
    fn add(
        &mut self,
        lines: &mut Lines<'_, '_>,
        line: &str,
        start: usize,
        end: usize,
        space: usize,
        width: usize,
    ) -> Option<()> {
        if self.has && self.used + width > self.widths[self.local.min(1)] {
            lines.emit(line.get(self.from..self.word_end)?);
            self.local += 1;
            self.used = 0;
            self.from = start;
        } else if !self.has {
            self.from = start;
            self.has = true;
        }
        self.used += width + space;
        self.word_end = end;
        Some(())
    }
}

/// One source line of a context, as miette's `get_lines` cuts them.
struct Line<'a> {
    number: usize,
    offset: usize,
    length: usize,
    text: &'a str,
}

/// A label as miette's `FancySpan` compares them.
#[derive(PartialEq)]
struct Mark<'a> {
    label: Option<&'a str>,
    offset: usize,
    len: usize,
}

impl Line<'_> {
    fn line_only(&self, m: &Mark<'_>) -> bool {
        m.offset >= self.offset && m.offset + m.len <= self.offset + self.length
    }
    fn applies(&self, m: &Mark<'_>) -> bool {
        let len = m.len.max(1);
        let end = self.offset + self.length;
        (m.offset >= self.offset && m.offset < end)
            || (m.offset < self.offset && m.offset + len > end)
            || (m.offset + len > self.offset && m.offset + len <= end)
    }
    fn applies_gutter(&self, m: &Mark<'_>) -> bool {
        let len = m.len.max(1);
        let end = self.offset + self.length;
        self.applies(m)
            && !((m.offset >= self.offset && m.offset < end)
                && (m.offset + len > self.offset && m.offset + len <= end))
    }
    /// The column of a byte offset on this line (miette's `visual_offset`; the text is ASCII).
    fn column(&self, offset: usize) -> Option<usize> {
        if offset < self.offset || offset > self.offset + self.length {
            return None;
        }
        let index = offset - self.offset;
        let text = self.text.get(..index.min(self.text.len()))?;
        let w = columns(text).last().map_or(0, |(_, end)| end);
        Some(if index > self.text.len() { w + 1 } else { w })
    }
}

/// Each byte of an ASCII line with the columns it spans (tabs to the next multiple of four).
fn columns(text: &str) -> impl Iterator<Item = (u8, usize)> + '_ {
    let mut column = 0usize;
    text.bytes().map(move |b| {
        column += if b == b'\t' {
            TAB_WIDTH - column % TAB_WIDTH
        } else {
            1
        };
        (b, column)
    })
}

fn digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// The source contexts of a report's labels (miette's `render_snippets` and `render_context`).
fn snippets(out: &mut String, r: &Report<'_>) -> Option<()> {
    let src: &Source<'_> = r.src;
    let mut labels: Vec<(Mark<'_>, bool)> = r
        .labels
        .iter()
        .map(|l| {
            (
                Mark {
                    label: l.label(),
                    offset: l.offset(),
                    len: l.len(),
                },
                l.primary(),
            )
        })
        .collect();
    if labels.is_empty() {
        return Some(());
    }
    labels.sort_by_key(|(m, _)| m.offset);
    // miette sorts unstably: two labels at one offset could come in either order.
    if labels.windows(2).any(|w| w[0].0.offset == w[1].0.offset) {
        return None;
    }
    // Each context's span and its lines as `read_span` gives them (kept for the drawing).
    let mut contexts: Vec<(usize, usize, MietteSpanContents<'_>)> = Vec::new();
    for (m, _) in &labels {
        let c = src
            .contents(
                &SourceSpan::new(m.offset.into(), m.len),
                CONTEXT_LINES,
                CONTEXT_LINES,
            )
            .ok()?;
        if let Some((lo, llen, left)) = contexts.last() {
            let (lo, llen) = (*lo, *llen);
            if left.line() + left.line_count() >= c.line() {
                let end = (lo + llen).max(m.offset + m.len);
                if let Ok(n) = src.contents(
                    &SourceSpan::new(lo.into(), end - lo),
                    CONTEXT_LINES,
                    CONTEXT_LINES,
                ) {
                    contexts.pop();
                    contexts.push((lo, end - lo, n));
                    continue;
                }
            }
        }
        contexts.push((m.offset, m.len, c));
    }
    let marks: Vec<&Mark<'_>> = labels.iter().map(|(m, _)| m).collect();
    for (offset, len, contents) in &contexts {
        context(out, src, *offset, *len, contents, &labels, &marks)?;
    }
    Some(())
}

fn context(
    out: &mut String,
    src: &Source<'_>,
    offset: usize,
    len: usize,
    contents: &MietteSpanContents<'_>,
    labels: &[(Mark<'_>, bool)],
    marks: &[&Mark<'_>],
) -> Option<()> {
    let data = std::str::from_utf8(contents.data()).ok()?;
    if !data
        .bytes()
        .all(|b| b == b'\t' || b == b'\n' || (0x20..0x7f).contains(&b))
    {
        return None;
    }
    let mut lines = Vec::new();
    let mut at = contents.span().offset();
    for (i, text) in data.split_inclusive('\n').enumerate() {
        lines.push(Line {
            number: contents.line() + i + 1,
            offset: at,
            length: text.len(),
            text: text.strip_suffix('\n').unwrap_or(text),
        });
        at += text.len();
    }
    // Labels that leave their line are drawn in a gutter: miette's.
    for line in &lines {
        for m in marks {
            if (!line.line_only(m) && line.applies_gutter(m))
                || (line.applies(m) && !line.line_only(m))
            {
                return None;
            }
        }
    }
    let in_context = |m: &Mark<'_>| offset <= m.offset && m.offset + m.len <= offset + len;
    let primary = labels
        .iter()
        .find(|(m, p)| *p && in_context(m))
        .or_else(|| labels.iter().find(|(m, _)| in_context(m)));
    let w = digits(lines.last().map_or(0, |l| l.number));
    let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n));
    pad(out, w + 2);
    out.push_str("╭─[");
    out.push_str(&src.name);
    let (line, column) = match primary {
        // A label inside one line's text (the context has no `\r`): its line and its byte
        // column there, as `read_span` without context lines counts them.
        Some((m, _)) if m.len > 0 => match lines
            .iter()
            .find(|l| l.offset <= m.offset && m.offset + m.len <= l.offset + l.text.len())
        {
            Some(l) => (l.number - 1, m.offset - l.offset),
            None => primary_place(src, m)?,
        },
        Some((m, _)) => primary_place(src, m)?,
        None => (contents.line(), contents.column()),
    };
    out.push(':');
    push_number(out, line + 1);
    out.push(':');
    push_number(out, column + 1);
    out.push_str("]\n");
    for line in &lines {
        out.push(' ');
        let n = digits(line.number);
        pad(out, w.saturating_sub(n));
        push_number(out, line.number);
        out.push_str(" │ ");
        push_text(out, line.text);
        out.push('\n');
        let single: Vec<&Mark<'_>> = marks.iter().copied().filter(|m| line.applies(m)).collect();
        if single.is_empty() {
            continue;
        }
        out.push(' ');
        pad(out, w);
        out.push_str(" · ");
        let mut highest = 0usize;
        let mut bars = Vec::with_capacity(single.len());
        for m in &single {
            let start = line.column(m.offset)?.max(highest);
            let end = if m.len == 0 {
                start + 1
            } else {
                line.column(m.offset + m.len)?.max(start + 1)
            };
            let bar = (start + end) / 2;
            pad(out, start.saturating_sub(highest));
            out.extend(std::iter::repeat_n('─', bar - start));
            out.push(if m.len == 0 {
                '▲'
            } else if m.label.is_some() {
                '┬'
            } else {
                '─'
            });
            out.extend(std::iter::repeat_n('─', end - bar - 1));
            highest = highest.max(end);
            bars.push((*m, bar));
        }
        out.push('\n');
        for m in single.iter().rev() {
            let Some(label) = m.label else { continue };
            if label.contains('\n') {
                return None;
            }
            out.push(' ');
            pad(out, w);
            out.push_str(" · ");
            let mut col = 1usize;
            for (other, bar) in &bars {
                if col < bar + 1 {
                    pad(out, bar + 1 - col);
                    col = bar + 1;
                }
                if *other != *m {
                    out.push('│');
                    col += 1;
                } else {
                    out.push_str("╰── ");
                    out.push_str(label);
                    out.push('\n');
                    break;
                }
            }
        }
    }
    pad(out, w + 2);
    out.push_str("╰────\n");
    Some(())
}

/// The line and column miette names for a label: `read_span` without context lines.
fn primary_place(src: &Source<'_>, m: &Mark<'_>) -> Option<(usize, usize)> {
    let c = src
        .contents(&SourceSpan::new(m.offset.into(), m.len), 0, 0)
        .ok()?;
    Some((c.line(), c.column()))
}

/// A source line with its tabs turned into the spaces up to the next multiple of four columns.
fn push_text(out: &mut String, text: &str) {
    if !text.contains('\t') {
        out.push_str(text);
        return;
    }
    let mut column = 0usize;
    for (b, end) in columns(text) {
        if b == b'\t' {
            out.extend(std::iter::repeat_n(' ', end - column));
        } else {
            out.push(b as char);
        }
        column = end;
    }
}

#[cfg(test)]
mod tests {
    use super::super::{handler, report, source, Report, Source};
    use miette::{GraphicalTheme, LabeledSpan, SourceSpan};
    use std::borrow::Cow;
    use std::path::PathBuf;

    /// miette's drawing of a report, or `None` where it panics.
    fn miette_draws(r: &Report<'_>, width: usize) -> Option<String> {
        let h = handler(GraphicalTheme::unicode_nocolor(), width).with_links(false);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut s = String::new();
            h.render_report(&mut s, r).ok().map(|_| s)
        }))
        .ok()
        .flatten()
    }

    /// Every finding of the repository's fixtures, at three widths: drawn here exactly as miette
    /// draws it, and most of them drawn here at all.
    #[test]
    fn drawing_agrees_with_miette() {
        let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
        let mut dirs = vec![
            data.join("projects/example"),
            data.join("rules"),
            data.join("realworld"),
            data.join("nginx_handlers"),
            data.join("security"),
        ];
        for d in std::fs::read_dir(data.join("repos")).unwrap() {
            dirs.push(d.unwrap().path());
        }
        let (mut drawn, mut total) = (0usize, 0usize);
        for dir in dirs {
            let read = crate::ReadArgs::from_args(Vec::<String>::new()).unwrap();
            let paths = vec![dir.clone()];
            let mut cfg = crate::single_config(&read, &paths).unwrap();
            cfg.select_from_command_line(&["ALL".to_string()], &[]);
            let (project, diags) = crate::lint(&read, &cfg, &paths, false, Vec::new(), None)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let files = &project.files;
            let sources: Vec<std::sync::OnceLock<Source<'_>>> = (0..files.len())
                .map(|_| std::sync::OnceLock::new())
                .collect();
            for d in &diags {
                let r = report(files, &sources, d);
                for width in [100, 60, 24] {
                    total += 1;
                    if let Some(ours) = super::draw(&r, width) {
                        drawn += 1;
                        let theirs = miette_draws(&r, width);
                        assert_eq!(
                            Some(&ours),
                            theirs.as_ref(),
                            "{} {}:{:?} at width {width}",
                            d.code,
                            files.get(d.file).path.display(),
                            d.span
                        );
                    }
                }
            }
        }
        assert!(total > 3_000, "{total} drawings compared");
        assert!(
            drawn * 10 > total * 9,
            "only {drawn} of {total} drawn without miette"
        );
    }

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) as usize % n.max(1)
        }
        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len())]
        }
    }

    /// Random texts, spans, labels, messages and widths: wherever the drawing here answers, it is
    /// miette's to the byte (and where miette panics, it does not answer).
    #[test]
    fn random_drawings_agree_with_miette() {
        let lines = [
            "server {",
            "\tlisten 80;",
            "    root /srv/www;",
            "  \t location ~ \\.php$ {",
            "}",
            "",
            "a",
            "fastcgi_pass unix:/run/php/php8.2-fpm.sock;",
            "\t\tx\ty",
        ];
        // What only miette draws, now and then.
        let rare_lines = ["caf\u{e9} ;", "cr\r", "\x1b[1m"];
        let words = [
            "a",
            "word",
            "`proxy_buffer_size`",
            "×",
            "—",
            "",
            "averyveryverylongwordthatdoesnotfitonanylineatallwhateverthewidth",
            "x\u{4e2d}\u{6587}y",
            "\n",
        ];
        let rare_words = ["\t", "\r", "\x1b[31m", "\n\n"];
        let mut rng = Rng(5);
        let (mut compared, mut drawn) = (0usize, 0usize);
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..rng.below(8) + 1 {
                text.push_str(if rng.below(20) == 0 {
                    rng.pick(&rare_lines)
                } else {
                    rng.pick(&lines)
                });
                text.push('\n');
            }
            if rng.below(3) == 0 {
                text.pop();
            }
            let src = Source {
                name: "conf.d/site.conf".to_string(),
                text: Cow::Borrowed(&text),
                breaks: std::sync::OnceLock::new(),
            };
            let message = |rng: &mut Rng| {
                let mut m = String::new();
                for _ in 0..rng.below(30) + 1 {
                    m.push_str(if rng.below(100) == 0 {
                        rng.pick(&rare_words)
                    } else {
                        rng.pick(&words)
                    });
                    m.push_str(&" ".repeat(rng.below(3)));
                }
                m
            };
            let boundaries: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            let span = |rng: &mut Rng| {
                let start = boundaries[rng.below(boundaries.len())];
                let ends: Vec<usize> = boundaries
                    .iter()
                    .copied()
                    .filter(|&e| e >= start && e <= start + 6)
                    .collect();
                let end = ends[rng.below(ends.len())];
                SourceSpan::new(start.into(), end - start)
            };
            let mut labels = vec![LabeledSpan::new_primary_with_span(
                Some(
                    rng.pick(&["rule-name", "x", "rule-name", "a\nb"])
                        .to_string(),
                ),
                span(&mut rng),
            )];
            for _ in 0..rng.below(4) {
                let label = match rng.below(3) {
                    0 => None,
                    1 => Some("here".to_string()),
                    _ => Some(message(&mut rng)),
                };
                labels.push(LabeledSpan::new_with_span(label, span(&mut rng)));
            }
            let severity = [
                miette::Severity::Error,
                miette::Severity::Warning,
                miette::Severity::Advice,
            ][rng.below(3)];
            let related = (0..rng.below(3))
                .map(|_| Report {
                    message: message(&mut rng),
                    code: "NGX104".into(),
                    severity: miette::Severity::Advice,
                    help: None,
                    url: "https://example.test/NGX104.md".into(),
                    src: &src,
                    labels: vec![LabeledSpan::new_primary_with_span(None, span(&mut rng))],
                    related: Vec::new(),
                })
                .collect();
            let r = Report {
                message: message(&mut rng),
                code: "NGX302".into(),
                severity,
                help: (rng.below(2) == 0).then(|| message(&mut rng)),
                url: "https://example.test/NGX302.md".into(),
                src: &src,
                labels,
                related,
            };
            let width = rng.below(110) + 2;
            let theirs = miette_draws(&r, width);
            compared += 1;
            // A span miette cannot place panics both ways; the report then has its one line.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| super::draw(&r, width)))
            {
                Ok(Some(ours)) => {
                    drawn += 1;
                    assert_eq!(
                        Some(&ours),
                        theirs.as_ref(),
                        "{text:?} {:?} width {width}",
                        r
                    );
                }
                Ok(None) => {}
                Err(_) => assert_eq!(theirs, None, "{text:?} {:?} width {width}", r),
            }
        }
        assert!(
            drawn * 6 > compared,
            "only {drawn} of {compared} drawn here"
        );
    }

    /// The files' decoded text is what miette reads: a span into a file is drawn from it.
    #[test]
    fn a_finding_in_a_file_is_drawn_from_its_text() {
        let mut files = ngxlint_engine::Files::default();
        let id = files.add(
            PathBuf::from("nginx.conf"),
            PathBuf::from("/etc/nginx/nginx.conf"),
            b"events {}\nhttp {\n\tproxy_buffer_size 4k;\n}\n".to_vec(),
            ngxlint_engine::FileKind::Nginx,
        );
        let src = source(&files, id);
        assert_eq!(src.name, "nginx.conf");
        let r = Report {
            message: "`proxy_buffer_size` is nginx's default 4k".into(),
            code: "NGX302".into(),
            severity: miette::Severity::Warning,
            help: Some("set it".into()),
            url: "u".into(),
            src: &src,
            labels: vec![LabeledSpan::new_primary_with_span(
                Some("undersized-buffers".into()),
                SourceSpan::new(18.into(), 17),
            )],
            related: Vec::new(),
        };
        let ours = super::draw(&r, 100).unwrap();
        assert_eq!(
            ours,
            "NGX302 (u)\n\n  ⚠ `proxy_buffer_size` is nginx's default 4k\n   ╭─[nginx.conf:3:2]\n 2 │ http {\n 3 │     proxy_buffer_size 4k;\n   ·     ────────┬────────\n   ·             ╰── undersized-buffers\n 4 │ }\n   ╰────\n  help: set it\n"
        );
        assert_eq!(Some(ours), miette_draws(&r, 100));
    }
}
