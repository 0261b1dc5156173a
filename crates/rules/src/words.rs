//! A directive's arguments as bytes: rules compare keywords and read numbers for every location,
//! and `At::arg` makes each one a `String`-like `Cow<str>` through a lossy UTF-8 pass first.

use std::borrow::Cow;

use ngxlint_engine::model::{At, FastMap};

/// Argument `i` as nginx's handler gets it (escapes processed).
pub(crate) fn arg_bytes<'p>(at: &At<'p>, i: usize) -> Option<Cow<'p, [u8]>> {
    at.dir.args.get(i).map(|w| w.value(at.src))
}

/// Argument `i` as text, what `at.arg(i)` gives, without the lossy pass when it is UTF-8.
pub(crate) fn arg_text<'p>(at: &At<'p>, i: usize) -> Option<Cow<'p, str>> {
    Some(match arg_bytes(at, i)? {
        Cow::Borrowed(b) => match std::str::from_utf8(b) {
            Ok(t) => Cow::Borrowed(t),
            Err(_) => String::from_utf8_lossy(b),
        },
        Cow::Owned(v) => Cow::Owned(match String::from_utf8(v) {
            Ok(t) => t,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }),
    })
}

/// Whether argument `i` is exactly `s` (what `at.arg(i).as_deref() == Some(s)` says).
pub(crate) fn arg_is(at: &At<'_>, i: usize, s: &str) -> bool {
    arg_bytes(at, i).is_some_and(|v| *v == *s.as_bytes())
}

/// Argument `i` read by `parse` when it is UTF-8: nginx's sizes, times and numbers are ASCII, so
/// an argument that is not UTF-8 would not parse from its lossy text either.
pub(crate) fn parse_arg<T>(at: &At<'_>, i: usize, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
    let v = arg_bytes(at, i)?;
    parse(std::str::from_utf8(&v).ok()?)
}

/// [`parse_arg`] of argument 0 remembered by the argument as written: 1,200 locations write
/// `fastcgi_read_timeout 60s;`.
pub(crate) struct Parsed<'p, T> {
    parse: fn(&str) -> Option<T>,
    seen: FastMap<&'p [u8], Option<T>>,
}

impl<'p, T: Copy> Parsed<'p, T> {
    /// Remembers what `parse` makes of each argument.
    pub fn new(parse: fn(&str) -> Option<T>) -> Parsed<'p, T> {
        Parsed {
            parse,
            seen: FastMap::default(),
        }
    }

    /// `parse` of argument 0 of `at`.
    pub fn first(&mut self, at: &At<'p>) -> Option<T> {
        let w = at.dir.args.first()?;
        // The value follows from the raw contents (escapes are processed the same way).
        let parse = self.parse;
        *self
            .seen
            .entry(w.raw(at.src))
            .or_insert_with(|| parse_arg(at, 0, parse))
    }
}
