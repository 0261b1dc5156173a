//! The real php-fpm as the oracle, shared by the differential test and the rule documents' test
//! (`crates/ngxlint/tests/rule_docs.rs` includes this file): finding the binary, `php-fpm -t`, and a
//! bounded real start for what `-t` does not check. Every run has a fixed environment, its own
//! prefix folder, and a time limit; a started master is stopped by its PID.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// php-fpm 8.2 (Debian's), else the first `php-fpm*` on PATH or in the sbin folders.
pub fn find_php_fpm() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.push(PathBuf::from("/usr/sbin"));
    dirs.push(PathBuf::from("/usr/local/sbin"));
    for d in &dirs {
        let p = d.join("php-fpm8.2");
        if p.is_file() {
            return Some(p);
        }
    }
    for d in &dirs {
        let Ok(entries) = std::fs::read_dir(d) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("php-fpm"))
                    && p.is_file()
            })
            .collect();
        found.sort();
        if let Some(p) = found.into_iter().next() {
            return Some(p);
        }
    }
    None
}

/// php-fpm, or the reason the caller returns early: a failure under `CI` (an install step that
/// silently broke), a printed skip otherwise.
pub fn php_fpm_or_skip(test: &str) -> Option<PathBuf> {
    let found = find_php_fpm();
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("{test}: php-fpm is not installed (looked for php-fpm8.2, then php-fpm* on PATH and in /usr/sbin): install Debian's php-fpm package");
        }
        eprintln!(
            "SKIPPED {test}: php-fpm not found (php-fpm8.2 or php-fpm* on PATH or in /usr/sbin)"
        );
    }
    found
}

/// The environment every run gets (and the linter is told of).
pub fn env() -> BTreeMap<String, String> {
    [
        ("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        ("HOME", "/tmp"),
        ("FPM_TEST_SOCK", "/tmp/from-env.sock"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Whether this process runs as root: php-fpm then requires `user` and refuses `user = root`.
pub fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn wait_bounded(
    child: &mut std::process::Child,
    limit: Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(s)) => return Some(s),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => return None,
        }
    }
}

fn output_of(child: std::process::Child, prefix: &Path) -> String {
    let out = child.wait_with_output().expect("php-fpm output");
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    if let Ok(l) = std::fs::read_to_string(prefix.join("log/php-fpm.log")) {
        text.push_str(&l);
    }
    text
}

/// `php-fpm FLAGS -y MAIN -p PREFIX` in the fixed environment, its output captured.
fn spawn(bin: &Path, flags: &[&str], main: &Path, prefix: &Path) -> std::process::Child {
    std::fs::create_dir_all(prefix.join("log")).expect("log dir");
    Command::new(bin)
        .args(flags)
        .arg("-y")
        .arg(main)
        .arg("-p")
        .arg(prefix)
        .env_clear()
        .envs(env())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn php-fpm")
}

/// `php-fpm -t -y MAIN -p PREFIX` (with `-R` when `allow_root`): whether it passed, and everything
/// it logged (stderr, stdout and `PREFIX/log/php-fpm.log`).
pub fn php_fpm_t(bin: &Path, main: &Path, prefix: &Path, allow_root: bool) -> (bool, String) {
    let flags: &[&str] = if allow_root { &["-t", "-R"] } else { &["-t"] };
    let mut child = spawn(bin, flags, main, prefix);
    let Some(status) = wait_bounded(&mut child, Duration::from_secs(20)) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("php-fpm -t on {} did not finish in 20 s", main.display());
    };
    let text = output_of(child, prefix);
    match status.code() {
        Some(0) => (true, text),
        Some(78) => (false, text),
        other => panic!(
            "php-fpm -t on {} exited with {other:?}: {text}",
            main.display()
        ),
    }
}

/// Starts php-fpm for real in the foreground (`-F -O`, logging to stderr) and stops it by its PID
/// after `limit`: whether it failed to start (exited on its own before the limit), and what it
/// logged. The configuration must listen inside the prefix or on a free 127.0.0.1 port.
pub fn php_fpm_start(bin: &Path, main: &Path, prefix: &Path, limit: Duration) -> (bool, String) {
    let mut child = spawn(bin, &["-F", "-O"], main, prefix);
    let failed = match wait_bounded(&mut child, limit) {
        Some(status) => !status.success(),
        None => {
            // SIGTERM by PID: the master stops its workers and exits.
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            if wait_bounded(&mut child, Duration::from_secs(10)).is_none() {
                let _ = child.kill();
            }
            false
        }
    };
    (failed, output_of(child, prefix))
}

/// A TCP port on 127.0.0.1 that nothing listens on right now, between 5000 and 10000: below
/// Linux's ephemeral range (32768 and up), so no outgoing connection of a parallel test can take
/// it as its source port before php-fpm binds it.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = (std::process::id() % 500) * 10;
    for _ in 0..5_000 {
        let port = 5_000 + ((start + NEXT.fetch_add(1, Ordering::Relaxed)) % 5_000) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port on 127.0.0.1 between 5000 and 10000");
}
