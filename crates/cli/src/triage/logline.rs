//! One log line read as the cause of a failed request: nginx's error log (1.18–1.30), `nginx -t`
//! and start-up output, php-fpm's log (7.4–8.4, its own file or syslog). Lines of other modules
//! and of clients are recognised as such and skipped.
//!
//! Work on bytes without allocating: a log of hundreds of megabytes goes through here line by
//! line, and most lines are decided by their level and the first bytes of their message.

use memchr::memmem;

/// The cause vocabulary: stable ids (`--format json`), documented in the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    /// `connect() failed (111: Connection refused) while connecting to upstream`
    ConnectionRefused,
    /// `connect() to unix:… failed (2: No such file or directory) while connecting to upstream`
    SocketMissing,
    /// `connect() to unix:… failed (13: Permission denied) while connecting to upstream`
    PermissionDenied,
    /// `connect() to unix:… failed (11: Resource temporarily unavailable) while connecting to upstream`
    BacklogFull,
    /// `upstream timed out (110: Connection timed out) while …`
    UpstreamTimeout,
    /// `recv() failed (104: Connection reset by peer) while reading response header from upstream`
    ResetByPeer,
    /// `upstream prematurely closed connection while reading response header from upstream`
    PrematureClose,
    /// `upstream sent too big header while reading response header from upstream`
    HeaderTooBig,
    /// `no live upstreams while connecting to upstream`
    NoLiveUpstreams,
    /// `no resolver defined to resolve NAME`
    NoResolver,
    /// `NAME could not be resolved (…)`
    ResolverFailed,
    /// `SSL_do_handshake() failed (…) while SSL handshaking to upstream`
    SslHandshakeFailed,
    /// `upstream SSL certificate verify error: …` / `upstream SSL certificate does not match …`
    SslVerifyFailed,
    /// php-fpm: `server reached pm.max_children setting (N), consider raising it`
    FpmMaxChildren,
    /// php-fpm: `child N, script '…' (request: …) execution timed out (… sec), terminating`
    FpmRequestTerminated,
    /// php-fpm: `child N exited on signal 9 (SIGKILL)` (also 6, 7, 11)
    FpmWorkerKilled,
    /// `FastCGI sent in stderr: "Primary script unknown"`
    PrimaryScriptUnknown,
    /// nginx `[emerg]` (`nginx -t`, start-up, reload) or php-fpm `ERROR`/`ALERT` at start-up
    StartupRefused,
}

impl Cause {
    /// Every cause, in the documented order.
    pub const ALL: [Cause; 18] = [
        Cause::ConnectionRefused,
        Cause::SocketMissing,
        Cause::PermissionDenied,
        Cause::BacklogFull,
        Cause::UpstreamTimeout,
        Cause::ResetByPeer,
        Cause::PrematureClose,
        Cause::HeaderTooBig,
        Cause::NoLiveUpstreams,
        Cause::NoResolver,
        Cause::ResolverFailed,
        Cause::SslHandshakeFailed,
        Cause::SslVerifyFailed,
        Cause::FpmMaxChildren,
        Cause::FpmRequestTerminated,
        Cause::FpmWorkerKilled,
        Cause::PrimaryScriptUnknown,
        Cause::StartupRefused,
    ];

