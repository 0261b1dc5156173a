//! The security rules proved against the real nginx: each scenario's bad configuration is
//! exploited on 127.0.0.1 and its good one is not, and `ngxlint check` flags the first and not the
//! second.
//!
//! For each scenario a bad and a good configuration (testdata/security/CODE/) are rendered into a
//! fresh prefix with the shared main file (`testdata/security/nginx.conf.in`); nginx starts on a
//! free 127.0.0.1 port (with `echo.py` upstreams where the scenario needs them, which answer with
//! what they were sent); the scenario's exploit is sent as raw bytes and its effect read from the
//! response — a file from outside the alias, a header the client wrote, what the upstream saw —
//! and must appear for the bad variant only. A client "outside" is 127.0.0.2, another loopback
//! address. Then `ngxlint check` runs on the prefix, told the version `nginx -v` prints.
//! A template's `{{LISTEN}}` is the server's address: `127.0.0.1:PORT` for the real nginx, and for
//! ngxlint just `PORT` (every address, as the configuration is deployed): a rule may rightly leave
//! alone a server only the machine itself can reach.
//!
//! Needs root (nginx's workers switch to www-data), nginx and python3. When one is missing the test
//! fails if `CI` is set and otherwise prints a skip line. Every server runs in its own process group
//! and is stopped through it by a guard, also when an assertion fails. Set `NGXLINT_KEEP_LAB=1` to
//! keep the rendered prefixes under /tmp.

#[path = "support/servers.rs"]
mod servers;

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use servers::*;

/// `ngxlint check` on a small tree.
const LINT_TIMEOUT: Duration = Duration::from_secs(20);

fn templates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/security")
}

/// The client inside (the server's own address) and one outside it.
const INSIDE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
const OUTSIDE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// A scenario: a rule, its variants, the upstreams it needs, and the exploit.
struct Scenario {
    code: &'static str,
    /// `(name, template under testdata/security/CODE/, bad)`.
    variants: &'static [(&'static str, &'static str, bool)],
    /// Names of `echo.py` upstreams to start; each gets a port `{{NAME_PORT}}` (upper case).
    upstreams: &'static [&'static str],
    /// Sends the exploit: `Ok(Some(evidence))` when it worked, `Ok(None)` when the server resisted
    /// (with the sanity requests that show the variant still serves), `Err` when the lab is broken.
    exploit: fn(&Lab) -> Result<Option<String>, String>,
}

/// A response as read from the socket.
#[derive(Debug)]
struct Response {
    status: u16,
    /// The header block as sent, CRLFs included (split to find injected lines).
    head: Vec<u8>,
    body: Vec<u8>,
}

impl Response {
    /// The values of a header (case-insensitive name), as sent.
    fn headers(&self, name: &str) -> Vec<String> {
        let head = String::from_utf8_lossy(&self.head);
        head.split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }
    fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `request` as is from `from` to nginx and reads the whole response (the request should
/// carry `Connection: close`).
fn send(from: IpAddr, port: u16, request: &[u8]) -> Result<Response, String> {
    let socket = socket2_connect(from, port)?;
    let mut s = socket;
    s.set_read_timeout(Some(READY)).map_err(|e| e.to_string())?;
    s.write_all(request).map_err(|e| format!("send: {e}"))?;
    let deadline = Instant::now() + READY;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(format!("no response within {READY:?}"))
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset && !raw.is_empty() => break,
            // A signal landing during the read (nginx's workers and the other labs' children
            // exit beside this test) is not an answer: read again.
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("read: {e}")),
        }
        if Instant::now() > deadline {
            return Err(format!("no end of response after {READY:?}"));
        }
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no header end in {:?}", String::from_utf8_lossy(&raw)))?;
    let head = raw[..split + 2].to_vec();
    let body = raw[split + 4..].to_vec();
    let status = String::from_utf8_lossy(&head[..head.len().min(12)])
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("not an HTTP response: {:?}", String::from_utf8_lossy(&raw)))?;
    Ok(Response { status, head, body })
}

/// A TCP connection from a chosen loopback address (bound before connecting).
fn socket2_connect(from: IpAddr, port: u16) -> Result<TcpStream, String> {
    // SAFETY: plain socket calls on a descriptor this function owns until it hands it over.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error().to_string());
        }
        let addr = |ip: IpAddr, port: u16| {
            let IpAddr::V4(v4) = ip else { unreachable!() };
            libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: port.to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(v4.octets()),
                },
                sin_zero: [0; 8],
            }
        };
        let local = addr(from, 0);
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        let stream = <TcpStream as std::os::fd::FromRawFd>::from_raw_fd(fd);
        if libc::bind(fd, &local as *const _ as *const libc::sockaddr, len) != 0 {
            return Err(format!("bind {from}: {}", std::io::Error::last_os_error()));
        }
        let remote = addr(INSIDE, port);
        // A connect interrupted by a signal goes on in the kernel: ask again until it is done.
        let deadline = Instant::now() + READY;
        while libc::connect(fd, &remote as *const _ as *const libc::sockaddr, len) != 0 {
            let e = std::io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EISCONN) => break,
                Some(libc::EINTR | libc::EALREADY | libc::EINPROGRESS)
                    if Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(1))
                }
                _ => return Err(format!("connect: {e}")),
            }
        }
        Ok(stream)
    }
}

