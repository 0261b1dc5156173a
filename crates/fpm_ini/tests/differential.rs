//! Differential test against the real `php-fpm -t`: for every FPM file of the corpus and for
//! generated valid and invalid pools, php-fpm's verdict (exit 0 or 78) must equal ngxlint's
//! (any error-severity diagnostic, leaving out the start-only codes that `-t` does not check).
//!
//! How php-fpm is run: `php-fpm8.2 -t -R -y FILE -p PREFIX` in a fresh temporary prefix, with a
//! fixed environment. `-R` because the test may run as root or not; `user` is then never required,
//! so ngxlint is run with `allow_root`. Files that need things outside the prefix are rewritten in
//! the temporary copy only: absolute paths (other than /proc and /dev) move under the prefix, user
//! and group names become `www-data` (php-fpm -t resolves them; the linter does not know the
//! machine's users), `include=` directories become `PREFIX/inc`, autoconf placeholders are filled in.
//! Excluded: nothing — the 5.2 XML files are run too (php-fpm refuses them, so must we).
//!
//! Without the binary the test prints that it skipped; with `CI` set it fails instead.

mod common;

use std::path::{Path, PathBuf};

use common::php_fpm::{env, php_fpm_or_skip, php_fpm_t};
use common::{FsVfs, TempDir};
use fpm_ini::{codes, LoadOptions, Severity};

struct Case {
    name: String,
    /// (path relative to the prefix, bytes); `{P}` in text is replaced with the prefix.
    files: Vec<(String, Vec<u8>)>,
    main: String,
    /// Corpus files get the rewrite of the module docs; generated ones are written for the prefix already.
    rewrite: bool,
}

fn case(name: &str, main: &str) -> Case {
    Case {
        name: name.to_string(),
        files: vec![("main.conf".to_string(), main.as_bytes().to_vec())],
        main: "main.conf".to_string(),
        rewrite: false,
    }
}

/// A valid pool listening on a socket under the prefix, plus `extra`.
fn pool(extra: &str) -> String {
    format!("[global]\nerror_log = log/php-fpm.log\n[www]\nuser = www-data\nlisten = {{P}}/www.sock\npm = dynamic\npm.max_children = 5\npm.start_servers = 2\npm.min_spare_servers = 1\npm.max_spare_servers = 3\n{extra}\n")
}

fn pm(style: &str, lines: &str) -> String {
    format!("[www]\nuser = www-data\nlisten = {{P}}/www.sock\npm = {style}\n{lines}\n")
}

