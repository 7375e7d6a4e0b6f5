// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

/// Started as `commonscloud` (the Linux packages install that name as a
/// link to this binary), it is the command line; otherwise the desktop app.
fn main() -> ExitCode {
    commonscloud::frugal_memory();
    let name = std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .and_then(|p| p.file_stem().map(|s| s.to_os_string()));
    if name.as_deref() == Some(std::ffi::OsStr::new("commonscloud")) {
        return commonscloud::main();
    }
    commonscloud_desktop::run();
    ExitCode::SUCCESS
}
