//! Building and applying fixes: edits placed the way the file is written (its line endings, its
//! indentation), and a set of fixes applied to the files' bytes with no two edits overlapping.
//!
//! Rules build edits with the helpers here: a new statement goes on its own line below (or above)
//! an existing one with that line's indentation, or inside a block with the block's indentation;
//! a removed statement takes its line with it unless something else (a comment) stands on it.
//! Every `\n` of a replacement becomes the file's own line ending when applied.

use std::collections::BTreeMap;

use nginx_syntax::{Directive, Span};

use crate::diagnostic::{Edit, Fix};
use crate::files::{FileId, Files};

/// Offset of the first byte of the line holding `off`.
pub fn line_start(src: &[u8], off: usize) -> usize {
    let off = off.min(src.len());
    memchr::memrchr(b'\n', &src[..off]).map_or(0, |i| i + 1)
}

/// Offset of the line break (`\r\n` or `\n`) ending the line holding `off`, or the end of `src`.
pub fn line_end(src: &[u8], off: usize) -> usize {
    let off = off.min(src.len());
    match memchr::memchr(b'\n', &src[off..]) {
        Some(i) if off + i > 0 && src[off + i - 1] == b'\r' => off + i - 1,
        Some(i) => off + i,
        None => src.len(),
    }
}

/// The offset after the line break of the line holding `off` (the next line's start).
fn next_line(src: &[u8], off: usize) -> usize {
    let off = off.min(src.len());
    memchr::memchr(b'\n', &src[off..]).map_or(src.len(), |i| off + i + 1)
}

