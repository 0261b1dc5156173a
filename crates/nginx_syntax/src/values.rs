//! What each directive's handler does with its arguments, as nginx declares it in its command
//! tables: the setter (`ngx_conf_set_flag_slot`, `…_size_slot`, …, or a module's own function),
//! the configuration structure it writes (which decides what "duplicate" means), the values of an
//! enum or bitmask, and the post handler (bounds, deprecation, …), per nginx version.
//!
//! The facts are in `data/nginx-values.tsv` (see `data/README.md`): one row per directive entry and
//! range of versions in which they are the same, read from every release tag from 1.18.0 to
//! 1.31.4. The checks themselves live with the caller (`ngxlint_engine`).

use std::sync::OnceLock;

use crate::directives::{split_ascii, FxMap};

/// An nginx version, `(major, minor, patch)`.
pub type Version = (u32, u32, u32);

/// The oldest version the tables were read from; older versions are treated as this one.
pub const OLDEST: Version = (1, 18, 0);

/// The version the built-in directive table is (`data/nginx-directives.tsv`).
pub const BUILTIN_VERSION: Version = (1, 30, 4);

/// How a directive's handler reads its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Setter {
    /// `ngx_conf_set_flag_slot`: `on` or `off`, case-insensitive.
    Flag,
    /// `ngx_conf_set_str_slot`: one string, once.
    Str,
    /// `ngx_conf_set_str_array_slot`: strings, repeatable.
    StrArray,
    /// `ngx_conf_set_keyval_slot`: key and value, repeatable.
    KeyVal,
    /// `ngx_conf_set_num_slot`: `ngx_atoi`.
    Num,
    /// `ngx_conf_set_size_slot`: `ngx_parse_size` (k, m).
    Size,
    /// `ngx_conf_set_off_slot`: `ngx_parse_offset` (k, m, g).
    Off,
    /// `ngx_conf_set_msec_slot`: `ngx_parse_time` in milliseconds.
    Msec,
    /// `ngx_conf_set_sec_slot`: `ngx_parse_time` in seconds.
    Sec,
    /// `ngx_conf_set_bufs_slot`: a count and a size.
    Bufs,
    /// `ngx_conf_set_enum_slot`: one of a list, case-insensitive.
    Enum,
    /// `ngx_conf_set_bitmask_slot`: any of a list, case-insensitive.
    Bitmask,
    /// `ngx_conf_set_path_slot`: a path and hash levels.
    Path,
    /// `ngx_conf_set_access_slot`: `user:rw`, `group:r`, `all:r`.
    Access,
    /// A module's own handler, by its C name (`ngx_http_core_listen`).
    Handler(&'static str),
}

impl Setter {
    /// True for the generic setters that refuse a second value in the same block
    /// (`"x" directive is duplicate`).
    pub fn refuses_duplicates(self) -> bool {
        matches!(
            self,
            Setter::Flag
                | Setter::Str
                | Setter::Num
                | Setter::Size
                | Setter::Off
                | Setter::Msec
                | Setter::Sec
                | Setter::Bufs
                | Setter::Enum
                | Setter::Path
                | Setter::Access
        )
    }
}

/// The post handler of a generic setter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Post {
    /// None.
    None,
    /// `ngx_conf_check_num_bounds`: `high` is `None` for "no upper bound" (nginx's -1).
    Bounds {
        /// Lowest accepted value.
        low: i64,
        /// Highest accepted value.
        high: Option<i64>,
    },
    /// `ngx_conf_deprecated` (or an obsolete handler's names): a warning naming the replacement.
    Deprecated {
        /// The directive's name as the warning gives it.
        old: &'static str,
        /// What to use instead.
        new: &'static str,
    },
    /// Another post handler, by its C name (`ngx_http_core_pool_size`).
    Handler(&'static str),
}

/// Which configuration structure of its module a directive writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Conf {
    /// The core, event or module-wide structure (no conf offset).
    Direct,
    /// `NGX_*_MAIN_CONF_OFFSET`.
    Main,
    /// `NGX_*_SRV_CONF_OFFSET`.
    Srv,
    /// `NGX_*_LOC_CONF_OFFSET`.
    Loc,
}

