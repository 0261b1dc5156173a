//! Loading with includes (through the Vfs) and the typed model.

mod common;

use std::net::IpAddr;
use std::path::Path;

use common::{codes as all_codes, find, load_at, span_text, FsVfs, TempDir};
use fpm_ini::{codes, Listen, LoadOptions, PmStyle, Severity, SocketGroup, SocketOwner};

const POOL: &str = "user = www-data\npm = static\npm.max_children = 1\n";

#[test]
fn include_is_relative_to_the_fpm_prefix_not_the_file() {
    let t = TempDir::new("prefix");
    t.write(
        "etc/pools/a.conf",
        &format!("[a]\nlisten = /run/a.sock\n{POOL}"),
    );
    // a relative pattern: the prefix, not etc/
    let main = t.write("etc/php-fpm.conf", "[global]\ninclude = pools/*.conf\n");
    let c = load_at(&main, t.path());
    let d = find(&c, codes::INCLUDE_GLOB_FAILED).expect("glob failure");
    assert_eq!(d.severity, Severity::Error);
    // php-fpm's words without its `(ret=2)` and without the including file's path (the
    // finding is located in it; a local path in a message would break baselines).
    assert_eq!(
        d.message,
        format!(
            "the folder of include pattern `{0}/pools/*.conf` does not exist: php-fpm refuses to start with `Unable to globalize '{0}/pools/*.conf'`",
            t.path().display(),
        )
    );
    assert_eq!(span_text(&c, d), "pools/*.conf");
    // the same pattern written relative to the prefix works
    let main = t.write("etc/php-fpm.conf", "[global]\ninclude = etc/pools/*.conf\n");
    let c = load_at(&main, t.path());
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    assert_eq!(c.pools.len(), 1);
    assert_eq!(c.files.len(), 2);
    assert_eq!(c.global.includes[0].files, vec![1]);
    assert_eq!(c.files[1].included_from.map(|(f, _)| f), Some(0));
}

#[test]
fn include_glob_order_dirs_and_no_match() {
    let t = TempDir::new("glob");
    t.write(
        "pool.d/b.conf",
        &format!("[b]\nlisten = /run/b.sock\n{POOL}"),
    );
    t.write(
        "pool.d/a.conf",
        &format!("[a]\nlisten = /run/a.sock\n{POOL}"),
    );
    t.write("pool.d/sub.conf/x", "");
    std::fs::create_dir_all(t.path().join("empty")).unwrap();
    let main = t.write(
        "php-fpm.conf",
        &format!(
            "[global]\ninclude = {0}/pool.d/*.conf\ninclude = {0}/empty/*.conf\ninclude = {0}/missing.conf\ninclude = {0}/pool.d\n",
            t.path().display()
        ),
    );
    let c = load_at(&main, t.path());
    let names: Vec<&str> = c.pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a", "b"], "sorted, directory skipped");
    let warnings: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| d.code == codes::INCLUDE_NO_MATCH)
        .collect();
    assert_eq!(warnings.len(), 2, "{:?}", c.diagnostics);
    assert_eq!(warnings[0].severity, Severity::Warning);
    assert_eq!(
        warnings[0].message,
        format!(
            "include pattern `{0}/empty/*.conf` matches no file: php-fpm logs `Nothing matches the include pattern '{0}/empty/*.conf'`",
            t.path().display(),
        )
    );
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
}

#[test]
fn include_depth_limit() {
    let t = TempDir::new("depth");
    // main + 4 levels are fine, the 6th file is refused
    for i in 1..=5 {
        let next = if i < 5 {
            format!("include = {}/f{}.conf\n", t.path().display(), i + 1)
        } else {
            String::new()
        };
        t.write(
            &format!("f{i}.conf"),
            &format!("[p{i}]\nlisten = /run/p{i}.sock\n{POOL}{next}"),
        );
    }
    let main = t.write(
        "main.conf",
        &format!("include = {}/f1.conf\n", t.path().display()),
    );
    let c = load_at(&main, t.path());
    let d = find(&c, codes::INCLUDE_TOO_DEEP).expect("too deep");
    assert_eq!(
        d.message,
        "includes nested more than 5 files deep: php-fpm refuses to start with `failed to include more than 5 files recursively`"
    );
    assert_eq!(c.pools.len(), 4);
    // one level less is accepted
    let main = t.write(
        "main.conf",
        &format!("include = {}/f2.conf\n", t.path().display()),
    );
    let c = load_at(&main, t.path());
    assert!(
        find(&c, codes::INCLUDE_TOO_DEEP).is_none(),
        "{:?}",
        all_codes(&c)
    );
    // an include of itself ends at the limit, not in a loop
    let main = t.write(
        "self.conf",
        &format!("[s]\ninclude = {}/self.conf\n", t.path().display()),
    );
    let c = load_at(&main, t.path());
    assert!(find(&c, codes::INCLUDE_TOO_DEEP).is_some());
}