    /// The stable id.
    pub fn id(self) -> &'static str {
        match self {
            Cause::ConnectionRefused => "connection-refused",
            Cause::SocketMissing => "socket-missing",
            Cause::PermissionDenied => "permission-denied",
            Cause::BacklogFull => "backlog-full",
            Cause::UpstreamTimeout => "upstream-timeout",
            Cause::ResetByPeer => "reset-by-peer",
            Cause::PrematureClose => "premature-close",
            Cause::HeaderTooBig => "header-too-big",
            Cause::NoLiveUpstreams => "no-live-upstreams",
            Cause::NoResolver => "no-resolver",
            Cause::ResolverFailed => "resolver-failed",
            Cause::SslHandshakeFailed => "ssl-handshake-failed",
            Cause::SslVerifyFailed => "ssl-verify-failed",
            Cause::FpmMaxChildren => "fpm-max-children",
            Cause::FpmRequestTerminated => "fpm-request-terminated",
            Cause::FpmWorkerKilled => "fpm-worker-killed",
            Cause::PrimaryScriptUnknown => "primary-script-unknown",
            Cause::StartupRefused => "startup-refused",
        }
    }

    /// What it means, in a sentence or two.
    pub fn explain(self) -> &'static str {
        match self {
            Cause::ConnectionRefused => "nothing listens on the address nginx connects to: the backend is down, or listens on another port, address or family (IPv4/IPv6). nginx answers 502.",
            Cause::SocketMissing => "the unix socket nginx connects to does not exist: the PHP-FPM pool listens on another path (another PHP version, TCP instead of a socket) or is not running. nginx answers 502.",
            Cause::PermissionDenied => "the nginx worker user may not write to the unix socket: its owner, group, mode or ACLs shut it out. nginx answers 502.",
            Cause::BacklogFull => "the socket's accept queue is full: every worker is busy and the listen backlog is too short for the burst, so connect() fails at once. nginx answers 502.",
            Cause::UpstreamTimeout => "the backend did not answer within nginx's timeout: a slow request, or every worker busy and the request waiting in the queue. nginx answers 504.",
            Cause::ResetByPeer => "the backend closed the connection abruptly: php-fpm killed the worker (request_terminate_timeout, a crash), refused the client address, or the backend speaks TLS where nginx speaks plain HTTP. nginx answers 502.",
            Cause::PrematureClose => "the backend closed the connection before it sent a whole response header: a worker that died or refused the client. nginx answers 502.",
            Cause::HeaderTooBig => "the response header (cookies, long redirects) is larger than nginx's buffer for it (`*_buffer_size`). nginx answers 502.",
            Cause::NoLiveUpstreams => "every server of the upstream group is marked failed after earlier errors, and there is no backup server. nginx answers 502 without trying.",
            Cause::NoResolver => "the pass address holds variables whose host is a name, and no `resolver` is in effect to resolve it at request time. nginx answers 502.",
            Cause::ResolverFailed => "the `resolver` could not resolve the backend's name (no such name, or the DNS server did not answer). nginx answers 502.",
            Cause::SslHandshakeFailed => "the TLS handshake with the backend failed: nginx speaks TLS to a plain backend, or the protocols or ciphers do not meet. nginx answers 502.",
            Cause::SslVerifyFailed => "the backend's certificate failed verification: an unknown CA (`proxy_ssl_trusted_certificate`) or a name that does not match (`proxy_ssl_name`). nginx answers 502.",
            Cause::FpmMaxChildren => "every worker of the PHP-FPM pool was busy: requests wait in the queue (504 when nginx's timeout fires first, 502 when the queue overflows).",
            Cause::FpmRequestTerminated => "php-fpm killed a worker that ran longer than `request_terminate_timeout`: nginx sees the connection reset and answers 502.",
            Cause::FpmWorkerKilled => "a PHP-FPM worker died on a signal (the kernel's OOM killer, a crash): its request gets 502.",
            Cause::PrimaryScriptUnknown => "php-fpm found no script to run: SCRIPT_FILENAME is missing or points where no file is (root, alias, the pool's chroot). The client gets 404 \"File not found.\".",
            Cause::StartupRefused => "nginx or php-fpm refused the configuration: it does not start (or a reload keeps the old configuration).",
        }
    }

    /// The rules whose findings predict this cause.
    pub fn rules(self) -> &'static [&'static str] {
        match self {
            Cause::ConnectionRefused => &["NGX301", "NGX307", "NGX304", "FPM103"],
            Cause::SocketMissing => &["NGX301"],
            Cause::PermissionDenied => &["FPM101"],
            Cause::BacklogFull => &["FPM104", "FPM105"],
            Cause::UpstreamTimeout => &["FPM105", "NGX303", "FPM104"],
            Cause::ResetByPeer | Cause::PrematureClose => &["FPM102", "FPM103", "NGX305"],
            Cause::HeaderTooBig => &["NGX302"],
            Cause::NoLiveUpstreams => &["NGX304", "NGX307"],
            Cause::NoResolver | Cause::ResolverFailed => &["NGX306"],
            Cause::SslHandshakeFailed | Cause::SslVerifyFailed => &["NGX305"],
            Cause::FpmMaxChildren => &["FPM105", "FPM104"],
            Cause::FpmRequestTerminated => &["FPM102"],
            Cause::FpmWorkerKilled => &["FPM105"],
            Cause::PrimaryScriptUnknown => &["NGX309"],
            // Any finding on the line nginx or php-fpm names.
            Cause::StartupRefused => &[],
        }
    }
}

