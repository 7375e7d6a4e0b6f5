//! `commonscloud calendars`, `agenda`, `contacts search`, `pim sync`,
//! `import` and `export`: calendars and contacts on the `cc-pim` engine.
//! Everything but `pim sync` reads the state file only (works offline).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use cc_dav::{ClientConfig, Credentials, DavClient};
use cc_pim::Kind;
use cc_pim::store::{self, CollectionRow};
use chrono::{NaiveDate, TimeZone};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use url::Url;

use crate::Context;
use crate::sync::{Failure, fail, open_store};

#[derive(Debug, Subcommand)]
pub enum PimCommand {
    /// List the calendars and address books, with what waits to be sent
    /// (from the state file).
    Calendars,
    /// The events of the coming days, in order (from the state file).
    Agenda(AgendaArgs),
    /// Contacts (from the state file).
    #[command(subcommand)]
    Contacts(ContactsCommand),
    /// Calendars and contacts with the server.
    #[command(subcommand)]
    Pim(PimSub),
    /// Add the events of an .ics file, or the contacts of a .vcf file, to a
    /// calendar or address book (sent at the next `pim sync`).
    Import(ImportArgs),
    /// Write a calendar as one .ics, or an address book as one .vcf.
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct AgendaArgs {
    /// The first day (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    from: Option<NaiveDate>,
    /// How many days.
    #[arg(long, default_value_t = 7, value_name = "N")]
    days: u32,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Contacts whose name, e-mail, phone or organisation contains TEXT.
    Search {
        text: String,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum PimSub {
    /// Sync every calendar and address book both ways.
    Sync(PimSyncArgs),
}

#[derive(Debug, Args)]
pub struct PimSyncArgs {
    /// A signed-in account (see `commonscloud accounts`).
    #[arg(long, value_name = "ACCOUNT", conflicts_with_all = ["server", "user"])]
    account: Option<String>,
    /// A server without a configured account (with --user; the password
    /// comes from COMMONSCLOUD_PASSWORD).
    #[arg(long, value_name = "URL", requires = "user")]
    server: Option<Url>,
    #[arg(long, value_name = "NAME", requires = "server")]
    user: Option<String>,
    /// One sync, then exit (otherwise sync again every --poll seconds).
    #[arg(long)]
    once: bool,
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    poll: u64,
    /// Allow plain http to a server that is not this computer.
    #[arg(long)]
    allow_insecure: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// An .ics or .vcf file.
    file: PathBuf,
    #[arg(long, value_name = "NAME", conflicts_with = "addressbook")]
    calendar: Option<String>,
    #[arg(long, value_name = "NAME")]
    addressbook: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_name = "NAME", conflicts_with = "addressbook")]
    calendar: Option<String>,
    #[arg(long, value_name = "NAME")]
    addressbook: Option<String>,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Items that could not be synced or imported remain (listed).
const EXIT_ITEMS_LEFT: u8 = 10;

pub async fn run(ctx: &Context, cmd: PimCommand) -> Result<(), Failure> {
    match cmd {
        PimCommand::Calendars => calendars(ctx),
        PimCommand::Agenda(a) => agenda(ctx, &a),
        PimCommand::Contacts(ContactsCommand::Search { text, json, limit }) => {
            search(ctx, &text, json, limit)
        }
        PimCommand::Pim(PimSub::Sync(a)) => pim_sync(ctx, &a).await,
        PimCommand::Import(a) => import(ctx, &a),
        PimCommand::Export(a) => export(ctx, &a),
    }
}

fn pim_err(e: cc_pim::Error) -> Failure {
    match e {
        cc_pim::Error::NotFound(m) | cc_pim::Error::Invalid(m) => fail(2, m),
        cc_pim::Error::ReadOnly(m) => fail(2, format!("{m} is read-only")),
        cc_pim::Error::Dav(d) => {
            let code = match d.kind {
                cc_dav::ErrorKind::Unauthorized => 3,
                cc_dav::ErrorKind::Connect(_)
                | cc_dav::ErrorKind::Timeout
                | cc_dav::ErrorKind::Transport(_) => 4,
                cc_dav::ErrorKind::Unavailable(_) => 5,
                _ => 1,
            };
            fail(code, d.to_string())
        }
        e @ cc_pim::Error::Sqlite(_) => fail(1, e.to_string()),
    }
}

fn calendars(ctx: &Context) -> Result<(), Failure> {
    let st = open_store(ctx)?;
    let conn = st.connection();
    let all = store::collections(conn, None).map_err(pim_err)?;
    if all.is_empty() {
        println!("No calendars or address books yet: run `commonscloud pim sync`.");
        return Ok(());
    }
    for c in all {
        let items = store::items(conn, c.id).map_err(pim_err)?.len();
        let pending = store::pending(conn, c.id).map_err(pim_err)?;
        let kind = match c.kind {
            Kind::Calendar => "calendar",
            Kind::AddressBook => "address book",
        };
        let mut line = format!("{kind:<13} {}  ({items} items", c.label());
        if pending > 0 {
            line.push_str(&format!(", {pending} changes waiting to be sent"));
        }
        if c.read_only {
            line.push_str(", read-only");
        }
        match c.synced_at {
            Some(t) => line.push_str(&format!(
                ", synced {}",
                local_time(t).format("%Y-%m-%d %H:%M")
            )),
            None => line.push_str(", never synced"),
        }
        line.push(')');
        if let Some(e) = &c.error {
            line.push_str(&format!("  error: {e}"));
        }
        println!("{line}");
    }
    Ok(())
}

fn local_time(t: i64) -> chrono::DateTime<cc_pim::chrono_tz::Tz> {
    let tz = cc_pim::index::local_time_zone();
    tz.timestamp_opt(t, 0)
        .single()
        .unwrap_or_else(|| tz.timestamp_opt(0, 0).unwrap())
}

fn agenda(ctx: &Context, a: &AgendaArgs) -> Result<(), Failure> {
    let tz = cc_pim::index::local_time_zone();
    let from_day = a
        .from
        .unwrap_or_else(|| chrono::Utc::now().with_timezone(&tz).date_naive());
    let start = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|n| tz.from_local_datetime(&n).earliest())
            .map(|t| t.timestamp())
            .ok_or_else(|| fail(2, format!("{d}: no such local time")))
    };
    let to_day = from_day + chrono::Days::new(u64::from(a.days.max(1)));
    let st = open_store(ctx)?;
    let entries =
        store::agenda(st.connection(), start(from_day)?, start(to_day)?).map_err(pim_err)?;
    for e in entries {
        let o = &e.occurrence;
        let (s, en) = (local_time(o.start), local_time(o.end));
        if a.json {
            let (start, end) = if o.all_day {
                (
                    serde_json::Value::from(s.date_naive().to_string()),
                    serde_json::Value::from(en.date_naive().to_string()),
                )
            } else {
                (s.to_rfc3339().into(), en.to_rfc3339().into())
            };
            println!(
                "{}",
                serde_json::json!({
                    "calendar": e.calendar,
                    "uid": e.uid,
                    "summary": o.summary,
                    "start": start,
                    "end": end,
                    "all_day": o.all_day,
                    "recurrence_id": o.recurrence_id,
                })
            );
        } else {
            let when = if o.all_day {
                format!("{}  all day  ", s.format("%a %Y-%m-%d"))
            } else {
                format!(
                    "{} {}-{}",
                    s.format("%a %Y-%m-%d"),
                    s.format("%H:%M"),
                    en.format("%H:%M")
                )
            };
            let place = o
                .location
                .as_deref()
                .filter(|l| !l.is_empty())
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            println!(
                "{when}  {}{place}  [{}]",
                o.summary.as_deref().unwrap_or("(no title)"),
                e.calendar
            );
        }
    }
    Ok(())
}

