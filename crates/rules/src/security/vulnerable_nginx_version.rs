//! NGX109 `vulnerable-nginx-version`: the configured nginx release has a published security
//! advisory whose vulnerable feature this configuration uses.
//!
//! The table is nginx.org's list of security advisories (`xml/en/security_advisories.xml` in the
//! nginx.org repository, read at commit 3924a7f, 2026-07-21: 62 advisories), each with the versions
//! nginx.org names as vulnerable and not vulnerable, checked against the `Security:` entries of
//! nginx's CHANGES (CVE-2025-53859 is also fixed in 1.28.1 by CHANGES-1.28, which the advisory
//! page does not list). How nginx.org's ranges read (Maxim Dounin on the nginx mailing list,
//! 2021): a version in a vulnerable range is vulnerable unless a "not vulnerable" entry covers it;
//! the first such entry is the mainline fix and covers every later version, the others cover
//! later releases of their own stable branch only.
//!
//! The feature each advisory needs is read from the advisory and the fix's commit message: an
//! advisory about the resolver is reported only where a `resolver` is configured, one about the
//! mp4 module only where `mp4` is, and so on; the advisories of nginx/Windows and of 32-bit builds
//! only are left out (the configuration does not say where nginx runs), and so are CVE-2026-42945
//! and CVE-2026-9256, whose configuration patterns NGX212 reports. Nothing is reported unless the
//! version is configured (`--nginx-version`, `[nginx] version`): the rule knows a release's
//! advisories, not which release runs.

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, Model, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::vars::references;

static META: RuleMeta = RuleMeta {
    code: "NGX109",
    name: "vulnerable-nginx-version",
    severity: Severity::Warning,
    summary:
        "the configured nginx release has a security advisory for a feature this configuration uses",
    doc: include_str!("../../../../rules/NGX109.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:nginx_cves"],
};

type V = (u32, u32, u32);

/// nginx.org's severity words.
#[derive(Clone, Copy, PartialEq)]
enum Level {
    Major,
    Medium,
    Low,
}