/// What the handler of one command entry does with its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueSpec {
    /// The setter.
    pub setter: Setter,
    /// The structure written.
    pub conf: Conf,
    /// The field written, interned: two entries with the same id write the same field of the
    /// same module's structure (nginx's `proxy_buffer_size` and the deprecated
    /// `proxy_upstream_buffer` in stream). 0 when the command table names no field (a module's
    /// own handler that finds its field itself).
    pub field: u16,
    /// The names of an enum's or a bitmask's values, comma-separated, in nginx's order.
    pub values: &'static str,
    /// The post handler.
    pub post: Post,
    /// For a module's own handler, its index in [`handler_names`] (callers resolve a handler
    /// once, not once per statement); 0 for the generic setters.
    pub handler: u16,
}

impl ValueSpec {
    /// The enum's or bitmask's value names.
    pub fn value_names(&self) -> impl Iterator<Item = &'static str> {
        self.values.split(',').filter(|v| !v.is_empty())
    }
}

/// One row of `data/nginx-values.tsv`.
#[derive(Clone, Debug)]
pub struct ValueRow {
    /// Directive name.
    pub name: &'static str,
    /// Owning module.
    pub module: &'static str,
    /// First version with these facts.
    pub since: Version,
    /// First version without them (`None`: still so in the newest release read).
    pub until: Option<Version>,
    /// Context macros, `|`-joined, as in `nginx-directives.tsv`.
    pub contexts: &'static str,
    /// Argument macros, `|`-joined.
    pub args: &'static str,
    /// Whether it opens a block.
    pub block: bool,
    /// The setter facts.
    pub spec: ValueSpec,
}

impl ValueRow {
    /// True when the row describes nginx `v` (versions before [`OLDEST`] count as [`OLDEST`]).
    pub fn active(&self, v: Version) -> bool {
        let v = v.max(OLDEST);
        self.since.max(OLDEST) <= v && self.until.is_none_or(|u| v < u)
    }
}

const VALUES_TSV: &str = include_str!("../data/nginx-values.tsv");

/// Every row of the values table, parsed once.
pub fn rows() -> &'static [ValueRow] {
    &table().0
}

/// The handler names of the table; index 0 is the generic setters' (empty).
pub fn handler_names() -> &'static [&'static str] {
    &table().1
}

fn table() -> &'static (Vec<ValueRow>, Vec<&'static str>) {
    static TABLE: OnceLock<(Vec<ValueRow>, Vec<&'static str>)> = OnceLock::new();
    TABLE.get_or_init(|| {
        parse(VALUES_TSV).expect("embedded data/nginx-values.tsv parses (pinned by a test)")
    })
}

/// The row describing (`name`, `module`) in nginx `v`.
pub fn lookup(name: &str, module: &str, v: Version) -> Option<&'static ValueRow> {
    type Index = FxMap<(&'static str, &'static str), Vec<usize>>;
    static INDEX: OnceLock<Index> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut m = Index::default();
        for (i, r) in rows().iter().enumerate() {
            m.entry((r.name, r.module)).or_default().push(i);
        }
        m
    });
    let all = rows();
    index
        .get(&(name, module))?
        .iter()
        .map(|&i| &all[i])
        .find(|r| r.active(v))
}

/// Reads `X.Y.Z`.
pub fn parse_version(s: &str) -> Option<Version> {
    let mut it = split_ascii(s.trim(), b'.').map(|p| p.parse::<u32>().ok());
    let v = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some(v)
}