/// `GET path` with `Host: lab` from `from`.
fn get(lab: &Lab, from: IpAddr, path: &str) -> Result<Response, String> {
    send(
        from,
        lab.port,
        format!("GET {path} HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// The programs the suite needs.
struct Tools {
    nginx: PathBuf,
    nginx_version: String,
    python: PathBuf,
    openssl: PathBuf,
}

impl Tools {
    fn find(test: &str) -> Option<Tools> {
        let nginx = tool("NGINX", &["/usr/sbin/nginx"], "nginx");
        let python = tool("PYTHON3", &[], "python3");
        let openssl = tool("OPENSSL", &["/usr/bin/openssl"], "openssl");
        let mut missing = Vec::new();
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            missing.push("root (nginx switches its workers to www-data)");
        }
        if nginx.is_none() {
            missing.push("nginx");
        }
        if python.is_none() {
            missing.push("python3");
        }
        if openssl.is_none() {
            missing.push("openssl");
        }
        if !missing.is_empty() {
            let missing = missing.join(", ");
            if std::env::var_os("CI").is_some() {
                panic!("{test}: needs {missing} when CI is set, but it was not found");
            }
            eprintln!("skipped {test}: needs {missing} (set CI=1 to make this a failure)");
            return None;
        }
        let nginx = nginx?;
        Some(Tools {
            nginx_version: nginx_version(&nginx),
            nginx,
            python: python?,
            openssl: openssl?,
        })
    }
}

/// One variant's prefix.
struct Lab<'t> {
    dir: PathBuf,
    vars: Vec<(String, String)>,
    port: u16,
    tools: &'t Tools,
    label: String,
}

impl Drop for Lab<'_> {
    fn drop(&mut self) {
        if std::env::var_os("NGXLINT_KEEP_LAB").is_some() {
            eprintln!("kept {}", self.dir.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

impl<'t> Lab<'t> {
    fn new(sc: &Scenario, name: &str, template: &str, tools: &'t Tools) -> Lab<'t> {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = PathBuf::from(format!(
            "/tmp/ngxsec-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        let port = free_port();
        let mut vars = vec![
            ("PREFIX".to_string(), dir.display().to_string()),
            ("PORT".to_string(), port.to_string()),
            ("LISTEN".to_string(), format!("127.0.0.1:{port}")),
            ("DEAD_PORT".to_string(), free_port().to_string()),
        ];
        for up in sc.upstreams {
            vars.push((
                format!("{}_PORT", up.to_ascii_uppercase()),
                free_port().to_string(),
            ));
        }
        let read = |rel: &str| {
            let p = templates().join(rel);
            fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
        };
        let site = read(&format!("{}/{template}", sc.code));
        // Main-context lines and the events block's connections, from the scenario's template.
        let main: Vec<&str> = site
            .lines()
            .filter_map(|l| l.strip_prefix("# main: "))
            .collect();
        let connections = site
            .lines()
            .find_map(|l| l.strip_prefix("# worker_connections: "))
            .unwrap_or("64");
        vars.push(("MAIN".to_string(), main.join("\n")));
        vars.push((
            "WORKER_CONNECTIONS".to_string(),
            connections.trim().to_string(),
        ));
        let lab = Lab {
            dir,
            vars,
            port,
            tools,
            label: format!("{} {name}", sc.code),
        };
        for d in ["", "conf.d", "logs", "run", "tmp", "www", "www/data"] {
            let p = lab.dir.join(d);
            fs::create_dir_all(&p).unwrap_or_else(|e| panic!("mkdir {}: {e}", p.display()));
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        }
        lab.write("nginx.conf", &lab.fill(&read("nginx.conf.in")));
        lab.write("conf.d/site.conf", &lab.fill(&site));
        // A self-signed pair for TLS variants (EC: fast).
        if site.contains("/tls/") {
            fs::create_dir_all(lab.dir.join("tls")).unwrap();
            let mut cmd = Command::new(&tools.openssl);
            cmd.args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
                .arg("ec_paramgen_curve:prime256v1")
                .args(["-nodes", "-days", "2", "-subj", "/CN=lab"])
                .arg("-keyout")
                .arg(lab.dir.join("tls/key.pem"))
                .arg("-out")
                .arg(lab.dir.join("tls/cert.pem"));
            let (code, out) = run_bounded(&mut cmd, &lab.dir.join("logs/openssl.out"), READY);
            assert_eq!(code, Some(0), "{}: openssl req failed:\n{out}", lab.label);
        }
        // A certificate whose OCSP responder is `http://localhost:{{OCSP_PORT}}/`, issued by a
        // lab CA, as `tls/ocsp-chain.pem` (certificate, then CA) and `tls/ocsp-key.pem`.
        if site.contains("/tls/ocsp-") {
            lab.ocsp_certificate();
        }
        // A certificate without an OCSP responder where certbot keeps Let's Encrypt's.
        if site.contains("/tls/letsencrypt/") {
            lab.issued_certificate(
                None,
                "tls/letsencrypt/live/lab/fullchain.pem",
                "tls/letsencrypt/live/lab/privkey.pem",
            );
        }
        // What a server must not give away, and what it may.
        lab.write("www/secret.txt", "SECRET-OUTSIDE-THE-ALIAS\n");
        lab.write("www/data/public.txt", "public file\n");
        lab
    }

    /// A lab CA and a certificate it issues with an OCSP responder URL (`authorityInfoAccess`)
    /// on `localhost` and the `ocsp` upstream's port: `tls/ocsp-chain.pem`, `tls/ocsp-key.pem`.
    fn ocsp_certificate(&self) {
        let port = self.upstream_port("ocsp");
        self.issued_certificate(Some(port), "tls/ocsp-chain.pem", "tls/ocsp-key.pem");
    }

    /// A lab CA and a certificate it issues, with an OCSP responder URL on `localhost:PORT` or
    /// none (as Let's Encrypt's since 2025), written as `chain` (certificate, then CA) and `key`.
    fn issued_certificate(&self, responder: Option<u16>, chain: &str, key: &str) {
        let tls = self.dir.join("tls");
        for rel in [chain, key] {
            if let Some(parent) = self.dir.join(rel).parent() {
                fs::create_dir_all(parent).unwrap();
            }
        }
        let aia = responder
            .map(|p| format!("authorityInfoAccess = OCSP;URI:http://localhost:{p}/\n"))
            .unwrap_or_default();
        self.write(
            "tls/leaf-ext.cnf",
            &format!("[leaf]\n{aia}basicConstraints = CA:FALSE\n"),
        );
        let openssl = |args: &[&str]| {
            let mut cmd = Command::new(&self.tools.openssl);
            cmd.args(args).current_dir(&tls);
            let (code, out) = run_bounded(&mut cmd, &self.dir.join("logs/openssl.out"), READY);
            assert_eq!(
                code,
                Some(0),
                "{}: openssl {args:?} failed:\n{out}",
                self.label
            );
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let key = self.dir.join(key).display().to_string();
        openssl(
            &[
                &["req", "-x509"][..],
                &ec,
                &["-days", "2", "-subj", "/CN=lab ca"],
                &["-keyout", "ca-key.pem", "-out", "ca.pem"],
            ]
            .concat(),
        );
        openssl(
            &[
                &["req"][..],
                &ec,
                &["-subj", "/CN=lab", "-keyout", &key, "-out", "leaf.csr"],
            ]
            .concat(),
        );
        openssl(&[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "leaf-ext.cnf",
            "-extensions",
            "leaf",
            "-out",
            "leaf.pem",
        ]);
        let text = [tls.join("leaf.pem"), tls.join("ca.pem")]
            .iter()
            .map(|p| fs::read_to_string(p).unwrap())
            .collect::<String>();
        self.write(chain, &text);
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.dir.join(rel);
        fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
    }

    /// Replaces every `{{NAME}}`; a placeholder left over is a broken template.
    fn fill(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (k, v) in &self.vars {
            out = out.replace(&format!("{{{{{k}}}}}"), v);
        }
        if let Some(at) = out.find("{{") {
            panic!("{}: unknown placeholder at {:?}", self.label, &out[at..]);
        }
        out
    }

    /// The port of an upstream by name.
    fn upstream_port(&self, name: &str) -> u16 {
        let key = format!("{}_PORT", name.to_ascii_uppercase());
        self.vars
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or_else(|| panic!("{}: no upstream {name}", self.label))
    }

    /// Starts the upstreams and nginx, runs the exploit, stops them: the exploit's verdict.
    fn real_half(&self, sc: &Scenario) -> Result<Option<String>, String> {
        let conf = self.dir.join("nginx.conf");
        let error_log = self.dir.join("logs/error.log");
        let prefix = format!("{}/", self.dir.display());
        let args = |cmd: &mut Command| {
            cmd.arg("-p")
                .arg(&prefix)
                .arg("-c")
                .arg(&conf)
                .arg("-e")
                .arg(&error_log);
        };
        let mut test = Command::new(&self.tools.nginx);
        test.arg("-t");
        args(&mut test);
        let (code, out) = run_bounded(&mut test, &self.dir.join("logs/nginx-t.out"), READY);
        assert_eq!(
            code,
            Some(0),
            "{}: nginx -t refuses the variant:\n{out}",
            self.label
        );
        let mut procs = Procs::default();
        for up in sc.upstreams {
            let port = self.upstream_port(up);
            let ready = self.dir.join(format!("run/{up}.ready"));
            let mut cmd = Command::new(&self.tools.python);
            cmd.arg(templates().join("echo.py"))
                .arg(port.to_string())
                .arg(&ready)
                .arg(up);
            let i = procs.spawn(
                "upstream",
                &mut cmd,
                &self.dir.join(format!("logs/{up}.out")),
            );
            procs.wait_ready(i, &self.label, || ready.exists());
        }
        let mut cmd = Command::new(&self.tools.nginx);
        args(&mut cmd);
        let i = procs.spawn("nginx", &mut cmd, &self.dir.join("logs/nginx.out"));
        let port = self.port;
        procs.wait_ready(i, &self.label, || probe(port));
        let verdict = (sc.exploit)(self);
        procs.stop();
        verdict.map_err(|e| format!("{e}{}", dump_logs(&error_log)))
    }

    /// `ngxlint check` on the prefix: whether it reports the scenario's code. No reader check may
    /// call a configuration nginx ran an error.
    fn lint_half(&self, sc: &Scenario, template: &str, code: &str) -> bool {
        let root = self.dir.display().to_string();
        // As deployed: `{{LISTEN}}` on every address.
        let text = fs::read_to_string(templates().join(sc.code).join(template)).unwrap();
        if text.contains("{{LISTEN}}") {
            let deployed = text.replace("{{LISTEN}}", &self.port.to_string());
            self.write("conf.d/site.conf", &self.fill(&deployed));
        }
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ngxlint"));
        // Every rule, opt-in ones too: the scenario's rule is judged whether it runs by default.
        cmd.args([
            "check", "--format", "concise", "--color", "never", "--select", "ALL",
        ])
        .args(["--nginx-version", &self.tools.nginx_version])
        .arg("--root")
        .arg(&root)
        .arg(&root)
        .current_dir(&self.dir);
        let (status, out) = run_bounded(&mut cmd, &self.dir.join("logs/ngxlint.out"), LINT_TIMEOUT);
        assert!(
            matches!(status, Some(0) | Some(1)),
            "{}: ngxlint check exited {status:?}:\n{out}",
            self.label
        );
        let wrong: Vec<&str> = out
            .lines()
            .filter(|l| (l.contains("[NGX0") || l.contains("[FPM0")) && l.contains(": error: "))
            .collect();
        assert!(
            wrong.is_empty(),
            "{}: nginx runs this configuration, but ngxlint calls it an error:\n{}",
            self.label,
            wrong.join("\n")
        );
        out.lines().any(|l| l.ends_with(&format!("[{code}]")))
    }
}

fn run(sc: &Scenario) {
    let test = format!("{} security scenario", sc.code);
    let Some(tools) = Tools::find(&test) else {
        return;
    };
    for &(name, template, bad) in sc.variants {
        let lab = Lab::new(sc, name, template, &tools);
        let t = Instant::now();
        let exploited = lab
            .real_half(sc)
            .unwrap_or_else(|e| panic!("{}: the lab failed: {e}", lab.label));
        match (bad, &exploited) {
            (true, None) => panic!(
                "{}: the exploit did not work on the bad variant{}",
                lab.label,
                dump_logs(&lab.dir.join("logs/error.log"))
            ),
            (false, Some(e)) => {
                panic!("{}: the exploit worked on the good variant: {e}", lab.label)
            }
            _ => {}
        }
        let flagged = lab.lint_half(sc, template, sc.code);
        assert_eq!(
            flagged,
            bad,
            "{}: ngxlint {} {} (see {}/logs/ngxlint.out with NGXLINT_KEEP_LAB=1)",
            lab.label,
            if flagged {
                "reports"
            } else {
                "does not report"
            },
            sc.code,
            lab.dir.display()
        );
        eprintln!(
            "{} {:<12} {} ({:.2} s) -- ngxlint: {}",
            sc.code,
            name,
            exploited.as_deref().unwrap_or("not exploitable"),
            t.elapsed().as_secs_f64(),
            if flagged { "reported" } else { "clean" }
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/// NGX201: `/files../secret.txt` reads a file of the folder above the alias.
const NGX201: Scenario = Scenario {
    code: "NGX201",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let public = get(lab, INSIDE, "/files/public.txt")?;
        if public.status != 200 || !public.body_text().contains("public file") {
            return Err(format!("the alias itself does not serve: {public:?}"));
        }
        let r = get(lab, OUTSIDE, "/files../secret.txt")?;
        Ok(
            (r.status == 200 && r.body_text().contains("SECRET-OUTSIDE-THE-ALIAS")).then(|| {
                format!(
                    "GET /files../secret.txt: {} with {}",
                    r.status,
                    r.body_text().trim()
                )
            }),
        )
    },
};

#[test]
fn ngx201_alias_traversal() {
    run(&NGX201);
}

/// NGX401: a CR LF in the URI adds a `Set-Cookie` of the client's to the response, through a
/// redirect's `Location` and through `add_header`.
const NGX401: Scenario = Scenario {
    code: "NGX401",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let mut evidence = Vec::new();
        for path in ["/old/", "/page/"] {
            let plain = get(lab, INSIDE, path)?;
            if plain
                .headers("Set-Cookie")
                .iter()
                .any(|v| v.contains("pwned"))
            {
                return Err(format!("{path}: a cookie without the exploit: {plain:?}"));
            }
            let r = get(lab, OUTSIDE, &format!("{path}%0d%0aSet-Cookie:%20pwned=1"))?;
            if r.headers("Set-Cookie").iter().any(|v| v == "pwned=1") {
                evidence.push(format!(
                    "GET {path}%0d%0a…: {} with `Set-Cookie: pwned=1`",
                    r.status
                ));
            }
        }
        // Both places split, or neither: a half-working lab proves nothing.
        match evidence.len() {
            0 => Ok(None),
            2 => Ok(Some(evidence.join("; "))),
            _ => Err(format!("only one of the two places split: {evidence:?}")),
        }
    },
};

/// The TLS protocol `openssl s_client` completes a handshake with when it offers only `flag`
/// (`-tls1`), at security level 0 on the client side; `None` when the server refuses.
fn handshake(lab: &Lab, flag: &str) -> Result<Option<String>, String> {
    let mut cmd = Command::new(&lab.tools.openssl);
    cmd.args([
        "s_client",
        "-connect",
        &format!("127.0.0.1:{}", lab.port),
        flag,
    ])
    .args(["-cipher", "DEFAULT:@SECLEVEL=0", "-servername", "lab"])
    .stdin(std::process::Stdio::null());
    let (_, out) = run_bounded(&mut cmd, &lab.dir.join("logs/s_client.out"), READY);
    let protocol = out
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("New, ")
                .map(|r| r.split(',').next().unwrap_or("").to_string())
        })
        .ok_or_else(|| format!("no handshake summary from openssl s_client:\n{out}"))?;
    Ok((protocol != "(NONE)").then_some(protocol))
}

/// `GET path` over TLS (`openssl s_client`, the request from a file through the shell: the
/// servers' runner gives commands no input), the response's status and `Location`.
fn tls_get(lab: &Lab, path: &str) -> Result<(u16, String), String> {
    let request = lab.dir.join("run/tls-request");
    fs::write(
        &request,
        format!("GET {path} HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n"),
    )
    .map_err(|e| e.to_string())?;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(r#""$0" s_client -quiet -connect "127.0.0.1:$1" -servername lab < "$2""#)
        .arg(&lab.tools.openssl)
        .arg(lab.port.to_string())
        .arg(&request);
    let (_, out) = run_bounded(&mut cmd, &lab.dir.join("logs/tls-get.out"), READY);
    let head = out
        .find("HTTP/1.1 ")
        .map(|i| &out[i..])
        .ok_or_else(|| format!("no HTTP response over TLS:\n{out}"))?;
    let status = head
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("not an HTTP response: {head:?}"))?;
    let location = head
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .find_map(|l| l.strip_prefix("Location: "))
        .unwrap_or("")
        .trim()
        .to_string();
    Ok((status, location))
}

/// NGX110: an HTTPS request is redirected to plain HTTP on the same host.
const NGX110: Scenario = Scenario {
    code: "NGX110",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let (status, location) = tls_get(lab, "/old/x")?;
        if status != 301 || !location.contains("://lab/old/x") {
            return Err(format!("not the redirect: {status} {location:?}"));
        }
        Ok(location
            .starts_with("http://")
            .then(|| format!("GET https://lab/old/x: {status} to `{location}`")))
    },
};

#[test]
fn ngx110_https_downgrade_redirect() {
    run(&NGX110);
}

/// NGX101: a client that offers TLS 1.0 only gets a TLS 1.0 connection.
const NGX101: Scenario = Scenario {
    code: "NGX101",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        if handshake(lab, "-tls1_2")?.as_deref() != Some("TLSv1.2") {
            return Err("no TLS 1.2 handshake".into());
        }
        Ok(handshake(lab, "-tls1")?.map(|p| format!("openssl s_client -tls1: {p} negotiated")))
    },
};

#[test]
fn ngx101_weak_tls_protocol() {
    run(&NGX101);
}

/// NGX107: a handshake that asks for the certificate's status makes nginx fetch a staple; with
/// the responder a name and no `resolver`, nginx logs that it has none and uses the address it
/// found at start.
const NGX107: Scenario = Scenario {
    code: "NGX107",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &["ocsp"],
    exploit: |lab| {
        let log = lab.dir.join("logs/error.log");
        // nginx fetches the staple in the background of the first handshake that asks for it.
        for _ in 0..2 {
            let mut cmd = Command::new(&lab.tools.openssl);
            cmd.args([
                "s_client",
                "-status",
                "-connect",
                &format!("127.0.0.1:{}", lab.port),
            ])
            .args(["-servername", "lab"])
            .stdin(std::process::Stdio::null());
            run_bounded(&mut cmd, &lab.dir.join("logs/s_client.out"), READY);
        }
        // The responder (an HTTP echo, not an OCSP server) was asked: nginx refuses its answer.
        let deadline = Instant::now() + READY;
        let text = loop {
            let text = fs::read_to_string(&log).unwrap_or_default();
            if text.contains("OCSP responder") || Instant::now() > deadline {
                break text;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        if !text.contains("OCSP responder") {
            return Err("nginx did not ask the OCSP responder".into());
        }
        Ok(text
            .lines()
            .find(|l| l.contains("no resolver defined to resolve localhost"))
            .map(|l| format!("error log: {}", l.split_once("] ").map_or(l, |x| x.1))))
    },
};

#[test]
fn ngx107_ssl_stapling_without_resolver() {
    run(&NGX107);
}

/// NGX108: a certificate without an OCSP responder, as Let's Encrypt issues them since 2025:
/// nginx says at start that it ignores `ssl_stapling`, and a status request gets no staple.
const NGX108: Scenario = Scenario {
    code: "NGX108",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &["ocsp"],
    exploit: |lab| {
        let test = fs::read_to_string(lab.dir.join("logs/nginx-t.out")).unwrap_or_default();
        Ok(test
            .lines()
            .find(|l| l.contains("\"ssl_stapling\" ignored, no OCSP responder URL"))
            .map(|l| format!("nginx -t: {}", l.split_once("] ").map_or(l, |x| x.1))))
    },
};

#[test]
fn ngx108_ssl_stapling_letsencrypt() {
    run(&NGX108);
}

/// NGX103: the `Server` header and the error page name nginx's version.
const NGX103: Scenario = Scenario {
    code: "NGX103",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let r = get(lab, OUTSIDE, "/")?;
        let server = r.headers("Server").join(" ");
        if !server.starts_with("nginx") || r.status != 404 {
            return Err(format!("not nginx's 404: {r:?}"));
        }
        let version = format!("nginx/{}", lab.tools.nginx_version);
        Ok((server == version && r.body_text().contains(&version))
            .then(|| format!("`Server: {server}`, and the 404 page names {version}")))
    },
};

#[test]
fn ngx103_version_disclosure() {
    run(&NGX103);
}

/// NGX104: without a `default_server`, a request for an unknown host reaches the first server.
const NGX104: Scenario = Scenario {
    code: "NGX104",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let site = get(lab, OUTSIDE, "/")?;
        if site.status != 200 || !site.body_text().contains("public site") {
            return Err(format!("the public site is not served: {site:?}"));
        }
        // A scanner asks for the bare address.
        let r = send(
            OUTSIDE,
            lab.port,
            b"GET / HTTP/1.1\r\nHost: 203.0.113.7\r\nConnection: close\r\n\r\n",
        )?;
        Ok((r.status == 200 && r.body_text().contains("admin console"))
            .then(|| "GET / with Host: 203.0.113.7: 200 \"admin console\"".to_string()))
    },
};

#[test]
fn ngx104_default_server_missing() {
    run(&NGX104);
}

/// NGX205: a folder's listing names its files.
const NGX205: Scenario = Scenario {
    code: "NGX205",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let file = get(lab, INSIDE, "/files/public.txt")?;
        if file.status != 200 {
            return Err(format!("the folder is not served: {file:?}"));
        }
        let r = get(lab, OUTSIDE, "/files/")?;
        Ok((r.status == 200 && r.body_text().contains("public.txt"))
            .then(|| "GET /files/: 200 with a listing naming public.txt".to_string()))
    },
};

#[test]
fn ngx205_autoindex_enabled() {
    run(&NGX205);
}

/// NGX406: `valid_referers none` lets a request without a `Referer` through the check that
/// refuses another site's.
const NGX406: Scenario = Scenario {
    code: "NGX406",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let with = |referer: &str| {
            send(
                OUTSIDE,
                lab.port,
                format!(
                    "GET /files/public.txt HTTP/1.1\r\nHost: lab\r\nReferer: {referer}\r\nConnection: close\r\n\r\n"
                )
                .as_bytes(),
            )
        };
        let own = with("http://lab/page.html")?;
        if own.status != 200 || !own.body_text().contains("public file") {
            return Err(format!("the site's own page is not served: {own:?}"));
        }
        let foreign = with("http://evil.test/hotlink.html")?;
        if foreign.status != 403 {
            return Err(format!(
                "the check does not refuse another site: {foreign:?}"
            ));
        }
        let bare = get(lab, OUTSIDE, "/files/public.txt")?;
        Ok(
            (bare.status == 200 && bare.body_text().contains("public file")).then(|| {
                "Referer: http://evil.test/ got 403, the same request without a Referer got 200"
                    .to_string()
            }),
        )
    },
};

#[test]
fn ngx406_referer_check_allows_none() {
    run(&NGX406);
}

/// NGX505: `worker_rlimit_nofile` under twice `worker_connections`: concurrent proxied requests
/// run the worker out of descriptors.
const NGX505: Scenario = Scenario {
    code: "NGX505",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &["app"],
    exploit: |lab| {
        // Sixteen requests held by the upstream at once: 32 descriptors and the worker's own. When
        // the worker runs out, a request fails with 500 (no socket for the upstream) or waits until
        // another ends (no descriptor to accept it): which one depends on timing.
        let results: Vec<(Result<u16, String>, Duration)> = std::thread::scope(|s| {
            let all: Vec<_> = (0..16)
                .map(|i| {
                    s.spawn(move || {
                        let t = Instant::now();
                        let r = get(lab, INSIDE, &format!("/slow/{i}")).map(|r| r.status);
                        (r, t.elapsed())
                    })
                })
                .collect();
            all.into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| (Err("panicked".into()), Duration::ZERO))
                })
                .collect()
        });
        let ok = results.iter().filter(|(r, _)| matches!(r, Ok(200))).count();
        if ok == 0 {
            return Err(format!("no request was served: {results:?}"));
        }
        let failed = results.len() - ok;
        // The upstream answers after 1.5 s; a request that took twice that waited for a descriptor.
        let stalled = results
            .iter()
            .filter(|(r, t)| matches!(r, Ok(200)) && *t >= Duration::from_millis(2900))
            .count();
        let log = fs::read_to_string(lab.dir.join("logs/error.log")).unwrap_or_default();
        Ok(
            ((failed > 0 || stalled > 0) && log.contains("Too many open files")).then(|| {
                format!(
                    "of {} concurrent proxied requests, {failed} failed and {stalled} waited for a descriptor; error log: `Too many open files`",
                    results.len()
                )
            }),
        )
    },
};

