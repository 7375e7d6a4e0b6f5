//! The UI's types of the façade (`ui/src/lib/generated.ts`) are generated
//! from the Rust ones with ts-rs, never written by hand: this test fails
//! when the file is not what the Rust types say, and writes it anew with
//! `CC_UPDATE_TS=1 cargo test -p cc-app --test typescript`.

use cc_app::{
    Account, ActivityItem, AppInfo, Conflict, Error, ErrorCode, FolderPair, FolderStatus,
    LocalFolderCheck, LoginStarted, MassDelete, NewFolderPair, NotSynced, Notice, NoticeKind,
    RemoteFolder, Resolution, ServerCheck, Settings, SettingsPatch, SignOutReport, SyncEvent,
    SyncProgress,
};
use ts_rs::{Config, TS};

fn entry<T: TS + ?Sized>(cfg: &Config) -> String {
    let docs = T::docs()
        .map(|d| format!("{}\n", d.trim_end()))
        .unwrap_or_default();
    format!("{docs}export {}\n", T::decl(cfg))
}

fn generated() -> String {
    // JSON numbers: the ids, sizes and times the app sends stay far below
    // 2^53, so 64-bit integers are `number`, not `bigint`.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust types of crates/app by ts-rs (crates/app/tests/typescript.rs):\n\
         // do not edit. `CC_UPDATE_TS=1 cargo test -p cc-app --test typescript` writes it anew.\n\
         import type { ActivityKind, NotSyncedReason, ServiceKind } from './backend-types';\n\n",
    );
    for decl in [
        entry::<ErrorCode>(&cfg),
        entry::<Error>(&cfg),
        entry::<AppInfo>(&cfg),
        entry::<cc_app::ServerInfo>(&cfg),
        entry::<cc_app::ColorsInfo>(&cfg),
        entry::<Settings>(&cfg),
        entry::<SettingsPatch>(&cfg),
        entry::<Account>(&cfg),
        entry::<ServerCheck>(&cfg),
        entry::<LoginStarted>(&cfg),
        entry::<SignOutReport>(&cfg),
        entry::<RemoteFolder>(&cfg),
        entry::<LocalFolderCheck>(&cfg),
        entry::<FolderStatus>(&cfg),
        entry::<SyncProgress>(&cfg),
        entry::<MassDelete>(&cfg),
        entry::<NotSynced>(&cfg),
        entry::<FolderPair>(&cfg),
        entry::<NewFolderPair>(&cfg),
        entry::<Conflict>(&cfg),
        entry::<Resolution>(&cfg),
        entry::<ActivityItem>(&cfg),
        entry::<NoticeKind>(&cfg),
        entry::<Notice>(&cfg),
        entry::<SyncEvent>(&cfg),
        entry::<cc_app::PimKind>(&cfg),
        entry::<cc_app::PimStatus>(&cfg),
        entry::<cc_app::PimCollection>(&cfg),
        entry::<cc_app::CalendarEntry>(&cfg),
        entry::<cc_app::EventFields>(&cfg),
        entry::<cc_app::EventDetail>(&cfg),
        entry::<cc_app::EditScope>(&cfg),
        entry::<cc_app::SaveEvent>(&cfg),
        entry::<cc_app::Typed>(&cfg),
        entry::<cc_app::Address>(&cfg),
        entry::<cc_app::ContactFields>(&cfg),
        entry::<cc_app::ContactSummary>(&cfg),
        entry::<cc_app::ContactGroup>(&cfg),
        entry::<cc_app::ContactDetail>(&cfg),
        entry::<cc_app::SaveContact>(&cfg),
        entry::<cc_app::ImportReport>(&cfg),
        entry::<cc_app::Reminder>(&cfg),
        entry::<cc_app::ServiceTile>(&cfg),
        entry::<cc_app::DocCreator>(&cfg),
        entry::<cc_app::Launcher>(&cfg),
        entry::<cc_app::AccountOverview>(&cfg),
        entry::<cc_app::Opened>(&cfg),
        entry::<cc_app::Meeting>(&cfg),
        entry::<cc_app::ServerNotice>(&cfg),
        entry::<cc_app::NoticeButton>(&cfg),
        entry::<cc_app::UpdateChannel>(&cfg),
        entry::<cc_app::UpdatesOff>(&cfg),
        entry::<cc_app::UpdateCheck>(&cfg),
    ] {
        out.push_str(&decl);
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn the_ui_types_are_what_the_rust_types_say() {
    let path = cc_harness::workspace_root().join("ui/src/lib/generated.ts");
    let want = generated();
    if std::env::var_os("CC_UPDATE_TS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is not what the Rust types say: run `CC_UPDATE_TS=1 cargo test -p cc-app --test typescript` and commit it",
        path.display()
    );
}
