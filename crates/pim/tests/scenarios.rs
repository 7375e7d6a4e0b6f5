//! Runs every scenario of `tests/pim-scenarios/*.txt` (the language is in
//! its README) against every CalDAV/CardDAV server of the harness
//! (Radicale, Xandikos, Cyrus, sabre/dav) and the real Nextcloud, each
//! file in a fresh collection with a fresh state file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cc_dav::pim::Service;
use cc_dav::{DavClient, Precondition};
use cc_harness::servers::{Kind as ServerKind, PIM_SERVERS, Server};
use cc_pim::Kind;
use cc_pim::store::{self, CollectionRow, State};
use url::Url;

struct Target {
    label: String,
    calendars: Url,
    books: Url,
    client: DavClient,
    _up: Box<dyn std::any::Any>,
}

fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace(',', "\\,")
        .replace(';', "\\;")
}

/// A property's value in an item's text (unfolded, unescaped).
fn prop(text: &str, name: &str) -> Option<String> {
    let unfolded = text.replace("\r\n ", "").replace("\n ", "");
    unfolded.lines().find_map(|l| {
        let l = l.trim_end_matches('\r');
        let (head, value) = l.split_once(':')?;
        let n = head.split(';').next()?;
        n.eq_ignore_ascii_case(name).then(|| {
            value
                .replace("\\,", ",")
                .replace("\\;", ";")
                .replace("\\\\", "\\")
        })
    })
}

/// The text with `name` set to `value`, the other lines as they were.
fn with_prop(text: &str, kind: Kind, name: &str, value: &str) -> String {
    let line = format!("{name}:{}", escape(value));
    let mut out = String::new();
    let mut done = false;
    for l in text.split_inclusive('\n') {
        let t = l.trim_end_matches(['\r', '\n']);
        let n = t.split([';', ':']).next().unwrap_or("");
        if !done && n.eq_ignore_ascii_case(name) {
            out.push_str(&line);
            out.push_str("\r\n");
            done = true;
            continue;
        }
        let end = match kind {
            Kind::Calendar => "END:VEVENT",
            Kind::AddressBook => "END:VCARD",
        };
        if !done && t == end {
            out.push_str(&line);
            out.push_str("\r\n");
            done = true;
        }
        out.push_str(l);
    }
    out
}

fn new_item(kind: Kind, uid: &str, value: &str) -> String {
    match kind {
        Kind::Calendar => format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Scenario//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20261210T090000Z\r\nDTEND:20261210T100000Z\r\nSUMMARY:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            escape(value)
        ),
        Kind::AddressBook => format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{}\r\nN:{};;;;\r\nEND:VCARD\r\n",
            escape(value),
            escape(value)
        ),
    }
}

struct Run<'a> {
    t: &'a Target,
    kind: Kind,
    conn: &'a rusqlite::Connection,
    coll: CollectionRow,
    conflicts: usize,
    merged: usize,
    ctx: String,
}

