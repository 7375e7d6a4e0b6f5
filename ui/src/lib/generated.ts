// Generated from the Rust types of crates/app by ts-rs (crates/app/tests/typescript.rs):
// do not edit. `CC_UPDATE_TS=1 cargo test -p cc-app --test typescript` writes it anew.
import type { ActivityKind, NotSyncedReason, ServiceKind } from './backend-types';

/**
 * Stable codes the UI maps to a message in the member's language.
 */
export type ErrorCode = "storage" | "provider" | "invalid_input" | "system" | "internal" | "unauthorized" | "offline" | "maintenance" | "keyring_unavailable" | "cancelled" | "timeout" | "not_found" | "server" | "local_folder" | "mass_delete" | "autostart" | "read_only";

/**
 * The one error type of the façade: a code for programs and a message
 * (in English) for logs and developers.
 */
export type BackendError = { code: ErrorCode, message: string, };

/**
 * What the UI needs to know to draw its first screen.
 */
export type AppInfo = { 
/**
 * The provider's brand: the app's title (`CommonsCloud`).
 */
name: string, version: string, 
/**
 * The OS locale as the OS spells it (`ca-ES`, `es_ES.UTF-8`, ...).
 */
locale: string | null, defaultLanguage: string, signUpUrl: string, 
/**
 * The provider profile's id (`commonscloud`).
 */
providerId: string, 
/**
 * The provider's name in each language (`ca`: `SomNúvol`, ...).
 */
names: { [key in string]: string }, colors: ColorsInfo, 
/**
 * Where a member resets a forgotten password, when the provider has
 * one page for it (otherwise each server's login page has the link).
 */
passwordResetUrl: string | null, 
/**
 * Whether the member may type any server address, and its example.
 */
customServerAllowed: boolean, 
/**
 * The example, per language (`*`: the same in every language).
 */
customServerHint: { [key in string]: string }, 
/**
 * What the "another server" choice is called, in each language.
 */
customServerLabel: { [key in string]: string }, 
/**
 * The servers of the profile the member picks from.
 */
servers: Array<ServerPreset>, };

/**
 * A server of the provider profile, as the first onboarding screen shows
 * it.
 */
export type ServerPreset = { id: string, url: string | null, 
/**
 * An address with `{organisation}` in it.
 */
template: string | null, label: { [key in string]: string }, };

/**
 * The provider's palette (`#rrggbb`).
 */
export type ColorsInfo = { primary: string, primaryDark: string, onPrimary: string, tint: string, };

/**
 * Preferences the member chose.
 */
export type Settings = { 
/**
 * The UI language the member picked; `None` follows the OS.
 */
language: string | null, 
/**
 * Start the app at login.
 */
autostart: boolean, 
/**
 * KiB/s; `None` is no limit.
 */
uploadLimitKib: number | null, downloadLimitKib: number | null, pollSeconds: number, 
/**
 * The member's ignore patterns (sync-exclude.lst format).
 */
ignoreList: string, 
/**
 * Look for new versions of the app where it updates itself (Windows,
 * macOS) and the provider profile lets it (see `update_channel`).
 */
checkUpdates: boolean, };

/**
 * A change to some settings (the language has its own call).
 */
export type SettingsPatch = { autostart?: boolean, 
/**
 * `Some(None)` clears the limit.
 */
uploadLimitKib?: number | null, downloadLimitKib?: number | null, pollSeconds?: number, ignoreList?: string, checkUpdates?: boolean, };

/**
 * An account as the UI shows it. Never holds the app password.
 */
export type Account = { id: number, providerId: string, 
/**
 * The server's address (`https://oficina.commonscloud.coop`).
 */
server: string, 
/**
 * The user id of DAV paths.
 */
userId: string, 
/**
 * What the member signs in with.
 */
loginName: string, displayName: string | null, 
/**
 * `<user id>@<server host>`: how lists and the CLI name the account.
 */
label: string, filesUrl: string | null, calendarHome: string | null, contactsHome: string | null, serverVersion: string | null, localFolder: string | null, 
/**
 * The server refused the app password: ask the member to sign in
 * again (nothing retries with it meanwhile).
 */
needsSignIn: boolean, };

