//! ngxlint's command line.
use std::process::ExitCode;

/// Entry point of the `ngxlint` binary.
pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
