//! `ngxlint triage` and `ngxlint trace` through the binary: the JSON schemas, `.gz` and rotated
//! logs, server paths mapped into the repository, and incidents printed as they form when the log
//! is a stream. (The real servers' own logs are triaged in real_servers.rs.)

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example() -> PathBuf {
    repo().join("testdata/projects/example")
}

struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tmp(name: &str) -> Tmp {
    let p = std::env::temp_dir().join(format!("ngxlint-triage-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    Tmp(p)
}

const T: &str = "2024/05/01 12:00:0";

/// A line of nginx's error log for the example project's shop server.
fn nginx_line(sec: u32, msg: &str, uri: &str, upstream: &str) -> String {
    let upstream = if upstream.is_empty() {
        String::new()
    } else {
        format!(", upstream: \"{upstream}\"")
    };
    format!("{T}{sec} [error] 7#7: *1 {msg}, client: 10.0.0.1, server: shop.example.com, request: \"GET {uri} HTTP/1.1\"{upstream}, host: \"shop.example.com\"\n")
}

fn triage(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .args(["triage", "--no-config", "--format", "json"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn example_log() -> String {
    let mut log = String::new();
    log.push_str(&nginx_line(1, "connect() to unix:/run/php/php7.4-fpm.sock failed (2: No such file or directory) while connecting to upstream", "/index.php", "fastcgi://unix:/run/php/php7.4-fpm.sock:"));
    log.push_str("2024/05/01 12:00:02 [error] 7#7: *2 open() \"/var/www/shop/public/x.png\" failed (2: No such file or directory), client: 10.0.0.1, server: shop.example.com, request: \"GET /x.png HTTP/1.1\"\n");
    log.push_str(&nginx_line(3, "connect() to unix:/run/php/php7.4-fpm.sock failed (2: No such file or directory) while connecting to upstream", "/cart.php", "fastcgi://unix:/run/php/php7.4-fpm.sock:"));
    log.push_str(&nginx_line(
        4,
        "no resolver defined to resolve search.internal.example",
        "/search/q",
        "",
    ));
    log.push_str("[01-May-2024 12:00:05] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it\n");
    log.push_str("nginx: [emerg] host not found in upstream \"order\" in /etc/nginx/sites-enabled/shop.conf:35\n");
    log
}

#[test]
fn json_schema_with_config_places_and_rules() {
    let t = tmp("schema");
    std::fs::write(t.0.join("error.log"), example_log()).unwrap();
    let v = triage(
        &example(),
        &[
            "--log",
            t.0.join("error.log").to_str().unwrap(),
            "nginx",
            "php",
        ],
    );
    assert_eq!(v["version"], 1);
    assert_eq!(v["lines"], 6);
    let incidents = v["incidents"].as_array().unwrap();
    let causes: Vec<&str> = incidents
        .iter()
        .map(|i| i["cause"].as_str().unwrap())
        .collect();
    assert_eq!(
        causes,
        [
            "socket-missing",
            "no-resolver",
            "fpm-max-children",
            "startup-refused"
        ]
    );
    let by = |c: &str| incidents.iter().find(|i| i["cause"] == c).unwrap();
    let sm = by("socket-missing");
    assert_eq!(sm["count"], 2);
    assert_eq!(sm["first"], "2024-05-01 12:00:01");
    assert_eq!(sm["last"], "2024-05-01 12:00:03");
    assert_eq!(sm["upstream"], "unix:/run/php/php7.4-fpm.sock");
    assert_eq!(sm["server"], "shop.example.com");
    assert_eq!(sm["request"], "GET /index.php HTTP/1.1");
    assert_eq!(sm["rules"], serde_json::json!(["NGX301"]));
    let place = &sm["config"][0];
    assert_eq!(place["file"], "nginx/sites-enabled/shop.conf");
    assert_eq!(
        (place["line"].as_u64(), place["column"].as_u64()),
        (Some(16), Some(9))
    );
    assert!(sm["findings"][0]["help"]
        .as_str()
        .unwrap()
        .contains("php8.2-fpm.sock"));
    assert_eq!(by("no-resolver")["rules"], serde_json::json!(["NGX306"]));
    assert_eq!(by("no-resolver")["detail"], "search.internal.example");
    // The pool's pm.max_children line and the passes that reach the pool.
    let fpm = by("fpm-max-children");
    let files: Vec<&str> = fpm["config"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["file"].as_str().unwrap())
        .collect();
    assert!(files.contains(&"php/8.2/fpm/pool.d/www.conf"), "{files:?}");
    assert!(
        files.contains(&"nginx/sites-enabled/shop.conf"),
        "{files:?}"
    );
    // /etc/nginx/... found in the repository, as `check` maps it; NGX308 fires on that line.
    let s = by("startup-refused");
    assert_eq!(s["config"][0]["file"], "nginx/sites-enabled/shop.conf");
    assert_eq!(s["config"][0]["line"], 35);
    assert_eq!(s["rules"], serde_json::json!(["NGX308"]));
    for i in incidents {
        assert!(i["explanation"].as_str().is_some_and(|e| !e.is_empty()));
    }
}

#[test]
fn lines_without_a_request_map_through_the_upstream_address() {
    let t = tmp("upstream-only");
    // A line without `request:` (cut, or from a module that logs none): the address decides.
    std::fs::write(
        t.0.join("error.log"),
        "2024/05/01 12:00:01 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: shop.example.com, upstream: \"http://10.0.2.12:8080/api/orders/1\"\n",
    )
    .unwrap();
    let v = triage(
        &example(),
        &[
            "--log",
            t.0.join("error.log").to_str().unwrap(),
            "nginx",
            "php",
        ],
    );
    let i = &v["incidents"][0];
    assert_eq!(i["cause"], "connection-refused");
    let places: Vec<(String, u64)> = i["config"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["file"].as_str().unwrap().to_string(),
                p["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // The proxy_pass to the group, the group, and the one server line that address is.
    assert!(
        places.contains(&("nginx/sites-enabled/shop.conf".into(), 28)),
        "{places:?}"
    );
    assert!(
        places.contains(&("nginx/conf.d/upstreams.conf".into(), 2)),
        "{places:?}"
    );
    assert!(
        places.contains(&("nginx/conf.d/upstreams.conf".into(), 4)),
        "{places:?}"
    );
    assert!(
        !places.contains(&("nginx/conf.d/upstreams.conf".into(), 3)),
        "{places:?}"
    );
    // NGX304 (no backup server) stands on the group.
    assert!(
        i["rules"].as_array().unwrap().iter().any(|r| r == "NGX304"),
        "{i}"
    );
}

#[test]
fn gz_and_rotated_logs_read_oldest_first() {
    let t = tmp("rotated");
    let line = |s| {
        nginx_line(
            s,
            "upstream sent too big header while reading response header from upstream",
            "/index.php",
            "fastcgi://unix:/run/php/php8.2-fpm.sock:",
        )
    };
    std::fs::write(t.0.join("error.log.2"), line(1)).unwrap();
    let gz = Command::new("gzip").arg(t.0.join("error.log.2")).status();
    if !gz.is_ok_and(|s| s.success()) {
        panic!("gzip is needed to make the test's .gz log");
    }
    std::fs::write(t.0.join("error.log.1"), line(2)).unwrap();
    std::fs::write(t.0.join("error.log"), line(3)).unwrap();
    let dir = t.0.to_str().unwrap().to_string();
    // Given newest first: read oldest first all the same.
    let v = triage(
        &example(),
        &[
            "--log",
            &format!("{dir}/error.log"),
            "--log",
            &format!("{dir}/error.log.1"),
            "--log",
            &format!("{dir}/error.log.2.gz"),
            "nginx",
            "php",
        ],
    );
    let i = &v["incidents"][0];
    assert_eq!(i["cause"], "header-too-big");
    assert_eq!(i["count"], 3);
    assert_eq!(i["first"], "2024-05-01 12:00:01");
    assert_eq!(i["last"], "2024-05-01 12:00:03");
    assert_eq!(i["rules"], serde_json::json!(["NGX302"]));
}

#[test]
fn a_clean_log_gives_no_incident_and_exit_0() {
    let t = tmp("clean");
    std::fs::write(t.0.join("error.log"), "2024/05/01 12:00:00 [notice] 1#1: signal process started\n2024/05/01 12:00:01 [warn] 1#1: *3 an upstream response is buffered to a temporary file\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .args(["triage", "--no-config", "--log"])
        .arg(t.0.join("error.log"))
        .args(["nginx", "php"])
        .current_dir(example())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 lines read: no incident"));
}

#[test]
fn a_stream_prints_each_incident_as_it_forms() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .args([
            "triage",
            "--no-config",
            "--format",
            "json",
            "--log",
            "-",
            "nginx",
            "php",
        ])
        .current_dir(example())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // The first incident must be printed while the input is still open.
    stdin
        .write_all(
            nginx_line(
                1,
                "no live upstreams while connecting to upstream",
                "/api/orders",
                "http://orders/api/orders",
            )
            .as_bytes(),
        )
        .unwrap();
    stdin.flush().unwrap();
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("no incident printed while the stream is open");
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["incident"]["cause"], "no-live-upstreams");
    assert_eq!(v["incident"]["rules"], serde_json::json!(["NGX304"]));
    // A repeat only counts; the end of the input brings the whole report.
    stdin
        .write_all(
            nginx_line(
                2,
                "no live upstreams while connecting to upstream",
                "/api/orders",
                "http://orders/api/orders",
            )
            .as_bytes(),
        )
        .unwrap();
    drop(stdin);
    let last = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("no final report");
    let v: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(v["incidents"][0]["count"], 2);
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "triage did not end with its input"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn trace_json_names_server_and_location() {
    let out = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .args([
            "trace",
            "--no-config",
            "--format",
            "json",
            "http://shop.example.com/cart.php?id=1",
            "nginx",
            "php",
        ])
        .current_dir(example())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["server"]["file"], "nginx/sites-enabled/shop.conf");
    assert_eq!(v["server"]["line"], 1);
    assert_eq!(v["location"]["line"], 14);
    assert_eq!(v["location_name"], "~ \\.php$");
    assert_eq!(v["pass"]["directive"], "fastcgi_pass");
    assert!(v["effective"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["name"] == "root" && e["inherited"] == true));
    // No server on that port: both null.
    let out = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .args([
            "trace",
            "--no-config",
            "--format",
            "json",
            "http://shop.example.com:9/",
            "nginx",
        ])
        .current_dir(example())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["server"].is_null() && v["location"].is_null());
}