impl Run<'_> {
    fn service(&self) -> Service {
        match self.kind {
            Kind::Calendar => Service::CalDav,
            Kind::AddressBook => Service::CardDav,
        }
    }

    fn uid(name: &str) -> String {
        format!("sc-{name}")
    }

    fn url(&self, name: &str) -> Url {
        let ext = match self.kind {
            Kind::Calendar => "ics",
            Kind::AddressBook => "vcf",
        };
        self.coll
            .url
            .join(&format!("{}.{ext}", Self::uid(name)))
            .unwrap()
    }

    async fn server_items(&self) -> Vec<String> {
        cc_harness::pim::items_on_server(&self.t.client, &self.coll.url, self.service()).await
    }

    async fn server_item(&self, name: &str) -> Option<String> {
        let uid = Self::uid(name);
        self.server_items()
            .await
            .into_iter()
            .find(|d| cc_pim::index::uid_of(d).as_deref() == Some(uid.as_str()))
    }

    fn local_item(&self, name: &str) -> Option<store::ItemRow> {
        store::item_by_uid(self.conn, self.coll.id, &Self::uid(name))
            .unwrap()
            .filter(|i| i.state != State::Deleted)
    }

    async fn sync(&mut self) {
        self.conflicts = 0;
        self.merged = 0;
        for _ in 0..3 {
            let r = cc_pim::sync::sync_collection(self.conn, &self.t.client, &self.coll)
                .await
                .unwrap_or_else(|e| panic!("{}: sync: {e}", self.ctx));
            assert!(r.failed.is_empty(), "{}: {:?}", self.ctx, r.failed);
            self.conflicts += r.conflicts;
            self.merged += r.merged;
            self.coll = store::collection(self.conn, self.coll.id).unwrap();
            if r.received + r.sent + r.removed_here + r.removed_there == 0 {
                return;
            }
        }
    }

    async fn step(&mut self, w: &[String]) {
        let w: Vec<&str> = w.iter().map(String::as_str).collect();
        let c = &self.t.client;
        match w.as_slice() {
            ["server", "add", name, value] => {
                c.put_item(
                    &self.url(name),
                    self.service(),
                    &new_item(self.kind, &Self::uid(name), value),
                    &Precondition::none(),
                )
                .await
                .unwrap();
            }
            ["server", "set", name, p, value] => {
                let url = self.url(name);
                let it = c.get_item(&url).await.unwrap().expect("on the server");
                let text = with_prop(&it.data, self.kind, p, value);
                c.put_item(&url, self.service(), &text, &Precondition::none())
                    .await
                    .unwrap();
            }
            ["server", "delete", name] => c.delete_item(&self.url(name), None).await.unwrap(),
            ["local", "add", name, value] => {
                store::create_item(
                    self.conn,
                    self.coll.id,
                    &new_item(self.kind, &Self::uid(name), value),
                )
                .unwrap();
            }
            ["local", "set", name, p, value] => {
                let it = self.local_item(name).expect("here");
                let text = with_prop(&it.data, self.kind, p, value);
                store::update_item(self.conn, it.id, &text).unwrap();
            }
            ["local", "delete", name] => {
                let it = self.local_item(name).expect("here");
                store::delete_item(self.conn, it.id).unwrap();
            }
            ["sync"] => self.sync().await,
            ["expect", "server", name, p, value] => {
                let text = self.server_item(name).await.expect("on the server");
                assert_eq!(prop(&text, p).as_deref(), Some(*value), "{}", self.ctx);
            }
            ["expect", "local", name, p, value] => {
                let it = self.local_item(name).expect("here");
                assert_eq!(prop(&it.data, p).as_deref(), Some(*value), "{}", self.ctx);
            }
            ["expect", "server-missing", name] => {
                assert!(self.server_item(name).await.is_none(), "{}", self.ctx);
            }
            ["expect", "local-missing", name] => {
                assert!(self.local_item(name).is_none(), "{}", self.ctx);
            }
            ["expect", "conflicts", n] => {
                assert_eq!(self.conflicts, n.parse::<usize>().unwrap(), "{}", self.ctx);
            }
            ["expect", "merged", n] => {
                assert_eq!(self.merged, n.parse::<usize>().unwrap(), "{}", self.ctx);
            }
            ["expect", "copy", p, value] => {
                let here = store::items(self.conn, self.coll.id).unwrap();
                assert!(
                    here.iter()
                        .any(|i| i.conflict_of.is_some()
                            && prop(&i.data, p).as_deref() == Some(*value)),
                    "{}: no conflicted copy here",
                    self.ctx
                );
                assert!(
                    self.server_items()
                        .await
                        .iter()
                        .any(|d| prop(d, p).as_deref() == Some(*value)),
                    "{}: no conflicted copy on the server",
                    self.ctx
                );
            }
            ["expect", "exists", p, value] => {
                let here = store::items(self.conn, self.coll.id).unwrap();
                assert!(
                    here.iter().any(|i| i.state != State::Deleted
                        && prop(&i.data, p).as_deref() == Some(*value)),
                    "{}: not here",
                    self.ctx
                );
                assert!(
                    self.server_items()
                        .await
                        .iter()
                        .any(|d| prop(d, p).as_deref() == Some(*value)),
                    "{}: not on the server",
                    self.ctx
                );
            }
            ["expect", "same"] => {
                let mut server: Vec<String> = self
                    .server_items()
                    .await
                    .iter()
                    .filter_map(|d| cc_pim::index::uid_of(d))
                    .collect();
                server.sort();
                let mut here: Vec<String> = store::items(self.conn, self.coll.id)
                    .unwrap()
                    .into_iter()
                    .filter(|i| i.state != State::Deleted)
                    .filter_map(|i| i.uid)
                    .collect();
                here.sort();
                assert_eq!(server, here, "{}", self.ctx);
                let mut dedup = here.clone();
                dedup.dedup();
                assert_eq!(dedup, here, "{}: an item twice", self.ctx);
            }
            other => panic!("{}: unknown command {other:?}", self.ctx),
        }
    }
}