#[test]
fn ngx505_worker_rlimit_below_connections() {
    run(&NGX505);
}

/// NGX407: the client's `Upgrade` passed on: `h2c` opens a tunnel to the application, and a
/// request for a location nginx denies goes through it.
const NGX407: Scenario = Scenario {
    code: "NGX407",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &["app"],
    exploit: |lab| {
        let denied = get(lab, OUTSIDE, "/admin/secret")?;
        if denied.status != 403 {
            return Err(format!("/admin/ is not denied: {denied:?}"));
        }
        let page = get(lab, OUTSIDE, "/")?;
        if page.status != 200 {
            return Err(format!("/ is not served: {page:?}"));
        }
        let mut s = socket2_connect(OUTSIDE, lab.port)?;
        s.set_read_timeout(Some(Duration::from_secs(3)))
            .map_err(|e| e.to_string())?;
        s.write_all(b"GET / HTTP/1.1\r\nHost: lab\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n")
            .map_err(|e| format!("send: {e}"))?;
        // The answer to the upgrade: 101 and a tunnel, or a plain response.
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match s.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                _ => break,
            }
        }
        if !head.starts_with(b"HTTP/1.1 101") {
            return Ok(None);
        }
        // Inside the tunnel, the request nginx denies.
        s.write_all(b"GET /admin/secret HTTP/1.1\r\nHost: lab\r\n\r\n")
            .map_err(|e| format!("send: {e}"))?;
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
        let rest = String::from_utf8_lossy(&rest);
        Ok((rest.starts_with("HTTP/1.1 200") && rest.contains("GET /admin/secret")).then(|| {
            "GET /admin/secret: 403 from nginx; the same request through an `Upgrade: h2c` tunnel reached the application (200)".to_string()
        }))
    },
};

