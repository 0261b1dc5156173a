//! `check --fix`: the fixes of a run applied to a fixpoint, then written atomically.
//!
//! Each pass lints the project with the files changed so far standing in for the files on disk
//! (the same overlays an editor's buffers use), applies the fixes that do not collide (a fix whose
//! edits collide with one taken waits for the next pass, on the changed text), and goes again
//! until no fix applies or [`MAX_PASSES`] is reached. Nothing is written until the end; then every
//! changed file is written to a temporary file beside it and renamed over it, and on any failure
//! no file is left changed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use ngxlint_engine::{Applicability, Diagnostic, Project};

/// Passes of lint-and-fix before giving up on reaching a fixpoint (ruff stops at 100; ngxlint's
/// fixes settle in two or three).
pub const MAX_PASSES: usize = 10;

/// One fix applied.
#[derive(Debug, Clone)]
pub struct Fixed {
    /// The finding's code and name.
    pub code: &'static str,
    pub name: &'static str,
    /// The file of the finding, as shown.
    pub path: String,
    /// The fix's title.
    pub title: String,
}

/// A file with its contents before and after.
#[derive(Debug, Clone)]
pub struct Change {
    /// The path shown to the user.
    pub shown: PathBuf,
    /// The file written (symbolic links resolved, so a link stays a link).
    pub target: PathBuf,
    /// What it held when read.
    pub before: Vec<u8>,
    /// What it holds after the fixes.
    pub after: Vec<u8>,
}

/// What a fixing run produced.
pub struct Outcome {
    /// The last pass's project and findings: what is left after the fixes.
    pub project: Project,
    pub diags: Vec<Diagnostic>,
    /// Every fix applied, in order.
    pub fixed: Vec<Fixed>,
    /// The files changed.
    pub changes: Vec<Change>,
    /// Whether fixes were still applying when [`MAX_PASSES`] ran out.
    pub unsettled: bool,
}

