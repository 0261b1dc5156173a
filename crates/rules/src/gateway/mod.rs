//! The gateway rules: what fails a request between nginx and what it passes to — a 502, a 504,
//! a refused start — proven against the real nginx and php-fpm (`tests/real_servers.rs`).

pub(crate) mod fastcgi_listen_mismatch;
pub(crate) mod fastcgi_missing_script_filename;
pub(crate) mod fpm_allowed_clients;
pub(crate) mod fpm_pool_capacity;
pub(crate) mod fpm_socket_permissions;
pub(crate) mod fpm_terminate_before_nginx_timeout;
pub(crate) mod fpm_tiny_backlog;
pub(crate) mod global_timeout_inflation;
pub(crate) mod localhost_upstream;
pub(crate) mod proxy_host_group_name;
pub(crate) mod proxy_ssl_verify_without_ca;
pub(crate) mod try_files_with_pass;
pub(crate) mod undersized_buffers;
pub(crate) mod unknown_upstream_host;
pub(crate) mod upstream_keepalive_misconfigured;
pub(crate) mod upstream_timing_not_logged;
pub(crate) mod upstream_without_backup;
pub(crate) mod variable_pass_without_resolver;
