//! Any bytes as an nginx config and a PHP-FPM pool (split at the first `0x1e` byte), read as an
//! editor's buffers not saved yet: the check and the language server's run must not panic, every
//! span must lie inside its file, and the machine-readable reports must be JSON.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ngxlint_cli::config::{Config, RuleConfig};
use ngxlint_cli::{lint, lsp, render, ReadArgs};
use serde_json::json;

/// An empty folder, the project's root: the files exist only as buffers, nothing is written.
fn root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("ngxlint-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::canonicalize(&d).unwrap()
    })
}

/// Every rule on, with the options that widen what the rules look at.
fn config() -> Config {
    let mut cfg = Config::default();
    for (name, opts) in [
        ("fpm-pool-capacity", &[("host_memory", "4g"), ("worker_memory", "64m")][..]),
        ("fastcgi-listen-mismatch", &[("check_remote", "true")][..]),
        ("upstream-without-backup", &[("note_single_server", "true")][..]),
        ("unknown-upstream-host", &[("report_unmatched", "true")][..]),
        ("proxy-ssl-verify-without-ca", &[("require_verify", "true")][..]),
    ] {
        cfg.rules.insert(
            name.to_string(),
            RuleConfig {
                options: opts.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                ..RuleConfig::default()
            },
        );
    }
    cfg.worker_user = Some("www-data".into());
    cfg
}

fuzz_target!(|data: &[u8]| {
    let (nginx, fpm) = match data.iter().position(|&b| b == 0x1e) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let root = root();
    let files = [
        (root.join("nginx.conf"), nginx.to_vec()),
        (root.join("pool.d/www.conf"), fpm.to_vec()),
    ];
    let read = ReadArgs::from_args(["--root".as_ref(), root.as_os_str()]).unwrap();
    let cfg = config();
    let (project, mut diags) =
        lint(&read, &cfg, std::slice::from_ref(root), false, files.to_vec(), None).unwrap();
    for d in &diags {
        let len = project.files.get(d.file).bytes.len() as u32;
        assert!(d.span.start <= d.span.end && d.span.end <= len, "{d:?}");
    }
    render::sort_for_display(&project.files, &mut diags);
    let mut sink = Vec::new();
    render::concise(&project.files, &diags, &mut sink).unwrap();
    render::github(&project.files, &diags, &mut sink).unwrap();
    let opts = render::PrettyOptions { color: true, links: true, width: 80 };
    render::pretty(&project.files, &diags, opts, &mut sink).unwrap();
    let infos = ngxlint_cli::rule_infos(&ngxlint_rules::all());
    for which in 0..3 {
        let mut buf = Vec::new();
        match which {
            0 => render::json(&project.files, &diags, &mut buf).unwrap(),
            1 => render::gitlab(&project.files, &diags, &mut buf).unwrap(),
            _ => render::sarif(&project.files, &diags, &infos, &mut buf).unwrap(),
        }
        serde_json::from_slice::<serde_json::Value>(&buf).unwrap();
    }
    let mut server = lsp::Server::new(&json!({"rootUri": lsp::path_to_uri(root)}));
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        let open = lsp_server::Notification::new(
            "textDocument/didOpen".into(),
            json!({"textDocument": {"uri": lsp::path_to_uri(path), "languageId": "nginx", "version": 1, "text": text}}),
        );
        server.notification(&open);
    }
    let (notes, _) = server.lint(&read);
    assert!(notes.iter().all(|n| n.method == "textDocument/publishDiagnostics"), "{notes:?}");
});
