//! The bundled example project: its findings are pinned in `expected.txt`, and the README shows
//! exactly that output (the README's first command runs ngxlint on it).

use std::path::Path;
use std::process::Command;

#[test]
fn example_findings_are_pinned_and_shown_in_the_readme() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = root.join("testdata/projects/example");
    let out = Command::new(env!("CARGO_BIN_EXE_ngxlint"))
        .args(["check", "--format", "concise", "."])
        .current_dir(&example)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the example has findings");
    let got = String::from_utf8(out.stdout).unwrap();
    let expected = std::fs::read_to_string(example.join("expected.txt")).unwrap();
    assert_eq!(
        got, expected,
        "testdata/projects/example/expected.txt is out of date"
    );
    // The README shows the same lines, as run from the repository root.
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let shown: String = got
        .lines()
        .map(|l| format!("testdata/projects/example/{l}\n"))
        .collect();
    assert!(
        readme.contains(&shown),
        "README.md's example output differs from the example's findings:\n{shown}"
    );
    // One instance of each gateway rule is there, except the rules that stay silent until
    // ngxlint.toml declares what the configuration cannot say (the example has no ngxlint.toml):
    // FPM105 needs the host's memory and the PHP workers' size.
    const NEED_OPTIONS: &[&str] = &["FPM105"];
    // The security and hardening rules have their own fixtures (testdata/rules, testdata/security).
    for r in ngxlint_rules::all() {
        if r.meta().family != ngxlint_engine::rule::Family::Gateway {
            continue;
        }
        let code = r.meta().code;
        if NEED_OPTIONS.contains(&code) {
            assert!(
                !got.contains(&format!("[{code}]")) && !example.join("ngxlint.toml").exists(),
                "the example now configures {code}: take it off NEED_OPTIONS"
            );
            continue;
        }
        assert!(
            got.contains(&format!("[{code}]")),
            "the example project has no instance of {code}"
        );
    }
}
