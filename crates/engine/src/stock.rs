//! nginx's stock include files, read when a tree includes one that it does not hold
//! (the server or image provides them). Sources in `stock/README.md`.

use std::path::Path;

/// `(path suffix, contents)`; the suffix is matched against the end of the include path.
const STOCK: &[(&str, &str)] = &[
    ("fastcgi.conf", include_str!("../stock/fastcgi.conf")),
    ("fastcgi_params", include_str!("../stock/fastcgi_params")),
    ("mime.types", include_str!("../stock/mime.types")),
    ("scgi_params", include_str!("../stock/scgi_params")),
    ("uwsgi_params", include_str!("../stock/uwsgi_params")),
    ("koi-utf", include_str!("../stock/koi-utf")),
    ("koi-win", include_str!("../stock/koi-win")),
    ("win-utf", include_str!("../stock/win-utf")),
    ("proxy_params", include_str!("../stock/proxy_params")),
    (
        "snippets/fastcgi-php.conf",
        include_str!("../stock/fastcgi-php.conf"),
    ),
];

/// The stock file an include path names, as (display name, bytes).
pub fn lookup(path: &Path) -> Option<(&'static str, &'static [u8])> {
    STOCK
        .iter()
        .find(|(suffix, _)| path.ends_with(suffix))
        .map(|(s, c)| (*s, c.as_bytes()))
}
