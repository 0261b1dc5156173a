//! What a PCRE pattern of the configuration lets through: the bytes each capture can hold, where
//! it is anchored, a string it matches, whether it compiles — for `location ~`, `if (… ~ …)`,
//! `rewrite`, `map` and `server_name` regexes.
//!
//! nginx compiles its regexes with PCRE (PCRE2 since 1.21.5) without UTF mode, caseless for `~*`:
//! a pattern is bytes, `.` is any byte but `\n`, `[^/]` any byte but `/` (a newline included),
//! `\s` is `[\t\n\v\f\r ]`. The syntax is read by regex-syntax (the `regex` crate's parser) in its
//! byte mode, which reads those the same way. What regex-syntax does not accept is rewritten
//! where the rewrite only widens what a capture may hold (possessive quantifiers, atomic groups,
//! look-arounds without captures, `\Z`, `(?'name'…)`); a pattern still not accepted is judged
//! conservatively: each capture may hold any byte. PCRE2 itself says whether the pattern compiles,
//! how many captures it has, and whether it matches a string.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// A set of bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ByteSet([u64; 4]);

impl std::fmt::Debug for ByteSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut l = f.debug_list();
        for b in 0..=255u8 {
            if self.contains(b) {
                l.entry(&(b as char));
            }
        }
        l.finish()
    }
}

impl ByteSet {
    /// No byte.
    pub const NONE: ByteSet = ByteSet([0; 4]);
    /// Every byte.
    pub const ALL: ByteSet = ByteSet([u64::MAX; 4]);

    /// The bytes `lo..=hi`.
    pub const fn range(lo: u8, hi: u8) -> ByteSet {
        let mut s = [0u64; 4];
        let mut b = lo as usize;
        while b <= hi as usize {
            s[b / 64] |= 1 << (b % 64);
            b += 1;
        }
        ByteSet(s)
    }

    /// The bytes of `bytes`.
    pub const fn of(bytes: &[u8]) -> ByteSet {
        let mut s = [0u64; 4];
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i] as usize;
            s[b / 64] |= 1 << (b % 64);
            i += 1;
        }
        ByteSet(s)
    }

    /// Whether `b` is in the set.
    pub const fn contains(&self, b: u8) -> bool {
        self.0[b as usize / 64] & (1 << (b as usize % 64)) != 0
    }

    /// Both sets together.
    pub const fn union(self, o: ByteSet) -> ByteSet {
        ByteSet([
            self.0[0] | o.0[0],
            self.0[1] | o.0[1],
            self.0[2] | o.0[2],
            self.0[3] | o.0[3],
        ])
    }

    /// The bytes in both.
    pub const fn intersect(self, o: ByteSet) -> ByteSet {
        ByteSet([
            self.0[0] & o.0[0],
            self.0[1] & o.0[1],
            self.0[2] & o.0[2],
            self.0[3] & o.0[3],
        ])
    }

    /// The bytes of `self` not in `o`.
    pub const fn minus(self, o: ByteSet) -> ByteSet {
        ByteSet([
            self.0[0] & !o.0[0],
            self.0[1] & !o.0[1],
            self.0[2] & !o.0[2],
            self.0[3] & !o.0[3],
        ])
    }

    /// Whether the set is empty.
    pub const fn is_empty(&self) -> bool {
        self.0[0] == 0 && self.0[1] == 0 && self.0[2] == 0 && self.0[3] == 0
    }

    /// Adds one byte.
    pub fn insert(&mut self, b: u8) {
        self.0[b as usize / 64] |= 1 << (b as usize % 64);
    }
}

/// A pattern read for what it lets through.
#[derive(Debug)]
pub struct Regex {
    /// The compiled pattern, or PCRE2's reason for refusing it.
    compiled: Result<pcre2::bytes::Regex, String>,
    /// The syntax, when regex-syntax reads the pattern (after the widening rewrites).
    hir: Option<Hir>,
    /// What each capture (by index, 0 = the whole match) can hold.
    groups: Vec<ByteSet>,
    /// Named captures and their indexes.
    names: Vec<(String, usize)>,
    caseless: bool,
    /// Possessive quantifiers, atomic groups or backtracking verbs: what stops PCRE's backtracking.
    no_backtrack: bool,
    /// Whether the syntax read numbers the captures as PCRE2 does (questions about groups are
    /// answered from it only then).
    numbered: bool,
}