/// What shows that a configuration uses the vulnerable feature.
#[derive(Clone, Copy)]
enum Uses {
    /// Every configuration (the request parser, the range filter, ...).
    Always,
    /// One of these directives, anywhere.
    Any(&'static [&'static str]),
    /// A `listen` with this parameter.
    Listen(&'static str),
    /// A test of its own.
    Custom(for<'m, 'p> fn(Tree<'m, 'p>) -> Option<At<'p>>),
}

struct Advisory {
    cve: &'static str,
    level: Level,
    /// nginx.org's title.
    what: &'static str,
    /// Vulnerable ranges, inclusive.
    vulnerable: &'static [(V, V)],
    /// Not vulnerable: the mainline fix (it and every later version), then stable branches' fixes
    /// (later releases of that branch).
    fixed: &'static [V],
    uses: Uses,
}

const fn v(a: u32, b: u32, c: u32) -> V {
    (a, b, c)
}

/// nginx.org's advisories (nginx/Windows, 32-bit only, and those NGX212 reports left out).
static ADVISORIES: &[Advisory] = &[
    Advisory {
        cve: "CVE-2026-42533",
        level: Level::Major,
        what: "buffer overflow when using map and regex",
        vulnerable: &[(v(0, 9, 6), v(1, 31, 2))],
        fixed: &[v(1, 31, 3), v(1, 30, 4)],
        uses: Uses::Custom(regex_map),
    },
    Advisory {
        cve: "CVE-2026-60005",
        level: Level::Medium,
        what: "uninitialized memory read with unnamed captures in slice or background cache update",
        vulnerable: &[(v(1, 15, 8), v(1, 31, 2))],
        fixed: &[v(1, 31, 3), v(1, 30, 4)],
        uses: Uses::Custom(captures_with_subrequests),
    },
    Advisory {
        cve: "CVE-2026-56434",
        level: Level::Medium,
        what: "use-after-free in the SSI module",
        vulnerable: &[(v(0, 8, 11), v(1, 31, 2))],
        fixed: &[v(1, 31, 3), v(1, 30, 4)],
        uses: Uses::Custom(ssi_on_proxied),
    },
    Advisory {
        cve: "CVE-2026-42530",
        level: Level::Major,
        what: "use-after-free in HTTP/3",
        vulnerable: &[(v(1, 31, 0), v(1, 31, 1))],
        fixed: &[v(1, 31, 2)],
        uses: Uses::Listen("quic"),
    },
    Advisory {
        cve: "CVE-2026-42055",
        level: Level::Medium,
        what: "heap overflow proxying invalid headers to HTTP/2 and gRPC backends",
        vulnerable: &[(v(1, 13, 10), v(1, 31, 1))],
        fixed: &[v(1, 31, 2), v(1, 30, 3)],
        uses: Uses::Custom(invalid_headers_to_h2),
    },
    Advisory {
        cve: "CVE-2026-48142",
        level: Level::Low,
        what: "buffer overread in the charset module",
        vulnerable: &[(v(0, 3, 50), v(1, 31, 1))],
        fixed: &[v(1, 31, 2), v(1, 30, 3)],
        uses: Uses::Custom(utf8_recoding),
    },
    Advisory {
        cve: "CVE-2026-42926",
        level: Level::Medium,
        what: "HTTP/2 request injection in the proxy module",
        vulnerable: &[(v(1, 29, 4), v(1, 30, 0))],
        fixed: &[v(1, 31, 0), v(1, 30, 1)],
        uses: Uses::Custom(set_body_to_h2),
    },
    Advisory {
        cve: "CVE-2026-42946",
        level: Level::Medium,
        what: "overread of a crafted scgi or uwsgi backend response",
        vulnerable: &[(v(0, 8, 42), v(1, 30, 0))],
        fixed: &[v(1, 31, 0), v(1, 30, 1)],
        uses: Uses::Any(&["scgi_pass", "uwsgi_pass"]),
    },
    Advisory {
        cve: "CVE-2026-42934",
        level: Level::Low,
        what: "buffer overread in the charset module",
        vulnerable: &[(v(0, 3, 50), v(1, 30, 0))],
        fixed: &[v(1, 31, 0), v(1, 30, 1)],
        uses: Uses::Custom(utf8_recoding),
    },
    Advisory {
        cve: "CVE-2026-40460",
        level: Level::Medium,
        what: "HTTP/3 address spoofing",
        vulnerable: &[(v(1, 25, 0), v(1, 30, 0))],
        fixed: &[v(1, 31, 0), v(1, 30, 1)],
        uses: Uses::Listen("quic"),
    },
    Advisory {
        cve: "CVE-2026-40701",
        level: Level::Medium,
        what: "use-after-free in the resolver with OCSP",
        vulnerable: &[(v(1, 19, 0), v(1, 30, 0))],
        fixed: &[v(1, 31, 0), v(1, 30, 1)],
        uses: Uses::Custom(ocsp_with_resolver),
    },
    Advisory {
        cve: "CVE-2026-27654",
        level: Level::Medium,
        what: "buffer overflow in the DAV module",
        vulnerable: &[(v(0, 5, 13), v(1, 29, 6))],
        fixed: &[v(1, 29, 7), v(1, 28, 3)],
        uses: Uses::Custom(dav_copy_move_alias),
    },
    Advisory {
        cve: "CVE-2026-32647",
        level: Level::Medium,
        what: "buffer overflow in the mp4 module",
        vulnerable: &[(v(1, 1, 19), v(1, 29, 6))],
        fixed: &[v(1, 29, 7), v(1, 28, 3)],
        uses: Uses::Any(&["mp4"]),
    },
    Advisory {
        cve: "CVE-2026-27651",
        level: Level::Low,
        what: "NULL pointer dereference with CRAM-MD5 or APOP authentication",
        vulnerable: &[(v(0, 5, 15), v(1, 29, 6))],
        fixed: &[v(1, 29, 7), v(1, 28, 3)],
        uses: Uses::Custom(mail_cram_apop),
    },
    Advisory {
        cve: "CVE-2026-28753",
        level: Level::Medium,
        what: "injection in auth_http and XCLIENT",
        vulnerable: &[(v(0, 6, 27), v(1, 29, 6))],
        fixed: &[v(1, 29, 7), v(1, 28, 3)],
        uses: Uses::Custom(mail_resolver),
    },
    Advisory {
        cve: "CVE-2026-28755",
        level: Level::Medium,
        what: "client certificate accepted in the stream module despite OCSP",
        vulnerable: &[(v(1, 27, 2), v(1, 29, 6))],
        fixed: &[v(1, 29, 7), v(1, 28, 3)],
        uses: Uses::Custom(stream_ocsp),
    },
    Advisory {
        cve: "CVE-2026-1642",
        level: Level::Medium,
        what: "injection into a response from an SSL backend",
        vulnerable: &[(v(1, 3, 0), v(1, 29, 4))],
        fixed: &[v(1, 29, 5), v(1, 28, 2)],
        uses: Uses::Custom(ssl_backend),
    },
    Advisory {
        cve: "CVE-2025-53859",
        level: Level::Low,
        what: "memory disclosure in the SMTP proxy with `smtp_auth none`",
        vulnerable: &[(v(0, 7, 22), v(1, 29, 0))],
        fixed: &[v(1, 29, 1), v(1, 28, 1)],
        uses: Uses::Custom(smtp_auth_none),
    },
    Advisory {
        cve: "CVE-2025-23419",
        level: Level::Medium,
        what: "TLS session resumption bypasses client certificate authentication",
        vulnerable: &[(v(1, 11, 4), v(1, 27, 3))],
        fixed: &[v(1, 27, 4), v(1, 26, 3)],
        uses: Uses::Any(&["ssl_verify_client"]),
    },
    Advisory {
        cve: "CVE-2024-7347",
        level: Level::Low,
        what: "buffer overread in the mp4 module",
        vulnerable: &[(v(1, 5, 13), v(1, 27, 0))],
        fixed: &[v(1, 27, 1), v(1, 26, 2)],
        uses: Uses::Any(&["mp4"]),
    },
    Advisory {
        cve: "CVE-2024-32760",
        level: Level::Medium,
        what: "buffer overwrite in HTTP/3",
        vulnerable: &[(v(1, 25, 0), v(1, 25, 5)), (v(1, 26, 0), v(1, 26, 0))],
        fixed: &[v(1, 27, 0), v(1, 26, 1)],
        uses: Uses::Listen("quic"),
    },
    Advisory {
        cve: "CVE-2024-31079",
        level: Level::Medium,
        what: "stack overflow and use-after-free in HTTP/3",
        vulnerable: &[(v(1, 25, 0), v(1, 25, 5)), (v(1, 26, 0), v(1, 26, 0))],
        fixed: &[v(1, 27, 0), v(1, 26, 1)],
        uses: Uses::Listen("quic"),
    },
    Advisory {
        cve: "CVE-2024-35200",
        level: Level::Medium,
        what: "NULL pointer dereference in HTTP/3",
        vulnerable: &[(v(1, 25, 0), v(1, 25, 5)), (v(1, 26, 0), v(1, 26, 0))],
        fixed: &[v(1, 27, 0), v(1, 26, 1)],
        uses: Uses::Listen("quic"),
    },
    Advisory {
        cve: "CVE-2024-34161",
        level: Level::Medium,
        what: "memory disclosure in HTTP/3",
        vulnerable: &[(v(1, 25, 0), v(1, 25, 5)), (v(1, 26, 0), v(1, 26, 0))],
        fixed: &[v(1, 27, 0), v(1, 26, 1)],
        uses: Uses::Listen("quic"),
    },
    Advisory {
        cve: "CVE-2024-24989",
        level: Level::Major,
        what: "NULL pointer dereference in HTTP/3",
        vulnerable: &[(v(1, 25, 3), v(1, 25, 3))],
        fixed: &[v(1, 25, 4)],
        uses: Uses::Listen("quic"),
    },
    Advisory {
        cve: "CVE-2024-24990",
        level: Level::Major,
        what: "use-after-free in HTTP/3",
        vulnerable: &[(v(1, 25, 0), v(1, 25, 3))],
        fixed: &[v(1, 25, 4)],
        uses: Uses::Listen("quic"),
    },
    Advisory {
        cve: "CVE-2022-41741",
        level: Level::Medium,
        what: "memory corruption in the mp4 module",
        vulnerable: &[(v(1, 1, 3), v(1, 23, 1)), (v(1, 0, 7), v(1, 0, 15))],
        fixed: &[v(1, 23, 2), v(1, 22, 1)],
        uses: Uses::Any(&["mp4"]),
    },
    Advisory {
        cve: "CVE-2022-41742",
        level: Level::Medium,
        what: "memory disclosure in the mp4 module",
        vulnerable: &[(v(1, 1, 3), v(1, 23, 1)), (v(1, 0, 7), v(1, 0, 15))],
        fixed: &[v(1, 23, 2), v(1, 22, 1)],
        uses: Uses::Any(&["mp4"]),
    },
    Advisory {
        cve: "CVE-2021-23017",
        level: Level::Medium,
        what: "1-byte memory overwrite in the resolver",
        vulnerable: &[(v(0, 6, 18), v(1, 20, 0))],
        fixed: &[v(1, 21, 0), v(1, 20, 1)],
        uses: Uses::Any(&["resolver"]),
    },
    Advisory {
        cve: "CVE-2019-9511",
        level: Level::Medium,
        what: "excessive CPU usage in HTTP/2 with small window updates",
        vulnerable: &[(v(1, 9, 5), v(1, 17, 2))],
        fixed: &[v(1, 17, 3), v(1, 16, 1)],
        uses: Uses::Custom(http2),
    },
    Advisory {
        cve: "CVE-2019-9513",
        level: Level::Low,
        what: "excessive CPU usage in HTTP/2 with priority changes",
        vulnerable: &[(v(1, 9, 5), v(1, 17, 2))],
        fixed: &[v(1, 17, 3), v(1, 16, 1)],
        uses: Uses::Custom(http2),
    },
    Advisory {
        cve: "CVE-2019-9516",
        level: Level::Low,
        what: "excessive memory usage in HTTP/2 with zero length headers",
        vulnerable: &[(v(1, 9, 5), v(1, 17, 2))],
        fixed: &[v(1, 17, 3), v(1, 16, 1)],
        uses: Uses::Custom(http2),
    },
    Advisory {
        cve: "CVE-2018-16843",
        level: Level::Low,
        what: "excessive memory usage in HTTP/2",
        vulnerable: &[(v(1, 9, 5), v(1, 15, 5))],
        fixed: &[v(1, 15, 6), v(1, 14, 1)],
        uses: Uses::Custom(http2),
    },
    Advisory {
        cve: "CVE-2018-16844",
        level: Level::Low,
        what: "excessive CPU usage in HTTP/2",
        vulnerable: &[(v(1, 9, 5), v(1, 15, 5))],
        fixed: &[v(1, 15, 6), v(1, 14, 1)],
        uses: Uses::Custom(http2),
    },
    Advisory {
        cve: "CVE-2018-16845",
        level: Level::Medium,
        what: "memory disclosure in the mp4 module",
        vulnerable: &[(v(1, 1, 3), v(1, 15, 5)), (v(1, 0, 7), v(1, 0, 15))],
        fixed: &[v(1, 15, 6), v(1, 14, 1)],
        uses: Uses::Any(&["mp4"]),
    },
    Advisory {
        cve: "CVE-2017-7529",
        level: Level::Medium,
        what: "integer overflow in the range filter",
        vulnerable: &[(v(0, 5, 6), v(1, 13, 2))],
        fixed: &[v(1, 13, 3), v(1, 12, 1)],
        uses: Uses::Always,
    },
    Advisory {
        cve: "CVE-2016-4450",
        level: Level::Medium,
        what: "NULL pointer dereference while writing a client request body",
        vulnerable: &[(v(1, 3, 9), v(1, 11, 0))],
        fixed: &[v(1, 11, 1), v(1, 10, 1)],
        uses: Uses::Always,
    },
    Advisory {
        cve: "CVE-2016-0742",
        level: Level::Medium,
        what: "invalid pointer dereference in the resolver",
        vulnerable: &[(v(0, 6, 18), v(1, 9, 9))],
        fixed: &[v(1, 9, 10), v(1, 8, 1)],
        uses: Uses::Any(&["resolver"]),
    },
    Advisory {
        cve: "CVE-2016-0746",
        level: Level::Medium,
        what: "use-after-free during CNAME response processing in the resolver",
        vulnerable: &[(v(0, 6, 18), v(1, 9, 9))],
        fixed: &[v(1, 9, 10), v(1, 8, 1)],
        uses: Uses::Any(&["resolver"]),
    },
    Advisory {
        cve: "CVE-2016-0747",
        level: Level::Medium,
        what: "insufficient limits of CNAME resolution in the resolver",
        vulnerable: &[(v(0, 6, 18), v(1, 9, 9))],
        fixed: &[v(1, 9, 10), v(1, 8, 1)],
        uses: Uses::Any(&["resolver"]),
    },
    Advisory {
        cve: "CVE-2014-3616",
        level: Level::Medium,
        what: "SSL session reuse vulnerability",
        vulnerable: &[(v(0, 5, 6), v(1, 7, 4))],
        fixed: &[v(1, 7, 5), v(1, 6, 2)],
        uses: Uses::Custom(shared_ssl_sessions),
    },
    Advisory {
        cve: "CVE-2014-3556",
        level: Level::Medium,
        what: "STARTTLS command injection",
        vulnerable: &[(v(1, 5, 6), v(1, 7, 3))],
        fixed: &[v(1, 7, 4), v(1, 6, 1)],
        uses: Uses::Custom(mail_starttls),
    },
    Advisory {
        cve: "CVE-2014-0133",
        level: Level::Major,
        what: "SPDY heap buffer overflow",
        vulnerable: &[(v(1, 3, 15), v(1, 5, 11))],
        fixed: &[v(1, 5, 12), v(1, 4, 7)],
        uses: Uses::Listen("spdy"),
    },
    Advisory {
        cve: "CVE-2013-4547",
        level: Level::Medium,
        what: "request line parsing vulnerability",
        vulnerable: &[(v(0, 8, 41), v(1, 5, 6))],
        fixed: &[v(1, 5, 7), v(1, 4, 4)],
        uses: Uses::Always,
    },
    Advisory {
        cve: "CVE-2013-2070",
        level: Level::Medium,
        what: "memory disclosure with specially crafted HTTP backend responses",
        vulnerable: &[(v(1, 1, 4), v(1, 2, 8)), (v(1, 3, 9), v(1, 4, 0))],
        fixed: &[v(1, 5, 0), v(1, 4, 1), v(1, 2, 9)],
        uses: Uses::Any(&["proxy_pass"]),
    },
    Advisory {
        cve: "CVE-2013-2028",
        level: Level::Major,
        what: "stack-based buffer overflow with specially crafted request",
        vulnerable: &[(v(1, 3, 9), v(1, 4, 0))],
        fixed: &[v(1, 5, 0), v(1, 4, 1)],
        uses: Uses::Always,
    },
    Advisory {
        cve: "CVE-2012-2089",
        level: Level::Major,
        what: "buffer overflow in the mp4 module",
        vulnerable: &[(v(1, 1, 3), v(1, 1, 18)), (v(1, 0, 7), v(1, 0, 14))],
        fixed: &[v(1, 1, 19), v(1, 0, 15)],
        uses: Uses::Any(&["mp4"]),
    },
    Advisory {
        cve: "CVE-2012-1180",
        level: Level::Major,
        what: "memory disclosure with specially crafted backend responses",
        vulnerable: &[(v(0, 1, 0), v(1, 1, 16))],
        fixed: &[v(1, 1, 17), v(1, 0, 14)],
        uses: Uses::Any(&["proxy_pass", "fastcgi_pass", "scgi_pass", "uwsgi_pass"]),
    },
    Advisory {
        cve: "CVE-2011-4315",
        level: Level::Medium,
        what: "buffer overflow in the resolver",
        vulnerable: &[(v(0, 6, 18), v(1, 1, 7))],
        fixed: &[v(1, 1, 8), v(1, 0, 10)],
        uses: Uses::Any(&["resolver"]),
    },
    Advisory {
        cve: "CVE-2009-3555",
        level: Level::Major,
        what: "SSL renegotiation vulnerability",
        vulnerable: &[(v(0, 1, 0), v(0, 8, 22))],
        fixed: &[v(0, 8, 23), v(0, 7, 64)],
        uses: Uses::Custom(any_tls),
    },
    Advisory {
        cve: "CVE-2009-3898",
        level: Level::Low,
        what: "directory traversal in the DAV module",
        vulnerable: &[(v(0, 1, 0), v(0, 8, 16))],
        fixed: &[v(0, 8, 17), v(0, 7, 63)],
        uses: Uses::Custom(dav_copy_move),
    },
    Advisory {
        cve: "CVE-2009-2629",
        level: Level::Major,
        what: "buffer underflow vulnerability",
        vulnerable: &[(v(0, 1, 0), v(0, 8, 14))],
        fixed: &[v(0, 8, 15), v(0, 7, 62), v(0, 6, 39), v(0, 5, 38)],
        uses: Uses::Always,
    },
    Advisory {
        cve: "CVE-2009-3896",
        level: Level::Major,
        what: "NULL pointer dereference vulnerability",
        vulnerable: &[(v(0, 1, 0), v(0, 8, 13))],
        fixed: &[v(0, 8, 14), v(0, 7, 62), v(0, 6, 39), v(0, 5, 38)],
        uses: Uses::Always,
    },
];

/// Whether `ver` is vulnerable to `a`, as nginx.org's ranges read.
fn affected(a: &Advisory, ver: V) -> bool {
    if !a.vulnerable.iter().any(|&(lo, hi)| lo <= ver && ver <= hi) {
        return false;
    }
    let mut fixes = a.fixed.iter();
    let mainline = fixes.next().is_some_and(|&f| ver >= f);
    let branch = fixes.any(|&f| ver.0 == f.0 && ver.1 == f.1 && ver.2 >= f.2);
    !(mainline || branch)
}

fn fmt(v: V) -> String {
    format!("{}.{}.{}", v.0, v.1, v.2)
}

/// One tree of the model: each main configuration (a stack) runs its own nginx.
#[derive(Clone, Copy)]
struct Tree<'m, 'p> {
    model: &'m Model<'p>,
    index: usize,
}

impl<'m, 'p> Tree<'m, 'p> {
    /// The statements of a name in this tree, with their scopes.
    fn everywhere(self, name: &str) -> impl Iterator<Item = (ScopeId, At<'p>)> + 'm {
        let (model, index) = (self.model, self.index);
        model
            .everywhere(name)
            .filter(move |(s, _)| model.scope(*s).tree == index)
            .map(|(s, a)| (s, *a))
    }
}

/// The statements of a name in the tree.
fn all<'m, 'p>(t: Tree<'m, 'p>, name: &str) -> impl Iterator<Item = At<'p>> + 'm {
    t.everywhere(name).map(|(_, a)| a)
}

fn first_of<'p>(t: Tree<'_, 'p>, names: &[&str]) -> Option<At<'p>> {
    names.iter().find_map(|n| all(t, n).next())
}

fn listen_with<'p>(t: Tree<'_, 'p>, param: &str) -> Option<At<'p>> {
    all(t, "listen").find(|l| l.args().iter().skip(1).any(|a| a == param))
}

fn on(a: &At<'_>) -> bool {
    a.arg(0).is_some_and(|v| v.eq_ignore_ascii_case("on"))
}

fn http2<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    listen_with(t, "http2").or_else(|| all(t, "http2").find(on))
}

fn any_tls<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    listen_with(t, "ssl").or_else(|| all(t, "ssl").find(on))
}