#[test]
fn ngx407_upgrade_passed_unchecked() {
    run(&NGX407);
}

/// NGX215: `$2` after a regex with one group: the redirect loses the page asked for.
const NGX215: Scenario = Scenario {
    code: "NGX215",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let r = get(lab, OUTSIDE, "/old/page")?;
        if r.status != 301 {
            return Err(format!("no redirect: {r:?}"));
        }
        let location = r.headers("Location").join(" ");
        Ok(location
            .ends_with("/new/")
            .then(|| format!("GET /old/page: 301 to `{location}`, the page asked for lost")))
    },
};

#[test]
fn ngx215_capture_group_missing() {
    run(&NGX215);
}

/// NGX216: a second location with the same regex: its `deny all` never applies.
const NGX216: Scenario = Scenario {
    code: "NGX216",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let r = get(lab, OUTSIDE, "/admin.php")?;
        match r.status {
            200 => Ok(Some(format!(
                "GET /admin.php: 200 `{}` from the first location; the second's `deny all` never applied",
                r.body_text().trim()
            ))),
            403 => Ok(None),
            _ => Err(format!("neither served nor refused: {r:?}")),
        }
    },
};

#[test]
fn ngx216_unreachable_location() {
    run(&NGX216);
}

/// NGX217: a location without `root` where others set theirs: nginx looks in its own `html`.
const NGX217: Scenario = Scenario {
    code: "NGX217",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        // The location with its own `root` serves its files either way.
        let data = get(lab, OUTSIDE, "/data/public.txt")?;
        if data.status != 200 {
            return Err(format!("the location with a root does not serve: {data:?}"));
        }
        let r = get(lab, OUTSIDE, "/secret.txt")?;
        match r.status {
            404 => Ok(Some(
                "GET /secret.txt: 404, nginx looked in its default `html` folder".to_string(),
            )),
            200 => Ok(None),
            _ => Err(format!("neither served nor missing: {r:?}")),
        }
    },
};

