use clap::Parser;

/// mimalloc rather than the system's allocator: with thousands of event
/// streams open, glibc kept the 19 MiB password-hashing areas and the
/// bursts of opening connections resident long after they were freed
/// (`BENCHMARKS.md`, issue 4); mimalloc gives freed memory back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = belay::cli::Cli::parse();
    match belay::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("belay: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