#[test]
fn section_carries_over_into_and_out_of_included_files() {
    let t = TempDir::new("carry");
    // the included file has no header: its keys land in [www], and after it php-fpm is still in [tail]
    t.write("inc.conf", "pm.max_children = 3\n[tail]\n");
    let main = t.write(
        "main.conf",
        &format!(
            "[www]\nuser = a\nlisten = /run/w.sock\npm = static\ninclude = {}/inc.conf\nlisten = /run/t.sock\nuser = a\npm = static\npm.max_children = 1\n",
            t.path().display()
        ),
    );
    let c = load_at(&main, t.path());
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let www = c.pool("www").unwrap();
    assert_eq!(www.pm_max_children.value, 3);
    assert_eq!(www.pm_max_children.origin.unwrap().file, 1);
    assert_eq!(
        c.pool("tail").unwrap().listen.value.as_deref(),
        Some("/run/t.sock")
    );
}

#[test]
fn unreadable_main_file() {
    let c = load_at(Path::new("/nonexistent/php-fpm.conf"), Path::new("/usr"));
    let d = find(&c, codes::FILE_UNREADABLE).unwrap();
    assert_eq!(d.message, "cannot read the file: No such file or directory");
    assert_eq!(c.diagnostics.len(), 1);
}

#[test]
fn pool_file_alone() {
    let t = TempDir::new("poolfile");
    let f = t.write("zz-docker.conf", "[global]\ndaemonize = no\n");
    let c = fpm_ini::load_pool_file(&f, &LoadOptions::default(), &FsVfs);
    assert!(
        c.diagnostics.is_empty(),
        "no `No pool defined` for a pool.d file: {:?}",
        c.diagnostics
    );
    assert!(!c.global.daemonize.value);
}

#[test]
fn pool_files_without_their_main_config_are_one_configuration() {
    // The php image's php-fpm.d as a repository keeps it, without php-fpm.conf: read in the
    // order `include=etc/php-fpm.d/*.conf` reads it.
    let t = TempDir::new("poolfiles");
    let docker = t.write(
        "php-fpm.d/docker.conf",
        "[global]\nerror_log = /proc/self/fd/2\n[www]\nclear_env = no\n",
    );
    let www = t.write(
        "php-fpm.d/www.conf",
        "[www]\nuser = www-data\nlisten = 127.0.0.1:9000\npm = dynamic\npm.max_children = 5\npm.start_servers = 2\npm.min_spare_servers = 1\npm.max_spare_servers = 3\n",
    );
    // No section header: it continues the section the file before it ended in.
    let limits = t.write("php-fpm.d/www.limits.conf", "listen.backlog = 64\n");
    let zz = t.write(
        "php-fpm.d/zz-docker.conf",
        "[global]\ndaemonize = no\n[www]\nlisten = 9000\n",
    );
    let c = fpm_ini::load_pool_files(&[docker, www, limits, zz], &LoadOptions::default(), &FsVfs);
    assert_eq!(c.pools.len(), 1);
    let p = &c.pools[0];
    assert_eq!(
        p.listen.value.as_deref(),
        Some("9000"),
        "zz-docker.conf wins"
    );
    assert_eq!(p.listen_backlog.value, 64);
    assert!(!p.clear_env.value);
    assert!(!c.global.daemonize.value);
    // Overrides across files are how the image works: noted, not warned.
    assert!(
        c.diagnostics
            .iter()
            .all(|d| d.severity == fpm_ini::Severity::Info),
        "{:?}",
        c.diagnostics
    );

    // A pool file read alone whose settings continue a section of a file that is not here: checked
    // against either section's keys, kept in none, and nothing php-fpm requires is asked for.
    let t = TempDir::new("poolfragment");
    let f = t.write(
        "php-fpm.d/zz-tuning.conf",
        "pm.max_children = 20\nlog_limit = 8192\nlisten.backlg = 5\n",
    );
    let c = fpm_ini::load_pool_file(&f, &LoadOptions::default(), &FsVfs);
    assert!(c.pools.is_empty());
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [codes::UNKNOWN_ENTRY], "{:?}", c.diagnostics);
    // A pool section without `pm`, `listen` or `user`: set by the image's own files.
    let f = t.write("php-fpm.d/zz-listen.conf", "[www]\nlisten = 9000\n");
    let c = fpm_ini::load_pool_file(&f, &LoadOptions::default(), &FsVfs);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    // As the whole configuration (a rule document's example), they are asked for.
    let opts = LoadOptions {
        complete_pool_files: true,
        ..LoadOptions::default()
    };
    let c = fpm_ini::load_pool_file(&f, &opts, &FsVfs);
    assert!(find(&c, codes::PM_MISSING).is_some(), "{:?}", c.diagnostics);
}

