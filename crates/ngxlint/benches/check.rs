//! `cargo bench --bench check`: ngxlint against `nginx -t` on the shared workload, side by side.
//!
//! 1. Single-thread reading speed of `nginx_syntax::parse` on one large file (the whole generated
//!    tree concatenated, repeated to about 25 MB).
//! 2. The whole tree (`testdata/bench/gen_tree.py OUT N`, N=2000 and 20000): the `ngxlint check`
//!    binary and `nginx -t` run alternately as child processes; medians of wall time and the
//!    peak resident memory (from wait4's rusage) are printed as a table.
//!
//! Environment: `NGXLINT_BENCH_SIZES` (default `2000,20000`), `NGXLINT_BENCH_RUNS` (default 7).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    // Launcher mode: a fresh, small process spawns the measured command, so the child's peak
    // memory is not inflated by this benchmark's own pages (a vfork child shares them until exec).
    if std::env::var_os("NGXLINT_BENCH_LAUNCH").is_some() {
        let args: Vec<String> = std::env::args().skip_while(|a| a != "--").skip(1).collect();
        let t = Instant::now();
        let child = Command::new(&args[0])
            .args(&args[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(child) = child else {
            std::process::exit(2)
        };
        let (ok, rss) = wait_rusage(child.id() as i32);
        println!("{} {} {}", t.elapsed().as_nanos(), rss, ok);
        return;
    }
    // `cargo bench` passes `--bench`; any other argument is a filter we do not use.
    let sizes: Vec<usize> = std::env::var("NGXLINT_BENCH_SIZES")
        .unwrap_or_else(|_| "2000,20000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("NGXLINT_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = std::env::temp_dir().join(format!("ngxlint-bench-{}", std::process::id()));
    let ngxlint = PathBuf::from(env!("CARGO_BIN_EXE_ngxlint"));
    let nginx = which("nginx");

    println!(
        "machine: {} cores; ngxlint {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        env!("CARGO_PKG_VERSION")
    );
    for &n in &sizes {
        let out = work.join(format!("tree{n}"));
        let status = Command::new("python3")
            .arg(root.join("testdata/bench/gen_tree.py"))
            .arg(&out)
            .arg(n.to_string())
            .stdout(Stdio::null())
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("cannot generate the workload with python3 testdata/bench/gen_tree.py");
            std::process::exit(2);
        }
        let bytes = tree_bytes(&out.join("nginx"));
        println!(
            "\nworkload: gen_tree.py {n}: {} nginx files, {:.1} MB of nginx config",
            count_files(&out.join("nginx")),
            bytes as f64 / 1e6
        );
        // Every rule on, the opt-in ones too; alternately with `nginx -t` on the same tree.
        let check_cmd = || {
            let mut c = Command::new(&ngxlint);
            c.arg("check")
                .args(["--select", "ALL"])
                .arg("--format")
                .arg("concise")
                .arg(&out)
                .current_dir(&out);
            c
        };
        let nginx_cmd = |nginx: &PathBuf| {
            let mut c = Command::new(nginx);
            c.arg("-t")
                .arg("-q")
                .arg("-p")
                .arg(format!("{}/", out.display()))
                .arg("-c")
                .arg("nginx/nginx.conf");
            c
        };
        let (check, nginx_t) = match &nginx {
            Some(nginx) => {
                let (c, t, r) = measure_pair(runs, check_cmd, || nginx_cmd(nginx));
                (c, Some((t, r)))
            }
            None => (measure(runs, check_cmd), None),
        };
        // The same rules as the full check (every one), on the nginx side alone.
        let nginx_only = measure(runs, || {
            let mut c = Command::new(&ngxlint);
            c.arg("check")
                .args(["--select", "ALL"])
                .arg("--format")
                .arg("concise")
                .arg(out.join("nginx"))
                .current_dir(&out);
            c
        });
        // `fmt --check` reads and formats every nginx file (writes nothing); `check --fix` on a
        // tree with no fixable finding is one lint pass and no write.
        let fmt = measure(runs, || {
            let mut c = Command::new(&ngxlint);
            c.args(["fmt", "--check"]).arg(&out).current_dir(&out);
            c
        });
        let fix = measure(runs, || {
            let mut c = Command::new(&ngxlint);
            c.args(["check", "--select", "ALL", "--fix", "--format", "concise"])
                .arg(&out)
                .current_dir(&out);
            c
        });
        // The report a person reads (miette's drawing, the default format), every rule on.
        let drawn = measure(runs, || {
            let mut c = Command::new(&ngxlint);
            c.args(["check", "--select", "ALL"])
                .arg(&out)
                .current_dir(&out);
            c
        });
        // The report a program reads (CI annotations, dashboards), every rule on.
        let json = measure(runs, || {
            let mut c = Command::new(&ngxlint);
            c.args(["check", "--select", "ALL", "--format", "json"])
                .arg(&out)
                .current_dir(&out);
            c
        });
        let bare = measure(runs, || {
            let mut c = Command::new(&ngxlint);
            c.arg("--version");
            c
        });
        println!("| tool | median wall | min | max | peak RSS |");
        println!("| --- | --- | --- | --- | --- |");
        row("ngxlint check", &check);
        row("ngxlint check nginx/ (without the FPM side)", &nginx_only);
        row("ngxlint fmt --check", &fmt);
        row("ngxlint check --fix", &fix);
        row("ngxlint check (default drawn report)", &drawn);
        row("ngxlint check --format json", &json);
        // The `check` row runs right after `nginx -t`, the others back to back: the comparisons
        // between rows use `check --fix` (the same lint pass, every rule, back to back).
        let ms =
            |a: &Sample, b: &Sample| (a.median().as_secs_f64() - b.median().as_secs_f64()) * 1e3;
        println!(
            "fmt --check takes {:.0}% of a back-to-back full check (the check --fix row); the check row, right after nginx -t, took {:+.1} ms more than that",
            100.0 * fmt.median().as_secs_f64() / fix.median().as_secs_f64(),
            ms(&check, &fix)
        );
        let pools = count_files(&out.join("php/fpm/pool.d"));
        let fpm_ms = ms(&fix, &nginx_only);
        println!("FPM side ({pools} pools): {fpm_ms:.1} ms of a back-to-back full check (check --fix of the tree against check of nginx/; noise is about 1 ms)");
        row("ngxlint --version (process start)", &bare);
        if let (Some((t, pair_ratio)), Some(nginx)) = (&nginx_t, &nginx) {
            row("nginx -t", t);
            println!(
                "ratio: ngxlint check takes {:.1}% of nginx -t's time ({:.1}x faster); median of the {} alternating pairs' ratios: {:.1}%",
                100.0 * check.median().as_secs_f64() / t.median().as_secs_f64(),
                t.median().as_secs_f64() / check.median().as_secs_f64(),
                t.walls.len(),
                100.0 * pair_ratio
            );
            // The other reports people run, each measured the same way (alternating with
            // `nginx -t` on the same tree), so that every format's figure is comparable.
            for (label, extra) in [
                ("the default drawn report", &[][..]),
                ("--format json", &["--format", "json"][..]),
            ] {
                let cmd = || {
                    let mut c = Command::new(&ngxlint);
                    c.args(["check", "--select", "ALL"])
                        .args(extra)
                        .arg(&out)
                        .current_dir(&out);
                    c
                };
                let (c, t, r) = measure_pair(runs, cmd, || nginx_cmd(nginx));
                println!(
                    "ratio with {label}: {:.1} ms against nginx -t's {:.1} ms, {:.1}% (peak RSS {:.1} MB); median of the {} alternating pairs' ratios: {:.1}%",
                    c.median().as_secs_f64() * 1e3,
                    t.median().as_secs_f64() * 1e3,
                    100.0 * c.median().as_secs_f64() / t.median().as_secs_f64(),
                    c.rss_kb.iter().max().copied().unwrap_or(0) as f64 / 1024.0,
                    t.walls.len(),
                    100.0 * r
                );
            }
        } else {
            println!("(nginx not installed: no side-by-side figure)");
        }
    }
    // Where people feel it: a pre-commit run on one small file of a small repository (start-up
    // included), and the language server answering a change on the 2,000-server tree.
    let example = root.join("testdata/projects/example");
    let one = measure(runs.max(21), || {
        let mut c = Command::new(&ngxlint);
        c.args([
            "check",
            "--format",
            "concise",
            "nginx/sites-enabled/admin.conf",
        ])
        .current_dir(&example);
        c
    });
    println!(
        "\npre-commit on one file of testdata/projects/example (11 files), start-up included:"
    );
    println!("| tool | median wall | min | max | peak RSS |");
    println!("| --- | --- | --- | --- | --- |");
    row("ngxlint check FILE", &one);
    if let Some(&n) = sizes.first() {
        lsp_did_change(&ngxlint, &work.join(format!("tree{n}")), runs.max(11));
    }
    if let Some(&n) = sizes.first() {
        // Last, so its memory does not sit in this process while children are measured.
        single_file_speed(&work.join(format!("tree{n}")));
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// `ngxlint lsp` on a tree: the time from a `didChange` to its `publishDiagnostics`.
fn lsp_did_change(ngxlint: &Path, tree: &Path, runs: usize) {
    use std::io::{BufRead, BufReader, Read, Write};
    let Ok(mut child) = Command::new(ngxlint)
        .arg("lsp")
        .current_dir(tree)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        return;
    };
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return;
    };
    let mut reader = BufReader::new(stdout);
    let mut send = |v: String| {
        let _ = write!(stdin, "Content-Length: {}\r\n\r\n{}", v.len(), v);
        let _ = stdin.flush();
    };
    // Reads messages until one that `wanted` accepts.
    let mut recv_until = |wanted: &dyn Fn(&str) -> bool| -> bool {
        loop {
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return false;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    len = v.parse().unwrap_or(0);
                }
            }
            let mut buf = vec![0; len];
            if reader.read_exact(&mut buf).is_err() {
                return false;
            }
            if wanted(&String::from_utf8_lossy(&buf)) {
                return true;
            }
        }
    };
    let root = std::fs::canonicalize(tree).unwrap_or_else(|_| tree.to_path_buf());
    let file = root.join("nginx/conf.d/site00001.conf");
    let uri = format!("file://{}", file.display());
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let esc = |t: &str| serde_json::to_string(t).unwrap_or_default();
    send(format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"processId":null,"rootUri":"file://{}","capabilities":{{}}}}}}"#,
        root.display()
    ));
    if !recv_until(&|m| m.contains("capabilities")) {
        return;
    }
    send(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#.to_string());
    // The first change to a file with a finding, then alternate fixed and broken buffers.
    let broken = text.replacen("server {", "server {\n    bogus_directive_x;", 1);
    send(format!(
        r#"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{{"textDocument":{{"uri":"{uri}","languageId":"nginx","version":1,"text":{}}}}}}}"#,
        esc(&broken)
    ));
    // The broken buffer's diagnostics name the bogus directive; the fixed one's do not (the file
    // may have other findings: the benchmark tree has true ones).
    let broken_seen = |m: &str| m.contains("publishDiagnostics") && m.contains("bogus_directive_x");
    let fixed_seen = |m: &str| {
        m.contains("publishDiagnostics") && m.contains(&uri) && !m.contains("bogus_directive_x")
    };
    if !recv_until(&broken_seen) {
        return;
    }
    let mut times = Vec::new();
    for i in 0..runs {
        let (body, wanted): (&String, &dyn Fn(&str) -> bool) = if i % 2 == 0 {
            (&text, &fixed_seen)
        } else {
            (&broken, &broken_seen)
        };
        let t = Instant::now();
        send(format!(
            r#"{{"jsonrpc":"2.0","method":"textDocument/didChange","params":{{"textDocument":{{"uri":"{uri}","version":{}}},"contentChanges":[{{"text":{}}}]}}}}"#,
            i + 2,
            esc(body)
        ));
        if !recv_until(wanted) {
            return;
        }
        times.push(t.elapsed());
    }
    let _ = child.kill();
    let _ = child.wait();
    times.sort();
    println!("\nngxlint lsp on {}: didChange → publishDiagnostics, {} changes: median {:.1} ms (min {:.1}, max {:.1})", tree.display(), times.len(), times[times.len() / 2].as_secs_f64() * 1e3, times[0].as_secs_f64() * 1e3, times[times.len() - 1].as_secs_f64() * 1e3);
}