/// What a line says, borrowed from it.
#[derive(Debug, Default, Clone)]
pub struct Fields<'a> {
    /// `YYYY-MM-DD HH:MM:SS` when the line has a time.
    pub time: Option<[u8; 19]>,
    /// `upstream: "…"`.
    pub upstream: Option<&'a [u8]>,
    /// `server: …`.
    pub server: Option<&'a [u8]>,
    /// `request: "…"`.
    pub request: Option<&'a [u8]>,
    /// `host: "…"`.
    pub host: Option<&'a [u8]>,
    /// php-fpm's `[pool NAME]`.
    pub pool: Option<&'a [u8]>,
    /// The name (no-resolver, resolver-failed), or the message (startup-refused).
    pub detail: Option<&'a [u8]>,
    /// `in FILE:LINE` of an `[emerg]`, or php-fpm's `in FILE:LINE`.
    pub place: Option<&'a [u8]>,
}

/// A classified line.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    /// The cause.
    pub cause: Cause,
    /// Its fields.
    pub fields: Fields<'a>,
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn nginx_time(line: &[u8]) -> Option<[u8; 19]> {
    // 2024/05/01 12:00:00
    let t = line.get(..19)?;
    if t[4] != b'/' || t[7] != b'/' || t[10] != b' ' || t[13] != b':' {
        return None;
    }
    let mut out = [0u8; 19];
    out.copy_from_slice(t);
    out[4] = b'-';
    out[7] = b'-';
    Some(out)
}

fn fpm_time(t: &[u8]) -> Option<[u8; 19]> {
    // 01-May-2024 12:00:00
    let t = t.get(..20)?;
    if t[2] != b'-' || t[6] != b'-' || t[11] != b' ' {
        return None;
    }
    let m = MONTHS.iter().position(|m| &t[3..6] == *m)? + 1;
    let mut out = [0u8; 19];
    out[..4].copy_from_slice(&t[7..11]);
    out[4] = b'-';
    out[5] = b'0' + (m / 10) as u8;
    out[6] = b'0' + (m % 10) as u8;
    out[7] = b'-';
    out[8..10].copy_from_slice(&t[..2]);
    out[10] = b' ';
    out[11..19].copy_from_slice(&t[12..20]);
    Some(out)
}

fn starts(h: &[u8], p: &[u8]) -> bool {
    h.len() >= p.len() && &h[..p.len()] == p
}

/// `memmem` with a searcher built once per pattern: building one per call cost more than the
/// search itself on a log of short lines.
macro_rules! find {
    ($h:expr, $p:literal) => {{
        static F: std::sync::LazyLock<memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memmem::Finder::new($p));
        F.find($h)
    }};
}

/// The first `a` followed by `b` (`": "`, `", "`): two-byte separators are found with memchr.
fn find2(h: &[u8], a: u8, b: u8) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr::memchr(a, &h[from..]) {
        let at = from + i;
        if h.get(at + 1) == Some(&b) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Reads one line (without its newline).
pub fn classify(line: &[u8]) -> Option<Line<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() < 8 {
        return None;
    }
    // nginx: "2024/05/01 12:00:00 [error] 1#1: *5 message, client: …"; nginx -t: "nginx: [emerg] …".
    if line[0].is_ascii_digit() && line.get(19..21) == Some(b" [") {
        let time = nginx_time(line);
        return nginx(&line[21..], time);
    }
    if let Some(rest) = line.strip_prefix(b"nginx: [") {
        return nginx(rest, None);
    }
    // php-fpm: "[01-May-2024 12:00:00] WARNING: [pool www] …" (7.x and 8.x; with microseconds
    // when configured), or through syslog "… php-fpm[123]: [WARNING] [pool www] …".
    if line[0] == b'[' {
        let time = fpm_time(&line[1..]);
        let close = memchr::memchr(b']', line)?;
        return fpm(line.get(close + 2..)?, time);
    }
    let at = find!(line, b"php-fpm")?;
    let rest = &line[at..];
    let colon = find!(rest, b": [")?;
    let rest = &rest[colon + 3..];
    let close = memchr::memchr(b']', rest)?;
    fpm_level(&rest[..close], rest.get(close + 2..)?, None)
}