/**
 * A server address that answers as a Nextcloud.
 */
export type ServerCheck = { 
/**
 * The normalised address to sign in to.
 */
server: string, 
/**
 * `Nextcloud 33.0.1`.
 */
product: string, };

/**
 * A started sign-in: open `login_url` in the system browser, then call
 * [`App::finish_login`] with `login_id`.
 */
export type LoginStarted = { loginId: number, loginUrl: string, };

/**
 * What signing out did.
 */
export type SignOutReport = { account: Account, 
/**
 * The server revoked the app password.
 */
revokedOnServer: boolean, 
/**
 * The app password left the keyring.
 */
secretRemoved: boolean, 
/**
 * The synced files were deleted (only when asked): the account's local
 * folder and the local root of each of its sync folder pairs.
 */
filesDeleted: boolean, 
/**
 * What could not be done, in English, for logs and the CLI.
 */
warnings: Array<string>, };

/**
 * A folder of the server, for the folder chooser.
 */
export type RemoteFolder = { path: string, name: string, size: number | null, hasChildren: boolean, };

/**
 * What the app found at a local folder the member picked.
 */
export type LocalFolderCheck = { path: string, exists: boolean, nonEmpty: boolean, entries: number, alreadySynced: boolean, problem: ErrorCode | null, };

/**
 * What a folder pair is doing.
 */
export type FolderStatus = "up_to_date" | "syncing" | "paused" | "offline" | "attention" | "error" | "waiting";

/**
 * Progress of the pass in flight.
 */
export type SyncProgress = { 
/**
 * While the pass looks for changes on the server (before it knows
 * its work): the folders listed so far. `None` once planned.
 */
listedFolders: number | null, done: number, total: number, bytes: number, bytesPerSecond: number, current: string | null, };

/**
 * The mass-delete guard stopped a pass: it asks the member.
 */
export type MassDelete = { deletes: number, tracked: number, };

/**
 * A name that does not sync, and why.
 */
export type NotSynced = { path: string, reason: NotSyncedReason, };

/**
 * A folder pair as the UI shows it.
 */
export type FolderPair = { id: number, accountId: number, localPath: string, 
/**
 * The server folder from the account's files root (`""` for all).
 */
remotePath: string, 
/**
 * The folder in the server's web interface.
 */
webUrl: string, status: FolderStatus, paused: boolean, progress: SyncProgress | null, 
/**
 * Seconds since the epoch of the last pass that completed.
 */
lastSync: number | null, error: BackendError | null, massDelete: MassDelete | null, conflicts: number, notSynced: Array<NotSynced>, excluded: Array<string>, };

/**
 * What `add_folder` needs.
 */
export type NewFolderPair = { accountId: number, localPath: string, remotePath: string, excluded: Array<string>, };

/**
 * An open conflict.
 */
export type Conflict = { folderId: number, path: string, copyPath: string, found: number, };

/**
 * How the member resolves a conflict.
 */
export type ConflictResolution = "mine" | "theirs" | "both";

/**
 * One line of the recent activity.
 */
export type ActivityItem = { id: number, folderId: number, at: number, kind: ActivityKind, path: string, 
/**
 * Why an `error` failed: a stable code of the engine (its
 * `ActionError::code`), which the UI translates; absent otherwise.
 */
code?: string, };

/**
 * Something worth a desktop notification (never one per file).
 */
export type NoticeKind = "conflicts" | "needs_you" | "first_sync";

export type Notice = { kind: NoticeKind, folderId: number, count: number, code: ErrorCode | null, };

/**
 * What the app pushes to the UI while it runs.
 */
export type SyncEvent = { "type": "folder", folder: FolderPair, } | { "type": "activity", item: ActivityItem, } | { "type": "removed", folderId: number, } | { "type": "notice", notice: Notice, } | { "type": "account_refused", accountId: number, } | { "type": "account_removed", accountId: number, } | { "type": "server_notification", accountId: number, } | { "type": "reminder", reminder: Reminder, } | { "type": "server_notice", accountId: number, notice: ServerNotice, } | { "type": "server_notices", accountId: number, } | { "type": "pim", accountId: number, };

/**
 * Calendars or address books.
 */
