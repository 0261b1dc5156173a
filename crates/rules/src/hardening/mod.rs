//! The hardening rules: weaker settings than nginx offers, deprecations nginx warns about, and
//! opinions (opt-in: they run only when selected by code, name or `ALL`).

pub(crate) mod autoindex_enabled;
pub(crate) mod capture_group_missing;
pub(crate) mod default_server_missing;
pub(crate) mod error_log_off;
pub(crate) mod hsts_missing;
pub(crate) mod if_in_location;
pub(crate) mod location_without_root;
pub(crate) mod map_without_default;
pub(crate) mod misdirected_request;
pub(crate) mod mixed_case_variable;
pub(crate) mod opinions;
pub(crate) mod pass_resolved_once;
pub(crate) mod proxy_pass_uri_normalized;
pub(crate) mod quic_bpf_reload;
pub(crate) mod regex_location_exact;
pub(crate) mod ssl_stapling;
pub(crate) mod unanchored_location;
pub(crate) mod unreachable_location;
pub(crate) mod version_disclosure;
pub(crate) mod worker_rlimit_below_connections;