/// An nginx line from its level on: "error] 1#1: *5 message".
fn nginx(rest: &[u8], time: Option<[u8; 19]>) -> Option<Line<'_>> {
    let close = memchr::memchr(b']', rest)?;
    let level = &rest[..close];
    let emerg = level == b"emerg";
    if !(emerg || level == b"error" || level == b"crit" || level == b"alert") {
        return None;
    }
    let mut msg = rest.get(close + 2..)?;
    // "1234#1234: " then, for a request, "*5 ".
    if msg.first().is_some_and(u8::is_ascii_digit) {
        let sep = find2(msg, b':', b' ')?;
        msg = &msg[sep + 2..];
    }
    if msg.first() == Some(&b'*') {
        let sp = memchr::memchr(b' ', msg)?;
        msg = &msg[sp + 1..];
    }
    if emerg {
        return Some(startup(msg, time));
    }
    let cause = nginx_cause(msg)?;
    let mut fields = context(msg);
    fields.time = time;
    if matches!(cause, Cause::NoResolver | Cause::ResolverFailed) {
        fields.detail = resolver_name(cause, msg);
    }
    Some(Line { cause, fields })
}

/// The cause of an nginx `[error]`/`[crit]` message, `None` for other modules' and clients' lines.
fn nginx_cause(msg: &[u8]) -> Option<Cause> {
    if starts(msg, b"connect() ") {
        let e = find!(msg, b" failed (")?;
        let errno = &msg[e + 9..];
        find!(msg, b" while connecting to upstream")?;
        return Some(if starts(errno, b"111:") {
            Cause::ConnectionRefused
        } else if starts(errno, b"2:") {
            Cause::SocketMissing
        } else if starts(errno, b"13:") {
            Cause::PermissionDenied
        } else if starts(errno, b"11:") {
            Cause::BacklogFull
        } else if starts(errno, b"110:") {
            Cause::UpstreamTimeout
        } else if starts(errno, b"104:") {
            Cause::ResetByPeer
        } else {
            return None;
        });
    }
    if starts(msg, b"upstream timed out") {
        return Some(Cause::UpstreamTimeout);
    }
    if starts(msg, b"upstream prematurely closed") {
        return Some(Cause::PrematureClose);
    }
    if starts(msg, b"upstream sent too big header") {
        return Some(Cause::HeaderTooBig);
    }
    if starts(msg, b"no live upstreams") {
        return Some(Cause::NoLiveUpstreams);
    }
    if starts(msg, b"no resolver defined to resolve ") {
        return Some(Cause::NoResolver);
    }
    if starts(msg, b"upstream SSL certificate") {
        return Some(Cause::SslVerifyFailed);
    }
    if starts(msg, b"SSL_do_handshake() failed") && find!(msg, b"to upstream").is_some() {
        return Some(Cause::SslHandshakeFailed);
    }
    if starts(msg, b"FastCGI sent in stderr: \"Primary script unknown\"") {
        return Some(Cause::PrimaryScriptUnknown);
    }
    if (starts(msg, b"recv() failed (104:")
        || starts(msg, b"readv() failed (104:")
        || starts(msg, b"writev() failed (104:")
        || starts(msg, b"send() failed (104:"))
        && find!(msg, b"from upstream")
            .or_else(|| find!(msg, b"to upstream"))
            .or_else(|| find!(msg, b"reading upstream"))
            .is_some()
    {
        return Some(Cause::ResetByPeer);
    }
    // "%V could not be resolved (%i: %s)": the name, a space, then the phrase. A request's
    // (the upstream has no peer yet, so no `upstream:` field); OCSP stapling's has no request.
    if memchr::memchr(b' ', msg)
        .is_some_and(|sp| msg[sp..].starts_with(b" could not be resolved ("))
        && find!(msg, b", request: ").is_some()
    {
        return Some(Cause::ResolverFailed);
    }
    None
}