impl Regex {
    /// Reads `pattern` as nginx compiles it (`caseless` for `~*`, `server_name`, `valid_referers`).
    pub fn new(pattern: &str, caseless: bool) -> Regex {
        let compiled = pcre2::bytes::RegexBuilder::new()
            .caseless(caseless)
            .build(pattern)
            .map_err(|e| e.to_string());
        let hir = parse(pattern, caseless);
        let pcre_names: Vec<(String, usize)> = match &compiled {
            Ok(r) => r
                .capture_names()
                .iter()
                .enumerate()
                .filter_map(|(i, n)| n.as_ref().map(|n| (n.clone(), i)))
                .collect(),
            Err(_) => Vec::new(),
        };
        let count = match &compiled {
            Ok(r) => r.captures_len(),
            Err(_) => 1,
        };
        let mut groups = vec![ByteSet::ALL; count.max(1)];
        let mut names = pcre_names;
        let mut numbered = false;
        if let Some(h) = &hir {
            let mut found = vec![None; 0];
            let mut hir_names = Vec::new();
            let whole = collect(h, &mut found, &mut hir_names);
            // The syntax read is only trusted when it numbers the captures as PCRE2 does.
            if found.len() + 1 == count || compiled.is_err() {
                numbered = true;
                groups = std::iter::once(whole)
                    .chain(found.into_iter().map(|g| g.unwrap_or(ByteSet::NONE)))
                    .collect();
                if compiled.is_err() {
                    names = hir_names;
                }
            }
        }
        Regex {
            compiled,
            hir,
            groups,
            names,
            caseless,
            no_backtrack: stops_backtracking(pattern),
            numbered,
        }
    }