export type PimKind = "calendar" | "addressbook";

/**
 * What a collection is doing.
 */
export type PimStatus = "in_sync" | "syncing" | "pending" | "offline" | "error" | "waiting";

/**
 * A calendar or address book, as the pages list it.
 */
export type PimCollection = { id: number, accountId: number | null, kind: PimKind, name: string, 
/**
 * `#rrggbb` when the server gave one.
 */
color: string | null, 
/**
 * Shared with the member without the right to change it.
 */
readOnly: boolean, hidden: boolean, 
/**
 * Changes made here not sent yet.
 */
pending: number, status: PimStatus, error: string | null, 
/**
 * Seconds since the epoch.
 */
syncedAt: number | null, };

/**
 * One occurrence of an event, for the calendar views.
 */
export type CalendarEntry = { itemId: number, calendarId: number, summary: string, location: string, 
/**
 * Seconds since the epoch (for an all-day event, midnights here).
 */
start: number, end: number, allDay: boolean, 
/**
 * For an occurrence of a repeating event: which one (seconds since
 * the epoch, as the series starts it), given back to edit it.
 */
recurrenceId: number | null, readOnly: boolean, color: string | null, 
/**
 * Not sent to the server yet.
 */
pending: boolean, };

/**
 * An event as the editor shows it.
 */
export type EventFields = { summary: string, location: string, description: string, allDay: boolean, 
/**
 * `YYYY-MM-DD` for an all-day event, else the wall time
 * `YYYY-MM-DDTHH:MM` in `tzid`.
 */
start: string, 
/**
 * As `start`; for an all-day event its last day (the day it ends on,
 * not the day after as iCalendar writes it).
 */
end: string, 
/**
 * The IANA time zone of a timed event (`Europe/Madrid`, `UTC`);
 * `None`: floating (the same wall time wherever the member is).
 */
tzid: string | null, 
/**
 * The repeat rule as iCalendar writes it (`FREQ=WEEKLY;BYDAY=MO,WE`),
 * `None` for a single event.
 */
rrule: string | null, 
/**
 * Minutes before the start of each reminder shown on screen.
 */
reminders: Array<number>, };

/**
 * An event opened in the editor.
 */
export type EventDetail = { itemId: number, calendarId: number, readOnly: boolean, 
/**
 * Part of a repeating series (the editor asks "this one / this and
 * the following / all").
 */
recurring: boolean, recurrenceId: number | null, fields: EventFields, 
/**
 * A copy kept when the same event was changed here and on the server.
 */
conflictedCopy: boolean, };

/**
 * Which occurrences of a repeating event a change is for.
 */
export type EditScope = "all" | "this" | "following";

/**
 * An event saved from the editor: new when `item_id` is `None`.
 */
export type SaveEvent = { itemId: number | null, calendarId: number, recurrenceId: number | null, scope: EditScope, fields: EventFields, };

/**
 * A typed value of a contact (an e-mail, a phone): `kind` is the first
 * `TYPE` (`home`, `work`, `cell`...), lower case, or empty.
 */
export type Typed = { kind: string, value: string, };

/**
 * A postal address (`ADR`).
 */
export type Address = { kind: string, street: string, city: string, region: string, code: string, country: string, };

/**
 * A contact as the editor shows it.
 */
export type ContactFields = { 
/**
 * `FN`: the name shown.
 */
name: string, given: string, family: string, emails: Array<Typed>, phones: Array<Typed>, addresses: Array<Address>, organisation: string, 
/**
 * `YYYY-MM-DD`, or `--MM-DD` without a year; empty when unknown.
 */
birthday: string, note: string, 
/**
 * The groups (`CATEGORIES`).
 */
groups: Array<string>, 
/**
 * The photo as a `data:` address (only shown, never edited here);
 * a photo given by a link is not fetched.
 */
photo: string | null, };

/**
 * A contact in the list.
 */
export type ContactSummary = { itemId: number, addressbookId: number, name: string, emails: Array<string>, phones: Array<string>, organisation: string, };

/**
 * A contact group (`CATEGORIES`) and how many contacts it has.
 */
export type ContactGroup = { name: string, count: number, };