fn one_pool(lines: &str) -> fpm_ini::Pool {
    let src = format!("[www]\nuser = www-data\npm = static\npm.max_children = 1\n{lines}\n");
    let c = fpm_ini::load_source(
        Path::new("/etc/php-fpm.conf"),
        src.into_bytes(),
        &LoadOptions::default(),
        &FsVfs,
    );
    c.pools.into_iter().next().unwrap()
}

#[test]
fn listen_forms() {
    let l = |v: &str| one_pool(&format!("listen = {v}")).listen_address.unwrap();
    assert_eq!(
        l("127.0.0.1:9000"),
        Listen::Ip {
            addr: "127.0.0.1".parse::<IpAddr>().unwrap(),
            port: 9000
        }
    );
    assert_eq!(
        l("[::1]:9000"),
        Listen::Ip {
            addr: "::1".parse::<IpAddr>().unwrap(),
            port: 9000
        }
    );
    assert_eq!(l("9000"), Listen::AllInterfaces { port: 9000 });
    assert_eq!(
        l("localhost:9000"),
        Listen::Host {
            host: "localhost".into(),
            port: 9000
        }
    );
    assert_eq!(
        l("/run/php/php8.2-fpm.sock"),
        Listen::Unix {
            path: "/run/php/php8.2-fpm.sock".into()
        }
    );
    assert_eq!(
        l("rel.sock"),
        Listen::Unix {
            path: "/usr/rel.sock".into()
        }
    );
    assert_eq!(
        l("localhost"),
        Listen::Unix {
            path: "/usr/localhost".into()
        }
    );
    // pool prefix first, itself relative to the FPM prefix
    let p = one_pool("prefix = /srv/$pool\nlisten = run/php.sock");
    assert_eq!(
        p.listen_address,
        Some(Listen::Unix {
            path: "/srv/www/run/php.sock".into()
        })
    );
    let p = one_pool("prefix = srv\nlisten = php.sock");
    assert_eq!(
        p.listen_address,
        Some(Listen::Unix {
            path: "/usr/srv/php.sock".into()
        })
    );
    assert_eq!(l("[::1]:9000").to_string(), "[::1]:9000");
}

#[test]
fn socket_permissions_defaults() {
    let p = one_pool("listen = /run/a.sock");
    assert_eq!(p.listen_owner.value, SocketOwner::MasterUser);
    assert_eq!(p.listen_group.value, SocketGroup::MasterGroup);
    assert_eq!(p.listen_mode.value, 0o660);
    assert!(!p.listen_mode.is_explicit());
    let p = one_pool("listen = /run/a.sock\nlisten.owner = www-data");
    assert_eq!(p.listen_owner.value, SocketOwner::Named("www-data".into()));
    assert_eq!(
        p.listen_group.value,
        SocketGroup::PrimaryGroupOf("www-data".into())
    );
    assert_eq!(
        p.listen_group.value.to_string(),
        "primary group of www-data"
    );
    let p = one_pool(
        "listen = /run/a.sock\nlisten.owner = 33\nlisten.group = nginx\nlisten.mode = 0666",
    );
    assert_eq!(p.listen_owner.value, SocketOwner::Uid(33));
    assert_eq!(p.listen_group.value, SocketGroup::Named("nginx".into()));
    assert_eq!(p.listen_mode.value, 0o666);
    // numeric owner does not set the group
    let p = one_pool("listen = /run/a.sock\nlisten.owner = 33");
    assert_eq!(p.listen_group.value, SocketGroup::MasterGroup);
}

#[test]
fn pool_defaults_and_origins() {
    let src = "[www]\nuser = www-data\nlisten = 9000\npm = ondemand\npm.max_children = 4\nrequest_terminate_timeout = 30s\n";
    let c = fpm_ini::load_source(
        Path::new("/x.conf"),
        src.as_bytes().to_vec(),
        &LoadOptions::default(),
        &FsVfs,
    );
    let p = &c.pools[0];
    assert_eq!(p.pm.value, Some(PmStyle::Ondemand));
    assert_eq!(p.pm_process_idle_timeout.value, 10);
    assert_eq!(p.pm_max_spawn_rate.value, 32);
    assert_eq!(p.pm_max_requests.value, 0);
    assert_eq!(p.listen_backlog.value, -1);
    assert_eq!(p.security_limit_extensions.value, [".php", ".phar"]);
    assert!(p.clear_env.value && !p.catch_workers_output.value && p.decorate_workers_output.value);
    assert_eq!(p.request_terminate_timeout.value, 30);
    let o = p.request_terminate_timeout.origin.unwrap();
    assert_eq!(o.key.slice(src.as_bytes()), b"request_terminate_timeout");
    assert_eq!(o.value.slice(src.as_bytes()), b"30s");
    assert_eq!(p.get("REQUEST_TERMINATE_TIMEOUT").unwrap().value, "30s");
    assert_eq!(c.global.error_log.value, "log/php-fpm.log");
    assert!(c.global.daemonize.value);
}
