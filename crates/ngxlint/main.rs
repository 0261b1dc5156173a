//! The `ngxlint` binary: everything lives in the `ngxlint_cli` crate.

// A 2,000-file tree allocates a parse tree per file on two threads; glibc's allocator spends
// more time in page faults and arena locks than the parser spends parsing (measured with perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ngxlint_cli::main()
}
