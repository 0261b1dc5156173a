//! `cargo bench --bench triage`: `ngxlint triage` on a 100 MB nginx error log against
//! `grep -c upstream` on the same file, side by side.
//!
//! The log is generated into a temporary folder: a busy site's mix of upstream failures of every
//! cause (with varying clients, URIs and upstream ports), other modules' lines (`open()` failures,
//! clients closing connections, `[warn]` buffering notes, `[notice]` signals) and php-fpm-shaped
//! lines. Each command runs `NGXLINT_BENCH_RUNS` times as a child process (the file stays in the page cache);
//! medians of wall time and peak resident memory (wait4) are printed.
//!
//! Environment: `NGXLINT_BENCH_LOG_MB` (default 100), `NGXLINT_BENCH_RUNS` (default 7),
//! `NGXLINT_BENCH_KEEP` (keep the generated log, e.g. for `perf`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    if std::env::var_os("NGXLINT_BENCH_LAUNCH").is_some() {
        let args: Vec<String> = std::env::args().skip_while(|a| a != "--").skip(1).collect();
        let t = Instant::now();
        // A pipe, not /dev/null: GNU grep stops at the first match when its output is /dev/null.
        let Ok(mut child) = Command::new(&args[0])
            .args(&args[1..])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
        else {
            std::process::exit(2)
        };
        if let Some(mut out) = child.stdout.take() {
            let _ = std::io::copy(&mut out, &mut std::io::sink());
        }
        let mut status = 0;
        // SAFETY: rusage is plain old data; wait4 fills it for our own child.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut ru) };
        let cpu = |tv: libc::timeval| tv.tv_sec as u128 * 1_000_000_000 + tv.tv_usec as u128 * 1000;
        println!(
            "{} {} {}",
            t.elapsed().as_nanos(),
            ru.ru_maxrss,
            cpu(ru.ru_utime) + cpu(ru.ru_stime)
        );
        return;
    }
    let mb: usize = std::env::var("NGXLINT_BENCH_LOG_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let runs: usize = std::env::var("NGXLINT_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = std::env::temp_dir().join(format!("ngxlint-bench-triage-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temporary folder");
    let log = work.join("error.log");
    let (lines, upstream_lines) = generate(&log, mb << 20);
    let ngxlint = PathBuf::from(env!("CARGO_BIN_EXE_ngxlint"));
    println!(
        "workload: {:.1} MB error log, {lines} lines ({upstream_lines} with `upstream`), config testdata/projects/example",
        std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
    );
    let grep = measure(runs, || {
        let mut c = Command::new("grep");
        c.arg("-c").arg("upstream").arg(&log);
        c
    });
    let triage = measure(runs, || {
        let mut c = Command::new(&ngxlint);
        c.args(["triage", "--no-config", "--format", "json", "--log"])
            .arg(&log)
            .arg("testdata/projects/example")
            .current_dir(root);
        c
    });
    println!("| command | median wall | median CPU (user+sys) | min wall | max wall | peak RSS |");
    println!("| --- | --- | --- | --- | --- | --- |");
    row("grep -c upstream", &grep);
    row("ngxlint triage --format json", &triage);
    println!(
        "ratio: ngxlint triage takes {:.2}x the wall time of grep -c upstream ({:.2}x its CPU time)",
        triage.median().as_secs_f64() / grep.median().as_secs_f64(),
        triage.cpu().as_secs_f64() / grep.cpu().as_secs_f64()
    );
    if std::env::var_os("NGXLINT_BENCH_KEEP").is_some() {
        println!("kept {}", log.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
}

/// Writes about `size` bytes of log; returns (lines, lines containing "upstream").
fn generate(path: &Path, size: usize) -> (usize, usize) {
    let f = std::fs::File::create(path).expect("create the log");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    let mut written = 0;
    let (mut lines, mut upstream) = (0, 0);
    let mut i: usize = 0;
    let uris = [
        "/index.php",
        "/cart.php?id=42",
        "/api/orders",
        "/admin/",
        "/search?q=shoes",
        "/static/app.js",
    ];
    while written < size {
        i += 1;
        let t = format!(
            "2024/05/{:02} {:02}:{:02}:{:02}",
            1 + i / 3_000_000 % 28,
            i / 120_000 % 24,
            i / 2000 % 60,
            i / 30 % 60
        );
        let client = format!("10.{}.{}.{}", i % 7, i % 251, i % 13);
        let uri = uris[i % uris.len()];
        let ctx =
            format!("client: {client}, server: shop.example.com, request: \"GET {uri} HTTP/1.1\"");
        let line = match i % 20 {
            0 => format!("{t} [error] 1234#1234: *{i} connect() failed (111: Connection refused) while connecting to upstream, {ctx}, upstream: \"http://127.0.0.1:{}{uri}\", host: \"shop.example.com\"", 9100 + i % 3),
            1 => format!("{t} [crit] 1234#1234: *{i} connect() to unix:/run/php/php7.4-fpm.sock failed (2: No such file or directory) while connecting to upstream, {ctx}, upstream: \"fastcgi://unix:/run/php/php7.4-fpm.sock:\", host: \"shop.example.com\""),
            2 => format!("{t} [error] 1234#1234: *{i} upstream timed out (110: Connection timed out) while reading response header from upstream, {ctx}, upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock\", host: \"shop.example.com\""),
            3 => format!("{t} [error] 1234#1234: *{i} upstream sent too big header while reading response header from upstream, {ctx}, upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"shop.example.com\""),
            4 => format!("{t} [error] 1234#1234: *{i} recv() failed (104: Connection reset by peer) while reading response header from upstream, {ctx}, upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"shop.example.com\""),
            5 => format!("{t} [error] 1234#1234: *{i} no live upstreams while connecting to upstream, {ctx}, upstream: \"http://orders/api\", host: \"shop.example.com\""),
            6 => format!("{t} [warn] 1234#1234: *{i} upstream server temporarily disabled while connecting to upstream, {ctx}, upstream: \"http://127.0.0.1:9100/\", host: \"shop.example.com\""),
            7 => format!("{t} [warn] 1234#1234: *{i} an upstream response is buffered to a temporary file /var/cache/nginx/fastcgi_temp/1/00/000000{:04} while reading upstream, {ctx}, upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"shop.example.com\"", i % 10000),
            8..=11 => format!("{t} [error] 1234#1234: *{i} open() \"/var/www/shop/public/favicon.ico\" failed (2: No such file or directory), {ctx}, host: \"shop.example.com\""),
            12..=14 => format!("{t} [info] 1234#1234: *{i} client {client} closed keepalive connection"),
            15 => format!("{t} [error] 1234#1234: *{i} access forbidden by rule, {ctx}, host: \"shop.example.com\""),
            16 => format!("{t} [error] 1234#1234: *{i} FastCGI sent in stderr: \"PHP message: PHP Warning:  Undefined variable $cart in /var/www/shop/public/cart.php on line 12\" while reading response header from upstream, {ctx}, upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"shop.example.com\""),
            17 => format!("{t} [error] 1234#1234: *{i} no resolver defined to resolve search.internal.example, {ctx}, host: \"shop.example.com\""),
            18 => format!("{t} [notice] 1234#1234: signal process started"),
            _ => format!("[01-May-2024 12:{:02}:{:02}] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it", i / 60 % 60, i % 60),
        };
        if line.contains("upstream") {
            upstream += 1;
        }
        lines += 1;
        written += line.len() + 1;
        let _ = writeln!(w, "{line}");
    }
    let _ = w.flush();
    (lines, upstream)
}

struct Sample {
    walls: Vec<Duration>,
    rss_kb: Vec<i64>,
    /// User + system time of the process (all its threads).
    cpus: Vec<Duration>,
}

impl Sample {
    fn median(&self) -> Duration {
        self.walls[self.walls.len() / 2]
    }
    fn cpu(&self) -> Duration {
        self.cpus
            .get(self.cpus.len() / 2)
            .copied()
            .unwrap_or_default()
    }
}

fn row(name: &str, s: &Sample) {
    println!(
        "| {name} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} MB |",
        s.median().as_secs_f64() * 1e3,
        s.cpu().as_secs_f64() * 1e3,
        s.walls[0].as_secs_f64() * 1e3,
        s.walls[s.walls.len() - 1].as_secs_f64() * 1e3,
        s.rss_kb.iter().max().copied().unwrap_or(0) as f64 / 1024.0
    );
}

/// Runs the commands alternately through a small launcher process (so the child's peak memory
/// is its own); `runs` times.
fn measure(runs: usize, mut cmd: impl FnMut() -> Command) -> Sample {
    let me = std::env::current_exe().unwrap_or_default();
    let mut walls = Vec::new();
    let mut rss_kb = Vec::new();
    let mut cpus = Vec::new();
    for _ in 0..runs {
        let c = cmd();
        let mut l = Command::new(&me);
        l.env("NGXLINT_BENCH_LAUNCH", "1")
            .arg("--")
            .arg(c.get_program())
            .args(c.get_args());
        if let Some(d) = c.get_current_dir() {
            l.current_dir(d);
        }
        let Ok(out) = l.stderr(Stdio::null()).output() else {
            continue;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let mut it = text.split_whitespace();
        if let (Some(ns), Some(rss), Some(cpu)) = (
            it.next().and_then(|v| v.parse::<u64>().ok()),
            it.next().and_then(|v| v.parse::<i64>().ok()),
            it.next().and_then(|v| v.parse::<u64>().ok()),
        ) {
            walls.push(Duration::from_nanos(ns));
            rss_kb.push(rss);
            cpus.push(Duration::from_nanos(cpu));
        }
    }
    walls.sort();
    cpus.sort();
    if walls.is_empty() {
        walls.push(Duration::ZERO);
    }
    Sample {
        walls,
        rss_kb,
        cpus,
    }
}