fn generated() -> Vec<Case> {
    let mut v = vec![
        case("valid-dynamic", &pool("")),
        case("valid-static", &pm("static", "pm.max_children = 3")),
        case("valid-ondemand", &pm("ondemand", "pm.max_children = 3")),
        case("no-pool", "[global]\ndaemonize = no\n"),
        case("pm-missing", "[www]\nuser = www-data\nlisten = {P}/a.sock\npm.max_children = 1\n"),
        case("no-listen", "[www]\nuser = www-data\npm = static\npm.max_children = 1\n"),
        case("listen-empty", &pool("listen =")),
        case("listen-localhost", &pool("listen = localhost")),
        case("listen-port-only", &pool("listen = 19999")),
        case("listen-bad-port", &pool("listen = 127.0.0.1:99999")),
        case("user-root", &pool("user = root")),
        case("process-priority-bad", &pool("process.priority = 21")),
        case("process-priority-ok", &pool("process.priority = -19")),
        case("slowlog-missing", &pool("request_slowlog_timeout = 5s")),
        case("slowlog-gt-terminate", &pool("slowlog = {P}/slow.log\nrequest_slowlog_timeout = 30s\nrequest_terminate_timeout = 10s")),
        case("slowlog-eq-terminate", &pool("slowlog = {P}/slow.log\nrequest_slowlog_timeout = 10s\nrequest_terminate_timeout = 10s")),
        case("trace-depth-no-slowlog", &pool("request_slowlog_trace_depth = 5")),
        case("trace-depth-negative", &pool("slowlog = {P}/slow.log\nrequest_slowlog_trace_depth = -1")),
        case("status-path-relative", &pool("pm.status_path = status")),
        case("status-path-ok", &pool("pm.status_path = /status")),
        case("ping-path-short", &pool("ping.path = /")),
        case("ping-path-chars", &pool("ping.path = \"/a b\"")),
        case("ping-response-empty", &pool("ping.path = /ping\nping.response = \"\"")),
        case("dup-listen", "[a]\nuser = www-data\nlisten = {P}/same.sock\npm = static\npm.max_children = 1\n[b]\nuser = www-data\nlisten = {P}/same.sock\npm = static\npm.max_children = 1\n"),
        case("dup-listen-relative", "[a]\nuser = www-data\nlisten = same.sock\npm = static\npm.max_children = 1\n[b]\nuser = www-data\nlisten = {P}/same.sock\npm = static\npm.max_children = 1\n"),
        case("distinct-listen", "[a]\nuser = www-data\nlisten = 127.0.0.1:19001\npm = static\npm.max_children = 1\n[b]\nuser = www-data\nlisten = localhost:19001\npm = static\npm.max_children = 1\n"),
        case("dup-key", &pool("pm.max_children = 6")),
        case("reopened-pool", "[WWW]\nuser = www-data\nlisten = {P}/a.sock\n[global]\n[www]\npm = static\npm.max_children = 2\n"),
        case("time-5M", &pool("request_terminate_timeout = 5M")),
        case("time-100ms", &pool("request_terminate_timeout = 100ms")),
        case("time-1.5m", &pool("request_terminate_timeout = 1.5m")),
        case("time-10-s", &pool("request_terminate_timeout = 10 s")),
        case("time-empty", &pool("request_terminate_timeout =")),
        case("time-negative", &pool("request_terminate_timeout = -5")),
        case("int-suffix", &pool("pm.max_requests = 5k")),
        case("int-empty", &pool("pm.max_requests =")),
        case("bool-quoted-yes", &pool("catch_workers_output = \"yes\"")),
        case("bool-quoted-TRUE", &pool("catch_workers_output = \"TRUE\"")),
        case("bool-quoted-null", &pool("catch_workers_output = \"null\"")),
        case("bool-Off", &pool("catch_workers_output = Off")),
        case("bool-2", &pool("clear_env = 2")),
        case("hash-comment", &pool("# a comment")),
        case("hash-assignment", &pool("# pm.max_children = 10")),
        case("hash-parens", &pool("# comment (x)")),
        case("hash-trailing", &pool("access.format = \"%R\" # trailing")),
        case("semicolon-mid-value", &pool("pm.process_idle_timeout = 10s;")),
        case("unknown-key", &pool("pm.max_chidlren = 5")),
        case("global-key-in-pool", &pool("log_level = debug")),
        case("pool-key-in-global", "[global]\nlisten = 9000\n[www]\nuser = www-data\nlisten = {P}/a.sock\npm = static\npm.max_children = 1\n"),
        case("include-uppercase", &pool("INCLUDE = /x")),
        case("syntax-eq", &pool("ping.path = /a=b")),
        case("syntax-bang", &pool("ping.path = /a!b")),
        case("syntax-lone-quote", &pool("ping.path = \"")),
        case("syntax-unterminated-single", &pool("ping.path = '/a")),
        case("syntax-bool-inside", &pool("ping.response = it is on")),
        case("syntax-indented-section", &pool("  [x]")),
        case("expression-ok", &pool("php_admin_value[error_reporting] = E_ALL & ~E_DEPRECATED")),
        case("expression-parens", &pool("ping.path = (/pingx)")),
        case("quoted-concat", &pool("ping.path = \"/pi\" ng")),
        case("single-quoted", &pool("ping.path = '/p;q'")),
        case("env-set", &pool("listen = ${FPM_TEST_SOCK}")),
        case("env-unset", "[www]\nuser = www-data\nlisten = ${NOPE_UNSET}\npm = static\npm.max_children = 1\n"),
        case("env-fallback-8.2", "[www]\nuser = www-data\nlisten = ${NOPE_UNSET:-{P}/x.sock}\npm = static\npm.max_children = 1\n"),
        case("env-quoted", &pool("ping.path = \"/${NOPE_UNSET}x\"")),
        case("env-unterminated", &pool("ping.path = ${HOME")),
        case("pool-var", &pool("slowlog = {P}/$pool.log")),
        case("pool-var-global", "[global]\npid = {P}/$pool.pid\n[www]\nuser = www-data\nlisten = {P}/a.sock\npm = static\npm.max_children = 1\n"),
        case("array-no-key", &pool("php_value[] = 1")),
        case("array-global", "[global]\nphp_value[memory_limit] = 1\n[www]\nuser = www-data\nlisten = {P}/a.sock\npm = static\npm.max_children = 1\n"),
        case("array-unknown", &pool("listen.foo[x] = 1")),
        case("env-empty", &pool("env[X] =")),
        case("env-none", &pool("env[X] = none")),
        case("env-ok", &pool("env[PATH] = /usr/bin")),
        case("flag-bad", &pool("php_flag[display_errors] = maybe")),
        case("flag-ok", &pool("php_flag[display_errors] = on")),
        case("suppress-ok", &pool("access.suppress_path[] = /ping")),
        case("suppress-key", &pool("access.suppress_path[a] = /ping")),
        case("suppress-relative", &pool("access.suppress_path[] = ping")),
        case("section-spaces", "[ www ]\nuser = www-data\nlisten = {P}/a.sock\npm = static\npm.max_children = 1\n"),
        case("section-empty-name", "[]\nuser = www-data\nlisten = {P}/a.sock\npm = static\npm.max_children = 1\n"),
        case("section-trailing", &pool("[x] extra")),
        case("section-unterminated", &pool("[x")),
        case("log-limit-low", "[global]\nlog_limit = 100\n[www]\nuser = www-data\nlisten = {P}/a.sock\npm = static\npm.max_children = 1\n"),
        case("process-max-negative", "[global]\nprocess.max = -1\n[www]\nuser = www-data\nlisten = {P}/a.sock\npm = static\npm.max_children = 1\n"),
        case("events-bad", "[global]\nevents.mechanism = foo\n[www]\nuser = www-data\nlisten = {P}/a.sock\npm = static\npm.max_children = 1\n"),
        case("events-poll-ondemand", "[global]\nevents.mechanism = poll\n[www]\nuser = www-data\nlisten = {P}/a.sock\npm = ondemand\npm.max_children = 1\n"),
        case("events-poll-static", "[global]\nevents.mechanism = poll\n[www]\nuser = www-data\nlisten = {P}/a.sock\npm = static\npm.max_children = 1\n"),
        case("log-level-bad", "[global]\nlog_level = loud\n[www]\nuser = www-data\nlisten = {P}/a.sock\npm = static\npm.max_children = 1\n"),
        case("syslog-facility-bad", "[global]\nsyslog.facility = nowhere\n[www]\nuser = www-data\nlisten = {P}/a.sock\npm = static\npm.max_children = 1\n"),
        case("rlimit-core-negative", &pool("rlimit_core = -1")),
        case("rlimit-core-unlimited", &pool("rlimit_core = unlimited")),
        case("listen-setfib", &pool("listen.setfib = 1")),
        case("acl-and-owner", &pool("listen.acl_users = www-data\nlisten.owner = www-data")),
        case("allowed-clients-spaces", &pool("listen.allowed_clients = 127.0.0.1, ::1")),
        case("chdir-relative", &pool("chdir = ")),
        case("chroot-prefix-not-first", &pool("chroot = jail/$prefix")),
        case("crlf", &pool("").replace('\n', "\r\n")),
        case("lone-cr", &pool("pm.max_requests = 1\rpm.max_spawn_rate = 0")),
    ];
    let mut bytes_case = case("non-utf8-value", "");
    bytes_case.files[0].1 = [pool("").as_bytes(), b"ping.response = caf\xe9\n"].concat();
    v.push(bytes_case);
    let mut nul_case = case("nul-byte", "");
    nul_case.files[0].1 = [pool("").as_bytes(), b"pm.max_requests = 5\0k\n"].concat();
    v.push(nul_case);

    // each pm bound on both sides
    let dynamic = |max: i32, start: i32, min: i32, maxs: i32| {
        pm(
            "dynamic",
            &format!("pm.max_children = {max}\npm.start_servers = {start}\npm.min_spare_servers = {min}\npm.max_spare_servers = {maxs}"),
        )
    };
    for (name, src) in [
        ("dyn-max-children-0", dynamic(0, 1, 1, 1)),
        ("dyn-max-children-1", dynamic(1, 1, 1, 1)),
        ("dyn-min-spare-0", dynamic(5, 1, 0, 3)),
        ("dyn-min-spare-1", dynamic(5, 1, 1, 3)),
        ("dyn-max-spare-0", dynamic(5, 1, 1, 0)),
        ("dyn-max-spare-gt-children", dynamic(5, 2, 1, 6)),
        ("dyn-max-spare-eq-children", dynamic(5, 2, 1, 5)),
        ("dyn-min-spare-gt-children", dynamic(5, 6, 6, 6)),
        ("dyn-max-lt-min", dynamic(5, 3, 3, 2)),
        ("dyn-max-eq-min", dynamic(5, 3, 3, 3)),
        ("dyn-start-below-min", dynamic(5, 1, 2, 3)),
        ("dyn-start-at-min", dynamic(5, 2, 2, 3)),
        ("dyn-start-above-max", dynamic(5, 4, 2, 3)),
        ("dyn-start-at-max", dynamic(5, 3, 2, 3)),
        (
            "dyn-start-unset",
            pm(
                "dynamic",
                "pm.max_children = 5\npm.min_spare_servers = 1\npm.max_spare_servers = 3",
            ),
        ),
        ("dyn-start-zero", dynamic(5, 0, 1, 3)),
        (
            "dyn-spawn-rate-0",
            format!("{}\npm.max_spawn_rate = 0", dynamic(5, 2, 1, 3)),
        ),
        (
            "dyn-spawn-rate-1",
            format!("{}\npm.max_spawn_rate = 1", dynamic(5, 2, 1, 3)),
        ),
        ("static-max-children-0", pm("static", "pm.max_children = 0")),
        ("static-max-children-1", pm("static", "pm.max_children = 1")),
        (
            "static-spares-ignored",
            pm(
                "static",
                "pm.max_children = 2\npm.start_servers = 99\npm.min_spare_servers = -1",
            ),
        ),
        (
            "ondemand-max-children-0",
            pm("ondemand", "pm.max_children = 0"),
        ),
        (
            "ondemand-idle-0",
            pm(
                "ondemand",
                "pm.max_children = 1\npm.process_idle_timeout = 0",
            ),
        ),
        (
            "ondemand-idle-1",
            pm(
                "ondemand",
                "pm.max_children = 1\npm.process_idle_timeout = 1s",
            ),
        ),
        (
            "ondemand-backlog-low",
            pm("ondemand", "pm.max_children = 1\nlisten.backlog = -5"),
        ),
    ] {
        v.push(case(name, &src));
    }

    // includes
    let mut inc = |name: &str, main: &str, files: &[(&str, &str)]| {
        let mut c = case(name, main);
        for (p, t) in files {
            c.files.push((p.to_string(), t.as_bytes().to_vec()));
        }
        v.push(c);
    };
    let pool_a = "[a]\nuser = www-data\nlisten = {P}/a.sock\npm = static\npm.max_children = 1\n";
    inc(
        "include-abs",
        "[global]\ninclude = {P}/inc/*.conf\n",
        &[("inc/a.conf", pool_a)],
    );
    inc(
        "include-relative-to-prefix",
        "[global]\ninclude = inc/*.conf\n",
        &[("inc/a.conf", pool_a)],
    );
    inc(
        "include-relative-to-file-dir",
        "[global]\ninclude = pools/*.conf\n",
        &[("etc/pools/a.conf", pool_a)],
    );
    inc(
        "include-missing-dir",
        &format!("[global]\ninclude = {{P}}/nope/*.conf\n{pool_a}"),
        &[],
    );
    inc(
        "include-nothing-matches",
        &format!("[global]\ninclude = {{P}}/inc/*.conf\n{pool_a}"),
        &[("inc/readme.txt", "")],
    );
    inc(
        "include-literal-missing",
        &format!("[global]\ninclude = {{P}}/none.conf\n{pool_a}"),
        &[],
    );
    inc(
        "include-dir-skipped",
        &format!("[global]\ninclude = {{P}}/inc/*\n{pool_a}"),
        &[("inc/sub/x.conf", "garbage = 1\n")],
    );
    inc(
        "include-section-carry",
        "[a]\nuser = www-data\nlisten = {P}/a.sock\npm = static\ninclude = {P}/inc/x.conf\n",
        &[("inc/x.conf", "pm.max_children = 2\n")],
    );
    inc(
        "include-bad-file",
        "[global]\ninclude = {P}/inc/*.conf\n",
        &[("inc/a.conf", "[a]\nbogus = 1\n")],
    );
    let chain = |n: usize| -> Vec<(String, String)> {
        (1..=n)
            .map(|i| {
                let next = if i < n { format!("include = {{P}}/c{}.conf\n", i + 1) } else { String::new() };
                (format!("c{i}.conf"), format!("[p{i}]\nuser = www-data\nlisten = {{P}}/p{i}.sock\npm = static\npm.max_children = 1\n{next}"))
            })
            .collect()
    };
    for (name, n) in [("include-depth-4", 4), ("include-depth-5", 5)] {
        let files = chain(n);
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        inc(name, "include = {P}/c1.conf\n", &refs);
    }
    v
}

