//! Every output format against a golden file (`NGXLINT_BLESS=1` rewrites them), plus the SARIF
//! output validated against the SARIF 2.1.0 JSON schema.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/formats")
}

fn run(format: &str) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .args(["check", "--format", format, "project"])
        .current_dir(root())
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

fn golden(format: &str, ext: &str) {
    let (code, out) = run(format);
    assert_eq!(code, Some(1), "{out}");
    // The version changes with releases; the goldens keep a placeholder.
    let out = out.replace(env!("CARGO_PKG_VERSION"), "VERSION");
    let path = root().join(format!("expected.{ext}"));
    if std::env::var_os("NGXLINT_BLESS").is_some() {
        std::fs::write(&path, &out).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        out,
        want,
        "--format {format} differs from {} (NGXLINT_BLESS=1 rewrites it)",
        path.display()
    );
}

#[test]
fn concise() {
    golden("concise", "concise.txt");
}

#[test]
fn json() {
    golden("json", "json");
    let (_, out) = run("json");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    let first = &v["diagnostics"][0];
    for key in [
        "code", "name", "severity", "message", "help", "file", "start", "end", "labels", "related",
        "url",
    ] {
        assert!(
            first.get(key).is_some(),
            "json diagnostics lack `{key}`: {first}"
        );
    }
}

#[test]
fn github() {
    golden("github", "github.txt");
}

#[test]
fn gitlab() {
    golden("gitlab", "gitlab.json");
    let (_, out) = run("gitlab");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let fps: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["fingerprint"].as_str().unwrap())
        .collect();
    let unique: std::collections::HashSet<_> = fps.iter().collect();
    assert_eq!(
        fps.len(),
        unique.len(),
        "fingerprints must be unique: {fps:?}"
    );
}

#[test]
fn sarif() {
    golden("sarif", "sarif.json");
}

/// The schema comes from npm's `@microsoft/jest-sarif` (`.ci/run` fetches it and sets
/// NGXLINT_SARIF_SCHEMA); validation uses Python's `jsonschema`.
#[test]
fn sarif_validates_against_the_schema() {
    let schema = std::env::var_os("NGXLINT_SARIF_SCHEMA").map(PathBuf::from);
    let python_ok = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|s| s.success());
    let Some(schema) = schema.filter(|s| s.is_file() && python_ok) else {
        assert!(std::env::var_os("CI").is_none(), "CI: NGXLINT_SARIF_SCHEMA must name the SARIF 2.1.0 schema and python3 must have jsonschema");
        eprintln!("skipped: set NGXLINT_SARIF_SCHEMA to the SARIF 2.1.0 schema (and pip install jsonschema)");
        return;
    };
    let (_, out) = run("sarif");
    let tmp = std::env::temp_dir().join(format!("ngxlint-sarif-{}.json", std::process::id()));
    std::fs::write(&tmp, out).unwrap();
    let script = "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\ndoc=json.load(open(sys.argv[2]))\njsonschema.validate(doc, schema)\nprint('valid')";
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(&tmp)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&tmp);
    assert!(
        o.status.success(),
        "SARIF does not validate: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "valid");
}