fn search(ctx: &Context, text: &str, json: bool, limit: usize) -> Result<(), Failure> {
    let st = open_store(ctx)?;
    let hits = store::search_contacts(st.connection(), text, limit).map_err(pim_err)?;
    for h in hits {
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "addressbook": h.addressbook,
                    "uid": h.uid,
                    "name": h.name,
                    "emails": h.emails,
                    "phones": h.phones,
                    "organisation": h.organisation,
                })
            );
        } else {
            let mut line = h.name.clone();
            for x in h.emails.iter().chain(&h.phones) {
                line.push_str("  ");
                line.push_str(x);
            }
            if !h.organisation.is_empty() {
                line.push_str(&format!("  ({})", h.organisation));
            }
            println!("{line}  [{}]", h.addressbook);
        }
    }
    Ok(())
}

/// Where and as whom `pim sync` works.
struct PimTarget {
    account_id: Option<i64>,
    client: DavClient,
    server: Url,
    calendar_home: Option<Url>,
    contacts_home: Option<Url>,
}

async fn target(ctx: &Context, a: &PimSyncArgs) -> Result<PimTarget, Failure> {
    match (&a.account, &a.server, &a.user) {
        (Some(account), None, None) => {
            let app = ctx
                .open_app(None)
                .map_err(|e| fail(crate::exit_code(e.code), e.message))?;
            let acc = app
                .find_account(account)
                .map_err(|e| fail(crate::exit_code(e.code), e.message))?;
            let p = app
                .pim_client(acc.id)
                .await
                .map_err(|e| fail(crate::exit_code(e.code), e.message))?;
            Ok(PimTarget {
                account_id: Some(acc.id),
                client: p.client,
                server: p.server,
                calendar_home: p.calendar_home,
                contacts_home: p.contacts_home,
            })
        }
        (None, Some(server), Some(user)) => {
            let password = std::env::var("COMMONSCLOUD_PASSWORD")
                .map_err(|_| fail(2, "no password: set COMMONSCLOUD_PASSWORD"))?;
            let client = DavClient::new(
                ClientConfig {
                    allow_insecure: a.allow_insecure,
                    ..ClientConfig::default()
                },
                Some(Credentials {
                    user: user.clone(),
                    password,
                }),
            )
            .map_err(|e| fail(1, e.to_string()))?;
            client
                .check_url("PROPFIND", server)
                .map_err(|e| fail(2, e.to_string()))?;
            Ok(PimTarget {
                account_id: None,
                client,
                server: server.clone(),
                calendar_home: None,
                contacts_home: None,
            })
        }
        _ => Err(fail(
            2,
            "give either --account ACCOUNT or --server URL --user NAME (with COMMONSCLOUD_PASSWORD)",
        )),
    }
}