fn resolver_name(cause: Cause, msg: &[u8]) -> Option<&[u8]> {
    match cause {
        Cause::NoResolver => {
            let rest = &msg[b"no resolver defined to resolve ".len()..];
            let end = find2(rest, b',', b' ').unwrap_or(rest.len());
            Some(&rest[..end])
        }
        _ => memchr::memchr(b' ', msg).map(|end| &msg[..end]),
    }
}

/// The `, client: …, server: …, request: "…", upstream: "…", host: "…"` part.
fn context(msg: &[u8]) -> Fields<'_> {
    let mut f = Fields::default();
    let Some(at) = find!(msg, b", client: ") else {
        return f;
    };
    let mut rest = &msg[at + 2..];
    while !rest.is_empty() {
        let Some(colon) = find2(rest, b':', b' ') else {
            break;
        };
        let key = &rest[..colon];
        let mut v = &rest[colon + 2..];
        let value;
        if v.first() == Some(&b'"') {
            v = &v[1..];
            // A quoted value ends at `"` followed by `, ` or the end.
            let mut end = v.len();
            let mut i = 0;
            while let Some(q) = memchr::memchr(b'"', &v[i..]) {
                let j = i + q;
                if j + 1 == v.len() || v[j + 1..].starts_with(b", ") {
                    end = j;
                    break;
                }
                i = j + 1;
            }
            value = &v[..end];
            rest = v.get(end + 3..).unwrap_or(&[]);
        } else {
            let end = find2(v, b',', b' ').unwrap_or(v.len());
            value = &v[..end];
            rest = v.get(end + 2..).unwrap_or(&[]);
        }
        match key {
            b"server" => f.server = Some(value),
            b"request" => f.request = Some(value),
            b"upstream" => f.upstream = Some(value),
            b"host" => f.host = Some(value),
            _ => {}
        }
    }
    f
}

/// An `[emerg]`: the message, and `in FILE:LINE` when it names one.
fn startup(msg: &[u8], time: Option<[u8; 19]>) -> Line<'_> {
    let (text, place) = match memmem::rfind(msg, b" in ") {
        Some(i)
            if memchr::memrchr(b':', &msg[i..]).is_some()
                && msg[i + 4..].first() == Some(&b'/') =>
        {
            (&msg[..i], Some(&msg[i + 4..]))
        }
        _ => (msg, None),
    };
    Line {
        cause: Cause::StartupRefused,
        fields: Fields {
            time,
            detail: Some(text),
            place,
            ..Default::default()
        },
    }
}

/// A php-fpm line after its time: "WARNING: [pool www] …".
fn fpm(rest: &[u8], time: Option<[u8; 19]>) -> Option<Line<'_>> {
    let colon = find2(rest, b':', b' ')?;
    let level = &rest[..colon];
    fpm_level(level, &rest[colon + 2..], time)
}

