//! `load_module` against the real thing: Debian 12's nginx 1.22.1 with Debian's own builds of
//! third-party dynamic modules (`libnginx-mod-http-echo`, `-headers-more-filter`, `-ndk`,
//! `-set-misc`, `-rtmp`). Each case is a configuration `nginx -t` judges first; ngxlint must give
//! the same first error (message, file, line) or accept it too, and the case pins nginx's verdict so
//! that two tools failing alike for an unrelated reason (a missing object) cannot pass.
//!
//! The objects come from `NGXLINT_NGINX_MODULES` (a folder of `.so` files; `.ci/run` extracts the
//! packages there without installing them, so `/etc/nginx` stays untouched), else from
//! `/usr/lib/nginx/modules`. Missing objects or a missing nginx fail the test when `CI` is set and
//! skip it otherwise.

mod support;

use std::path::{Path, PathBuf};

use support::*;

/// The objects the cases load.
const OBJECTS: [&str; 5] = [
    "ngx_http_echo_module.so",
    "ngx_http_headers_more_filter_module.so",
    "ndk_http_module.so",
    "ngx_http_set_misc_module.so",
    "ngx_rtmp_module.so",
];

fn modules_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("NGXLINT_NGINX_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/nginx/modules"));
    OBJECTS.iter().all(|o| dir.join(o).is_file()).then_some(dir)
}

/// What nginx -t must answer: accepted, or its first error's message and line in `nginx.conf`
/// (or in the file named).
enum Expect {
    Accepted,
    Refused(&'static str, &'static str, usize),
}

struct Case {
    name: &'static str,
    /// (prefix-relative path, text); `{MODULES}` is the objects' folder, `{OUTSIDE}` a folder
    /// outside the linted root.
    files: &'static [(&'static str, &'static str)],
    /// (link, target) symbolic links to make, with the same placeholders.
    links: &'static [(&'static str, &'static str)],
    expect: Expect,
}

const ECHO_SITE: &str = "http {\n    server {\n        listen 127.0.0.1:18081;\n        location / { echo hello; }\n    }\n}\n";