async fn pim_sync(ctx: &Context, a: &PimSyncArgs) -> Result<(), Failure> {
    let mut t = target(ctx, a).await?;
    let st = open_store(ctx)?;
    let conn = st.connection();
    loop {
        let mut left = Vec::new();
        for kind in [Kind::Calendar, Kind::AddressBook] {
            let known = match kind {
                Kind::Calendar => t.calendar_home.clone(),
                Kind::AddressBook => t.contacts_home.clone(),
            };
            let found = match known {
                Some(h) => Ok(Some(h)),
                None => cc_pim::find_home(conn, &t.client, &t.server, kind).await,
            };
            let home = match found {
                Ok(Some(h)) => h,
                Ok(None) => continue,
                Err(cc_pim::Error::Dav(e)) if e.kind == cc_dav::ErrorKind::Unauthorized => {
                    return Err(pim_err(e.into()));
                }
                Err(e) => {
                    eprintln!("commonscloud: no {} here: {e}", kind_noun(kind));
                    continue;
                }
            };
            match kind {
                Kind::Calendar => t.calendar_home = Some(home.clone()),
                Kind::AddressBook => t.contacts_home = Some(home.clone()),
            }
            let bar = spinner(kind);
            let results = cc_pim::sync_home(conn, &t.client, t.account_id, &home, kind)
                .await
                .map_err(pim_err);
            bar.finish_and_clear();
            if results.is_err() {
                // Found again next time, in case the home moved.
                let _ = cc_pim::forget_home(conn, &t.client, &t.server, kind);
            }
            let results = match results {
                Ok(r) => r,
                // Syncing on: offline or in maintenance, try again at the
                // next interval (edits made meanwhile wait in the state).
                Err(f) if !a.once && f.code != 3 => {
                    eprintln!("commonscloud: {}: {}", kind_noun(kind), f.message);
                    continue;
                }
                Err(f) => return Err(f),
            };
            for r in results {
                match r {
                    Ok(rep) => {
                        println!(
                            "{}: {} received, {} sent, {} removed here, {} removed there, {} merged, {} conflicted copies",
                            rep.collection,
                            rep.received,
                            rep.sent,
                            rep.removed_here,
                            rep.removed_there,
                            rep.merged,
                            rep.conflicts
                        );
                        for (href, why) in rep.failed {
                            left.push(format!("{}: {href}: {why}", rep.collection));
                        }
                    }
                    Err((name, e)) => {
                        if let cc_pim::Error::Dav(d) = &e
                            && d.kind == cc_dav::ErrorKind::Unauthorized
                        {
                            return Err(pim_err(e));
                        }
                        left.push(format!("{name}: {e}"));
                    }
                }
            }
        }
        if a.once {
            for l in &left {
                eprintln!("commonscloud: not synced: {l}");
            }
            if left.is_empty() {
                return Ok(());
            }
            return Err(fail(
                EXIT_ITEMS_LEFT,
                format!("{} items or collections not synced", left.len()),
            ));
        }
        for l in &left {
            eprintln!("commonscloud: not synced: {l}");
        }
        tokio::time::sleep(Duration::from_secs(a.poll.max(1))).await;
    }
}