#[test]
fn ngx217_location_without_root() {
    run(&NGX217);
}

/// NGX320: a `proxy_pass` URI part: the upstream gets the path decoded (`%2F` as `/`).
const NGX320: Scenario = Scenario {
    code: "NGX320",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &["app"],
    exploit: |lab| {
        let r = get(lab, OUTSIDE, "/api/files/a%2Fb")?;
        if r.status != 200 {
            return Err(format!("the upstream is not reached: {r:?}"));
        }
        let body = r.body_text();
        let line = body.lines().nth(1).unwrap_or_default().to_string();
        if !line.starts_with("GET ") {
            return Err(format!("no request line from the upstream: {body:?}"));
        }
        Ok(line
            .contains("/files/a/b")
            .then(|| format!("GET /api/files/a%2Fb reached the upstream as `{line}`")))
    },
};

#[test]
fn ngx320_proxy_pass_uri_normalized() {
    run(&NGX320);
}

/// NGX207: `root /` hands out the system's files.
const NGX207: Scenario = Scenario {
    code: "NGX207",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let own = get(lab, OUTSIDE, "/data/public.txt")?;
        let passwd = get(lab, OUTSIDE, "/etc/passwd")?;
        // The site's own files are served either way (the bad variant from `/`'s `www/` below
        // the prefix, so only the good one is checked here).
        if own.status != 200 && passwd.status != 200 {
            return Err(format!("the site is not served: {own:?}"));
        }
        Ok(
            (passwd.status == 200 && passwd.body_text().contains("root:x:0:0:"))
                .then(|| "GET /etc/passwd: 200 with root:x:0:0:".to_string()),
        )
    },
};

