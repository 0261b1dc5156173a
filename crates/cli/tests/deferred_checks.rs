//! nginx's handler checks run after the reading walk (`Options::defer_checks`, what `ngxlint
//! check` does to run them beside the model) must find exactly what they find inside the walk:
//! the same findings in the same order, the same refused statements, and the walk's own findings
//! untouched. Compared on every tree under `testdata/` and on cases built for what the deferred
//! pass has to replay from the walk: modules loaded part-way, includes that cannot be read before
//! an unknown variable, files read twice, templates, entries blocks.

mod support;

use std::path::{Path, PathBuf};

use nginx_syntax::directives::Directives;
use ngxlint_engine::codes::is_handler_code;
use ngxlint_engine::project::Options;
use ngxlint_engine::Project;

/// A finding as compared: where, what, and the offset nginx names.
type Seen = (String, u32, u32, &'static str, String, String, Option<u32>);

fn seen(project: &Project, d: &ngxlint_engine::Diagnostic) -> Seen {
    (
        project.files.get(d.file).path.display().to_string(),
        d.span.start,
        d.span.end,
        d.code,
        d.message.clone(),
        format!("{:?}", d.severity),
        d.nginx_offset,
    )
}

fn refused(
    project: &Project,
    map: &ngxlint_engine::hash::FastMap<ngxlint_engine::FileId, Vec<nginx_syntax::Span>>,
) -> Vec<(String, u32, u32)> {
    let mut v: Vec<(String, u32, u32)> = map
        .iter()
        .flat_map(|(f, spans)| {
            let p = project.files.get(*f).path.display().to_string();
            spans.iter().map(move |s| (p.clone(), s.start, s.end))
        })
        .collect();
    v.sort();
    v
}

/// Loads `dir` both ways and compares; returns how many handler findings the tree gave.
fn compare(dir: &Path, directives: &Directives, pinned: bool) -> usize {
    let opts = |defer: bool| {
        let mut o = Options::new(dir.to_path_buf());
        o.directives = directives.clone();
        o.nginx_version_pinned = pinned;
        o.defer_checks = defer;
        o
    };
    let paths = [dir.to_path_buf()];
    let inline = Project::load(&paths, &opts(false)).expect("loads");
    let deferred = Project::load(&paths, &opts(true)).expect("loads");
    let checked = deferred.check_deferred(directives);
    let split = |p: &Project, handler: bool| -> Vec<Seen> {
        p.diagnostics
            .iter()
            .filter(|d| is_handler_code(d.code) == handler)
            .map(|d| seen(p, d))
            .collect()
    };
    let where_ = dir.display();
    assert_eq!(
        split(&inline, false),
        split(&deferred, false),
        "{where_}: the walk's own findings"
    );
    assert!(
        split(&deferred, true).is_empty(),
        "{where_}: a deferring walk ran the handlers' checks"
    );
    let deferred_found: Vec<Seen> = checked
        .diagnostics
        .iter()
        .map(|d| seen(&deferred, d))
        .collect();
    let inline_found = split(&inline, true);
    assert_eq!(
        inline_found, deferred_found,
        "{where_}: the handlers' findings"
    );
    assert_eq!(
        refused(&inline, &inline.nginx.refused),
        refused(&deferred, &checked.refused),
        "{where_}: what the handlers refuse"
    );
    assert!(deferred.nginx.refused.is_empty());
    inline_found.len()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_testdata_tree_gets_the_same_findings_either_way() {
    let testdata = repo().join("testdata");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&testdata)
        .expect("testdata")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "{dirs:?}");
    let builtin = Directives::builtin();
    let old = Directives::for_version((1, 22, 1));
    let mut found = 0;
    for dir in &dirs {
        found += compare(dir, &builtin, false);
        found += compare(dir, &old, true);
    }
    // The comparison is only worth something if the checks find things there.
    assert!(found > 50, "only {found} handler findings under testdata/");
}

