//! Shared by the rule tests that name a fixture by code and case: lint it (nginx and PHP-FPM files)
//! with one rule, its options and the environment settings, through `lint_support`, and print each
//! diagnostic with its labels, related places and help, sorted.

#![allow(dead_code)]

#[path = "../lint_support/mod.rs"]
pub mod lint_support;

use ngxlint_engine::rule::Settings;

pub use lint_support::{fixture, rule};

/// Each diagnostic as `file:line:col: severity: message [CODE]`, then `  label …`, `  related …`
/// and `  help: …` lines; sorted. Files are relative to the fixture.
pub fn lint(code: &str, case: &str, options: &[(&str, &str)], settings: &Settings) -> Vec<String> {
    let mut out = lint_support::lint_with(&fixture(code, case), rule(code, options), settings);
    out.sort();
    out
}

/// Only the first line of each [`lint`] entry.
pub fn heads(code: &str, case: &str, options: &[(&str, &str)], settings: &Settings) -> Vec<String> {
    lint(code, case, options, settings)
        .into_iter()
        .map(|s| s.lines().next().unwrap_or("").to_string())
        .collect()
}
