//! NGX209 `map-without-default`: a `map` or `geo` with two or more entries and no `default`, so
//! every value it does not list gives the empty string. Often meant, sometimes an oversight that
//! turns an allow list into "allow nothing" or a backend name into an empty one: an opinion,
//! opt-in.

use ngxlint_engine::diagnostic::{Diagnostic, Severity};
use ngxlint_engine::model::{At, ScopeId};
use ngxlint_engine::rule::{Cx, Enabled, Family, Rule, RuleMeta};

static META: RuleMeta = RuleMeta {
    code: "NGX209",
    name: "map-without-default",
    severity: Severity::Info,
    summary: "a `map` or `geo` with several entries and no `default`: unlisted values give the empty string",
    doc: include_str!("../../../../rules/NGX209.md"),
    family: Family::Hardening,
    default: Enabled::OptIn,
    aliases: &["gixy:hash_without_default", "nginx-lint:map-missing-default"],
};

/// Keys of a `map` or `geo` body that are not entries.
const NOT_ENTRIES: &[&str] = &[
    "default",
    "hostnames",
    "volatile",
    "include",
    "ranges",
    "proxy",
    "proxy_recursive",
    "delete",
];

/// The rule (no options).
#[derive(Debug, Clone, Default)]
pub struct MapWithoutDefault;

impl Rule for MapWithoutDefault {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn directives(&self) -> &'static [&'static str] {
        &["map", "geo"]
    }

    fn on_directive(&self, _cx: &Cx<'_>, _scope: ScopeId, at: &At<'_>, out: &mut Vec<Diagnostic>) {
        let Some(block) = &at.dir.block else {
            return;
        };
        let keys: Vec<_> = block.children.iter().map(|d| d.name.text(at.src)).collect();
        // An `include` may bring the default: the body is not all here.
        if keys.iter().any(|k| k == "default" || k == "include") {
            return;
        }
        let entries = keys
            .iter()
            .filter(|k| !NOT_ENTRIES.contains(&k.as_ref()))
            .count();
        if entries < 2 {
            return;
        }
        let result = at
            .dir
            .args
            .last()
            .map(|w| w.text(at.src))
            .unwrap_or_default();
        let name = at.name();
        out.push(
            META.diag(
                at.file,
                at.name_span(),
                format!("`{name}` sets `{result}` for {entries} values and has no `default`: every other value gives the empty string"),
            )
            .with_help(format!("say what the rest gives: `default \"\";` if the empty string is meant, or the value {result} should fall back to")),
        );
    }
}