fn kind_noun(kind: Kind) -> &'static str {
    match kind {
        Kind::Calendar => "calendars",
        Kind::AddressBook => "address books",
    }
}

fn spinner(kind: Kind) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(format!("syncing {}…", kind_noun(kind)));
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn chosen(
    conn: &rusqlite::Connection,
    calendar: &Option<String>,
    addressbook: &Option<String>,
) -> Result<CollectionRow, Failure> {
    match (calendar, addressbook) {
        (Some(n), None) => store::find_collection(conn, Kind::Calendar, n).map_err(pim_err),
        (None, Some(n)) => store::find_collection(conn, Kind::AddressBook, n).map_err(pim_err),
        _ => Err(fail(2, "give --calendar NAME or --addressbook NAME")),
    }
}

fn import(ctx: &Context, a: &ImportArgs) -> Result<(), Failure> {
    let text = std::fs::read(&a.file).map_err(|e| fail(2, format!("{}: {e}", a.file.display())))?;
    let text = cc_pim::text::decode_file(&text);
    let st = open_store(ctx)?;
    let conn = st.connection();
    let coll = chosen(conn, &a.calendar, &a.addressbook)?;
    let r = store::import(conn, coll.id, &text).map_err(|e| match e {
        cc_pim::Error::Invalid(m) => fail(2, format!("{}: {m}", a.file.display())),
        e => pim_err(e),
    })?;
    let (added, changed, same, left) = (r.added, r.changed, r.same, r.failed);
    println!(
        "{}: {added} added, {changed} changed, {same} already there; sent at the next `commonscloud pim sync`",
        coll.label()
    );
    for l in &left {
        eprintln!("commonscloud: not imported: {l}");
    }
    if left.is_empty() {
        Ok(())
    } else {
        Err(fail(
            EXIT_ITEMS_LEFT,
            format!("{} items not imported", left.len()),
        ))
    }
}

fn export(ctx: &Context, a: &ExportArgs) -> Result<(), Failure> {
    let st = open_store(ctx)?;
    let conn = st.connection();
    let coll = chosen(conn, &a.calendar, &a.addressbook)?;
    let out = store::export(conn, coll.id).map_err(pim_err)?;
    match &a.output {
        Some(p) => std::fs::write(p, out).map_err(|e| fail(1, format!("{}: {e}", p.display())))?,
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(out.as_bytes())
                .map_err(|e| fail(1, e.to_string()))?;
        }
    }
    Ok(())
}
