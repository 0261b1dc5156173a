//! NGX303 global-timeout-inflation: upstream read/send timeouts raised for every location at once
//! (`http` or `server` level), and connect timeouts above what a connect usually lasts (FACTS N2).

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Edit, Fix, Severity};
use ngxlint_engine::edit;
use ngxlint_engine::model::{At, PassModule, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};
use ngxlint_engine::units::{format_time_ms, parse_time_ms};

static META: RuleMeta = RuleMeta {
    code: "NGX303",
    name: "global-timeout-inflation",
    severity: Severity::Warning,
    summary:
        "an upstream read or send timeout raised for every location, or a connect timeout above 75s",
    doc: include_str!("../../../../rules/NGX303.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// nginx's documentation: a connect "cannot usually exceed 75 seconds".
const CONNECT_LIMIT_MS: u64 = 75_000;

/// The rule with its options.
pub struct GlobalTimeoutInflation {
    /// Above this, a read or send timeout at `http` or `server` level is reported (milliseconds).
    pub max_global_timeout_ms: u64,
}

impl Default for GlobalTimeoutInflation {
    fn default() -> Self {
        GlobalTimeoutInflation {
            max_global_timeout_ms: 60_000,
        }
    }
}

const DIRECTIVES: &[&str] = &[
    "proxy_read_timeout",
    "proxy_send_timeout",
    "proxy_connect_timeout",
    "fastcgi_read_timeout",
    "fastcgi_send_timeout",
    "fastcgi_connect_timeout",
    "uwsgi_read_timeout",
    "uwsgi_send_timeout",
    "uwsgi_connect_timeout",
    "scgi_read_timeout",
    "scgi_send_timeout",
    "scgi_connect_timeout",
    "grpc_read_timeout",
    "grpc_send_timeout",
    "grpc_connect_timeout",
];

/// A threshold as people say it: `60s`, `75s` (not `1m`).
fn seconds(ms: u64) -> String {
    if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format_time_ms(ms)
    }
}

/// `location ~ \.php$` as written.
fn location_name(at: &At<'_>) -> String {
    let mut s = String::from("location");
    for a in at.args() {
        s.push(' ');
        s.push_str(&a);
    }
    s
}

impl GlobalTimeoutInflation {
    fn connect(&self, at: &At<'_>, name: &str, ms: u64, out: &mut Vec<Diagnostic>) {
        if ms <= CONNECT_LIMIT_MS {
            return;
        }
        let value = at.arg(0).unwrap_or_default();
        out.push(
            META.diag_at(
                Severity::Info,
                at.file,
                at.arg_span(0),
                format!(
                    "`{name} {value}` is above 75s, which nginx documents a connect cannot usually exceed"
                ),
            )
            .with_help(format!("use `{name} {};` or less", seconds(CONNECT_LIMIT_MS)))
            // Whether the kernel gives up sooner depends on the host: the new value is for
            // the user to review.
            .with_edits(Fix::unsafe_edits(
                format!("Use `{name} {}`", seconds(CONNECT_LIMIT_MS)),
                vec![Edit::replace(at.file, at.arg_span(0), seconds(CONNECT_LIMIT_MS))],
            )),
        );
    }

    fn global(
        &self,
        cx: &Cx<'_>,
        scope: ScopeId,
        at: &At<'_>,
        name: &str,
        ms: u64,
        out: &mut Vec<Diagnostic>,
    ) {
        let level = match cx.model.scope(scope).kind {
            Context::Http => "http",
            Context::HttpServer => "server",
            _ => return,
        };
        if ms <= self.max_global_timeout_ms {
            return;
        }
        let Some(module) = PassModule::ALL
            .into_iter()
            .find(|m| name.starts_with(m.prefix()))
        else {
            return;
        };
        let value = at.arg(0).unwrap_or_default();
        let mut d = META.diag(
            at.file,
            at.arg_span(0),
            format!(
                "`{name} {value}` in the `{level}` block raises the timeout above {} for every location",
                seconds(self.max_global_timeout_ms)
            ),
        );
        // The locations that pass with this module and take this very directive.
        let model = cx.model;
        let mut users: Vec<(ScopeId, At<'_>)> = Vec::new();
        for (loc, pass) in model.passes() {
            if pass.module != module {
                continue;
            }
            if let Some((_, eff)) = model.effective(loc, name) {
                if std::ptr::eq(eff.dir, at.dir) && !users.iter().any(|(l, _)| *l == loc) {
                    users.push((loc, pass.at));
                }
            }
        }
        for (_, pass) in users.iter().take(8) {
            d = if pass.file == at.file {
                d.with_label(pass.arg_span(0), "inherited here")
            } else {
                d.with_related(pass.file, pass.arg_span(0), "inherited here")
            };
        }
        let target = match users.as_slice() {
            [(loc, _)] => model
                .scope(*loc)
                .block
                .map(|b| format!("`{}`", location_name(&b)))
                .unwrap_or_else(|| "the location that needs it".into()),
            _ => "the location that needs it".into(),
        };
        d = d.with_help(format!("move `{name} {value};` into {target}"));
        // One location takes the value: moved below its pass line, every location keeps the
        // timeout it has (nothing else passes with this module from under this block).
        if users.len() > 1 {
            // Which of them needs the long timeout is not in the configuration: the line's
            // removal is shown, never applied (the slow location must get it back).
            d = d.with_edits(Fix::display_only(
                format!("Remove `{name} {value};` here and set it in the location that needs it"),
                vec![edit::remove(at.file, at.src, at.dir)],
            ));
        }
        if let [(loc, pass)] = users.as_slice() {
            let block = model.scope(*loc).block;
            if block.is_some_and(|b| b.is("location")) {
                let line = String::from_utf8_lossy(at.head_span().slice(at.src)).into_owned();
                d = d.with_edits(Fix::safe(
                    format!("Move `{name} {value};` into {target}"),
                    vec![
                        edit::remove(at.file, at.src, at.dir),
                        edit::insert_after(pass.file, pass.src, pass.dir, &format!("{line};")),
                    ],
                ));
            }
        }
        out.push(d);
    }
}

impl Rule for GlobalTimeoutInflation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn directives(&self) -> &'static [&'static str] {
        DIRECTIVES
    }
    fn on_directive(&self, cx: &Cx<'_>, scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let name = at.name();
        let Some(ms) = at.arg(0).and_then(|a| parse_time_ms(&a)) else {
            return;
        };
        if name.ends_with("_connect_timeout") {
            self.connect(at, &name, ms, out);
        } else {
            self.global(cx, scope, at, &name, ms, out);
        }
    }
    fn configure(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "max_global_timeout" => {
                self.max_global_timeout_ms = parse_time_ms(value).ok_or_else(|| {
                    format!("`max_global_timeout` takes an nginx time (`60s`, `2m`), not `{value}`")
                })?;
                Ok(())
            }
            _ => Err(format!("`{}` has no option `{key}`", META.name)),
        }
    }
}