/// The FPM files of the corpus, as cases (rewritten as the module docs say).
fn corpus_cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let read = |rel: &str| std::fs::read(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let mut v = Vec::new();
    let mut one = |name: &str, main: &str, extra: &[(&str, &str)]| {
        let mut c = Case {
            name: name.to_string(),
            files: vec![("main.conf".to_string(), read(main))],
            main: "main.conf".to_string(),
            rewrite: true,
        };
        for (dst, src) in extra {
            c.files.push((dst.to_string(), read(src)));
        }
        v.push(c);
    };
    let singles = [
        "TrafeX__docker-php-nginx/config/fpm-pool.conf",
        "docker-library__php/8.2/alpine3.23/fpm/Dockerfile.extracted/php-fpm.d/docker.conf",
        "docker-library__php/8.2/alpine3.23/fpm/Dockerfile.extracted/php-fpm.d/zz-docker.conf",
        "docker-library__php/8.6-rc/alpine3.23/fpm/Dockerfile.extracted/php-fpm.d/zz-docker.conf",
        "php__php-src/sapi/fpm/www.conf.in",
        "nginxinc__NGINX-Demos/nginx-swarm-demo/phpfpmbase/www.conf",
        "webdevops__Dockerfile/provisioning/php/alpine/etc/php/fpm/pool.d/application.conf",
        "markshust__docker-magento/images/php/8.1/conf/php-fpm.conf",
        "sclorg-distgit__php/branches/sig-sclo6-php54-rh/php-fpm-www.conf",
        "sclorg-distgit__php/branches/sig-sclo6-php55-rh/php-fpm-www.conf",
        "sclorg-distgit__php/branches/sig-sclo6-rh-php56-rh/php-fpm-www.conf",
        "sclorg-distgit__php/branches/sig-sclo6-rh-php70-rh/php-fpm-www.conf",
        "sclorg-distgit__php/branches/sig-sclo7-rh-php71-rh/php-fpm-www.conf",
        "sclorg-distgit__php/branches/sig-sclo7-rh-php72-rh/php-fpm-www.conf",
        "devilbox__docker-php-fpm/Dockerfiles/base/data/php-fpm.conf/php-fpm-5.2.conf",
        "devilbox__docker-php-fpm/Dockerfiles/slim/data/php-fpm.conf/php-fpm-5.2.conf",
    ];
    for s in singles {
        one(s, s, &[]);
    }
    // main files with the pools they include, as installed
    one(
        "php-src php-fpm.conf.in + www.conf.in",
        "php__php-src/sapi/fpm/php-fpm.conf.in",
        &[("inc/www.conf", "php__php-src/sapi/fpm/www.conf.in")],
    );
    one(
        "official image: php-src defaults + docker.conf + zz-docker.conf",
        "php__php-src/sapi/fpm/php-fpm.conf.in",
        &[
            ("inc/docker.conf", "docker-library__php/8.2/alpine3.23/fpm/Dockerfile.extracted/php-fpm.d/docker.conf"),
            ("inc/www.conf", "php__php-src/sapi/fpm/www.conf.in"),
            ("inc/zz-docker.conf", "docker-library__php/8.2/alpine3.23/fpm/Dockerfile.extracted/php-fpm.d/zz-docker.conf"),
        ],
    );
    one(
        "webdevops php-fpm.conf + pool.d",
        "webdevops__Dockerfile/provisioning/php/alpine/etc/php/fpm/php-fpm.conf",
        &[(
            "inc/application.conf",
            "webdevops__Dockerfile/provisioning/php/alpine/etc/php/fpm/pool.d/application.conf",
        )],
    );
    for b in [
        "sig-sclo6-php54-rh",
        "sig-sclo6-rh-php56-rh",
        "sig-sclo7-rh-php72-rh",
    ] {
        let main = format!("sclorg-distgit__php/branches/{b}/php-fpm.conf");
        let www = format!("sclorg-distgit__php/branches/{b}/php-fpm-www.conf");
        one(&main, &main, &[("inc/www.conf", &www)]);
    }
    for f in ["php-fpm-5.3.conf", "php-fpm-5.4.conf"] {
        let p = format!("devilbox__docker-php-fpm/Dockerfiles/base/data/php-fpm.conf/{f}");
        one(&p, &p, &[]);
    }
    v
}