const CASES: &[Case] = &[
    Case {
        name: "a loaded module's directive is known",
        files: &[(
            "nginx.conf",
            "load_module {MODULES}/ngx_http_echo_module.so;\nevents {}\nhttp {\n    server {\n        listen 127.0.0.1:18081;\n        location / { echo hello; more_set_headers \"X-A: b\"; }\n    }\n}\nload_module {MODULES}/ngx_http_headers_more_filter_module.so;\n",
        )],
        links: &[],
        // The second object comes after `http`: nginx has counted its modules by then.
        expect: Expect::Refused("unknown directive \"more_set_headers\"", "nginx.conf", 6),
    },
    Case {
        name: "without load_module the directive is unknown",
        files: &[("nginx.conf", "events {}\nhttp {\n    server {\n        listen 127.0.0.1:18081;\n        location / { echo hello; }\n    }\n}\n")],
        links: &[],
        expect: Expect::Refused("unknown directive \"echo\"", "nginx.conf", 5),
    },
    Case {
        name: "with load_module the same configuration is accepted",
        files: &[("nginx.conf", "load_module {MODULES}/ngx_http_echo_module.so;\nevents {}\nhttp {\n    server {\n        listen 127.0.0.1:18081;\n        location / { echo hello; }\n    }\n}\n")],
        links: &[],
        expect: Expect::Accepted,
    },
    Case {
        name: "load_module after a subsystem block is too late",
        files: &[("nginx.conf", "events {}\nload_module {MODULES}/ngx_http_echo_module.so;\nhttp {}\n")],
        links: &[],
        expect: Expect::Refused("\"load_module\" directive is specified too late", "nginx.conf", 2),
    },
    Case {
        name: "one object loaded twice",
        files: &[("nginx.conf", "load_module {MODULES}/ngx_http_echo_module.so;\nload_module {MODULES}/ngx_http_echo_module.so;\nevents {}\n")],
        links: &[],
        expect: Expect::Refused("module \"ngx_http_echo_module\" is already loaded", "nginx.conf", 2),
    },
    Case {
        name: "a modules-enabled snippet and a load_module of the same object",
        files: &[
            ("modules-enabled/50-mod-http-echo.conf", "load_module {MODULES}/ngx_http_echo_module.so;\n"),
            ("nginx.conf", "include modules-enabled/*.conf;\nload_module {MODULES}/ngx_http_echo_module.so;\nevents {}\n"),
        ],
        links: &[],
        expect: Expect::Refused("module \"ngx_http_echo_module\" is already loaded", "nginx.conf", 2),
    },
    Case {
        name: "two objects loaded once each",
        files: &[("nginx.conf", "load_module {MODULES}/ngx_http_echo_module.so;\nload_module {MODULES}/ngx_rtmp_module.so;\nevents {}\n")],
        links: &[],
        expect: Expect::Accepted,
    },
    Case {
        name: "a main-context directive before its load_module is unknown",
        files: &[("nginx.conf", "rtmp_auto_push on;\nload_module {MODULES}/ngx_rtmp_module.so;\nevents {}\n")],
        links: &[],
        expect: Expect::Refused("unknown directive \"rtmp_auto_push\"", "nginx.conf", 1),
    },
    Case {
        name: "the same directive after its load_module is known",
        files: &[("nginx.conf", "load_module {MODULES}/ngx_rtmp_module.so;\nrtmp_auto_push on;\nevents {}\n")],
        links: &[],
        expect: Expect::Accepted,
    },
    Case {
        name: "rtmp's own contexts",
        files: &[(
            "nginx.conf",
            "load_module {MODULES}/ngx_rtmp_module.so;\nevents {}\nrtmp {\n    server {\n        listen 127.0.0.1:19350;\n        chunk_size 4096;\n        application live {\n            live on;\n            push rtmp://127.0.0.1:19351/live;\n            recorder all {\n                record all;\n                record_path /tmp;\n            }\n        }\n    }\n}\n",
        )],
        links: &[],
        expect: Expect::Accepted,
    },
    Case {
        name: "an rtmp directive outside its context",
        files: &[(
            "nginx.conf",
            "load_module {MODULES}/ngx_rtmp_module.so;\nevents {}\nrtmp {\n    server {\n        listen 127.0.0.1:19350;\n        push rtmp://127.0.0.1:19351/live;\n    }\n}\n",
        )],
        links: &[],
        expect: Expect::Refused("\"push\" directive is not allowed here", "nginx.conf", 6),
    },
    Case {
        name: "a load_module in an included snippet counts",
        files: &[
            ("nginx.conf", "include modules.d/*.conf;\nevents {}\nhttp {\n    more_clear_headers Server;\n}\n"),
            ("modules.d/headers-more.conf", "load_module {MODULES}/ngx_http_headers_more_filter_module.so;\n"),
        ],
        links: &[],
        expect: Expect::Accepted,
    },
    Case {
        // nginxinc/docker-nginx's own test of its module images (.test/tests/modules/nginx.conf.sme).
        name: "the official image's modules test config: ndk, echo, set-misc",
        files: &[(
            "nginx.conf",
            "load_module {MODULES}/ndk_http_module.so;\nload_module {MODULES}/ngx_http_echo_module.so;\nload_module {MODULES}/ngx_http_set_misc_module.so;\nevents {}\nhttp {\n    server {\n        listen 127.0.0.1:18081 default_server;\n        location /hello {\n            set $raw \"hello\";\n            set_sha1 $digest $raw;\n            echo $digest;\n        }\n    }\n}\n",
        )],
        links: &[],
        expect: Expect::Accepted,
    },
    Case {
        name: "set-misc without its load_module",
        files: &[(
            "nginx.conf",
            "load_module {MODULES}/ndk_http_module.so;\nload_module {MODULES}/ngx_http_echo_module.so;\nevents {}\nhttp {\n    server {\n        listen 127.0.0.1:18081 default_server;\n        location /hello {\n            set $raw \"hello\";\n            set_sha1 $digest $raw;\n            echo $digest;\n        }\n    }\n}\n",
        )],
        links: &[],
        expect: Expect::Refused("unknown directive \"set_sha1\"", "nginx.conf", 9),
    },
    Case {
        // Debian's layout: the link points into /usr/share/nginx/modules-available, which is on the
        // server but not in the repository (here: outside the linted root).
        name: "a Debian modules-enabled link whose target is not in the tree",
        files: &[
            ("nginx.conf", "include modules-enabled/*.conf;\nevents {}\n{SITE}"),
            ("{OUTSIDE}/mod-http-echo.conf", "load_module {MODULES}/ngx_http_echo_module.so;\n"),
        ],
        links: &[("modules-enabled/50-mod-http-echo.conf", "{OUTSIDE}/mod-http-echo.conf")],
        expect: Expect::Accepted,
    },
    Case {
        name: "the same tree with the module's link removed",
        files: &[
            ("nginx.conf", "include modules-enabled/*.conf;\nevents {}\n{SITE}"),
            ("modules-enabled/50-mod-http-headers-more-filter.conf", "load_module {MODULES}/ngx_http_headers_more_filter_module.so;\n"),
        ],
        links: &[],
        expect: Expect::Refused("unknown directive \"echo\"", "nginx.conf", 6),
    },
];

