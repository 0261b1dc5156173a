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
use std::path::Path;

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
    ]
}

#[test]
fn handler_fixtures_agree_with_nginx() {
    let Some(nginx) = nginx() else {
        return missing("nginx", "handler_fixtures_agree_with_nginx");
    };
    let cases = fixtures();
    let mut agree = 0;
    let mut failures = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (name, conf) in &cases {
        assert!(names.insert(*name), "duplicate case name {name}");
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
