//! PHP-FPM configuration reader: `php-fpm.conf` and pool files read exactly as php-fpm 8.2/8.3
//! reads them, with a byte span on every section header, key and value, a typed model of each
//! pool with php-fpm's defaults applied, and php-fpm -t's checks as diagnostics in php-fpm's words.
//!
//! - [`parse`] reads one file (no I/O): the INI grammar of `Zend/zend_ini_scanner.l` as php-fpm
//!   feeds it, one physical line at a time.
//! - [`load`] follows `include=` through a [`ngxlint_vfs::Vfs`], builds the [`FpmConfig`] (file table,
//!   `[global]`, pools) and runs the checks. [`load_pool_file`] reads a lone `pool.d` file.
//!
//! The `ini` crate (rust-ini) is not used: it has no spans and its grammar is not php-fpm's
//! (`#` comments, no INI expressions, no per-line reading).
//!
//! # Diagnostic codes
//!
//! [`codes::CODES`] lists every code (`FPM001`–`FPM061`) with its name, severity and summary;
//! `rules/FPMxxx.md` in the repository documents each one. Severity: error = php-fpm refuses to
//! start (with `-t`, or only at the real start for [`codes::START_ONLY`]); warning = php-fpm
//! accepts it but it does not do what it says; info = a notice. Codes are stable and never reused.
//! Messages say what is wrong in ngxlint's words and quote php-fpm's log line ([`quoted`]).

// Slicing a `str` at a byte offset panics inside a multi-byte character, and configuration
// text is whatever bytes a user wrote: cut with `split_once`, `strip_prefix`, `get` or on bytes.
#![cfg_attr(not(test), deny(clippy::string_slice))]
#![warn(missing_docs)]

mod check;
pub mod codes;
mod diag;
pub mod keys;
mod load;
mod model;
mod span;
mod syntax;
mod values;

pub use diag::{quoted, Diagnostic, Fix as FpmFix, FixEdit, Says, Severity};
pub use load::{load, load_pool_file, load_pool_files, load_source, LoadOptions};
pub use model::{
    ArrayValue, FpmConfig, GlobalConfig, Include, Listen, Origin, PmStyle, Pool, RawSetting,
    Setting, SocketGroup, SocketOwner, SourceFile,
};
pub use span::{line_of, Span};
pub use syntax::{
    parse, parse_with, php_constant, ArrayIndex, Entry, Format, Item, ParseOptions, ParsedFile,
    PhpVersion, SectionHeader, Value, VarRef,
};
pub use values::{parse_bool, parse_int, parse_time, Time};
