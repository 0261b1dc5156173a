//! The complete nginx trees of the copied corpus, as deployed (shared by the differential tests).

use super::Tree;

/// Every complete tree of the corpus: the 17 main configs with `events {}` (corpus README), plus
/// two h5bp variants that enable the site files its own test harness and templates enable.
/// `excluded` says why nginx -t cannot accept a tree on this host and the message it fails with;
/// the differential test checks that this is still nginx's answer, so an exclusion cannot go stale.
pub const TREES: &[Tree] = &[
    Tree {
        name: "h5bp",
        layers: &[("h5bp__server-configs-nginx", "")],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        // The repository's `conf.d/templates/example.com.conf` enabled: TLS, every h5bp snippet.
        name: "h5bp-tls-template",
        layers: &[("h5bp__server-configs-nginx", "")],
        copies: &[("conf.d/templates/example.com.conf", "conf.d/example.com.conf")],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        // The repository's test harness: `test/vhosts/*` replace the default site in `conf.d/`.
        name: "h5bp-test-vhosts",
        layers: &[("h5bp__server-configs-nginx", "")],
        copies: &[
            ("test/vhosts/default.conf", "conf.d/default.conf"),
            ("test/vhosts/secure.server.localhost.conf", "conf.d/secure.server.localhost.conf"),
            ("test/vhosts/server.localhost.conf", "conf.d/server.localhost.conf"),
            ("test/vhosts/www-server.localhost.conf", "conf.d/www-server.localhost.conf"),
        ],
        synthesized: &[],
        removed: &["conf.d/no-ssl.default.conf"],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        name: "nginx-stock",
        layers: &[("nginx__nginx/conf", "")],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        // The image's nginx package provides `mime.types` and `fastcgi_params`; stock ones stand in.
        name: "trafex",
        layers: &[
            ("TrafeX__docker-php-nginx/config", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
            ("nginx__nginx/conf/fastcgi_params", "fastcgi_params"),
        ],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        name: "oerdnj-debian",
        layers: &[("oerdnj__nginx/debian/conf", "")],
        // The package enables the default site.
        copies: &[("sites-available/default", "sites-enabled/default")],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        // `provisioning/nginx/general` is installed as /opt/docker/etc/nginx, the distro overlay
        // as /etc/nginx; the image links main.conf into conf.d (synthesized as an include), and the
        // entrypoint fills the <PLACEHOLDERS> with sed (values: the image's documented defaults).
        name: "webdevops-alpine",
        layers: &[
            ("webdevops__Dockerfile/provisioning/nginx/alpine/etc/nginx", ""),
            ("webdevops__Dockerfile/provisioning/nginx/general/etc/nginx", "opt/docker/etc/nginx"),
            ("nginx__nginx/conf/mime.types", "mime.types"),
            ("nginx__nginx/conf/fastcgi_params", "fastcgi_params"),
        ],
        copies: &[],
        synthesized: &[("conf.d/10-docker.conf", "include /opt/docker/etc/nginx/main.conf;\n")],
        removed: &[],
        replace: WEBDEVOPS_PLACEHOLDERS,
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        name: "webdevops-centos",
        layers: &[
            ("webdevops__Dockerfile/provisioning/nginx/centos/etc/nginx", ""),
            ("webdevops__Dockerfile/provisioning/nginx/general/etc/nginx", "opt/docker/etc/nginx"),
            ("nginx__nginx/conf/mime.types", "mime.types"),
            ("nginx__nginx/conf/fastcgi_params", "fastcgi_params"),
        ],
        copies: &[],
        synthesized: &[("conf.d/10-docker.conf", "include /opt/docker/etc/nginx/main.conf;\n")],
        removed: &[],
        replace: WEBDEVOPS_PLACEHOLDERS,
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        // The image copies default.conf into conf.d; `phpfpm` is a docker-compose service name, and
        // the image_filter module is loaded but unused (Debian ships it as a separate package).
        name: "magento-1.18",
        layers: &[
            ("markshust__docker-magento/images/nginx/1.18/conf", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
            ("nginx__nginx/conf/fastcgi_params", "fastcgi_params"),
        ],
        copies: &[("default.conf", "conf.d/default.conf")],
        synthesized: &[],
        removed: &[],
        replace: MAGENTO_FIXES,
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        name: "magento-1.24",
        layers: &[
            ("markshust__docker-magento/images/nginx/1.24/conf", ""),
            ("markshust__docker-magento/images/nginx/1.18/conf/default.conf", "conf.d/default.conf"),
            ("nginx__nginx/conf/mime.types", "mime.types"),
            ("nginx__nginx/conf/fastcgi_params", "fastcgi_params"),
        ],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: MAGENTO_FIXES,
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        // The Dockerfile copies default.conf into conf.d.
        name: "swarm-phpfpm",
        layers: &[
            ("nginxinc__NGINX-Demos/nginx-swarm-demo/phpfpmbase", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
            ("nginx__nginx/conf/fastcgi_params", "fastcgi_params"),
        ],
        copies: &[("default.conf", "conf.d/default.conf")],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: None,
    },
    Tree {
        name: "trimstray",
        layers: &[("trimstray__nginx-admins-handbook/lib/nginx", "")],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some((
            "needs the third-party headers-more module (and set-misc), which Debian's nginx lacks",
            "unknown directive \"more_set_headers\"",
        )),
    },
    Tree {
        name: "swarm-nginxplus",
        layers: &[
            ("nginxinc__NGINX-Demos/nginx-swarm-demo/nginxplus", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
        ],
        copies: &[("backend.conf", "conf.d/backend.conf")],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some(("NGINX Plus only (`resolve`, `health_check`, `match`)", "invalid parameter \"resolve\"")),
    },
    Tree {
        name: "fun-with-health-checks",
        layers: &[
            ("nginxinc__NGINX-Demos/fun-with-health-checks/nginxplus/config", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
        ],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some((
            "NGINX Plus only, and its resolver `consul` exists only in the demo's network",
            "host not found in resolver \"consul:53\"",
        )),
    },
    Tree {
        name: "redis-demo",
        layers: &[
            ("nginxinc__NGINX-Demos/redis-demo/nginxplus", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
        ],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some(("NGINX Plus with the njs stream module", "dlopen() \"")),
    },
    Tree {
        name: "mysql-galera-demo",
        layers: &[("nginxinc__NGINX-Demos/mysql-galera-demo/nginxplus/conf", "")],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some(("NGINX Plus only (`status`)", "unknown directive \"status\"")),
    },
    Tree {
        name: "random-files",
        layers: &[("nginxinc__NGINX-Demos/random-files", "")],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some(("NGINX Plus only (`queue`)", "unknown directive \"queue\"")),
    },
    Tree {
        name: "docker-nginx-modules",
        layers: &[
            ("nginxinc__docker-nginx/.test/tests/modules", ""),
            ("nginx__nginx/conf/mime.types", "mime.types"),
        ],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf.sme",
        excluded: Some(("loads third-party dynamic modules (ndk, echo, set-misc)", "dlopen() \"")),
    },
    Tree {
        name: "s3-gateway",
        layers: &[("nginxinc__nginx-s3-gateway/common/etc/nginx", "")],
        copies: &[],
        synthesized: &[],
        removed: &[],
        replace: &[],
        main: "nginx.conf",
        excluded: Some((
            "loads njs and xslt dynamic modules; its conf.d is rendered from templates by envsubst at start-up",
            "dlopen() \"",
        )),
    },
];

const WEBDEVOPS_PLACEHOLDERS: &[(&str, &str)] = &[
    ("<PHP_SOCKET>", "127.0.0.1:9000"),
    ("<ALIAS_DOMAIN>", "*.vm"),
    ("<DOCUMENT_ROOT>", "/app"),
    ("<DOCUMENT_INDEX>", "index.php"),
    ("<PHP_TIMEOUT>", "600"),
    ("<SERVICE_NGINX_CLIENT_MAX_BODY_SIZE>", "50m"),
];

const MAGENTO_FIXES: &[(&str, &str)] = &[
    (
        "load_module /etc/nginx/modules/ngx_http_image_filter_module.so;",
        "# image_filter: not installed, not used",
    ),
    ("http://phpfpm:", "http://127.0.0.1:"),
];

pub fn tree_named(name: &str) -> &'static Tree {
    TREES
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tree {name}"))
}

pub fn accepted_trees() -> impl Iterator<Item = &'static Tree> {
    TREES.iter().filter(|t| t.excluded.is_none())
}
