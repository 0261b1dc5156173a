//! ngxlint's rules and THE registry: adding a rule is one file here, one `rules/CODE.md`, and one
//! line in [`all`].

// Slicing a `str` at a byte offset panics inside a multi-byte character, and configuration
// text is whatever bytes a user wrote: cut with `split_once`, `strip_prefix`, `get` or on bytes.
#![cfg_attr(not(test), deny(clippy::string_slice))]

use ngxlint_engine::rule::Rule;

mod fastcgi_listen_mismatch;
mod fastcgi_missing_script_filename;
mod fpm_allowed_clients;
mod fpm_pool_capacity;
mod fpm_socket_permissions;
mod fpm_terminate_before_nginx_timeout;
mod fpm_tiny_backlog;
mod global_timeout_inflation;
mod includes;
mod inherit;
mod localhost_upstream;
mod proxy_ssl_verify_without_ca;
mod reach;
mod undersized_buffers;
mod unknown_upstream_host;
mod upstream_keepalive_misconfigured;
mod upstream_timing_not_logged;
mod upstream_without_backup;
mod variable_pass_without_resolver;
mod words;

/// Every rule, in code order.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(fpm_socket_permissions::FpmSocketPermissions),
        Box::new(fpm_terminate_before_nginx_timeout::FpmTerminateBeforeNginxTimeout),
        Box::new(fpm_allowed_clients::FpmAllowedClients),
        Box::new(fpm_tiny_backlog::FpmTinyBacklog::default()),
        Box::new(fpm_pool_capacity::FpmPoolCapacity::default()),
        Box::new(fastcgi_listen_mismatch::FastcgiListenMismatch::default()),
        Box::new(undersized_buffers::UndersizedBuffers::default()),
        Box::new(global_timeout_inflation::GlobalTimeoutInflation::default()),
        Box::new(upstream_without_backup::UpstreamWithoutBackup::default()),
        Box::new(proxy_ssl_verify_without_ca::ProxySslVerifyWithoutCa::default()),
        Box::new(variable_pass_without_resolver::VariablePassWithoutResolver),
        Box::new(localhost_upstream::LocalhostUpstream),
        Box::new(unknown_upstream_host::UnknownUpstreamHost::default()),
        Box::new(fastcgi_missing_script_filename::FastcgiMissingScriptFilename),
        Box::new(upstream_keepalive_misconfigured::UpstreamKeepaliveMisconfigured),
        Box::new(upstream_timing_not_logged::UpstreamTimingNotLogged),
    ]
}

/// A rule's document by code or name, with its code.
pub fn find<'a>(rules: &'a [Box<dyn Rule>], code_or_name: &str) -> Option<&'a dyn Rule> {
    rules
        .iter()
        .map(|r| r.as_ref())
        .find(|r| r.meta().code.eq_ignore_ascii_case(code_or_name) || r.meta().name == code_or_name)
}
