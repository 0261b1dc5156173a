//! NGX304 `upstream-without-backup`: an upstream group with nowhere to go when its servers fail
//! (FACTS N4): no `backup` server, every server `down`, `backup` under a method that does not
//! support it, and (optionally) groups of one `server` line.

use nginx_syntax::Span;
use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::edit;
use ngxlint_engine::model::{split_host_port, At, Upstream};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX304",
    name: "upstream-without-backup",
    severity: Severity::Warning,
    summary: "upstream group with no `backup` server, every server `down`, or `backup` under hash/ip_hash/random",
    doc: include_str!("../../../../rules/NGX304.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// Balancing methods that reset the group's parameter flags (the last one wins; FACTS N4).
/// `sticky` is not one of them: it leaves `backup` allowed.
const METHODS: &[&str] = &["hash", "ip_hash", "random", "least_conn", "least_time"];
/// Methods whose flags lack `NGX_HTTP_UPSTREAM_BACKUP`.
const NO_BACKUP: &[&str] = &["hash", "ip_hash", "random"];

/// The rule and its options.
#[derive(Debug, Clone)]
pub struct UpstreamWithoutBackup {
    /// Groups with at least this many (non-backup) `server` lines need a `backup` server.
    pub min_servers: usize,
    /// Also note groups of one `server` line (no failover at all).
    pub note_single_server: bool,
}

impl Default for UpstreamWithoutBackup {
    fn default() -> Self {
        UpstreamWithoutBackup {
            min_servers: 2,
            note_single_server: false,
        }
    }
}

fn method_name(at: &At<'_>) -> Option<&'static str> {
    METHODS.iter().copied().find(|m| at.is(m))
}

/// The host of a `server` address (`unix:` paths and IP literals are one address each).
fn is_single_address(address: &str) -> bool {
    if address.starts_with("unix:") {
        return true;
    }
    let (host, _) = split_host_port(address);
    host.parse::<std::net::IpAddr>().is_ok()
}

impl UpstreamWithoutBackup {
    fn check(&self, u: &Upstream<'_>, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        if u.servers.is_empty() {
            // `no servers are inside upstream`: the reader's business, not a failover question.
            return;
        }
        let name = &u.name;
        let name_span = u.at.arg_span(0);

        // `backup` against the balancing method, in nginx's reading order: the flags in force
        // when a `server` line is parsed decide whether nginx refuses it.
        let mut last: Option<At<'_>> = None;
        let effective = u
            .methods
            .iter()
            .rev()
            .find(|m| method_name(m).is_some())
            .copied();
        let mut bad_backup = false;
        for d in &cx.model.scope(u.scope).directives {
            if method_name(d).is_some() {
                last = Some(*d);
                continue;
            }
            if !d.is("server") {
                continue;
            }
            let Some(i) = d.args().iter().skip(1).position(|a| a == "backup") else {
                continue;
            };
            let span = d.arg_span(i + 1);
            let refused = last.filter(|m| method_name(m).is_some_and(|n| NO_BACKUP.contains(&n)));
            if let Some(m) = refused {
                let mname = method_name(&m).unwrap_or("ip_hash");
                let diag = META
                    .diag_at(
                        Severity::Error,
                        d.file,
                        span,
                        "balancing method does not support parameter \"backup\"",
                    )
                    .with_help(format!(
                        "remove `backup` from this line, or balance with `least_conn;` instead of `{mname}`"
                    ))
                    .with_edits(drop_backup(d, i + 1));
                out.push(diag.with_place(
                    m.file,
                    m.head_span(),
                    format!("`{mname}` set here, before the `server` line: nginx refuses to start"),
                ));
                bad_backup = true;
            } else if let Some(m) =
                effective.filter(|m| method_name(m).is_some_and(|n| NO_BACKUP.contains(&n)))
            {
                let mname = method_name(&m).unwrap_or("ip_hash");
                let diag = META
                    .diag_at(
                        Severity::Warning,
                        d.file,
                        span,
                        format!("`backup` is not supported by `{mname}`: nginx accepts it only because the `server` line comes first"),
                    )
                    .with_help(format!(
                        "remove `backup` from this line, or balance with `least_conn;` instead of `{mname}`"
                    ))
                    .with_edits(drop_backup(d, i + 1));
                out.push(diag.with_place(m.file, m.head_span(), format!("`{mname}` set here")));
                bad_backup = true;
            }
        }
        if bad_backup {
            return;
        }

        // Every server `down`: no peer is ever available.
        if u.servers.iter().all(|s| s.down) {
            let mut diag = META
                .diag_at(
                    Severity::Error,
                    u.at.file,
                    name_span,
                    format!("every server of upstream `{name}` is `down`"),
                )
                .with_help("remove `down` from at least one `server` line");
            if let Some(s) = u.servers.first() {
                diag = diag.with_place(s.at.file, s.at.head_span(), "marked `down` here");
                // Which server should take traffic again is the user's call: the first one.
                if let Some(i) = s.at.args().iter().skip(1).position(|a| a == "down") {
                    let (a, b) = (s.at.dir.args[i].span.end, s.at.arg_span(i + 1).end);
                    diag = diag.with_edits(Fix::unsafe_edits(
                        "Remove `down` from the first server",
                        vec![Edit::delete(s.at.file, Span { start: a, end: b })],
                    ));
                }
            }
            out.push(diag);
            return;
        }

        if u.servers.iter().any(|s| s.backup) {
            return;
        }
        // Failover is not nginx's here: `max_fails=0` on every server turns failure accounting
        // off (a backup would never be used), and `balancer_by_lua*` picks each peer itself.
        let no_accounting = u.servers.iter().all(|s| {
            s.at.args()
                .iter()
                .skip(1)
                .any(|p| p.eq_ignore_ascii_case("max_fails=0"))
        });
        let lua_balancer = cx
            .model
            .scope(u.scope)
            .directives
            .iter()
            .any(|d| d.name().starts_with("balancer_by_lua"));
        if no_accounting || lua_balancer {
            return;
        }
        if effective.is_some_and(|m| method_name(&m).is_some_and(|n| NO_BACKUP.contains(&n))) {
            // The method cannot have a backup server; nothing to suggest.
            return;
        }
        let primaries = u.servers.len();
        let port = common_port(u);
        let example = format!("server HOST:{} backup;", port.as_deref().unwrap_or("PORT"));
        if primaries >= self.min_servers.max(1) {
            let diag = META
                .diag(
                    u.at.file,
                    name_span,
                    format!("upstream `{name}` has no `backup` server"),
                )
                .with_help(format!(
                    "add a standby server that is not one of the primaries: `{example}`"
                ))
                // The standby's address is not in the configuration: shown, never applied.
                .with_edits(Fix::display_only(
                    format!("Add `{example}`"),
                    vec![edit::insert_in_block(
                        u.at.file, u.at.src, u.at.dir, &example, true,
                    )],
                ));
            out.push(diag);
        } else if primaries == 1 && self.note_single_server {
            let s = &u.servers[0];
            let message = if is_single_address(&s.address) {
                format!("upstream `{name}` has a single server: nginx never marks it failed and has no other server to try")
            } else {
                format!(
                    "upstream `{name}` has one `server` line: it fails over only between the addresses `{}` resolves to",
                    split_host_port(&s.address).0
                )
            };
            let diag = META
                .diag_at(Severity::Info, u.at.file, name_span, message)
                .with_help(format!("add a second server or a standby: `{example}`"));
            out.push(diag.with_place(s.at.file, s.at.head_span(), "the only `server` line"));
        }
    }
}

/// Removes the `backup` parameter (argument `i` of a `server` line) with the blank before it. A
/// standby becomes a peer of the balancing method: for the user to review.
fn drop_backup(d: &At<'_>, i: usize) -> Fix {
    let (a, b) = (d.dir.args[i - 1].span.end, d.arg_span(i).end);
    Fix::unsafe_edits(
        "Remove `backup`",
        vec![Edit::delete(d.file, Span { start: a, end: b })],
    )
}

/// The port every server of the group uses, if they share one.
fn common_port(u: &Upstream<'_>) -> Option<String> {
    let mut ports = u.servers.iter().map(|s| split_host_port(&s.address).1);
    let first = ports.next()??;
    ports.all(|p| p == Some(first)).then(|| first.to_string())
}

fn parse_bool(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("`{key}` takes `true` or `false`, not `{value}`")),
    }
}

impl Rule for UpstreamWithoutBackup {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        for u in &cx.model.upstreams {
            self.check(u, cx, out);
        }
    }

    fn configure(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "min_servers" => {
                self.min_servers =
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|&n| n >= 1)
                        .ok_or_else(|| {
                            format!(
                                "`min_servers` takes a whole number of at least 1, not `{value}`"
                            )
                        })?;
                Ok(())
            }
            "note_single_server" => {
                self.note_single_server = parse_bool(key, value)?;
                Ok(())
            }
            _ => Err(format!(
                "`{}` has no option `{key}` (options: `min_servers`, `note_single_server`)",
                META.name
            )),
        }
    }
}
