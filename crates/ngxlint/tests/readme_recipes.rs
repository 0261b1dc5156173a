//! The README's CI recipes, run for real as far as they can be offline: every `ngxlint` command
//! line of the GitHub Actions and GitLab CI blocks runs on a copy of the example project, and the
//! files they write are checked (valid SARIF and Code Quality JSON with the example's findings).

use std::path::{Path, PathBuf};
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// For each yaml block under "## In CI", its shell lines that run ngxlint (and the final `exit`).
fn recipes() -> Vec<Vec<String>> {
    let text = readme();
    let section = text
        .split("## In CI")
        .nth(1)
        .unwrap_or("")
        .split("\n## ")
        .next()
        .unwrap_or("")
        .to_string();
    section
        .split("```yaml")
        .skip(1)
        .map(|block| {
            let block = block.split("```").next().unwrap_or("");
            block
                .lines()
                .map(|l| l.trim().trim_start_matches("- ").trim().to_string())
                .filter(|l| l.starts_with("ngxlint check") || l.starts_with("exit "))
                .collect()
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

#[test]
fn ci_recipes_run_and_write_their_reports() {
    let blocks = recipes();
    let find = |f: &str| {
        blocks
            .iter()
            .find(|b| b.iter().any(|l| l.contains(f)))
            .cloned()
            .unwrap_or_else(|| panic!("no recipe with {f}: {blocks:?}"))
    };
    let github = find("--format github");
    assert!(
        github.iter().any(|l| l.contains("--format sarif")),
        "{github:?}"
    );
    let gitlab = find("--format gitlab");
    let dir = std::env::temp_dir().join(format!("ngxlint-recipes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/projects/example"),
        &dir,
    );
    let bin_dir: PathBuf = Path::new(env!("CARGO_BIN_EXE_ngxlint"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Each recipe as one shell script, as the CI runner would run it.
    for (recipe, lines) in [("github", &github), ("gitlab", &gitlab)] {
        let script = lines.join("\n");
        let o = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .current_dir(&dir)
            .env("PATH", &path)
            .output()
            .unwrap();
        // The example has findings: the step fails, as it should, after writing its reports.
        assert_eq!(
            o.status.code(),
            Some(1),
            "{recipe} recipe:\n{script}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out = String::from_utf8_lossy(&o.stdout);
        match recipe {
            "github" => {
                assert!(out.contains("::error title=ngxlint NGX301 (fastcgi-listen-mismatch),file=nginx/sites-enabled/shop.conf,line=16"), "{out}");
                let sarif: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(dir.join("ngxlint.sarif")).unwrap())
                        .unwrap();
                assert_eq!(sarif["version"], "2.1.0");
                assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 14);
            }
            _ => {
                assert!(
                    out.contains("nginx/sites-enabled/shop.conf:16:22: error: fastcgi_pass"),
                    "{out}"
                );
                let cq: serde_json::Value = serde_json::from_slice(
                    &std::fs::read(dir.join("gl-code-quality.json")).unwrap(),
                )
                .unwrap();
                let list = cq.as_array().unwrap();
                assert_eq!(list.len(), 14);
                assert!(list.iter().all(|d| d["location"]["path"]
                    .as_str()
                    .is_some_and(|p| !p.starts_with('/') && !p.starts_with("./"))));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