    /// Whether capture `a` holds capture `b` or `b` holds `a` (groups nest; they never cross):
    /// `^/((.*))$` nests 1 and 2, `^/(.*)/(.*)$` does not. `None` when the syntax was not read or
    /// a group does not exist.
    pub fn nested(&self, a: usize, b: usize) -> Option<bool> {
        let h = self.hir.as_ref().filter(|_| self.numbered)?;
        if a == 0 || b == 0 || a > self.captures() || b > self.captures() {
            return None;
        }
        /// Each capture's enclosing captures, by index.
        fn walk(h: &Hir, stack: &mut Vec<usize>, out: &mut Vec<(usize, Vec<usize>)>) {
            match h.kind() {
                HirKind::Capture(c) => {
                    out.push((c.index as usize, stack.clone()));
                    stack.push(c.index as usize);
                    walk(&c.sub, stack, out);
                    stack.pop();
                }
                HirKind::Repetition(r) => walk(&r.sub, stack, out),
                HirKind::Concat(v) | HirKind::Alternation(v) => {
                    for h in v {
                        walk(h, stack, out);
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(h, &mut Vec::new(), &mut out);
        let inside = |x: usize, y: usize| out.iter().any(|(i, up)| *i == x && up.contains(&y));
        Some(a == b || inside(a, b) || inside(b, a))
    }

    /// PCRE2's reason for refusing the pattern (nginx refuses the configuration with it).
    pub fn error(&self) -> Option<&str> {
        self.compiled.as_ref().err().map(String::as_str)
    }

    /// The number of captures (`$1`…), not counting the whole match.
    pub fn captures(&self) -> usize {
        self.groups.len().saturating_sub(1)
    }

    /// The index of a named capture.
    pub fn named(&self, name: &str) -> Option<usize> {
        self.names.iter().find(|(n, _)| n == name).map(|(_, i)| *i)
    }

    /// The names of the named captures, with their indexes.
    pub fn names(&self) -> &[(String, usize)] {
        &self.names
    }

    /// The bytes capture `i` can hold (0: the whole match); every byte when the pattern could not
    /// be read, none for a capture that does not exist.
    pub fn group(&self, i: usize) -> ByteSet {
        self.groups.get(i).copied().unwrap_or(ByteSet::NONE)
    }

    /// Whether the syntax was read (else every answer about it is the conservative one).
    pub fn understood(&self) -> bool {
        self.hir.is_some()
    }

    /// Whether every match starts at the subject's start (`^…`, `\A…`); `None` when unknown.
    pub fn anchored_start(&self) -> Option<bool> {
        self.hir.as_ref().map(starts)
    }

    /// Whether every match ends at the subject's end (`…$`, `…\z`); `None` when unknown.
    pub fn anchored_end(&self) -> Option<bool> {
        self.hir.as_ref().map(ends)
    }

    /// Whether PCRE2 finds a match in `subject` (`None`: the pattern does not compile, or
    /// matching failed, as on a match limit).
    pub fn is_match(&self, subject: &[u8]) -> Option<bool> {
        self.compiled.as_ref().ok()?.is_match(subject).ok()
    }

    /// The captures of the first match in `subject`, by index (`None` for a group that did not
    /// take part).
    pub fn captures_of(&self, subject: &[u8]) -> Option<Vec<Option<Vec<u8>>>> {
        let re = self.compiled.as_ref().ok()?;
        let caps = re.captures(subject).ok()??;
        Some(
            (0..caps.len())
                .map(|i| caps.get(i).map(|m| m.as_bytes().to_vec()))
                .collect(),
        )
    }

    /// A short string the pattern matches, built from its syntax (the first alternative, the
    /// fewest repetitions, a letter or digit for a class where it can), checked with PCRE2.
    pub fn example(&self) -> Option<Vec<u8>> {
        self.example_preferring(None)
    }

    /// [`Regex::example`] with `prefer` picked for every class that holds it (a `.` for `.`:
    /// `www.example\.com` gives `www.example.com`, as its author meant, not `wwwaexample.com`).
    pub fn example_preferring(&self, prefer: Option<u8>) -> Option<Vec<u8>> {
        let h = self.hir.as_ref()?;
        let mut out = Vec::new();
        example(h, prefer, &mut out)?;
        (self.is_match(&out) == Some(true)).then_some(out)
    }

    /// What can come right before capture `g` in a match: the subject's start, or some bytes
    /// (`None` when the syntax was not read, or the capture is not found).
    pub fn before_group(&self, g: usize) -> Option<Before> {
        let h = self.hir.as_ref()?;
        let mut path = Vec::new();
        if !find_capture(h, g as u32, &mut path) {
            return None;
        }
        // From the capture outwards: the nearest sibling before it in a concatenation that
        // matches something decides; lookarounds and empty pieces are passed over.
        for (parent, index) in path.iter().rev() {
            if let HirKind::Concat(v) = parent.kind() {
                for x in v[..*index].iter().rev() {
                    if let HirKind::Look(l) = x.kind() {
                        if is_start(l) {
                            return Some(Before::Start);
                        }
                        continue;
                    }
                    match last_bytes(x) {
                        Some(set) if !empty_possible(x) => return Some(Before::Bytes(set)),
                        // A piece that may match nothing: what is before it may come first.
                        Some(_) | None => return Some(Before::Bytes(ByteSet::ALL)),
                    }
                }
            }
        }
        // Nothing before it in the pattern: an unanchored regex may match anywhere.
        Some(Before::Bytes(ByteSet::ALL))
    }

    /// The bytes a match of capture `g` can start with (every byte when unknown).
    pub fn group_first(&self, g: usize) -> ByteSet {
        let Some(h) = self.hir.as_ref() else {
            return ByteSet::ALL;
        };
        let mut path = Vec::new();
        if !find_capture(h, g as u32, &mut path) {
            return ByteSet::ALL;
        }
        let (parent, index) = path[path.len() - 1];
        let cap = match parent.kind() {
            HirKind::Concat(v) | HirKind::Alternation(v) => &v[index],
            HirKind::Capture(c) => &c.sub,
            HirKind::Repetition(r) => &r.sub,
            _ => return ByteSet::ALL,
        };
        match cap.kind() {
            HirKind::Capture(c) if empty_possible(&c.sub) => ByteSet::ALL,
            HirKind::Capture(c) => first_bytes(&c.sub).unwrap_or(ByteSet::ALL),
            _ => ByteSet::ALL,
        }
    }

    /// A repetition of a repetition that can split the same input in exponentially many ways
    /// (`(a+)+$`, `(\w+\s?)*$`, `(.*,)*x`), followed by something that can fail: a subject that
    /// almost matches makes PCRE backtrack through every split before it gives up. The outer
    /// repetition, as regex-syntax writes it; `None` when there is none, when the syntax was not
    /// read, or when the pattern has possessive or atomic parts (which `widen` reads as greedy ones
    /// but which stop the backtracking).
    pub fn exponential(&self) -> Option<String> {
        if self.no_backtrack {
            return None;
        }
        let mut found = None;
        ambiguous(self.hir.as_ref()?, Tail::Nothing, ByteSet::ALL, &mut found);
        found
    }

    /// [`Regex::exponential`] without compiling the pattern, for a subject that can hold the
    /// bytes `subject`: a repetition followed by nothing but `$` cannot fail on a subject its
    /// body can consume to the end. A repetition of a repetition needs a group with a
    /// quantifier, which most patterns lack, so most are answered without parsing.
    pub fn exponential_pattern(pattern: &str, caseless: bool, subject: ByteSet) -> Option<String> {
        let grouped = [")+", ")*", "){"].iter().any(|q| pattern.contains(q));
        if !grouped || stops_backtracking(pattern) {
            return None;
        }
        let hir = parse(pattern, caseless)?;
        let mut found = None;
        ambiguous(&hir, Tail::Nothing, subject, &mut found);
        found
    }

    /// The syntax as read, for analyses of its shape (nested repetition, alternation).
    pub fn hir(&self) -> Option<&Hir> {
        self.hir.as_ref()
    }

    /// Whether the pattern was compiled caseless.
    pub fn caseless(&self) -> bool {
        self.caseless
    }
}

/// What can come right before a capture in a match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Before {
    /// The start of the subject (`^(…)`).
    Start,
    /// One of these bytes.
    Bytes(ByteSet),
}

/// The path from `h` to capture `index`: each ancestor with the position of the child taken.
fn find_capture<'h>(h: &'h Hir, index: u32, path: &mut Vec<(&'h Hir, usize)>) -> bool {
    match h.kind() {
        HirKind::Concat(v) | HirKind::Alternation(v) => {
            for (i, x) in v.iter().enumerate() {
                path.push((h, i));
                if matches!(x.kind(), HirKind::Capture(c) if c.index == index)
                    || find_capture(x, index, path)
                {
                    return true;
                }
                path.pop();
            }
            false
        }
        HirKind::Capture(c) => {
            path.push((h, 0));
            if matches!(c.sub.kind(), HirKind::Capture(d) if d.index == index)
                || find_capture(&c.sub, index, path)
            {
                return true;
            }
            path.pop();
            false
        }
        HirKind::Repetition(r) => {
            path.push((h, 0));
            if matches!(r.sub.kind(), HirKind::Capture(d) if d.index == index)
                || find_capture(&r.sub, index, path)
            {
                return true;
            }
            path.pop();
            false
        }
        _ => false,
    }
}

/// The syntax of a pattern after the widening rewrites, when regex-syntax reads it.
fn parse(pattern: &str, caseless: bool) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(caseless)
        .build()
        .parse(&widen(pattern))
        .ok()
}

/// Possessive quantifiers, atomic groups or backtracking verbs (`(*COMMIT)`): PCRE does not go
/// back into them. Read roughly (an escaped `\+` before a `+` counts too): a pattern that has
/// one is left alone.
fn stops_backtracking(pattern: &str) -> bool {
    ["(?>", "++", "*+", "?+", "}+", "(*"]
        .iter()
        .any(|c| pattern.contains(c))
}

/// What follows a part of a pattern, as far as failing goes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tail {
    /// Nothing that can fail: the first way tried matches and no other is tried.
    Nothing,
    /// Only anchors (`$`): they fail where a byte is left that the part could not take.
    Anchors,
    /// A byte to match, or more.
    Bytes,
}

/// What `parts` (a concatenation's rest) can fail on.
fn tail_of(parts: &[Hir]) -> Tail {
    parts
        .iter()
        .map(|y| match y.kind() {
            HirKind::Look(_) => Tail::Anchors,
            _ if empty_possible(y) => Tail::Nothing,
            _ => Tail::Bytes,
        })
        .max()
        .unwrap_or(Tail::Nothing)
}

/// Looks for an unbounded repetition whose body holds an unbounded repetition that every other
/// part of the body can be matched by, or skipped: the body then matches one input in many ways.
/// `tail`: what after `h` can fail, without which the first way tried succeeds and no other is
/// tried; `subject`: the bytes the subject can hold.
fn ambiguous(h: &Hir, tail: Tail, subject: ByteSet, found: &mut Option<String>) {
    if found.is_some() {
        return;
    }
    match h.kind() {
        HirKind::Repetition(r) => {
            // Followed by `$` alone, the repetition fails only on a byte its body cannot take.
            let body = class_bytes(&r.sub);
            let can_fail = match tail {
                Tail::Nothing => false,
                Tail::Anchors => subject.union(body) != body,
                Tail::Bytes => true,
            };
            if can_fail && r.max.is_none_or(|m| m > 16) {
                let mut body = &*r.sub;
                while let HirKind::Capture(c) = body.kind() {
                    body = &c.sub;
                }
                let parts: Vec<&Hir> = match body.kind() {
                    HirKind::Concat(v) => v.iter().collect(),
                    _ => vec![body],
                };
                for (i, p) in parts.iter().enumerate() {
                    let mut inner = *p;
                    while let HirKind::Capture(c) = inner.kind() {
                        inner = &c.sub;
                    }
                    let HirKind::Repetition(ir) = inner.kind() else {
                        continue;
                    };
                    // `x?` and `x{3}` split an input one way only.
                    if ir.max.is_some_and(|m| m <= 1 || m == ir.min) {
                        continue;
                    }
                    let set = class_bytes(&ir.sub);
                    let rest_fits = parts.iter().enumerate().all(|(j, q)| {
                        j == i
                            || empty_possible(q)
                            || (!matches!(q.kind(), HirKind::Look(_))
                                && set.union(class_bytes(q)) == set)
                    });
                    if rest_fits && !set.is_empty() {
                        *found = Some(h.to_string());
                        return;
                    }
                }
            }
            ambiguous(&r.sub, tail, subject, found);
        }
        HirKind::Capture(c) => ambiguous(&c.sub, tail, subject, found),
        HirKind::Alternation(v) => {
            for x in v {
                ambiguous(x, tail, subject, found);
            }
        }
        HirKind::Concat(v) => {
            for (i, x) in v.iter().enumerate() {
                let after = tail_of(v.get(i + 1..).unwrap_or_default());
                ambiguous(x, tail.max(after), subject, found);
            }
        }
        _ => {}
    }
}

/// Whether `h` can match the empty string.
fn empty_possible(h: &Hir) -> bool {
    h.properties().minimum_len() == Some(0)
}

/// The bytes a non-empty match of `h` can start with (`None`: it matches only the empty string).
fn first_bytes(h: &Hir) -> Option<ByteSet> {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => None,
        HirKind::Literal(l) => l.0.first().map(|&b| ByteSet::of(&[b])),
        HirKind::Class(_) => Some(class_bytes(h)),
        HirKind::Repetition(r) => first_bytes(&r.sub),
        HirKind::Capture(c) => first_bytes(&c.sub),
        HirKind::Concat(v) => {
            let mut set = ByteSet::NONE;
            for x in v {
                if let Some(f) = first_bytes(x) {
                    set = set.union(f);
                }
                if !empty_possible(x) {
                    return Some(set);
                }
            }
            (!set.is_empty()).then_some(set)
        }
        HirKind::Alternation(v) => v.iter().filter_map(first_bytes).reduce(ByteSet::union),
    }
}