fn in_kind<'p>(t: Tree<'_, 'p>, name: &str, kinds: &[Context]) -> Option<At<'p>> {
    t.everywhere(name)
        .find(|(s, _)| kinds.contains(&t.model.scope(*s).kind))
        .map(|(_, a)| a)
}

const MAIL: &[Context] = &[Context::Mail, Context::MailServer];

/// A string that reads a regex `map`'s variable after a capture that map sets (`"$1$m"`,
/// `"$name$m"`), or a `volatile` regex map's variable among other parts: evaluating the map
/// changes the captures after nginx sized the string (the advisory; nginx's fix, "Script: buffer
/// overrun protection"). Shown on the statement with the string.
fn regex_map<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    /// A regex map: its variable as `$name` (lower case), the names of its regexes' captures,
    /// and whether it is `volatile`.
    struct RegexMap {
        var: String,
        needle: String,
        names: Vec<String>,
        volatile: bool,
    }
    let mut maps: Vec<RegexMap> = Vec::new();
    for (scope, at) in t.everywhere("map") {
        let Some(var) = at
            .arg(1)
            .and_then(|v| v.strip_prefix('$').map(str::to_ascii_lowercase))
        else {
            continue;
        };
        let Some(body) = t.model.body(scope, &at) else {
            continue;
        };
        let entries = &t.model.scope(body).directives;
        let regexes: Vec<String> = entries
            .iter()
            .map(|e| e.name().into_owned())
            .filter(|k| k.starts_with('~'))
            .collect();
        if regexes.is_empty() {
            continue;
        }
        let mut names: Vec<String> = Vec::new();
        for k in &regexes {
            let (pattern, caseless) = match k.strip_prefix("~*") {
                Some(p) => (p, true),
                None => (k.strip_prefix('~').unwrap_or(k), false),
            };
            let re = t.model.regex(pattern, caseless);
            names.extend(re.names().iter().map(|(n, _)| n.to_ascii_lowercase()));
        }
        maps.push(RegexMap {
            needle: format!("${var}"),
            var,
            names,
            volatile: entries.iter().any(|e| e.is("volatile")),
        });
    }
    if maps.is_empty() {
        return None;
    }
    // One reading of the tree's strings; each map keeps the first statement that shows it, and
    // the first map (in the configuration's order) that has one is reported.
    let mut shown: Vec<Option<At<'p>>> = vec![None; maps.len()];
    for id in t.model.ids().filter(|&s| t.model.scope(s).tree == t.index) {
        for d in &t.model.scope(id).directives {
            for w in &d.dir.args {
                let raw = w.raw(d.src);
                for (m, hit) in maps.iter().zip(shown.iter_mut()) {
                    let needle = m.needle.as_bytes();
                    if hit.is_some()
                        || raw.len() <= needle.len()
                        || !raw
                            .windows(needle.len())
                            .any(|x| x.eq_ignore_ascii_case(needle))
                    {
                        continue;
                    }
                    let refs = references(&w.value(d.src));
                    let Some(i) = refs
                        .iter()
                        .position(|(_, _, n)| n.eq_ignore_ascii_case(&m.var))
                    else {
                        continue;
                    };
                    let capture = |n: &str| {
                        n.bytes().all(|b| b.is_ascii_digit())
                            || m.names.iter().any(|c| c.eq_ignore_ascii_case(n))
                    };
                    let before = refs[..i].iter().any(|(_, _, n)| capture(n));
                    if before || (m.volatile && refs.len() > 1) {
                        *hit = Some(*d);
                    }
                }
            }
        }
    }
    shown.into_iter().flatten().next()
}