/// Lints with `lint` and applies the fixes at or above `least`, pass after pass. `lint` takes the
/// overlays (canonical path → contents) the pass reads instead of the files on disk. Only files
/// inside `root` whose bytes on disk are the bytes read are edited (never nginx's stock copies,
/// a rendered template, or a file outside the linted folder); `stdin` names the one overlay the
/// caller owns (standard input), the only file edited when it is given.
pub fn run(
    least: Applicability,
    base_overlays: Vec<(PathBuf, Vec<u8>)>,
    stdin: Option<&Path>,
    mut lint: impl FnMut(Vec<(PathBuf, Vec<u8>)>) -> Result<(Project, Vec<Diagnostic>), String>,
) -> Result<Outcome, String> {
    let stdin = stdin.map(canonical);
    // Canonical path → (shown path, contents when first read, current contents).
    let mut current: BTreeMap<PathBuf, (PathBuf, Vec<u8>, Vec<u8>)> = BTreeMap::new();
    let mut fixed = Vec::new();
    let mut passes = 0;
    loop {
        let mut overlays = base_overlays.clone();
        for (canon, (_, _, now)) in &current {
            overlays.retain(|(p, _)| canonical(p) != *canon);
            overlays.push((canon.clone(), now.clone()));
        }
        let (project, diags) = lint(overlays)?;
        let candidates = ngxlint_engine::edit::fixes_at(&diags, least);
        if candidates.is_empty() || passes == MAX_PASSES {
            let unsettled = !candidates.is_empty();
            let changes = changed(current);
            return Ok(Outcome {
                project,
                diags,
                fixed,
                changes,
                unsettled,
            });
        }
        passes += 1;
        // Which files may be edited: decided once per file, on its first bytes.
        let mut editable: BTreeMap<ngxlint_engine::FileId, bool> = BTreeMap::new();
        let mut may_edit = |id: ngxlint_engine::FileId| -> bool {
            *editable.entry(id).or_insert_with(|| {
                let f = project.files.get(id);
                let canon = canonical(&f.path);
                if current.contains_key(&canon) {
                    return true;
                }
                match &stdin {
                    Some(s) => *s == canon,
                    None => {
                        canon.starts_with(&project.root)
                            && std::fs::read(&canon).is_ok_and(|b| b == **f.bytes)
                    }
                }
            })
        };
        let usable: Vec<(usize, &ngxlint_engine::Fix)> = candidates
            .into_iter()
            .filter(|(_, f)| f.edits.iter().all(|e| may_edit(e.file)))
            .collect();
        let fixes: Vec<&ngxlint_engine::Fix> = usable.iter().map(|(_, f)| *f).collect();
        let applied = ngxlint_engine::edit::apply(&project.files, &fixes);
        if applied.contents.is_empty() {
            // Fixes whose edits are already made (or nothing usable): the text is at its fixpoint.
            let changes = changed(current);
            return Ok(Outcome {
                project,
                diags,
                fixed,
                changes,
                unsettled: false,
            });
        }
        for &i in &applied.applied {
            let (di, fix) = usable[i];
            let d = &diags[di];
            fixed.push(Fixed {
                code: d.code,
                name: d.name,
                path: project.files.get(d.file).path.display().to_string(),
                title: fix.title.clone(),
            });
        }
        for (id, bytes) in applied.contents {
            let f = project.files.get(id);
            let canon = canonical(&f.path);
            let entry = current
                .entry(canon)
                .or_insert_with(|| (f.path.clone(), f.bytes.to_vec(), Vec::new()));
            entry.2 = bytes;
        }
    }
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Writes every change or none: each file goes to a temporary file beside it (same permissions),
/// then all are renamed over their files; a file that changed on disk since it was read, or any
/// failure, leaves every file as it was.
pub fn write_atomically(changes: &[Change]) -> Result<(), String> {
    for c in changes {
        let now = std::fs::read(&c.target).map_err(|e| format!("{}: {e}", c.shown.display()))?;
        if now != c.before {
            return Err(format!(
                "{}: changed on disk while ngxlint was fixing it; nothing was written",
                c.shown.display()
            ));
        }
    }
    replace_all(changes)
}

/// The two phases of [`write_atomically`] after the check: temporary files, then renames (undone
/// on a failure).
fn replace_all(changes: &[Change]) -> Result<(), String> {
    let mut temps: Vec<PathBuf> = Vec::new();
    let cleanup = |temps: &[PathBuf]| {
        for t in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    for (i, c) in changes.iter().enumerate() {
        match write_temp(&c.target, &c.after, i) {
            Ok(t) => temps.push(t),
            Err(e) => {
                cleanup(&temps);
                return Err(format!("{}: {e}; nothing was written", c.shown.display()));
            }
        }
    }
    for (i, (c, t)) in changes.iter().zip(&temps).enumerate() {
        if let Err(e) = std::fs::rename(t, &c.target) {
            // Put back the files already replaced, and drop the temporary files left.
            for done in &changes[..i] {
                if let Ok(back) = write_temp(&done.target, &done.before, usize::MAX - i) {
                    let _ = std::fs::rename(&back, &done.target);
                }
            }
            cleanup(&temps[i..]);
            return Err(format!("{}: {e}; nothing was written", c.shown.display()));
        }
    }
    Ok(())
}

/// `bytes` in a new file beside `target`, with `target`'s permissions (and owner, when allowed),
/// flushed to disk; returns its path.
fn write_temp(target: &Path, bytes: &[u8], n: usize) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.ngxlint-{}-{n}.tmp", std::process::id()));
    let meta = std::fs::metadata(target)?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    let result = (|| {
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, meta.permissions())?;
        // Only root may give a file away; anyone else keeps their own ownership.
        let _ = std::os::unix::fs::chown(&tmp, Some(meta.uid()), Some(meta.gid()));
        Ok(())
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// A unified diff of one change, `--- a/PATH` / `+++ b/PATH`, three lines of context.
pub fn unified_diff(c: &Change) -> String {
    let before = String::from_utf8_lossy(&c.before);
    let after = String::from_utf8_lossy(&c.after);
    let shown = c.shown.display().to_string();
    let shown = shown.trim_start_matches('/');
    similar::TextDiff::from_lines(before.as_ref(), after.as_ref())
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{shown}"), &format!("b/{shown}"))
        .to_string()
}

/// `--show-fixes`: the fixes applied, by file, then by code with their counts (ruff's layout).
pub fn show_fixes(fixed: &[Fixed], out: &mut dyn Write) -> std::io::Result<()> {
    if fixed.is_empty() {
        return Ok(());
    }
    let mut by_file: BTreeMap<&str, BTreeMap<(&str, &str), usize>> = BTreeMap::new();
    for f in fixed {
        *by_file
            .entry(&f.path)
            .or_default()
            .entry((f.code, f.name))
            .or_default() += 1;
    }
    let n = fixed.len();
    writeln!(out, "Fixed {n} finding{}:", if n == 1 { "" } else { "s" })?;
    for (file, codes) in by_file {
        writeln!(out, "- {file}:")?;
        for ((code, name), count) in codes {
            writeln!(out, "    {count} × {code} ({name})")?;
        }
    }
    Ok(())
}

/// The files whose text the passes changed, from (what was read, what it is now) by file.
fn changed(current: BTreeMap<PathBuf, (PathBuf, Vec<u8>, Vec<u8>)>) -> Vec<Change> {
    current
        .into_iter()
        .filter(|(_, (_, before, after))| before != after)
        .map(|(target, (shown, before, after))| Change {
            shown,
            target,
            before,
            after,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ngxlint-fixw-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn change(p: &Path, before: &str, after: &str) -> Change {
        Change {
            shown: p.to_path_buf(),
            target: p.to_path_buf(),
            before: before.into(),
            after: after.into(),
        }
    }

    #[test]
    fn all_files_or_none() {
        let d = dir("all");
        let (a, b) = (d.join("a.conf"), d.join("b.conf"));
        std::fs::write(&a, "a;\n").unwrap();
        std::fs::write(&b, "b;\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&[change(&a, "a;\n", "A;\n"), change(&b, "b;\n", "B;\n")]).unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "A;\n");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "B;\n");
        assert_eq!(
            std::fs::metadata(&a).unwrap().permissions().mode() & 0o777,
            0o640
        );
        // The second target cannot be replaced (a folder stands there): the first is put back.
        let c = d.join("c");
        std::fs::create_dir_all(c.join("x")).unwrap();
        let mut bad = change(&c, "", "C");
        bad.before = Vec::new();
        // Reading a folder fails before anything is written.
        assert!(write_atomically(&[change(&a, "A;\n", "AA;\n"), bad]).is_err());
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "A;\n");
        // A file changed on disk since it was read: nothing is written.
        let err = write_atomically(&[change(&a, "A;\n", "X;\n"), change(&b, "b;\n", "Y;\n")])
            .unwrap_err();
        assert!(err.contains("changed on disk"), "{err}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "A;\n");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "B;\n");
        // No temporary file is left behind.
        let left: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_failed_rename_puts_back_what_was_renamed() {
        let d = dir("rename");
        let a = d.join("a.conf");
        std::fs::write(&a, "a;\n").unwrap();
        // A folder with something in it cannot be replaced by a file: the second rename fails
        // after the first succeeded.
        let b = d.join("b.conf");
        std::fs::create_dir_all(b.join("inside")).unwrap();
        let changes = [change(&a, "a;\n", "A;\n"), change(&b, "", "B")];
        let err = replace_all(&changes).unwrap_err();
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "a;\n");
        assert!(b.join("inside").is_dir());
        let left: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn diffs_are_unified() {
        let c = change(Path::new("n.conf"), "a;\nb;\n", "a;\nc;\n");
        assert_eq!(
            unified_diff(&c),
            "--- a/n.conf\n+++ b/n.conf\n@@ -1,2 +1,2 @@\n a;\n-b;\n+c;\n"
        );
    }
}
