use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = minsheng::cli::Cli::parse();
    match minsheng::app::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.downcast_ref::<minsheng::error::ItemsFailed>().is_none() {
                eprintln!("错误：{}", minsheng::error::chain(&e));
            }
            ExitCode::from(minsheng::error::exit_code(&e))
        }
    }
}