/// Reads one big file with one thread.
fn single_file_speed(tree: &Path) {
    let mut one = Vec::new();
    for f in walk(&tree.join("nginx")) {
        if let Ok(b) = std::fs::read(&f) {
            one.extend_from_slice(&b);
            one.push(b'\n');
        }
    }
    let unit = one.clone();
    while one.len() < 25_000_000 {
        one.extend_from_slice(&unit);
    }
    let mut times = Vec::new();
    let mut directives = 0;
    for _ in 0..7 {
        let t = Instant::now();
        let parsed = nginx_syntax::parse(&one);
        times.push(t.elapsed());
        directives = count(&parsed.directives);
        std::hint::black_box(&parsed);
    }
    times.sort();
    let med = times[times.len() / 2];
    println!(
        "\nsingle file, one thread: {:.1} MB, {} directives: median {:.1} ms = {:.0} MB/s",
        one.len() as f64 / 1e6,
        directives,
        med.as_secs_f64() * 1e3,
        one.len() as f64 / 1e6 / med.as_secs_f64()
    );
}

fn count(ds: &[nginx_syntax::Directive]) -> usize {
    ds.iter().map(|d| 1 + count(d.children())).sum()
}

struct Sample {
    walls: Vec<Duration>,
    rss_kb: Vec<i64>,
}

