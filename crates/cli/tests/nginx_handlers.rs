//! nginx's directive handlers, proved against the real `nginx -t` (Debian's 1.22.1; ngxlint reads
//! each case for the installed nginx's version, `--nginx-version` as the CLI does):
//!
//! - `handler_fixtures_agree_with_nginx`: hand-written configurations, one per check and the
//!   configurations people write when they break one (the sixteen among them);
//! - `value_mutations_agree_with_nginx`: a mutation generator over the corpus trees and a rich
//!   fixture tree, changing values the way people break them (a flag set to `yes`, a size with a
//!   bad suffix, a directive or location or upstream given twice, a variable misspelt, a regex
//!   left open, a rewrite flag misspelt, a URI in a regex location's `proxy_pass`, ...);
//! - `nginx_warnings_match`: nginx's start-up `[warn]` lines against NGX018.
//!
//! The verdict: nginx refuses ⇔ ngxlint reports an error-severity reader diagnostic (NGX001–NGX017)
//! first in nginx's reading order, with nginx's message and the line nginx names (when it names
//! one); nginx accepts ⇔ ngxlint reports none. Agreement rates are printed and bounded.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nginx_syntax::directives::{Context, Directives, Terminator as DTerm};
use nginx_syntax::values::Setter;
use nginx_syntax::{Directive, Quote, Terminator};
use support::*;

// =============================================================================================
// Verdicts
// =============================================================================================

/// How one case came out.
#[derive(Debug)]
enum Outcome {
    Agree,
    Disagree(String),
}

fn judge(nginx: &Path, dir: &Path, main: &Path) -> Outcome {
    let theirs = nginx_verdict(nginx, dir, main);
    let project = load(dir, main);
    let ours = ngxlint_errors(&project);
    let first = ours.first();
    let show = |f: Option<&(&str, Report)>| match f {
        Some((code, r)) => format!("[{code}] {r}"),
        None => "accepts".to_string(),
    };
    match theirs {
        Ok(()) => match first {
            None => Outcome::Agree,
            Some(_) => Outcome::Disagree(format!("nginx: accepts\nngxlint: {}", show(first))),
        },
        Err(r) => match first {
            Some((_, f)) if f.message == r.message && (r.file.is_none() || *f == r) => {
                Outcome::Agree
            }
            _ => Outcome::Disagree(format!("nginx: {r}\nngxlint: {}", show(first))),
        },
    }
}

/// The rules' findings for a loaded tree, as (code, file relative to `base`, message).
fn rule_findings(project: &ngxlint_engine::Project, base: &Path) -> Vec<(String, String, String)> {
    let opts = ngxlint_engine::Options::new(base.to_path_buf());
    let model = ngxlint_engine::model::Model::build(project, &opts.directives);
    let mut settings = ngxlint_engine::rule::Settings::default();
    if let Some(v) = installed_nginx_version() {
        settings.nginx_version = v;
    }
    let rules = ngxlint_rules::all();
    let mut out: Vec<(String, String, String)> =
        ngxlint_engine::rule::run(project, &model, &settings, &rules)
            .into_iter()
            .map(|d| {
                let f = project.files.get(d.file);
                let rel = f.server_path.strip_prefix(base).unwrap_or(&f.server_path);
                // Counts are not what makes a finding: a repeated block adds one to "in 3 locations"
                // of a finding the unbroken tree has already.
                let msg: String = d
                    .message
                    .replace(&*base.to_string_lossy(), "PREFIX")
                    .chars()
                    .map(|c| if c.is_ascii_digit() { '#' } else { c })
                    .collect();
                (d.code.to_string(), rel.to_string_lossy().into_owned(), msg)
            })
            .collect();
    out.sort();
    out
}

/// Writes the files of a case (`nginx.conf` is the main config) into a fresh folder.
fn write_case(files: &[(&str, String)]) -> TempDir {
    let dir = TempDir::new("h");
    for (rel, text) in files {
        write(dir.path(), rel, text.as_bytes());
    }
    dir
}

// =============================================================================================
// Fixtures
// =============================================================================================

fn main_level(body: &str) -> String {
    format!("events {{}}\n{body}\n")
}

/// http level; temp paths and the access log go to the prefix so nginx -t touches nothing else.
fn in_http(body: &str) -> String {
    format!(
        "events {{}}\nhttp {{\n    access_log off; client_body_temp_path tb; proxy_temp_path tp; fastcgi_temp_path tf; uwsgi_temp_path tu; scgi_temp_path ts;\n{body}\n}}\n"
    )
}

/// How a fixture tree names the stream module (`load_module modules/ngx_stream_module.so;`, as
/// Debian's `modules-enabled/50-mod-stream.conf` does); the mutation test loads Debian's build.
const STREAM_OBJECT: &[u8] = b"modules/ngx_stream_module.so";

/// Debian's build of the stream module (`NGXLINT_NGINX_MODULES`, as `.ci/run` extracts it, else
/// the installed one).
fn stream_module() -> Option<PathBuf> {
    module_object("ngx_stream_module.so")
}

/// Debian's mail module (`libnginx-mod-mail`, extracted by `.ci/run` as the stream module is).
fn mail_module() -> Option<PathBuf> {
    module_object("ngx_mail_module.so")
}

fn module_object(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("NGXLINT_NGINX_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/nginx/modules"));
    Some(dir.join(name)).filter(|p| p.is_file())
}

/// mail level, with Debian's mail module loaded (`{MAIL}` is its object).
fn in_mail(body: &str) -> String {
    format!("load_module {{MAIL}};\nevents {{}}\nmail {{\n{body}\n}}\n")
}

/// stream level, with Debian's stream module loaded (`{STREAM}` is its object; Debian 12 builds
/// stream as a dynamic module).
fn in_stream(body: &str) -> String {
    format!("load_module {{STREAM}};\nevents {{}}\nstream {{\n{body}\n}}\n")
}

fn in_server(body: &str) -> String {
    in_http(&format!(
        "server {{\n    listen 127.0.0.1:8080;\n{body}\n}}"
    ))
}

fn in_location(body: &str) -> String {
    in_server(&format!("location / {{\n{body}\n}}"))
}