fn fill(text: &str, modules: &Path, outside: &Path) -> String {
    text.replace("{SITE}", ECHO_SITE)
        .replace("{MODULES}", &modules.to_string_lossy())
        .replace("{OUTSIDE}", &outside.to_string_lossy())
}

#[test]
fn load_module_agrees_with_nginx() {
    let Some(nginx) = nginx() else {
        return missing("nginx", "load_module_agrees_with_nginx");
    };
    let Some(modules) = modules_dir() else {
        return missing(
            "Debian's libnginx-mod-{http-echo,http-headers-more-filter,http-ndk,http-set-misc,rtmp} objects (NGXLINT_NGINX_MODULES or /usr/lib/nginx/modules)",
            "load_module_agrees_with_nginx",
        );
    };
    let mut failures = Vec::new();
    for case in CASES {
        let root = TempDir::new("lm");
        let outside = TempDir::new("lm-outside");
        for (rel, text) in case.files {
            let rel = fill(rel, &modules, outside.path());
            let text = fill(text, &modules, outside.path());
            if Path::new(&rel).is_absolute() {
                write(Path::new("/"), &rel[1..], text.as_bytes());
            } else {
                write(root.path(), &rel, text.as_bytes());
            }
        }
        for (link, target) in case.links {
            let link = root.path().join(link);
            if let Some(parent) = link.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::os::unix::fs::symlink(fill(target, &modules, outside.path()), &link)
                .expect("symlink");
        }
        let main = root.path().join("nginx.conf");
        let theirs = nginx_verdict(&nginx, root.path(), &main);
        let project = load(root.path(), &main);
        let ours = ngxlint_errors(&project).into_iter().next().map(|(_, r)| r);
        let expected = match &case.expect {
            Expect::Accepted => None,
            Expect::Refused(message, file, line) => Some(Report {
                message: (*message).to_string(),
                file: Some(root.path().join(file)),
                line: Some(*line),
            }),
        };
        if theirs.as_ref().err() != expected.as_ref() {
            failures.push(format!(
                "{}: nginx -t: {:?}, the case expects {:?}",
                case.name, theirs, expected
            ));
        }
        if ours != expected {
            failures.push(format!(
                "{}: ngxlint: {:?}, nginx -t: {:?}",
                case.name, ours, theirs
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