fn fpm_level<'a>(level: &[u8], msg: &'a [u8], time: Option<[u8; 19]>) -> Option<Line<'a>> {
    let (pool, body) = match msg.strip_prefix(b"[pool ") {
        Some(r) => {
            let close = memchr::memchr(b']', r)?;
            (Some(&r[..close]), r.get(close + 2..).unwrap_or(&[]))
        }
        None => (None, msg),
    };
    let upper = |l: &[u8], w: &[u8]| l.eq_ignore_ascii_case(w);
    let cause = if upper(level, b"WARNING") {
        if find!(body, b"reached pm.max_children setting").is_some()
            || find!(body, b"reached max_children setting").is_some()
        {
            Cause::FpmMaxChildren
        } else if find!(body, b"execution timed out").is_some() {
            Cause::FpmRequestTerminated
        } else if let Some(i) = find!(body, b"exited on signal ") {
            let sig = &body[i + 17..];
            // SIGTERM follows request_terminate_timeout (reported above) or a reload.
            if ["9 ", "6 ", "7 ", "11 "]
                .iter()
                .any(|s| starts(sig, s.as_bytes()))
            {
                Cause::FpmWorkerKilled
            } else {
                return None;
            }
        } else {
            return None;
        }
    } else if upper(level, b"ERROR") || upper(level, b"ALERT") {
        // Start-up and reload failures; the lines that only follow the first are left out.
        if starts(body, b"FPM initialization failed")
            || find!(body, b"failed to post process the configuration").is_some()
            || starts(body, b"failed to load configuration")
        {
            return None;
        }
        let (text, place) = match memmem::rfind(body, b" in ") {
            Some(i) if body[i + 4..].first() == Some(&b'/') => (&body[..i], Some(&body[i + 4..])),
            _ => (body, None),
        };
        return Some(Line {
            cause: Cause::StartupRefused,
            fields: Fields {
                time,
                pool,
                detail: Some(text),
                place,
                ..Default::default()
            },
        });
    } else {
        return None;
    };
    let mut fields = Fields {
        time,
        pool,
        ..Default::default()
    };
    if cause == Cause::FpmRequestTerminated {
        if let Some(i) = find!(body, b"(request: \"") {
            let r = &body[i + 11..];
            fields.request = memchr::memchr(b'"', r).map(|e| &r[..e]);
        }
    }
    Some(Line { cause, fields })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cause(l: &str) -> Option<&'static str> {
        classify(l.as_bytes()).map(|l| l.cause.id())
    }

    #[test]
    fn nginx_lines_of_each_cause() {
        let c = ", client: 127.0.0.1, server: lab, request: \"GET /index.php HTTP/1.1\", upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"127.0.0.1:20000\"";
        let t = "2024/05/01 12:00:00 [error] 12#12: *5 ";
        for (msg, id) in [
            ("connect() failed (111: Connection refused) while connecting to upstream", "connection-refused"),
            ("connect() to unix:/run/php/php7.4-fpm.sock failed (2: No such file or directory) while connecting to upstream", "socket-missing"),
            ("connect() to unix:/run/php/x.sock failed (13: Permission denied) while connecting to upstream", "permission-denied"),
            ("connect() to unix:/run/php/x.sock failed (11: Resource temporarily unavailable) while connecting to upstream", "backlog-full"),
            ("upstream timed out (110: Connection timed out) while reading response header from upstream", "upstream-timeout"),
            ("recv() failed (104: Connection reset by peer) while reading response header from upstream", "reset-by-peer"),
            ("upstream prematurely closed connection while reading response header from upstream", "premature-close"),
            ("upstream prematurely closed FastCGI stdout while reading response header from upstream", "premature-close"),
            ("upstream sent too big header while reading response header from upstream", "header-too-big"),
            ("no live upstreams while connecting to upstream", "no-live-upstreams"),
            ("no resolver defined to resolve backend.lab.test", "no-resolver"),
            ("backend.lab.test could not be resolved (3: Host not found)", "resolver-failed"),
            ("SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking to upstream", "ssl-handshake-failed"),
            ("upstream SSL certificate verify error: (18:self-signed certificate) while SSL handshaking to upstream", "ssl-verify-failed"),
            ("upstream SSL certificate does not match \"127.0.0.1\" while SSL handshaking to upstream", "ssl-verify-failed"),
            ("FastCGI sent in stderr: \"Primary script unknown\" while reading response header from upstream", "primary-script-unknown"),
        ] {
            let line = format!("{t}{msg}{c}");
            assert_eq!(cause(&line), Some(id), "{line}");
            let l = classify(line.as_bytes()).unwrap();
            assert_eq!(l.fields.server, Some(&b"lab"[..]));
            assert_eq!(l.fields.request, Some(&b"GET /index.php HTTP/1.1"[..]));
            assert_eq!(l.fields.upstream, Some(&b"fastcgi://unix:/run/php/php8.2-fpm.sock:"[..]));
            assert_eq!(l.fields.time.as_ref().map(|t| &t[..]), Some(&b"2024-05-01 12:00:00"[..]));
        }
        // Crit lines (nginx 1.18 logs socket errors at crit) and emerg lines.
        assert_eq!(cause("2024/05/01 12:00:00 [error] 5#5: *9 backend.lab.test could not be resolved (3: Host not found), client: 127.0.0.1, server: lab, request: \"GET / HTTP/1.1\", host: \"lab\""), Some("resolver-failed"));
        assert_eq!(cause("2024/05/01 12:00:00 [error] 5#5: ocsp.example.com could not be resolved (110: Operation timed out) while requesting certificate status, responder: ocsp.example.com"), None);
        assert_eq!(cause("2020/01/01 00:00:00 [crit] 1#1: *1 connect() to unix:/x.sock failed (2: No such file or directory) while connecting to upstream, client: 1.2.3.4, server: _"), Some("socket-missing"));
        let e = classify(b"nginx: [emerg] host not found in upstream \"backnd\" in /etc/nginx/conf.d/site.conf:7").unwrap();
        assert_eq!(e.cause.id(), "startup-refused");
        assert_eq!(e.fields.place, Some(&b"/etc/nginx/conf.d/site.conf:7"[..]));
        assert_eq!(
            e.fields.detail,
            Some(&b"host not found in upstream \"backnd\""[..])
        );
    }

    #[test]
    fn other_lines_are_not_incidents() {
        for l in [
            "2024/05/01 12:00:00 [error] 1#1: *5 open() \"/var/www/favicon.ico\" failed (2: No such file or directory), client: 1.2.3.4, server: x, request: \"GET /favicon.ico HTTP/1.1\"",
            "2024/05/01 12:00:00 [warn] 1#1: *1 upstream server temporarily disabled while connecting to upstream, client: 1.2.3.4",
            "2024/05/01 12:00:00 [info] 1#1: *1 client closed connection while waiting for request",
            "2024/05/01 12:00:00 [error] 1#1: *1 recv() failed (104: Connection reset by peer) while reading client request line, client: 1.2.3.4",
            "2024/05/01 12:00:00 [notice] 1#1: signal process started",
            "2024/05/01 12:00:00 [error] 1#1: *3 access forbidden by rule, client: 1.2.3.4",
            "[01-May-2024 12:00:00] NOTICE: ready to handle connections",
            "[01-May-2024 12:00:00] WARNING: [pool www] child 7 exited on signal 15 (SIGTERM) after 2.6 seconds from start",
            "[01-May-2024 12:00:00] ERROR: FPM initialization failed",
            "random text",
            "",
        ] {
            assert_eq!(cause(l), None, "{l}");
        }
    }

    #[test]
    fn fpm_lines_of_7_and_8() {
        let l = classify(b"[01-May-2024 12:00:00] WARNING: [pool www] server reached pm.max_children setting (1), consider raising it").unwrap();
        assert_eq!(l.cause.id(), "fpm-max-children");
        assert_eq!(l.fields.pool, Some(&b"www"[..]));
        assert_eq!(
            l.fields.time.as_ref().map(|t| &t[..]),
            Some(&b"2024-05-01 12:00:00"[..])
        );
        assert_eq!(cause("[12-Dec-2020 01:02:03.123456] WARNING: [pool app] child 42, script '/var/www/a.php' (request: \"GET /a.php\") execution timed out (30.1 sec), terminating"), Some("fpm-request-terminated"));
        assert_eq!(cause("[12-Dec-2020 01:02:03] WARNING: [pool app] child 42 exited on signal 9 (SIGKILL) after 20.5 seconds from start"), Some("fpm-worker-killed"));
        assert_eq!(cause("[12-Dec-2020 01:02:03] ERROR: [pool www] please specify user and group other than root"), Some("startup-refused"));
        assert_eq!(cause("May  1 12:00:00 web php-fpm[99]: [WARNING] [pool www] server reached pm.max_children setting (5), consider raising it"), Some("fpm-max-children"));
    }
}
