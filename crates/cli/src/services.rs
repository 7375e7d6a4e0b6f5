//! `commonscloud open`, `services`, `new` and `meeting`: the cooperative's
//! services from a terminal, as the Services page has them.

use std::path::PathBuf;

use cc_app::{App, Error, ErrorCode};
use clap::{Args, Subcommand};

use crate::Context;

/// The services commands.
#[derive(Debug, Subcommand)]
pub enum ServicesCommand {
    /// Open a synced file in the web office (signed in where the server
    /// has an editor for it); a file not synced yet is synced first.
    Open(OpenArgs),
    /// List the cooperative's services for an account.
    Services(ServicesArgs),
    /// Make a new document in a synced folder, on the server, and open it.
    New(NewArgs),
    /// Start a meeting and print its link.
    Meeting(MeetingArgs),
}

#[derive(Debug, Args)]
pub struct OpenArgs {
    /// A file inside a synced folder.
    path: PathBuf,
    /// Only print the address; do not open the browser.
    #[arg(long)]
    no_browser: bool,
}

#[derive(Debug, Args)]
pub struct ServicesArgs {
    /// The account (id, user or server); the only one when there is one.
    #[arg(long, value_name = "ACCOUNT")]
    account: Option<String>,
    /// Print JSON instead of a list.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// document, spreadsheet, presentation, or a creator of the server
    /// (textdocument with Nextcloud Text).
    kind: String,
    /// The name, without extension.
    name: String,
    /// The synced folder's id (see `commonscloud folders`).
    #[arg(long, value_name = "ID")]
    folder: i64,
    #[arg(long)]
    no_browser: bool,
}

#[derive(Debug, Args)]
pub struct MeetingArgs {
    #[arg(long, value_name = "ACCOUNT")]
    account: Option<String>,
    #[arg(long)]
    no_browser: bool,
}

fn account_id(app: &App, query: Option<&str>) -> Result<i64, Error> {
    match query {
        Some(q) => Ok(app.find_account(q)?.id),
        None => match app.accounts()?.as_slice() {
            [only] => Ok(only.id),
            [] => Err(Error::new(
                ErrorCode::NotFound,
                "no account: sign in with `commonscloud login`",
            )),
            _ => Err(Error::new(
                ErrorCode::InvalidInput,
                "several accounts: pick one with --account",
            )),
        },
    }
}

fn open_page(app: &App, url: &str, no_browser: bool) {
    if !no_browser
        && crate::account::has_browser()
        && app.check_external_url(url).is_ok()
        && let Err(e) = open::that_detached(url)
    {
        eprintln!("commonscloud: could not open a browser ({e}); open the address above by hand");
    }
}

#[allow(clippy::print_stdout)]
pub async fn run(ctx: &Context, cmd: ServicesCommand) -> Result<(), Error> {
    let app = ctx.open_app(None)?;
    match cmd {
        ServicesCommand::Open(a) => {
            let opened = app.open_in_office(&a.path).await?;
            println!("{}", opened.url);
            open_page(&app, &opened.url, a.no_browser);
        }
        ServicesCommand::Services(a) => {
            let id = account_id(&app, a.account.as_deref())?;
            let page = app.launcher(Some(id)).await?;
            if a.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&page)
                        .map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?
                );
            } else {
                for s in &page.services {
                    println!("{:<24} {:<8} {}", s.name, s.kind, s.url);
                }
                for r in &page.refused {
                    eprintln!("commonscloud: {r}");
                }
                if page.offline {
                    eprintln!(
                        "commonscloud: the server could not be asked; only the profile's services are listed"
                    );
                }
            }
        }
        ServicesCommand::New(a) => {
            let opened = app.new_document(a.folder, &a.kind, &a.name).await?;
            println!("{}\t{}", opened.remote_path, opened.url);
            open_page(&app, &opened.url, a.no_browser);
        }
        ServicesCommand::Meeting(a) => {
            let id = account_id(&app, a.account.as_deref())?;
            let m = app.start_meeting(id).await?;
            println!("{}", m.url);
            if m.kind != "talk" {
                open_page(&app, &m.url, a.no_browser);
            }
        }
    }
    Ok(())
}
