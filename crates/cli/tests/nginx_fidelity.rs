//! The nginx reader's fidelity, proved against the real tools: Debian's `nginx -t` (1.22.1, whose
//! `ngx_conf_file.c` lexer is byte-identical to 1.30.4's, parser.md §1) and crossplane 0.5.8.
//!
//! Why this lives in `ngxlint_cli` and calls the libraries rather than the `ngxlint` binary: the
//! binary target belongs to the root package, so `CARGO_BIN_EXE_ngxlint` is not visible here, and
//! the differential test needs the diagnostics in *emission* order (nginx's traversal order), which
//! `ngxlint check` sorts away for display. `ngxlint check` is `Project::load` + rendering, and
//! `ngxlint parse --format json` is `Project::load` + [`ngxlint_cli::crossplane::payload`]: the
//! tests call exactly those, with the options the commands build for `--root PREFIX MAIN`.
//!
//! Tests:
//! - `corpus_trees_accepted_by_nginx_have_no_reader_errors` (differential A)
//! - `generated_edge_cases_agree_with_nginx` and `corpus_mutations_agree_with_nginx` (differential B)
//! - `crossplane_*` (one per known crossplane divergence) and `corpus_matches_crossplane`
//! - `every_corpus_file_reads_without_panic`
//!
//! External tools: when nginx or crossplane is missing, a test fails if `CI` is set and otherwise
//! prints a skip line and returns. Every subprocess is killed after 20 s.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use nginx_syntax::{Directive, Quote, Terminator, Word};
use serde_json::Value;
use support::*;

// =============================================================================================
// The corpus trees
// =============================================================================================