/// The bytes a non-empty match of `h` can end with.
fn last_bytes(h: &Hir) -> Option<ByteSet> {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => None,
        HirKind::Literal(l) => l.0.last().map(|&b| ByteSet::of(&[b])),
        HirKind::Class(_) => Some(class_bytes(h)),
        HirKind::Repetition(r) => last_bytes(&r.sub),
        HirKind::Capture(c) => last_bytes(&c.sub),
        HirKind::Concat(v) => {
            let mut set = ByteSet::NONE;
            for x in v.iter().rev() {
                if let Some(f) = last_bytes(x) {
                    set = set.union(f);
                }
                if !empty_possible(x) {
                    return Some(set);
                }
            }
            (!set.is_empty()).then_some(set)
        }
        HirKind::Alternation(v) => v.iter().filter_map(last_bytes).reduce(ByteSet::union),
    }
}

/// The bytes of a class.
fn class_bytes(h: &Hir) -> ByteSet {
    let mut g = Vec::new();
    collect(h, &mut g, &mut Vec::new())
}

/// Rewrites the PCRE constructs regex-syntax refuses into ones that accept at least the same
/// bytes in each capture: `a++`/`a*+`/`a?+` → greedy, `(?>…)` → `(?:…)`, `\Z` → `\z`,
/// `(?'n'…)` → `(?<n>…)`, look-arounds without captures → nothing. `\Q…\E` is quoted.
fn widen(p: &str) -> String {
    let b = p.as_bytes();
    let mut out = String::with_capacity(p.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() => {
                match b[i + 1] {
                    b'Z' => out.push_str("\\z"),
                    b'Q' => {
                        let end = cut(p, i + 2..).find("\\E").map_or(b.len(), |e| i + 2 + e);
                        out.push_str(&regex_syntax::escape(cut(p, i + 2..end)));
                        i = (end + 2).min(b.len());
                        continue;
                    }
                    _ => {
                        // Keep the escape and its character (a multi-byte one whole).
                        let ch = cut(p, i + 1..).chars().next().map_or(1, char::len_utf8);
                        out.push_str(cut(p, i..i + 1 + ch));
                        i += 1 + ch;
                        continue;
                    }
                }
                i += 2;
            }
            b'[' => {
                // A class is copied as is: `+`, `(` inside it are literal.
                let end = class_end(b, i);
                out.push_str(cut(p, i..end));
                i = end;
            }
            b'+' if i > 0
                && matches!(b[i - 1], b'+' | b'*' | b'?' | b'}')
                && !escaped(b, i - 1) =>
            {
                i += 1;
            }
            b'(' if b[i..].starts_with(b"(?>") => {
                out.push_str("(?:");
                i += 3;
            }
            b'(' if b[i..].starts_with(b"(?'") => {
                out.push_str("(?<");
                i += 3;
                while i < b.len() && b[i] != b'\'' {
                    out.push(b[i] as char);
                    i += 1;
                }
                out.push('>');
                i += 1;
            }
            b'(' if b[i..].starts_with(b"(?=")
                || b[i..].starts_with(b"(?!")
                || b[i..].starts_with(b"(?<=")
                || b[i..].starts_with(b"(?<!") =>
            {
                let end = group_end(b, i);
                // A capture inside would change the numbering: leave it for the parser to refuse.
                if b[i + 3..end].contains(&b'(') {
                    out.push_str(cut(p, i..end));
                }
                i = end;
            }
            _ => {
                let ch = cut(p, i..).chars().next().map_or(1, char::len_utf8);
                out.push_str(cut(p, i..i + ch));
                i += ch;
            }
        }
    }
    out
}

