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
//! Severity: error = php-fpm -t (or the start) fails; warning = accepted but not what it looks
//! like; info = a notice. Codes are stable and never reused.
//!
//! | code | meaning |
//! |---|---|
//! | `FPM001` | PHP INI syntax error (`syntax error, unexpected '='`). |
//! | `FPM002` | A key without `=` (this is how a `#` line fails): `value is NULL for a ZEND_INI_PARSER_ENTRY`. |
//! | `FPM003` | The pre-5.3 XML configuration format. |
//! | `FPM004` | `unknown entry 'foo'`. |
//! | `FPM005` | `unknown directive 'foo'` (an array key on a name that is not an array). |
//! | `FPM006` | `You must provide a key for field '%s'`. |
//! | `FPM007` | `Array are not allowed in the global section`. |
//! | `FPM008` | `unable to parse value for entry '%s': %s`. |
//! | `FPM009` | `empty value` for an `env[...]` entry. |
//! | `FPM010` | Bad `php_flag[]`/`php_admin_flag[]`/`access.suppress_path[]` entry. |
//! | `FPM011` | `$pool` used in `[global]`. |
//! | `FPM012` | `${VAR}` whose value comes from the environment at start-up. |
//! | `FPM013` | `${VAR:-default}` needs PHP >= 8.3; older versions expand it to empty. |
//! | `FPM014` | A time value php-fpm reads differently from how it looks (`100ms`, `1.5m`). |
//! | `FPM015` | The same key set twice in one section; the last one wins. |
//! | `FPM020` | `Nothing matches the include pattern '%s' from %s at line %d.` |
//! | `FPM021` | `Unable to globalize '%s' (ret=2) from %s at line %d.` |
//! | `FPM022` | `failed to include more than 5 files recursively`. |
//! | `FPM023` | An included or main file that cannot be read. |
//! | `FPM030` | `No pool defined. at least one pool section must be specified in config file`. |
//! | `FPM031` | `[pool %s] user has not been defined` (fatal only when the master runs as root). |
//! | `FPM032` | `[pool %s] no listen address have been defined!`. |
//! | `FPM033` | `process.priority must be included into [-19,20]`. |
//! | `FPM034` | `[pool %s] the process manager is missing (static, dynamic or ondemand)`. |
//! | `FPM035` | `[pool %s] pm.max_children must be a positive value`. |
//! | `FPM036` | `pm.min_spare_servers(%d)` / `pm.max_spare_servers(%d) must be a positive value`. |
//! | `FPM037` | `... cannot be greater than pm.max_children(%d)`. |
//! | `FPM038` | `pm.max_spare_servers(%d) must not be less than pm.min_spare_servers(%d)`. |
//! | `FPM039` | NOTICE `pm.start_servers is not set. It's been set to %d.` |
//! | `FPM040` | `pm.start_servers(%d) must not be less than pm.min_spare_servers(%d) and not greater than pm.max_spare_servers(%d)`. |
//! | `FPM041` | `pm.max_spawn_rate must be a positive value`. |
//! | `FPM042` | `ondemand process manager can ONLY be used when events.mechanism is either epoll (Linux) or kqueue (*BSD).` |
//! | `FPM043` | `pm.process_idle_timeout(%ds) must be greater than 0s`. |
//! | `FPM044` | Invalid `pm.status_path`. |
//! | `FPM045` | Invalid `ping.path` / `ping.response`. |
//! | `FPM046` | `'slowlog' must be specified for use with 'request_slowlog_timeout'` (or `_trace_depth`). |
//! | `FPM047` | `'request_slowlog_timeout' (%d) can't be greater than 'request_terminate_timeout' (%d)`. |
//! | `FPM048` | `'request_slowlog_trace_depth' (%d) must be a positive value`. |
//! | `FPM049` | `the chroot path '%s' must start with a '/'` (also chdir, `$prefix` misuse). |
//! | `FPM050` | `unable to set listen address as it's already used in another pool '%s'`. |
//! | `FPM051` | `please specify user and group other than root` (start fails without `-R`; `-t` passes). |
//! | `FPM052` | Unix socket path of 108 bytes or more (8.2 truncates it silently, 8.3+ fails). |
//! | `FPM053` | `listen = localhost` (no port) is a unix socket file named `localhost`. |
//! | `FPM054` | `ACL set, listen.owner = '%s' is ignored` (and group). |
//! | `FPM055` | `Wrong IP address '%s' in listen.allowed_clients` / `There are no allowed addresses`. |
//! | `FPM056` | `log_limit must be greater than 512`. |
//! | `FPM057` | `process_max can't be negative`. |
//! | `FPM058` | `event mechanism '%s' is not available on this system`. |
//! | `FPM059` | `listen.backlog(%d) was too low for the ondemand process manager. I updated it for you to %d.` |
//! | `FPM060` | `invalid port value '%s'` (start fails; `-t` passes). |
//! | `FPM061` | `listen.mode` that is not an octal number. |

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

pub use diag::{Diagnostic, Severity};
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
