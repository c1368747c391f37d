//! `conformance`: the contract gate's command. Usually run as `cargo conformance`.

use std::process::ExitCode;

use clap::Parser;

/// Every replay hands buffers between the client's runtime and a wiremock server's thread;
/// glibc's allocator spends a third of a large run on that where mimalloc does not
/// (`BENCHMARKS.md`, row 3). The library leaves the allocator to whoever links it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;

fn main() -> ExitCode {
    cli::main(cli::Cli::parse())
}