/// Moves a case's absolute paths under the prefix and names known users (see the module docs).
fn rewrite(bytes: &[u8], prefix: &Path) -> Vec<u8> {
    let p = prefix.display().to_string();
    let mut out = Vec::new();
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        let text = String::from_utf8_lossy(line);
        let trimmed = text.trim_start();
        if trimmed.starts_with(';') || !text.contains('=') || std::str::from_utf8(line).is_err() {
            out.extend_from_slice(line);
            continue;
        }
        let (key, value) = text.split_once('=').unwrap_or((&text, ""));
        let k = key.trim().to_ascii_lowercase();
        let eol = if value.ends_with("\r\n") {
            "\r\n"
        } else if value.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        let v = value.trim();
        let new_value = if matches!(
            k.as_str(),
            "user" | "group" | "listen.owner" | "listen.group"
        ) && !v.is_empty()
            && v != "root"
            && !v.contains('{')
        {
            "www-data".to_string()
        } else if k == "include" && v.starts_with('/') {
            let file = v.rsplit('/').next().unwrap_or("*.conf");
            format!("{p}/inc/{file}")
        } else if v.starts_with("@php_fpm_sysconfdir@") && k == "include" {
            format!("{p}/inc/*.conf")
        } else if v.starts_with('/')
            && !v.starts_with("/proc/")
            && !v.starts_with("/dev/")
            && !v.starts_with("{P}")
        {
            let moved = format!("{p}{v}");
            let target = PathBuf::from(&moved);
            if k == "chdir" || k == "chroot" || k == "prefix" {
                let _ = std::fs::create_dir_all(&target);
            } else if let Some(parent) = target.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            moved
        } else {
            v.to_string()
        };
        let new_value = new_value
            .replace("@php_fpm_user@", "www-data")
            .replace("@php_fpm_group@", "www-data");
        out.extend_from_slice(format!("{key}= {new_value}{eol}").as_bytes());
    }
    out
}

