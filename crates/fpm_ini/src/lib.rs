//! placeholder during development
pub mod codes;
pub mod diag;
pub mod keys;
pub mod span;
pub mod syntax;
