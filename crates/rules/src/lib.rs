//! ngxlint's rules and THE registry: adding a rule is one file in its family's folder
//! (`gateway/`: what fails a request between nginx and its upstreams; `security/`: what a hostile
//! client can exploit; `hardening/`: weaker settings, deprecations and opinions), one
//! `rules/CODE.md`, fixtures under `testdata/rules/CODE/`, and one line in [`all`].

// Slicing a `str` at a byte offset panics inside a multi-byte character, and configuration
// text is whatever bytes a user wrote: cut with `split_once`, `strip_prefix`, `get` or on bytes.
#![cfg_attr(not(test), deny(clippy::string_slice))]

use ngxlint_engine::rule::Rule;

mod gateway;
mod hardening;
mod security;

mod includes;
mod reach;
mod words;

use gateway::*;
use hardening::*;
use security::*;

/// Every rule, by family; within a family in code order.
pub fn all() -> Vec<Box<dyn Rule>> {
    vec![
        // Gateway.
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
        Box::new(proxy_host_group_name::ProxyHostGroupName),
        Box::new(try_files_with_pass::TryFilesWithPass),
        // Security.
        Box::new(weak_tls_protocol::WeakTlsProtocol),
        Box::new(weak_ssl_ciphers::WeakSslCiphers),
        Box::new(ssl_group_needs_openssl_3_5::SslGroupNeedsOpenssl35),
        Box::new(vulnerable_nginx_version::VulnerableNginxVersion),
        Box::new(https_downgrade_redirect::HttpsDowngradeRedirect),
        Box::new(alias_traversal::AliasTraversal),
        Box::new(allow_without_deny::AllowWithoutDeny),
        Box::new(return_bypasses_access::ReturnBypassesAccess),
        Box::new(status_page_exposed::StatusPageExposed),
        Box::new(regex_redos::RegexRedos),
        Box::new(filesystem_root_exposure::FilesystemRootExposure),
        Box::new(rewrite_capture_overflow::RewriteCaptureOverflow),
        Box::new(ssrf::Ssrf),
        Box::new(host_spoofing::HostSpoofing),
        Box::new(proxy_set_header_redefinition::ProxySetHeaderRedefinition),
        Box::new(resolver_external::ResolverExternal),
        Box::new(php_location_unanchored::PhpLocationUnanchored),
        Box::new(http_splitting::HttpSplitting),
        Box::new(add_header_redefinition::AddHeaderRedefinition),
        Box::new(add_header_multiline::AddHeaderMultiline),
        Box::new(add_header_content_type::AddHeaderContentType),
        Box::new(weak_origin_check::WeakOriginCheck),
        Box::new(referer_check_allows_none::RefererCheckAllowsNone),
        Box::new(h2c_smuggling::H2cSmuggling),
        Box::new(limit_redefinition::LimitRedefinition),
        // Hardening.
        Box::new(version_disclosure::VersionDisclosure),
        Box::new(default_server_missing::DefaultServerMissing),
        Box::new(hsts_missing::HstsMissing),
        Box::new(ssl_stapling::SslStaplingWithoutResolver),
        Box::new(ssl_stapling::SslStaplingLetsencrypt),
        Box::new(autoindex_enabled::AutoindexEnabled),
        Box::new(if_in_location::IfInLocation),
        Box::new(map_without_default::MapWithoutDefault),
        Box::new(regex_location_exact::RegexLocationExact),
        Box::new(opinions::TryFilesWithoutFileCache),
        Box::new(capture_group_missing::CaptureGroupMissing),
        Box::new(unreachable_location::UnreachableLocation),
        Box::new(location_without_root::LocationWithoutRoot),
        Box::new(mixed_case_variable::MixedCaseVariable),
        Box::new(unanchored_location::UnanchoredLocation),
        Box::new(misdirected_request::MisdirectedRequest),
        Box::new(quic_bpf_reload::QuicBpfReload),
        Box::new(opinions::ProxyBufferingOff),
        Box::new(pass_resolved_once::PassResolvedOnce),
        Box::new(proxy_pass_uri_normalized::ProxyPassUriNormalized),
        Box::new(error_log_off::ErrorLogOff),
        Box::new(opinions::KeepaliveRequestsLow),
        Box::new(worker_rlimit_below_connections::WorkerRlimitBelowConnections),
        Box::new(opinions::WorkerProcessesUnset),
    ]
}

/// A rule's document by code or name, with its code.
pub fn find<'a>(rules: &'a [Box<dyn Rule>], code_or_name: &str) -> Option<&'a dyn Rule> {
    rules
        .iter()
        .map(|r| r.as_ref())
        .find(|r| r.meta().code.eq_ignore_ascii_case(code_or_name) || r.meta().name == code_or_name)
}