/// The leading spaces and tabs of the line holding `off`.
pub fn indent_at(src: &[u8], off: usize) -> String {
    let start = line_start(src, off);
    let n = src[start..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    String::from_utf8_lossy(&src[start..start + n]).into_owned()
}

/// The file's line ending: `\r\n` when its first line ends so, else `\n`.
pub fn line_ending(src: &[u8]) -> &'static str {
    match memchr::memchr(b'\n', src) {
        Some(i) if i > 0 && src[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// One level of indentation as the file writes it: a tab when its first indented line starts
/// with one, else the smallest number of spaces any line is indented by (4 when none is).
pub fn indent_unit(src: &[u8]) -> String {
    let mut smallest = usize::MAX;
    for line in src.split(|&b| b == b'\n') {
        match line.first() {
            Some(b'\t') if smallest == usize::MAX => return "\t".into(),
            Some(b' ') => {
                let n = line.iter().take_while(|&&b| b == b' ').count();
                if n < line.len() && !matches!(line[n], b'\r' | b'\t') {
                    smallest = smallest.min(n);
                }
            }
            _ => {}
        }
    }
    " ".repeat(if smallest == usize::MAX { 4 } else { smallest })
}

/// Whether only spaces and tabs stand between `from` and `to`.
fn blank(src: &[u8], from: usize, to: usize) -> bool {
    src.get(from..to)
        .is_some_and(|s| s.iter().all(|&b| b == b' ' || b == b'\t'))
}

/// Whether the rest of the line after `off` holds nothing but spaces, tabs or a `#` comment.
fn rest_is_quiet(src: &[u8], off: usize) -> bool {
    let end = line_end(src, off);
    let rest = &src[off.min(end)..end];
    let n = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    n == rest.len() || rest[n] == b'#'
}

/// `text` with every line after the first indented by `indent`.
fn indented(text: &str, indent: &str) -> String {
    text.replace('\n', &format!("\n{indent}"))
}

/// A new statement below `dir` (after its block, if it has one), at its indentation: on a line
/// of its own when nothing but a comment follows `dir` on its line, else right after it.
pub fn insert_after(file: FileId, src: &[u8], dir: &Directive, text: &str) -> Edit {
    let end = dir.span().end as usize;
    let indent = indent_at(src, dir.span().start as usize);
    if rest_is_quiet(src, end) {
        let at = line_end(src, end);
        Edit::insert(
            file,
            at as u32,
            format!("\n{indent}{}", indented(text, &indent)),
        )
    } else {
        Edit::insert(file, end as u32, format!(" {text}"))
    }
}

/// A new statement above `dir`, at its indentation (on a line of its own when `dir` starts its
/// line, else just before it).
pub fn insert_before(file: FileId, src: &[u8], dir: &Directive, text: &str) -> Edit {
    let start = dir.span().start as usize;
    let ls = line_start(src, start);
    let indent = indent_at(src, start);
    if blank(src, ls, start) {
        Edit::insert(
            file,
            ls as u32,
            format!("{indent}{}\n", indented(text, &indent)),
        )
    } else {
        Edit::insert(file, start as u32, format!("{text} "))
    }
}

/// A new statement as the first (or last) of a block directive's body.
pub fn insert_in_block(
    file: FileId,
    src: &[u8],
    block: &Directive,
    text: &str,
    last: bool,
) -> Edit {
    let children = block.children();
    let child = if last {
        children.last()
    } else {
        children.first()
    };
    if let Some(c) = child {
        return if last {
            insert_after(file, src, c, text)
        } else {
            insert_before(file, src, c, text)
        };
    }
    // An empty block: inside its braces, one level deeper than the block's line.
    let open = block.terminator.offset() as usize;
    let indent = format!(
        "{}{}",
        indent_at(src, block.span().start as usize),
        indent_unit(src)
    );
    let close = block
        .block
        .as_ref()
        .and_then(|b| b.close)
        .map(|c| c as usize);
    match close {
        Some(c) if memchr::memchr(b'\n', &src[open..c]).is_some() => Edit::insert(
            file,
            line_end(src, open) as u32,
            format!("\n{indent}{}", indented(text, &indent)),
        ),
        _ => Edit::insert(file, open as u32 + 1, format!(" {text} ")),
    }
}

/// Removes a statement: its whole line when it stands alone there, else the statement and the
/// blanks after it (a comment on its line stays).
pub fn remove(file: FileId, src: &[u8], dir: &Directive) -> Edit {
    let span = dir.span();
    remove_span(file, src, span.start as usize, span.end as usize)
}

/// Removes `start..end` as [`remove`] removes a statement.
pub fn remove_span(file: FileId, src: &[u8], start: usize, end: usize) -> Edit {
    let ls = line_start(src, start);
    let le = line_end(src, end);
    if blank(src, ls, start) && blank(src, end, le) {
        let next = next_line(src, end);
        // The blank-line grouping stays as it was: a blank line that followed the removed one
        // goes too when the line above opens the block or is blank itself.
        let line_blank = |from: usize| {
            from < src.len() && {
                let e = line_end(src, from);
                blank(src, from, e) && e < src.len()
            }
        };
        let above = ls
            .checked_sub(1)
            .map(|nl| {
                let s = line_start(src, nl);
                let text = &src[s..nl];
                let t: Vec<u8> = text
                    .iter()
                    .copied()
                    .filter(|b| !matches!(b, b' ' | b'\t' | b'\r'))
                    .collect();
                t.is_empty() || t.ends_with(b"{")
            })
            .unwrap_or(true);
        if above && line_blank(next) {
            return Edit::delete(file, Span::new(ls, next_line(src, next)));
        }
        return Edit::delete(file, Span::new(ls, next));
    }
    let trailing = src[end..le]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    Edit::delete(file, Span::new(start, end + trailing))
}

/// A new line below the line holding `off`, at that line's indentation (INI files).
pub fn insert_line_after(file: FileId, src: &[u8], off: usize, text: &str) -> Edit {
    let indent = indent_at(src, off);
    let at = line_end(src, off);
    Edit::insert(
        file,
        at as u32,
        format!("\n{indent}{}", indented(text, &indent)),
    )
}

/// Removes the whole line holding `off` (INI files).
pub fn remove_line(file: FileId, src: &[u8], off: usize) -> Edit {
    let ls = line_start(src, off);
    Edit::delete(file, Span::new(ls, next_line(src, off)))
}

/// `value` as one nginx word: bare when nginx reads it back as it is, else double-quoted with
/// nginx's escapes.
pub fn word(value: &str) -> String {
    let bare = !value.is_empty()
        && !value.bytes().any(|b| {
            matches!(
                b,
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b'}' | b'"' | b'\'' | b'\\' | b'#'
            )
        });
    if bare {
        value.to_string()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// What [`apply`] did.
#[derive(Debug, Default)]
pub struct Applied {
    /// The new bytes of each changed file.
    pub contents: BTreeMap<FileId, Vec<u8>>,
    /// Indexes (into the fixes given) of the fixes applied; a fix whose edits another fix
    /// already made counts as applied.
    pub applied: Vec<usize>,
}

/// Whether two edits of one file collide: overlapping ranges, or an insertion at the edge of (or
/// at the same place as) another edit, where the order of the two would be a guess.
fn collide(a: &Edit, b: &Edit) -> bool {
    let (a, b) = (a.span, b.span);
    if a.is_empty() || b.is_empty() {
        return a.start <= b.end && b.start <= a.end;
    }
    a.start < b.end && b.start < a.end
}

/// Applies fixes in order: a fix is taken whole when none of its edits collides with an edit
/// taken before (else it waits for the next pass, on the changed text) and every edit lies inside
/// its file. Identical edits are made once.
pub fn apply(files: &Files, fixes: &[&Fix]) -> Applied {
    let mut taken: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    let mut out = Applied::default();
    for (i, fix) in fixes.iter().enumerate() {
        let in_bounds = fix.edits.iter().all(|e| {
            let len = files.get(e.file).bytes.len() as u32;
            e.span.start <= e.span.end && e.span.end <= len
        });
        if fix.edits.is_empty() || !in_bounds {
            continue;
        }
        let new: Vec<&Edit> = fix
            .edits
            .iter()
            .filter(|e| !taken.get(&e.file).is_some_and(|t| t.contains(e)))
            .collect();
        let clash = new.iter().any(|e| {
            taken
                .get(&e.file)
                .is_some_and(|t| t.iter().any(|o| collide(o, e)))
        });
        let self_clash = new.iter().enumerate().any(|(j, a)| {
            new[j + 1..]
                .iter()
                .any(|b| a.file == b.file && collide(a, b))
        });
        if clash || self_clash {
            continue;
        }
        for e in new {
            taken.entry(e.file).or_default().push(e.clone());
        }
        out.applied.push(i);
    }
    for (file, mut edits) in taken {
        let src = &files.get(file).bytes;
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        let eol = line_ending(src);
        let mut buf = Vec::with_capacity(src.len() + 64);
        let mut at = 0usize;
        for e in &edits {
            buf.extend_from_slice(&src[at..e.span.start as usize]);
            if eol == "\n" {
                buf.extend_from_slice(e.replacement.as_bytes());
            } else {
                buf.extend_from_slice(e.replacement.replace('\n', eol).as_bytes());
            }
            at = e.span.end as usize;
        }
        buf.extend_from_slice(&src[at..]);
        if buf != **src {
            out.contents.insert(file, buf);
        }
    }
    out
}

/// Fixes at or above an applicability, with their indexes, for [`apply`].
pub fn fixes_at(
    diags: &[crate::Diagnostic],
    least: crate::diagnostic::Applicability,
) -> Vec<(usize, &Fix)> {
    diags
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.fix.as_ref().map(|f| (i, f)))
        .filter(|(_, f)| f.applicability >= least)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::FileKind;
    use std::path::PathBuf;

    fn one(bytes: &str) -> (Files, FileId) {
        let mut f = Files::default();
        let id = f.add(
            PathBuf::from("a.conf"),
            PathBuf::from("a.conf"),
            bytes.as_bytes().to_vec(),
            FileKind::Nginx,
        );
        (f, id)
    }

    fn applied(files: &Files, file: FileId, fixes: &[&Fix]) -> String {
        let a = apply(files, fixes);
        String::from_utf8(a.contents.get(&file).cloned().unwrap_or_default()).unwrap()
    }

    #[test]
    fn statements_go_on_their_own_lines_with_the_files_indentation_and_line_endings() {
        let src = "http {\r\n\tserver {\r\n\t\tlisten 80; # web\r\n\t}\r\n}\r\n";
        let (files, id) = one(src);
        let parsed = nginx_syntax::parse(src.as_bytes());
        let server = &parsed.directives[0].children()[0];
        let listen = &server.children()[0];
        let fix = Fix::safe(
            "add",
            vec![insert_after(id, src.as_bytes(), listen, "server_name a;")],
        );
        assert_eq!(
            applied(&files, id, &[&fix]),
            "http {\r\n\tserver {\r\n\t\tlisten 80; # web\r\n\t\tserver_name a;\r\n\t}\r\n}\r\n"
        );
        let fix = Fix::safe("rm", vec![remove(id, src.as_bytes(), listen)]);
        assert_eq!(
            applied(&files, id, &[&fix]),
            "http {\r\n\tserver {\r\n\t\t# web\r\n\t}\r\n}\r\n"
        );
    }

    #[test]
    fn one_line_blocks_and_empty_blocks() {
        let src = "location / { return 200; }\nlocation /b {\n}\n";
        let (files, id) = one(src);
        let p = nginx_syntax::parse(src.as_bytes());
        let ret = &p.directives[0].children()[0];
        let a = Fix::safe(
            "a",
            vec![insert_after(id, src.as_bytes(), ret, "etag off;")],
        );
        let b = Fix::safe(
            "b",
            vec![insert_in_block(
                id,
                src.as_bytes(),
                &p.directives[1],
                "etag off;",
                false,
            )],
        );
        assert_eq!(
            applied(&files, id, &[&a, &b]),
            "location / { return 200; etag off; }\nlocation /b {\n    etag off;\n}\n"
        );
    }

    #[test]
    fn colliding_fixes_wait_and_identical_edits_are_made_once() {
        let (files, id) = one("abcdef");
        let a = Fix::safe("a", vec![Edit::replace(id, Span::new(1, 3), "X")]);
        let b = Fix::safe("b", vec![Edit::replace(id, Span::new(2, 4), "Y")]);
        let c = Fix::safe("c", vec![Edit::replace(id, Span::new(1, 3), "X")]);
        let d = Fix::safe("d", vec![Edit::insert(id, 6, "!")]);
        let out = apply(&files, &[&a, &b, &c, &d]);
        assert_eq!(out.applied, vec![0, 2, 3]);
        assert_eq!(out.contents[&id], b"aXdef!");
        // Out of bounds: never applied.
        let e = Fix::safe("e", vec![Edit::insert(id, 60, "!")]);
        assert!(apply(&files, &[&e]).applied.is_empty());
    }

    #[test]
    fn indentation_units() {
        assert_eq!(indent_unit(b"a {\n  b;\n    c;\n}\n"), "  ");
        assert_eq!(indent_unit(b"a {\n\tb;\n}\n"), "\t");
        assert_eq!(indent_unit(b"a;\n"), "    ");
    }
}
