//! The first run on the repositories people really have: what is nginx, what is PHP-FPM, what is
//! neither, read the way the servers read them, and quiet on configurations that work.
//!
//! `testdata/repos/` holds repository-shaped fixtures written for these tests (an official-image
//! Compose stack, a Debian `/etc` kept by etckeeper, an Alpine image's `/etc`, a monorepo of
//! stacks); each is copied, its symbolic links made as the packages make them (`LINKS`), and
//! checked. The last test copies the real `/etc/nginx` and `/etc/php` of the machine's own nginx and
//! php-fpm packages (CI installs them) with an Apache vhost, a systemd drop-in and a supervisor
//! program beside them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repos() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/repos")
}

struct Tmp(PathBuf);

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `cp -a`: files, folders and symbolic links as they are.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let t = e.file_type().unwrap();
        if t.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if t.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// An empty git repository of its own (tests run in parallel and change their trees).
fn fresh(tag: &str) -> Tmp {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ngxlint-repos-{}-{n}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    Tmp(dir)
}

impl Tmp {
    /// Writes `text` to the file at `rel`, with its folders.
    fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Makes `rel` a symbolic link to `target` (as written), with its folders.
    fn link(&self, rel: &str, target: &str) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, p).unwrap();
    }
}

/// A copy of a fixture in a fresh git repository, with its `LINKS` made.
fn checkout(name: &str) -> Tmp {
    let t = fresh(name);
    let dir = t.0.clone();
    copy_tree(&repos().join(name), &dir);
    if let Ok(links) = std::fs::read_to_string(dir.join("LINKS")) {
        for line in links.lines().filter(|l| !l.trim().is_empty()) {
            let (link, target) = line.split_once(' ').unwrap();
            let link = dir.join(link);
            std::fs::create_dir_all(link.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(target, &link).unwrap();
        }
    }
    t
}

fn ngxlint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// What `--list-files --format json` says of each file: path → (kind, why).
fn kinds(dir: &Path) -> std::collections::BTreeMap<String, (String, String)> {
    let o = ngxlint(dir, &["check", "--list-files", "--format", "json", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                (
                    f["kind"].as_str().unwrap().to_string(),
                    f["why"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

fn kind_of(k: &std::collections::BTreeMap<String, (String, String)>, path: &str) -> String {
    k.get(path)
        .map(|(kind, _)| kind.clone())
        .unwrap_or_else(|| panic!("{path} is not listed: {k:#?}"))
}

/// The fixture is quiet (nothing at warning or error level, exit 0) and says exactly its
/// `expected.txt`.
fn quiet(name: &str) -> Tmp {
    let t = checkout(name);
    let o = ngxlint(&t.0, &["check", "--format", "concise", "."]);
    let out = stdout(&o);
    let expected = std::fs::read_to_string(repos().join(name).join("expected.txt")).unwrap();
    assert_eq!(out, expected, "{name}: concise output differs");
    assert!(
        !out.contains(": error:") && !out.contains(": warning:"),
        "{name}: {out}"
    );
    assert_eq!(o.status.code(), Some(0), "{name}: {out}{}", stderr(&o));
    t
}

#[test]
fn official_image_stack_is_read_as_the_images_read_it() {
    let t = quiet("docker-php-nginx");
    let k = kinds(&t.0);
    for (path, kind) in [
        ("nginx/conf/nginx.conf", "nginx-main"),
        ("nginx/templates/default.conf.template", "nginx"),
        ("php/php-fpm.conf", "fpm-main"),
        ("php/php-fpm.d/docker.conf", "fpm-pool"),
        ("php/php-fpm.d/www.conf", "fpm-pool"),
        ("php/php-fpm.d/zz-docker.conf", "fpm-pool"),
        ("php/php-fpm.d/healthcheck.sh", "not-config"),
        ("php/php-fpm.d/www.conf.default", "skipped"),
        ("php/conf.d/app.ini", "skipped"),
        ("supervisor/queue.conf", "not-config"),
        ("docker-compose.yml", "skipped"),
    ] {
        assert_eq!(kind_of(&k, path), kind, "{path}: {:?}", k.get(path));
    }
    // The nginx image renders templates/ into conf.d/: the main config's glob reads the template.
    assert!(
        k["nginx/templates/default.conf.template"]
            .1
            .contains("included by nginx/conf/nginx.conf:25"),
        "{:?}",
        k["nginx/templates/default.conf.template"]
    );
    // The php image's include order: zz-docker.conf's `listen = 9000` wins over www.conf's.
    // nginx passing to what www.conf alone says is the image's classic 502.
    let tpl = t.0.join("nginx/templates/default.conf.template");
    let text = std::fs::read_to_string(&tpl).unwrap();
    std::fs::write(
        &tpl,
        text.replace(
            "fastcgi_pass php:9000;",
            "fastcgi_pass unix:/run/php/www.sock;",
        ),
    )
    .unwrap();
    let www = t.0.join("php/php-fpm.d/www.conf");
    let text = std::fs::read_to_string(&www).unwrap();
    std::fs::write(
        &www,
        text.replace("listen = 127.0.0.1:9000", "listen = /run/php/www.sock"),
    )
    .unwrap();
    let o = ngxlint(&t.0, &["check", "--format", "json", "."]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ngx301: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "NGX301")
        .collect();
    assert_eq!(ngx301.len(), 1, "{v:#}");
    assert_eq!(
        ngx301[0]["help"],
        "use `fastcgi_pass 127.0.0.1:9000;` (pool [www])"
    );
    assert_eq!(
        ngx301[0]["related"][0]["file"], "php/php-fpm.d/zz-docker.conf",
        "{:#}",
        ngx301[0]
    );
}

#[test]
fn debian_etc_with_absolute_links_and_other_services() {
    let t = quiet("debian-etc");
    let k = kinds(&t.0);
    for (path, kind) in [
        ("etc/nginx/nginx.conf", "nginx-main"),
        ("etc/nginx/sites-enabled/shop", "nginx"),
        ("etc/nginx/sites-available/shop", "nginx"),
        ("etc/nginx/sites-available/old-blog", "nginx"),
        ("etc/nginx/snippets/fastcgi-php.conf", "nginx"),
        (
            "etc/nginx/modules-enabled/50-mod-http-echo.conf",
            "unreadable",
        ),
        ("etc/php/8.2/fpm/php-fpm.conf", "fpm-main"),
        ("etc/php/8.2/fpm/pool.d/www.conf", "fpm-pool"),
        ("etc/php/8.2/fpm/php.ini", "skipped"),
        ("etc/php/8.2/fpm/conf.d/10-opcache.ini", "skipped"),
        ("etc/apache2/sites-available/000-default.conf", "not-config"),
        ("etc/apache2/ports.conf", "not-config"),
        (
            "etc/systemd/system/php8.2-fpm.service.d/override.conf",
            "not-config",
        ),
        ("etc/supervisor/conf.d/worker.conf", "not-config"),
        ("etc/supervisor/supervisord.conf", "not-config"),
        ("etc/dovecot/dovecot.conf", "not-config"),
        ("etc/dovecot/conf.d/10-master.conf", "not-config"),
        ("etc/rspamd/local.d/redis.conf", "not-config"),
        ("etc/syslog-ng/syslog-ng.conf", "not-config"),
        ("etc/vsftpd.conf", "not-config"),
        (
            "etc/letsencrypt/renewal/shop.example.com.conf",
            "not-config",
        ),
        ("etc/postfix/main.cf", "skipped"),
    ] {
        assert_eq!(kind_of(&k, path), kind, "{path}: {:?}", k.get(path));
    }
    // `sites-enabled/shop -> /etc/nginx/sites-available/shop` is read from the repository, where
    // nginx.conf's glob includes it, and the snippet it includes is judged there.
    assert!(k["etc/nginx/sites-enabled/shop"]
        .1
        .starts_with("a link to etc/nginx/sites-available/shop"));
    assert!(k["etc/nginx/snippets/fastcgi-php.conf"]
        .1
        .contains("included by etc/nginx/sites-available/shop:12"));
    // The echo module's directive is known: the modules-enabled link names its module.
    assert!(!stdout(&ngxlint(&t.0, &["check", "--format", "concise", "."])).contains("NGX002"));
}

#[test]
fn alpine_image_etc() {
    let t = quiet("alpine-image");
    let k = kinds(&t.0);
    for (path, kind) in [
        ("etc/nginx/nginx.conf", "nginx-main"),
        ("etc/nginx/http.d/default.conf", "nginx"),
        ("etc/nginx/modules/10_http_headers_more.conf", "nginx"),
        ("etc/php83/php-fpm.conf", "fpm-main"),
        ("etc/php83/php-fpm.d/www.conf", "fpm-pool"),
        ("etc/php83/conf.d/custom.ini", "skipped"),
        ("etc/supervisor.d/services.ini", "skipped"),
        ("etc/periodic/daily/cleanup", "skipped"),
    ] {
        assert_eq!(kind_of(&k, path), kind, "{path}: {:?}", k.get(path));
    }
}

#[test]
fn monorepo_pairs_each_nginx_with_its_own_stack() {
    let t = quiet("monorepo");
    let k = kinds(&t.0);
    for (path, kind) in [
        ("stacks/shop/nginx/nginx.conf", "nginx-main"),
        ("stacks/shop/php/php-fpm.conf", "fpm-main"),
        ("stacks/blog/php-fpm.d/www.conf", "fpm-pool"),
        ("stacks/static/nginx/conf.d/site.conf", "nginx"),
        (
            "infra/ansible/roles/nginx/templates/site.conf.j2",
            "skipped",
        ),
        (
            "infra/ansible/roles/nginx/templates/upstream.conf",
            "not-config",
        ),
        ("infra/k8s/nginx-configmap.yaml", "skipped"),
        ("stacks/shop/nginx/conf.d/dev.local.conf", "skipped"),
    ] {
        assert_eq!(kind_of(&k, path), kind, "{path}: {:?}", k.get(path));
    }
    // Gitignored: not read through the include glob either, as on a fresh checkout.
    assert_eq!(
        k["stacks/shop/nginx/conf.d/dev.local.conf"].1,
        "ignored by .gitignore"
    );
    assert!(!k.keys().any(|p| p.contains("vendor/")), "{k:#?}");

    // The blog's nginx passes to the shop's socket: its own stack's pool listens on 9001. The
    // finding names the blog's pool, never the shop's; the static site has no pool to compare with.
    let conf = t.0.join("stacks/blog/nginx/nginx.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(
        &conf,
        text.replace(
            "fastcgi_pass 127.0.0.1:9001;",
            "fastcgi_pass unix:/run/php/shop.sock;",
        ),
    )
    .unwrap();
    let o = ngxlint(&t.0, &["check", "--format", "concise", "."]);
    let out = stdout(&o);
    assert_eq!(
        out.lines().filter(|l| l.contains("[NGX301]")).collect::<Vec<_>>(),
        ["stacks/blog/nginx/nginx.conf:15:26: error: fastcgi_pass `unix:/run/php/shop.sock` matches no PHP-FPM pool [NGX301]"],
        "{out}"
    );
    let o = ngxlint(&t.0, &["check", "--format", "json", "."]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "NGX301")
        .unwrap();
    assert_eq!(
        d["help"],
        "use `fastcgi_pass 127.0.0.1:9001;` (pool [blog])"
    );
}

#[test]
fn named_paths_are_linted_for_what_they_hold_and_never_a_silent_green() {
    let t = checkout("debian-etc");
    // PHP's php.ini named on the command line: said on stderr, in every format; nothing fails.
    for format in ["pretty", "concise", "json", "sarif", "github", "gitlab"] {
        let o = ngxlint(
            &t.0,
            &["check", "--format", format, "etc/php/8.2/fpm/php.ini"],
        );
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("`etc/php/8.2/fpm/php.ini` is not nginx or PHP-FPM configuration: PHP's own ini settings"),
            "{format}: {}",
            stderr(&o)
        );
    }
    // A folder with nothing of either.
    let o = ngxlint(&t.0, &["check", "--format", "json", "etc/apache2"]);
    assert!(
        stderr(&o).contains("no nginx or PHP-FPM configuration found in `etc/apache2`"),
        "{}",
        stderr(&o)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0);
    // A sample named on the command line is linted as what it is (a walk passes it over).
    std::fs::write(
        t.0.join("etc/nginx/nginx.conf.sample"),
        "events {}\nhttp {\n    server {\n        listen 80;\n        sendfile_typo on;\n    }\n}\n",
    )
    .unwrap();
    let o = ngxlint(
        &t.0,
        &[
            "check",
            "--format",
            "concise",
            "etc/nginx/nginx.conf.sample",
        ],
    );
    assert!(
        stdout(&o).contains(
            "etc/nginx/nginx.conf.sample:5:9: error: unknown directive \"sendfile_typo\" [NGX002]"
        ),
        "{}",
        stdout(&o)
    );
    let o = ngxlint(&t.0, &["check", "--format", "concise", "."]);
    assert!(!stdout(&o).contains("sendfile_typo"), "{}", stdout(&o));
    // A file that does not look like a configuration file by its name, named: its content decides.
    std::fs::write(
        t.0.join("site.cfg"),
        "server {\n    listen 80;\n    root /srv;\n}\n",
    )
    .unwrap();
    let o = ngxlint(&t.0, &["check", "--list-files", "site.cfg"]);
    assert!(stdout(&o).starts_with("nginx "), "{}", stdout(&o));
}

#[test]
fn two_stacks_mounting_the_same_server_paths_each_read_their_own_files() {
    // Two compose stacks, each mounted at /etc/nginx and /usr/local/etc (the official images'
    // paths): each main config's absolute includes are its own stack's folders, whichever stack
    // is read first.
    let t = fresh("stacks");
    let write = |rel: &str, text: &str| t.write(rel, text);
    for (stack, port) in [("admin", 9001), ("shop", 9002)] {
        write(
            &format!("services/{stack}/nginx/nginx.conf"),
            &format!(
                "events {{}}\nhttp {{\n    log_format {stack}fmt '$remote_addr $upstream_addr $upstream_status $upstream_response_time';\n    access_log /var/log/nginx/access.log {stack}fmt;\n    include /etc/nginx/conf.d/*.conf;\n}}\n"
            ),
        );
        write(
            &format!("services/{stack}/nginx/conf.d/default.conf"),
            &format!(
                "server {{\n    listen 80 default_server;\n    access_log /var/log/nginx/{stack}.log {stack}fmt;\n    location ~ \\.php$ {{\n        fastcgi_buffer_size 16k;\n        fastcgi_buffers 8 16k;\n        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n        fastcgi_pass php:{port};\n    }}\n}}\n"
            ),
        );
        write(
            &format!("services/{stack}/php/php-fpm.conf"),
            "[global]\ninclude=/usr/local/etc/php-fpm.d/*.conf\n",
        );
        write(
            &format!("services/{stack}/php/php-fpm.d/www.conf"),
            &format!("[www]\nuser = www-data\ngroup = www-data\nlisten = {port}\npm = static\npm.max_children = 4\n"),
        );
    }
    let o = ngxlint(&t.0, &["check", "--format", "concise", "."]);
    assert_eq!(stdout(&o), "", "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let k = kinds(&t.0);
    for stack in ["admin", "shop"] {
        let (_, why) = &k[&format!("services/{stack}/nginx/conf.d/default.conf")];
        assert!(
            why.ends_with(&format!("included by services/{stack}/nginx/nginx.conf:5")),
            "{stack}: {why}"
        );
        let (_, why) = &k[&format!("services/{stack}/php/php-fpm.d/www.conf")];
        assert!(
            why.ends_with(&format!("included by services/{stack}/php/php-fpm.conf:2")),
            "{stack}: {why}"
        );
    }
}

#[test]
fn the_php_images_overrides_beside_a_pool_are_read_with_it() {
    // A Kubernetes repository keeps the official php:fpm image's `zz-docker.conf` beside its
    // pool, in a folder not named `php-fpm.d`; the image copies both there and php-fpm reads them
    // as one `[www]` (`php-fpm -t` passes).
    let t = checkout("monorepo");
    let dir = t.0.join("k8s/php-fpm");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("www.conf"),
        "[www]\nuser = www-data\ngroup = www-data\nlisten = 127.0.0.1:9000\npm = dynamic\npm.max_children = 10\npm.start_servers = 3\npm.min_spare_servers = 2\npm.max_spare_servers = 5\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("zz-docker.conf"),
        "[global]\ndaemonize = no\n\n[www]\nlisten = 9000\n",
    )
    .unwrap();
    let o = ngxlint(
        &t.0,
        &["check", "--format", "concise", "--select", "FPM", "k8s"],
    );
    // The image's own override of `listen`, said as what it is; no pool without `pm` or `user`.
    assert_eq!(
        stdout(&o),
        "k8s/php-fpm/www.conf:4:1: info: `listen` of pool [www] is set again in `zz-docker.conf`, which php-fpm reads later: that value is the one in effect [FPM015]\n",
        "{}",
        stderr(&o)
    );
    let k = kinds(&t.0);
    assert_eq!(kind_of(&k, "k8s/php-fpm/zz-docker.conf"), "fpm-pool");
    assert_eq!(kind_of(&k, "k8s/php-fpm/www.conf"), "fpm-pool");
    // A main config by its name stays one.
    std::fs::write(
        dir.join("php-fpm.conf"),
        "[global]\nerror_log = /proc/self/fd/2\n",
    )
    .unwrap();
    assert_eq!(
        kind_of(&kinds(&t.0), "k8s/php-fpm/php-fpm.conf"),
        "fpm-main"
    );
}

#[test]
fn kqueue_is_linuxs_error_only_where_the_layout_is_linuxs() {
    let t = fresh("kqueue");
    let write = |rel: &str, text: &str| t.write(rel, text);
    let main = "[global]\npid = run/php-fpm.pid\nevents.mechanism = kqueue\ninclude=/usr/local/etc/php-fpm.d/*.conf\n";
    let pool = "[www]\nuser = www\ngroup = www\nlisten = 127.0.0.1:9000\npm = static\npm.max_children = 2\n";
    // FreeBSD: nginx and php-fpm both under /usr/local/etc, where kqueue is the native choice.
    write("freebsd/usr/local/etc/php-fpm.conf", main);
    write("freebsd/usr/local/etc/php-fpm.d/www.conf", pool);
    write(
        "freebsd/usr/local/etc/nginx/nginx.conf",
        "events { use kqueue; }\nhttp {\n    server {\n        listen 80;\n        location ~ \\.php$ {\n            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n            fastcgi_pass 127.0.0.1:9000;\n        }\n    }\n}\n",
    );
    // The official php image: the same paths on Linux, where php-fpm refuses kqueue.
    write("docker-php/usr/local/etc/php-fpm.conf", main);
    write("docker-php/usr/local/etc/php-fpm.d/www.conf", pool);
    let fpm058 = |dir: &str| {
        let o = ngxlint(
            &t.0,
            &["check", "--format", "concise", "--select", "FPM058", dir],
        );
        stdout(&o)
    };
    assert_eq!(fpm058("freebsd"), "");
    assert_eq!(
        fpm058("docker-php"),
        "docker-php/usr/local/etc/php-fpm.conf:3:20: error: event mechanism `kqueue` does not exist on Linux: php-fpm refuses to start with `event mechanism 'kqueue' is not available on this system` [FPM058]\n"
    );
}

#[test]
fn a_disabled_site_is_not_matched_with_the_pools() {
    // A hosting panel keeps a disabled site in `sites-available/` without its link, its pool
    // removed: nginx never loads it, so its `fastcgi_pass` meets no pool and that is no error.
    let t = fresh("disabled-site");
    t.write(
        "etc/nginx/nginx.conf",
        "events {}\nhttp {\n    include /etc/nginx/sites-enabled/*;\n}\n",
    );
    let site = |sock: &str| {
        format!("server {{\n    listen 80;\n    location ~ \\.php$ {{\n        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n        fastcgi_pass unix:/run/php/{sock}.sock;\n    }}\n}}\n")
    };
    t.write("etc/nginx/sites-available/live.conf", &site("php8.2-fpm"));
    t.write("etc/nginx/sites-available/old.conf", &site("php7.4-fpm"));
    t.link(
        "etc/nginx/sites-enabled/live.conf",
        "../sites-available/live.conf",
    );
    t.write(
        "etc/php/8.2/fpm/pool.d/www.conf",
        "[www]\nuser = www-data\ngroup = www-data\nlisten = /run/php/php8.2-fpm.sock\nlisten.owner = www-data\nlisten.group = www-data\npm = static\npm.max_children = 4\n",
    );
    let ngx301 = || {
        stdout(&ngxlint(
            &t.0,
            &["check", "--format", "concise", "--select", "NGX301", "."],
        ))
    };
    assert_eq!(ngx301(), "");
    // Enabled, it is read and judged.
    t.link(
        "etc/nginx/sites-enabled/old.conf",
        "../sites-available/old.conf",
    );
    assert!(
        ngx301().starts_with("etc/nginx/sites-available/old.conf:5:22: error: fastcgi_pass `unix:/run/php/php7.4-fpm.sock` matches no PHP-FPM pool [NGX301]"),
        "{}",
        ngx301()
    );
}

#[test]
fn the_listing_shows_files_an_include_reads_that_the_walk_passes_over() {
    // Magento's way: its `nginx.conf.sample` is included where it lies; a site named after its
    // domain, enabled by a link.
    let t = checkout("debian-etc");
    t.write(
        "etc/nginx/sites-available/example.com",
        "server {\n    listen 8081;\n    include /var/www/shop/nginx.conf.sample;\n}\n",
    );
    t.link(
        "etc/nginx/sites-enabled/example.com",
        "../sites-available/example.com",
    );
    t.write(
        "var/www/shop/nginx.conf.sample",
        "root /var/www/shop/pub;\nautoindex on;\n",
    );
    let k = kinds(&t.0);
    for path in [
        "etc/nginx/sites-available/example.com",
        "etc/nginx/sites-enabled/example.com",
        "var/www/shop/nginx.conf.sample",
    ] {
        let (kind, why) = &k[path];
        assert_eq!(kind, "nginx", "{path}: {why}");
        assert!(why.starts_with("not read on its own ("), "{path}: {why}");
    }
    assert!(
        k["var/www/shop/nginx.conf.sample"]
            .1
            .ends_with("included by etc/nginx/sites-available/example.com:3"),
        "{:?}",
        k["var/www/shop/nginx.conf.sample"]
    );
    // The listing says what the check does: the sample's findings are reported.
    let o = ngxlint(&t.0, &["check", "--format", "concise", "."]);
    assert!(
        stdout(&o)
            .lines()
            .any(|l| l.starts_with("var/www/shop/nginx.conf.sample:2:1: ")
                && l.ends_with("[NGX205]")),
        "{}",
        stdout(&o)
    );
}

#[test]
fn paths_include_and_exclude_in_the_configuration() {
    let t = checkout("monorepo");
    std::fs::write(
        t.0.join("ngxlint.toml"),
        "[paths]\ninclude = [\"deploy/*.cfg\"]\nexclude = [\"stacks/static\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(t.0.join("deploy")).unwrap();
    std::fs::write(
        t.0.join("deploy/edge.cfg"),
        "server {\n    listen 80;\n    proxy_read_timout 5s;\n}\n",
    )
    .unwrap();
    let k = kinds(&t.0);
    assert_eq!(kind_of(&k, "deploy/edge.cfg"), "nginx");
    assert!(
        !k.keys().any(|p| p.starts_with("stacks/static/")),
        "excluded folders are not walked: {k:#?}"
    );
    let o = ngxlint(&t.0, &["check", "--format", "concise", "."]);
    assert!(
        stdout(&o).contains("deploy/edge.cfg:3:5: error: unknown directive \"proxy_read_timout\""),
        "{}",
        stdout(&o)
    );
    // A named file that the configuration excludes is said to be excluded.
    let o = ngxlint(
        &t.0,
        &[
            "check",
            "--format",
            "concise",
            "stacks/static/nginx/conf.d/site.conf",
        ],
    );
    assert!(
        stderr(&o).contains("excluded by `[paths] exclude` `stacks/static`"),
        "{}",
        stderr(&o)
    );
}

/// A binary the CI installs: present, or (under `CI`) a failure.
fn have(bin: &str) -> bool {
    let found = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .any(|d| Path::new(d).join(bin).exists());
    if !found && std::env::var_os("CI").is_some() {
        panic!("{bin} is missing, and CI is set: .ci/run installs it");
    }
    found
}

#[test]
fn the_packages_own_etc_copied_into_a_repository() {
    if !have("nginx") {
        return;
    }
    let Some(php) = std::fs::read_dir("/etc/php").ok().and_then(|d| {
        d.flatten()
            .map(|e| e.path())
            .find(|p| p.join("fpm/php-fpm.conf").is_file())
    }) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "php-fpm's /etc/php/X.Y/fpm is missing, and CI is set"
        );
        return;
    };
    let version = php.file_name().unwrap().to_string_lossy().into_owned();
    let fpm = format!("/usr/sbin/php-fpm{version}");
    // The machine's own configuration is one that both servers accept.
    let ok = Command::new("/usr/sbin/nginx").arg("-t").output().unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    if Path::new(&fpm).exists() {
        let ok = Command::new(&fpm).arg("-t").output().unwrap();
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
    }
    let dir = std::env::temp_dir().join(format!("ngxlint-repos-{}-etc", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let t = Tmp(dir.clone());
    copy_tree(Path::new("/etc/nginx"), &dir.join("etc/nginx"));
    copy_tree(&php, &dir.join("etc/php").join(&version));
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    // What sits beside them in a real /etc repository.
    let write = |p: &str, s: &str| {
        let f = dir.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, s).unwrap();
    };
    write(
        "etc/apache2/sites-available/000-default.conf",
        "<VirtualHost *:80>\n\tDocumentRoot /var/www/html\n</VirtualHost>\n",
    );
    write(
        &format!("etc/systemd/system/php{version}-fpm.service.d/override.conf"),
        "[Service]\nLimitNOFILE=65536\n",
    );
    write(
        "etc/supervisor/conf.d/worker.conf",
        "[program:worker]\ncommand=php /srv/app/worker.php\nuser=www-data\n",
    );
    let o = ngxlint(&t.0, &["check", "--format", "concise", "."]);
    let out = stdout(&o);
    assert!(
        !out.contains(": error:") && !out.contains(": warning:"),
        "the packages' own configuration: {out}"
    );
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    // Both sides were read, not passed over.
    let k = kinds(&t.0);
    assert_eq!(kind_of(&k, "etc/nginx/nginx.conf"), "nginx-main");
    assert_eq!(
        kind_of(&k, &format!("etc/php/{version}/fpm/php-fpm.conf")),
        "fpm-main"
    );
    assert_eq!(
        kind_of(&k, &format!("etc/php/{version}/fpm/pool.d/www.conf")),
        "fpm-pool"
    );
    assert_eq!(
        kind_of(&k, "etc/nginx/sites-enabled/default"),
        "nginx",
        "the absolute link is read from the repository"
    );
    assert_eq!(
        kind_of(&k, "etc/apache2/sites-available/000-default.conf"),
        "not-config"
    );
}

/// Writes files into a fresh folder (a repository with `.git`).
fn scratch(name: &str, files: &[(&str, &str)]) -> Tmp {
    let dir = std::env::temp_dir().join(format!("ngxlint-repos-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (p, text) in files {
        let f = dir.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    Tmp(dir)
}

#[test]
fn a_guessed_mapping_makes_no_include_cycle() {
    // A container's nginx.conf includes the copy its start-up script makes in /config; the only
    // `nginx/nginx.conf` of the repository is the including file itself.
    let t = scratch(
        "guess",
        &[
            (
                "root/etc/nginx/nginx.conf",
                "include /config/nginx/nginx.conf;\n",
            ),
            (
                "root/defaults/nginx/nginx.conf.sample",
                "user abc;\nevents {}\nhttp { include /config/nginx/site-confs/*.conf; }\n",
            ),
        ],
    );
    let o = ngxlint(&t.0, &["check", "--format", "concise", "."]);
    let out = stdout(&o);
    assert!(!out.contains("NGX007"), "{out}");
    assert_eq!(
        out,
        "root/etc/nginx/nginx.conf:1:9: info: `/config/nginx/nginx.conf` is not in the repository (`root/etc/nginx/nginx.conf` only shares its name and includes it); it was not read [NGX008]\n"
    );
    assert_eq!(o.status.code(), Some(0));
    // A real cycle, where the mapping matched the whole path, is still one.
    let t = scratch(
        "cycle",
        &[(
            "etc/nginx/nginx.conf",
            "events {}\nhttp { include /etc/nginx/nginx.conf; }\n",
        )],
    );
    let out = stdout(&ngxlint(&t.0, &["check", "--format", "concise", "."]));
    assert!(out.contains("[NGX007]"), "{out}");
}

#[test]
fn a_file_is_judged_where_it_is_included_and_alone_for_what_it_sets() {
    let site = "server {\n    listen 80;\n    location ~ \\.php$ {\n        fastcgi_pass unix:/run/php/app.sock;\n    }\n    location /api/ {\n        set $api api.internal.example;\n        proxy_pass http://$api;\n    }\n}\n";
    // Included: the parent's `fastcgi_param`s and `resolver` count.
    let t = scratch(
        "judged-in-context",
        &[
            (
                "nginx/nginx.conf",
                "events {}\nhttp {\n    resolver 127.0.0.53;\n    include fastcgi.conf;\n    include sites/*.conf;\n}\n",
            ),
            ("nginx/sites/app.conf", site),
        ],
    );
    let out = stdout(&ngxlint(&t.0, &["check", "--format", "concise", "."]));
    assert!(!out.contains("NGX309") && !out.contains("NGX306"), "{out}");
    // The same file with no main config: what its parent sets is not known, so nothing is
    // assumed missing...
    let t = scratch("judged-alone", &[("nginx/sites/app.conf", site)]);
    let out = stdout(&ngxlint(&t.0, &["check", "--format", "concise", "."]));
    assert!(!out.contains("NGX309") && !out.contains("NGX306"), "{out}");
    // ...but a list the file sets itself is complete, and judged.
    let own = site.replace(
        "fastcgi_pass unix:/run/php/app.sock;",
        "fastcgi_param QUERY_STRING $query_string;\n        fastcgi_pass unix:/run/php/app.sock;",
    );
    let t = scratch("judged-own-list", &[("nginx/sites/app.conf", &own)]);
    let out = stdout(&ngxlint(&t.0, &["check", "--format", "concise", "."]));
    assert!(out.contains("[NGX309]"), "{out}");
    // `--standalone` judges it as a whole configuration with nginx's defaults around it.
    let t = scratch("standalone", &[("nginx/sites/app.conf", site)]);
    let out = stdout(&ngxlint(
        &t.0,
        &["check", "--format", "concise", "--standalone", "."],
    ));
    assert!(
        out.contains("[NGX309]") && out.contains("[NGX306]"),
        "{out}"
    );
}

#[test]
fn installer_placeholders_are_values_filled_in_later() {
    // webdevops' images `sed` `<PHP_TIMEOUT>` into the site's snippets at start; the snippet is
    // included by two servers, so the second reading is a replay of the first.
    let snippet = "location ~ \\.php$ {\n    fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n    fastcgi_pass 127.0.0.1:9000;\n    fastcgi_read_timeout <PHP_TIMEOUT>;\n}\nclient_max_body_size <MAX_BODY>;\n";
    let t = scratch(
        "installer",
        &[
            (
                "etc/nginx/nginx.conf",
                "events {}\nhttp {\n    server { listen 80; include /etc/nginx/vhost.common.d/*.conf; }\n    server { listen 81; include /etc/nginx/vhost.common.d/*.conf; }\n}\n",
            ),
            ("etc/nginx/vhost.common.d/10-php.conf", snippet),
        ],
    );
    let o = ngxlint(&t.0, &["check", "--format", "concise", "."]);
    let out = stdout(&o);
    assert!(!out.contains("NGX012"), "{out}");
    assert!(
        !out.contains(": error:") && !out.contains(": warning:"),
        "{out}"
    );
    assert_eq!(o.status.code(), Some(0), "{out}");
    // The same snippet with a real bad value is refused, once.
    std::fs::write(
        t.0.join("etc/nginx/vhost.common.d/10-php.conf"),
        snippet.replace("<PHP_TIMEOUT>", "10X"),
    )
    .unwrap();
    let out = stdout(&ngxlint(&t.0, &["check", "--format", "concise", "."]));
    assert_eq!(
        out.matches("\"fastcgi_read_timeout\" directive invalid value [NGX012]")
            .count(),
        1,
        "{out}"
    );
}

#[test]
fn a_version_dependent_warning_needs_the_release_named() {
    let t = scratch(
        "h2",
        &[(
            "etc/nginx/nginx.conf",
            "events {}\nhttp {\n    server {\n        listen 443 ssl http2;\n        ssl_certificate a.crt;\n        ssl_certificate_key a.key;\n    }\n}\n",
        )],
    );
    let line = |args: &[&str]| {
        let mut a = vec!["check", "--format", "concise"];
        a.extend_from_slice(args);
        a.push(".");
        stdout(&ngxlint(&t.0, &a))
            .lines()
            .filter(|l| l.contains("NGX018"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    // The newest release assumed: information, saying so.
    let assumed = line(&[]);
    assert_eq!(assumed.len(), 1, "{assumed:?}");
    assert!(
        assumed[0].contains(": info: the \"listen ... http2\" directive is deprecated"),
        "{assumed:?}"
    );
    assert!(assumed[0].contains("ngxlint assumed"), "{assumed:?}");
    // A release named: nginx's warning in its words, or nothing before 1.25.1.
    assert_eq!(
        line(&["--nginx-version", "1.26.0"]),
        ["etc/nginx/nginx.conf:4:24: warning: the \"listen ... http2\" directive is deprecated, use the \"http2\" directive instead [NGX018]"]
    );
    assert!(line(&["--nginx-version", "1.24.0"]).is_empty());
    std::fs::write(t.0.join("ngxlint.toml"), "[nginx]\nversion = \"1.27.0\"\n").unwrap();
    let pinned = line(&[]);
    assert!(
        pinned.len() == 1 && pinned[0].contains(": warning:"),
        "{pinned:?}"
    );
}

#[test]
fn an_alias_to_one_file_is_info_a_folder_alias_a_warning() {
    let t = scratch(
        "alias",
        &[(
            "etc/nginx/nginx.conf",
            "events {}\nhttp {\n    server {\n        listen 80;\n        location /robots.txt { alias /srv/site/robots.txt; }\n        location /files { alias /srv/data; }\n    }\n}\n",
        )],
    );
    let out = stdout(&ngxlint(&t.0, &["check", "--format", "concise", "."]));
    let ngx201: Vec<&str> = out.lines().filter(|l| l.contains("NGX201")).collect();
    assert_eq!(ngx201.len(), 2, "{out}");
    assert!(
        ngx201
            .iter()
            .any(|l| l.contains(":5:18: info: `location /robots.txt`")),
        "{out}"
    );
    assert!(
        ngx201
            .iter()
            .any(|l| l.contains(":6:18: warning: `location /files`")),
        "{out}"
    );
}

#[test]
fn an_include_named_by_a_placeholder_is_not_read_and_not_an_error() {
    // nginxinc/nginx-s3-gateway: `include /etc/nginx/conf.d/gateway/v${AWS_SIGS_VERSION}_headers.conf;`
    // in a template the nginx image renders at start.
    let t = scratch(
        "tplinc",
        &[
            (
                "etc/nginx/nginx.conf",
                "events {}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n",
            ),
            (
                "etc/nginx/templates/default.conf.template",
                "server {\n    listen ${PORT};\n    include /etc/nginx/conf.d/gateway/v${SIGS}_headers.conf;\n}\n",
            ),
            ("etc/nginx/templates/gateway/v4_headers.conf.template", "add_header X-V 4;\n"),
        ],
    );
    let o = ngxlint(&t.0, &["check", "--format", "concise", "."]);
    let out = stdout(&o);
    assert!(!out.contains("NGX006"), "{out}");
    assert!(
        out.contains("etc/nginx/templates/default.conf.template:3:13: info: `/etc/nginx/conf.d/gateway/v${SIGS}_headers.conf` is named by a placeholder filled in when the container starts; it was not read [NGX008]"),
        "{out}"
    );
    assert_eq!(o.status.code(), Some(0), "{out}");
}
