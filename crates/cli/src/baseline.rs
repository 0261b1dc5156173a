//! Baselines: today's findings written to a file, and left out of later runs, so a config
//! repository can adopt ngxlint with its existing findings frozen and new ones failing.
//!
//! A finding is matched by its fingerprint — code, file, the flagged text and the message, no line
//! numbers — so it keeps matching when unrelated edits shift lines. Each recorded finding absorbs
//! one finding of a later run; a second identical one is new.

use std::collections::HashMap;
use std::path::Path;

use ngxlint_engine::{Diagnostic, Files};
use serde_json::{json, Value};

/// The fingerprint with the file named relative to the project root, so a baseline written in one
/// checkout matches in another (a CI runner's path differs from a laptop's).
fn fingerprint(root: &Path, files: &Files, d: &Diagnostic) -> String {
    let f = files.get(d.file);
    let path = f.server_path.strip_prefix(root).unwrap_or(&f.path);
    // FNV-1a: the same value across runs, machines and Rust versions.
    let mut fnv: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            fnv ^= u64::from(*b);
            fnv = fnv.wrapping_mul(0x0100_0000_01b3);
        }
        fnv ^= 0xff;
        fnv = fnv.wrapping_mul(0x0100_0000_01b3);
    };
    eat(d.code.as_bytes());
    eat(path.to_string_lossy().as_bytes());
    eat(f.text(d.span).trim().as_bytes());
    eat(d.message.as_bytes());
    format!("{fnv:016x}")
}

/// The format version of baseline files.
const VERSION: u64 = 1;

/// The baseline's records of one run's findings (several runs may make one baseline).
pub fn records(root: &Path, files: &Files, diags: &[Diagnostic]) -> Vec<Value> {
    diags
        .iter()
        .map(|d| {
            json!({
                "fingerprint": fingerprint(root, files, d),
                "code": d.code,
                "file": files.get(d.file).path.display().to_string(),
                "message": d.message,
            })
        })
        .collect()
}

/// Writes the baseline; returns how many findings it holds.
pub fn write(file: &Path, records: Vec<Value>) -> Result<usize, String> {
    let n = records.len();
    let doc = json!({"version": VERSION, "tool": "ngxlint", "findings": records});
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    std::fs::write(file, text + "\n").map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(n)
}

/// A baseline read back: how many findings of each fingerprint it still absorbs.
pub struct Baseline {
    budget: HashMap<String, usize>,
}

impl Baseline {
    /// Reads a baseline file.
    pub fn read(file: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a baseline file: {e}", file.display()))?;
        if doc.get("version").and_then(Value::as_u64) != Some(VERSION) {
            return Err(format!(
                "{}: not an ngxlint baseline (version {VERSION})",
                file.display()
            ));
        }
        let mut budget: HashMap<String, usize> = HashMap::new();
        for f in doc
            .get("findings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(fp) = f.get("fingerprint").and_then(Value::as_str) {
                *budget.entry(fp.to_string()).or_default() += 1;
            }
        }
        Ok(Baseline { budget })
    }

    /// Leaves out the findings of one run that the baseline records.
    pub fn filter(
        &mut self,
        root: &Path,
        files: &Files,
        diags: Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        diags
            .into_iter()
            .filter(
                |d| match self.budget.get_mut(&fingerprint(root, files, d)) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        false
                    }
                    _ => true,
                },
            )
            .collect()
    }
}
