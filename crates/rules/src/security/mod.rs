//! The security rules: what a hostile client can exploit as the configuration is written — a file
//! read outside an alias, a split response, a request to a host the client chose — each exploit
//! shown on the real nginx (`tests/security_servers.rs`).

pub(crate) mod add_header_content_type;
pub(crate) mod add_header_multiline;
pub(crate) mod add_header_redefinition;
pub(crate) mod alias_traversal;
pub(crate) mod allow_without_deny;
pub(crate) mod filesystem_root_exposure;
pub(crate) mod h2c_smuggling;
pub(crate) mod host_spoofing;
pub(crate) mod http_splitting;
pub(crate) mod https_downgrade_redirect;
pub(crate) mod limit_redefinition;
pub(crate) mod php_location_unanchored;
pub(crate) mod proxy_set_header_redefinition;
pub(crate) mod referer_check_allows_none;
pub(crate) mod regex_redos;
pub(crate) mod resolver_external;
pub(crate) mod return_bypasses_access;
pub(crate) mod rewrite_capture_overflow;
pub(crate) mod ssl_group_needs_openssl_3_5;
pub(crate) mod ssrf;
pub(crate) mod status_page_exposed;
pub(crate) mod vulnerable_nginx_version;
pub(crate) mod weak_origin_check;
pub(crate) mod weak_ssl_ciphers;
pub(crate) mod weak_tls_protocol;
