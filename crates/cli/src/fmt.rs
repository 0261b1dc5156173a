//! `ngxlint fmt [PATHS]...`: formats the nginx files a walk finds (the files `check` reads as
//! nginx configuration), in place, atomically; `--check` only tells which would change, `--diff`
//! shows how; `--stdin-filename` formats standard input.
//!
//! A file nginx cannot read (a syntax error) is left alone and reported; the rest are formatted.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use ngxlint_engine::classify::Kind;
use ngxlint_engine::project::ListKind;
use ngxlint_engine::Project;

use crate::{fix, load_config, options, quiet_pipe, ReadArgs};

/// `ngxlint fmt`'s arguments.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Files or folders to format (default: the current folder).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
    /// Write nothing; exit 1 when a file would change (for CI).
    #[arg(long)]
    check: bool,
    /// Write nothing; print a unified diff of what would change (exit 1 when something would).
    #[arg(long)]
    diff: bool,
    /// Format standard input as the contents of PATH and print the result.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
}

/// Runs `ngxlint fmt`.
pub fn run(args: FmtArgs) -> Result<ExitCode, String> {
    // The configuration of the repository being formatted (of the stdin file's, for a buffer).
    let start = match (&args.stdin_filename, args.paths.first()) {
        (Some(name), _) => name.clone(),
        (None, Some(p)) => p.clone(),
        (None, None) => PathBuf::from("."),
    };
    let cfg = load_config(&args.read, &start)?;
    let opts = &cfg.format;
    if let Some(name) = &args.stdin_filename {
        let mut src = Vec::new();
        std::io::stdin()
            .read_to_end(&mut src)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        let out = nginx_syntax::format::format(&src, opts)
            .map_err(|e| format!("{}: {e}", name.display()))?;
        let mut stdout = std::io::stdout().lock();
        let changed = out != src;
        if args.diff {
            let c = change(name.clone(), name.clone(), src, out);
            quiet_pipe(stdout.write_all(fix::unified_diff(&c).as_bytes()))?;
        } else if !args.check {
            quiet_pipe(stdout.write_all(&out))?;
        }
        return Ok(if changed && (args.check || args.diff) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    for p in &paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(format!("{}: No such file or directory", p.display()));
        }
    }
    let mut o = options(&args.read, &paths, &cfg)?;
    // Files named alone are formatted as named; folders are walked as `check` walks them.
    let only_files = paths.iter().all(|p| p.is_file());
    o.templates = false;
    let project = Project::load(&paths, &o).map_err(|e| e.to_string())?;
    let named: Vec<PathBuf> = paths
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let mut targets: Vec<(PathBuf, PathBuf)> = Vec::new();
    for l in &project.listing {
        if !matches!(l.kind, ListKind::Read(Kind::Nginx | Kind::NginxMain)) {
            continue;
        }
        let Some(canon) = l
            .canonical
            .clone()
            .or_else(|| std::fs::canonicalize(&l.path).ok())
        else {
            continue;
        };
        if only_files && !named.contains(&canon) {
            continue;
        }
        if !targets.iter().any(|(_, c)| *c == canon) {
            targets.push((l.path.clone(), canon));
        }
    }
    std::mem::forget(project);
    let mut changes = Vec::new();
    let mut failed = 0;
    let mut unchanged = 0;
    for (shown, canon) in &targets {
        let src = std::fs::read(canon).map_err(|e| format!("{}: {e}", shown.display()))?;
        match nginx_syntax::format::format(&src, opts) {
            Ok(out) if out == src => unchanged += 1,
            Ok(out) => changes.push(change(shown.clone(), canon.clone(), src, out)),
            Err(e) => {
                failed += 1;
                eprintln!("ngxlint: {}: {e}", shown.display());
            }
        }
    }
    let mut stdout = std::io::stdout().lock();
    let n = changes.len();
    let files = |n: usize| format!("{n} file{}", if n == 1 { "" } else { "s" });
    if args.diff || args.check {
        for c in &changes {
            if args.diff {
                quiet_pipe(stdout.write_all(fix::unified_diff(c).as_bytes()))?;
            } else {
                quiet_pipe(writeln!(stdout, "would reformat {}", c.shown.display()))?;
            }
        }
        eprintln!(
            "{} would be reformatted, {} already formatted",
            files(n),
            files(unchanged)
        );
    } else {
        fix::write_atomically(&changes)?;
        eprintln!(
            "{} reformatted, {} left unchanged",
            files(n),
            files(unchanged)
        );
    }
    Ok(if failed > 0 {
        ExitCode::from(2)
    } else if n > 0 && (args.check || args.diff) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn change(shown: PathBuf, target: PathBuf, before: Vec<u8>, after: Vec<u8>) -> fix::Change {
    fix::Change {
        shown,
        target,
        before,
        after,
    }
}
