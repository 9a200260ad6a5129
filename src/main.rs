//! The `sextant` binary: parse arguments, then run a headless command or open the window.

use std::process::ExitCode;

use sextant::cli::{self, Cli};

fn main() -> ExitCode {
    let args = cli::parse_args();
    if let Some(command) = args.command {
        return ExitCode::from(cli::run(command));
    }
    open_window(args)
}

#[cfg(feature = "gui")]
fn open_window(args: Cli) -> ExitCode {
    match sextant::gui::run(sextant::gui::Launch {
        files: args.files,
        column: args.column,
        tab: args.tab,
        window_size: args.window_size,
        screenshot: args.screenshot,
        model: args.model,
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: the window could not be opened: {e}");
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}

#[cfg(not(feature = "gui"))]
fn open_window(_args: Cli) -> ExitCode {
    eprintln!(
        "error: this build of sextant has no window (built without the `gui` feature); use a command such as `sextant inspect FILE`"
    );
    ExitCode::from(cli::EXIT_ERROR)
}