/// `$1`…`$9` read anywhere, with `slice` or a background cache update on.
fn captures_with_subrequests<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    let slice = all(t, "slice").find(|a| a.arg(0).is_some_and(|s| s != "0"));
    let update = [
        "proxy_cache_background_update",
        "fastcgi_cache_background_update",
        "scgi_cache_background_update",
        "uwsgi_cache_background_update",
    ]
    .iter()
    .find_map(|n| all(t, n).find(on));
    let trigger = slice.or(update)?;
    let numbered = t
        .model
        .ids()
        .filter(|&s| t.model.scope(s).tree == t.index)
        .any(|s| {
            t.model.scope(s).directives.iter().any(|d| {
                d.dir.args.iter().any(|w| {
                    w.raw(d.src).contains(&b'$')
                        && references(&w.value(d.src))
                            .iter()
                            .any(|(_, _, n)| n.len() == 1 && n.bytes().all(|b| b.is_ascii_digit()))
                })
            })
        });
    numbered.then_some(trigger)
}

fn ssi_on_proxied<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    let ssi = all(t, "ssi").find(on)?;
    all(t, "proxy_pass").next()?;
    Some(ssi)
}

fn invalid_headers_to_h2<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    let off = all(t, "ignore_invalid_headers").find(|a| !on(a))?;
    let h2 = all(t, "grpc_pass").next().or_else(|| {
        all(t, "proxy_http_version").find(|a| a.arg(0).is_some_and(|v| v.starts_with('2')))
    });
    h2.map(|_| off)
}

