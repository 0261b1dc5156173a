//! nginx's generic setters (`ngx_conf_file.c`, `ngx_file.c`) and the post handlers used with them.

use nginx_syntax::values::{Post, Setter, ValueSpec};

use super::{cstr, show, Checker, Code, Here};
use crate::units::{parse_digits, parse_offset_bytes, parse_size_bytes, parse_time};

/// `NGX_MIN_POOL_SIZE` on 64-bit Linux: `sizeof(ngx_pool_t) + 2 * sizeof(ngx_pool_large_t)`
/// aligned to `NGX_POOL_ALIGNMENT`.
const MIN_POOL_SIZE: u64 = 112;
/// `NGX_POOL_ALIGNMENT`.
const POOL_ALIGNMENT: u64 = 16;

/// Checks a statement the way its generic setter reads it.
pub(super) fn check(c: &mut Checker, h: &Here<'_>, spec: &ValueSpec) {
    if spec.setter.refuses_duplicates() && spec.field != 0 {
        let f = c.frame();
        if f.fields.contains(&spec.field) {
            c.directive_error(Code::Duplicate, h, h.d.name.span, "is duplicate");
            return;
        }
        f.fields.push(spec.field);
    }
    let v = h.arg(0);
    // What the http, stream and mail blocks' ends check of certificates and client
    // certificates (`ssl_verify_client` and the CAs).
    let ssl_block = matches!(
        h.ctx,
        nginx_syntax::directives::Context::Http
            | nginx_syntax::directives::Context::HttpServer
            | nginx_syntax::directives::Context::Stream
            | nginx_syntax::directives::Context::StreamServer
            | nginx_syntax::directives::Context::Mail
            | nginx_syntax::directives::Context::MailServer
    );
    match spec.setter {
        Setter::Flag => {
            let on = flag_value(c, h, spec);
            if h.is("ssl_reject_handshake") {
                c.frame().block.reject = on;
            }
        }
        Setter::Str | Setter::StrArray | Setter::KeyVal => {
            if ssl_block && spec.setter == Setter::Str {
                let cc = &mut c.frame().block.client_certs;
                if h.is("ssl_client_certificate") {
                    cc.client = Some(true);
                } else if h.is("ssl_trusted_certificate") {
                    cc.trusted = Some(true);
                }
            }
            // The values nginx compiles when the block is merged: header values and
            // certificate paths with variables.
            let compiled = match spec.setter {
                Setter::KeyVal => h.is("proxy_set_header") || h.is("grpc_set_header"),
                Setter::StrArray => h.is("ssl_certificate") || h.is("ssl_certificate_key"),
                _ => false,
            };
            if compiled {
                let i = if spec.setter == Setter::KeyVal { 1 } else { 0 };
                if !c.uses(h, i, &h.arg(i), true) {
                    return;
                }
                if ssl_block {
                    let b = &mut c.frame().block;
                    if h.is("ssl_certificate") {
                        b.certs
                            .get_or_insert_with(Vec::new)
                            .push(h.arg(0).into_owned());
                    } else {
                        *b.keys.get_or_insert(0) += 1;
                    }
                }
            }
            post(c, h, spec, None)
        }
        Setter::Num => match parse_digits(&v) {
            Some(n) => post(c, h, spec, Some(n)),
            None => c.directive_error(Code::InvalidValue, h, h.span(0), "invalid number"),
        },
        Setter::Size => match parse_size_bytes(&v) {
            Some(n) => post(c, h, spec, Some(n)),
            None => c.directive_error(Code::InvalidValue, h, h.span(0), "invalid value"),
        },
        Setter::Off => {
            if parse_offset_bytes(&v).is_none() {
                c.directive_error(Code::InvalidValue, h, h.span(0), "invalid value");
            }
        }
        Setter::Msec | Setter::Sec => {
            if parse_time(&v, spec.setter == Setter::Sec).is_none() {
                c.directive_error(Code::InvalidValue, h, h.span(0), "invalid value");
            } else {
                post(c, h, spec, None);
            }
        }
        Setter::Bufs => {
            let n = parse_digits(&v);
            if n.is_none_or(|n| n == 0) {
                c.directive_error(Code::InvalidValue, h, h.span(0), "invalid value");
                return;
            }
            if parse_size_bytes(&h.arg(1)).is_none_or(|s| s == 0) {
                c.directive_error(Code::InvalidValue, h, h.span(1), "invalid value");
            }
        }
        Setter::Enum => {
            // Compared with the argument's full length, then as C strings.
            if !spec
                .value_names()
                .any(|n| n.len() == v.len() && cstr(&v).eq_ignore_ascii_case(n.as_bytes()))
            {
                let msg = format!("invalid value \"{}\"", show(cstr(&v)));
                c.report(Code::InvalidValue, h, h.span(0), msg);
            } else if ssl_block && h.is("ssl_verify_client") {
                // nginx's values in order: off, on, optional, optional_no_ca.
                let mode = ["off", "on", "optional", "optional_no_ca"]
                    .iter()
                    .position(|m| cstr(&v).eq_ignore_ascii_case(m.as_bytes()));
                if let Some(mode) = mode {
                    c.frame().block.client_certs.verify = Some((mode as u8, h.file, h.d.name.span));
                }
            }
        }
        Setter::Bitmask => bitmask(c, h, spec),
        Setter::Path => {
            // Levels: each a number from 1, together at most 10 digits of hashed names.
            let mut len = 0;
            for i in 1..h.nargs() {
                match parse_digits(&h.arg(i)) {
                    Some(l) if l > 0 => len += l + 1,
                    _ => {
                        c.directive_error(Code::InvalidValue, h, h.span(i), "invalid value");
                        return;
                    }
                }
            }
            let levels = h.nargs().saturating_sub(1) as u64;
            if len > 10 + levels {
                c.directive_error(Code::InvalidValue, h, h.span(1), "invalid value");
                return;
            }
            let levels: Vec<u64> = (1..h.nargs())
                .filter_map(|i| parse_digits(&h.arg(i)))
                .collect();
            c.add_path(h, &h.arg(0), false, levels);
        }
        Setter::Access => {
            for i in 0..h.nargs() {
                let a = h.arg(i);
                let b = cstr(&a);
                let right = b
                    .strip_prefix(b"user:")
                    .or_else(|| b.strip_prefix(b"group:"))
                    .or_else(|| b.strip_prefix(b"all:"));
                if !matches!(right, Some(b"rw") | Some(b"r")) {
                    let msg = format!("invalid value \"{}\"", show(&a));
                    c.report(Code::InvalidValue, h, h.span(i), msg);
                    return;
                }
            }
        }
        Setter::Handler(_) => {}
    }
}