/// `p[range]`, or nothing where the range does not fall on characters (`widen` cuts only at ASCII
/// bytes and whole characters, so that does not happen).
fn cut<R: std::slice::SliceIndex<str, Output = str>>(p: &str, range: R) -> &str {
    p.get(range).unwrap_or_default()
}

/// Whether the byte at `i` is escaped by an odd number of backslashes before it.
fn escaped(b: &[u8], i: usize) -> bool {
    b[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 1
}

/// The index after the `]` closing the class opened at `i` (`[]…]` and `[^]…]` take the `]`).
fn class_end(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    if b.get(j) == Some(&b'^') {
        j += 1;
    }
    if b.get(j) == Some(&b']') {
        j += 1;
    }
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'[' if b.get(j + 1) == Some(&b':') => {
                // A POSIX class `[:alpha:]`.
                j = b[j + 2..]
                    .windows(2)
                    .position(|w| w == b":]")
                    .map_or(b.len(), |e| j + 2 + e + 2);
            }
            b']' => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}

/// The index after the `)` closing the group opened at `i`.
fn group_end(b: &[u8], i: usize) -> usize {
    let mut depth = 0;
    let mut j = i;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 1,
            b'[' => {
                j = class_end(b, j);
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    b.len()
}

/// The bytes a sub-pattern's matches can hold; records each capture's in `groups` (by index - 1)
/// and the names.
fn collect(
    h: &Hir,
    groups: &mut Vec<Option<ByteSet>>,
    names: &mut Vec<(String, usize)>,
) -> ByteSet {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => ByteSet::NONE,
        HirKind::Literal(l) => ByteSet::of(&l.0),
        HirKind::Class(Class::Bytes(c)) => c.iter().fold(ByteSet::NONE, |s, r| {
            s.union(ByteSet::range(r.start(), r.end()))
        }),
        HirKind::Class(Class::Unicode(c)) => c.iter().fold(ByteSet::NONE, |s, r| {
            let (lo, hi) = (r.start() as u32, r.end() as u32);
            if lo > 0xFF {
                // Outside bytes: UTF-8 of such characters holds any byte from 0x80 up.
                s.union(ByteSet::range(0x80, 0xFF))
            } else {
                s.union(ByteSet::range(lo as u8, hi.min(0xFF) as u8))
                    .union(if hi > 0x7F {
                        ByteSet::range(0x80, 0xFF)
                    } else {
                        ByteSet::NONE
                    })
            }
        }),
        HirKind::Repetition(r) => collect(&r.sub, groups, names),
        HirKind::Capture(c) => {
            let inner = collect(&c.sub, groups, names);
            let i = c.index as usize;
            if groups.len() < i {
                groups.resize(i, None);
            }
            groups[i - 1] = Some(groups[i - 1].unwrap_or(ByteSet::NONE).union(inner));
            if let Some(n) = &c.name {
                names.push((n.to_string(), i));
            }
            inner
        }
        HirKind::Concat(v) | HirKind::Alternation(v) => v
            .iter()
            .fold(ByteSet::NONE, |s, h| s.union(collect(h, groups, names))),
    }
}

fn is_start(l: &Look) -> bool {
    matches!(l, Look::Start)
}

fn is_end(l: &Look) -> bool {
    matches!(l, Look::End | Look::EndLF)
}

/// Whether every match of `h` begins at the start of the subject.
fn starts(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Look(l) => is_start(l),
        HirKind::Capture(c) => starts(&c.sub),
        HirKind::Concat(v) => {
            for x in v {
                if starts(x) {
                    return true;
                }
                // Only what matches nothing may come before the anchor.
                if !matches!(x.kind(), HirKind::Look(_) | HirKind::Empty) {
                    return false;
                }
            }
            false
        }
        HirKind::Alternation(v) => v.iter().all(starts),
        HirKind::Repetition(r) => r.min > 0 && starts(&r.sub),
        _ => false,
    }
}