#[test]
fn ngx207_filesystem_root_exposure() {
    run(&NGX207);
}

/// NGX208: an `if` in a location turns its `try_files` off for the requests it matches.
const NGX208: Scenario = Scenario {
    code: "NGX208",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let plain = get(lab, OUTSIDE, "/app/settings")?;
        if plain.status != 200 || !plain.body_text().contains("public file") {
            return Err(format!("the fallback is not served: {plain:?}"));
        }
        let picked = get(lab, OUTSIDE, "/app/settings?preview=1")?;
        Ok((picked.status == 404).then(|| {
            "GET /app/settings?preview=1: 404 (the fallback answers without the argument)"
                .to_string()
        }))
    },
};

#[test]
fn ngx208_if_in_location() {
    run(&NGX208);
}

/// NGX405: an origin check without an end anchor trusts a look-alike host.
const NGX405: Scenario = Scenario {
    code: "NGX405",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let with_origin = |origin: &str| {
            send(
                OUTSIDE,
                lab.port,
                format!("GET /api/ HTTP/1.1\r\nHost: lab\r\nOrigin: {origin}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
        };
        let trusted = with_origin("https://example.com")?;
        if trusted.headers("Access-Control-Allow-Origin") != ["https://example.com"] {
            return Err(format!("the trusted origin is not allowed: {trusted:?}"));
        }
        let hostile = "https://example.com.evil.test";
        let r = with_origin(hostile)?;
        Ok((r.headers("Access-Control-Allow-Origin") == [hostile])
            .then(|| format!("Origin: {hostile}: Access-Control-Allow-Origin: {hostile}")))
    },
};

#[test]
fn ngx405_weak_origin_check() {
    run(&NGX405);
}

/// NGX317: through an upstream group, the application sees the group's name as the host.
const NGX317: Scenario = Scenario {
    code: "NGX317",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &["app"],
    exploit: |lab| {
        let r = get(lab, OUTSIDE, "/")?;
        if r.status != 200 {
            return Err(format!("the upstream does not answer: {r:?}"));
        }
        Ok(r.body_text()
            .contains("\nHost: app_servers\n")
            .then(|| "GET / with `Host: lab`: the application got `Host: app_servers`".to_string()))
    },
};

#[test]
fn ngx317_proxy_host_group_name() {
    run(&NGX317);
}

/// NGX319: with the pass in the same location, a file `try_files` finds goes to the upstream.
const NGX319: Scenario = Scenario {
    code: "NGX319",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &["app"],
    exploit: |lab| {
        let app = get(lab, OUTSIDE, "/no-such-file")?;
        if !app.body_text().contains("GET /no-such-file") {
            return Err(format!("the application does not answer the rest: {app:?}"));
        }
        let r = get(lab, OUTSIDE, "/data/public.txt")?;
        Ok((!r.body_text().contains("public file")).then(|| {
            "GET /data/public.txt: the upstream answered, the file on disk was not served"
                .to_string()
        }))
    },
};

#[test]
fn ngx319_try_files_with_pass() {
    run(&NGX319);
}

/// NGX502: `error_log off` creates a log file named `off` in nginx's prefix.
const NGX502: Scenario = Scenario {
    code: "NGX502",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let r = get(lab, OUTSIDE, "/missing.txt")?;
        if r.status != 404 {
            return Err(format!("expected a 404: {r:?}"));
        }
        let off = lab.dir.join("off");
        // nginx writes the request's error line before it answers; the file is there by now.
        let text = fs::read_to_string(&off).unwrap_or_default();
        Ok(off.exists().then(|| {
            format!(
                "nginx wrote its error log to `off` in its prefix ({} bytes{})",
                text.len(),
                if text.contains("missing.txt") {
                    ", the 404's `open() … failed` line among them"
                } else {
                    ""
                }
            )
        }))
    },
};

