//! Any bytes: `nginx_syntax::parse` must not panic, and every span and error offset it returns
//! must lie inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nginx_syntax::{parse, Directive, Span};

fn inside(s: Span, len: u32) {
    assert!(s.start <= s.end && s.end <= len, "{s:?} outside 0..{len}");
}

fn walk(list: &[Directive], len: u32) {
    for d in list {
        inside(d.name.span, len);
        inside(d.name.inner(), len);
        for a in &d.args {
            inside(a.span, len);
            inside(a.inner(), len);
        }
        inside(d.span(), len);
        assert!(d.terminator.offset() <= len);
        if let Some(b) = &d.block {
            if let Some(c) = b.close {
                assert!(c < len);
            }
            walk(&b.children, len);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let parsed = parse(data);
    let len = data.len() as u32;
    walk(&parsed.directives, len);
    for c in &parsed.comments {
        inside(*c, len);
    }
    for e in &parsed.errors {
        inside(e.span, len);
        assert!(e.nginx_offset <= len);
        let _ = e.message();
    }
});