/**
 * A contact opened in the detail view or the editor.
 */
export type ContactDetail = { itemId: number, addressbookId: number, readOnly: boolean, fields: ContactFields, conflictedCopy: boolean, };

/**
 * A contact saved from the editor: new when `item_id` is `None`.
 */
export type SaveContact = { itemId: number | null, addressbookId: number, fields: ContactFields, };

/**
 * What an import did.
 */
export type ImportReport = { added: number, changed: number, 
/**
 * Items already there as they are in the file.
 */
same: number, 
/**
 * Items not imported, with why.
 */
failed: Array<string>, };

/**
 * An event's reminder, due now: the desktop shows it.
 */
export type Reminder = { itemId: number, summary: string, location: string, 
/**
 * When the event starts (seconds since the epoch), and that time as
 * the member's clock shows it (`HH:MM`, with the date when it is not
 * today).
 */
start: number, localTime: string, };

/**
 * One tile of the Services page.
 */
export type ServiceTile = { id: string, kind: ServiceKind, name: string, url: string, 
/**
 * A `data:image/png` URL (rasterised here), or none: the kind's icon.
 */
icon: string | null, 
/**
 * An app of the member's server, not of the profile.
 */
fromServer: boolean, };

/**
 * Something "New" can make on the server besides the three office kinds.
 */
export type DocCreator = { 
/**
 * `document`, `spreadsheet`, `presentation`, or the server's creator id.
 */
id: string, 
/**
 * The server's name for it (empty for the three office kinds: the UI
 * names them).
 */
name: string, extension: string, };

/**
 * The Services page's content.
 */
export type Launcher = { accountId: number | null, services: Array<ServiceTile>, 
/**
 * What was left out (of the profile or the server's list) and why.
 */
refused: Array<string>, 
/**
 * What "New" can make.
 */
creators: Array<DocCreator>, 
/**
 * The service "Start a meeting" uses, when one can.
 */
meeting: string | null, 
/**
 * The server could not be asked: only the profile's services show.
 */
offline: boolean, };

/**
 * The account as the Services page shows it.
 */
export type AccountOverview = { accountId: number, userId: string, displayName: string | null, server: string, 
/**
 * `data:image/png;base64,…`, from the server.
 */
avatar: string | null, quotaUsed: number | null, 
/**
 * `None`: no limit.
 */
quotaTotal: number | null, 
/**
 * The member's settings on the web.
 */
settingsUrl: string, };

/**
 * A file opened (or made) in the web office.
 */
export type Opened = { 
/**
 * The page to open in the browser.
 */
url: string, 
/**
 * The file on the server, from the account's files root.
 */
remotePath: string, fileId: string | null, 
/**
 * `direct_editing` (a one-time URL, signed in) or `file_page`
 * (`index.php/f/<id>`).
 */
how: string, };

/**
 * A meeting room made.
 */
export type Meeting = { url: string, 
/**
 * The service's name.
 */
service: string, 
/**
 * `talk`, `jitsi` or `page`.
 */
kind: string, };

/**
 * A notification of the server as the app shows it.
 */
export type ServerNotice = { id: number, accountId: number, 
/**
 * The server app it comes from (`files_sharing`, `spreed`, …).
 */
app: string, 
/**
 * RFC 3339.
 */
datetime: string, subject: string, message: string, 
/**
 * A page about it.
 */
link: string | null, actions: Array<NoticeButton>, };

/**
 * A button of a notification ([`App::notice_action`] by its index).
 */
export type NoticeButton = { label: string, primary: boolean, 
/**
 * Opens a page rather than doing something on the server.
 */
web: boolean, };

/**
 * How this app gets its new versions.
 */
export type UpdateChannel = { "kind": "system" } | { "kind": "updater", endpoint: string, host: string, } | { "kind": "off", reason: UpdatesOff, };

/**
 * Why the app does not look for new versions.
 */
export type UpdatesOff = "provider" | "setting" | "noEndpoint";

/**
 * What a look for a new version found.
 */
export type UpdateCheck = { "kind": "system" } | { "kind": "off", reason: UpdatesOff, } | { "kind": "upToDate", current: string, } | { "kind": "available", current: string, version: string, notes: string | null, };