/// Every case: a name and the main config.
fn fixtures() -> Vec<(&'static str, String)> {
    vec![
        // The sixteen configurations a new user tries.
        ("duplicate root", in_location("root /srv/a;\nroot /srv/b;")),
        ("duplicate listen", in_server("listen 127.0.0.1:8080;")),
        ("duplicate location", in_server("location /a { }\nlocation /a { }")),
        ("duplicate upstream", in_http("upstream u { server 127.0.0.1:9; }\nupstream u { server 127.0.0.1:10; }")),
        ("root with alias", in_server("location /a/ {\n    root /srv;\n    alias /srv/b/;\n}")),
        ("alias with root", in_server("location /a/ {\n    alias /srv/b/;\n    root /srv;\n}")),
        ("size 10X", in_http("client_body_buffer_size 10X;")),
        ("off_t 10X", in_http("client_max_body_size 10X;")),
        ("size with g", in_http("proxy_buffer_size 1g;")),
        ("off_t with g", in_http("client_max_body_size 1g;")),
        ("rewrite flag", in_location("rewrite ^/a /b lastt;")),
        ("rewrite flag permanently", in_location("rewrite ^/a /b permanently;")),
        ("bad regex location", in_server("location ~ ^/(foo { }")),
        ("bad regex if", in_location("if ($uri ~ \"(x\") { return 404; }")),
        ("unknown variable", in_location("return 200 $undefined_thing;")),
        ("proxy_pass uri in regex location", in_server("location ~ \\.php$ {\n    proxy_pass http://127.0.0.1:9/x;\n}")),
        ("sendfile yes", in_http("sendfile yes;")),
        ("try_files duplicate", in_location("try_files $uri =404;\ntry_files $uri =404;")),
        // Generic setters.
        ("flag ON accepted", in_http("sendfile ON;")),
        ("flag duplicate", in_http("sendfile on;\nsendfile off;")),
        ("flag duplicate across levels accepted", in_server("sendfile on;\nlocation / { sendfile off; }")),
        ("num invalid", in_http("gzip_comp_level x;")),
        ("num bounds", in_http("gzip_comp_level 10;")),
        ("num bounds low", in_http("limit_req_status 399;")),
        ("msec invalid", in_http("proxy_read_timeout 10x;")),
        ("msec with year", in_http("proxy_read_timeout 1y;")),
        ("msec order", in_http("proxy_read_timeout 30s1m;")),
        ("msec combined accepted", in_http("proxy_read_timeout \"1m 30s\";")),
        ("msec ms accepted", in_http("proxy_connect_timeout 500ms;")),
        ("sec with ms", in_http("ssl_session_timeout 5ms;")),
        ("sec with year accepted", in_http("ssl_session_timeout 1y;")),
        ("size invalid", in_http("client_header_buffer_size 1.5k;")),
        ("size duplicate", in_http("client_header_buffer_size 1k;\nclient_header_buffer_size 2k;")),
        ("bufs invalid count", in_http("proxy_buffers 0 4k;")),
        ("bufs invalid size", in_http("proxy_buffers 8 4x;")),
        ("enum invalid", in_http("proxy_http_version 2.0;")),
        ("enum invalid http2 on 1.22", in_http("proxy_http_version 2;")),
        ("enum case accepted", in_http("proxy_http_version 1.1;\nserver_tokens OFF;")),
        ("bitmask invalid", in_http("ssl_protocols TLSv1.2 TLSv1.4;")),
        ("bitmask invalid next_upstream", in_http("proxy_next_upstream error timeout http_501;")),
        ("path levels invalid", in_http("proxy_cache_path cache levels=1:2:3:4 keys_zone=c:10m;")),
        ("access invalid", in_http("proxy_store_access user:rwx;")),
        ("pool size small", in_http("server { listen 127.0.0.1:8080; request_pool_size 100; }")),
        ("pool size alignment", in_http("server { listen 127.0.0.1:8080; request_pool_size 120; }")),
        ("gzip window", in_http("gzip_window 3k;")),
        ("worker_processes invalid", main_level("worker_processes many;")),
        ("worker_processes duplicate", main_level("worker_processes 1;\nworker_processes 2;")),
        ("worker_connections invalid", "events { worker_connections lots; }\n".to_string()),
        ("events duplicate", "events {}\nevents {}\n".to_string()),
        ("http duplicate", in_http("") + "http {}\n"),
        ("no events", "http {\n    access_log off;\n}\n".to_string()),
        ("error_log level", main_level("error_log stderr loud;")),
        ("error_log duplicate level", main_level("error_log stderr warn error;")),
        ("daemon maybe", main_level("daemon maybe;")),
        // Locations.
        ("location modifier", in_server("location ~~ /a { }")),
        ("location nested outside", in_server("location /a {\n    location /b { }\n}")),
        ("location nested inside", in_server("location /a {\n    location /a/b { }\n}")),
        ("location in exact", in_server("location = /a {\n    location /a/b { }\n}")),
        ("location in named", in_server("location @a {\n    location /a/b { }\n}")),
        ("named nested", in_server("location /a {\n    location @b { }\n}")),
        ("duplicate exact location", in_server("location = /a { }\nlocation = /a { }")),
        ("exact and prefix accepted", in_server("location = /a { }\nlocation /a { }")),
        ("noregex and prefix duplicate", in_server("location ^~ /a { }\nlocation /a { }")),
        ("regex twice accepted", in_server("location ~ /a { }\nlocation ~ /a { }")),
        ("duplicate nested location", in_server("location /a {\n    location /a/b { }\n    location /a/b { }\n}")),
        ("duplicate location later server", in_http("server { listen 127.0.0.1:8080; location /a { } }\nserver { listen 127.0.0.1:8081; location /b { }\nlocation /b { } }")),
        ("alias in named", in_server("location @a {\n    alias /srv/;\n}")),
        ("root document_root", in_location("root $document_root/x;")),
        ("internal duplicate", in_location("internal;\ninternal;")),
        ("limit_except method", in_location("limit_except GETT { deny all; }")),
        ("limit_except duplicate", in_location("limit_except GET { deny all; }\nlimit_except POST { deny all; }")),
        ("proxy_pass uri in named", in_server("location @a {\n    proxy_pass http://127.0.0.1:9/;\n}")),
        ("proxy_pass uri in if", in_location("if ($uri) {\n    proxy_pass http://127.0.0.1:9/x;\n}")),
        ("proxy_pass uri in limit_except", in_location("limit_except GET {\n    proxy_pass http://127.0.0.1:9/x;\n}")),
        ("proxy_pass no uri in regex accepted", in_server("location ~ /a {\n    proxy_pass http://127.0.0.1:9;\n}")),
        ("proxy_pass prefix", in_location("proxy_pass 127.0.0.1:9;")),
        ("proxy_pass duplicate", in_location("proxy_pass http://127.0.0.1:9;\nproxy_pass http://127.0.0.1:10;")),
        ("proxy_pass bad port", in_location("proxy_pass http://127.0.0.1:99999;")),
        ("fastcgi_pass with path", in_location("fastcgi_pass 127.0.0.1:9000/x;")),
        ("fastcgi_pass empty unix", in_location("fastcgi_pass unix:;")),
        ("pass port to upstream", in_http("upstream u { server 127.0.0.1:9; }\nserver { listen 127.0.0.1:8080; location / { proxy_pass http://u:80; } }")),
        // listen, server_name.
        ("listen bad port", in_http("server { listen 127.0.0.1:99999; }")),
        ("listen bad parameter", in_http("server { listen 127.0.0.1:8080 defualt_server; }")),
        ("listen backlog", in_http("server { listen 127.0.0.1:8080 backlog=x; }")),
        ("listen two default", in_http("server { listen 127.0.0.1:8080 default_server; }\nserver { listen 127.0.0.1:8080 default_server; }")),
        ("listen duplicate options", in_http("server { listen 127.0.0.1:8080 backlog=100; }\nserver { listen 127.0.0.1:8080 backlog=200; }")),
        ("listen two servers accepted", in_http("server { listen 127.0.0.1:8080; }\nserver { listen 127.0.0.1:8080; }")),
        ("listen bad ipv6", in_http("server { listen [zz]:80; }")),
        ("listen so_keepalive", in_http("server { listen 127.0.0.1:8080 so_keepalive=x; }")),
        ("server_name invalid", in_server("server_name *example.com;")),
        ("server_name dot", in_server("server_name .;")),
        ("server_name bad regex", in_server("server_name ~^(www\\.)?(.+$;")),
        ("server_name capture redefines host", in_server("server_name ~^(?<host>.+)$;")),
        ("server_name capture variable", in_server("server_name ~^(?<sub>.+)\\.example\\.com$;\nreturn 200 $sub;")),
        // rewrite module.
        ("return code", in_location("return 1000;")),
        ("return text code", in_location("return ok;")),
        ("return url accepted", in_location("return https://example.com$request_uri;")),
        ("rewrite empty replacement", in_location("rewrite ^ \"\";")),
        ("rewrite regex", in_location("rewrite ^/(a /b;")),
        ("if condition", in_location("if $uri { }")),
        ("if operator", in_location("if ($uri == /a) { }")),
        ("if file op", in_location("if (-z $uri) { }")),
        ("if unknown variable", in_location("if ($nope) { }")),
        ("set name", in_location("set x 1;")),
        ("set host", in_location("set $host x;")),
        ("set then use accepted", in_server("location / { return 200 $later; }\nlocation /x { set $later 1; }")),
        ("variable bracket", in_location("return 200 \"${uri\";")),
        ("variable empty name", in_location("return 200 \"a $ b\";")),
        ("prefix variables accepted", in_location("return 200 \"$http_x_a $arg_b $cookie_c $sent_http_d $upstream_http_e\";")),
        ("variable case accepted", in_location("return 200 $URI;")),
        ("capture in map accepted", in_http("map $uri $m {\n    ~^/(?<part>[a-z]+) $part;\n}\nserver { listen 127.0.0.1:8080; return 200 $m$part; }")),
        // error_page, try_files, index, expires, add_header.
        ("error_page code", in_location("error_page 200 /e.html;")),
        ("error_page 499", in_location("error_page 499 /e.html;")),
        ("error_page overwrite", in_location("error_page 404 =x /e.html;")),
        ("try_files code", in_location("try_files $uri =4040;")),
        ("index empty", in_location("index \"\";")),
        ("expires invalid", in_location("expires 10x;")),
        ("expires daily", in_location("expires @25h;")),
        ("expires modified daily", in_location("expires modified @1h;")),
        ("add_header always", in_location("add_header X-A b allways;")),
        ("keepalive_timeout invalid", in_http("keepalive_timeout 65x;")),
        ("keepalive_timeout header", in_http("keepalive_timeout 65 1ms;")),
        ("open_file_cache max", in_http("open_file_cache inactive=20s;")),
        ("open_file_cache parameter", in_http("open_file_cache max=10 size=2;")),
        ("allow invalid", in_location("allow 10.0.0.0/40;")),
        ("deny name", in_location("deny example.com;")),
        // upstream.
        ("upstream empty", in_http("upstream u { }")),
        ("upstream server parameter", in_http("upstream u { server 127.0.0.1:9 wieght=2; }")),
        ("upstream weight zero", in_http("upstream u { server 127.0.0.1:9 weight=0; }")),
        ("upstream backup with hash", in_http("upstream u { hash $uri; server 127.0.0.1:9 backup; }")),
        ("upstream bad address", in_http("upstream u { server 127.0.0.1:0; }")),
        // log.
        ("log_format duplicate", in_http("log_format a '$uri';\nlog_format a '$uri';")),
        ("log_format combined duplicate", in_http("log_format combined '$uri';")),
        ("log_format escape", in_http("log_format a escape=xml '$uri';")),
        ("log_format unknown variable", in_http("log_format a '$nope';\naccess_log a.log a;")),
        ("access_log unknown format", in_http("access_log a.log nope;")),
        ("access_log format later", in_http("access_log a.log later;\nlog_format later '$uri';")),
        ("access_log off parameter", in_http("access_log off combined;")),
        ("access_log buffer", in_http("access_log a.log combined buffer=0;")),
        ("access_log flush without buffer", in_http("access_log a.log combined flush=5s;")),
        ("access_log gzip level", in_http("access_log a.log combined gzip=10;")),
        // limits.
        ("limit_req zone undefined", in_location("limit_req zone=nope;")),
        ("limit_req zone small", in_http("limit_req_zone $binary_remote_addr zone=one:16k rate=1r/s;")),
        ("limit_req zone size", in_http("limit_req_zone $binary_remote_addr zone=one rate=1r/s;")),
        ("limit_req rate", in_http("limit_req_zone $binary_remote_addr zone=one:1m rate=xr/s;")),
        ("limit_req burst", in_http("limit_req_zone $binary_remote_addr zone=one:1m rate=1r/s;\nserver { listen 127.0.0.1:8080; limit_req zone=one burst=x; }")),
        ("limit_req duplicate", in_http("limit_req_zone $binary_remote_addr zone=one:1m rate=1r/s;\nserver { listen 127.0.0.1:8080; limit_req zone=one; limit_req zone=one; }")),
        ("limit_req_zone twice", in_http("limit_req_zone $binary_remote_addr zone=one:1m rate=1r/s;\nlimit_req_zone $binary_remote_addr zone=one:1m rate=1r/s;")),
        ("limit_conn undefined", in_location("limit_conn nope 10;")),
        ("limit_conn number", in_http("limit_conn_zone $binary_remote_addr zone=c:1m;\nserver { listen 127.0.0.1:8080; limit_conn c 0; }")),
        ("zone different use", in_http("limit_req_zone $binary_remote_addr zone=z:1m rate=1r/s;\nlimit_conn_zone $binary_remote_addr zone=z:1m;")),
        ("zone different size", in_http("limit_conn_zone $binary_remote_addr zone=z:1m;\nlimit_conn_zone $server_name zone=z:2m;")),
        ("limits accepted", in_http("limit_req_zone $binary_remote_addr zone=one:1m rate=10r/m;\nlimit_conn_zone $binary_remote_addr zone=c:1m;\nserver { listen 127.0.0.1:8080; limit_req zone=one burst=5 nodelay; limit_conn c 10; }")),
        // map, geo, split_clients, types.
        ("map parameters", in_http("map $uri $m {\n    a b c;\n}")),
        ("map default twice", in_http("map $uri $m {\n    default 0;\n    default 1;\n}")),
        ("map conflicting", in_http("map $uri $m {\n    /a 0;\n    /A 1;\n}")),
        ("map regex", in_http("map $uri $m {\n    ~^/(a 1;\n}")),
        ("map variable name", in_http("map $uri m {\n    default 0;\n}")),
        ("map redefines builtin", in_http("map $uri $host {\n    default 0;\n}")),
        ("map unknown source", in_http("map $nope $m {\n    default 0;\n}")),
        ("split_clients percent", in_http("split_clients $uri $s {\n    50 a;\n}")),
        ("split_clients total", in_http("split_clients $uri $s {\n    60% a;\n    50% b;\n}")),
        ("geo variable name", in_http("geo $remote_addr g {\n    default 0;\n}")),
        ("defined by geo accepted", in_http("geo $g {\n    default 0;\n}\nserver { listen 127.0.0.1:8080; return 200 $g; }")),
        ("defined by split_clients accepted", in_http("split_clients $uri $sc {\n    50% a;\n    * b;\n}\nserver { listen 127.0.0.1:8080; return 200 $sc; }")),
        ("auth_request_set accepted", in_location("auth_request /auth;\nauth_request_set $user $upstream_http_x_user;\nreturn 200 $user;")),
        // Custom-handler helpers.
        ("complex value unknown variable", in_location("auth_basic $realm_nope;")),
        ("fastcgi_param unknown variable", in_location("fastcgi_param A $nope_nope;")),
        ("proxy_set_header unknown variable", in_location("proxy_set_header A $nope_nope;")),
        ("limit_rate unknown variable", in_location("limit_rate $nope_rate;")),
        ("aio", in_location("aio sometimes;")),
        ("directio", in_location("directio 4x;")),
        ("charset duplicate", in_location("charset utf-8;\ncharset utf-8;")),
        ("user duplicate", "user root;\nuser root;\nevents {}\n".to_string()),
        ("hash unknown variable", in_http("upstream u { hash $nope_key; server 127.0.0.1:9; }")),
        ("hash parameter", in_http("upstream u { hash $uri consistant; server 127.0.0.1:9; }")),
        ("balancer redefined accepted", in_http("upstream u { ip_hash; least_conn; server 127.0.0.1:9; }")),
        ("random backup", in_http("upstream u { random two least_conn; server 127.0.0.1:9; server 127.0.0.1:10 backup; }")),
        ("random parameter", in_http("upstream u { random three; server 127.0.0.1:9; }")),
        ("random second parameter", in_http("upstream u { random two most_conn; server 127.0.0.1:9; }")),
        ("least_conn backup accepted", in_http("upstream u { least_conn; server 127.0.0.1:9; server 127.0.0.1:10 backup; }")),
        ("keepalive duplicate", in_http("upstream u { server 127.0.0.1:9; keepalive 8; keepalive 16; }")),
        ("keepalive invalid", in_http("upstream u { server 127.0.0.1:9; keepalive x; }")),
        ("keepalive zero", in_http("upstream u { server 127.0.0.1:9; keepalive 0; }")),
        ("keepalive then method accepted", in_http("upstream u { server 127.0.0.1:9; keepalive 8; least_conn; }")),
        // Handlers that refuse a second value in one block.
        ("auth_basic_user_file duplicate", in_location("auth_basic_user_file a;\nauth_basic_user_file b;")),
        ("proxy_cache_key duplicate", in_location("proxy_cache_key $uri;\nproxy_cache_key $uri;")),
        ("real_ip_header duplicate", in_server("real_ip_header X-Real-IP;\nreal_ip_header X-Forwarded-For;")),
        ("disable_symlinks duplicate", in_location("disable_symlinks on;\ndisable_symlinks off;")),
        ("proxy_cache_key across levels accepted", in_server("proxy_cache_key $uri;\nlocation / { proxy_cache_key $host; }")),
        ("memcached_key undefined", in_location("memcached_pass 127.0.0.1:11211;")),
        ("memcached_key defined accepted", in_location("set $memcached_key $uri;\nmemcached_pass 127.0.0.1:11211;")),
        ("proxy_bind variable", in_location("proxy_bind $nope_addr;\nproxy_pass http://127.0.0.1:9;")),
        ("proxy_bind duplicate", in_location("proxy_bind 127.0.0.1;\nproxy_bind off;\nproxy_pass http://127.0.0.1:9;")),
        ("proxy_bind parameter", in_location("proxy_bind 127.0.0.1 transparnt;\nproxy_pass http://127.0.0.1:9;")),
        ("proxy_cookie_domain variable", in_location("proxy_cookie_domain $nope_dom example.org;\nproxy_pass http://127.0.0.1:9;")),
        ("proxy_cookie_domain off twice", in_location("proxy_cookie_domain off;\nproxy_cookie_domain a b;\nproxy_pass http://127.0.0.1:9;")),
        ("proxy_cookie_domain off after", in_location("proxy_cookie_domain a b;\nproxy_cookie_domain off;\nproxy_pass http://127.0.0.1:9;")),
        ("proxy_cookie_domain parameter", in_location("proxy_cookie_domain on;\nproxy_pass http://127.0.0.1:9;")),
        ("proxy_cookie_path regex", in_location("proxy_cookie_path ~*^/(a $1;\nproxy_pass http://127.0.0.1:9;")),
        ("proxy_cookie_path captures accepted", in_location("proxy_cookie_path ~^/(a)/ /$1/;\nproxy_cookie_path /b/ /c/;\nproxy_pass http://127.0.0.1:9;")),
        ("charset_map duplicate", in_http("charset_map a b { 41 42; }\ncharset_map B A { 41 42; }")),
        ("charset_map same", in_http("charset_map a A { 41 42; }")),
        ("valid_referers conflicting", in_location("valid_referers a.test A.test;")),
        ("valid_referers server names conflicting", in_server("server_name a.test b.test A.test;\nvalid_referers server_names;")),
        ("valid_referers server names and a host", in_server("server_name a.test;\nlocation /x { valid_referers server_names a.test; }")),
        ("valid_referers none alone", in_location("valid_referers none;")),
        ("valid_referers none with regex", in_location("valid_referers none ~example;")),
        ("cache path twice", in_http("proxy_cache_path c1 keys_zone=a:1m;\nproxy_cache_path c1 keys_zone=b:1m;")),
        ("cache path as temp path", in_http("proxy_cache_path tp2 keys_zone=a:1m;\nlocation_placeholder;").replace("location_placeholder;", "fastcgi_temp_path tp2;")),
        ("temp paths with other levels", in_http("fastcgi_temp_path tq 1;\nserver { location / { uwsgi_temp_path tq 2; } }")),
        ("temp paths shared accepted", in_http("fastcgi_temp_path tq 1;\nserver { location / { uwsgi_temp_path tq 1; } }")),
        ("proxy_no_cache twice accepted", in_location("proxy_no_cache $arg_a;\nproxy_no_cache $arg_b;")),
        ("valid_referers accepted", in_server("server_name a.test;\nvalid_referers none server_names *.example.org;\nlocation /x { valid_referers blocked b.test; }")),
        ("certificate without key", in_server("ssl_certificate a.crt;")),
        ("certificate without key at http", in_http("ssl_certificate a.crt;\nserver { listen 127.0.0.1:8080; }")),
        ("listen ssl without certificate", in_http("server { listen 127.0.0.1:8443 ssl; }")),
        ("listen ssl certificate from http accepted", in_http("ssl_certificate {CRT};\nssl_certificate_key {KEY};\nserver { listen 127.0.0.1:8443 ssl; }")),
        ("ssl on without certificate", in_server("ssl on;")),
        ("ssl on duplicate", in_server("ssl on;\nssl off;")),
        ("client certificates without CAs", in_http("server { listen 127.0.0.1:8443 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; ssl_verify_client on; }")),
        ("client certificates in capitals without CAs", in_http("server { listen 127.0.0.1:8443 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; ssl_verify_client ON; }")),
        ("optional client certificates without CAs", in_http("ssl_verify_client optional;\nserver { listen 127.0.0.1:8443 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; }")),
        ("client certificates with CAs accepted", in_http("ssl_client_certificate {CRT};\nserver { listen 127.0.0.1:8443 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; ssl_verify_client on; }")),
        ("client certificates without a CA check accepted", in_http("server { listen 127.0.0.1:8443 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; ssl_verify_client optional_no_ca; }")),
        ("client certificates in a server without TLS accepted", in_http("ssl_verify_client on;\nserver { listen 127.0.0.1:8080; }")),
        // The stream module (nginx 1.22.1: `listen` and TLS per server; see
        // `stream_checks_of_later_releases` for 1.25.5 and later).
        ("stream proxy accepted", in_stream("server { listen 127.0.0.1:9001; proxy_pass 127.0.0.1:9; }")),
        ("stream return accepted", in_stream("server { listen 127.0.0.1:9001; return \"x\"; }")),
        ("stream server without listen", in_stream("server {\n    proxy_pass 127.0.0.1:9;\n}")),
        ("stream server without handler", in_stream("server { listen 127.0.0.1:9001; }\nserver {\n    listen 127.0.0.1:9002;\n}")),
        ("stream server without listen before one without handler", in_stream("server { listen 127.0.0.1:9001; }\nserver {\n    proxy_pass 127.0.0.1:9;\n}")),
        ("stream listen duplicate in a server", in_stream("server {\n    listen 127.0.0.1:9001;\n    listen 127.0.0.1:9001;\n    proxy_pass 127.0.0.1:9;\n}")),
        ("stream listen duplicate across servers", in_stream("server { listen 127.0.0.1:9001; proxy_pass 127.0.0.1:9; }\nserver {\n    listen 127.0.0.1:9001;\n    proxy_pass 127.0.0.1:9;\n}")),
        ("stream listen port and wildcard duplicate", in_stream("server { listen 9001; proxy_pass 127.0.0.1:9; }\nserver { listen *:9001; proxy_pass 127.0.0.1:9; }")),
        ("stream listen udp and tcp accepted", in_stream("server { listen 127.0.0.1:9001; listen 127.0.0.1:9001 udp; proxy_pass 127.0.0.1:9; }")),
        ("stream listen address without port accepted", in_stream("server { listen 127.0.0.1; proxy_pass 127.0.0.1:9; }")),
        ("stream listen bad port", in_stream("server { listen 127.0.0.1:99999; proxy_pass 127.0.0.1:9; }")),
        ("stream listen unknown parameter", in_stream("server { listen 127.0.0.1:9001 foo; proxy_pass 127.0.0.1:9; }")),
        ("stream listen default_server on 1.22", in_stream("server { listen 127.0.0.1:9001 default_server; proxy_pass 127.0.0.1:9; }")),
        ("stream listen backlog zero", in_stream("server { listen 127.0.0.1:9001 backlog=0; proxy_pass 127.0.0.1:9; }")),
        ("stream listen rcvbuf invalid", in_stream("server { listen 127.0.0.1:9001 rcvbuf=8x; proxy_pass 127.0.0.1:9; }")),
        ("stream listen so_keepalive invalid", in_stream("server { listen 127.0.0.1:9001 so_keepalive=x; proxy_pass 127.0.0.1:9; }")),
        ("stream listen options accepted", in_stream("server { listen 127.0.0.1:9001 bind reuseport backlog=64 rcvbuf=64k so_keepalive=30s::5 proxy_protocol fastopen=16; proxy_pass 127.0.0.1:9; }")),
        ("stream udp with ssl", in_stream("server { listen 127.0.0.1:9001 udp ssl; proxy_pass 127.0.0.1:9; }")),
        ("stream udp with ssl and backlog", in_stream("server { listen 127.0.0.1:9001 udp ssl backlog=8; proxy_pass 127.0.0.1:9; }")),
        ("stream udp with proxy_protocol", in_stream("server { listen 127.0.0.1:9001 udp proxy_protocol; proxy_pass 127.0.0.1:9; }")),
        ("stream listen ssl without certificate", in_stream("server {\n    listen 127.0.0.1:9001 ssl;\n    proxy_pass 127.0.0.1:9;\n}")),
        ("stream listen ssl without key", in_stream("ssl_certificate {CRT};\nserver {\n    listen 127.0.0.1:9001;\n    listen 127.0.0.1:9002 ssl;\n    proxy_pass 127.0.0.1:9;\n}")),
        ("stream listen ssl with a certificate left without key", in_stream("server {\n    listen 127.0.0.1:9001 ssl;\n    ssl_certificate {CRT};\n    ssl_certificate_key {KEY};\n    ssl_certificate {CRT};\n    proxy_pass 127.0.0.1:9;\n}")),
        ("stream certificate from the stream level accepted", in_stream("ssl_certificate {CRT};\nssl_certificate_key {KEY};\nserver { listen 127.0.0.1:9001 ssl; proxy_pass 127.0.0.1:9; }")),
        ("stream certificate without key and without TLS accepted", in_stream("server { listen 127.0.0.1:9001; ssl_certificate {CRT}; proxy_pass 127.0.0.1:9; }")),
        ("stream second server without certificate", in_stream("server { listen 127.0.0.1:9001 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; proxy_pass 127.0.0.1:9; }\nserver {\n    listen 127.0.0.1:9002 ssl;\n    proxy_pass 127.0.0.1:9;\n}")),
        ("stream client certificates without CAs", in_stream("server {\n    listen 127.0.0.1:9001 ssl;\n    ssl_certificate {CRT};\n    ssl_certificate_key {KEY};\n    ssl_verify_client on;\n    proxy_pass 127.0.0.1:9;\n}")),
        ("stream client certificates from the stream level without CAs", in_stream("ssl_verify_client optional;\nserver { listen 127.0.0.1:9001 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; proxy_pass 127.0.0.1:9; }")),
        ("stream client certificates with CAs accepted", in_stream("ssl_client_certificate {CRT};\nserver { listen 127.0.0.1:9001 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; ssl_verify_client on; proxy_pass 127.0.0.1:9; }")),
        ("stream client certificates with only trusted CAs on 1.22", in_stream("ssl_trusted_certificate {CRT};\nserver { listen 127.0.0.1:9001 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; ssl_verify_client on; proxy_pass 127.0.0.1:9; }")),
        ("stream client certificates without a CA check accepted", in_stream("server { listen 127.0.0.1:9001 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; ssl_verify_client optional_no_ca; proxy_pass 127.0.0.1:9; }")),
        ("stream client certificates without TLS accepted", in_stream("ssl_verify_client on;\nserver { listen 127.0.0.1:9001; ssl_certificate {CRT}; ssl_certificate_key {KEY}; proxy_pass 127.0.0.1:9; }")),
        // The stream module's handlers that work as http's, on the stream block's own upstreams,
        // log formats and variables.
        ("stream duplicate upstream", in_stream("upstream u { server 127.0.0.1:1; }\nupstream u { server 127.0.0.1:2; }\nserver { listen 127.0.0.1:9001; proxy_pass u; }")),
        ("stream upstream named as http's accepted", in_stream("upstream u { server 127.0.0.1:1; }\nserver { listen 127.0.0.1:9001; proxy_pass u; }").replace("events {}", "events {}\nhttp { access_log off; upstream u { server 127.0.0.1:2; } }")),
        ("stream upstream without servers", in_stream("upstream u {\n}\nserver { listen 127.0.0.1:9001; proxy_pass u; }")),
        ("stream upstream server without port", in_stream("upstream u {\n    server 127.0.0.1;\n}\nserver { listen 127.0.0.1:9001; proxy_pass u; }")),
        ("stream upstream server weight zero", in_stream("upstream u { server 127.0.0.1:1 weight=0; }\nserver { listen 127.0.0.1:9001; proxy_pass u; }")),
        ("stream upstream servers accepted", in_stream("upstream u {\n    hash $remote_addr consistent;\n    server 127.0.0.1:1 weight=2 max_fails=3 fail_timeout=5s;\n    server 127.0.0.1:2 down;\n    server unix:/tmp/ngxlint-none.sock;\n}\nserver { listen 127.0.0.1:9001; proxy_pass u; }")),
        ("stream proxy_pass duplicate", in_stream("server {\n    listen 127.0.0.1:9001;\n    proxy_pass 127.0.0.1:1;\n    proxy_pass 127.0.0.1:2;\n}")),
        ("stream proxy_pass without port", in_stream("server {\n    listen 127.0.0.1:9001;\n    proxy_pass 127.0.0.1;\n}")),
        ("stream proxy_pass with a scheme", in_stream("server {\n    listen 127.0.0.1:9001;\n    proxy_pass http://127.0.0.1:1;\n}")),
        ("stream proxy_pass to a group with a port", in_stream("upstream u { server 127.0.0.1:1; }\nserver {\n    listen 127.0.0.1:9001;\n    proxy_pass u:80;\n}")),
        ("stream proxy_pass by variable accepted", in_stream("map $ssl_preread_server_name $b { default 127.0.0.1:1; }\nserver { listen 127.0.0.1:9001; ssl_preread on; proxy_pass $b; }")),
        ("stream proxy_pass to a unix socket accepted", in_stream("server { listen 127.0.0.1:9001; proxy_pass unix:/tmp/ngxlint-none.sock; }")),
        ("stream return duplicate", in_stream("server {\n    listen 127.0.0.1:9001;\n    return a;\n    return b;\n}")),
        ("stream unknown variable", in_stream("server { listen 127.0.0.1:9001; return $nosuch; }")),
        ("stream http variable unknown", in_stream("server { listen 127.0.0.1:9001; return $request_uri; }")),
        ("stream http-defined variable unknown", in_stream("server { listen 127.0.0.1:9001; return \"$from_http\"; }").replace("events {}", "events {}\nhttp { access_log off; map $uri $from_http { default 1; } server { listen 127.0.0.1:8080; return 200 \"$from_http\"; } }")),
        ("stream variables accepted", in_stream("geo $g { default 0; 10.0.0.0/8 1; }\nmap $g $h { default a; 1 b; }\nsplit_clients \"$remote_addr\" $s { 50% x; * y; }\nlog_format main \"$remote_addr $upstream_addr $bytes_sent $g$h$s\";\nserver { listen 127.0.0.1:9001; set $v \"$g$h$s\"; access_log off; proxy_download_rate 1k; return \"$v $time_local\"; }")),
        ("stream set of a built-in variable", in_stream("server {\n    listen 127.0.0.1:9001;\n    set $remote_addr 2;\n    return a;\n}")),
        ("stream map conflicting", in_stream("map $remote_addr $x {\n    a 1;\n    a 2;\n}\nserver { listen 127.0.0.1:9001; return $x; }")),
        ("stream split_clients over 100%", in_stream("split_clients $remote_addr $x {\n    60% a;\n    60% b;\n}\nserver { listen 127.0.0.1:9001; return $x; }")),
        ("stream log format unknown", in_stream("server {\n    listen 127.0.0.1:9001;\n    access_log al.log nosuch;\n    return a;\n}")),
        ("stream log format not specified", in_stream("server {\n    listen 127.0.0.1:9001;\n    access_log al.log;\n    return a;\n}")),
        ("stream log format combined is http's", in_stream("server {\n    listen 127.0.0.1:9001;\n    access_log al.log combined;\n    return a;\n}")),
        ("stream log format accepted", in_stream("log_format basic '$remote_addr [$time_local] $status';\nserver { listen 127.0.0.1:9001; access_log al.log basic buffer=32k flush=5s; return a; }")),
        ("stream limit_conn without zone", in_stream("server {\n    listen 127.0.0.1:9001;\n    limit_conn z 1;\n    return a;\n}")),
        ("stream limit_conn on http's zone", in_stream("server {\n    listen 127.0.0.1:9001;\n    limit_conn z 1;\n    return a;\n}").replace("events {}", "events {}\nhttp { access_log off; limit_conn_zone $binary_remote_addr zone=z:1m; }")),
        ("stream limit_conn accepted", in_stream("limit_conn_zone $binary_remote_addr zone=z:1m;\nserver { listen 127.0.0.1:9001; limit_conn z 10; return a; }")),
        ("stream access rule invalid", in_stream("server {\n    listen 127.0.0.1:9001;\n    allow 10.0.0.0/33;\n    return a;\n}")),
        ("stream proxy_bind unknown variable", in_stream("server { listen 127.0.0.1:9001; proxy_bind $nosuch; proxy_pass 127.0.0.1:1; }")),
        ("stream rate invalid", in_stream("server {\n    listen 127.0.0.1:9001;\n    proxy_download_rate 10x;\n    proxy_pass 127.0.0.1:1;\n}")),
        // geo blocks (ngx_http_geo, ngx_stream_geo).
        ("geo invalid network", in_http("geo $g {\n    default 0;\n    10.0.0.0/33 1;\n}")),
        ("geo network by name", in_http("geo $g {\n    default 0;\n    foo 1;\n}")),
        ("geo three words", in_http("geo $g {\n    default 0;\n    10.0.0.0/8 1 2;\n}")),
        ("geo proxy invalid", in_http("geo $g {\n    default 0;\n    proxy foo;\n}")),
        ("geo ranges after a network", in_http("geo $g {\n    default 0;\n    ranges;\n    10.0.0.1-10.0.0.9 1;\n}")),
        ("geo range reversed", in_http("geo $g {\n    ranges;\n    default 0;\n    10.0.0.9-10.0.0.1 1;\n}")),
        ("geo range of one address", in_http("geo $g {\n    ranges;\n    default 0;\n    10.0.0.1 1;\n}")),
        ("geo accepted", in_http("geo $remote_addr $g {\n    proxy 10.0.0.0/8;\n    proxy_recursive;\n    default 0;\n    10.0.0.0/8 1;\n    ::1 2;\n    2001:db8::/32 3;\n    delete 10.0.0.0/8;\n    255.255.255.255 4;\n}\ngeo $r {\n    ranges;\n    default 0;\n    10.0.0.1-10.0.0.9 1;\n    delete 10.0.0.1-10.0.0.9;\n    127.0.0.1-127.0.0.1 2;\n}")),
        ("stream geo proxy", in_stream("geo $g {\n    proxy 10.0.0.1;\n    default 0;\n}\nserver { listen 127.0.0.1:9001; return $g; }")),
        ("stream geo proxy_recursive", in_stream("geo $g {\n    proxy_recursive;\n    default 0;\n}\nserver { listen 127.0.0.1:9001; return $g; }")),
        ("geo broadcast with a prefix", in_http("geo $g {\n    default 0;\n    255.255.255.255/32 1;\n}")),
        ("geo range to broadcast", in_http("geo $g {\n    ranges;\n    default 0;\n    10.0.0.0-255.255.255.255 1;\n}")),
        ("geo delete default", in_http("geo $g {\n    default 0;\n    delete default;\n}")),
        ("allow broadcast", in_location("allow 255.255.255.255;")),
        ("deny broadcast network", in_location("deny 255.255.255.255/32;")),
        // ngx_resolver_create: its parameters, then name servers as ngx_parse_url reads them.
        ("resolver invalid valid", in_http("resolver 127.0.0.1 valid=abc;")),
        ("resolver empty valid", in_http("resolver 127.0.0.1 valid=;")),
        ("resolver invalid ipv6", in_http("resolver 127.0.0.1 ipv6=maybe;")),
        ("resolver without a server", in_http("resolver valid=30s ipv6=off;")),
        ("resolver port 0", in_http("resolver 127.0.0.1:0;")),
        ("resolver invalid IPv6 address", in_http("resolver [zz];")),
        ("resolver with a path", in_http("resolver 127.0.0.1/x;")),
        ("resolver ipv4 before 1.23.1", in_http("resolver 127.0.0.1 ipv4=off;")),
        ("resolver NGINX Plus parameter", in_http("resolver 127.0.0.1 status_zone=dns;")),
        ("resolver accepted", in_http("resolver 127.0.0.1 [::1]:5353 valid=5m10s ipv6=off;\nserver { listen 127.0.0.1:8080; resolver 127.0.0.2 valid=1h ipv6=on; }")),
        ("stream resolver invalid valid", in_stream("resolver 127.0.0.1 valid=x;\nserver { listen 127.0.0.1:9001; return x; }")),
        ("stream resolver accepted", in_stream("resolver 127.0.0.1:53 valid=10s;\nserver { listen 127.0.0.1:9001; return x; }")),
        ("stream geo ranges accepted", in_stream("geo $g {\n    ranges;\n    default 0;\n    10.0.0.1-10.0.0.9 1;\n}\nserver { listen 127.0.0.1:9001; return $g; }")),
        ("stream handler before TLS", in_stream("server { listen 127.0.0.1:9001 ssl; proxy_pass 127.0.0.1:9; }\nserver {\n    listen 127.0.0.1:9002;\n}")),
        // The mail module (1.22.1's src/mail/), with Debian's build of it.
        ("mail accepted", in_mail("auth_http 127.0.0.1:9000/auth;\nresolver off;\nserver { listen 127.0.0.1:1143; protocol imap; }\nserver { listen 127.0.0.1:110; }\nserver { listen 127.0.0.1:1025 bind backlog=16 rcvbuf=8k so_keepalive=on proxy_protocol; protocol smtp; auth_http http://127.0.0.1:9001/smtp; resolver 127.0.0.1 valid=30s; }\nserver { listen 127.0.0.1:993 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; }")),
        ("mail without auth_http", in_mail("server { listen 127.0.0.1:1143; protocol imap; }")),
        ("mail auth_http in one server only", in_mail("server { listen 127.0.0.1:110; auth_http 127.0.0.1:9000; }\nserver {\n    listen 127.0.0.1:143;\n}")),
        ("mail protocol not chosen by the port", in_mail("auth_http 127.0.0.1:9000/auth;\nserver {\n    listen 127.0.0.1:1143;\n}")),
        ("mail server without listen", in_mail("auth_http 127.0.0.1:9000/auth;\nserver {\n    protocol imap;\n}")),
        ("mail unknown protocol", in_mail("auth_http 127.0.0.1:9000/auth;\nserver { listen 127.0.0.1:143; protocol imap4; }")),
        ("mail listen fastopen", in_mail("auth_http 127.0.0.1:9000/auth;\nserver { listen 127.0.0.1:143 fastopen=1; }")),
        ("mail listen backlog 0", in_mail("auth_http 127.0.0.1:9000/auth;\nserver { listen 127.0.0.1:143 backlog=0; }")),
        ("mail listen invalid address", in_mail("auth_http 127.0.0.1:9000/auth;\nserver { listen 127.0.0.1:99999; }")),
        ("mail duplicate address", in_mail("auth_http 127.0.0.1:9000/auth;\nserver { listen 127.0.0.1:143; }\nserver { listen 127.0.0.1:143; protocol pop3; }")),
        ("mail auth_http invalid port", in_mail("auth_http 127.0.0.1:99999;\nserver { listen 127.0.0.1:143; }")),
        ("mail auth_http invalid IPv6", in_mail("auth_http http://[zz]/auth;\nserver { listen 127.0.0.1:143; }")),
        ("mail listen ssl without certificate", in_mail("auth_http 127.0.0.1:9000/auth;\nserver {\n    listen 127.0.0.1:993 ssl;\n}")),
        ("mail starttls without key", in_mail("auth_http 127.0.0.1:9000/auth;\nssl_certificate {CRT};\nserver {\n    listen 127.0.0.1:143;\n    starttls on;\n}")),
        ("mail ssl and starttls", in_mail("auth_http 127.0.0.1:9000/auth;\nserver { listen 127.0.0.1:143; starttls only; ssl on; }")),
        ("mail protocol before auth_http", in_mail("server { listen 127.0.0.1:1143; }")),
        ("mail TLS before auth_http", in_mail("server { listen 127.0.0.1:993 ssl; }")),
        ("mail client certificates without CAs", in_mail("auth_http 127.0.0.1:9000/auth;\nssl_verify_client on;\nserver { listen 127.0.0.1:993 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; }")),
        ("mail client certificates optional_no_ca accepted", in_mail("auth_http 127.0.0.1:9000/auth;\nserver { listen 127.0.0.1:993 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; ssl_verify_client optional_no_ca; }")),
        ("mail client certificates with CAs accepted", in_mail("auth_http 127.0.0.1:9000/auth;\nssl_client_certificate {CRT};\nserver { listen 127.0.0.1:993 ssl; ssl_certificate {CRT}; ssl_certificate_key {KEY}; ssl_verify_client on; }")),
        ("mail client certificates without TLS accepted", in_mail("auth_http 127.0.0.1:9000/auth;\nssl_verify_client on;\nserver { listen 127.0.0.1:143; }")),
        ("mail flags read case-insensitively", in_mail("auth_http 127.0.0.1:9000/auth;\nstarttls on;\nssl_verify_client on;\nserver { listen 127.0.0.1:143; protocol imap; starttls OFF; ssl_verify_client Off; }")),
        ("mail server without listen stops there", in_mail("server {\n    protocol imap;\n}\nserver { listen 127.0.0.1:1143; }")),
        ("mail resolver invalid", in_mail("auth_http 127.0.0.1:9000/auth;\nserver { listen 127.0.0.1:25; resolver 127.0.0.1 valid=x; }")),
    ]
}