#[test]
fn ngx502_error_log_off() {
    run(&NGX502);
}

/// NGX206: a 26-byte URI makes PCRE give up on `^/([a-z]+/?)*$` at its match limit: nginx
/// answers 500 and logs `pcre2_match() failed: -47`.
const NGX206: Scenario = Scenario {
    code: "NGX206",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let page = get(lab, INSIDE, "/docs/intro")?;
        if page.status != 200 || !page.body_text().contains("page") {
            return Err(format!("the regex location does not serve: {page:?}"));
        }
        let uri = format!("/{}!", "a".repeat(25));
        let t = Instant::now();
        let r = get(lab, OUTSIDE, &uri)?;
        let took = t.elapsed().as_secs_f64();
        let log = fs::read_to_string(lab.dir.join("logs/error.log")).unwrap_or_default();
        let gave_up = log
            .lines()
            .any(|l| l.contains("pcre2_match() failed: -47") && l.contains(&uri));
        if !gave_up && r.status != 404 {
            return Err(format!(
                "GET {uri}: expected a 404 from `location /`: {r:?}"
            ));
        }
        Ok((r.status == 500 && gave_up).then(|| {
            format!("GET {uri}: 500 after {took:.2} s, `pcre2_match() failed: -47` logged")
        }))
    },
};

#[test]
fn ngx206_regex_redos() {
    run(&NGX206);
}

/// A request the server must answer from inside (127.0.0.1) and should refuse from outside
/// (127.0.0.2): `Some(evidence)` when the outside client is answered 200 too.
fn outside_gets(lab: &Lab, path: &str, marker: &str) -> Result<Option<String>, String> {
    let inside = get(lab, INSIDE, path)?;
    if inside.status != 200 || !inside.body_text().contains(marker) {
        return Err(format!(
            "{path} does not answer the inside client: {inside:?}"
        ));
    }
    let outside = get(lab, OUTSIDE, path)?;
    Ok(
        (outside.status == 200 && outside.body_text().contains(marker)).then(|| {
            format!(
                "GET {path} from 127.0.0.2: 200 with {:?}",
                outside.body_text().lines().next().unwrap_or("")
            )
        }),
    )
}

/// NGX202: `allow 127.0.0.1;` alone lets 127.0.0.2 in.
const NGX202: Scenario = Scenario {
    code: "NGX202",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| outside_gets(lab, "/admin/public.txt", "public file"),
};

#[test]
fn ngx202_allow_without_deny() {
    run(&NGX202);
}

/// NGX203: `return 200` answers 127.0.0.2, which `deny all` should stop.
const NGX203: Scenario = Scenario {
    code: "NGX203",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        // The good variant serves a file with the same purpose: its text differs.
        let marker = if lab.label.ends_with("bad") {
            "internal information"
        } else {
            "public file"
        };
        outside_gets(lab, "/internal-info", marker)
    },
};

#[test]
fn ngx203_return_bypasses_access() {
    run(&NGX203);
}

/// NGX204: the status page answers a client outside.
const NGX204: Scenario = Scenario {
    code: "NGX204",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| outside_gets(lab, "/nginx_status", "Active connections"),
};

#[test]
fn ngx204_status_page_exposed() {
    run(&NGX204);
}

/// NGX314: the upstream of a location with one `proxy_set_header` of its own gets nginx's
/// default `Host` and no `X-Real-IP`.
const NGX314: Scenario = Scenario {
    code: "NGX314",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &["app"],
    exploit: |lab| {
        let r = get(lab, OUTSIDE, "/api/x")?;
        let body = r.body_text();
        if !body.starts_with("app\n") || !body.contains("\nX-Request-Id: ") {
            return Err(format!("the location does not pass as written: {r:?}"));
        }
        let lost: Vec<&str> = [
            ("\nHost: lab\n", "Host: lab"),
            ("\nX-Real-IP: 127.0.0.2\n", "X-Real-IP"),
        ]
        .iter()
        .filter(|(needle, _)| !body.contains(needle))
        .map(|(_, name)| *name)
        .collect();
        Ok((!lost.is_empty()).then(|| format!("the upstream got no {}", lost.join(", no "))))
    },
};

#[test]
fn ngx314_proxy_set_header_redefinition() {
    run(&NGX314);
}

