//! `commonscloud login`, `accounts` and `logout`.

use std::io::BufRead;
use std::time::Duration;

use cc_app::{Account, App, Error, ErrorCode, PollPolicy, ServerChoice};
use clap::{Args, Subcommand};

use crate::Context;

/// The account commands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Sign in to a server: prints the sign-in page, opens it in the
    /// browser when there is one and waits (Ctrl-C cancels). With
    /// --app-password-stdin, uses an app password made in the server's
    /// security settings instead.
    Login(LoginArgs),
    /// List the accounts.
    Accounts(AccountsArgs),
    /// Sign out: revokes the app password on the server, removes it from
    /// the keyring and forgets the account. Synced files are kept unless
    /// --delete-files.
    Logout(LogoutArgs),
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// A provider profile (built-in id, e.g. commonscloud or framaspace,
    /// or a .toml file); signs in to its server.
    #[arg(long, value_name = "ID|FILE", conflicts_with = "server")]
    provider: Option<String>,
    /// The server's address, e.g. https://oficina.example.coop.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// The organisation, for providers with one server per organisation
    /// (e.g. asso for https://asso.frama.space).
    #[arg(long, value_name = "NAME", conflicts_with = "server")]
    organisation: Option<String>,
    /// Read an app password from the first line of standard input instead
    /// of signing in through the browser (needs --user).
    #[arg(long, requires = "user")]
    app_password_stdin: bool,
    /// The user name the app password belongs to.
    #[arg(long, value_name = "NAME", requires = "app_password_stdin")]
    user: Option<String>,
    /// Do not open the browser; only print the sign-in page's address.
    #[arg(long)]
    no_browser: bool,
    /// Give up waiting for the browser sign-in after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 1200)]
    timeout: u64,
}

#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The account: its number, label (user@server) or user name; may be
    /// left out when there is only one.
    #[arg(value_name = "ACCOUNT")]
    account: Option<String>,
    /// Also delete the account's synced files (they are kept by default).
    #[arg(long)]
    delete_files: bool,
}

/// Runs one account command.
pub async fn run(ctx: &Context, cmd: AccountCommand) -> Result<(), Error> {
    match cmd {
        AccountCommand::Login(args) => login(ctx, args).await,
        AccountCommand::Accounts(args) => accounts(ctx, args),
        AccountCommand::Logout(args) => logout(ctx, args).await,
    }
}

fn server_for(app: &App, args: &LoginArgs) -> Result<String, Error> {
    if let Some(server) = &args.server {
        // An address typed on the command line is always allowed: the
        // profile's limits are for the guided sign-in of the desktop app.
        return Ok(server.clone());
    }
    let provider = app.provider();
    let choice = match &args.organisation {
        Some(org) => {
            let template = provider
                .servers
                .iter()
                .find(|s| s.template.is_some())
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::InvalidInput,
                        format!(
                            "provider {} has no per-organisation server; leave out --organisation",
                            provider.id
                        ),
                    )
                })?;
            ServerChoice::Preset {
                id: template.id.clone(),
                organisation: Some(org.clone()),
            }
        }
        None => ServerChoice::Default,
    };
    app.resolve_server(&choice).map_err(|e| {
        let hint = provider
            .servers
            .iter()
            .find_map(|s| s.template.clone())
            .map(|t| format!(" --organisation NAME (for {t}) or"))
            .unwrap_or_default();
        Error::new(e.code, format!("{}; use{hint} --server URL", e.message))
    })
}

async fn login(ctx: &Context, args: LoginArgs) -> Result<(), Error> {
    let mut app = ctx.open_app(args.provider.as_deref())?;
    let server = server_for(&app, &args)?;
    let account = if args.app_password_stdin {
        let user = args.user.as_deref().unwrap_or_default();
        let password = read_secret_line()?;
        app.add_account_with_app_password(&server, user, &password)
            .await?
    } else {
        app.set_poll_policy(PollPolicy {
            timeout: Duration::from_secs(args.timeout),
            ..PollPolicy::default()
        });
        browser_login(&app, &server, args.no_browser).await?
    };
    println!(
        "Signed in as {} ({}) on {}.",
        account.display_name.as_deref().unwrap_or(&account.user_id),
        account.label,
        account.server
    );
    if let Some(files) = &account.files_url {
        println!("Files: {files}");
    }
    for (what, home) in [
        ("Calendars", &account.calendar_home),
        ("Contacts", &account.contacts_home),
    ] {
        match home {
            Some(h) => println!("{what}: {h}"),
            None => println!("{what}: none on this server"),
        }
    }
    Ok(())
}