fn utf8_recoding<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    let map = all(t, "charset_map").find(|a| {
        a.args()
            .iter()
            .any(|c| c.eq_ignore_ascii_case("utf-8") || c.eq_ignore_ascii_case("utf8"))
    })?;
    all(t, "charset")
        .find(|a| a.arg(0).is_some_and(|c| c != "off"))
        .map(|_| map)
}

fn set_body_to_h2<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    let body = all(t, "proxy_set_body").next()?;
    all(t, "proxy_http_version")
        .find(|a| a.arg(0).is_some_and(|v| v.starts_with('2')))
        .map(|_| body)
}

fn ocsp_with_resolver<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    let ocsp = all(t, "ssl_ocsp").find(|a| a.arg(0).is_some_and(|v| v != "off"))?;
    all(t, "resolver").next().map(|_| ocsp)
}

fn dav_copy_move<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    all(t, "dav_methods").find(|a| {
        a.args()
            .iter()
            .any(|m| m.eq_ignore_ascii_case("copy") || m.eq_ignore_ascii_case("move"))
    })
}

fn dav_copy_move_alias<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    t.everywhere("dav_methods")
        .find(|(s, a)| {
            a.args()
                .iter()
                .any(|m| m.eq_ignore_ascii_case("copy") || m.eq_ignore_ascii_case("move"))
                && t.model.effective(*s, "alias").is_some()
        })
        .map(|(_, a)| a)
}

