//! No input makes the reader panic, and everything it returns points inside the input: random
//! bytes, nginx-shaped token soup, and mutated real-world files (testdata/realworld).

use nginx_syntax::{parse, Directive, Quote, Span, Terminator, Word, MAX_DEPTH};
use proptest::prelude::*;

/// Real files, embedded so the test needs nothing at run time.
const CORPUS: &[&[u8]] = &[
    include_bytes!("../../../testdata/realworld/h5bp__server-configs-nginx/nginx.conf"),
    include_bytes!("../../../testdata/realworld/h5bp__server-configs-nginx/h5bp/web_performance/cache_expiration.conf"),
    include_bytes!("../../../testdata/realworld/nginx__nginx/conf/nginx.conf"),
    include_bytes!("../../../testdata/realworld/trimstray__nginx-admins-handbook/lib/nginx/nginx.conf"),
    include_bytes!("../../../testdata/realworld/trimstray__nginx-admins-handbook/lib/nginx/master/_acls/internal.map.acl"),
    include_bytes!("../../../testdata/realworld/nginxinc__nginx-s3-gateway/common/etc/nginx/templates/default.conf.template"),
    include_bytes!("../../../testdata/realworld/nginxinc__NGINX-Demos/fun-with-health-checks/nginxplus/config/conf.d/backend.conf"),
];

/// Pieces that steer the lexer into every state: quotes, escapes, `${`, comments, braces,
/// the whitespace nginx knows and the one it does not, Lua blocks and long brackets.
const PIECES: &[&[u8]] = &[
    b"events",
    b"http",
    b"server",
    b"location",
    b"map",
    b"types",
    b"include",
    b"set",
    b"if",
    b"content_by_lua_block",
    b"set_by_lua_block",
    b"{",
    b"}",
    b";",
    b"\"",
    b"'",
    b"\\",
    b"$",
    b"${",
    b"#",
    b"\n",
    b"\r\n",
    b"\r",
    b" ",
    b"\t",
    b"\x0c",
    b"\xf6",
    b"\xc2\xa0",
    b"a",
    b"(",
    b")",
    b"--",
    b"--[[",
    b"[[",
    b"]]",
    b"[==[",
    b"]==]",
    b"x.conf",
    b"*",
];

fn check_span(s: Span, len: u32, what: &str) {
    assert!(
        s.start <= s.end && s.end <= len,
        "{what} {s:?} outside 0..{len}"
    );
}

fn check_word(w: &Word, len: u32) {
    check_span(w.span, len, "word span");
    check_span(w.inner(), len, "word inner");
    assert!(
        w.span.start <= w.inner().start && w.inner().end <= w.span.end,
        "inner {:?} not within span {:?}",
        w.inner(),
        w.span
    );
    // A Lua body is raw code: it carries no escapes to process.
    assert!(
        !(w.quote == Quote::Lua && w.escaped),
        "escaped Lua body {w:?}"
    );
}

fn check_directives(list: &[Directive], len: u32, depth: usize) {
    assert!(depth <= MAX_DEPTH + 1, "nesting {depth} beyond MAX_DEPTH");
    for d in list {
        check_word(&d.name, len);
        for a in &d.args {
            check_word(a, len);
        }
        match d.terminator {
            Terminator::Semicolon(o) | Terminator::Block(o) => {
                assert!(o < len, "terminator {o} >= {len}")
            }
            Terminator::Missing(o) => assert!(o <= len, "missing terminator {o} > {len}"),
        }
        check_span(d.span(), len, "directive span");
        check_span(d.head_span(), len, "head span");
        if let Some(b) = &d.block {
            if let Some(c) = b.close {
                assert!(c < len, "close {c} >= {len}");
            }
            check_directives(&b.children, len, depth + 1);
        }
    }
}

fn check(src: &[u8]) {
    let parsed = parse(src);
    let len = src.len() as u32;
    check_directives(&parsed.directives, len, 0);
    for c in &parsed.comments {
        check_span(*c, len, "comment");
    }
    for e in &parsed.errors {
        check_span(e.span, len, "error span");
        assert!(
            e.nginx_offset <= len,
            "nginx_offset {} > {len}",
            e.nginx_offset
        );
        assert!(!e.message().is_empty());
    }
    // Errors come in file order, as nginx would meet them.
    for w in parsed.errors.windows(2) {
        assert!(
            w[0].nginx_offset <= w[1].nginx_offset,
            "errors out of order: {:?}",
            parsed.errors
        );
    }
}

#[derive(Clone, Debug)]
enum Edit {
    Delete(usize),
    Insert(usize, Vec<u8>),
    Replace(usize, u8),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        (
            any::<usize>(),
            prop::sample::select(PIECES).prop_map(<[u8]>::to_vec)
        )
            .prop_map(|(i, p)| Edit::Insert(i, p)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut src: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = src.len();
        match e {
            Edit::Delete(i) if n > 0 => {
                src.remove(i % n);
            }
            Edit::Insert(i, p) => {
                let at = i % (n + 1);
                src.splice(at..at, p.iter().copied());
            }
            Edit::Replace(i, b) if n > 0 => src[i % n] = *b,
            Edit::Truncate(i) => src.truncate(i % (n + 1)),
            _ => {}
        }
    }
    src
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(src in prop::collection::vec(any::<u8>(), 0..2048)) {
        check(&src);
    }

    #[test]
    fn token_soup(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..400)) {
        let src: Vec<u8> = pieces.concat();
        check(&src);
    }

    #[test]
    fn mutated_corpus(
        which in 0..CORPUS.len(),
        edits in prop::collection::vec(edit(), 1..12),
    ) {
        let src = apply(CORPUS[which].to_vec(), &edits);
        check(&src);
    }
}

#[test]
fn corpus_files_are_clean_and_in_bounds() {
    for src in CORPUS {
        check(src);
        // Real configs (templates included: `${VAR}` is a word to nginx) have no syntax error.
        assert_eq!(parse(src).errors, Vec::new());
    }
}

#[test]
fn long_words_and_deep_nesting() {
    let mut long = b"env ".to_vec();
    long.extend(std::iter::repeat_n(b'a', 100_000));
    check(&long);
    long.push(b'"');
    long.extend(std::iter::repeat_n(b'b', 10_000));
    check(&long);
    // Far deeper than MAX_DEPTH: no stack overflow, one error, spans still inside.
    let deep: Vec<u8> = b"a {".repeat(20_000);
    check(&deep);
    let deep_closed: Vec<u8> = [b"a {".repeat(5_000), b"}".repeat(5_000)].concat();
    check(&deep_closed);
    let lua: Vec<u8> = [
        &b"content_by_lua_block {"[..],
        &b"{".repeat(50_000),
        b"--[==[",
    ]
    .concat();
    check(&lua);
}