/// Every complete tree of the corpus: the 17 main configs with `events {}` (corpus README), plus
/// two h5bp variants that enable the site files its own test harness and templates enable.
/// `excluded` says why nginx -t cannot accept a tree on this host and the message it fails with;
/// the differential test checks that this is still nginx's answer, so an exclusion cannot go stale.
const TREES: &[Tree] = &[
    Tree {
        name: "h5bp",
        layers: &[("h5bp__server-configs-nginx", "")],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        // The repository's `conf.d/templates/example.com.conf` enabled: TLS, every h5bp snippet.
        name: "h5bp-tls-template",
        layers: &[("h5bp__server-configs-nginx", "")],
        copies: &[("conf.d/templates/example.com.conf", "conf.d/example.com.conf")],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        // The repository's test harness: `test/vhosts/*` replace the default site in `conf.d/`.
        name: "h5bp-test-vhosts",
        layers: &[("h5bp__server-configs-nginx", "")],
        copies: &[
            ("test/vhosts/default.conf", "conf.d/default.conf"),
            ("test/vhosts/secure.server.localhost.conf", "conf.d/secure.server.localhost.conf"),
            ("test/vhosts/server.localhost.conf", "conf.d/server.localhost.conf"),
            ("test/vhosts/www-server.localhost.conf", "conf.d/www-server.localhost.conf"),
        ],
        synthesized: &[],
        removed: &["conf.d/no-ssl.default.conf"],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        name: "nginx-stock",
        layers: &[("nginx__nginx/conf", "")],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        // The image's nginx package provides `mime.types` and `fastcgi_params`; stock ones stand in.
        name: "trafex",
        layers: &[
            ("TrafeX__docker-php-nginx/config", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
            ("nginx__nginx/conf/fastcgi_params", "fastcgi_params"),
        ],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        name: "oerdnj-debian",
        layers: &[("oerdnj__nginx/debian/conf", "")],
        // The package enables the default site.
        copies: &[("sites-available/default", "sites-enabled/default")],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        // `provisioning/nginx/general` is installed as /opt/docker/etc/nginx, the distro overlay
        // as /etc/nginx; the image links main.conf into conf.d (synthesized as an include), and the
        // entrypoint fills the <PLACEHOLDERS> with sed (values: the image's documented defaults).
        name: "webdevops-alpine",
        layers: &[
            ("webdevops__Dockerfile/provisioning/nginx/alpine/etc/nginx", ""),
            ("webdevops__Dockerfile/provisioning/nginx/general/etc/nginx", "opt/docker/etc/nginx"),
            ("nginx__nginx/conf/mime.types", "mime.types"),
            ("nginx__nginx/conf/fastcgi_params", "fastcgi_params"),
        ],
        copies: &[],
        synthesized: &[("conf.d/10-docker.conf", "include /opt/docker/etc/nginx/main.conf;\n")],
        removed: &[],
        replace: WEBDEVOPS_PLACEHOLDERS,
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        name: "webdevops-centos",
        layers: &[
            ("webdevops__Dockerfile/provisioning/nginx/centos/etc/nginx", ""),
            ("webdevops__Dockerfile/provisioning/nginx/general/etc/nginx", "opt/docker/etc/nginx"),
            ("nginx__nginx/conf/mime.types", "mime.types"),
            ("nginx__nginx/conf/fastcgi_params", "fastcgi_params"),
        ],
        copies: &[],
        synthesized: &[("conf.d/10-docker.conf", "include /opt/docker/etc/nginx/main.conf;\n")],
        removed: &[],
        replace: WEBDEVOPS_PLACEHOLDERS,
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        // The image copies default.conf into conf.d; `phpfpm` is a docker-compose service name, and
        // the image_filter module is loaded but unused (Debian ships it as a separate package).
        name: "magento-1.18",
        layers: &[
            ("markshust__docker-magento/images/nginx/1.18/conf", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
            ("nginx__nginx/conf/fastcgi_params", "fastcgi_params"),
        ],
        copies: &[("default.conf", "conf.d/default.conf")],
        synthesized: &[],
        removed: &[],
        replace: MAGENTO_FIXES,
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        name: "magento-1.24",
        layers: &[
            ("markshust__docker-magento/images/nginx/1.24/conf", ""),
            ("markshust__docker-magento/images/nginx/1.18/conf/default.conf", "conf.d/default.conf"),
            ("nginx__nginx/conf/mime.types", "mime.types"),
            ("nginx__nginx/conf/fastcgi_params", "fastcgi_params"),
        ],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: MAGENTO_FIXES,
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        // The Dockerfile copies default.conf into conf.d.
        name: "swarm-phpfpm",
        layers: &[
            ("nginxinc__NGINX-Demos/nginx-swarm-demo/phpfpmbase", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
            ("nginx__nginx/conf/fastcgi_params", "fastcgi_params"),
        ],
        copies: &[("default.conf", "conf.d/default.conf")],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        name: "trimstray",
        layers: &[("trimstray__nginx-admins-handbook/lib/nginx", "")],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some((
            "needs the third-party headers-more module (and set-misc), which Debian's nginx lacks",
            "unknown directive \"more_set_headers\"",
        )),
    },
    Tree {
        name: "swarm-nginxplus",
        layers: &[
            ("nginxinc__NGINX-Demos/nginx-swarm-demo/nginxplus", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
        ],
        copies: &[("backend.conf", "conf.d/backend.conf")],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some(("NGINX Plus only (`resolve`, `health_check`, `match`)", "invalid parameter \"resolve\"")),
    },
    Tree {
        name: "fun-with-health-checks",
        layers: &[
            ("nginxinc__NGINX-Demos/fun-with-health-checks/nginxplus/config", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
        ],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some((
            "NGINX Plus only, and its resolver `consul` exists only in the demo's network",
            "host not found in resolver \"consul:53\"",
        )),
    },
    Tree {
        name: "redis-demo",
        layers: &[
            ("nginxinc__NGINX-Demos/redis-demo/nginxplus", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
        ],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some(("NGINX Plus with the njs stream module", "dlopen() \"")),
    },
    Tree {
        name: "mysql-galera-demo",
        layers: &[("nginxinc__NGINX-Demos/mysql-galera-demo/nginxplus/conf", "")],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some(("NGINX Plus only (`status`)", "unknown directive \"status\"")),
    },
    Tree {
        name: "random-files",
        layers: &[("nginxinc__NGINX-Demos/random-files", "")],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some(("NGINX Plus only (`queue`)", "unknown directive \"queue\"")),
    },
    Tree {
        name: "docker-nginx-modules",
        layers: &[
            ("nginxinc__docker-nginx/.test/tests/modules", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
        ],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf.sme",
        excluded: Some(("loads third-party dynamic modules (ndk, echo, set-misc)", "dlopen() \"")),
    },
    Tree {
        name: "s3-gateway",
        layers: &[("nginxinc__nginx-s3-gateway/common/etc/nginx", "")],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some((
            "loads njs and xslt dynamic modules; its conf.d is rendered from templates by envsubst at start-up",
            "dlopen() \"",
        )),
    },
];

const WEBDEVOPS_PLACEHOLDERS: &[(&str, &str)] = &[
    ("<PHP_SOCKET>", "127.0.0.1:9000"),
    ("<ALIAS_DOMAIN>", "*.vm"),
    ("<DOCUMENT_ROOT>", "/app"),
    ("<DOCUMENT_INDEX>", "index.php"),
    ("<PHP_TIMEOUT>", "600"),
    ("<SERVICE_NGINX_CLIENT_MAX_BODY_SIZE>", "50m"),
];

const MAGENTO_FIXES: &[(&str, &str)] = &[
    (
        "load_module /etc/nginx/modules/ngx_http_image_filter_module.so;",
        "# image_filter: not installed, not used",
    ),
    ("http://phpfpm:", "http://127.0.0.1:"),
];

fn tree_named(name: &str) -> &'static Tree {
    TREES
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tree {name}"))
}

fn accepted_trees() -> impl Iterator<Item = &'static Tree> {
    TREES.iter().filter(|t| t.excluded.is_none())
}

// =============================================================================================
// Differential A: trees nginx accepts read clean
// =============================================================================================

#[test]
fn corpus_trees_accepted_by_nginx_have_no_reader_errors() {
    let Some(nginx) = nginx() else {
        return missing(
            "nginx",
            "corpus_trees_accepted_by_nginx_have_no_reader_errors",
        );
    };
    let mut compared = 0;
    let mut failures = Vec::new();
    for tree in TREES {
        let dir = TempDir::new(tree.name);
        let main = render(tree, dir.path(), &mut |_, _| {});
        let verdict = nginx_verdict(&nginx, dir.path(), &main);
        if let Some((why, message)) = tree.excluded {
            match verdict {
                Err(r) if r.message.starts_with(message) => {
                    eprintln!("tree {}: excluded ({why}); nginx: {r}", tree.name)
                }
                other => failures.push(format!(
                    "tree {} is excluded because nginx fails with `{message}…` ({why}), but nginx now answers {other:?}",
                    tree.name
                )),
            }
            continue;
        }
        if let Err(r) = verdict {
            failures.push(format!(
                "tree {}: the rendering is broken, nginx -t rejects it: {r}",
                tree.name
            ));
            continue;
        }
        let project = load(dir.path(), &main);
        let errors = ngxlint_errors(&project);
        let directives: usize = project
            .nginx
            .parsed
            .values()
            .map(|p| count_directives(&p.directives))
            .sum();
        eprintln!(
            "tree {}: nginx -t ok; ngxlint read {} files, {directives} directives, {} reader errors",
            tree.name,
            project.files.len(),
            errors.len()
        );
        assert!(
            project.files.len() >= 2 || tree.name == "nginx-stock" || directives > 20,
            "tree {} barely loaded",
            tree.name
        );
        for (code, r) in errors {
            failures.push(format!(
                "tree {}: nginx -t accepts it, ngxlint reports [{code}] {r}",
                tree.name
            ));
        }
        compared += 1;
    }
    eprintln!(
        "differential A: {compared} trees compared, {} excluded",
        TREES.len() - compared
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(compared, accepted_trees().count());
    assert!(compared >= 11, "only {compared} trees compared");
}

fn count_directives(list: &[Directive]) -> usize {
    list.iter()
        .map(|d| 1 + count_directives(d.children()))
        .sum()
}

// =============================================================================================
// Differential B: first errors agree
// =============================================================================================

/// How one case came out.
enum Outcome {
    /// Same verdict; when rejected, same file, line and (reader-class) message.
    Agree,
    /// nginx's first error is a handler-level check outside ngxlint's reader (see `is_reader_message`).
    Semantic(String),
    /// Anything else: the report.
    Disagree(String),
}

/// nginx messages ngxlint's reader reproduces: the tokenizer's (`ngx_conf_read_token`), the
/// dispatcher's (`ngx_conf_handler`: unknown, not allowed here, terminator, argument count) and
/// `include`'s (`open()`/`pread()`/`glob()` failures), each cited with ` in FILE:LINE`.
///
/// Every other nginx error is "semantic": it comes from a directive's own handler after the
/// statement was read and dispatched, judging a *value* — `invalid number "10#x"`, `invalid
/// parameter "resolve"`, `invalid value "maybe" in "daemon" directive`, `"events" directive is
/// duplicate`, `duplicate location "/"`, `unknown "x" variable`, `host not found in upstream`,
/// `invalid number of the map parameters`, or a post-parse check like `no "events" section`.
/// ngxlint's reader deliberately does not model handlers (rules do, with their own codes), so
/// such a case can be neither agreement nor disagreement; the tests count them and bound the count.
fn is_reader_message(r: &Report) -> bool {
    let m = r.message.as_str();
    // A folder matched by an include glob fails at read time, logged at [crit] without a place.
    if m.starts_with("pread() \"") {
        return true;
    }
    if r.file.is_none() || r.line.is_none() {
        return false;
    }
    m.starts_with("unexpected ")
        || m.starts_with("too long parameter")
        || m.starts_with("unknown directive \"")
        || m.ends_with("\" directive is not allowed here")
        || m.starts_with("invalid number of arguments in \"")
        || (m.starts_with("directive \"")
            && (m.ends_with("\" is not terminated by \";\"")
                || m.ends_with("\" has no opening \"{\"")))
        || (m.starts_with("open() \"") && m.contains("\" failed ("))
        || m.starts_with("glob() \"")
}

fn judge(nginx: &Path, dir: &Path, main: &Path) -> Outcome {
    let theirs = nginx_verdict(nginx, dir, main);
    let project = load(dir, main);
    let ours = ngxlint_errors(&project);
    let first = ours.first().map(|(code, r)| (code, r.clone()));
    let show = |f: &Option<(&&str, Report)>| match f {
        Some((code, r)) => format!("[{code}] {r}"),
        None => "accepts".to_string(),
    };
    match theirs {
        Ok(()) => match first {
            None => Outcome::Agree,
            Some(_) => Outcome::Disagree(format!("nginx: accepts\nngxlint: {}", show(&first))),
        },
        Err(r) if is_reader_message(&r) => match &first {
            Some((_, f)) if *f == r => Outcome::Agree,
            // Logged without a place: the message is all nginx says.
            Some((_, f)) if r.file.is_none() && f.message == r.message => Outcome::Agree,
            _ => Outcome::Disagree(format!("nginx: {r}\nngxlint: {}", show(&first))),
        },
        Err(r) => {
            // nginx stopped at a handler's check; ngxlint must not have found a reader error that
            // nginx would have met before it.
            if let Some((_, f)) = &first {
                if f.file == r.file && f.line < r.line {
                    return Outcome::Disagree(format!(
                        "nginx (semantic): {r}\nngxlint reports an earlier error: {}",
                        show(&first)
                    ));
                }
            }
            Outcome::Semantic(r.message)
        }
    }
}

/// One generated case: files (prefix-relative) with `nginx.conf` the main config.
struct Case {
    name: String,
    files: Vec<(String, Vec<u8>)>,
}

fn case(name: &str, main: impl AsRef<[u8]>) -> Case {
    Case {
        name: name.to_string(),
        files: vec![("nginx.conf".to_string(), main.as_ref().to_vec())],
    }
}

fn case_files(name: &str, files: &[(&str, &[u8])]) -> Case {
    Case {
        name: name.to_string(),
        files: files
            .iter()
            .map(|(p, b)| (p.to_string(), b.to_vec()))
            .collect(),
    }
}

/// Main level after an events block.
fn main_level(body: &str) -> String {
    format!("events {{}}\n{body}\n")
}

/// http level. Temp paths and the access log go to the prefix so nginx -t touches nothing else.
fn in_http(body: &str) -> String {
    format!(
        "events {{}}\nhttp {{\n    access_log off; client_body_temp_path tb; proxy_temp_path tp; fastcgi_temp_path tf; uwsgi_temp_path tu; scgi_temp_path ts;\n{body}\n}}\n"
    )
}

fn in_server(body: &str) -> String {
    in_http(&format!(
        "server {{\n    listen 127.0.0.1:8080;\n{body}\n}}"
    ))
}

fn in_location(body: &str) -> String {
    in_server(&format!("location / {{\n{body}\n}}"))
}

fn bytes_with(prefix: &str, middle: &[u8], suffix: &str) -> Vec<u8> {
    let mut v = prefix.as_bytes().to_vec();
    v.extend_from_slice(middle);
    v.extend_from_slice(suffix.as_bytes());
    v
}

fn generated_cases() -> Vec<Case> {
    let a = |n: usize| "a".repeat(n);
    let mut v = vec![
        // §1 rule 1-2: comments, escapes.
        case(
            "comment after statement and brace",
            "events {#x\n}\nworker_processes 1;#x\n",
        ),
        case("backslash escapes semicolon", main_level("env A\\;B;")),
        case("backslash escapes space", main_level("env A\\ B;")),
        case("backslash escapes newline", main_level("env A\\\nB;")),
        case(
            "escaped quote in double quotes",
            main_level("env \"A\\\"B\";"),
        ),
        case("escaped brace", in_location("set $x a\\{b;")),
        // §1 rule 3: after a closing quote.
        case("text after closing quote", main_level("env \"foo\"bar;")),
        case("brace after closing quote", main_level("env \"foo\"}")),
        case("hash after closing quote", main_level("env \"foo\"#c;")),
        case(
            "quote after closing quote",
            main_level("env \"foo\"\"bar\";"),
        ),
        case("single quote then text", main_level("env 'foo'bar;")),
        case("semicolon right after quote", main_level("env \"foo\";")),
        case(
            "brace right after quote",
            in_http("\"server\"{ listen 127.0.0.1:8080; }"),
        ),
        case(
            "paren after quote in if",
            in_location("if ($request_uri = \"b\") { return 404; }"),
        ),
        case("quote-behavior file", main_level("env \"left\"-quote;")),
        // §1 rule 4: between words.
        case(
            "form feed is a word byte",
            "events {}\nworker_processes\x0c1;\n",
        ),
        case(
            "vertical tab is a word byte",
            "events {}\nworker_processes\x0b1;\n",
        ),
        case(
            "nbsp is a word byte",
            "events {}\nworker_processes\u{a0}1;\n",
        ),
        case("form feed inside env value", main_level("env A\x0cB;")),
        case("lone semicolon", main_level(";")),
        case("lone semicolon in block", in_http(";")),
        case("lone opening brace", main_level("{")),
        case("lone brace pair", main_level("{ }")),
        case(
            "closing brace with words pending",
            "events {\n    worker_connections 10 }\n",
        ),
        case(
            "missing semicolon before brace",
            in_location("return 200 x\n}"),
        ),
        case("extra closing brace at top", "events {}\n}\n"),
        case("extra closing brace after http", in_http("") + "}\n"),
        case("double quote opens a word", main_level("\"env\" A;")),
        case("single quoted directive name", main_level("'env' A;")),
        case("quoted block name", "\"events\" {}\n"),
        case("empty quoted argument", in_location("set $x \"\";")),
        case("empty quoted name", main_level("\"\" x;")),
        case(
            "quoted word spans lines",
            in_location("set $x \"a\nb\nc\";"),
        ),
        case("dollar starts a word", in_location("set $x $uri;")),
        // §1 rule 5: inside a word.
        case(
            "dollar brace variable",
            in_location("set $a 1;\nset $b ${a}x;"),
        ),
        case(
            "dollar brace then closing brace",
            in_location("set $a 1;\nset $b ${a}}x;"),
        ),
        case(
            "closing brace mid word",
            "events {\n    worker_connections 10}\n}\n",
        ),
        case(
            "closing brace mid word in location",
            in_location("set $x a}b;"),
        ),
        case("hash mid word", in_location("set $x a#b;")),
        case(
            "hash mid word number",
            "events {\n    worker_connections 10#comment;\n}\n",
        ),
        case("quote mid word", in_location("return 200 a\"b c\";")),
        case("quote mid word ok", in_location("set $x a\"b;")),
        case("opening brace mid word", in_location("set $b a{b;")),
        case(
            "regex with braces unquoted",
            in_server("location ~ ^/\\d{3} { }"),
        ),
        case(
            "regex with braces quoted",
            in_server("location ~ \"^/\\d{3}$\" { }"),
        ),
        case(
            "dollar then brace at word start",
            in_location("set $x ${uri};"),
        ),
        case("trailing dollar", in_location("set $x a$;")),
        // §1 end of file.
        case("eof with words pending", "events {}\nworker_processes 1"),
        case("eof with name only", "events {}\nworker_processes"),
        case("eof inside double quote", "events {}\nenv \"abc\n"),
        case("eof inside single quote", "events {}\nenv 'abc"),
        case("eof after backslash", "events {}\nenv abc\\"),
        case("eof after lone backslash", "events {}\n\\"),
        case("eof inside block", "events {\n"),
        case(
            "eof inside nested block",
            in_http("server {\n    listen 127.0.0.1:8080;\n").trim_end_matches("\n}\n"),
        ),
        case(
            "eof inside block after statement",
            "events {\n    worker_connections 10;\n",
        ),
        case("eof in comment", "events {}\n# comment without newline"),
        case("empty file", ""),
        case("only events", "events {}"),
        // §1 length limit.
        case(
            "unquoted word 4095 bytes",
            main_level(&format!("env {};", a(4095))),
        ),
        case(
            "unquoted word 4096 bytes",
            main_level(&format!("env {};", a(4096))),
        ),
        case(
            "unquoted word 5000 bytes",
            main_level(&format!("env {};", a(5000))),
        ),
        case(
            "unquoted name 4096 bytes",
            main_level(&format!("{};", a(4096))),
        ),
        case(
            "quoted 4094 bytes",
            main_level(&format!("env \"{}\";", a(4094))),
        ),
        case(
            "quoted 4095 bytes",
            main_level(&format!("env \"{}\";", a(4095))),
        ),
        case(
            "quoted 4096 bytes",
            main_level(&format!("env \"{}\";", a(4096))),
        ),
        case(
            "quoted 9000 bytes",
            main_level(&format!("env \"{}\";", a(9000))),
        ),
        case(
            "single quoted 4095 bytes",
            main_level(&format!("env '{}';", a(4095))),
        ),
        case(
            "single quoted 4096 bytes",
            main_level(&format!("env '{}';", a(4096))),
        ),
        case(
            "quoted multi-line too long",
            main_level(&format!("env \"{}\n{}\";", a(2000), a(2500))),
        ),
        case(
            "escaped word 4096 bytes",
            main_level(&format!("env {}\\;{};", a(2000), a(2095))),
        ),
        case(
            "second word 4096 bytes",
            main_level(&format!("env A {};", a(4096))),
        ),
        case(
            "comment 4095 bytes",
            main_level(&format!("#{}\nworker_processes 1;", a(4094))),
        ),
        case(
            "comment 4096 bytes",
            main_level(&format!("#{}\nworker_processes 1;", a(4095))),
        ),
        case(
            "comment 5000 bytes",
            main_level(&format!("#{}\nworker_processes 1;", a(5000))),
        ),
        case(
            "comment 4096 bytes at eof",
            main_level(&format!("#{}", a(4095))),
        ),
        case(
            "many short words",
            main_level(&format!("env {};", vec!["a"; 3000].join(" "))),
        ),
        // CRLF and bytes.
        case(
            "crlf everywhere",
            "events {\r\n    worker_connections 10;\r\n}\r\nworker_processes 1;\r\n",
        ),
        case("crlf with error", "events {\r\n}\r\nfoo;\r\n"),
        case("cr only line ends", "events {\r}\rfoo;\r"),
        case(
            "latin1 byte in value",
            bytes_with("events {}\nenv A", b"\xf6", "B;\n"),
        ),
        case(
            "latin1 byte in comment",
            bytes_with("events {}\n# caf", b"\xe9", "\nworker_processes 1;\n"),
        ),
        case(
            "latin1 byte in unknown name",
            bytes_with("events {}\nf", b"\xf6", "o;\n"),
        ),
        case(
            "utf8 in quoted value",
            main_level("env \"\u{439}\u{446}\";"),
        ),
        case(
            "nul byte in value",
            bytes_with("events {}\nenv A", b"\0", "B;\n"),
        ),
        // Dispatch.
        case("unknown directive", main_level("foo;")),
        case("unknown directive on later line", "events {}\n\nfoo\n\n;\n"),
        case(
            "directive names are case sensitive",
            main_level("Worker_processes 1;"),
        ),
        case("unknown directive in http", in_http("foo bar;")),
        case("unknown block directive", main_level("foo {}")),
        case("not allowed here main", main_level("listen 80;")),
        case(
            "not allowed here events",
            main_level("worker_connections 10;"),
        ),
        case("not allowed here nested server", in_location("server { }")),
        case("location at http level", in_http("location / { }")),
        case("if at http level", in_http("if ($uri) { }")),
        case("events inside http", in_http("events { }")),
        case("too few arguments", main_level("worker_processes;")),
        case("too many arguments", main_level("worker_processes 1 2;")),
        case("user without arguments", "user;\nevents {}\n"),
        case("flag with two arguments", main_level("daemon on off;")),
        case("flag with bad value", main_level("daemon maybe;")),
        case(
            "noargs with argument",
            in_server("location / { internal x; }"),
        ),
        case("take12 with three", in_location("expires 1h 2h 3h;")),
        case(
            "eight words is too many",
            in_location("add_header a b c d e f g;"),
        ),
        case("1more without argument", in_http("index;")),
        case("2more with one argument", in_server("error_page 404;")),
        case("any with no arguments", in_http("types { }")),
        case("block directive with semicolon", main_level("http;")),
        case("events with semicolon", "events;\n"),
        case(
            "simple directive with block",
            main_level("worker_processes 1 { }"),
        ),
        case(
            "simple directive with block in http",
            in_http("sendfile on { }"),
        ),
        case(
            "block directive missing arguments",
            in_http("server { location { } }"),
        ),
        case(
            "nested location",
            in_server("location /a { location /a/b { } }"),
        ),
        case("if in server", in_server("if ($uri) { return 404; }")),
        case(
            "limit_except",
            in_location("limit_except GET { deny all; }"),
        ),
        case(
            "not allowed in limit_except",
            in_location("limit_except GET { return 404; }"),
        ),
        case(
            "upstream block",
            in_http("upstream u { server 127.0.0.1:9; }"),
        ),
        case(
            "upstream wrong directive",
            in_http("upstream u { listen 80; }"),
        ),
        case(
            "lua block without module",
            in_location("content_by_lua_block {\n    ngx.say(\"}\")\n}"),
        ),
        // Custom-handler blocks.
        case(
            "brace inside map",
            in_http("map $uri $x {\n    default 0;\n    a { }\n}"),
        ),
        case(
            "brace inside types",
            in_http("types {\n    text/html html;\n    text/x { }\n}"),
        ),
        case(
            "brace inside geo",
            in_http("geo $x {\n    default 0;\n    a { }\n}"),
        ),
        case(
            "brace inside split_clients",
            in_http("split_clients $uri $x {\n    50% a;\n    * { }\n}"),
        ),
        case(
            "map with unknown-looking entries",
            in_http("map $uri $x {\n    default 0;\n    foo bar;\n    hostnames;\n}"),
        ),
        case(
            "map entry with three words",
            in_http("map $uri $x {\n    a b c;\n}"),
        ),
        case("semicolon inside map", in_http("map $uri $x {\n    ;\n}")),
        case(
            "closing brace mid word in map",
            in_http("map $uri $x {\n    a b};\n}"),
        ),
        // -g-free dispatch subtleties.
        case("duplicate events", "events {}\nevents {}\n"),
        case("include with no argument", main_level("include;")),
        case("include with two arguments", main_level("include a b;")),
        case("include as block", main_level("include a { }")),
    ];
    // Includes.
    v.push(case_files(
        "include missing file",
        &[("nginx.conf", b"events {}\ninclude missing.conf;\n")],
    ));
    // `{PREFIX}` is replaced by the case's folder.
    v.push(case_files(
        "include missing absolute file",
        &[(
            "nginx.conf",
            b"events {}\ninclude {PREFIX}/missing/x.conf;\n",
        )],
    ));
    v.push(case_files(
        "include absolute file",
        &[
            ("nginx.conf", b"events {}\ninclude {PREFIX}/abs/x.conf;\n"),
            ("abs/x.conf", b"worker_processes 1;\nfoo_abs;\n"),
        ],
    ));
    v.push(case_files(
        "include absolute glob",
        &[
            ("nginx.conf", b"events {}\ninclude {PREFIX}/abs/*.conf;\n"),
            ("abs/x.conf", b"worker_processes 1;\n"),
            ("abs/y.conf", b"\nworker_processes;\n"),
        ],
    ));
    v.push(case_files(
        "include empty glob",
        &[("nginx.conf", b"events {}\ninclude none/*.conf;\n")],
    ));
    v.push(case_files(
        "include glob in missing folder",
        &[("nginx.conf", b"events {}\ninclude nodir/*.conf;\n")],
    ));
    v.push(case_files(
        "include glob sorted bytewise",
        &[
            ("nginx.conf", b"events {}\ninclude conf.d/*.conf;\n"),
            ("conf.d/a.conf", b"foo_a;\n"),
            ("conf.d/B.conf", b"foo_B;\n"),
            ("conf.d/b.conf", b"foo_b;\n"),
        ],
    ));
    v.push(case_files(
        "include glob order with digits",
        &[
            ("nginx.conf", b"events {}\ninclude conf.d/*.conf;\n"),
            ("conf.d/10-x.conf", b"worker_processes 1;\nfoo_10;\n"),
            ("conf.d/9-x.conf", b"foo_9;\n"),
        ],
    ));
    v.push(case_files(
        "include glob skips dotfiles",
        &[
            ("nginx.conf", b"events {}\ninclude conf.d/*;\n"),
            ("conf.d/.hidden.conf", b"foo_hidden;\n"),
            ("conf.d/ok.conf", b"worker_processes 1;\n"),
        ],
    ));
    v.push(case_files(
        "include glob question mark and class",
        &[
            ("nginx.conf", b"events {}\ninclude conf.d/[a]?.conf;\n"),
            ("conf.d/ab.conf", b"foo_ab;\n"),
            ("conf.d/bb.conf", b"foo_bb;\n"),
        ],
    ));
    v.push(case_files(
        "include glob matches a folder",
        &[
            ("nginx.conf", b"events {}\ninclude conf.d/*;\n"),
            ("conf.d/dir.conf/x", b"worker_processes 1;\n"),
        ],
    ));
    v.push(case_files(
        "include relative to main dir not including file",
        &[
            ("nginx.conf", b"events {}\ninclude sub/a.conf;\n"),
            ("sub/a.conf", b"include deeper/b.conf;\n"),
            ("sub/deeper/b.conf", b"worker_processes 1;\n"),
        ],
    ));
    v.push(case_files(
        "include relative to main dir resolves",
        &[
            ("nginx.conf", b"events {}\ninclude sub/a.conf;\n"),
            ("sub/a.conf", b"include deeper/b.conf;\n"),
            ("deeper/b.conf", b"worker_processes 1;\n"),
        ],
    ));
    v.push(case_files(
        "included file parsed in including context",
        &[
            ("nginx.conf", in_http("include site.conf;").as_bytes()),
            ("site.conf", b"server {\n    listen 127.0.0.1:8080;\n    location / { worker_processes 1; }\n}\n"),
        ],
    ));
    v.push(case_files(
        "included file with top-level closing brace",
        &[
            ("nginx.conf", in_http("include site.conf;").as_bytes()),
            ("site.conf", b"sendfile on;\n}\n"),
        ],
    ));
    v.push(case_files(
        "included file leaves a block open",
        &[
            ("nginx.conf", in_http("include site.conf;").as_bytes()),
            ("site.conf", b"server {\n    listen 127.0.0.1:8080;\n"),
        ],
    ));
    v.push(case_files(
        "included file ends mid statement",
        &[
            ("nginx.conf", in_http("include site.conf;").as_bytes()),
            ("site.conf", b"sendfile on"),
        ],
    ));
    v.push(case_files(
        "error in second included file",
        &[
            (
                "nginx.conf",
                in_http("include a.conf;\ninclude b.conf;").as_bytes(),
            ),
            ("a.conf", b"sendfile on;\n"),
            ("b.conf", b"\n\nsendfile;\n"),
        ],
    ));
    v.push(case_files(
        "error after include in main",
        &[
            ("nginx.conf", b"events {}\ninclude a.conf;\nfoo_main;\n"),
            ("a.conf", b"worker_processes 1;\n"),
        ],
    ));
    v.push(case_files(
        "included twice",
        &[
            (
                "nginx.conf",
                in_http("include a.conf;\ninclude a.conf;").as_bytes(),
            ),
            ("a.conf", b"sendfile on;\n"),
        ],
    ));
    v.push(case_files(
        "include inside map",
        &[
            (
                "nginx.conf",
                in_http("map $uri $x {\n    include m.conf;\n}").as_bytes(),
            ),
            ("m.conf", b"default 0;\n/a 1;\n"),
        ],
    ));
    v.push(case_files(
        "include inside map missing",
        &[(
            "nginx.conf",
            in_http("map $uri $x {\n    include m.conf;\n}").as_bytes(),
        )],
    ));
    v.push(case_files(
        "include inside types",
        &[
            (
                "nginx.conf",
                in_http("types {\n    include t.types;\n}").as_bytes(),
            ),
            ("t.types", b"text/html html;\n"),
        ],
    ));
    v.push(case_files(
        "quoted include path",
        &[
            ("nginx.conf", b"events {}\ninclude \"a b.conf\";\n"),
            ("a b.conf", b"worker_processes 1;\n"),
        ],
    ));
    // The crossplane test configs' syntax cases (parser.md §3 table), under nginx's verdict.
    v.push(case(
        "messy",
        "user nobody nogroup;\n# hello\\n\\\\n\\\\\\n worlddd  \\#\\\\#\\\\\\# dfsf\\n \\\\n \\\\\\n \n\"events\" { \"worker_connections\" \"2048\"; }\n\n\"http\" {#forteen\n    # this is a comment\n    \"access_log\" off;default_type \"text/plain\"; error_log \"off\";\n    server {\n        \"listen\" \"127.0.0.1:8083\";\n        \"return\" 200 \"Ser\\\" ' ' ver\\\\ \\ $server_addr:\\$server_port\\n\\nTime: $time_local\\n\\n\";\n    }\n    \"server\" {\"listen\" 127.0.0.1:8080;\n        location / {\n            return 200 \"Time: $time_local\";\n        }\n        location ~ \"/hello/world;\"{\"return\" 301 /status.html;}\n        location /foo{}location /bar{}\n        location /\\{\\;\\}\\ #\\ ab {}# hello\n        if ($request_method = P\\{O\\)\\###\\;ST  ){}\n        location \"/status.html\" {\n            try_files /abc/${uri} /abc/${uri}.html =404 ;\n        }\n        \"location\" \"/sta;\n                    tus\" {\"return\" 302 /status.html;}\n        \"location\" /upstream_conf { \"return\" 200 /status.html; }}\n    server\n    {}}\n",
    ));
    v.push(case(
        "quoted right brace",
        in_http("log_format main escape=json\n    '{ \"@timestamp\": \"$time_iso8601\", '\n    '\"server_name\": \"$server_name\" }';"),
    ));
    v
}

#[test]
fn generated_edge_cases_agree_with_nginx() {
    let Some(nginx) = nginx() else {
        return missing("nginx", "generated_edge_cases_agree_with_nginx");
    };
    let cases = generated_cases();
    let mut agree = 0;
    let mut semantic = Vec::new();
    let mut failures = Vec::new();
    let mut names = HashSet::new();
    for c in &cases {
        assert!(
            names.insert(c.name.clone()),
            "duplicate case name {}",
            c.name
        );
        let dir = TempDir::new("gen");
        for (rel, bytes) in &c.files {
            let pre = dir.path().to_string_lossy();
            write(
                dir.path(),
                rel,
                &replace_all(bytes, b"{PREFIX}", pre.as_bytes()),
            );
        }
        let main = dir.path().join("nginx.conf");
        match judge(&nginx, dir.path(), &main) {
            Outcome::Agree => agree += 1,
            Outcome::Semantic(m) => semantic.push(format!("{}: {m}", c.name)),
            Outcome::Disagree(why) => {
                let input: Vec<String> = c
                    .files
                    .iter()
                    .map(|(p, b)| format!("--- {p}\n{}", show_input(b)))
                    .collect();
                failures.push(format!("case `{}`\n{}\n{why}", c.name, input.join("\n")));
            }
        }
    }
    eprintln!(
        "differential B (generated): {} cases, {agree} agree, {} semantic, {} disagree",
        cases.len(),
        semantic.len(),
        failures.len()
    );
    for s in &semantic {
        eprintln!("  semantic: {s}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} generated cases disagree with nginx:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    // The semantic class is there for handler-level checks only; it must stay a small minority
    // (currently: `invalid number`, `invalid value` in a flag, `is duplicate`, and the like).
    assert!(
        semantic.len() <= 12,
        "{} semantic cases, bound 12",
        semantic.len()
    );
    assert!(agree >= 150, "only {agree} cases agree");
}

/// Input for a failure message: escaped, long runs shortened.
fn show_input(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let mut out = String::new();
    let mut run = 0usize;
    let mut prev = '\0';
    for ch in s.chars() {
        run = if ch == prev { run + 1 } else { 0 };
        prev = ch;
        if run == 20 {
            out.push('…');
        }
        if run >= 20 {
            continue;
        }
        match ch {
            '\n' => out.push('\n'),
            '\t' => out.push('\t'),
            c if c.is_control() || c == '\u{a0}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
        if out.len() > 3000 {
            out.push_str("…(truncated)");
            break;
        }
    }
    out
}

/// A message with its quoted parts elided, to group semantic cases.
fn message_class(msg: &str) -> String {
    msg.split('"')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { "…" } else { part })
        .collect::<Vec<_>>()
        .join("\"")
}

/// The harness itself can fail: ngxlint deliberately does not read an include outside the linted
/// root (it warns, NGX008), while nginx fails to open it — `judge` must call that a disagreement.
#[test]
fn judge_detects_a_disagreement() {
    let Some(nginx) = nginx() else {
        return missing("nginx", "judge_detects_a_disagreement");
    };
    let dir = TempDir::new("judge");
    write(
        dir.path(),
        "nginx.conf",
        b"events {}\ninclude /nonexistent-ngxlint-dir/x.conf;\n",
    );
    let main = dir.path().join("nginx.conf");
    match judge(&nginx, dir.path(), &main) {
        Outcome::Disagree(why) => assert!(why.contains("ngxlint: accepts"), "{why}"),
        Outcome::Agree => panic!("judged as agreement"),
        Outcome::Semantic(m) => panic!("judged as semantic: {m}"),
    }
}

/// A deterministic change to one file of a tree.
#[derive(Clone, Copy, Debug)]
enum Mutation {
    /// Delete the n-th `;` that ends a statement.
    DeleteSemicolon(usize),
    /// Delete the n-th `}` that closes a block.
    DeleteClosingBrace(usize),
    /// Delete the n-th quote of a quoted word (opening and closing quotes alternate).
    DeleteQuote(usize),
    /// Write the n-th block's `{` twice.
    DoubleOpeningBrace(usize),
    /// Cut the file after this many thousandths of its length.
    Truncate(usize),
    /// Insert a 4096-byte word after the n-th directive's name.
    InsertLongWord(usize),
}

/// Statement structure of a file, for choosing mutation places.
#[derive(Default)]
struct Places {
    semicolons: Vec<usize>,
    opens: Vec<usize>,
    closes: Vec<usize>,
    quotes: Vec<usize>,
    names: Vec<usize>,
}

fn places(src: &[u8]) -> Places {
    fn go(list: &[Directive], p: &mut Places) {
        for d in list {
            p.names.push(d.name.span.end as usize);
            for w in std::iter::once(&d.name).chain(d.args.iter()) {
                if matches!(w.quote, Quote::Double | Quote::Single) {
                    p.quotes.push(w.span.start as usize);
                    p.quotes.push(w.span.end as usize - 1);
                }
            }
            match d.terminator {
                Terminator::Semicolon(o) => p.semicolons.push(o as usize),
                Terminator::Block(o) if d.block.is_some() => p.opens.push(o as usize),
                _ => {}
            }
            if let Some(b) = &d.block {
                if let Some(c) = b.close {
                    p.closes.push(c as usize);
                }
                go(&b.children, p);
            }
        }
    }
    let parsed = nginx_syntax::parse(src);
    let mut p = Places::default();
    go(&parsed.directives, &mut p);
    p.quotes
        .retain(|&q| matches!(src.get(q), Some(b'"' | b'\'')));
    p
}

fn count_for(m: Mutation, p: &Places) -> usize {
    match m {
        Mutation::DeleteSemicolon(_) => p.semicolons.len(),
        Mutation::DeleteClosingBrace(_) => p.closes.len(),
        Mutation::DeleteQuote(_) => p.quotes.len(),
        Mutation::DoubleOpeningBrace(_) => p.opens.len(),
        Mutation::Truncate(_) => 1,
        Mutation::InsertLongWord(_) => p.names.len(),
    }
}

/// Applies `m` to `src` (positions found afresh: the rendered prefix path changes offsets).
fn apply(m: Mutation, src: &[u8]) -> Option<Vec<u8>> {
    let p = places(src);
    let mut out = src.to_vec();
    match m {
        Mutation::DeleteSemicolon(n) => {
            out.remove(*p.semicolons.get(n)?);
        }
        Mutation::DeleteClosingBrace(n) => {
            out.remove(*p.closes.get(n)?);
        }
        Mutation::DeleteQuote(n) => {
            out.remove(*p.quotes.get(n)?);
        }
        Mutation::DoubleOpeningBrace(n) => out.insert(*p.opens.get(n)?, b'{'),
        Mutation::Truncate(k) => out.truncate(src.len() * k / 1000),
        Mutation::InsertLongWord(n) => {
            let at = *p.names.get(n)?;
            let mut word = vec![b' '];
            word.extend(std::iter::repeat_n(b'x', 4096));
            out.splice(at..at, word);
        }
    }
    Some(out)
}

/// The lines around `at`, for failure messages.
fn excerpt(src: &[u8], at: usize) -> String {
    let at = at.min(src.len());
    let line = src[..at].iter().filter(|&&b| b == b'\n').count();
    let lines: Vec<&[u8]> = src.split(|&b| b == b'\n').collect();
    let from = line.saturating_sub(2);
    let to = (line + 3).min(lines.len());
    (from..to)
        .map(|i| format!("{:>5} | {}", i + 1, show_input(lines[i])))
        .collect::<Vec<_>>()
        .join("\n")
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

#[test]
fn corpus_mutations_agree_with_nginx() {
    let Some(nginx) = nginx() else {
        return missing("nginx", "corpus_mutations_agree_with_nginx");
    };
    // Each distinct file is mutated once, in the first tree that reads it.
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut jobs: Vec<(&Tree, String, Mutation)> = Vec::new();
    for tree in accepted_trees() {
        let base = TempDir::new("base");
        let main = render(tree, base.path(), &mut |_, _| {});
        let project = load(base.path(), &main);
        let mut rels: Vec<(String, Vec<u8>)> = project
            .files
            .iter()
            .filter_map(|(_, f)| {
                let rel = f.server_path.strip_prefix(base.path()).ok()?;
                Some((rel.to_string_lossy().into_owned(), f.bytes.to_vec()))
            })
            .collect();
        rels.sort();
        for (rel, bytes) in rels {
            let key = replace_all(&bytes, base.path().to_string_lossy().as_bytes(), b"PREFIX");
            if !seen.insert(key) {
                continue;
            }
            let p = places(&bytes);
            let mut rng = Rng::new(&format!("{}/{rel}", tree.name));
            let kinds = [
                Mutation::DeleteSemicolon(0),
                Mutation::DeleteClosingBrace(0),
                Mutation::DeleteQuote(0),
                Mutation::DoubleOpeningBrace(0),
                Mutation::Truncate(0),
                Mutation::InsertLongWord(0),
            ];
            // Large files (mime.types) get more cases: their structure is uniform, but they are
            // read in the `types` custom-handler context.
            let per_kind = if p.names.len() > 40 { 2 } else { 1 };
            for kind in kinds {
                let n = count_for(kind, &p);
                if n == 0 {
                    continue;
                }
                for _ in 0..per_kind {
                    let m = match kind {
                        Mutation::DeleteSemicolon(_) => Mutation::DeleteSemicolon(rng.below(n)),
                        Mutation::DeleteClosingBrace(_) => {
                            Mutation::DeleteClosingBrace(rng.below(n))
                        }
                        Mutation::DeleteQuote(_) => Mutation::DeleteQuote(rng.below(n)),
                        Mutation::DoubleOpeningBrace(_) => {
                            Mutation::DoubleOpeningBrace(rng.below(n))
                        }
                        Mutation::Truncate(_) => Mutation::Truncate(50 + rng.below(900)),
                        Mutation::InsertLongWord(_) => Mutation::InsertLongWord(rng.below(n)),
                    };
                    jobs.push((tree, rel.clone(), m));
                }
            }
        }
    }
    let mut agree = 0;
    let mut semantic: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (tree, rel, m) in &jobs {
        let dir = TempDir::new("mut");
        let mut shown = String::new();
        let main = render(tree, dir.path(), &mut |path, bytes| {
            if path == rel {
                if let Some(new) = apply(*m, bytes) {
                    let at = first_difference(bytes, &new);
                    shown = excerpt(&new, at);
                    *bytes = new;
                }
            }
        });
        match judge(&nginx, dir.path(), &main) {
            Outcome::Agree => agree += 1,
            Outcome::Semantic(msg) => {
                let class = message_class(&msg);
                *semantic.entry(class).or_default() += 1;
            }
            Outcome::Disagree(why) => failures.push(format!(
                "tree {}, file {rel}, {m:?}; mutated text:\n{shown}\n{why}",
                tree.name
            )),
        }
    }
    let sem: usize = semantic.values().sum();
    eprintln!(
        "differential B (mutations): {} cases, {agree} agree, {sem} semantic, {} disagree",
        jobs.len(),
        failures.len()
    );
    for (class, n) in &semantic {
        eprintln!("  semantic: {n} × {class}…");
    }
    assert!(
        failures.is_empty(),
        "{} of {} mutations disagree with nginx:\n\n{}",
        failures.len(),
        jobs.len(),
        failures.join("\n\n")
    );
    assert!(jobs.len() >= 200, "only {} mutation cases", jobs.len());
    // Mutations mostly break syntax; a deleted `;` or quote can also merge two statements into
    // one whose value a handler rejects first (`invalid number`, `invalid parameter`, …).
    assert!(
        sem * 4 <= jobs.len(),
        "{sem} semantic cases of {}: bound is a quarter",
        jobs.len()
    );
}

// =============================================================================================
// crossplane
// =============================================================================================

/// Runs crossplane 0.5.8's `parse()` — the function behind `crossplane parse` — on each
/// (file, single) job in one interpreter. Context and argument analysis are off: `crossplane
/// parse` drops every directive its analyzer rejects (a fragment's `location` at top level, a
/// Plus directive with arguments its table does not know), and this comparison is about the
/// reader. `crossplane_api_equals_cli` shows that, where the analyzer rejects nothing, the payload
/// is byte for byte the CLI's.
fn crossplane(python: &Path, jobs: &[(PathBuf, bool)]) -> Vec<Value> {
    const SCRIPT: &str = r#"
import json, sys, crossplane
assert crossplane.__version__ == "0.5.8", crossplane.__version__
out = []
for job in json.load(sys.stdin):
    out.append(crossplane.parse(job["file"], single=job["single"], check_ctx=False, check_args=False))
json.dump(out, sys.stdout)
"#;
    let input: Vec<Value> = jobs
        .iter()
        .map(|(f, single)| serde_json::json!({"file": f.to_string_lossy(), "single": single}))
        .collect();
    let ran = run_bounded(
        std::process::Command::new(python).args(["-c", SCRIPT]),
        serde_json::to_string(&input).unwrap_or_default().as_bytes(),
    );
    assert_eq!(
        ran.status,
        Some(0),
        "crossplane failed: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let v: Value =
        serde_json::from_slice(&ran.stdout).unwrap_or_else(|e| panic!("crossplane output: {e}"));
    v.as_array().cloned().unwrap_or_default()
}

/// ngxlint's `parse --format json` payload for `main` read with `root`.
fn ours(root: &Path, main: &Path) -> (ngxlint_engine::Project, Value) {
    let project = load(root, main);
    let payload = ngxlint_cli::crossplane::payload(&project);
    (project, payload)
}

fn parsed_of(payload: &Value, i: usize) -> Vec<Value> {
    payload["config"][i]["parsed"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn args_of(d: &Value) -> Vec<String> {
    d["args"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Writes `src` as `nginx.conf` in a fresh folder and returns ngxlint's and crossplane's parsed
/// trees for it (single file).
fn both(python: &Path, src: &[u8]) -> (Vec<Value>, Vec<Value>) {
    let dir = TempDir::new("cp");
    write(dir.path(), "nginx.conf", src);
    let main = dir.path().join("nginx.conf");
    let (_, payload) = ours(dir.path(), &main);
    let theirs = crossplane(python, &[(main, true)]);
    (parsed_of(&payload, 0), parsed_of(&theirs[0], 0))
}

fn python_or_skip(test: &str) -> Option<PathBuf> {
    let p = crossplane_python();
    if p.is_none() {
        missing("crossplane (Python module 0.5.8)", test);
    }
    p
}

/// The argument lists of every directive, depth first.
fn all_args(list: &[Value]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for d in list {
        out.push((
            d["directive"].as_str().unwrap_or_default().to_string(),
            args_of(d),
        ));
        if let Some(b) = d["block"].as_array() {
            out.extend(all_args(b));
        }
    }
    out
}

fn find_args(list: &[Value], name: &str) -> Vec<String> {
    all_args(list)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, a)| a)
        .unwrap_or_else(|| panic!("no directive {name} in {list:?}"))
}

/// parser.md §3: crossplane's `${` handling keeps appending after the `}` and swallows the
/// whitespace, so `try_files /abc/${uri} /abc/${uri}.html =404` becomes one argument; nginx reads
/// three words (`{` after `$` only keeps the word going).
#[test]
fn crossplane_merges_words_after_dollar_brace() {
    let Some(py) = python_or_skip("crossplane_merges_words_after_dollar_brace") else {
        return;
    };
    let (ours, theirs) = both(&py, b"try_files /abc/${uri} /abc/${uri}.html =404;\n");
    assert_eq!(
        find_args(&ours, "try_files"),
        ["/abc/${uri}", "/abc/${uri}.html", "=404"]
    );
    assert_eq!(
        find_args(&theirs, "try_files"),
        // The whitespace right after a `}` is appended to the word, which then ends normally.
        ["/abc/${uri} /abc/${uri}.html", "=404"]
    );
}

/// parser.md §3: crossplane unescapes only `\<quote>` inside quotes and keeps every other escape
/// raw; nginx turns `\t` `\n` `\r` `\\` `\"` `\'` into their bytes, quoted or not.
#[test]
fn crossplane_keeps_escapes_raw() {
    let Some(py) = python_or_skip("crossplane_keeps_escapes_raw") else {
        return;
    };
    let (ours, theirs) = both(&py, b"return 200 \"a\\tb\\\\c\\\"d\" x\\ty \\\"q\\\";\n");
    assert_eq!(
        find_args(&ours, "return"),
        ["200", "a\tb\\c\"d", "x\ty", "\"q\""]
    );
    assert_eq!(
        find_args(&theirs, "return"),
        ["200", "a\\tb\\\\c\"d", "x\\ty", "\\\"q\\\""]
    );
}

/// parser.md §3: crossplane splits words at every `str.isspace()` character; nginx only at
/// space, tab, CR and LF (form feed, vertical tab and NBSP are word bytes).
#[test]
fn crossplane_splits_at_unicode_whitespace() {
    let Some(py) = python_or_skip("crossplane_splits_at_unicode_whitespace") else {
        return;
    };
    let (ours, theirs) = both(&py, "env A\x0cB;\nenv C\u{a0}D;\nenv E\x0bF;\n".as_bytes());
    let o: Vec<Vec<String>> = all_args(&ours).into_iter().map(|(_, a)| a).collect();
    let t: Vec<Vec<String>> = all_args(&theirs).into_iter().map(|(_, a)| a).collect();
    assert_eq!(o, [vec!["A\x0cB"], vec!["C\u{a0}D"], vec!["E\x0bF"]]);
    assert_eq!(t, [vec!["A", "B"], vec!["C", "D"], vec!["E", "F"]]);
}

/// parser.md §3: crossplane starts a new word after a closing quote; nginx rejects the byte
/// (`unexpected "b"`), so ngxlint reports the error and keeps reading after it.
#[test]
fn crossplane_splits_text_after_closing_quote() {
    let Some(py) = python_or_skip("crossplane_splits_text_after_closing_quote") else {
        return;
    };
    let src = b"events {}\nenv \"a\"b;\n";
    let (_, theirs) = both(&py, src);
    assert_eq!(find_args(&theirs, "env"), ["a", "b"]);
    let parsed = nginx_syntax::parse(src);
    assert_eq!(
        parsed.errors.first().map(|e| e.message()),
        Some("unexpected \"b\"".to_string())
    );
}

/// parser.md §3: a `}` ends a word anywhere for crossplane; for nginx it is special only at the
/// start of a word, so `a}b` is one argument.
#[test]
fn crossplane_splits_closing_brace_mid_word() {
    let Some(py) = python_or_skip("crossplane_splits_closing_brace_mid_word") else {
        return;
    };
    let src = b"http { server { location / { set $x a}b; } } }\n";
    let dir = TempDir::new("cp");
    write(dir.path(), "nginx.conf", src);
    let main = dir.path().join("nginx.conf");
    let (_, payload) = ours(dir.path(), &main);
    assert_eq!(payload["status"], "ok", "{payload}");
    assert_eq!(find_args(&parsed_of(&payload, 0), "set"), ["$x", "a}b"]);
    // crossplane ends `set` at the `}`; its brace balance then goes negative and the whole file
    // is rejected.
    let theirs = crossplane(&py, &[(main, true)]);
    assert_eq!(theirs[0]["status"], "failed");
    let err = theirs[0]["errors"][0]["error"].as_str().unwrap_or_default();
    assert!(err.starts_with("unexpected \"}\""), "{err}");
    assert_eq!(parsed_of(&theirs[0], 0), Vec::<Value>::new());
}

/// parser.md §3: crossplane decodes as UTF-8 with `errors='replace'`, so a Latin-1 byte becomes
/// U+FFFD; nginx passes bytes through. ngxlint's tree keeps the byte; its JSON, like any JSON
/// string, must be text too and shows the same replacement character.
#[test]
fn crossplane_replaces_non_utf8_bytes() {
    let Some(py) = python_or_skip("crossplane_replaces_non_utf8_bytes") else {
        return;
    };
    let src = b"env A\xf6B;\n";
    let (ours, theirs) = both(&py, src);
    assert_eq!(find_args(&theirs, "env"), ["A\u{fffd}B"]);
    assert_eq!(find_args(&ours, "env"), ["A\u{fffd}B"]);
    let parsed = nginx_syntax::parse(src);
    assert_eq!(&*parsed.directives[0].args[0].value(src), b"A\xf6B");
}

/// parser.md §3: crossplane puts comments found between a statement's words after the
/// statement, as `#` statements with the statement's line, even when comments are not asked for.
#[test]
fn crossplane_emits_comments_between_arguments() {
    let Some(py) = python_or_skip("crossplane_emits_comments_between_arguments") else {
        return;
    };
    let (ours, theirs) = both(
        &py,
        b"resolver\n  # (1)\n  1.1.1.1\n  # (2)\n  valid=60s;\n",
    );
    let names = |l: &[Value]| -> Vec<String> {
        l.iter()
            .map(|d| d["directive"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(names(&ours), ["resolver"]);
    assert_eq!(names(&theirs), ["resolver", "#", "#"]);
    assert_eq!(theirs[1]["comment"], " (1)");
    assert_eq!(theirs[1]["line"], 1);
    assert_eq!(find_args(&ours, "resolver"), find_args(&theirs, "resolver"));
}

/// Where crossplane's analyzer rejects nothing, `crossplane parse` (the CLI) prints exactly what
/// the `parse()` call used by these tests returns.
#[test]
fn crossplane_api_equals_cli() {
    let Some(py) = python_or_skip("crossplane_api_equals_cli") else {
        return;
    };
    let dir = TempDir::new("cli");
    let main = render(tree_named("h5bp"), dir.path(), &mut |_, _| {});
    let api = crossplane(&py, &[(main.clone(), false)]);
    let script = "import sys, crossplane.__main__ as m; sys.argv = ['crossplane', 'parse', sys.argv[1]]; m.main()";
    let ran = run_bounded(
        std::process::Command::new(&py)
            .args(["-c", script])
            .arg(&main),
        b"",
    );
    assert_eq!(
        ran.status,
        Some(0),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let cli: Value = serde_json::from_slice(&ran.stdout)
        .unwrap_or_else(|e| panic!("crossplane parse output: {e}"));
    assert_eq!(cli["status"], "ok");
    assert_eq!(cli, api[0]);
}

/// Known divergences met in the corpus, by kind.
#[derive(Default)]
struct Divergences {
    by_kind: BTreeMap<&'static str, usize>,
}

/// Compares one file's parsed lists. `words` gives the ngxlint directives behind `ours` (same
/// order), so a differing argument list can be checked against crossplane's documented rules.
#[allow(clippy::too_many_arguments)]
fn compare_lists(
    ours: &[Value],
    theirs: &[Value],
    ast: &[Directive],
    src: &[u8],
    includes: &dyn Fn(&Value, bool) -> Vec<PathBuf>,
    at: &str,
    div: &mut Divergences,
    problems: &mut Vec<String>,
) {
    // crossplane re-emits comments met between a statement's words as `#` statements after it,
    // even without `--include-comments` (parser.md §3); ngxlint's payload has no comments.
    let comments = theirs.iter().filter(|t| t["directive"] == "#").count();
    if comments > 0 {
        *div.by_kind.entry("comments between arguments").or_default() += comments;
    }
    let theirs: Vec<Value> = theirs
        .iter()
        .filter(|t| t["directive"] != "#")
        .cloned()
        .collect();
    let theirs = theirs.as_slice();
    if ours.len() != theirs.len() || ours.len() != ast.len() {
        problems.push(format!(
            "{at}: {} directives in ngxlint, {} in crossplane\n  ngxlint: {:?}\n  crossplane: {:?}",
            ours.len(),
            theirs.len(),
            ours.iter().map(|d| &d["directive"]).collect::<Vec<_>>(),
            theirs.iter().map(|d| &d["directive"]).collect::<Vec<_>>()
        ));
        return;
    }
    for ((o, t), d) in ours.iter().zip(theirs).zip(ast) {
        let here = format!(
            "{at} > {}@{}",
            o["directive"].as_str().unwrap_or("?"),
            o["line"]
        );
        if o["directive"] != t["directive"] || o["line"] != t["line"] {
            problems.push(format!(
                "{here}: directive {} line {} in ngxlint, {} line {} in crossplane",
                o["directive"], o["line"], t["directive"], t["line"]
            ));
            continue;
        }
        let (oa, ta) = (args_of(o), args_of(t));
        if oa != ta {
            match explain_args(d, src, &ta) {
                Some(kinds) => {
                    for k in kinds {
                        *div.by_kind.entry(k).or_default() += 1;
                    }
                }
                None => problems.push(format!(
                    "{here}: args differ\n  ngxlint:    {oa:?}\n  crossplane: {ta:?}\n  raw:        {:?}",
                    d.args.iter().map(|w| String::from_utf8_lossy(w.span.slice(src)).into_owned()).collect::<Vec<_>>()
                )),
            }
        }
        if o.get("includes").is_some() || t.get("includes").is_some() {
            let (oi, ti) = (includes(o, true), includes(t, false));
            if oi != ti {
                problems.push(format!(
                    "{here}: includes differ\n  ngxlint:    {oi:?}\n  crossplane: {ti:?}"
                ));
            }
        }
        match (o["block"].as_array(), t["block"].as_array()) {
            (None, None) => {}
            (Some(ob), Some(tb)) => {
                compare_lists(ob, tb, d.children(), src, includes, &here, div, problems)
            }
            _ => problems.push(format!("{here}: block in one tool only")),
        }
    }
}

/// crossplane's value of a word (parser.md §3): quoted words have only `\<their quote>`
/// unescaped, bare words keep every backslash; bytes decoded lossily.
fn crossplane_value(w: &Word, src: &[u8]) -> String {
    let raw = w.raw(src);
    let q = match w.quote {
        Quote::Double => Some(b'"'),
        Quote::Single => Some(b'\''),
        _ => None,
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() {
            if Some(raw[i + 1]) == q {
                out.push(raw[i + 1]);
            } else {
                out.extend_from_slice(&raw[i..i + 2]);
            }
            i += 2;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Why crossplane's arguments differ from ngxlint's, if a documented divergence explains it
/// exactly: escapes kept raw, and the `${` merge (consecutive words glued with the bytes between
/// them). None when it is unexplained.
fn explain_args(d: &Directive, src: &[u8], theirs: &[String]) -> Option<Vec<&'static str>> {
    let is_if = d.name.raw(src) == b"if";
    let strip = |mut a: Vec<String>| {
        if is_if
            && a.first().is_some_and(|f| f.starts_with('('))
            && a.last().is_some_and(|l| l.ends_with(')'))
        {
            a[0] = a[0][1..].trim_start().to_string();
            let last = a.len() - 1;
            a[last] = a[last][..a[last].len() - 1].trim_end().to_string();
            a.retain(|s| !s.is_empty());
        }
        a
    };
    let escaped: Vec<String> = d.args.iter().map(|w| crossplane_value(w, src)).collect();
    if strip(escaped.clone()) == theirs {
        return Some(vec!["escapes kept raw"]);
    }
    // The `${` merge: crossplane's words are runs of ours, glued with the source between them.
    if !d
        .args
        .iter()
        .any(|w| w.raw(src).windows(2).any(|p| p == b"${"))
    {
        return None;
    }
    let mut merged = Vec::new();
    let mut i = 0;
    for t in theirs {
        let mut k = i;
        let found = loop {
            if k >= d.args.len() {
                break None;
            }
            let text = if k == i {
                escaped[i].clone()
            } else {
                let s = d.args[i].span.start as usize;
                let e = d.args[k].span.end as usize;
                String::from_utf8_lossy(&src[s..e]).into_owned()
            };
            // After a `}` crossplane also swallows the whitespace that follows.
            let e = d.args[k].span.end as usize;
            let tail = t.strip_prefix(text.as_str()).map(str::as_bytes);
            if &text == t
                || tail.is_some_and(|tail| {
                    src.get(e..e + tail.len()) == Some(tail)
                        && tail.iter().all(|b| b.is_ascii_whitespace())
                        && src[..e].ends_with(b"}")
                })
            {
                break Some(k);
            }
            k += 1;
        };
        let k = found?;
        merged.push(t.clone());
        i = k + 1;
    }
    if i != d.args.len() {
        return None;
    }
    let mut kinds = vec!["${ merge"];
    if escaped
        != d.args
            .iter()
            .map(|w| w.text(src).into_owned())
            .collect::<Vec<_>>()
    {
        kinds.push("escapes kept raw");
    }
    Some(kinds)
}

/// Every nginx file of the copied corpus (not licences or notes).
fn corpus_files() -> Vec<PathBuf> {
    walk(&realworld())
        .into_iter()
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let top = p.parent() == Some(realworld().as_path());
            !top && !name.starts_with("LICENSE")
        })
        .collect()
}

#[test]
fn corpus_matches_crossplane() {
    let Some(py) = python_or_skip("corpus_matches_crossplane") else {
        return;
    };
    // Trees: every main config, rendered so that /etc/nginx resolves inside the prefix for both
    // tools (on a host with nginx installed, crossplane would otherwise read the host's files).
    let dirs: Vec<(&Tree, TempDir)> = TREES.iter().map(|t| (t, TempDir::new("cpt"))).collect();
    let mut jobs: Vec<(PathBuf, bool)> = Vec::new();
    let mut mains = Vec::new();
    for (t, d) in &dirs {
        let main = render(t, d.path(), &mut |_, _| {});
        jobs.push((main.clone(), false));
        mains.push((t.name.to_string(), d.path().to_path_buf(), main));
    }
    // Files: every corpus file on its own (crossplane's `single`), in place.
    let files = corpus_files();
    for f in &files {
        jobs.push((f.clone(), true));
    }
    let theirs = crossplane(&py, &jobs);
    assert_eq!(theirs.len(), jobs.len());

    let mut div = Divergences::default();
    let mut problems = Vec::new();
    let mut compared_files = 0;
    let cwd = std::env::current_dir().unwrap_or_default();
    let canon = |p: &str| {
        let p = Path::new(p);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        };
        std::fs::canonicalize(&abs).unwrap_or(abs)
    };
    for (i, (name, root, main)) in mains.iter().enumerate() {
        let (project, payload) = ours(root, main);
        let their = &theirs[i];
        let our_files: Vec<PathBuf> = payload["config"]
            .as_array()
            .map(|c| {
                c.iter()
                    .map(|c| canon(c["file"].as_str().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        let their_files: Vec<PathBuf> = their["config"]
            .as_array()
            .map(|c| {
                c.iter()
                    .map(|c| canon(c["file"].as_str().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        if our_files != their_files {
            problems.push(format!(
                "tree {name}: config[] files differ (order is crossplane's breadth-first include order)\n  ngxlint:    {:?}\n  crossplane: {:?}",
                our_files.iter().map(|p| p.strip_prefix(root).unwrap_or(p)).collect::<Vec<_>>(),
                their_files.iter().map(|p| p.strip_prefix(root).unwrap_or(p)).collect::<Vec<_>>()
            ));
        }
        // Compare each file present in both, by path.
        let index_ours: HashMap<&PathBuf, usize> =
            our_files.iter().enumerate().map(|(i, p)| (p, i)).collect();
        for (j, f) in their_files.iter().enumerate() {
            let Some(&k) = index_ours.get(f) else {
                continue;
            };
            let Some(id) = project.files.by_server_path(f) else {
                problems.push(format!(
                    "tree {name}: {} not in ngxlint's file table",
                    f.display()
                ));
                continue;
            };
            let src = &project.files.get(id).bytes;
            let Some(ast) = project.nginx.parsed.get(&id) else {
                continue;
            };
            let inc = |d: &Value, is_ours: bool| -> Vec<PathBuf> {
                let files = if is_ours { &our_files } else { &their_files };
                d["includes"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|i| files.get(i.as_u64()? as usize).cloned())
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let at = format!(
                "tree {name}: {}",
                f.strip_prefix(root).unwrap_or(f).display()
            );
            compare_lists(
                &parsed_of(&payload, k),
                &parsed_of(their, j),
                &ast.directives,
                src,
                &inc,
                &at,
                &mut div,
                &mut problems,
            );
            compared_files += 1;
        }
    }
    let no_includes = |_: &Value, _: bool| -> Vec<PathBuf> { Vec::new() };
    for (j, f) in files.iter().enumerate() {
        let their = &theirs[mains.len() + j];
        let repo = f
            .strip_prefix(realworld())
            .ok()
            .and_then(|r| r.components().next())
            .map(|c| realworld().join(c))
            .unwrap_or_else(realworld);
        let (project, payload) = ours(&repo, f);
        let canon_f = std::fs::canonicalize(f).unwrap_or(f.clone());
        let Some(id) = project.files.by_server_path(&canon_f) else {
            problems.push(format!("{}: not read by ngxlint", f.display()));
            continue;
        };
        let src = &project.files.get(id).bytes;
        let ast = project.nginx.parsed.get(&id).cloned().unwrap_or_default();
        let mut strip = parsed_of(&payload, 0);
        strip_includes(&mut strip);
        let at = f
            .strip_prefix(realworld())
            .unwrap_or(f)
            .display()
            .to_string();
        compare_lists(
            &strip,
            &parsed_of(their, 0),
            &ast.directives,
            src,
            &no_includes,
            &at,
            &mut div,
            &mut problems,
        );
        compared_files += 1;
    }
    eprintln!(
        "crossplane: {} trees and {} single files compared ({compared_files} file comparisons); known divergences normalised: {:?}",
        mains.len(),
        files.len(),
        div.by_kind
    );
    assert!(
        problems.is_empty(),
        "{} differences from crossplane:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(files.len() >= 235, "only {} corpus files", files.len());
}

fn strip_includes(list: &mut [Value]) {
    for d in list {
        if let Some(m) = d.as_object_mut() {
            m.remove("includes");
            if let Some(Value::Array(b)) = m.get_mut("block") {
                strip_includes(b);
            }
        }
    }
}

// =============================================================================================
// No panic on any corpus file
// =============================================================================================

#[test]
fn every_corpus_file_reads_without_panic() {
    let files = corpus_files();
    assert!(files.len() >= 235, "only {} corpus files", files.len());
    let mut directives = 0;
    for f in &files {
        let src = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let parsed = nginx_syntax::parse(&src);
        directives += count_directives(&parsed.directives);
        let len = src.len() as u32;
        for e in &parsed.errors {
            assert!(
                e.span.start <= e.span.end && e.span.end <= len,
                "{}: {e:?}",
                f.display()
            );
            assert!(e.nginx_offset <= len, "{}: {e:?}", f.display());
        }
        // And through the whole loader, as `ngxlint check FILE` reads it.
        let repo = f
            .strip_prefix(realworld())
            .ok()
            .and_then(|r| r.components().next())
            .map(|c| realworld().join(c))
            .unwrap_or_else(realworld);
        let project = load(&repo, f);
        for d in &project.diagnostics {
            let file = project.files.get(d.file);
            let n = file.bytes.len() as u32;
            assert!(
                d.span.end <= n && d.span.start <= d.span.end,
                "{}: {d:?}",
                f.display()
            );
            assert!(
                d.nginx_offset.is_none_or(|o| o <= n),
                "{}: {d:?}",
                f.display()
            );
        }
    }
    eprintln!("{} corpus files read, {directives} directives", files.len());
    assert!(
        directives > 3000,
        "only {directives} directives in the corpus"
    );
}

#[test]
fn nginx_log_lines_parse() {
    let r = parse_nginx_line("2026/11/21 06:55:37 [emerg] 20626#20626: unknown directive \"foo\" in /tmp/ngt/nginx.conf:2")
        .expect("an emerg line");
    assert_eq!(r.message, "unknown directive \"foo\"");
    assert_eq!(r.file.as_deref(), Some(Path::new("/tmp/ngt/nginx.conf")));
    assert_eq!(r.line, Some(2));
    let r = parse_nginx_line(
        "nginx: [emerg] invalid number of arguments in \"user\" directive in /a b/c.conf:10",
    )
    .expect("a file-log build's line");
    assert_eq!(
        r.message,
        "invalid number of arguments in \"user\" directive"
    );
    assert_eq!(r.file.as_deref(), Some(Path::new("/a b/c.conf")));
    assert_eq!(r.line, Some(10));
    let r =
        parse_nginx_line("2026/11/21 06:55:37 [emerg] 1#1: no \"events\" section in configuration")
            .expect("no location");
    assert_eq!((r.file, r.line), (None, None));
    assert!(parse_nginx_line(
        "nginx: [warn] 1048576 worker_connections exceed open file resource limit: 20000"
    )
    .is_none());
    assert!(parse_nginx_line("nginx: configuration file /x test failed").is_none());
}

// =============================================================================================
// `ngxlint fmt` and `ngxlint check --fix` over the corpus
// =============================================================================================

/// The nginx files a rendered tree reads, relative to its prefix.
fn nginx_files_of(prefix: &Path, main: &Path) -> HashSet<String> {
    let project = load(prefix, main);
    project
        .files
        .iter()
        .filter(|(_, f)| f.kind == ngxlint_engine::FileKind::Nginx)
        .filter_map(|(_, f)| {
            let rel = f.server_path.strip_prefix(prefix).ok()?;
            Some(rel.to_string_lossy().into_owned())
        })
        .collect()
}

/// What nginx -t answers, without the line it cites (formatting moves lines).
fn verdict_text(v: &Result<(), Report>, prefix: &Path) -> String {
    let text = match v {
        Ok(()) => "accepted".into(),
        Err(r) => format!(
            "refused: {} in {}",
            r.message,
            r.file
                .as_ref()
                .map_or("?".to_string(), |f| f.display().to_string())
        ),
    };
    text.replace(&prefix.display().to_string(), "PREFIX")
}

#[test]
fn corpus_trees_formatted_keep_nginx_verdict() {
    let Some(nginx) = nginx() else {
        return missing("nginx", "corpus_trees_formatted_keep_nginx_verdict");
    };
    let opts = nginx_syntax::format::FormatOptions::default();
    let mut failures = Vec::new();
    let (mut trees, mut formatted, mut changed) = (0, 0, 0);
    for tree in TREES {
        let base = TempDir::new("fmt-base");
        let main = render(tree, base.path(), &mut |_, _| {});
        let before = nginx_verdict(&nginx, base.path(), &main);
        let files = nginx_files_of(base.path(), &main);
        let out = TempDir::new("fmt-out");
        let main2 = render(tree, out.path(), &mut |rel, bytes| {
            if !files.contains(rel) {
                return;
            }
            match nginx_syntax::format::format(bytes, &opts) {
                Ok(f) => {
                    formatted += 1;
                    // Idempotent: formatting the output changes nothing.
                    match nginx_syntax::format::format(&f, &opts) {
                        Ok(again) if again == f => {}
                        other => failures.push(format!(
                            "{} {rel}: formatting twice differs: {other:?}",
                            tree.name
                        )),
                    }
                    if f != *bytes {
                        changed += 1;
                    }
                    *bytes = f;
                }
                Err(nginx_syntax::format::FormatError::Syntax { .. }) => {}
                Err(e) => failures.push(format!("{} {rel}: {e}", tree.name)),
            }
        });
        let after = nginx_verdict(&nginx, out.path(), &main2);
        let (b, a) = (
            verdict_text(&before, base.path()),
            verdict_text(&after, out.path()),
        );
        if b != a {
            failures.push(format!(
                "tree {}: nginx -t {b} before formatting, {a} after",
                tree.name
            ));
        }
        trees += 1;
    }
    eprintln!("fmt: {trees} trees, {formatted} nginx files formatted ({changed} changed), nginx -t's verdict kept");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        trees >= 11 && formatted >= 50,
        "{trees} trees, {formatted} files"
    );
}

#[test]
fn every_nginx_file_of_the_fixtures_and_corpus_formats_idempotently() {
    let opts = nginx_syntax::format::FormatOptions::default();
    let mut failures = Vec::new();
    let (mut ok, mut refused) = (0, 0);
    for f in walk(&testdata()) {
        let name = f.to_string_lossy();
        let nginx_like = name.ends_with(".conf")
            || name.ends_with(".template")
            || name.ends_with("nginx.conf.in")
            || name.contains("/nginx/")
            || name.contains("sites-");
        if !nginx_like || name.contains("/fpm") || name.contains("pool.d") || name.contains("/php")
        {
            continue;
        }
        let Ok(src) = std::fs::read(&f) else { continue };
        // Files nginx's reader takes for nginx configuration: statements, no FPM sections.
        let parsed = nginx_syntax::parse(&src);
        if parsed.directives.is_empty() {
            continue;
        }
        match nginx_syntax::format::format(&src, &opts) {
            Ok(out) => match nginx_syntax::format::format(&out, &opts) {
                Ok(again) if again == out => ok += 1,
                other => failures.push(format!("{name}: not idempotent: {other:?}")),
            },
            Err(nginx_syntax::format::FormatError::Syntax { .. }) => refused += 1,
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    eprintln!("fmt: {ok} fixture and corpus files formatted idempotently, {refused} refused for syntax errors");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ok >= 300, "only {ok} files formatted");
}

/// Every file under `dir`, relative path → bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walk(dir)
        .into_iter()
        .filter_map(|f| {
            let bytes = std::fs::read(&f).ok()?;
            Some((f.strip_prefix(dir).ok()?.to_path_buf(), bytes))
        })
        .collect()
}

#[test]
fn corpus_trees_fixed_stay_accepted_by_nginx() {
    let Some(nginx) = nginx() else {
        return missing("nginx", "corpus_trees_fixed_stay_accepted_by_nginx");
    };
    let mut failures = Vec::new();
    let (mut trees, mut touched) = (0, 0);
    for tree in accepted_trees() {
        let dir = TempDir::new("fix");
        let main = render(tree, dir.path(), &mut |_, _| {});
        if nginx_verdict(&nginx, dir.path(), &main).is_err() {
            continue;
        }
        let before = snapshot(dir.path());
        let root = dir.path().display().to_string();
        let fix = |extra: &[&str]| {
            let mut args = vec!["ngxlint", "check", "--no-config", "--format", "concise"];
            args.extend_from_slice(extra);
            args.extend_from_slice(&["--root", &root, &root]);
            ngxlint_cli::run_with(args)
        };
        let _ = fix(&["--fix", "--unsafe-fixes"]);
        let after = snapshot(dir.path());
        let changed: Vec<&PathBuf> = after
            .iter()
            .filter(|(p, b)| before.get(*p) != Some(b))
            .map(|(p, _)| p)
            .collect();
        touched += changed.len();
        if let Err(r) = nginx_verdict(&nginx, dir.path(), &main) {
            failures.push(format!(
                "tree {}: nginx -t accepted it, and refuses it after --fix --unsafe-fixes changed {changed:?}: {r}",
                tree.name
            ));
        }
        // A second run changes nothing (nginx -t may have written its logs meanwhile).
        let settled = snapshot(dir.path());
        let _ = fix(&["--fix", "--unsafe-fixes"]);
        if snapshot(dir.path()) != settled {
            failures.push(format!("tree {}: a second --fix changed files", tree.name));
        }
        eprintln!(
            "tree {}: --fix --unsafe-fixes changed {} files; nginx -t still accepts it",
            tree.name,
            changed.len()
        );
        trees += 1;
    }
    eprintln!("fix: {trees} accepted trees fixed, {touched} files changed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(trees >= 11, "only {trees} trees");
}