impl Sample {
    fn median(&self) -> Duration {
        self.walls[self.walls.len() / 2]
    }
}

fn row(name: &str, s: &Sample) {
    let rss = s.rss_kb.iter().max().copied().unwrap_or(0);
    println!(
        "| {name} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} MB |",
        s.median().as_secs_f64() * 1e3,
        s.walls[0].as_secs_f64() * 1e3,
        s.walls[s.walls.len() - 1].as_secs_f64() * 1e3,
        rss as f64 / 1024.0
    );
}

/// One run of the command through a fresh launcher process: wall time and peak RSS (KiB).
fn run_once(c: Command) -> Option<(Duration, i64)> {
    let me = std::env::current_exe().unwrap_or_default();
    let mut l = Command::new(&me);
    l.env("NGXLINT_BENCH_LAUNCH", "1")
        .arg("--")
        .arg(c.get_program())
        .args(c.get_args());
    if let Some(d) = c.get_current_dir() {
        l.current_dir(d);
    }
    let out = l.stderr(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    let ns = it.next()?.parse::<u64>().ok()?;
    let rss = it.next()?.parse::<i64>().ok()?;
    Some((Duration::from_nanos(ns), rss))
}

fn sample(mut runs: Vec<(Duration, i64)>) -> Sample {
    let rss_kb = runs.iter().map(|r| r.1).collect();
    runs.sort();
    let mut walls: Vec<Duration> = runs.into_iter().map(|r| r.0).collect();
    if walls.is_empty() {
        walls.push(Duration::ZERO);
    }
    Sample { walls, rss_kb }
}

fn measure(runs: usize, mut cmd: impl FnMut() -> Command) -> Sample {
    sample((0..runs).filter_map(|_| run_once(cmd())).collect())
}

/// Two commands run alternately (after one unmeasured run of each, so both meet warm caches):
/// a machine whose speed drifts slows both alike. Also returns the median of the per-pair ratios
/// of wall times, the figure least moved by drift.
fn measure_pair(
    runs: usize,
    mut a: impl FnMut() -> Command,
    mut b: impl FnMut() -> Command,
) -> (Sample, Sample, f64) {
    let _ = (run_once(a()), run_once(b()));
    let (mut ra, mut rb, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let (Some(x), Some(y)) = (run_once(a()), run_once(b())) else {
            continue;
        };
        ratios.push(x.0.as_secs_f64() / y.0.as_secs_f64().max(1e-9));
        ra.push(x);
        rb.push(y);
    }
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios.get(ratios.len() / 2).copied().unwrap_or(0.0);
    (sample(ra), sample(rb), ratio)
}

/// Waits for the child and returns its peak RSS in KiB.
fn wait_rusage(pid: i32) -> (bool, i64) {
    let mut status = 0;
    // SAFETY: rusage is plain old data; wait4 fills it for our own child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    (r == pid, ru.ru_maxrss)
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain(["/usr/sbin", "/sbin"].iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn tree_bytes(dir: &Path) -> u64 {
    walk(dir)
        .iter()
        .filter_map(|p| p.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn count_files(dir: &Path) -> usize {
    walk(dir).len()
}