#[test]
fn handler_fixtures_agree_with_nginx() {
    let Some(nginx) = nginx() else {
        return missing("nginx", "handler_fixtures_agree_with_nginx");
    };
    let mut cases = fixtures();
    let stream = stream_module();
    if stream.is_none() {
        missing(
            "the stream module (ngx_stream_module.so)",
            "handler_fixtures_agree_with_nginx's stream cases",
        );
        cases.retain(|(_, conf)| !conf.contains("{STREAM}"));
    }
    let mail = mail_module();
    if mail.is_none() {
        missing(
            "the mail module (ngx_mail_module.so)",
            "handler_fixtures_agree_with_nginx's mail cases",
        );
        cases.retain(|(_, conf)| !conf.contains("{MAIL}"));
    }
    let mut agree = 0;
    let mut failures = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (name, conf) in &cases {
        assert!(names.insert(*name), "duplicate case name {name}");
        let crt = testdata().join("nginx_fidelity/dummy.crt");
        let key = testdata().join("nginx_fidelity/dummy.key");
        let conf = conf
            .replace("{CRT}", &crt.to_string_lossy())
            .replace("{KEY}", &key.to_string_lossy())
            .replace(
                "{STREAM}",
                &stream.as_deref().unwrap_or(Path::new("")).to_string_lossy(),
            )
            .replace(
                "{MAIL}",
                &mail.as_deref().unwrap_or(Path::new("")).to_string_lossy(),
            );
        let dir = write_case(&[("nginx.conf", conf.clone())]);
        let main = dir.path().join("nginx.conf");
        match judge(&nginx, dir.path(), &main) {
            Outcome::Agree => agree += 1,
            Outcome::Disagree(why) => failures.push(format!("case `{name}`\n{conf}\n{why}")),
        }
    }
    eprintln!(
        "handler fixtures: {} cases, {agree} agree ({:.1}%)",
        cases.len(),
        100.0 * agree as f64 / cases.len() as f64
    );
    assert!(
        failures.is_empty(),
        "{} of {} fixtures disagree with nginx:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The stream checks as nginx 1.25.5 and later make them: virtual servers (`default_server`, one
/// address in several servers), http's address table and its messages, TLS checked per default
/// server of a TLS address (`ngx_stream_ssl_init`), certificates without keys refused in every
/// server, and from 1.27.2 `ssl_trusted_certificate` as the CAs of `ssl_verify_client`. Debian 12
/// has 1.22.1 only, so these expectations are read from nginx's sources (`ngx_stream_core_module.c`,
/// `ngx_stream.c`, `ngx_stream_ssl_module.c` of release-1.26.0 and release-1.27.4), not from a
/// running nginx; `handler_fixtures_agree_with_nginx` proves the 1.22.1 side.
#[test]
fn stream_checks_of_later_releases() {
    const V126: (u32, u32, u32) = (1, 26, 0);
    const V127: (u32, u32, u32) = (1, 27, 4);
    // (name, release, stream block, the first refusal: message and line, 0 when nginx names none)
    type Case = (
        &'static str,
        (u32, u32, u32),
        &'static str,
        Option<(&'static str, usize)>,
    );
    let cases: &[Case] = &[
        ("default_server accepted", V127, "server { listen 127.0.0.1:9001 default_server; proxy_pass 127.0.0.1:9; }", None),
        ("one address in two servers accepted", V127, "server { listen 127.0.0.1:9001; proxy_pass 127.0.0.1:9; }\nserver { listen 127.0.0.1:9001; proxy_pass 127.0.0.1:9; }", None),
        ("invalid parameter", V127, "server {\n    listen 127.0.0.1:9001 foo;\n    proxy_pass 127.0.0.1:9;\n}", Some(("invalid parameter \"foo\"", 4))),
        ("setfib is FreeBSD's", V126, "server {\n    listen 127.0.0.1:9001 setfib=1;\n    proxy_pass 127.0.0.1:9;\n}", Some(("invalid parameter \"setfib=1\"", 4))),
        ("a duplicate listen", V127, "server {\n    listen 127.0.0.1:9001;\n    listen 127.0.0.1:9001;\n    proxy_pass 127.0.0.1:9;\n}", Some(("a duplicate listen 127.0.0.1:9001", 5))),
        ("a duplicate default server", V127, "server { listen 9001 default_server; proxy_pass 127.0.0.1:9; }\nserver {\n    listen *:9001 default_server;\n    proxy_pass 127.0.0.1:9;\n}", Some(("a duplicate default server for 0.0.0.0:9001", 5))),
        ("duplicate listen options", V127, "server { listen 127.0.0.1:9001 backlog=8; proxy_pass 127.0.0.1:9; }\nserver {\n    listen 127.0.0.1:9001 reuseport;\n    proxy_pass 127.0.0.1:9;\n}", Some(("duplicate listen options for 127.0.0.1:9001", 5))),
        ("udp and tcp on one address accepted", V127, "server { listen 127.0.0.1:9001 backlog=8; listen 127.0.0.1:9001 udp reuseport; proxy_pass 127.0.0.1:9; }", None),
        ("udp with deferred", V127, "server {\n    listen 127.0.0.1:9001 udp deferred ssl;\n    proxy_pass 127.0.0.1:9;\n}", Some(("\"listen\" directive \"deferred\" parameter is incompatible with \"udp\"", 4))),
        ("server without listen", V127, "server {\n    proxy_pass 127.0.0.1:9;\n}", Some(("no \"listen\" is defined for server", 3))),
        ("server without handler", V127, "server {\n    listen 127.0.0.1:9001;\n}", Some(("no handler for server", 3))),
        ("pass is a handler", V127, "server { listen 127.0.0.1:9001; pass 127.0.0.1:9002; }\nserver { listen 127.0.0.1:9002; return x; }", None),
        ("TLS default server without certificate", V127, "server { listen 127.0.0.1:9002 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; proxy_pass 127.0.0.1:9; }\nserver {\n    listen 127.0.0.1:9001 ssl;\n    proxy_pass 127.0.0.1:9;\n}", Some(("no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive", 4))),
        ("TLS default server with a certificate, another without accepted", V127, "server { listen 127.0.0.1:9001 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; proxy_pass 127.0.0.1:9; }\nserver { listen 127.0.0.1:9001; proxy_pass 127.0.0.1:9; }", None),
        ("TLS default server rejecting handshakes, another without certificate", V127, "server { listen 127.0.0.1:9001 ssl default_server; ssl_reject_handshake on; proxy_pass 127.0.0.1:9; }\nserver { listen 127.0.0.1:9002; ssl_certificate a.crt; ssl_certificate_key a.key; proxy_pass 127.0.0.1:9; }\nserver {\n    listen 127.0.0.1:9001;\n    proxy_pass 127.0.0.1:9;\n}", Some(("no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive", 5))),
        ("certificate without key and without TLS", V127, "server { listen 127.0.0.1:9001; ssl_certificate a.crt; proxy_pass 127.0.0.1:9; }", Some(("no \"ssl_certificate_key\" is defined for certificate \"a.crt\"", 0))),
        ("client certificates without CAs on 1.26", V126, "server { listen 127.0.0.1:9001 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; ssl_trusted_certificate a.crt;\n    ssl_verify_client on; proxy_pass 127.0.0.1:9; }", Some(("no ssl_client_certificate for ssl_verify_client", 0))),
        ("client certificates with trusted CAs on 1.27 accepted", V127, "server { listen 127.0.0.1:9001 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; ssl_trusted_certificate a.crt; ssl_verify_client on; proxy_pass 127.0.0.1:9; }", None),
        ("client certificates without CAs on 1.27", V127, "ssl_verify_client on;\nserver { listen 127.0.0.1:9001; ssl_reject_handshake on; proxy_pass 127.0.0.1:9; }", Some(("no ssl_client_certificate or ssl_trusted_certificate for ssl_verify_client", 0))),
        ("client certificates without TLS accepted", V127, "ssl_verify_client on;\nserver { listen 127.0.0.1:9001; proxy_pass 127.0.0.1:9; }", None),
    ];
    let mut failures = Vec::new();
    for &(name, v, body, expect) in cases {
        let conf = format!("events {{}}\nstream {{\n{body}\n}}\n");
        let dir = write_case(&[
            ("nginx.conf", conf.clone()),
            ("a.crt", String::new()),
            ("a.key", String::new()),
        ]);
        let main = dir.path().join("nginx.conf");
        let mut opts = ngxlint_engine::Options::new(dir.path().to_path_buf());
        opts.directives = Directives::for_version(v);
        opts.stock_files = false;
        let project =
            ngxlint_engine::Project::load(std::slice::from_ref(&main), &opts).expect("loads");
        let errors = ngxlint_errors(&project);
        let got = errors
            .first()
            .map(|(_, r)| (r.message.clone(), r.line.unwrap_or(0)));
        let ok = match (expect, &got) {
            (None, None) => true,
            (Some((m, 0)), Some((gm, _))) => m == gm,
            (Some((m, l)), Some((gm, gl))) => m == gm && l == *gl,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "case `{name}` ({v:?})\n{conf}\nexpected {expect:?}\ngot {got:?}"
            ));
        }
    }
    // ngx_stream_server_names (1.25.5+): on an address of several servers, a name given again
    // (by another server or the same) is a warning without a place, and a server without
    // `server_name` is named ""; a server alone on its address is not hashed.
    let names: &[(&str, &str, &[&str])] = &[
        (
            "conflicting server name",
            "server { listen 127.0.0.1:9001; server_name a.test b.test; proxy_pass 127.0.0.1:9; }\nserver { listen 127.0.0.1:9001; server_name A.test; proxy_pass 127.0.0.1:9; }",
            &["conflicting server name \"a.test\" on 127.0.0.1:9001, ignored"],
        ),
        (
            "names on two addresses",
            "server { listen 127.0.0.1:9001; server_name a.test; proxy_pass 127.0.0.1:9; }\nserver { listen 127.0.0.1:9002; server_name a.test; proxy_pass 127.0.0.1:9; }",
            &[],
        ),
        (
            "a name twice in one server",
            "server { listen 127.0.0.1:9001; server_name a.test a.test; proxy_pass 127.0.0.1:9; }\nserver { listen 127.0.0.1:9001; server_name b.test; proxy_pass 127.0.0.1:9; }",
            &["conflicting server name \"a.test\" on 127.0.0.1:9001, ignored"],
        ),
        (
            "two servers without a name",
            "server { listen 127.0.0.1:9001; proxy_pass 127.0.0.1:9; }\nserver { listen 127.0.0.1:9001; proxy_pass 127.0.0.1:9; }",
            &["conflicting server name \"\" on 127.0.0.1:9001, ignored"],
        ),
        (
            "one server alone with a name twice",
            "server { listen 127.0.0.1:9001; server_name a.test a.test; proxy_pass 127.0.0.1:9; }",
            &[],
        ),
        (
            "a regex and $hostname are not in the hash",
            "server { listen 127.0.0.1:9001; server_name ~^a $hostname; proxy_pass 127.0.0.1:9; }\nserver { listen 127.0.0.1:9001; server_name ~^a $hostname; proxy_pass 127.0.0.1:9; }",
            &[],
        ),
    ];
    for &(name, body, want) in names {
        let conf = format!("events {{}}\nstream {{\n{body}\n}}\n");
        let project = load_at(&[("nginx.conf", conf.clone())], V127);
        let got: Vec<String> = ngxlint_warnings(&project)
            .into_iter()
            .map(|r| r.message)
            .collect();
        if got != want {
            failures.push(format!(
                "case `{name}`\n{conf}\nexpected {want:?}\ngot {got:?}"
            ));
        }
        // Before 1.25.5 stream has no `server_name`.
        if !body.contains("server_name") {
            continue;
        }
        let old = load_at(&[("nginx.conf", conf.clone())], (1, 24, 0));
        let first = ngxlint_errors(&old).first().map(|(_, r)| r.message.clone());
        if first.as_deref() != Some("\"server_name\" directive is not allowed here") {
            failures.push(format!("case `{name}` on 1.24.0: server_name not refused"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// =============================================================================================
// The mutation generator
// =============================================================================================

/// How a value is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A flag directive's value set to `yes`.
    FlagYes,
    /// A statement written twice in its block.
    Repeat,
    /// A size with a suffix nginx does not know (`10X`), or `g` where only k and m go.
    SizeSuffix,
    /// A time with a unit nginx does not know (`5x`), or units out of order.
    TimeSuffix,
    /// An enum's or bitmask's value misspelt.
    EnumValue,
    /// A number with a letter in it.
    Number,
    /// A location written twice.
    DupLocation,
    /// An upstream group written twice.
    DupUpstream,
    /// A variable's name misspelt.
    VarTypo,
    /// A regular expression left open.
    RegexOpen,
    /// A rewrite flag misspelt.
    RewriteFlag,
    /// A URI added to a `proxy_pass`.
    PassUri,
    /// A return or error_page code out of range.
    Code,
}

const KINDS: [Kind; 13] = [
    Kind::FlagYes,
    Kind::Repeat,
    Kind::SizeSuffix,
    Kind::TimeSuffix,
    Kind::EnumValue,
    Kind::Number,
    Kind::DupLocation,
    Kind::DupUpstream,
    Kind::VarTypo,
    Kind::RegexOpen,
    Kind::RewriteFlag,
    Kind::PassUri,
    Kind::Code,
];

/// A place a mutation can be made: the n-th statement (depth first) of a file.
#[derive(Clone, Debug)]
struct Site {
    rel: String,
    ordinal: usize,
    kind: Kind,
}

/// The statements of a list, depth first.
fn dfs<'a>(list: &'a [Directive], out: &mut Vec<&'a Directive>) {
    for d in list {
        out.push(d);
        dfs(d.children(), out);
    }
}

/// Every place of every mutation kind in a loaded tree (files named relative to `base`).
fn sites(project: &ngxlint_engine::Project, directives: &Directives, base: &Path) -> Vec<Site> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for tree in &project.nginx.trees {
        if tree.context != Context::Main {
            continue;
        }
        walk_sites(
            project,
            directives,
            base,
            tree.main,
            tree.context,
            &mut seen,
            &mut out,
            0,
        );
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn walk_sites(
    project: &ngxlint_engine::Project,
    directives: &Directives,
    base: &Path,
    file: ngxlint_engine::FileId,
    ctx: Context,
    seen: &mut std::collections::HashSet<(ngxlint_engine::FileId, Context)>,
    out: &mut Vec<Site>,
    depth: usize,
) {
    if depth > 16 || !seen.insert((file, ctx)) {
        return;
    }
    let Some(parsed) = project.nginx.parsed.get(&file) else {
        return;
    };
    let f = project.files.get(file);
    let Ok(rel) = f.server_path.strip_prefix(base) else {
        return;
    };
    let rel = rel.to_string_lossy().into_owned();
    let mut all = Vec::new();
    dfs(&parsed.directives, &mut all);
    let ordinal: std::collections::HashMap<u32, usize> = all
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.span.start, i))
        .collect();
    let src = &f.bytes;
    type Walk<'a> = (
        &'a ngxlint_engine::Project,
        &'a Directives,
        &'a Path,
        &'a mut std::collections::HashSet<(ngxlint_engine::FileId, Context)>,
        &'a mut Vec<Site>,
    );
    fn go(
        cx: &mut Walk<'_>,
        file: ngxlint_engine::FileId,
        src: &[u8],
        rel: &str,
        ordinal: &std::collections::HashMap<u32, usize>,
        list: &[Directive],
        ctx: Context,
        depth: usize,
    ) {
        for d in list {
            if ctx.is_entries() || matches!(d.terminator, Terminator::Missing(_)) {
                continue;
            }
            let name = d.name.value(src).into_owned();
            let term = if d.block.is_some() {
                DTerm::BlockStart
            } else {
                DTerm::Semicolon
            };
            let lua = d.args.last().is_some_and(|a| a.quote == Quote::Lua);
            let Ok((entry, child)) =
                cx.1.dispatch_entry(ctx, &name, d.args.len() - usize::from(lua), term)
            else {
                continue;
            };
            let n = ordinal[&d.name.span.start];
            let mut add = |kind| {
                cx.4.push(Site {
                    rel: rel.to_string(),
                    ordinal: n,
                    kind,
                })
            };
            if name == b"include" {
                add(Kind::Repeat);
                for &t in cx.0.nginx.included(file, d) {
                    walk_sites(cx.0, cx.1, cx.2, t, ctx, cx.3, cx.4, depth + 1);
                }
                continue;
            }
            let setter = entry.and_then(|e| e.spec()).map(|s| s.setter);
            let text = |i: usize| {
                d.args
                    .get(i)
                    .map(|w| w.value(src).into_owned())
                    .unwrap_or_default()
            };
            match setter {
                Some(Setter::Flag) => add(Kind::FlagYes),
                Some(Setter::Size | Setter::Off | Setter::Bufs) => add(Kind::SizeSuffix),
                Some(Setter::Msec | Setter::Sec) => add(Kind::TimeSuffix),
                Some(Setter::Enum | Setter::Bitmask) => add(Kind::EnumValue),
                Some(Setter::Num) => add(Kind::Number),
                _ => {}
            }
            if name == b"keepalive_timeout" || name == b"expires" {
                add(Kind::TimeSuffix);
            }
            if d.block.is_none() || name != b"http" {
                add(Kind::Repeat);
            }
            if d.args.iter().any(|w| memchr_dollar(w.value(src).as_ref())) {
                add(Kind::VarTypo);
            }
            match &name[..] {
                b"location" => {
                    let first = text(0);
                    let regex = first.starts_with(b"~") && !first.starts_with(b"~~");
                    if regex {
                        add(Kind::RegexOpen);
                    } else if !first.starts_with(b"@") {
                        add(Kind::DupLocation);
                    }
                }
                b"upstream" => add(Kind::DupUpstream),
                b"rewrite" => {
                    add(Kind::RegexOpen);
                    add(Kind::RewriteFlag);
                }
                b"if" if d.args.iter().any(|w| w.value(src).starts_with(b"~")) => {
                    add(Kind::RegexOpen)
                }
                b"proxy_pass" => add(Kind::PassUri),
                b"return" | b"error_page" => add(Kind::Code),
                _ => {}
            }
            if let (Some(b), Some(child)) = (&d.block, child) {
                go(cx, file, src, rel, ordinal, &b.children, child, depth);
            }
        }
    }
    let mut cx = (project, directives, base, seen, out);
    go(
        &mut cx,
        file,
        src,
        &rel,
        &ordinal,
        &parsed.directives,
        ctx,
        depth,
    );
}

fn memchr_dollar(v: &[u8]) -> bool {
    v.contains(&b'$')
}

/// The text of a statement (name through terminator or closing brace).
fn statement_text(d: &Directive, src: &[u8]) -> Vec<u8> {
    d.span().slice(src).to_vec()
}

/// Applies a mutation to the n-th statement of `src`; `None` when it does not apply.
fn mutate(src: &[u8], ordinal: usize, kind: Kind, rng: &mut Rng) -> Option<Vec<u8>> {
    let parsed = nginx_syntax::parse(src);
    let mut all = Vec::new();
    dfs(&parsed.directives, &mut all);
    let d = *all.get(ordinal)?;
    let after = d.span().end as usize;
    let arg = |i: usize| d.args.get(i).copied();
    let replace = |w: nginx_syntax::Word, with: &[u8]| -> Vec<u8> {
        let mut out = src.to_vec();
        out.splice(
            w.span.start as usize..w.span.end as usize,
            with.iter().copied(),
        );
        out
    };
    let insert = |text: &[u8]| -> Vec<u8> {
        let mut out = src.to_vec();
        let mut t = vec![b'\n'];
        t.extend_from_slice(text);
        out.splice(after..after, t);
        out
    };
    let value = |i: usize| {
        arg(i)
            .map(|w| w.value(src).into_owned())
            .unwrap_or_default()
    };
    Some(match kind {
        Kind::FlagYes => replace(arg(0)?, b"yes"),
        Kind::Repeat => insert(&statement_text(d, src)),
        Kind::SizeSuffix => {
            let i = if d.args.len() == 2 { 1 } else { 0 };
            let choices: [&[u8]; 3] = [b"10X", b"1g", b"1.5k"];
            replace(arg(i)?, choices[rng.below(choices.len())])
        }
        Kind::TimeSuffix => {
            let choices: [&[u8]; 4] = [b"5x", b"30s1m", b"1y", b"10 s"];
            replace(arg(0)?, choices[rng.below(choices.len())])
        }
        Kind::EnumValue => {
            let mut v = value(0);
            v.extend_from_slice(b"x");
            replace(arg(0)?, &v)
        }
        Kind::Number => replace(arg(0)?, b"1x"),
        Kind::DupLocation => {
            let mut t = b"location".to_vec();
            for w in &d.args {
                t.push(b' ');
                t.extend_from_slice(w.span.slice(src));
            }
            t.extend_from_slice(b" { }");
            insert(&t)
        }
        Kind::DupUpstream => {
            let mut t = b"upstream ".to_vec();
            t.extend_from_slice(arg(0)?.span.slice(src));
            t.extend_from_slice(b" { server 127.0.0.1:1; }");
            insert(&t)
        }
        Kind::VarTypo => {
            let i = d.args.iter().position(|w| w.raw(src).contains(&b'$'))?;
            let w = d.args[i];
            let raw = w.span.slice(src).to_vec();
            let at = raw.iter().position(|&b| b == b'$')? + 1;
            let end = raw[at..]
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                .map_or(raw.len(), |e| at + e);
            if end == at {
                return None;
            }
            let mut new = raw[..end].to_vec();
            new.extend_from_slice(b"_typo");
            new.extend_from_slice(&raw[end..]);
            replace(w, &new)
        }
        Kind::RegexOpen => {
            let i = match d.name.raw(src) {
                b"rewrite" => 0,
                _ => d.args.len() - 1,
            };
            let w = arg(i)?;
            let mut raw = w.span.slice(src).to_vec();
            // Inside the quotes, before a closing parenthesis of an `if`.
            let pos = match (w.quote, raw.last()) {
                (Quote::Double | Quote::Single, _) => raw.len() - 1,
                (_, Some(b')')) if d.name.raw(src) == b"if" => raw.len() - 1,
                _ => raw.len(),
            };
            raw.insert(pos, b'(');
            replace(w, &raw)
        }
        Kind::RewriteFlag => match arg(2) {
            Some(w) => {
                let mut v = w.value(src).into_owned();
                v.push(b's');
                replace(w, &v)
            }
            None => {
                let w = arg(1)?;
                let mut v = w.span.slice(src).to_vec();
                v.extend_from_slice(b" permanently");
                replace(w, &v)
            }
        },
        Kind::PassUri => {
            let w = arg(0)?;
            let v = w.value(src).into_owned();
            let rest = v
                .splitn(2, |&b| b == b'/')
                .nth(1)
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            // `http://host` → `http://host/x/`
            if v.contains(&b'$') || rest.len() > 1 && rest[1..].contains(&b'/') {
                return None;
            }
            let mut new = v.clone();
            new.extend_from_slice(b"/x/");
            replace(w, &new)
        }
        Kind::Code => {
            let choices: [&[u8]; 3] = [b"1000", b"20x", b"299"];
            replace(arg(0)?, choices[rng.below(choices.len())])
        }
    })
}

/// The fixture trees of `testdata/nginx_handlers/`: configurations that use every handler the
/// checks know, accepted by nginx -t.
fn fixture_trees(root: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Copies a fixture tree into `dest`.
fn copy_tree(from: &Path, dest: &Path) {
    for f in walk(from) {
        let rel = f.strip_prefix(from).unwrap_or(&f);
        let bytes = std::fs::read(&f).unwrap_or_default();
        write(dest, &rel.to_string_lossy(), &bytes);
    }
}

#[test]
fn value_mutations_agree_with_nginx() {
    let Some(nginx) = nginx() else {
        return missing("nginx", "value_mutations_agree_with_nginx");
    };
    // Sources: the corpus trees nginx accepts, and the fixture trees.
    let mut sources: Vec<(String, Source)> = accepted_trees()
        .map(|t| (t.name.to_string(), Source::Tree(t)))
        .collect();
    for p in fixture_trees(&testdata().join("nginx_handlers")) {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The stream tree loads Debian's stream module (from the test's folder of modules).
        let stream = std::fs::read(p.join("nginx.conf"))
            .is_ok_and(|b| b.windows(STREAM_OBJECT.len()).any(|w| w == STREAM_OBJECT));
        if stream && stream_module().is_none() {
            missing(
                "the stream module (ngx_stream_module.so)",
                "value_mutations_agree_with_nginx's stream tree",
            );
            continue;
        }
        sources.push((name, Source::Fixture(p)));
    }
    assert!(sources.len() >= 12, "only {} sources", sources.len());
    let applied = mutations_agree(&nginx, &sources, 6, "value mutations");
    assert!(applied >= 400, "only {applied} mutation cases");
}

/// The measure: nginx's own test-suite configurations (nginx-tests, those the installed
/// nginx accepts as they are; `testdata/nginx_tests`), each mutated the ways people break them.
#[test]
fn nginx_tests_mutations_agree_with_nginx() {
    let Some(nginx) = nginx() else {
        return missing("nginx", "nginx_tests_mutations_agree_with_nginx");
    };
    let stream = stream_module().is_some();
    if !stream {
        missing(
            "the stream module (ngx_stream_module.so)",
            "nginx_tests_mutations_agree_with_nginx's stream configurations",
        );
    }
    let sources: Vec<(String, Source)> = fixture_trees(&testdata().join("nginx_tests"))
        .into_iter()
        .filter(|p| {
            stream
                || !std::fs::read(p.join("nginx.conf"))
                    .is_ok_and(|b| b.windows(STREAM_OBJECT.len()).any(|w| w == STREAM_OBJECT))
        })
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (format!("nginx-tests/{name}"), Source::Fixture(p))
        })
        .collect();
    assert!(sources.len() >= 200, "only {} sources", sources.len());
    let applied = mutations_agree(&nginx, &sources, 2, "nginx-tests mutations");
    assert!(applied >= 1500, "only {applied} mutation cases");
}

