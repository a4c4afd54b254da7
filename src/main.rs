use clap::Parser;
use clap::error::ErrorKind;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match minsheng::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            e.exit()
        }
        Err(e) => {
            // clap words its errors in English; the office gets a Chinese
            // lead line and the pointer to the help.
            let rendered = e.render().to_string();
            let detail: Vec<&str> = rendered
                .trim()
                .lines()
                .filter(|l| !l.starts_with("For more information"))
                .collect();
            let detail = detail.join("\n");
            let detail = detail.trim().trim_start_matches("error: ");
            eprintln!("用法错误：{detail}\n（运行 minsheng --help 查看全部命令和选项）");
            return ExitCode::from(minsheng::error::EXIT_USAGE);
        }
    };
    match minsheng::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.downcast_ref::<minsheng::error::ItemsFailed>().is_none() {
                eprintln!("错误：{}", minsheng::error::chain(&e));
            }
            ExitCode::from(minsheng::error::exit_code(&e))
        }
    }
}