fn mail_cram_apop<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    ["smtp_auth", "imap_auth", "pop3_auth"]
        .iter()
        .find_map(|n| {
            t.everywhere(n)
                .find(|(s, a)| {
                    MAIL.contains(&t.model.scope(*s).kind)
                        && a.args().iter().any(|m| {
                            m.eq_ignore_ascii_case("cram-md5") || m.eq_ignore_ascii_case("apop")
                        })
                })
                .map(|(_, a)| a)
        })
}

fn mail_resolver<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    t.everywhere("resolver")
        .find(|(s, a)| {
            MAIL.contains(&t.model.scope(*s).kind) && a.arg(0).is_some_and(|v| v != "off")
        })
        .map(|(_, a)| a)
}

fn stream_ocsp<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    let stream = [Context::Stream, Context::StreamServer];
    let ocsp = t.everywhere("ssl_ocsp").find(|(s, a)| {
        stream.contains(&t.model.scope(*s).kind) && a.arg(0).is_some_and(|v| v != "off")
    })?;
    in_kind(t, "ssl_verify_client", &stream).map(|_| ocsp.1)
}

fn ssl_backend<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    let tls = |name: &str, scheme: &str| {
        all(t, name).find(|a| {
            a.arg(0)
                .is_some_and(|u| u.to_ascii_lowercase().starts_with(scheme))
        })
    };
    tls("proxy_pass", "https://")
        .or_else(|| tls("grpc_pass", "grpcs://"))
        .or_else(|| tls("uwsgi_pass", "suwsgi://"))
}