/// A mutation source: a corpus tree or a fixture folder (its `nginx.conf` the main file).
enum Source {
    Tree(&'static Tree),
    Fixture(std::path::PathBuf),
}

fn render_source(s: &Source, dir: &Path, m: &mut dyn FnMut(&str, &mut Vec<u8>)) -> PathBuf {
    match s {
        Source::Tree(t) => render(t, dir, m),
        Source::Fixture(p) => {
            copy_tree(p, dir);
            for f in walk(dir) {
                let rel = f
                    .strip_prefix(dir)
                    .unwrap_or(&f)
                    .to_string_lossy()
                    .into_owned();
                let mut bytes = std::fs::read(&f).unwrap_or_default();
                if let Some(module) = stream_module() {
                    let path = module.to_string_lossy().into_owned();
                    let filled = replace_all(&bytes, STREAM_OBJECT, path.as_bytes());
                    if filled != bytes {
                        write(dir, &rel, &filled);
                        bytes = filled;
                    }
                }
                let before = bytes.clone();
                m(&rel, &mut bytes);
                if bytes != before {
                    write(dir, &rel, &bytes);
                }
            }
            dir.join("nginx.conf")
        }
    }
}

/// What one mutation case gave.
struct CaseResult {
    kind: Kind,
    failure: Option<String>,
    noise: Vec<String>,
    refused: bool,
}

/// Mutates up to `per_kind` places of each kind in each file of `sources` and judges each case
/// against nginx -t (verdict, message, line) and for rule noise; prints the agreement by kind,
/// fails on any disagreement, and returns the number of cases.
fn mutations_agree(
    nginx: &Path,
    sources: &[(String, Source)],
    per_kind: usize,
    label: &str,
) -> usize {
    let version = installed_nginx_version().unwrap_or((1, 30, 4));
    let directives = Directives::for_version(version);
    let mut jobs: Vec<(usize, Site)> = Vec::new();
    let mut base_findings: Vec<Vec<(String, String, String)>> = Vec::new();
    let mut seen_files: std::collections::HashSet<Vec<u8>> = Default::default();
    for (i, (name, s)) in sources.iter().enumerate() {
        let base = TempDir::new("mbase");
        let main = render_source(s, base.path(), &mut |_, _| {});
        if let Err(r) = nginx_verdict(nginx, base.path(), &main) {
            panic!("source {name} is not accepted by nginx -t: {r}");
        }
        let project = load(base.path(), &main);
        // An unbroken source nginx accepts gets no error either.
        if let Some((code, r)) = ngxlint_errors(&project).first() {
            panic!("source {name}: nginx -t accepts it, ngxlint reports [{code}] {r}");
        }
        base_findings.push(rule_findings(&project, base.path()));
        let all = sites(&project, &directives, base.path());
        // One file's sites once, in the first source that reads it.
        let mut by_file: BTreeMap<String, Vec<Site>> = BTreeMap::new();
        for s in all {
            by_file.entry(s.rel.clone()).or_default().push(s);
        }
        for (rel, list) in by_file {
            let bytes = std::fs::read(base.path().join(&rel)).unwrap_or_default();
            let key = replace_all(&bytes, base.path().to_string_lossy().as_bytes(), b"PREFIX");
            if !seen_files.insert(key) {
                continue;
            }
            let mut rng = Rng::new(&format!("{name}/{rel}"));
            for kind in KINDS {
                let mut of_kind: Vec<&Site> = list.iter().filter(|s| s.kind == kind).collect();
                // Up to `per_kind` places of each kind in each file, chosen deterministically.
                let take = per_kind.min(of_kind.len());
                for _ in 0..take {
                    let k = rng.below(of_kind.len());
                    jobs.push((i, of_kind.remove(k).clone()));
                }
            }
        }
    }
    let run_case = |i: usize, site: &Site| -> Option<CaseResult> {
        let (name, source) = &sources[i];
        let dir = TempDir::new("mut");
        let mut shown = String::new();
        let mut did = false;
        let mut rng = Rng::new(&format!("{name}/{}/{}", site.rel, site.ordinal));
        let main = render_source(source, dir.path(), &mut |path, bytes| {
            if path == site.rel {
                if let Some(new) = mutate(bytes, site.ordinal, site.kind, &mut rng) {
                    let at = bytes
                        .iter()
                        .zip(&new)
                        .position(|(a, b)| a != b)
                        .unwrap_or(0);
                    shown = excerpt(&new, at);
                    *bytes = new;
                    did = true;
                }
            }
        });
        if !did {
            return None;
        }
        let failure = match judge(nginx, dir.path(), &main) {
            Outcome::Agree => None,
            Outcome::Disagree(why) => Some(format!(
                "source {name}, file {}, {:?} at statement {}:\n{shown}\n{why}",
                site.rel, site.kind, site.ordinal
            )),
        };
        // No noise: where ngxlint reports nginx's refusal, the rules find nothing the unbroken
        // tree does not give them.
        let project = load(dir.path(), &main);
        let refused = !ngxlint_errors(&project).is_empty();
        let mut noise = Vec::new();
        if refused {
            // Counted by (code, file): a finding the refusal only rewords (a count, a plural)
            // is the unbroken tree's; one more of a code in a file is new.
            let base = &base_findings[i];
            let count = |list: &[(String, String, String)], f: &(String, String, String)| {
                list.iter().filter(|g| g.0 == f.0 && g.1 == f.1).count()
            };
            let now = rule_findings(&project, dir.path());
            for f in &now {
                if count(&now, f) > count(base, f) && !base.contains(f) {
                    noise.push(format!(
                        "source {name}, file {}, {:?} at statement {}:\n{shown}\nnew rule finding: [{}] {}: {}",
                        site.rel, site.kind, site.ordinal, f.0, f.1, f.2
                    ));
                }
            }
        }
        Some(CaseResult {
            kind: site.kind,
            failure,
            noise,
            refused,
        })
    };
    // Two workers: each case is an nginx -t process and a load.
    let results: Vec<CaseResult> = std::thread::scope(|scope| {
        let run_case = &run_case;
        let workers: Vec<_> = jobs
            .chunks(jobs.len().div_ceil(2).max(1))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|(i, site)| run_case(*i, site))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let mut agree: BTreeMap<Kind, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut noise = Vec::new();
    let mut refusals = 0;
    for r in results.iter() {
        let e = agree.entry(r.kind).or_default();
        e.1 += 1;
        match &r.failure {
            None => e.0 += 1,
            Some(f) => failures.push(f.clone()),
        }
        refusals += usize::from(r.refused);
        noise.extend(r.noise.iter().cloned());
    }
    let applied = results.len();
    let total_agree: usize = agree.values().map(|(a, _)| a).sum();
    eprintln!(
        "{label}: {applied} cases from {} sources, {total_agree} agree ({:.1}%)",
        sources.len(),
        100.0 * total_agree as f64 / applied.max(1) as f64
    );
    for (kind, (a, n)) in &agree {
        eprintln!("  {kind:?}: {a} of {n}");
    }
    eprintln!(
        "  rules on the {refusals} refused trees: {} findings the unbroken trees do not have",
        noise.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {applied} mutations disagree with nginx:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(noise.is_empty(), "{}", noise.join("\n\n"));
    applied
}

/// The lines around `at`, for failure messages.
fn excerpt(src: &[u8], at: usize) -> String {
    let at = at.min(src.len());
    let line = src[..at].iter().filter(|&&b| b == b'\n').count();
    let lines: Vec<&[u8]> = src.split(|&b| b == b'\n').collect();
    let from = line.saturating_sub(1);
    let to = (line + 2).min(lines.len());
    (from..to)
        .map(|i| format!("{:>5} | {}", i + 1, String::from_utf8_lossy(lines[i])))
        .collect::<Vec<_>>()
        .join("\n")
}

// =============================================================================================
// Warnings
// =============================================================================================

/// nginx's `[warn]` lines for a tree: (message, file, line).
fn nginx_warnings(nginx: &Path, prefix: &Path, main: &Path) -> Vec<Report> {
    let mut prefix_arg = prefix.as_os_str().to_owned();
    prefix_arg.push("/");
    let ran = run_bounded(
        std::process::Command::new(nginx)
            .arg("-t")
            .arg("-p")
            .arg(&prefix_arg)
            .arg("-c")
            .arg(main),
        b"",
    );
    String::from_utf8_lossy(&ran.stderr)
        .lines()
        .filter_map(|l| {
            let i = l.find("[warn] ")?;
            // The same parser as for errors, on the line with its level renamed.
            let as_emerg = format!("{}[emerg] {}", &l[..i], &l[i + 7..]);
            parse_nginx_line(&as_emerg)
        })
        .collect()
}

/// ngxlint's NGX018 warnings, as reports.
fn ngxlint_warnings(project: &ngxlint_engine::Project) -> Vec<Report> {
    project
        .diagnostics
        .iter()
        .filter(|d| d.code == "NGX018")
        .map(|d| {
            let f = project.files.get(d.file);
            // A warning nginx logs without a place has none here either.
            Report {
                message: d.message.clone(),
                file: d.nginx_offset.map(|_| f.server_path.clone()),
                line: d.nginx_offset.map(|o| f.nginx_line(o)),
            }
        })
        .collect()
}

fn warning_fixtures() -> Vec<(&'static str, String, usize)> {
    // (name, config, warnings nginx gives)
    vec![
        ("conflicting server name", in_http("server { listen 127.0.0.1:8080; server_name a.test; }\nserver { listen 127.0.0.1:8080; server_name a.test; }"), 1),
        ("conflicting on default port", in_http("server { server_name b.test; }\nserver { server_name b.test; }"), 1),
        ("two servers without a name", in_http("server { listen 127.0.0.1:8080; }\nserver { listen 127.0.0.1:8080; }"), 1),
        ("a name twice in one server", in_http("server { listen 127.0.0.1:8080; server_name a.test a.test; }\nserver { listen 127.0.0.1:8080; server_name b.test; }"), 1),
        ("an empty name and none", in_http("server { listen 127.0.0.1:8080; server_name \"\"; }\nserver { listen 127.0.0.1:8080; }"), 1),
        ("a server alone with a name twice", in_http("server { listen 127.0.0.1:8080; server_name a.test a.test; }"), 0),
        ("no conflict on two ports", in_http("server { listen 127.0.0.1:8080; server_name a.test; }\nserver { listen 127.0.0.1:8081; server_name a.test; }"), 0),
        ("suspicious server name", in_server("server_name a/b.test;"), 1),
        ("duplicate bitmask value", in_http("ssl_protocols TLSv1.2 TLSv1.2;"), 1),
        ("geo network with host bits", in_http("geo $g {\n    default 0;\n    10.0.0.1/8 1;\n}"), 1),
        // ngx_http_geo_cidr_add: a node of the radix tree given a value again (`default` is a
        // node in both trees), and ngx_radix32tree_delete of a node holding none.
        ("geo duplicate network", in_http("geo $g {\n    default 0;\n    10.0.0.0/8 1;\n    10.0.0.0/8 2;\n}"), 1),
        ("geo duplicate default", in_http("geo $g {\n    default 0;\n    default 1;\n}"), 2),
        ("geo default after 0.0.0.0/0", in_http("geo $g {\n    0.0.0.0/0 a;\n    default b;\n}"), 1),
        ("geo duplicate host", in_http("geo $g {\n    10.0.0.1 a;\n    10.0.0.1/32 b;\n    ::1 c;\n    ::1/128 d;\n}"), 2),
        ("geo duplicate with host bits", in_http("geo $g {\n    10.0.0.0/8 1;\n    10.1.0.0/8 2;\n}"), 2),
        ("geo nothing to delete", in_http("geo $g {\n    10.0.0.0/8 a;\n    delete 10.0.0.0/9;\n    delete 10.0.0.0/8;\n    delete 10.0.0.0/8;\n}"), 2),
        // ngx_radix32tree_find names the most specific network holding the address as the old
        // value; the first six levels of the trees exist ahead, so a /6 deletes silently.
        ("geo old value of the most specific network", in_http("geo $g {\n    10.0.0.0/8 a;\n    10.0.0.0/16 b;\n    10.0.0.0/8 c;\n}"), 1),
        ("geo delete of a preallocated node", in_http("geo $g {\n    delete 8.0.0.0/6;\n    delete ::/6;\n    delete 8.0.0.0/5;\n    delete 10.0.0.0/7;\n}"), 2),
        ("geo delete of a /6 with a network under it", in_http("geo $g {\n    10.0.0.0/8 a;\n    delete 8.0.0.0/6;\n}"), 1),
        ("geo deleted then added", in_http("geo $g {\n    10.0.0.0/8 1;\n    delete 10.0.0.0/8;\n    10.0.0.0/8 2;\n    255.255.255.255 x;\n}"), 0),
        ("duplicate extension", in_http("types {\n    text/html html;\n    text/plain html;\n}"), 1),
        // One table per http, server or location block (`clcf->types`), shared by all its
        // `types` blocks (an included `mime.types` too); an inner block starts its own.
        ("duplicate extension across types blocks", in_server("types { text/a a; }\ntypes { text/b a b; }\ntypes { text/c B; }"), 2),
        // ngx_http_types_slot: each `*_types` list starts from `text/html` and warns of a type
        // given again (lowercased), in one line or the next; `*` ends the list.
        ("duplicate MIME type", in_http("gzip_types text/html;"), 1),
        ("duplicate MIME type over two lines", in_server("gzip_types text/css;\ngzip_types TEXT/CSS;"), 1),
        ("MIME types after the star", in_http("gzip_types text/css *;\ngzip_types text/html;"), 0),
        ("MIME types of other filters", in_location("ssi_types text/html;\nsub_filter_types text/html;\naddition_types text/html;\ncharset_types text/html text/plain text/xml;"), 4),
        ("same extension in nested blocks", in_http("types { text/a a; }\nserver {\n    listen 127.0.0.1:8080;\n    types { text/b a; }\n    location / { types { text/c a; } }\n}"), 0),
        ("send_lowat", in_http("send_lowat 0;"), 1),
        ("low address bits", in_location("allow 10.0.0.1/8;"), 1),
        ("balancing redefined", in_http("upstream u { ip_hash; hash $uri; server 127.0.0.1:9; }"), 1),
        // Before 1.29.7, `keepalive` sets the method nginx then sees redefined.
        ("method after keepalive", in_http("upstream u { server 127.0.0.1:9; keepalive 8; ip_hash; }"), 1),
        ("index absolute not last", in_location("index /a.html b.html;"), 1),
        ("ssl on deprecated", in_server("ssl on;\nssl_certificate {CRT};\nssl_certificate_key {KEY};"), 1),
        ("http2 obsolete", in_http("http2_idle_timeout 10s;"), 1),
    ]
}

#[test]
fn nginx_warnings_match() {
    let Some(nginx) = nginx() else {
        return missing("nginx", "nginx_warnings_match");
    };
    let crt = testdata().join("nginx_fidelity/dummy.crt");
    let key = testdata().join("nginx_fidelity/dummy.key");
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut count = 0;
    for (name, conf, expected) in warning_fixtures() {
        let conf = conf
            .replace("{CRT}", &crt.to_string_lossy())
            .replace("{KEY}", &key.to_string_lossy());
        let dir = write_case(&[("nginx.conf", conf.clone())]);
        let main = dir.path().join("nginx.conf");
        let theirs = nginx_warnings(&nginx, dir.path(), &main);
        let ours = ngxlint_warnings(&load(dir.path(), &main));
        if theirs.len() != expected {
            failures.push(format!(
                "case `{name}`: nginx gave {} warnings, the fixture expects {expected}: {theirs:?}",
                theirs.len()
            ));
        }
        // nginx logs the same line twice where one statement meets the same thing twice (geo's
        // `default` is a node of both radix trees); ngxlint reports it once.
        let mut theirs = theirs;
        theirs.dedup();
        if theirs != ours {
            failures.push(format!(
                "case `{name}`\n{conf}\nnginx:   {theirs:?}\nngxlint: {ours:?}"
            ));
        }
        compared += 1;
        count += theirs.len();
    }
    // The accepted corpus trees: every warning ngxlint gives, nginx gives.
    for tree in accepted_trees() {
        let dir = TempDir::new("warn");
        let main = render(tree, dir.path(), &mut |_, _| {});
        let theirs = nginx_warnings(&nginx, dir.path(), &main);
        let ours = ngxlint_warnings(&load(dir.path(), &main));
        for w in &ours {
            if !theirs.contains(w) {
                failures.push(format!(
                    "tree {}: ngxlint warns `{w}`, nginx does not ({theirs:?})",
                    tree.name
                ));
            }
        }
        compared += 1;
    }
    eprintln!("warnings: {compared} configurations compared, {count} fixture warnings");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// =============================================================================================
// Other versions (no oracle installed for them: the facts are nginx's source, cited)
// =============================================================================================

/// Loads `files` (the first is the main file) with the tables and checks of nginx `version`.
fn load_at(files: &[(&str, String)], version: (u32, u32, u32)) -> ngxlint_engine::Project {
    let dir = write_case(files);
    let mut opts = ngxlint_engine::Options::new(dir.path().to_path_buf());
    opts.directives = Directives::for_version(version);
    opts.stock_files = false;
    let main = dir.path().join(files[0].0);
    ngxlint_engine::Project::load(&[main], &opts).unwrap_or_else(|e| panic!("{e}"))
}

/// A mail block for the version tests: `auth_http` set, `body` its servers.
fn mail_at(body: &str) -> String {
    format!("events {{}}\nmail {{\nauth_http 127.0.0.1:9000;\n{body}\n}}\n")
}

/// Version-dependent handler facts: `server ... resolve`/`service=` (1.27.3,
/// `ngx_http_upstream_server` under `NGX_HTTP_UPSTREAM_ZONE`), `keepalive 0` and `local` and
/// `keepalive` no longer counting as a balancing method (1.29.7,
/// `ngx_http_upstream_keepalive`).
#[test]
fn checks_follow_the_configured_version() {
    const OLD: (u32, u32, u32) = (1, 22, 1);
    const NEW: (u32, u32, u32) = (1, 30, 4);
    let ups = |body: &str| {
        in_http(&format!(
            "resolver 127.0.0.1;\nupstream u {{ zone u 64k; {body} }}"
        ))
    };
    type Case<'a> = (String, (u32, u32, u32), Option<&'a str>);
    let cases: Vec<Case> = vec![
        (
            ups("server backend.test resolve;"),
            OLD,
            Some("invalid parameter \"resolve\""),
        ),
        (ups("server backend.test resolve;"), NEW, None),
        (ups("server backend.test service=http resolve;"), NEW, None),
        (
            ups("server backend.test service=http;"),
            NEW,
            Some("service upstream \"backend.test\" requires \"resolve\" parameter"),
        ),
        (
            ups("server backend.test:80 service=http resolve;"),
            NEW,
            Some("service upstream \"backend.test:80\" may not have port"),
        ),
        (
            ups("server 127.0.0.1 service=http resolve;"),
            NEW,
            Some("service upstream \"127.0.0.1\" requires domain name"),
        ),
        (
            ups("server backend.test service= resolve;"),
            NEW,
            Some("service is empty"),
        ),
        (
            ups("server 127.0.0.1:9; keepalive 0;"),
            OLD,
            Some("invalid value \"0\" in \"keepalive\" directive"),
        ),
        (ups("server 127.0.0.1:9; keepalive 0;"), NEW, None),
        (ups("server 127.0.0.1:9; keepalive 8 local;"), NEW, None),
        // `ipv4=` is a parameter from 1.23.1 (a host name before), which also refuses both
        // families off (ngx_resolver_create).
        (
            in_http("resolver 127.0.0.1 ipv4=off;"),
            OLD,
            Some("host not found in resolver \"ipv4=off\""),
        ),
        (in_http("resolver 127.0.0.1 ipv4=off;"), NEW, None),
        (
            in_http("resolver 127.0.0.1 ipv4=off ipv6=off;"),
            NEW,
            Some("\"ipv4\" and \"ipv6\" cannot both be \"off\""),
        ),
        (
            in_http("resolver 127.0.0.1 ipv4=yes;"),
            NEW,
            Some("invalid parameter: ipv4=yes"),
        ),
        // `volatile` in geo (1.29.3).
        (in_http("geo $g { volatile; default 0; }"), NEW, None),
        (
            in_http("geo $g { volatile; default 0; }"),
            OLD,
            Some("invalid number of the geo parameters"),
        ),
        // The mail module from 1.25.5 and 1.27.2 (Debian's object is 1.22.1's: loaded here as
        // the tables know it, without `load_module`).
        (
            mail_at("server { listen 127.0.0.1:143 foo; }"),
            NEW,
            Some("invalid parameter \"foo\""),
        ),
        (
            mail_at("server { listen 127.0.0.1:143 foo; }"),
            OLD,
            Some("the invalid \"foo\" parameter"),
        ),
        (
            mail_at("server { listen 127.0.0.1:993 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; ssl_verify_client on; ssl_trusted_certificate a.crt; }"),
            NEW,
            None,
        ),
        (
            mail_at("server { listen 127.0.0.1:993 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; ssl_verify_client on; }"),
            NEW,
            Some("no ssl_client_certificate or ssl_trusted_certificate for ssl_verify_client"),
        ),
        (
            mail_at("server { listen 127.0.0.1:993 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; ssl_verify_client on; ssl_trusted_certificate a.crt; }"),
            OLD,
            Some("no ssl_client_certificate for ssl_verify_client"),
        ),
    ];
    for (conf, v, want) in &cases {
        let project = load_at(&[("nginx.conf", conf.clone())], *v);
        let got = ngxlint_errors(&project)
            .first()
            .map(|(_, r)| r.message.clone());
        assert_eq!(got.as_deref(), *want, "{v:?}\n{conf}");
    }
    let after_keepalive = ups("server 127.0.0.1:9; keepalive 8; ip_hash;");
    let warned = |v| ngxlint_warnings(&load_at(&[("nginx.conf", after_keepalive.clone())], v));
    assert_eq!(warned(OLD).len(), 1);
    assert_eq!(warned(NEW).len(), 0);
}

/// The checks nginx makes once the whole configuration is read run for a complete
/// configuration only: a fragment with a top-level `http {}` may use what the configuration
/// including it defines, while a main file without `events` is refused.
#[test]
fn whole_configuration_checks_need_a_whole_configuration() {
    let fragment = "http {\n    server { location / { return 200 $defined_elsewhere; } }\n}\n";
    let project = load_at(&[("site.conf", fragment.to_string())], (1, 30, 4));
    assert_eq!(ngxlint_errors(&project).len(), 0);
    // Named nginx.conf it is the main file: nginx judges the variable when the http block
    // ends, then misses the events section.
    let project = load_at(&[("nginx.conf", fragment.to_string())], (1, 30, 4));
    let messages: Vec<String> = ngxlint_errors(&project)
        .into_iter()
        .map(|(_, r)| r.message)
        .collect();
    assert_eq!(
        messages,
        [
            "unknown \"defined_elsewhere\" variable",
            "no \"events\" section in configuration"
        ]
    );
    let with_events = format!("events {{}}\n{fragment}");
    let project = load_at(&[("main.conf", with_events)], (1, 30, 4));
    assert_eq!(
        ngxlint_errors(&project)
            .first()
            .map(|(_, r)| r.message.clone())
            .as_deref(),
        Some("unknown \"defined_elsewhere\" variable")
    );
}

/// A server with an `include` may be named by what it reads — a file outside the repository, one
/// a deploy writes — so it is not taken for a server without `server_name` (as stream servers
/// with an include are not asked for `listen`); without includes, unnamed servers on one address
/// are nginx's `conflicting server name ""`.
#[test]
fn included_names_get_the_benefit_of_the_doubt() {
    let warnings = |files: &[(&str, String)]| -> Vec<String> {
        ngxlint_warnings(&load_at(files, (1, 22, 1)))
            .into_iter()
            .map(|r| r.message)
            .collect()
    };
    let with_includes = "events {}\nhttp {\n    server { listen 127.0.0.1:8080; include names/a.conf; }\n    server { listen 127.0.0.1:8080; include names/b.conf; }\n}\n";
    let unread = warnings(&[
        ("nginx.conf", with_includes.to_string()),
        ("names/a.conf", "server_name a.test;\n".to_string()),
    ]);
    assert!(unread.is_empty(), "{unread:?}");
    // A glob that matches nothing in the repository (nginx reads nothing then: a deploy may
    // add the files).
    let globbed = "events {}\nhttp {\n    server { listen 127.0.0.1:8080; include sites/*.names; }\n    server { listen 127.0.0.1:8080; include sites/*.names; }\n}\n";
    let none = warnings(&[("nginx.conf", globbed.to_string())]);
    assert!(none.is_empty(), "{none:?}");
    let without = "events {}\nhttp {\n    server { listen 127.0.0.1:8080; }\n    server { listen 127.0.0.1:8080; }\n}\n";
    assert_eq!(
        warnings(&[("nginx.conf", without.to_string())]),
        ["conflicting server name \"\" on 127.0.0.1:8080, ignored"]
    );
}