/// `ngx_conf_set_flag_slot` as a module's handler calls it first (`ssl on`): true when the value
/// was taken and is `on`.
pub(super) fn flag(c: &mut Checker, h: &Here<'_>, spec: &ValueSpec) -> bool {
    let key = h.is("ssl");
    if key && !c.mark("ssl") {
        c.directive_error(Code::Duplicate, h, h.d.name.span, "is duplicate");
        return false;
    }
    flag_value(c, h, spec) == Some(true)
}

/// The value of a flag: `on` or `off`, case-insensitive; `None` after reporting anything else.
fn flag_value(c: &mut Checker, h: &Here<'_>, spec: &ValueSpec) -> Option<bool> {
    let v = h.arg(0);
    let b = cstr(&v);
    if !b.eq_ignore_ascii_case(b"on") && !b.eq_ignore_ascii_case(b"off") {
        let msg = format!(
            "invalid value \"{}\" in \"{}\" directive, it must be \"on\" or \"off\"",
            show(b),
            h.name()
        );
        c.report(Code::InvalidValue, h, h.span(0), msg);
        return None;
    }
    let on = b.eq_ignore_ascii_case(b"on");
    post(c, h, spec, Some(u64::from(on)));
    Some(on)
}

/// `ngx_conf_set_bitmask_slot`: every argument one of the names; a name given twice in the
/// block is a warning, not an error.
fn bitmask(c: &mut Checker, h: &Here<'_>, spec: &ValueSpec) {
    for i in 0..h.nargs() {
        let a = h.arg(i);
        let Some(name) = spec
            .value_names()
            .find(|n| n.len() == a.len() && cstr(&a).eq_ignore_ascii_case(n.as_bytes()))
        else {
            let msg = format!("invalid value \"{}\"", show(cstr(&a)));
            c.report(Code::InvalidValue, h, h.span(i), msg);
            return;
        };
        // Bits set in this block: by this statement or an earlier one writing the same field.
        let key = bit_key(spec.field, name);
        let f = c.frame();
        if f.bits.contains(&key) {
            let msg = format!("duplicate value \"{}\"", show(cstr(&a)));
            c.report(Code::Warning, h, h.span(i), msg);
        } else {
            f.bits.push(key);
        }
    }
}