fn smtp_auth_none<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    t.everywhere("smtp_auth")
        .find(|(s, a)| {
            MAIL.contains(&t.model.scope(*s).kind) && a.args().iter().any(|m| m == "none")
        })
        .map(|(_, a)| a)
}

fn shared_ssl_sessions<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    all(t, "ssl_session_cache")
        .find(|a| a.args().iter().any(|c| c.starts_with("shared:")))
        .or_else(|| all(t, "ssl_session_ticket_key").next())
}

fn mail_starttls<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    t.everywhere("starttls")
        .find(|(s, a)| {
            MAIL.contains(&t.model.scope(*s).kind)
                && a.arg(0).is_some_and(|v| v == "on" || v == "only")
        })
        .map(|(_, a)| a)
}

/// Where an advisory that needs no feature is shown: the first `http` block.
fn always<'p>(t: Tree<'_, 'p>) -> Option<At<'p>> {
    all(t, "http").next()
}

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct VulnerableNginxVersion;

impl Rule for VulnerableNginxVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.settings.nginx_version_pinned {
            return;
        }
        let ver = cx.settings.nginx_version;
        let model = cx.model;
        let trees = model.roots.iter().map(|&r| model.scope(r).tree);
        let found = trees.flat_map(|index| {
            let t = Tree { model, index };
            ADVISORIES
                .iter()
                .filter(|a| affected(a, ver))
                .filter_map(move |a| {
                    let shown = match a.uses {
                        Uses::Always => always(t),
                        Uses::Any(names) => first_of(t, names),
                        Uses::Listen(param) => listen_with(t, param),
                        Uses::Custom(test) => test(t),
                    };
                    shown.map(|at| (a, at))
                })
        });
        for (a, at) in found {
            let (severity, level) = match a.level {
                Level::Major => (Severity::Warning, "major"),
                Level::Medium => (Severity::Warning, "medium"),
                Level::Low => (Severity::Info, "low"),
            };
            let fixed: Vec<String> = a.fixed.iter().map(|&f| format!("{}+", fmt(f))).collect();
            let uses = match a.uses {
                Uses::Always => "every configuration".to_string(),
                _ => format!("this configuration uses it here (`{}`)", at.name()),
            };
            out.push(
                META.diag_at(
                    severity,
                    at.file,
                    at.head_span(),
                    format!(
                        "nginx {} is affected by {} ({}, {level}): {uses}; not vulnerable: {}",
                        fmt(ver),
                        a.cve,
                        a.what,
                        fixed.join(", ")
                    ),
                )
                .with_help(format!(
                    "update nginx to a release nginx.org lists as not vulnerable ({}), or check that your distribution's package carries the fix for {} (distributions backport fixes without changing the version)",
                    fixed.join(", "),
                    a.cve
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{affected, ADVISORIES};

    fn hits(cve: &str, v: (u32, u32, u32)) -> bool {
        let a = ADVISORIES.iter().find(|a| a.cve == cve).unwrap();
        affected(a, v)
    }

    #[test]
    fn ranges_read_as_nginx_org_means_them() {
        // Mainline fix: it and everything after, later stable branches included.
        assert!(hits("CVE-2021-23017", (1, 20, 0)));
        assert!(!hits("CVE-2021-23017", (1, 21, 0)));
        assert!(!hits("CVE-2021-23017", (1, 22, 1)));
        // Stable fix: later releases of that branch only.
        assert!(!hits("CVE-2021-23017", (1, 20, 1)));
        assert!(hits("CVE-2021-23017", (1, 19, 10)));
        // A stable branch with no fix of its own stays vulnerable.
        assert!(hits("CVE-2025-23419", (1, 24, 0)));
        assert!(!hits("CVE-2025-23419", (1, 26, 3)));
        assert!(!hits("CVE-2025-23419", (1, 27, 4)));
        // Outside every vulnerable range.
        assert!(!hits("CVE-2021-23017", (0, 6, 17)));
        assert!(!hits("CVE-2024-24989", (1, 25, 2)));
        // Two vulnerable ranges.
        assert!(hits("CVE-2022-41741", (1, 0, 15)));
        assert!(!hits("CVE-2022-41741", (1, 0, 16)));
        // CHANGES-1.28 fixes CVE-2025-53859 in 1.28.1.
        assert!(hits("CVE-2025-53859", (1, 28, 0)));
        assert!(!hits("CVE-2025-53859", (1, 28, 1)));
    }

    #[test]
    fn the_table_is_well_formed() {
        for a in ADVISORIES {
            assert!(a.cve.starts_with("CVE-"), "{}", a.cve);
            assert!(!a.vulnerable.is_empty() && !a.fixed.is_empty(), "{}", a.cve);
            for &(lo, hi) in a.vulnerable {
                assert!(lo <= hi, "{}", a.cve);
            }
            // No fix inside the first vulnerable range's start: the mainline fix comes after it.
            assert!(a.fixed[0] > a.vulnerable[0].0, "{}", a.cve);
        }
        let mut cves: Vec<&str> = ADVISORIES.iter().map(|a| a.cve).collect();
        cves.sort_unstable();
        cves.dedup();
        assert_eq!(cves.len(), ADVISORIES.len());
    }
}