/// Whether every match of `h` ends at the end of the subject (PCRE's `$` also before a final
/// newline).
fn ends(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Look(l) => is_end(l),
        HirKind::Capture(c) => ends(&c.sub),
        HirKind::Concat(v) => {
            for x in v.iter().rev() {
                if ends(x) {
                    return true;
                }
                if !matches!(x.kind(), HirKind::Look(_) | HirKind::Empty) {
                    return false;
                }
            }
            false
        }
        HirKind::Alternation(v) => v.iter().all(ends),
        HirKind::Repetition(r) => r.min > 0 && ends(&r.sub),
        _ => false,
    }
}

/// Appends a short string `h` matches; `None` where none can be built (a class with no byte).
fn example(h: &Hir, prefer: Option<u8>, out: &mut Vec<u8>) -> Option<()> {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(()),
        HirKind::Literal(l) => {
            out.extend_from_slice(&l.0);
            Some(())
        }
        HirKind::Class(Class::Bytes(c)) => {
            let set = c.iter().fold(ByteSet::NONE, |s, r| {
                s.union(ByteSet::range(r.start(), r.end()))
            });
            out.push(pick(set, prefer)?);
            Some(())
        }
        HirKind::Class(Class::Unicode(c)) => {
            let set = c.iter().fold(ByteSet::NONE, |s, r| {
                let lo = (r.start() as u32).min(0xFF) as u8;
                let hi = (r.end() as u32).min(0x7F) as u8;
                if (r.start() as u32) <= 0x7F {
                    s.union(ByteSet::range(lo, hi))
                } else {
                    s
                }
            });
            out.push(pick(set, prefer)?);
            Some(())
        }
        HirKind::Repetition(r) => {
            for _ in 0..r.min.min(4) {
                example(&r.sub, prefer, out)?;
            }
            Some(())
        }
        HirKind::Capture(c) => example(&c.sub, prefer, out),
        HirKind::Concat(v) => v.iter().try_for_each(|x| example(x, prefer, out)),
        HirKind::Alternation(v) => {
            // The first alternative that yields a string.
            for x in v {
                let len = out.len();
                if example(x, prefer, out).is_some() {
                    return Some(());
                }
                out.truncate(len);
            }
            None
        }
    }
}

