use clap::Parser;

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