fn materialize(c: &Case, prefix: &Path) -> PathBuf {
    std::fs::create_dir_all(prefix.join("log")).expect("log dir");
    std::fs::create_dir_all(prefix.join("inc")).expect("inc dir");
    std::fs::create_dir_all(prefix.join("etc")).expect("etc dir");
    let p = prefix.display().to_string();
    for (rel, bytes) in &c.files {
        let path = prefix.join(rel);
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        let replaced: Vec<u8> = match std::str::from_utf8(bytes) {
            Ok(s) => s.replace("{P}", &p).into_bytes(),
            Err(_) => {
                // only ASCII placeholders are replaced in non-UTF-8 files
                let s = String::from_utf8_lossy(bytes);
                if s.contains("{P}") {
                    let mut out = Vec::new();
                    let mut rest: &[u8] = bytes;
                    while let Some(i) = rest.windows(3).position(|w| w == b"{P}") {
                        out.extend_from_slice(&rest[..i]);
                        out.extend_from_slice(p.as_bytes());
                        rest = &rest[i + 3..];
                    }
                    out.extend_from_slice(rest);
                    out
                } else {
                    bytes.clone()
                }
            }
        };
        let content = if c.rewrite {
            rewrite(&replaced, prefix)
        } else {
            replaced
        };
        std::fs::write(&path, content).expect("write case file");
    }
    prefix.join(&c.main)
}