type Parsed = (Vec<ValueRow>, Vec<&'static str>);

fn parse(text: &'static str) -> Result<Parsed, String> {
    let mut fields: FxMap<(&str, &str), u16> = FxMap::default();
    let mut handlers: FxMap<&'static str, u16> = FxMap::default();
    let mut names: Vec<&'static str> = vec![""];
    let mut out = Vec::new();
    for (i, line) in split_ascii(text, b'\n').enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let err = |what: &str| format!("nginx-values.tsv line {}: {what}", i + 1);
        let mut cols = [""; 13];
        let mut n = 0;
        for c in split_ascii(line, b'\t') {
            if n == cols.len() {
                return Err(err("expected 13 tab-separated columns"));
            }
            cols[n] = c;
            n += 1;
        }
        if n != cols.len() {
            return Err(err("expected 13 tab-separated columns"));
        }
        let [name, module, since, until, contexts, args, block, setter, conf, field, values, post, _source] =
            cols;
        let since = parse_version(since).ok_or_else(|| err("bad since"))?;
        let until = match until {
            "-" => None,
            u => Some(parse_version(u).ok_or_else(|| err("bad until"))?),
        };
        let setter = match setter {
            "flag" => Setter::Flag,
            "str" => Setter::Str,
            "str_array" => Setter::StrArray,
            "keyval" => Setter::KeyVal,
            "num" => Setter::Num,
            "size" => Setter::Size,
            "off" => Setter::Off,
            "msec" => Setter::Msec,
            "sec" => Setter::Sec,
            "bufs" => Setter::Bufs,
            "enum" => Setter::Enum,
            "bitmask" => Setter::Bitmask,
            "path" => Setter::Path,
            "access" => Setter::Access,
            h if h.starts_with("ngx_") => Setter::Handler(h),
            _ => return Err(err("unknown setter")),
        };
        let conf = match conf {
            "-" => Conf::Direct,
            "main" => Conf::Main,
            "srv" => Conf::Srv,
            "loc" => Conf::Loc,
            _ => return Err(err("unknown conf")),
        };
        let field = match field {
            "-" => 0,
            f => {
                let next = fields.len() as u16 + 1;
                *fields.entry((module, f)).or_insert(next)
            }
        };
        let mut parts = post.splitn(3, ':');
        let post = match (parts.next(), parts.next(), parts.next()) {
            (Some("-"), None, None) => Post::None,
            (Some("bounds"), Some(low), Some(high)) => Post::Bounds {
                low: low.parse().map_err(|_| err("bad bound"))?,
                high: match high.parse::<i64>().map_err(|_| err("bad bound"))? {
                    -1 => None,
                    h => Some(h),
                },
            },
            (Some("deprecated"), Some(old), Some(new)) => Post::Deprecated { old, new },
            (Some("post"), Some(h), None) => Post::Handler(h),
            _ => return Err(err("unknown post")),
        };
        let values = if values == "-" { "" } else { values };
        let handler = match setter {
            Setter::Handler(h) => *handlers.entry(h).or_insert_with(|| {
                names.push(h);
                names.len() as u16 - 1
            }),
            _ => 0,
        };
        let block = match block {
            "yes" => true,
            "no" => false,
            _ => return Err(err("block must be yes or no")),
        };
        out.push(ValueRow {
            name,
            module,
            since,
            until,
            contexts,
            args,
            block,
            spec: ValueSpec {
                setter,
                conf,
                field,
                values,
                post,
                handler,
            },
        });
    }
    Ok((out, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_covers_every_version() {
        let rows = rows();
        assert_eq!(rows.len(), 823);
        // Every entry of the built-in (1.30.4) table has exactly one row active in 1.30.4.
        let active: Vec<_> = rows.iter().filter(|r| r.active(BUILTIN_VERSION)).collect();
        assert_eq!(active.len(), 754);
        let sendfile = lookup("sendfile", "ngx_http_core_module", (1, 22, 1)).unwrap();
        assert_eq!(sendfile.spec.setter, Setter::Flag);
        assert_eq!(sendfile.spec.conf, Conf::Loc);
        let gz = lookup("gzip_comp_level", "ngx_http_gzip_filter_module", (1, 22, 1)).unwrap();
        assert_eq!(
            gz.spec.post,
            Post::Bounds {
                low: 1,
                high: Some(9)
            }
        );
        let v = lookup("proxy_http_version", "ngx_http_proxy_module", (1, 22, 1)).unwrap();
        assert_eq!(v.spec.value_names().collect::<Vec<_>>(), ["1.0", "1.1"]);
        let v = lookup("proxy_http_version", "ngx_http_proxy_module", (1, 30, 4)).unwrap();
        assert_eq!(
            v.spec.value_names().collect::<Vec<_>>(),
            ["1.0", "1.1", "2"]
        );
        // Removed in 1.25.1, present before.
        assert!(lookup("ssl", "ngx_http_ssl_module", (1, 22, 1)).is_some());
        assert!(lookup("ssl", "ngx_http_ssl_module", (1, 25, 1)).is_none());
        // Added in 1.25.1.
        assert!(lookup("http2", "ngx_http_v2_module", (1, 22, 1)).is_none());
        assert!(lookup("http2", "ngx_http_v2_module", (1, 25, 1)).is_some());
        // Older than the oldest tag read: treated as it.
        assert!(lookup("sendfile", "ngx_http_core_module", (1, 14, 0)).is_some());
        // A shared field: stream's deprecated proxy_upstream_buffer writes proxy_buffer_size.
        let a = lookup("proxy_buffer_size", "ngx_stream_proxy_module", (1, 22, 1)).unwrap();
        let b = lookup(
            "proxy_upstream_buffer",
            "ngx_stream_proxy_module",
            (1, 22, 1),
        )
        .unwrap();
        assert_eq!(a.spec.field, b.spec.field);
        assert_ne!(a.spec.field, 0);
        let c = lookup("proxy_buffer_size", "ngx_http_proxy_module", (1, 22, 1)).unwrap();
        assert_ne!(a.spec.field, c.spec.field);
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("1.22.1"), Some((1, 22, 1)));
        assert_eq!(parse_version("1.22"), None);
        assert_eq!(parse_version("1.22.1.4"), None);
        assert_eq!(parse_version("x"), None);
    }
}

/// One built-in variable of nginx's modules (`data/nginx-variables.tsv`).
#[derive(Clone, Debug)]
pub struct VarRow {
    /// The name without `$`; for a prefix family (`http_`), the prefix.
    pub name: &'static str,
    /// `http` or `stream`.
    pub subsystem: &'static str,
    /// The module that adds it.
    pub module: &'static str,
    /// First version with it.
    pub since: Version,
    /// First version without it.
    pub until: Option<Version>,
    /// A prefix family (`NGX_HTTP_VAR_PREFIX`): every name starting with it is known.
    pub prefix: bool,
    /// `NGX_HTTP_VAR_CHANGEABLE`: `set` and `map` may define it again.
    pub changeable: bool,
}

impl VarRow {
    /// True in nginx `v`.
    pub fn active(&self, v: Version) -> bool {
        let v = v.max(OLDEST);
        self.since.max(OLDEST) <= v && self.until.is_none_or(|u| v < u)
    }
}

const VARIABLES_TSV: &str = include_str!("../data/nginx-variables.tsv");

/// Every built-in variable of every version, parsed once.
pub fn variables() -> &'static [VarRow] {
    static ROWS: OnceLock<Vec<VarRow>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let mut out = Vec::new();
        for line in split_ascii(VARIABLES_TSV, b'\n').skip(1) {
            let cols: Vec<&'static str> = split_ascii(line, b'\t').collect();
            let [name, subsystem, module, since, until, flags, _source] = cols[..] else {
                continue;
            };
            let (Some(since), until) = (parse_version(since), parse_version(until)) else {
                continue;
            };
            out.push(VarRow {
                name,
                subsystem,
                module,
                since,
                until,
                prefix: split_ascii(flags, b'|').any(|f| f == "prefix"),
                changeable: split_ascii(flags, b'|').any(|f| f == "changeable"),
            });
        }
        out
    })
}

#[cfg(test)]
mod variable_tests {
    use super::*;

    #[test]
    fn variables_table() {
        let all = variables();
        assert_eq!(all.len(), 243);
        let known = |n: &str, v: Version| {
            all.iter()
                .any(|r| r.subsystem == "http" && r.name == n && r.active(v))
        };
        assert!(known("host", (1, 22, 1)));
        assert!(known("upstream_http_", (1, 22, 1)));
        assert!(known("invalid_referer", (1, 22, 1)));
        assert!(!known("request_port", (1, 22, 1)));
        assert!(known("request_port", (1, 30, 4)));
        assert!(all
            .iter()
            .any(|r| r.name == "arg_" && r.prefix && r.subsystem == "http"));
        assert!(all
            .iter()
            .any(|r| r.name == "args" && r.changeable && r.subsystem == "http"));
    }
}