/// NGX501: the second request within a minute is not limited by the server's zone.
const NGX501: Scenario = Scenario {
    code: "NGX501",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let first = get(lab, OUTSIDE, "/api/public.txt")?;
        if first.status != 200 {
            return Err(format!("the first request is not served: {first:?}"));
        }
        let second = get(lab, OUTSIDE, "/api/public.txt")?;
        Ok((second.status == 200).then(|| {
            "two requests in a row: 200, 200 (the server's 1 request a minute not applied)"
                .to_string()
        }))
    },
};

#[test]
fn ngx501_limit_redefinition() {
    run(&NGX501);
}

/// NGX312: `?host=` names the internal service, which answers through nginx.
const NGX312: Scenario = Scenario {
    code: "NGX312",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &["app", "internal"],
    exploit: |lab| {
        let app = lab.upstream_port("app");
        let internal = lab.upstream_port("internal");
        // The intended use: the application answers.
        let r = get(lab, INSIDE, &format!("/fetch/?host=127.0.0.1:{app}"))?;
        let r2 = get(lab, INSIDE, "/fetch/?host=app")?;
        if !(r.body_text().starts_with("app\n") || r2.body_text().starts_with("app\n")) {
            return Err(format!("the application does not answer: {r:?} / {r2:?}"));
        }
        let r = get(lab, OUTSIDE, &format!("/fetch/?host=127.0.0.1:{internal}"))?;
        Ok(r.body_text().starts_with("internal\n").then(|| {
            format!(
                "GET /fetch/?host=127.0.0.1:{internal}: {} from the internal service",
                r.status
            )
        }))
    },
};

#[test]
fn ngx312_ssrf() {
    run(&NGX312);
}

/// NGX313: a request nginx routes to `server_name lab` (the request line's host) reaches the
/// upstream with the `Host` the client wrote.
const NGX313: Scenario = Scenario {
    code: "NGX313",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &["app"],
    exploit: |lab| {
        let plain = get(lab, INSIDE, "/")?;
        if !plain.body_text().contains("\nHost: lab\n") {
            return Err(format!("the upstream does not see `Host: lab`: {plain:?}"));
        }
        let r = send(
            OUTSIDE,
            lab.port,
            b"GET http://lab/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
        )?;
        Ok(r.body_text().contains("\nHost: evil.example\n").then(|| {
            "GET http://lab/ with `Host: evil.example`: the upstream got `Host: evil.example`"
                .to_string()
        }))
    },
};

#[test]
fn ngx313_host_spoofing() {
    run(&NGX313);
}

#[test]
fn ngx401_http_splitting() {
    run(&NGX401);
}

/// NGX402: the server's `X-Frame-Options` is on its pages but not on those of a location with an
/// `add_header` of its own.
const NGX402: Scenario = Scenario {
    code: "NGX402",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let home = get(lab, INSIDE, "/")?;
        if home.headers("X-Frame-Options") != ["DENY"] {
            return Err(format!("the server's header is not sent: {home:?}"));
        }
        let r = get(lab, OUTSIDE, "/download/file")?;
        if r.headers("Cache-Control") != ["no-store"] {
            return Err(format!("the location's own header is not sent: {r:?}"));
        }
        Ok(r.headers("X-Frame-Options")
            .is_empty()
            .then(|| format!("GET /download/file: {} without X-Frame-Options", r.status)))
    },
};

#[test]
fn ngx402_add_header_redefinition() {
    run(&NGX402);
}

/// NGX403: a value written over two lines reaches the client with its bare line break: a folded
/// header line.
const NGX403: Scenario = Scenario {
    code: "NGX403",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let r = get(lab, OUTSIDE, "/")?;
        let csp = r.headers("Content-Security-Policy");
        if r.status != 200 || csp.len() != 1 {
            return Err(format!("the header is not sent: {r:?}"));
        }
        // A line feed without its carriage return: the header block's lines are CRLF-ended.
        let bare = r
            .head
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\n' && (i == 0 || r.head[i - 1] != b'\r'));
        Ok(bare.then(|| {
            format!(
                "GET /: Content-Security-Policy sent with a bare line feed: {:?}",
                csp[0]
            )
        }))
    },
};

#[test]
fn ngx403_add_header_multiline() {
    run(&NGX403);
}

/// NGX404: `add_header Content-Type` is a second Content-Type header beside nginx's own.
const NGX404: Scenario = Scenario {
    code: "NGX404",
    variants: &[
        ("bad", "bad.conf.in", true),
        ("good", "good.conf.in", false),
    ],
    upstreams: &[],
    exploit: |lab| {
        let r = get(lab, OUTSIDE, "/api/status")?;
        let types = r.headers("Content-Type");
        if r.status != 200 || !types.iter().any(|t| t == "application/json") {
            return Err(format!("the JSON type is not sent: {r:?}"));
        }
        Ok((types.len() > 1).then(|| format!("GET /api/status: Content-Type {types:?}")))
    },
};

#[test]
fn ngx404_add_header_content_type() {
    run(&NGX404);
}

#[test]
fn every_security_rule_with_a_proof_has_a_scenario() {
    // The security rules whose harm the real nginx shows, and the scenarios above.
    let scenarios = [
        NGX101.code,
        NGX107.code,
        NGX108.code,
        NGX110.code,
        NGX103.code,
        NGX104.code,
        NGX205.code,
        NGX502.code,
        NGX201.code,
        NGX202.code,
        NGX203.code,
        NGX204.code,
        NGX206.code,
        NGX207.code,
        NGX208.code,
        NGX215.code,
        NGX216.code,
        NGX217.code,
        NGX312.code,
        NGX313.code,
        NGX314.code,
        NGX320.code,
        NGX401.code,
        NGX402.code,
        NGX403.code,
        NGX404.code,
        NGX405.code,
        NGX406.code,
        NGX407.code,
        NGX501.code,
        NGX505.code,
    ];
    for r in ngxlint_rules::all() {
        let m = r.meta();
        if m.family == ngxlint_engine::rule::Family::Gateway {
            continue;
        }
        let doc = m.doc;
        if doc.contains("security_servers.rs") {
            assert!(
                scenarios.contains(&m.code),
                "{}: its document cites the real-server proof, but no scenario runs it",
                m.code
            );
        }
    }
    for code in scenarios {
        let rules = ngxlint_rules::all();
        let r = ngxlint_rules::find(&rules, code).unwrap_or_else(|| panic!("{code}: no rule"));
        assert!(
            r.meta().doc.contains("security_servers.rs"),
            "{code}: a scenario proves it; its document should say so"
        );
    }
}
