//! `commonscloud`: the headless command line of CommonsCloud Desktop, as
//! a library: the `commonscloud` binary of this crate calls [`main`], and
//! so does the desktop app when it is started under that name (the Linux
//! packages install `commonscloud` as a link to `commonscloud-desktop`:
//! one copy of the engine, not two).
//!
//! Every command is a call into the same façade as the desktop app
//! (`cc-app`). Each group of commands lives in its own module and adds
//! itself to [`Command`] with one flattened variant, so a new group
//! (`sync.rs` for `commonscloud sync` and `status`) needs no change to the
//! others.
//!
//! Exit codes: 0 success; 1 any other failure; 2 a wrong command line or
//! value; 3 the server refused the password (sign in again); 4 the server
//! cannot be reached; 5 the server is in maintenance; 6 no OS keyring;
//! 7 time ran out; 130 cancelled (Ctrl-C).

// A command-line program prints its results on standard output.
#![allow(clippy::print_stdout)]

mod account;
mod context;
mod docs;
mod pim;
mod services;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

use cc_app::ErrorCode;
use clap::{CommandFactory, Parser, Subcommand};

pub use context::Context;

/// CommonsCloud from the command line: sign in, list and sign out
/// accounts, sync folders.
#[derive(Debug, Parser)]
#[command(name = "commonscloud", version, about, after_help = EXIT_CODES)]
struct Cli {
    /// The state file [default: $COMMONSCLOUD_STATE, else the user's data folder].
    #[arg(long, global = true, value_name = "FILE")]
    state: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 success, 1 failure, 2 wrong usage or value, \
3 password refused (sign in again), 4 server unreachable, 5 server in maintenance, \
6 no OS keyring, 7 timed out, 10 synced but conflicts, unsyncable names or errors remain \
(listed), 11 stopped by the mass-delete guard, 12 the folders could not be scanned or \
listed (nothing changed), 13 the server asked for the account's data to be removed from \
this computer (done), 130 cancelled.\n\
Environment: COMMONSCLOUD_STATE (state file), COMMONSCLOUD_PROVIDER (provider profile: \
a built-in id or a .toml file), COMMONSCLOUD_LOG (log filter for standard error, e.g. info).";

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Account(account::AccountCommand),
    #[command(flatten)]
    Sync(sync::SyncCommand),
    #[command(flatten)]
    Pim(pim::PimCommand),
    #[command(flatten)]
    Services(services::ServicesCommand),
    #[command(flatten)]
    Docs(docs::DocsCommand),
}

/// The exit code for a façade error.
pub fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::InvalidInput | ErrorCode::ReadOnly => 2,
        ErrorCode::Unauthorized => 3,
        ErrorCode::Offline => 4,
        ErrorCode::Maintenance => 5,
        ErrorCode::KeyringUnavailable => 6,
        ErrorCode::Timeout => 7,
        ErrorCode::Cancelled => 130,
        ErrorCode::LocalFolder => 2,
        ErrorCode::MassDelete => sync::EXIT_MASS_DELETE,
        ErrorCode::Storage
        | ErrorCode::Provider
        | ErrorCode::System
        | ErrorCode::Autostart
        | ErrorCode::Internal
        | ErrorCode::NotFound
        | ErrorCode::Server => 1,
    }
}

fn init_logging() {
    // Logs go to standard error, off unless asked for; they never hold an
    // app password (the façade never logs one).
    let filter = tracing_subscriber::EnvFilter::try_from_env("COMMONSCLOUD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The allocator set for a long-lived sync process (see
/// [`cc_files::engine::frugal_allocator`]). First thing in `main`.
pub fn frugal_memory() {
    cc_files::engine::frugal_allocator(2);
}

/// Runs the command line on the process's arguments.
pub fn main() -> ExitCode {
    frugal_memory();
    let cli = Cli::parse();
    if let Command::Docs(cmd) = &cli.command {
        // No state, no runtime: text made from the definition above.
        return match docs::run(cmd, Cli::command()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("commonscloud: error: {e}");
                ExitCode::from(1)
            }
        };
    }
    init_logging();
    // One thread, as the desktop app runs each folder pair (decision
    // 0005); blocking work (the scan, large parses, files) goes to tokio's
    // blocking threads. Measured on the 100,000-file no-change pass (2
    // cores): 0.79-0.87 s against 0.85-0.91 s with a worker per core, and
    // the same speed for 2,000 small files and a 512 MiB file both ways.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("commonscloud: error: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let ctx = Context { state: cli.state };
    let result: Result<(), (u8, String)> = runtime.block_on(async {
        match cli.command {
            Command::Account(cmd) => account::run(&ctx, cmd)
                .await
                .map_err(|e| (exit_code(e.code), e.message)),
            Command::Sync(cmd) => sync::run(&ctx, cmd).await.map_err(|f| (f.code, f.message)),
            Command::Pim(cmd) => pim::run(&ctx, cmd).await.map_err(|f| (f.code, f.message)),
            Command::Services(cmd) => services::run(&ctx, cmd)
                .await
                .map_err(|e| (exit_code(e.code), e.message)),
            Command::Docs(_) => unreachable!("answered before the runtime starts"),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("commonscloud: error: {message}");
            ExitCode::from(code)
        }
    }
}