fn write(root: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

#[test]
fn what_the_walk_learns_part_way_reaches_the_deferred_checks() {
    let dir = support::TempDir::new("deferred");
    let root = dir.path();
    write(
        root,
        &[
            (
                "nginx/nginx.conf",
                "load_module modules/ngx_http_echo_module.so;\n\
                 events {}\n\
                 http {\n\
                     log_format main '$remote_addr $undefined_before';\n\
                     include conf.d/*.conf;\n\
                     include missing/*.conf;\n\
                     include /etc/nginx/outside.conf;\n\
                     access_log /var/log/late.log nosuch_after;\n\
                     map $host $m { default 1; include maps/*.map; }\n\
                     types { text/html html; include mime.extra; }\n\
                 }\n",
            ),
            (
                "nginx/conf.d/a.conf",
                "server {\n listen 80;\n server_name a;\n sendfile yes;\n\
                 location / { echo hi; return 200 $undefined_after; }\n\
                 location /x { include snippets/p.conf; }\n\
                 location /y { include snippets/p.conf; }\n\
                 access_log /var/log/a.log nosuch;\n}\n",
            ),
            (
                "nginx/conf.d/b.conf",
                "server {\n listen 80;\n server_name a;\n try_files $uri =404;\n try_files $uri =404;\n\
                 location ~ ( { }\n rewrite ^ /x bogus;\n}\n",
            ),
            (
                "nginx/snippets/p.conf",
                "expires 10X;\nset $x $y;\nif ($x ~ \"(\") { return 403; }\n",
            ),
            ("nginx/maps/one.map", "a 2;\nb $zzz;\n"),
            ("nginx/mime.extra", "text/html htm;\n"),
            (
                "nginx/templates/t.conf.template",
                "server { listen ${PORT}; server_name ${HOST}; root $UNSET_ROOT; }\n",
            ),
            ("nginx/fragment.conf", "location /f { sendfile maybe; }\n"),
        ],
    );
    for (directives, pinned) in [
        (Directives::builtin(), false),
        (Directives::for_version((1, 22, 1)), true),
    ] {
        let found = compare(root, &directives, pinned);
        assert!(found >= 5, "{found} handler findings");
    }
}

#[test]
fn a_module_loaded_part_way_is_known_to_the_deferred_checks() {
    let dir = support::TempDir::new("deferred-module");
    let root = dir.path();
    // `geoip2` is a block nginx knows only once its module is loaded: dispatched with the tree's
    // table, its entries define `$geoip2_data_country_code`; with the run's table it would be an
    // unknown directive whose body is never read, and the variable unknown.
    write(
        root,
        &[(
            "nginx/nginx.conf",
            "load_module modules/ngx_http_geoip2_module.so;\n\
             events {}\n\
             http {\n\
                 geoip2 /x.mmdb { $geoip2_data_country_code default=US country iso_code; }\n\
                 server { listen 80; sendfile yes; return 200 \"$geoip2_data_country_code\"; }\n\
             }\n",
        )],
    );
    for (directives, pinned) in [
        (Directives::builtin(), false),
        (Directives::for_version((1, 22, 1)), true),
    ] {
        assert_eq!(compare(root, &directives, pinned), 1, "only `sendfile yes`");
    }
}

/// A statement read in two places may read other files each time; the checks follow each visit
/// as the walk made it (cases from a review of the deferred checks).
#[test]
fn an_include_that_reads_other_files_on_another_visit_is_followed_as_read() {
    let cases: [&[(&str, &str)]; 4] = [
        // An include cycle reached in two contexts: the second visit reads nothing (`b.conf` is
        // on the stack), the first read `b.conf`, whose `gzip` is a duplicate in `http`.
        &[
            (
                "nginx/nginx.conf",
                "events {}\nhttp {\n gzip on;\n include a.conf;\n server { listen 80; include b.conf; }\n}\n",
            ),
            ("nginx/a.conf", "include b.conf;\n"),
            ("nginx/b.conf", "include a.conf;\ngzip on;\n"),
        ],
        // Two trees share a file whose relative include reads each tree's own snippet.
        &[
            ("a/nginx.conf", "events {}\nhttp {\n gzip on;\n include ../shared/common.conf;\n}\n"),
            ("b/nginx.conf", "events {}\nhttp {\n include ../shared/common.conf;\n}\n"),
            ("shared/common.conf", "include snippets/x.conf;\n"),
            ("a/snippets/x.conf", "gzip on;\n"),
            ("b/snippets/x.conf", "gzip off;\n"),
        ],
        // A fragment shares a file with the entry tree and reads its include from elsewhere.
        &[
            (
                "nginx/nginx.conf",
                "events {}\nhttp {\n gzip on;\n include snippets/common.conf;\n}\n",
            ),
            ("nginx/snippets/common.conf", "include snippets/inner.conf;\n"),
            ("nginx/snippets/inner.conf", "gzip on;\n"),
            (
                "other/frag.conf",
                "server { listen 80; include ../nginx/snippets/common.conf; }\n",
            ),
            ("other/snippets/inner.conf", "gzip off;\n"),
        ],
        // The cycle shifts which include comes when: an unread include after it still makes the
        // configuration partial at the same point (no unknown-variable finding).
        &[
            (
                "nginx/nginx.conf",
                "events {}\nhttp {\n include a.conf;\n server {\n  listen 80;\n  include b.conf;\n  include missing.conf;\n  return 200 $nosuch;\n }\n}\n",
            ),
            ("nginx/a.conf", "include b.conf;\n"),
            ("nginx/b.conf", "include a.conf;\n"),
        ],
    ];
    for (i, files) in cases.iter().enumerate() {
        let dir = support::TempDir::new(&format!("deferred-visits-{i}"));
        write(dir.path(), files);
        for (directives, pinned) in [
            (Directives::builtin(), false),
            (Directives::for_version((1, 22, 1)), true),
        ] {
            compare(dir.path(), &directives, pinned);
        }
    }
}

/// The stream block's checks: servers and listens in included files, an `include` that makes a
/// server's handler unknown, a statement nginx refuses standing for a handler, the checks when the
/// block ends.
#[test]
fn stream_servers_are_checked_the_same_either_way() {
    let dir = support::TempDir::new("deferred-stream");
    let root = dir.path();
    write(
        root,
        &[
            (
                "nginx/nginx.conf",
                "events {}\n\
                 stream {\n\
                     ssl_verify_client on;\n\
                     include stream.d/*.conf;\n\
                     server { listen 9100; include generated/*.conf; }\n\
                     server { listen 9101; content_by_lua_block { ngx.say(1) } }\n\
                     server { listen 9102 udp backlog=4; proxy_pass 127.0.0.1:9; }\n\
                 }\n",
            ),
            (
                "nginx/stream.d/a.conf",
                "server {\n listen 9001 ssl;\n ssl_certificate a.crt;\n ssl_certificate_key a.key;\n proxy_pass 127.0.0.1:9;\n}\n\
                 server {\n listen 9001;\n listen 9002 foo;\n proxy_pass 127.0.0.1:9;\n}\n",
            ),
            ("nginx/stream.d/b.conf", "server {\n listen 9003;\n}\nserver {\n proxy_pass 127.0.0.1:9;\n}\n"),
        ],
    );
    for (directives, pinned) in [
        (Directives::builtin(), false),
        (Directives::for_version((1, 22, 1)), true),
    ] {
        let found = compare(root, &directives, pinned);
        assert!(found >= 4, "{found} handler findings");
    }
}

/// A deferring walk follows the plan made for a file on the reading thread (`Plan`) wherever the
/// file is read in the context it was planned for with the run's table; elsewhere it walks it
/// statement by statement. Either way its findings are those of the walk that runs the checks:
/// syntax errors between the planned steps, refusals of every kind, `{` in an entries body, an
/// include inside one, templates, files read in another context, a tree that loads a module.
#[test]
fn a_planned_file_is_read_as_the_statement_by_statement_walk_reads_it() {
    let site = "# a site\n\
        server {\n listen 80;\n server_nam x;\n sendfile on off;\n events {}\n\
         include snippets/s.conf;\n\
         map $host $m { default 1; include maps/*.map; x { } }\n\
         location / { include snippets/s.conf; proxy_pass http://u }\n\
         location /n { location /m { include snippets/loc.conf; } }\n\
         types { text/html html; include mime.extra; y { } }\n\
        }\n\
        map $host $n { default 1; include maps/*.map; z { } }\n\
        server { listen 81; http { } include snippets/missing.conf; }\n";
    let cases: [&[(&str, &str)]; 3] = [
        &[
            (
                "nginx/nginx.conf",
                "events {}\nhttp {\n include conf.d/*.conf;\n server {\n  listen 90;\n  include conf.d/a.conf;\n  include locs/*.conf;\n }\n include locs/*.conf;\n}\n",
            ),
            ("nginx/conf.d/a.conf", site),
            ("nginx/conf.d/b.conf", "server { listen 82; }\n}\nserver { listen 83; include snippets/s.conf; }\n"),
            ("nginx/locs/l.conf", "location /l { include snippets/loc.conf; gzip_bogus on; }\nlocation /k {}\n"),
            ("nginx/snippets/s.conf", "add_header X-A 1;\n"),
            ("nginx/snippets/loc.conf", "expires 1d;\nserver {}\n"),
            ("nginx/maps/one.map", "a 2;\n"),
            ("nginx/mime.extra", "text/html htm;\n"),
            (
                "nginx/templates/t.conf.template",
                "server { listen ${PORT}; proxy_buffers ${BUFFERS}; server_name ${A} ${B} { } }\n",
            ),
        ],
        // The tree loads a module: its table is not the one the files were planned with.
        &[
            (
                "nginx/nginx.conf",
                "load_module modules/ngx_http_echo_module.so;\nevents {}\nhttp {\n include conf.d/*.conf;\n}\n",
            ),
            ("nginx/conf.d/a.conf", site),
            ("nginx/snippets/s.conf", "echo hi;\n"),
        ],
        // No main config: the files are fragments, read in their evident context.
        &[
            ("sites/a.conf", site),
            ("sites/l.conf", "location /l { sendfile maybe; nosuch 1; }\n"),
            ("sites/snippets/s.conf", "add_header X-A 1;\n"),
        ],
    ];
    for (i, files) in cases.iter().enumerate() {
        let dir = support::TempDir::new(&format!("deferred-plans-{i}"));
        write(dir.path(), files);
        for (directives, pinned) in [
            (Directives::builtin(), false),
            (Directives::for_version((1, 22, 1)), true),
        ] {
            compare(dir.path(), &directives, pinned);
        }
    }
}
