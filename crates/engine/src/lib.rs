//! ngxlint's project model: files, include resolution, diagnostics.
//!
//! Data flows one way: paths are discovered, files read (through the root-confined vfs),
//! nginx trees resolved with their includes, and the result — a [`Project`] — handed to rules.

// Slicing a `str` at a byte offset panics inside a multi-byte character, and configuration
// text is whatever bytes a user wrote: cut with `split_once`, `strip_prefix`, `get` or on bytes.
#![cfg_attr(not(test), deny(clippy::string_slice))]

pub mod access;
pub mod classify;
pub mod codes;
pub mod diagnostic;
pub mod discover;
pub mod edit;
pub mod fastcgi;
pub mod files;
pub mod fpm;
pub mod handlers;
pub mod hash;
pub mod inherit;
pub mod matching;
pub mod model;
pub mod nginx;
pub mod par;
pub mod project;
pub mod regex;
pub mod rule;
pub mod stock;
pub mod suppress;
pub mod text;
pub mod units;
pub mod vars;

pub use diagnostic::{Applicability, Diagnostic, Edit, Fix, Label, Related, Severity};
pub use files::{FileId, FileKind, Files, SourceFile};
pub use project::{LoadError, Options, Project};
