//! Lexer and parser cases for every rule and error of nginx's tokenizer
//! (ngx_conf_read_token, see research/parser.md §1). Cases marked [verified] in that spec were run
//! against `nginx -t`; the differential suite in the cli crate re-checks many against the real binary.

use nginx_syntax::{parse, Directive, Quote, SyntaxErrorKind, Terminator};

/// Renders directives as `name(arg,arg);` / `name(arg){...}` with processed values.
fn dump(src: &[u8]) -> String {
    fn go(src: &[u8], ds: &[Directive], out: &mut String) {
        for d in ds {
            out.push_str(&d.name.text(src));
            out.push('(');
            let args: Vec<String> = d.args.iter().map(|a| a.text(src).into_owned()).collect();
            out.push_str(&args.join(","));
            out.push(')');
            match (&d.block, d.terminator) {
                (Some(b), _) => {
                    out.push('{');
                    go(src, &b.children, out);
                    out.push('}');
                }
                (None, Terminator::Semicolon(_)) => out.push(';'),
                (None, Terminator::Block(_)) => out.push_str("{lua}"),
                (None, Terminator::Missing(_)) => out.push('!'),
            }
        }
    }
    let f = parse(src);
    let mut out = String::new();
    go(src, &f.directives, &mut out);
    out
}

/// The errors as `line: message`, where line is the one nginx would cite.
fn errors(src: &[u8]) -> Vec<String> {
    parse(src)
        .errors
        .iter()
        .map(|e| {
            let line = 1 + src[..e.nginx_offset as usize]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            format!("{line}: {}", e.message())
        })
        .collect()
}

fn ok(src: &str, expect: &str) {
    assert_eq!(
        errors(src.as_bytes()),
        Vec::<String>::new(),
        "errors in {src:?}"
    );
    assert_eq!(dump(src.as_bytes()), expect, "tree of {src:?}");
}

fn first_error(src: &[u8]) -> String {
    errors(src)
        .into_iter()
        .next()
        .unwrap_or_else(|| "no error".into())
}

#[test]
fn whitespace_is_exactly_four_bytes() {
    ok("a 1;\tb\t2;\r\nc\n3;", "a(1);b(2);c(3);");
    // Form feed, vertical tab and NBSP are word bytes [verified].
    assert_eq!(dump(b"worker_processes\x0c1;"), "worker_processes\u{c}1();");
    assert_eq!(dump(b"a\x0bb c;"), "a\u{b}b(c);");
    assert_eq!(dump("a\u{a0}b c;".as_bytes()), "a\u{a0}b(c);");
}