/// One bit of a bitmask field, for the block's record.
fn bit_key(field: u16, name: &'static str) -> (u16, &'static str) {
    (field, name)
}

/// The post handler, given the value the setter stored (numbers and sizes).
fn post(c: &mut Checker, h: &Here<'_>, spec: &ValueSpec, n: Option<u64>) {
    match spec.post {
        Post::None => {}
        Post::Bounds { low, high } => {
            let Some(n) = n else { return };
            let n = n as i64;
            match high {
                None if n < low => {
                    let msg = format!("value must be equal to or greater than {low}");
                    c.report(Code::InvalidValue, h, h.span(0), msg);
                }
                Some(high) if n < low || n > high => {
                    let msg = format!("value must be between {low} and {high}");
                    c.report(Code::InvalidValue, h, h.span(0), msg);
                }
                _ => {}
            }
        }
        Post::Deprecated { old, new } => {
            let msg = format!(
                "the \"{old}\" directive is deprecated, use the \"{new}\" directive instead"
            );
            c.report(Code::Warning, h, h.d.name.span, msg);
        }
        Post::Handler(name) => post_handler(c, h, name, n),
    }
}

fn post_handler(c: &mut Checker, h: &Here<'_>, name: &str, n: Option<u64>) {
    match (name, n) {
        ("ngx_http_core_pool_size" | "ngx_http_v2_pool_size", Some(n)) => {
            if n < MIN_POOL_SIZE {
                let msg = format!("the pool size must be no less than {MIN_POOL_SIZE}");
                c.report(Code::InvalidValue, h, h.span(0), msg);
            } else if n % POOL_ALIGNMENT != 0 {
                let msg = format!("the pool size must be a multiple of {POOL_ALIGNMENT}");
                c.report(Code::InvalidValue, h, h.span(0), msg);
            }
        }
        ("ngx_http_gzip_window", Some(n)) if !(9..=15).any(|b| n == 1 << b) => {
            c.directive_error(
                Code::InvalidValue,
                h,
                h.span(0),
                "must be 512, 1k, 2k, 4k, 8k, 16k, or 32k",
            );
        }
        ("ngx_http_gzip_hash", Some(n)) if !(9..=17).any(|b| n == 1 << b) => {
            c.directive_error(
                Code::InvalidValue,
                h,
                h.span(0),
                "must be 512, 1k, 2k, 4k, 8k, 16k, 32k, 64k, or 128k",
            );
        }
        // NGX_HTTP_V2_STATE_BUFFER_SIZE
        ("ngx_http_v2_recv_buffer_size", Some(n)) if n <= 16 => {
            c.directive_error(Code::InvalidValue, h, h.span(0), "value is too small");
        }
        ("ngx_http_v2_preread_size", Some(n)) => {
            // NGX_HTTP_V2_MAX_WINDOW
            let max = (1u64 << 31) - 1;
            if n > max {
                let msg = format!("the maximum body preread buffer size is {max}");
                c.report(Code::InvalidValue, h, h.span(0), msg);
            }
        }
        ("ngx_http_v2_chunk_size", Some(0)) => {
            c.report(
                Code::InvalidValue,
                h,
                h.span(0),
                "the http2 chunk size cannot be zero",
            );
        }
        ("ngx_http_v2_streams_index_mask", Some(n)) if n == 0 || n & (n - 1) != 0 => {
            c.directive_error(Code::InvalidValue, h, h.span(0), "must be a power of two");
        }
        // Linux has no SO_SNDLOWAT: nginx ignores the value with a warning, whatever it is.
        (
            "ngx_http_core_lowat_check"
            | "ngx_http_proxy_lowat_check"
            | "ngx_http_fastcgi_lowat_check"
            | "ngx_http_tunnel_lowat_check",
            _,
        ) => {
            let msg = format!("\"{}\" is not supported, ignored", h.name());
            c.report(Code::Warning, h, h.d.name.span, msg);
        }
        _ => {}
    }
}
