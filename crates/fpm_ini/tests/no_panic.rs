//! The reader never panics: random bytes, INI-shaped noise and mutated corpus files.

use std::path::Path;

use fpm_ini::{LoadOptions, PhpVersion};
use ngxlint_vfs::{GlobMatch, Vfs, VfsError};
use proptest::prelude::*;

fn corpus() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("corpus dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "conf" || x == "in") {
                out.push(std::fs::read(&p).expect("corpus file"));
            }
        }
    }
    out.sort();
    out
}

/// No file system: noise may spell `include = /dev/zero`.
struct NoFs;

impl Vfs for NoFs {
    fn read(&self, _: &Path) -> Result<Vec<u8>, VfsError> {
        Err(VfsError::NotFound)
    }
    fn glob(&self, _: &Path) -> Result<Vec<GlobMatch>, VfsError> {
        Err(VfsError::NotFound)
    }
    fn display_path(&self, p: &Path) -> std::path::PathBuf {
        p.to_path_buf()
    }
}

/// Everything the reader produces must be consistent: spans inside the file.
fn check(bytes: &[u8]) {
    let p = fpm_ini::parse(bytes);
    for d in &p.diagnostics {
        assert!(
            d.span.start <= d.span.end && d.span.end as usize <= bytes.len(),
            "{d:?}"
        );
    }
    for item in &p.items {
        if let fpm_ini::Item::Entry(e) = item {
            assert!(e.key_span.end as usize <= bytes.len());
            if let Some(v) = &e.value {
                assert!(v.span.end as usize <= bytes.len());
            }
        }
    }
    for version in [PhpVersion::V8_2, PhpVersion::V8_3] {
        let opts = LoadOptions {
            php_version: version,
            ..LoadOptions::default()
        };
        let c = fpm_ini::load_source(
            Path::new("/nonexistent/php-fpm.conf"),
            bytes.to_vec(),
            &opts,
            &NoFs,
        );
        for d in &c.diagnostics {
            assert!(d.file < c.files.len());
            assert!(d.span.end as usize <= c.files[d.file].bytes.len(), "{d:?}");
        }
    }
}

const TOKENS: &[&str] = &[
    "[",
    "]",
    "=",
    ";",
    "#",
    "\"",
    "'",
    "${",
    "}",
    "$",
    "(",
    ")",
    "|",
    "&",
    "^",
    "~",
    "!",
    " ",
    "\t",
    "\n",
    "\r",
    "\0",
    "\\",
    "www",
    "global",
    "listen",
    "pm",
    "dynamic",
    "on",
    "no",
    "null",
    "E_ALL",
    "php_value[",
    "env[",
    "include",
    ":-",
    "1",
    "-",
    ".",
    "\u{e9}",
    "\u{ff}",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(&bytes);
    }

    #[test]
    fn ini_shaped_noise(parts in proptest::collection::vec(proptest::sample::select(TOKENS), 0..80)) {
        check(parts.concat().as_bytes());
    }

    #[test]
    fn mutated_corpus(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..12),
    ) {
        let files = corpus();
        let mut bytes = files[pick.index(files.len())].clone();
        for (at, byte, op) in edits {
            if bytes.is_empty() {
                bytes.push(byte);
                continue;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => { bytes.remove(i); }
            }
        }
        check(&bytes);
    }
}

#[test]
fn corpus_files_read_without_panic() {
    let files = corpus();
    assert!(files.len() >= 20, "corpus copied into tests/corpus");
    for f in files {
        check(&f);
    }
}
