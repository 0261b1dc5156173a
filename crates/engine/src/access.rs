//! Who may reach a location, as nginx's access phase decides: the `allow`/`deny` list in effect
//! (one list for both, inherited only into a level that has neither — `ngx_http_access_merge_loc_conf`),
//! `auth_basic`, `auth_request`, `satisfy`, `internal`. Shared by the access rules (NGX202–NGX204)
//! and the status-page rule.

use crate::model::{At, Model, ScopeId};

/// The access controls in effect at a scope.
#[derive(Clone, Debug, Default)]
pub struct Access<'p> {
    /// The `allow`/`deny` lines in effect, in order, and the level that holds them.
    pub rules: Vec<At<'p>>,
    /// Where `rules` are set.
    pub level: Option<ScopeId>,
    /// An `auth_basic` (not `off`), `auth_request` (not `off`) or `auth_jwt` in effect.
    pub auth: Option<At<'p>>,
    /// `satisfy any` in effect: one passing check is enough.
    pub satisfy_any: bool,
    /// The location is `internal` (or named: reached only by internal redirects).
    pub internal: bool,
}

impl Access<'_> {
    /// Whether a `deny` line is in effect.
    pub fn denies(&self) -> bool {
        self.rules.iter().any(|d| d.is("deny"))
    }

    /// Whether anything may turn a client away: a `deny` (or an `allow` list that ends in one),
    /// or an authentication.
    pub fn restricted(&self) -> bool {
        self.denies() || self.auth.is_some() || self.internal
    }
}

impl<'p> Model<'p> {
    /// The access controls in effect at `scope` (a location, `if` or `limit_except`, or a server).
    pub fn access(&self, scope: ScopeId) -> Access<'p> {
        let mut a = Access::default();
        let ids = [self.name_id("allow"), self.name_id("deny")];
        if ids.iter().any(Option::is_some) {
            // The first level up that holds either; names compared as interned ids (an `http`
            // block may hold thousands of statements, and every location asks).
            let holds = |level: ScopeId| {
                ids.iter()
                    .flatten()
                    .any(|&id| self.named_id(level, id).next().is_some())
            };
            if let Some(level) = self.chain(scope).find(|&l| holds(l)) {
                a.rules = self
                    .scope(level)
                    .directives
                    .iter()
                    .zip(self.names_of(level))
                    .filter(|(_, n)| ids.contains(&Some(**n)))
                    .map(|(d, _)| *d)
                    .collect();
                a.level = Some(level);
            }
        }
        let on = |name: &str| {
            self.effective(scope, name)
                .map(|(_, d)| d)
                .filter(|d| d.arg(0).is_none_or(|v| v != "off"))
        };
        a.auth = on("auth_basic")
            .or_else(|| on("auth_request"))
            .or_else(|| on("auth_jwt"));
        a.satisfy_any = self
            .effective(scope, "satisfy")
            .is_some_and(|(_, d)| d.arg(0).is_some_and(|v| v == "any"));
        if let Some(loc) = self.location_of(scope) {
            let named = self
                .scope(loc)
                .block
                .and_then(|b| b.arg(0))
                .is_some_and(|n| n.starts_with('@'));
            // Not inherited: a nested location of an internal one is reached from outside.
            a.internal = named || self.here(loc, "internal").next().is_some();
        }
        a
    }
}
