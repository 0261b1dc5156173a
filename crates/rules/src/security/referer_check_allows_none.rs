//! NGX406 `referer-check-allows-none`: `valid_referers none …` in a configuration that acts on
//! `$invalid_referer`. A request without a `Referer` passes the check, and any page can make the
//! browser send none (`referrerpolicy="no-referrer"`): the check stops only the sites that do not
//! ask. Whether that matters (hot-linked images, or a form endpoint relying on the check) is not in
//! the configuration: info.

use std::collections::HashMap;

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX406",
    name: "referer-check-allows-none",
    severity: Severity::Info,
    summary: "`valid_referers none`: any page passes the referer check by sending no `Referer`",
    doc: include_str!("../../../../rules/NGX406.md"),
    family: Family::Security,
    default: Enabled::On,
    aliases: &["gixy:valid_referers"],
};

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct RefererCheckAllowsNone;

impl Rule for RefererCheckAllowsNone {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn on_project(&self, cx: &Cx<'_>, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        // Whether each tree acts on `$invalid_referer`, asked once per tree that has a check.
        let mut acts: HashMap<usize, bool> = HashMap::new();
        for (scope, at) in model.everywhere("valid_referers") {
            let Some(i) = (0..at.nargs()).find(|&i| at.arg(i).as_deref() == Some("none")) else {
                continue;
            };
            let tree = model.scope(scope).tree;
            let used = *acts.entry(tree).or_insert_with(|| {
                model
                    .ids()
                    .filter(|&s| model.scope(s).tree == tree)
                    .flat_map(|s| model.scope(s).directives.iter())
                    .any(|d| {
                        // Variable names are case-insensitive (`$Invalid_Referer` is the same).
                        d.dir.args.iter().any(|a| {
                            let raw = a.raw(d.src).to_ascii_lowercase();
                            contains(&raw, b"$invalid_referer")
                                || contains(&raw, b"${invalid_referer}")
                        })
                    })
            });
            if !used {
                continue;
            }
            out.push(
                META.diag(
                    at.file,
                    at.arg_span(i),
                    "`none` lets every request without a `Referer` pass this referer check: a page elsewhere that embeds or links here with `referrerpolicy=\"no-referrer\"` is not stopped",
                )
                .with_help("drop `none` where the check is meant to keep other sites out; keep it only where visitors who open the address directly must get through, knowing that other sites then can too"),
            );
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