/// ngxlint's verdict, its diagnostics as lines, and the php-fpm words its errors quote.
fn ngxlint_fails(main: &Path, prefix: &Path) -> (bool, Vec<String>, Vec<String>) {
    let opts = LoadOptions {
        fpm_prefix: prefix.to_path_buf(),
        env: Some(env()),
        allow_root: true,
        ..LoadOptions::default()
    };
    let cfg = fpm_ini::load(main, &opts, &FsVfs);
    common::assert_voice(&cfg);
    let refusals = cfg
        .diagnostics
        .iter()
        .filter_map(|d| match fpm_ini::quoted(&d.message) {
            Some((fpm_ini::Says::Refuses, words)) => Some(words.to_string()),
            _ => None,
        })
        .collect();
    let lines = cfg
        .diagnostics
        .iter()
        .map(|d| {
            let (l, col) = cfg.files[d.file].line_col(d.span.start);
            format!(
                "{}:{l}:{col}: {:?}: {} [{}]",
                cfg.files[d.file].path.display(),
                d.severity,
                d.message,
                d.code
            )
        })
        .collect();
    let fails = cfg
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && !codes::START_ONLY.contains(&d.code));
    (fails, lines, refusals)
}

#[test]
fn verdicts_match_php_fpm() {
    let Some(bin) = php_fpm_or_skip("verdicts_match_php_fpm") else {
        return;
    };
    let tmp = TempDir::new("differential");
    let mut cases = generated();
    let generated_count = cases.len();
    cases.extend(corpus_cases());
    let mut mismatches = Vec::new();
    let (mut both_fail, mut both_pass) = (0, 0);
    for (i, c) in cases.iter().enumerate() {
        let prefix = tmp.path().join(format!("c{i:03}"));
        let main = materialize(c, &prefix);
        let (php_ok, php_out) = php_fpm_t(&bin, &main, &prefix, true);
        let (we_fail, ours, refusals) = ngxlint_fails(&main, &prefix);
        if std::env::var_os("FPM_DIFF_VERBOSE").is_some() {
            let first = php_out
                .lines()
                .find(|l| l.contains("ERROR") || l.contains("ALERT") || l.contains("PHP:"))
                .unwrap_or("");
            eprintln!(
                "{:<60} php-fpm {} | ngxlint {} | {}",
                c.name,
                if php_ok { "ok  " } else { "FAIL" },
                if we_fail { "FAIL" } else { "ok  " },
                first.trim()
            );
        }
        // php-fpm stops at its first error; ngxlint reports them all: one of ngxlint's quotes
        // must be php-fpm's very words.
        let words_found =
            php_ok || refusals.is_empty() || refusals.iter().any(|w| php_out.contains(w.as_str()));
        if php_ok != we_fail && words_found {
            if php_ok {
                both_pass += 1;
            } else {
                both_fail += 1;
            }
        } else {
            mismatches.push(format!(
                "== {} ({}): php-fpm -t {}, ngxlint {}{}\n-- php-fpm:\n{}\n-- ngxlint:\n{}\n",
                c.name,
                main.display(),
                if php_ok { "passes" } else { "fails" },
                if we_fail { "fails" } else { "passes" },
                if words_found {
                    ""
                } else {
                    " (php-fpm logs none of the words ngxlint quotes)"
                },
                php_out.trim(),
                ours.join("\n")
            ));
        }
    }
    eprintln!(
        "differential: {} cases ({} generated, {} corpus): {} both pass, {} both fail, {} mismatches",
        cases.len(),
        generated_count,
        cases.len() - generated_count,
        both_pass,
        both_fail,
        mismatches.len()
    );
    assert!(
        both_pass > 10 && both_fail > 10,
        "the cases must cover both verdicts"
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