#[test]
fn quotes_and_escapes() {
    ok(r#"a "b c" 'd e';"#, "a(b c,d e);");
    ok(r#"a "";"#, "a();");
    // Value vs raw: the six escapes are processed, other backslashes kept [verified by serving].
    let src = br#"return 200 "a\"b\'c\\d\te\nf\x";"#;
    let f = parse(src);
    let w = f.directives[0].args[1];
    assert_eq!(w.quote, Quote::Double);
    assert_eq!(w.raw(src), br#"a\"b\'c\\d\te\nf\x"#);
    assert_eq!(&*w.value(src), b"a\"b'c\\d\te\nf\\x");
    assert!(w.escaped);
    // An escape only stops the word from ending: the backslash stays in the value.
    ok(r"a a\;b;", r"a(a\;b);");
    ok(r"a a\ b;", r"a(a\ b);");
    ok(r#"a \"quoted\";"#, r#"a("quoted");"#);
    // `\` escapes a newline too, inside and outside quotes.
    ok("a b\\\nc;", "a(b\\\nc);");
    // Quoted words span newlines.
    ok("a \"x\ny\";", "a(x\ny);");
    // Quoted directive names [verified].
    ok(r#""events" {} 'http' {}"#, "events(){}http(){}");
    // Spans: the word's span includes the quotes, inner excludes them.
    let src = br#"a "bc";"#;
    let w = parse(src).directives[0].args[0];
    assert_eq!(
        (w.span.start, w.span.end, w.inner().start, w.inner().end),
        (2, 6, 3, 5)
    );
}

#[test]
fn sharp_is_special_only_at_word_start() {
    ok("listen 80;#x\nb 1;", "listen(80);b(1);");
    ok("a {#x\n}", "a(){}");
    ok("a b#c;", "a(b#c);");
    // `10#comment` is one word [verified: invalid number "10#comment"].
    ok(
        "worker_connections 10#comment;",
        "worker_connections(10#comment);",
    );
    let f = parse(b"# one\na 1; # two\n#three");
    assert_eq!(f.comments.len(), 3);
    assert_eq!(f.comments[2].slice(b"# one\na 1; # two\n#three"), b"#three");
}

#[test]
fn braces_quotes_and_sharp_are_ordinary_inside_words() {
    // `}` mid-word is a literal byte [verified: set $b ${a}}x;].
    ok("set $b ${a}}x;", "set($b,${a}}x);");
    ok("a x}y;", "a(x}y);");
    ok(r#"return 200 a"b;"#, r#"return(200,a"b);"#);
    // [verified] three words: invalid number of arguments in "return".
    ok(r#"return 200 a"b c";"#, r#"return(200,a"b,c");"#);
    // `${var}` survives; `$` then `{` does not start a block.
    ok(
        "try_files /abc/${uri} /abc/${uri}.html =404;",
        "try_files(/abc/${uri},/abc/${uri}.html,=404);",
    );
    // A `{` not after `$` ends the word and starts a block [spec: set $b a{b; is not terminated].
    assert_eq!(dump(b"set $b a{b;}"), "set($b,a){b();}");
    // `if ($a = "b")`: a `)` may follow a closing quote and starts a new word.
    ok(
        r#"if ($a = "b") { return 403; }"#,
        r#"if(($a,=,b,)){return(403);}"#,
    );
}

#[test]
fn what_may_follow_a_closing_quote() {
    ok(r#"a "b" "c";"#, "a(b,c);");
    ok(r#"a "b";"#, "a(b);");
    ok("a \"b\"{}", "a(b){}");
    // Anything else is `unexpected "X"` [verified].
    assert_eq!(first_error(br#"a "foo"bar;"#), r#"1: unexpected "b""#);
    assert_eq!(first_error(br#"a "foo"}"#), r#"1: unexpected "}""#);
    assert_eq!(first_error(br##"a "foo"#c;"##), r##"1: unexpected "#""##);
    assert_eq!(first_error(br#"a "left"-quote;"#), r#"1: unexpected "-""#);
    // Recovery: one error, the word after it is read.
    assert_eq!(errors(br#"a "foo"bar; b 1;"#).len(), 1);
    assert_eq!(dump(br#"a "foo"bar; b 1;"#), "a(foo,bar);b(1);");
}

#[test]
fn unexpected_terminators() {
    assert_eq!(first_error(b"a 1;\n;"), r#"2: unexpected ";""#);
    assert_eq!(first_error(b"{ a 1; }"), r#"1: unexpected "{""#);
    // Missing `;` before `}` [verified]: nginx cites the `}`.
    assert_eq!(first_error(b"http {\n  a 1\n}\n"), r#"3: unexpected "}""#);
    assert_eq!(dump(b"http {\n  a 1\n}\n"), "http(){a(1)!}");
    // [verified] `10}` is one word; the next `}` is unexpected.
    assert_eq!(
        first_error(b"events {\n worker_connections 10}\n}\n"),
        r#"3: unexpected "}""#
    );
    // A `}` at the top level of a file.
    assert_eq!(first_error(b"a 1;\n}\n"), r#"2: unexpected "}""#);
}

#[test]
fn end_of_file() {
    assert_eq!(
        first_error(b"a 1"),
        r#"1: unexpected end of file, expecting ";" or "}""#
    );
    assert_eq!(
        first_error(b"a \"1\n\n"),
        r#"3: unexpected end of file, expecting ";" or "}""#
    );
    assert_eq!(
        first_error(b"a 1\\"),
        r#"1: unexpected end of file, expecting ";" or "}""#
    );
    assert_eq!(
        first_error(b"http {\n a 1;\n"),
        r#"3: unexpected end of file, expecting "}""#
    );
    assert_eq!(
        first_error(b"a {\n b {\n"),
        r#"3: unexpected end of file, expecting "}""#
    );
    // Only one EOF error however many blocks are open.
    assert_eq!(errors(b"a {\n b {\n").len(), 1);
}

#[test]
fn nginx_cites_the_line_where_its_scanner_stood() {
    // `foo` on line 2, `;` on line 4: nginx reports line 4 [verified].
    let src = b"events {}\nfoo\n\n;\n";
    let f = parse(src);
    assert!(f.errors.is_empty());
    let d = &f.directives[1];
    assert_eq!(d.name.span.start, 10);
    assert_eq!(d.terminator, Terminator::Semicolon(15));
}

#[test]
fn word_length_limit() {
    // Unquoted: 4095 bytes is fine, 4096 is too long [verified].
    let w = "a".repeat(4095);
    assert_eq!(errors(format!("x {w};").as_bytes()), Vec::<String>::new());
    let w = "a".repeat(4096);
    assert_eq!(
        first_error(format!("x\n{w};").as_bytes()),
        r#"2: too long parameter "aaaaaaaaaa..." started"#
    );
    // Quoted content: 4094 fine; 4095 counts the closing quote; 4096+ is a missing quote [verified].
    let w = "b".repeat(4094);
    assert_eq!(
        errors(format!("x \"{w}\";").as_bytes()),
        Vec::<String>::new()
    );
    let w = "b".repeat(4095);
    assert_eq!(
        first_error(format!("x \"{w}\";").as_bytes()),
        r#"1: too long parameter "bbbbbbbbbb..." started"#
    );
    let w = "b".repeat(5000);
    assert_eq!(
        first_error(format!("x '{w}';").as_bytes()),
        r#"1: too long parameter, probably missing terminating "'" character"#
    );
    // A comment line of 4096 bytes including `#` [verified].
    let c = "#".to_string() + &"c".repeat(4095);
    assert_eq!(
        first_error(format!("a 1;\n{c}\nb 2;").as_bytes()),
        "2: too long parameter \"#ccccccccc...\" started"
    );
    let c = "#".to_string() + &"c".repeat(4094);
    assert_eq!(
        errors(format!("a 1;\n{c}\nb 2;").as_bytes()),
        Vec::<String>::new()
    );
    // At the very end of the file the end-of-file check wins over the length check.
    let w = "a".repeat(4096);
    assert_eq!(
        first_error(format!("x {w}").as_bytes()),
        r#"1: unexpected end of file, expecting ";" or "}""#
    );
}

#[test]
fn crlf_and_non_utf8() {
    ok("a 1;\r\nb {\r\n c 2;\r\n}\r\n", "a(1);b(){c(2);}");
    let src = b"env \"\xf6\xe4\";";
    let f = parse(src);
    assert!(f.errors.is_empty());
    assert_eq!(f.directives[0].args[0].raw(src), b"\xf6\xe4");
}

#[test]
fn blocks_and_spans() {
    let src = b"http {\n  server { listen 80; }\n}\n";
    let f = parse(src);
    let http = &f.directives[0];
    assert_eq!(
        http.span().slice(src),
        b"http {\n  server { listen 80; }\n}"
    );
    let server = &http.children()[0];
    assert_eq!(server.span().slice(src), b"server { listen 80; }");
    assert_eq!(server.children()[0].span().slice(src), b"listen 80;");
    assert_eq!(server.children()[0].head_span().slice(src), b"listen 80");
}

#[test]
fn messy_crossplane_case() {
    // Adapted from crossplane's "messy" test config, accepted by nginx -t [verified].
    let src = "user nobody;\n\"events\" { worker_connections 2048; }\n\"http\" {#forteen\n  server {\n    \"listen\" 8080;\n    location ~ \"/hello/world;\"{return 301 /status.html;}\n    location /foo{}location /bar{}\n    location /\\{\\;\\}\\ #\\ ab {}# hello\n    if ($request_method = P\\{O\\)\\###\\;ST  ){}\n    location \"/status.html\" {\n      try_files /abc/${uri} /abc/${uri}.html =404 ;\n    }\n    location \"/sta;\n                    tus\" {return 302 /status.html;}\n  }\n}\n";
    let f = parse(src.as_bytes());
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    let d = dump(src.as_bytes());
    assert!(d.contains(r"location(/\{\;\}\ #\ ab){}"), "{d}");
    assert!(
        d.contains(r"if(($request_method,=,P\{O\)\###\;ST,)){}"),
        "{d}"
    );
    assert!(
        d.contains("try_files(/abc/${uri},/abc/${uri}.html,=404);"),
        "{d}"
    );
    assert!(d.contains("location(/foo){}location(/bar){}"), "{d}");
    assert!(
        d.contains("location(/sta;\n                    tus){return(302,/status.html);}"),
        "{d}"
    );
}

#[test]
fn lua_blocks() {
    let src = "content_by_lua_block {\n  local s = \"}\" -- }\n  local t = [==[ } ]] ]==]\n  --[[ { ]]\n  if x then ngx.say('{') end\n}\nb 1;";
    let f = parse(src.as_bytes());
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert_eq!(f.directives.len(), 2);
    let lua = &f.directives[0];
    assert_eq!(lua.args.len(), 1);
    assert_eq!(lua.args[0].quote, Quote::Lua);
    assert!(lua.args[0].raw(src.as_bytes()).ends_with(b"end\n"));
    // set_by_lua_block takes an argument before the block; a quoted name still counts.
    assert_eq!(
        dump(b"set_by_lua_block $res { return 1 } \"rewrite_by_lua_block\" { x() }"),
        "set_by_lua_block($res, return 1 ){lua}rewrite_by_lua_block( x() ){lua}"
    );
    // A Lua block name as an argument is an ordinary word.
    ok(
        "server_name content_by_lua_block;",
        "server_name(content_by_lua_block);",
    );
    assert_eq!(
        first_error(b"content_by_lua_block {\n x = 1\n"),
        "1: unexpected end of file, expecting terminating characters for lua code block"
    );
    assert_eq!(
        first_error(b"content_by_lua_block { x = [=[ abc ]] }\n"),
        "1: Lua code block missing the closing long bracket \"]=]\", the inlined Lua code may be too long"
    );
}

#[test]
fn deep_nesting_is_bounded_and_does_not_overflow() {
    let n = 100_000;
    let src = "a {".repeat(n) + &"}".repeat(n);
    let f = parse(src.as_bytes());
    assert!(f
        .errors
        .iter()
        .any(|e| matches!(e.kind, SyntaxErrorKind::TooDeep(_))));
    assert_eq!(f.errors.len(), 1);
}

#[test]
fn recovery_reports_later_errors_too() {
    let src = b"http {\n a 1\n}\nb ;\n;\nc {\n";
    let errs = errors(src);
    assert_eq!(
        errs,
        vec![
            r#"3: unexpected "}""#.to_string(),
            r#"5: unexpected ";""#.to_string(),
            r#"7: unexpected end of file, expecting "}""#.to_string(),
        ]
    );
}

#[test]
fn blocks_are_counted_at_every_depth() {
    let f = nginx_syntax::parse(
        b"events {}\nhttp { server { location / { if ($a) { } } } map $a $b { } }\nuser x;\n",
    );
    assert_eq!(f.blocks, 6);
    // A Lua body is an argument, not a block; a block cut off by the end of the file still counts.
    let f = nginx_syntax::parse(b"content_by_lua_block { ngx.say(1) }\nhttp { server {");
    assert_eq!(f.blocks, 2);
    assert_eq!(nginx_syntax::parse(b"user x;").blocks, 0);
}