/// A representative byte of a set: a lowercase letter, a digit, an uppercase letter, then any.
fn pick(set: ByteSet, prefer: Option<u8>) -> Option<u8> {
    prefer
        .into_iter()
        .chain(b'a'..=b'z')
        .chain(b'0'..=b'9')
        .chain(b'A'..=b'Z')
        .chain(b"-_.~".iter().copied())
        .chain(0..=255u8)
        .find(|&b| set.contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_captures_can_hold() {
        let r = Regex::new(r"^/files/(.*)$", false);
        assert_eq!(r.captures(), 1);
        let nested = Regex::new("^/((.*))/(?<rest>.*)$", false);
        assert_eq!(nested.nested(1, 2), Some(true));
        assert_eq!(nested.nested(2, 1), Some(true));
        assert_eq!(nested.nested(1, 3), Some(false));
        assert_eq!(nested.nested(1, 4), None);
        assert_eq!(Regex::new("^/(.*)/(.*)$", false).nested(1, 2), Some(false));
        assert!(r.group(1).contains(b'\r'));
        assert!(!r.group(1).contains(b'\n'), "`.` is any byte but a newline");
        let r = Regex::new(r"^/([^/]+)/(\d+)$", false);
        assert!(
            r.group(1).contains(b'\n'),
            "a negated class takes a newline"
        );
        assert!(!r.group(2).contains(b'a'));
        assert!(r.group(2).contains(b'7'));
        let r = Regex::new(r"^/(?<name>[a-z]+)\.(?:jpg|png)$", true);
        assert_eq!(r.named("name"), Some(1));
        assert!(r.group(1).contains(b'Q'), "caseless");
    }

    #[test]
    fn pcre_only_syntax_is_widened_not_refused() {
        // Possessive, atomic, look-ahead: PCRE2 compiles them; the captures are still read.
        let r = Regex::new(r"^/(?>a|b)(x++)(?=\.)([^.]*+)", false);
        assert!(r.understood());
        assert_eq!(r.captures(), 2);
        assert_eq!(r.group(1), ByteSet::of(b"x"));
        // A back-reference is not read: its captures may hold anything.
        let r = Regex::new(r"^/(a)\1(b)$", false);
        assert!(!r.understood());
        assert_eq!(r.captures(), 2);
        assert_eq!(r.group(2), ByteSet::ALL);
        assert!(Regex::new(r"(", false).error().is_some());
    }

    #[test]
    fn what_precedes_a_capture() {
        let r = Regex::new(r"^/files(.*)$", false);
        assert_eq!(r.before_group(1), Some(Before::Bytes(ByteSet::of(b"s"))));
        assert!(r.group_first(1).contains(b'.'));
        let r = Regex::new(r"^/files/(.+)$", false);
        assert_eq!(r.before_group(1), Some(Before::Bytes(ByteSet::of(b"/"))));
        let r = Regex::new(r"^(/.*)$", false);
        assert_eq!(r.before_group(1), Some(Before::Start));
        assert_eq!(r.group_first(1), ByteSet::of(b"/"));
        let r = Regex::new(r"/static(?:/v\d+)?(.*)", false);
        assert_eq!(r.before_group(1), Some(Before::Bytes(ByteSet::ALL)));
    }

    #[test]
    fn exponential_backtracking() {
        // Each reported pattern with a subject that makes the real PCRE2 give up at its match
        // limit (nginx answers 500 and logs `pcre2_match() failed: -47`).
        let a30 = "a".repeat(30);
        for (p, subject) in [
            (r"^(a+)+$", format!("{a30}!")),
            (r"^/(\w+\s?)*$", format!("/{a30}!")),
            (r"^/([a-z]+/?)*$", format!("/{a30}!")),
            // PCRE first looks for a byte every match needs: the subject holds it.
            (r"^(.*,)*x$", format!("{}x!", ",".repeat(30))),
            (r"(?:[a-z]*)*@", format!("{a30}!@")),
            (r"(a{1,3})+$", format!("{a30}!")),
        ] {
            assert!(Regex::new(p, false).exponential().is_some(), "{p}");
            assert!(
                Regex::exponential_pattern(p, false, ByteSet::ALL).is_some(),
                "{p}"
            );
            let pcre = pcre2::bytes::Regex::new(p).unwrap();
            assert!(pcre.is_match(subject.as_bytes()).is_err(), "{p}");
        }
        for (p, subject) in [
            (r"^/(/[a-z]+)+$", format!("//{a30}!")),
            (r"\.php$", format!("/{a30}!")),
            (r"^(a+b)+$", format!("{a30}!")),
            (r"^/api/(.*)$", format!("/api/{a30}!")),
            (r"(a{2})+$", format!("{a30}!")),
            // Nothing after the repetition can fail: the first split tried matches.
            (r"^/([a-z]+/?)*", format!("/{a30}!")),
            // Possessive and atomic: PCRE does not go back into them.
            (r"^(a++)+$", format!("{a30}!")),
            (r"^(?>a+)+$", format!("{a30}!")),
            (r"^(\d+\.)+\d+$", format!("{}!", "1.".repeat(15))),
        ] {
            assert_eq!(Regex::new(p, false).exponential(), None, "{p}");
            assert_eq!(
                Regex::exponential_pattern(p, false, ByteSet::ALL),
                None,
                "{p}"
            );
            let pcre = pcre2::bytes::Regex::new(p).unwrap();
            assert!(pcre.is_match(subject.as_bytes()).is_ok(), "{p}");
        }
        // Followed by `$` alone, `(\?.*)*` fails only on a line break, which a request line
        // cannot hold: PCRE gives up on one, and finds the match at once without.
        let p = r"^(?P<path>.*?)(\?.*)*$";
        let no_lf = ByteSet::ALL.minus(ByteSet::of(b"\n"));
        assert!(Regex::exponential_pattern(p, false, ByteSet::ALL).is_some());
        assert_eq!(Regex::exponential_pattern(p, false, no_lf), None);
        let pcre = pcre2::bytes::Regex::new(p).unwrap();
        let q = "?".repeat(30);
        assert!(pcre.is_match(format!("/{q}\nx").as_bytes()).is_err());
        assert_eq!(pcre.is_match(format!("/{q}x").as_bytes()).ok(), Some(true));
    }

    #[test]
    fn anchors_and_examples() {
        let r = Regex::new(r"\.php$", false);
        assert_eq!(r.anchored_start(), Some(false));
        assert_eq!(r.anchored_end(), Some(true));
        let r = Regex::new(r"^https?://(www\.)?example\.com$", true);
        assert_eq!(r.anchored_start(), Some(true));
        assert_eq!(r.example().as_deref(), Some(&b"http://example.com"[..]));
        assert_eq!(r.is_match(b"https://example.com.evil.test"), Some(false));
        let r = Regex::new(r"^(a|b$)", false);
        assert_eq!(r.anchored_end(), Some(false));
        assert_eq!(r.is_match(b"ab"), Some(true));
    }
}
