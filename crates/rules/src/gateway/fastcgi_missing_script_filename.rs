//! NGX309 `fastcgi-missing-script-filename`: a `fastcgi_pass` without an effective
//! `SCRIPT_FILENAME` (FACTS N3) — most often one `fastcgi_param` at a lower level that discarded
//! every inherited one — so php-fpm finds no script ("Primary script unknown", 404 "File not
//! found.", or an empty 200 when `REQUEST_METHOD` went too). Also, as a warning, the PATH_INFO
//! pattern with neither a `try_files … =404` in the location nor a PHP-only
//! `security.limit_extensions` in the pool it reaches (the CVE-2019-11043 shape).

use std::collections::HashSet;

use nginx_syntax::directives::Context;
use ngxlint_engine::diagnostic::{Diagnostic, Fix, Severity};
use ngxlint_engine::edit;
use ngxlint_engine::fastcgi::fastcgi_passes;
use ngxlint_engine::model::{At, Model, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

use crate::includes::Unknown;
use crate::reach::{Pools, ReachCache};
use crate::words::arg_is;
use ngxlint_engine::inherit::Inherited;

static META: RuleMeta = RuleMeta {
    code: "NGX309",
    name: "fastcgi-missing-script-filename",
    severity: Severity::Error,
    summary: "`fastcgi_pass` without an effective `SCRIPT_FILENAME`; PATH_INFO passed unguarded",
    doc: include_str!("../../../../rules/NGX309.md"),
    family: Family::Gateway,
    default: Enabled::On,
    aliases: &[],
};

/// What nginx's `fastcgi.conf` sets.
const STOCK_VALUE: &str = "$document_root$fastcgi_script_name";

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct FastcgiMissingScriptFilename;

/// The names asked along the chain of every pass, in [`Inherited`] order.
const NAMES: [&str; 2] = ["fastcgi_param", "fastcgi_split_path_info"];
const PARAM: usize = 0;
const SPLIT: usize = 1;

fn is_script_filename(d: &At<'_>) -> bool {
    arg_is(d, 0, "SCRIPT_FILENAME")
}

/// What one run keeps between passes.
struct State<'c, 'm, 'p> {
    pools: Pools<'p>,
    reach: ReachCache<'p>,
    eff: Inherited<'m, 'p, 2>,
    unknown: Unknown<'c, 'p>,
}

/// Whether the location guards the script name: `try_files $fastcgi_script_name =404` (or
/// `$uri`), or an `if (!-f …$fastcgi_script_name)` block.
fn guarded(cx: &Cx<'_>, scope: ScopeId) -> bool {
    let Some(loc) = cx.model.location_of(scope) else {
        return false;
    };
    let try_files = cx.model.here(loc, "try_files").any(|d| {
        let args = d.args();
        args.len() >= 2
            && args.last().is_some_and(|a| a == "=404")
            && args[..args.len() - 1].iter().all(|a| {
                matches!(
                    a.as_ref(),
                    "$uri" | "$fastcgi_script_name" | "$document_root$fastcgi_script_name"
                )
            })
    });
    if try_files {
        return true;
    }
    cx.model.scope(loc).children.iter().any(|&c| {
        let Some(at) = cx.model.scope(c).block else {
            return false;
        };
        if !at.is("if") {
            return false;
        }
        let cond = at.args().join(" ");
        cond.contains("-f")
            && ["$fastcgi_script_name", "$uri", "$request_filename"]
                .iter()
                .any(|v| cond.contains(v))
    })
}

/// Whether the location serves php-fpm's own status or ping page, which php-fpm answers from
/// `SCRIPT_NAME` before it looks for a script: the pattern names the `pm.status_path` or
/// `ping.path` of a pool the pass reaches (or, when it reaches none of the project's, `status` or
/// `ping`).
fn status_page<'p>(
    cx: &Cx<'p>,
    pools: &Pools<'p>,
    reach: &mut ReachCache<'p>,
    scope: ScopeId,
    pass: &At<'p>,
) -> bool {
    let Some(loc) = cx.model.location_of(scope) else {
        return false;
    };
    let Some(block) = cx.model.scope(loc).block else {
        return false;
    };
    let pattern = block.args().join(" ");
    let reached = pools.reached(cx, reach, scope, pass);
    if reached.is_empty() {
        return pattern.contains("status") || pattern.contains("ping");
    }
    reached.iter().any(|i| {
        let p = pools.list[*i].pool;
        [&p.pm_status_path.value, &p.ping_path.value]
            .into_iter()
            .flatten()
            .any(|path| {
                let path = path.trim_start_matches('/');
                !path.is_empty() && pattern.contains(path)
            })
    })
}

/// The fix when the pass stands directly in a `location` (an `if` takes no `fastcgi_param`),
/// else none (a fix without edits is not added).
fn in_location(model: &Model<'_>, scope: ScopeId, fix: impl FnOnce() -> Fix) -> Fix {
    if model.scope(scope).kind == Context::HttpLocation {
        fix()
    } else {
        Fix::safe("", Vec::new())
    }
}