/// The first line of standard input, without its line ending.
fn read_secret_line() -> Result<String, Error> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        Error::new(
            ErrorCode::System,
            format!("cannot read standard input: {e}"),
        )
    })?;
    let secret = line.trim_end_matches(['\r', '\n']).to_owned();
    if secret.is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            "no app password on standard input",
        ));
    }
    Ok(secret)
}

/// Whether a graphical browser can be opened here.
pub(crate) fn has_browser() -> bool {
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
}

/// Ctrl-C, listened for from the moment this is made (so a Ctrl-C right
/// after the sign-in page is printed is not lost to the default handler).
struct Interrupt {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupt {
    fn listen() -> Result<Self, Error> {
        #[cfg(unix)]
        {
            let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .map_err(|e| Error::new(ErrorCode::System, format!("cannot catch Ctrl-C: {e}")))?;
            Ok(Interrupt { signal })
        }
        #[cfg(not(unix))]
        {
            Ok(Interrupt {})
        }
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            self.signal.recv().await;
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn browser_login(app: &App, server: &str, no_browser: bool) -> Result<Account, Error> {
    let mut interrupt = Interrupt::listen()?;
    let started = app.start_login(server).await?;
    println!(
        "Open this page in a browser to sign in:\n\n    {}\n",
        started.login_url
    );
    if !no_browser
        && has_browser()
        && app.check_external_url(&started.login_url).is_ok()
        && let Err(e) = open::that_detached(&started.login_url)
    {
        eprintln!("commonscloud: could not open a browser ({e}); open the page above by hand");
    }
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message("Waiting for the sign-in in the browser (Ctrl-C cancels)…");
    spinner.enable_steady_tick(Duration::from_millis(120));
    let finish = app.finish_login(started.login_id);
    tokio::pin!(finish);
    let result = tokio::select! {
        r = &mut finish => r,
        _ = interrupt.recv() => {
            // The façade stops polling; its answer is "cancelled".
            let _ = app.cancel_login(started.login_id);
            finish.await
        }
    };
    spinner.finish_and_clear();
    result
}

fn accounts(ctx: &Context, args: AccountsArgs) -> Result<(), Error> {
    let app = ctx.open_app(None)?;
    let list = app.accounts()?;
    if args.json {
        let json = serde_json::to_string_pretty(&list)
            .map_err(|e| Error::new(ErrorCode::Internal, e.to_string()))?;
        println!("{json}");
        return Ok(());
    }
    if list.is_empty() {
        println!("No accounts. Sign in with: commonscloud login");
        return Ok(());
    }
    let width = list.iter().map(|a| a.label.len()).max().unwrap_or(0).max(7);
    println!("{:>3}  {:<width$}  {:<24}  STATE", "ID", "ACCOUNT", "NAME");
    for a in &list {
        let state = if a.needs_sign_in {
            "sign in again"
        } else {
            "signed in"
        };
        println!(
            "{:>3}  {:<width$}  {:<24}  {state}",
            a.id,
            a.label,
            a.display_name.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

async fn logout(ctx: &Context, args: LogoutArgs) -> Result<(), Error> {
    let app = ctx.open_app(None)?;
    let account = match &args.account {
        Some(q) => app.find_account(q)?,
        None => {
            let mut all = app.accounts()?;
            match all.len() {
                0 => return Err(Error::new(ErrorCode::NotFound, "there are no accounts")),
                1 => all.remove(0),
                _ => {
                    let labels: Vec<String> = all.iter().map(|a| a.label.clone()).collect();
                    return Err(Error::new(
                        ErrorCode::InvalidInput,
                        format!(
                            "there are several accounts; name one: {}",
                            labels.join(", ")
                        ),
                    ));
                }
            }
        }
    };
    let report = app.sign_out(account.id, args.delete_files).await?;
    println!("Signed out {}.", report.account.label);
    if report.revoked_on_server {
        println!("The app password was revoked on the server.");
    }
    if report.files_deleted {
        println!("The synced files were deleted.");
    } else if let Some(folder) = &report.account.local_folder {
        println!("The synced files were kept in {folder}.");
    }
    for w in &report.warnings {
        eprintln!("commonscloud: warning: {w}");
    }
    Ok(())
}
