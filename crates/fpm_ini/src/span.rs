//! Byte spans into one file.

/// A half-open byte range `start..end` into one file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// First byte of the token.
    pub start: u32,
    /// One past the last byte of the token.
    pub end: u32,
}

impl Span {
    /// Builds a span from two byte offsets (saturating at `u32::MAX`: files that large are refused by the VFS).
    pub fn new(start: usize, end: usize) -> Span {
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Span {
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// An empty span at `at`.
    pub fn empty(at: usize) -> Span {
        Span::new(at, at)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// True when the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The bytes this span covers in `src` (empty when out of range).
    pub fn slice<'a>(&self, src: &'a [u8]) -> &'a [u8] {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or(&[])
    }
}

/// 1-based line number of byte offset `at` in `src`.
pub fn line_of(src: &[u8], at: u32) -> u32 {
    let end = (at as usize).min(src.len());
    let n = src[..end].iter().filter(|&&b| b == b'\n').count();
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}
