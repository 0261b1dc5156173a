//! An independent second reader: the `ini` crate (rust-ini) on every FPM corpus file.
//!
//! rust-ini cannot be the FPM reader (it keeps no spans and its grammar is not php-fpm's: it treats
//! `#` as a comment where php-fpm fails, and knows no INI expressions, booleans or `${VAR}`), but on
//! plain entries — an unquoted value of ordinary characters — both must read the same section, key
//! and value. This guards our scanner against a whole class of slips (sections carried wrongly,
//! keys or values cut short, comments eaten) with a reader we did not write. Lines with a trailing
//! `; comment` are left out: rust-ini keeps it in the value, php-fpm does not.

use std::path::{Path, PathBuf};

use fpm_ini::{parse, Item};

fn corpus_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            corpus_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "conf") {
            out.push(p);
        }
    }
}

/// Values whose meaning is the same to php-fpm and to a plain INI reader.
fn plain(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./:-@".contains(&b))
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "on" | "off" | "yes" | "no" | "true" | "false" | "none" | "null"
        )
}

#[test]
fn plain_entries_read_the_same_as_rust_ini() {
    let mut files = Vec::new();
    corpus_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"),
        &mut files,
    );
    let mut compared = 0;
    let mut files_compared = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if text.trim_start().starts_with("<?xml") {
            continue;
        }
        let theirs = match ini::Ini::load_from_str(text) {
            Ok(i) => i,
            // rust-ini rejects some files php-fpm reads (and the reverse); only files both read count.
            Err(_) => continue,
        };
        let ours = parse(&bytes);
        let mut section: Option<String> = None;
        files_compared += 1;
        for item in &ours.items {
            match item {
                Item::Section(h) => section = Some(h.name.clone()),
                Item::Entry(e) => {
                    let Some(v) = &e.value else { continue };
                    let raw = String::from_utf8_lossy(v.span.slice(&bytes));
                    // Only values php-fpm takes as written (no boolean word, constant or expression).
                    if e.index.is_some()
                        || v.quoted
                        || raw != v.text
                        || !plain(&v.text)
                        || !plain(&e.key)
                    {
                        continue;
                    }
                    // rust-ini keeps a trailing `; comment` in the value; php-fpm ends the value there.
                    let line = text.lines().nth(e.line as usize - 1).unwrap_or("");
                    if line
                        .split_once('=')
                        .is_some_and(|(_, rest)| rest.contains(';') || rest.contains('#'))
                    {
                        continue;
                    }
                    // A section may be reopened; rust-ini keeps each occurrence apart.
                    let values: Vec<&str> = theirs
                        .section_all(section.as_deref())
                        .flat_map(|p| p.get_all(e.key.as_str()))
                        .collect();
                    assert!(
                        values.contains(&v.text.as_str()),
                        "{}:{}: [{:?}] {} = {:?}; rust-ini has {:?}",
                        f.display(),
                        e.line,
                        section,
                        e.key,
                        v.text,
                        values
                    );
                    compared += 1;
                }
            }
        }
    }
    println!("{compared} plain entries in {files_compared} files agree with rust-ini");
    assert!(
        files_compared >= 10,
        "only {files_compared} corpus files compared"
    );
    assert!(compared >= 100, "only {compared} entries compared");
}
