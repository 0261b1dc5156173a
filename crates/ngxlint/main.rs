//! The `ngxlint` binary: everything lives in the `ngxlint_cli` crate.
fn main() -> std::process::ExitCode {
    ngxlint_cli::main()
}