/// The context of the block that holds `at`: the scope of the pass or one of its parents.
fn model_scope_of(cx: &Cx<'_>, scope: ScopeId, at: &At<'_>) -> Option<Context> {
    cx.model
        .chain(scope)
        .find(|&id| {
            cx.model
                .scope(id)
                .directives
                .iter()
                .any(|d| std::ptr::eq(d.dir, at.dir))
        })
        .map(|id| cx.model.scope(id).kind)
}

impl FastcgiMissingScriptFilename {
    fn script_filename<'p>(
        &self,
        cx: &Cx<'p>,
        st: &mut State<'_, '_, 'p>,
        scope: ScopeId,
        pass: &At<'p>,
    ) -> Option<Diagnostic> {
        let model = cx.model;
        let list = st.eff.level(scope, PARAM);
        let params = |lvl| {
            st.eff
                .id(PARAM)
                .into_iter()
                .flat_map(move |id| model.named_id(lvl, id))
        };
        // The common case first: `SCRIPT_FILENAME` is in the list in effect (from the end: it
        // usually follows `include fastcgi_params;`).
        if list.is_some_and(|lvl| params(lvl).rev().any(|d| is_script_filename(d))) {
            return None;
        }
        let list = list.map(|lvl| (lvl, params(lvl).copied().collect::<Vec<At<'p>>>()));
        // The levels up to the list's: a file the project lacks may set anything there.
        for id in model.chain(scope) {
            if st.unknown.scope(id) {
                return None;
            }
            if list.as_ref().is_some_and(|(lvl, _)| *lvl == id) {
                break;
            }
        }
        if status_page(cx, &st.pools, &mut st.reach, scope, pass) {
            return None;
        }
        let Some((lvl, params)) = list else {
            // A file read alone: the parameters may come from its parent (`http`-level
            // `include fastcgi_params;`). A level of its own that sets some is judged.
            if model.in_fragment(scope) {
                return None;
            }
            return Some(
                META.diag(
                    pass.file,
                    pass.arg_span(0),
                    "no `fastcgi_param` is in effect for this fastcgi_pass: php-fpm gets no `SCRIPT_FILENAME` and finds no script to run",
                )
                .with_help("add `include fastcgi.conf;` next to the fastcgi_pass (nginx's parameters, `SCRIPT_FILENAME` included)")
                .with_edits(in_location(model, scope, || {
                    Fix::safe(
                        "Add `include fastcgi.conf;`",
                        vec![edit::insert_before(pass.file, pass.src, pass.dir, "include fastcgi.conf;")],
                    )
                })),
            );
        };
        // One set above, discarded by this level's own list?
        let inherited = model
            .discarded_list(lvl, "fastcgi_param")
            .and_then(|(_, v)| v.into_iter().rev().find(is_script_filename));
        let block_file = model.scope(lvl).block.map(|b| b.file);
        let note =
            "`SCRIPT_FILENAME` set here is not inherited by a level with its own `fastcgi_param`";
        // The level's own `fastcgi_param`, written there, that discarded an inherited list.
        let own = params.iter().find(|d| Some(d.file) == block_file);
        if let (Some(sf), Some(own)) = (&inherited, own) {
            let value = sf
                .args()
                .iter()
                .skip(1)
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            let d = META.diag(
                own.file,
                own.name_span(),
                "this `fastcgi_param` replaces every inherited one, `SCRIPT_FILENAME` included: php-fpm finds no script to run",
            );
            let d = d.with_place(sf.file, sf.arg_span(0), note);
            // The inherited `SCRIPT_FILENAME` repeated below the level's own parameter.
            let fix = Fix::safe(
                "Repeat `SCRIPT_FILENAME` at this level",
                vec![edit::insert_after(
                    own.file,
                    own.src,
                    own.dir,
                    &format!("fastcgi_param SCRIPT_FILENAME {value};"),
                )],
            );
            return Some(
                d.with_help(format!(
                    "repeat the inherited parameters at this level (e.g. `include fastcgi.conf;`), at least `fastcgi_param SCRIPT_FILENAME {value};`"
                ))
                .with_edits(fix),
            );
        }
        let from_params = params.iter().any(|d| {
            cx.project
                .files
                .get(d.file)
                .path
                .file_name()
                .is_some_and(|n| n == "fastcgi_params")
        });
        let d = META.diag(
            pass.file,
            pass.arg_span(0),
            "no `SCRIPT_FILENAME` among the `fastcgi_param`s in effect for this fastcgi_pass: php-fpm finds no script to run",
        );
        let first = params[0];
        let mut d = d.with_place(
            first.file,
            first.name_span(),
            "the `fastcgi_param`s in effect start here",
        );
        if let Some(sf) = &inherited {
            d = d.with_place(sf.file, sf.arg_span(0), note);
        }
        let help = if from_params {
            format!("include `fastcgi.conf` instead of `fastcgi_params` (the same parameters and `SCRIPT_FILENAME`), or add `fastcgi_param SCRIPT_FILENAME {STOCK_VALUE};`")
        } else {
            format!("add `fastcgi_param SCRIPT_FILENAME {STOCK_VALUE};`")
        };
        // The parameter added to the list in effect, at its level: below the pass when the list
        // is the location's own, else last in the block that holds the list (a parameter in the
        // location would discard the inherited list).
        let line = format!("fastcgi_param SCRIPT_FILENAME {STOCK_VALUE};");
        let edit = if lvl == scope {
            Some(edit::insert_after(pass.file, pass.src, pass.dir, &line))
        } else {
            model
                .scope(lvl)
                .block
                .map(|b| edit::insert_in_block(b.file, b.src, b.dir, &line, true))
        };
        let d = match edit {
            Some(e)
                if matches!(
                    model.scope(lvl).kind,
                    Context::Http | Context::HttpServer | Context::HttpLocation
                ) =>
            {
                d.with_edits(Fix::safe("Add `SCRIPT_FILENAME`", vec![e]))
            }
            _ => d,
        };
        Some(d.with_help(help))
    }

    fn path_info<'p>(
        &self,
        cx: &Cx<'p>,
        st: &mut State<'_, '_, 'p>,
        scope: ScopeId,
        pass: &At<'p>,
    ) -> Option<Diagnostic> {
        let (_, split) = st.eff.last(scope, SPLIT)?;
        let (_, mut params) = st.eff.list(scope, PARAM)?;
        params.find(|d| {
            arg_is(d, 0, "PATH_INFO") && d.dir.args.get(1).is_some_and(|v| !v.inner().is_empty())
        })?;
        if guarded(cx, scope) {
            return None;
        }
        // A pass that reaches no pool of the project: the PHP side's defence cannot be judged.
        let pools = &st.pools;
        let reached = pools.reached(cx, &mut st.reach, scope, pass);
        let open = reached
            .iter()
            .map(|i| pools.list[*i])
            .find(crate::reach::runs_non_php)?;
        let ext = &open.pool.security_limit_extensions.value;
        let allows = if ext.is_empty() {
            "every file as PHP (`security.limit_extensions` is empty)".to_string()
        } else {
            format!("`{}` files as PHP", ext.join(" "))
        };
        let mut d = META
            .diag_at(
                Severity::Warning,
                split.file,
                split.arg_span(0),
                format!(
                    "`PATH_INFO` is split off and passed without `try_files $fastcgi_script_name =404`, and pool [{}] runs {allows}: the CVE-2019-11043 shape",
                    open.pool.name
                ),
            );
        if let Some(o) = open.pool.security_limit_extensions.origin {
            let (file, span) = cx.fpm_span(open.tree, &o);
            let note = if ext.is_empty() {
                format!("empty: pool [{}] runs any file as PHP", open.pool.name)
            } else {
                format!(
                    "pool [{}] runs files with these extensions as PHP",
                    open.pool.name
                )
            };
            d = d.with_related(file, span, note);
        }
        d = d.with_place(
            pass.file,
            pass.arg_span(0),
            format!("this fastcgi_pass reaches pool [{}]", open.pool.name),
        );
        // Both halves of the help; a script that does not exist now gets 404: to review.
        let split_scope = model_scope_of(cx, scope, &split);
        let mut edits = Vec::new();
        if split_scope.is_some_and(|k| k == Context::HttpLocation) {
            edits.push(edit::insert_after(
                split.file,
                split.src,
                split.dir,
                "try_files $fastcgi_script_name =404;",
            ));
            let anchor = open
                .pool
                .security_limit_extensions
                .origin
                .or(open.pool.listen.origin);
            if let Some(anchor) = anchor {
                edits.extend(cx.fpm_set(
                    open.tree,
                    open.pool,
                    &anchor,
                    &[("security.limit_extensions", ".php".to_string())],
                ));
            }
        }
        Some(
            d.with_help(
                "add `try_files $fastcgi_script_name =404;` to the location (after `fastcgi_split_path_info`), and set `security.limit_extensions = .php` in the pool",
            )
            .with_edits(Fix::unsafe_edits(
                "Answer 404 for scripts that do not exist, and run only `.php`",
                edits,
            )),
        )
    }
}

impl Rule for FastcgiMissingScriptFilename {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let mut st = State {
            pools: Pools::of(cx),
            reach: ReachCache::default(),
            eff: Inherited::new(cx.model, NAMES),
            unknown: Unknown::new(cx),
        };
        let mut seen = HashSet::new();
        for (scope, pass) in fastcgi_passes(cx.model) {
            let found = [
                self.script_filename(cx, &mut st, scope, &pass),
                self.path_info(cx, &mut st, scope, &pass),
            ];
            for d in found.into_iter().flatten() {
                if seen.insert((d.file, d.span, d.message.clone())) {
                    out.push(d);
                }
            }
        }
    }
}
