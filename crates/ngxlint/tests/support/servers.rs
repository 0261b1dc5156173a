//! Running the real servers in tests, shared by the gateway suite (`real_servers.rs`) and the
//! security suite (`security_servers.rs`): bounded waits, free loopback ports, the tools found on
//! the machine, and processes each in its own group, stopped by a guard.

#![allow(dead_code)]

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Start-up of a server, one request, `nginx -t`: each is given this long.
pub const READY: Duration = Duration::from_secs(5);
/// SIGTERM, then SIGKILL after this long.
pub const GRACE: Duration = Duration::from_secs(3);

/// The version `nginx -v` prints (`nginx version: nginx/1.22.1`).
pub fn nginx_version(nginx: &Path) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let out = std::env::temp_dir().join(format!(
        "ngxrs-nginx-v-{}-{}.out",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let (code, text) = run_bounded(Command::new(nginx).arg("-v"), &out, READY);
    let _ = fs::remove_file(&out);
    let version = text
        .lines()
        .find_map(|l| l.split("nginx/").nth(1))
        .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
        .filter(|v| parse_version(v).is_some());
    match (code, version) {
        (Some(0), Some(v)) => v,
        _ => panic!(
            "cannot read the version from `{} -v` ({code:?}):\n{text}",
            nginx.display()
        ),
    }
}

/// `1.22.1` as numbers.
pub fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let mut it = v.split('.').map(|p| p.parse::<u32>().ok());
    let version = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some(version)
}

/// `$ENV` if set (then only that), else the first existing fixed path, else `name` on PATH.
pub fn tool(env: &str, fixed: &[&str], name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    if let Some(p) = fixed.iter().map(PathBuf::from).find(|p| p.is_file()) {
        return Some(p);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A 127.0.0.1 port nothing listens on now, between 20000 and 32000: below Linux's ephemeral
/// range, so no outgoing connection can take a "dead" port (or connect to itself through it).
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = (std::process::id() % 600) * 20;
    for _ in 0..12_000 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = 20_000 + ((start + n) % 12_000) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port on 127.0.0.1 between 20000 and 32000");
}

/// A 127.0.0.1 UDP port nothing is bound to now, in the same range as [`free_port`].
pub fn free_udp_port() -> u16 {
    for _ in 0..100 {
        let port = free_port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free UDP port on 127.0.0.1 between 20000 and 32000");
}

/// Servers started for one variant, each the leader of its own process group; stopped in reverse
/// order on [`Procs::stop`] or on drop (so also when an assertion fails).
#[derive(Default)]
pub struct Procs(pub Vec<(&'static str, Child, PathBuf)>);

impl Procs {
    pub fn spawn(&mut self, name: &'static str, cmd: &mut Command, out: &Path) -> usize {
        let file = fs::File::create(out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
        let err = file.try_clone().unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({cmd:?}): {e}"));
        self.0.push((name, child, out.to_path_buf()));
        self.0.len() - 1
    }

    /// Polls `ready` for up to [`READY`]; fails early when the process exits.
    pub fn wait_ready(&mut self, i: usize, label: &str, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + READY;
        loop {
            if ready() {
                return;
            }
            let (name, child, out) = &mut self.0[i];
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "{label}: {name} exited ({status}) before it was ready{}",
                    dump_logs(out)
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "{label}: {name} not ready after {READY:?}{}",
                    dump_logs(out)
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn stop(&mut self) {
        while let Some((_, mut child, _)) = self.0.pop() {
            let group = -(child.id() as i32);
            // SAFETY: kill() has no memory preconditions; the group is the one spawn() created.
            unsafe { libc::kill(group, libc::SIGTERM) };
            let deadline = Instant::now() + GRACE;
            loop {
                match child.try_wait() {
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Ok(None) => {
                        unsafe { libc::kill(group, libc::SIGKILL) };
                        let _ = child.wait();
                        break;
                    }
                    _ => break,
                }
            }
            // Workers or children the leader left behind (nginx's workers, FPM's children).
            unsafe { libc::kill(group, libc::SIGKILL) };
        }
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs a short command with its output in `out`, killed after `limit`; returns the exit code
/// and the output.
pub fn run_bounded(cmd: &mut Command, out: &Path, limit: Duration) -> (Option<i32>, String) {
    let mut procs = Procs::default();
    let i = procs.spawn("command", cmd, out);
    let deadline = Instant::now() + limit;
    let code = loop {
        match procs.0[i].1.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => panic!("{cmd:?} did not finish within {limit:?}"),
            Err(e) => panic!("waiting for {cmd:?}: {e}"),
        }
    };
    drop(procs);
    (code, read_from(out, 0))
}

pub fn probe(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

/// Every log in the folder of `out` (the servers' output, nginx's and php-fpm's error logs).
pub fn dump_logs(out: &Path) -> String {
    let mut text = String::new();
    let dir = out.parent().unwrap_or(out);
    let mut logs: Vec<PathBuf> = fs::read_dir(dir)
        .map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    logs.sort();
    for log in logs.iter().filter(|p| !p.ends_with("access.log")) {
        text.push_str(&format!("\n--- {}\n{}", log.display(), read_from(log, 0)));
    }
    text
}

/// A file's text from byte `offset` (empty when missing).
pub fn read_from(path: &Path, offset: u64) -> String {
    let bytes = fs::read(path).unwrap_or_default();
    let start = (offset as usize).min(bytes.len());
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}
