//! The pre-commit hooks, run by the real `pre-commit try-repo` against a sample config repository:
//! once clean, once with a bad change. The `language: system` hook uses the binary under test; the
//! `language: rust` hook is built by pre-commit itself (`cargo install --path .`), as users get it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn sh(dir: &Path, cmd: &str, args: &[&str], path: &str, home: &Path) -> Output {
    Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
        .env("PRE_COMMIT_COLOR", "never")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A small config repository: nginx/ and php/ with a consistent pair.
fn sample(dir: &Path) {
    let w = |rel: &str, body: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    };
    w(
        "nginx/nginx.conf",
        "user www-data;\nevents {}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n",
    );
    w("nginx/conf.d/app.conf", "server {\n    listen 80;\n    root /srv/app;\n    location / {\n        return 204;\n    }\n}\n");
    w("php/fpm/pool.d/www.conf", "[www]\nuser = www-data\ngroup = www-data\nlisten = /run/php/php8.2-fpm.sock\nlisten.owner = www-data\nlisten.group = www-data\npm = static\npm.max_children = 4\n");
    w("README.md", "not a config\n");
}

#[test]
fn pre_commit_try_repo_clean_then_bad() {
    if !have("pre-commit") || !have("git") {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: pre-commit and git must be installed (pip install pre-commit)"
        );
        eprintln!("skipped: pre-commit or git missing");
        return;
    }
    let hook_repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tmp = Tmp(std::env::temp_dir().join(format!("ngxlint-precommit-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&tmp.0);
    let repo = tmp.0.join("configs");
    let home = tmp.0.join("cache");
    std::fs::create_dir_all(&repo).unwrap();
    sample(&repo);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_ngxlint"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let hook = hook_repo.to_string_lossy().into_owned();
    assert!(sh(&repo, "git", &["init", "-q"], &path, &home)
        .status
        .success());
    assert!(sh(&repo, "git", &["add", "."], &path, &home)
        .status
        .success());
    assert!(
        sh(&repo, "git", &["commit", "-qm", "configs"], &path, &home)
            .status
            .success()
    );

    // Clean.
    let o = sh(
        &repo,
        "pre-commit",
        &["try-repo", &hook, "ngxlint-system", "--all-files"],
        &path,
        &home,
    );
    assert!(o.status.success(), "clean repository fails:\n{}", text(&o));
    assert!(text(&o).contains("Passed"), "{}", text(&o));

    // A bad change, staged: a typo in a site file. Only the changed file is passed, yet the hook
    // reads the whole repository (the include from nginx.conf gives the site its context).
    std::fs::write(repo.join("nginx/conf.d/app.conf"), "server {\n    listen 80;\n    root /srv/app;\n    location / {\n        retrun 204;\n    }\n}\n").unwrap();
    assert!(sh(
        &repo,
        "git",
        &["add", "nginx/conf.d/app.conf"],
        &path,
        &home
    )
    .status
    .success());
    let o = sh(
        &repo,
        "pre-commit",
        &[
            "try-repo",
            &hook,
            "ngxlint-system",
            "--files",
            "nginx/conf.d/app.conf",
        ],
        &path,
        &home,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o)
            .contains("nginx/conf.d/app.conf:5:9: error: unknown directive \"retrun\" [NGX002]"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("Failed"), "{}", text(&o));

    // The fixing hook: it fixes the typo (pre-commit fails the run because a file changed), and
    // the next run passes with the file as fixed.
    let fix_hook = |path: &str| {
        sh(
            &repo,
            "pre-commit",
            &[
                "try-repo",
                &hook,
                "ngxlint-fix-system",
                "--files",
                "nginx/conf.d/app.conf",
            ],
            path,
            &home,
        )
    };
    let o = fix_hook(&path);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("files were modified by this hook"),
        "{}",
        text(&o)
    );
    let fixed = std::fs::read_to_string(repo.join("nginx/conf.d/app.conf")).unwrap();
    assert!(fixed.contains("        return 204;\n"), "{fixed}");
    let o = fix_hook(&path);
    assert!(o.status.success(), "after the fix:\n{}", text(&o));

    // The formatting hook: a file written on one line is formatted, then left alone.
    std::fs::write(
        repo.join("nginx/conf.d/app.conf"),
        "server { listen 80; # web\n  root /srv/app; location / { return 204; } }\n",
    )
    .unwrap();
    let fmt_hook = || {
        sh(
            &repo,
            "pre-commit",
            &[
                "try-repo",
                &hook,
                "ngxlint-fmt-system",
                "--files",
                "nginx/conf.d/app.conf",
                "php/fpm/pool.d/www.conf",
            ],
            &path,
            &home,
        )
    };
    let o = fmt_hook();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(repo.join("nginx/conf.d/app.conf")).unwrap(),
        "server { listen 80; # web\n    root /srv/app;\n    location / {\n        return 204;\n    }\n}\n".replace("server { listen 80; # web", "server {\n    listen 80; # web")
    );
    assert!(fmt_hook().status.success());

    // The rust hook, built by pre-commit from this repository (slow: a release build), only when
    // asked for or in CI.
    if std::env::var_os("CI").is_none() && std::env::var_os("NGXLINT_TEST_RUST_HOOK").is_none() {
        eprintln!(
            "language: rust hook not built (set NGXLINT_TEST_RUST_HOOK=1; CI always builds it)"
        );
        return;
    }
    // Without the binary under test on PATH: pre-commit must build and use its own. The typo
    // again (the fixing and formatting hooks above left the file clean).
    std::fs::write(repo.join("nginx/conf.d/app.conf"), "server {\n    listen 80;\n    root /srv/app;\n    location / {\n        retrun 204;\n    }\n}\n").unwrap();
    let plain_path = std::env::var("PATH").unwrap_or_default();
    let o = sh(
        &repo,
        "pre-commit",
        &[
            "try-repo",
            &hook,
            "ngxlint",
            "--files",
            "nginx/conf.d/app.conf",
        ],
        &plain_path,
        &home,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("unknown directive \"retrun\""),
        "{}",
        text(&o)
    );
}
