//! NGX317 `proxy-host-group-name`: a `proxy_pass` to an `upstream` group with no
//! `proxy_set_header Host` in effect. nginx's default is `Host $proxy_host`, which for a group is
//! the group's name: the application behind it sees `Host: backend`. Frameworks that check the
//! host (Django's `ALLOWED_HOSTS`, Rails' host authorization, name-based virtual hosts) answer 400
//! or the wrong site, and absolute URLs and redirects the application builds name `backend`.
//!
//! Only group names that are not domain names are judged (`upstream api.example.com` may be named
//! after the host it stands for). Whether the application reads `Host` is not in the
//! configuration: info.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{FastMap, PassModule, ScopeId, Target};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX317",
    name: "proxy-host-group-name",
    severity: Severity::Info,
    summary: "`proxy_pass` to an upstream group with no `proxy_set_header Host`: the application sees `Host: <group name>`",
    doc: include_str!("../../../../rules/NGX317.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &["nginx-lint:proxy-missing-host-header"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct ProxyHostGroupName;

impl Rule for ProxyHostGroupName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        // Whether the level whose `proxy_set_header` list is in effect sets Host (`None`: no
        // level sets any), by that level: thousands of locations share a server's or http's.
        let mut level_sets_host: FastMap<ScopeId, bool> = FastMap::default();
        for (scope, pass) in model.pass_directives() {
            if pass.module != PassModule::Proxy {
                continue;
            }
            let Target::Group(i) = pass.target else {
                continue;
            };
            let group = &model.upstreams[i];
            // `stream` has no Host; a dotted name may be the host the group stands for.
            if group.stream || group.name.contains('.') {
                continue;
            }
            let level = model.list_level(*scope, "proxy_set_header");
            let sets_host = level.is_some_and(|l| {
                *level_sets_host.entry(l).or_insert_with(|| {
                    model
                        .here(l, "proxy_set_header")
                        .any(|d| d.arg(0).is_some_and(|h| h.eq_ignore_ascii_case("host")))
                })
            });
            // In a file no main config includes, the parent may set it. (A file included in
            // several places gives one finding: the run keeps one of identical findings.)
            if sets_host || model.in_fragment(*scope) {
                continue;
            }
            out.push(
                META.diag(
                    pass.at.file,
                    pass.at.arg_span(0),
                    format!(
                        "no `proxy_set_header Host` is in effect: the application behind upstream `{}` gets `Host: {}`, not the host the client asked for",
                        group.name, group.name
                    ),
                )
                .with_place(group.at.file, group.at.arg_span(0), "the group's name is what nginx sends as the host")
                .with_help("send the client's host: `proxy_set_header Host $host;` (in the location, or once in `server`/`http` where no level sets its own)"),
            );
        }
    }
}