fn files() -> Vec<PathBuf> {
    let dir = cc_harness::workspace_root().join("tests/pim-scenarios");
    let only = std::env::var("CC_SCENARIO").ok();
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .filter(|p| {
            only.as_deref()
                .is_none_or(|o| p.file_name().unwrap().to_string_lossy().contains(o))
        })
        .collect();
    out.sort();
    out
}

async fn run_all(t: Target) {
    let files = files();
    let mut done = BTreeMap::new();
    for (n, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, words(l.split('#').next().unwrap_or(""))))
            .filter(|(_, w)| !w.is_empty());
        let kind = match lines.next().map(|(_, w)| w) {
            Some(w) if w == ["kind", "calendar"] => Kind::Calendar,
            Some(w) if w == ["kind", "contacts"] => Kind::AddressBook,
            other => panic!("{name}: starts with {other:?}, not `kind calendar|contacts`"),
        };
        // A fresh collection for the file.
        let slug = format!("sc-{n}-{}", std::process::id());
        let (home, url) = match kind {
            Kind::Calendar => {
                let url = t.calendars.join(&format!("{slug}/")).unwrap();
                t.client
                    .mkcalendar(&url, &slug, &["VEVENT"], None)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", t.label));
                (t.calendars.clone(), url)
            }
            Kind::AddressBook => {
                let url = t.books.join(&format!("{slug}/")).unwrap();
                t.client
                    .mkaddressbook(&url, &slug)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", t.label));
                (t.books.clone(), url)
            }
        };
        let dir = tempfile::tempdir().unwrap();
        let st = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
        let conn = st.connection();
        let colls = cc_pim::sync::refresh_collections(conn, &t.client, None, &home, kind)
            .await
            .unwrap();
        let coll = colls
            .into_iter()
            .find(|c| c.url.path() == url.path())
            .unwrap_or_else(|| panic!("{}: {slug} not listed", t.label));
        let mut run = Run {
            t: &t,
            kind,
            conn,
            coll,
            conflicts: 0,
            merged: 0,
            ctx: String::new(),
        };
        for (line, w) in lines {
            run.ctx = format!("{} {name}.txt:{line} {}", t.label, w.join(" "));
            run.step(&w).await;
        }
        let _ = t.client.delete_collection(&url).await;
        done.insert(name, ());
    }
    eprintln!("{}: {} scenarios", t.label, done.len());
}

fn harness(kind: ServerKind) -> Target {
    let server = Server::start(kind);
    Target {
        label: format!("{kind:?}"),
        calendars: Url::parse(&server.calendar_home_url()).unwrap(),
        books: Url::parse(&server.addressbook_home_url()).unwrap(),
        client: server.dav_client(),
        _up: Box::new(server),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_on_every_pim_server() {
    for kind in PIM_SERVERS {
        run_all(harness(*kind)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenarios_on_the_real_nextcloud() {
    let Some(nc) = cc_harness::nextcloud::turn() else {
        return;
    };
    let user = nc.new_user("pimscen");
    run_all(Target {
        label: "Nextcloud".into(),
        calendars: Url::parse(&user.calendar_home_url()).unwrap(),
        books: Url::parse(&user.addressbook_home_url()).unwrap(),
        client: user.dav_client(),
        _up: Box::new(nc),
    })
    .await;
}
