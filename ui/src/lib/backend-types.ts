/**
 * What the UI needs from the Rust side. The shapes of the commands' values
 * are generated from the Rust types (`generated.ts`, by ts-rs: see
 * crates/app/tests/typescript.rs) and re-exported here; this file adds the
 * `Backend` interface (one method per Tauri command, see backend.ts) and
 * the string unions the Rust side keeps as text. It imports nothing else,
 * so the mock backend and the components can use the types without
 * pulling in Tauri.
 *
 * Every command that fails rejects with a `BackendError` (`{code, message}`):
 * the UI shows a message in the member's language chosen by `code`, never the
 * English `message` (that one is for logs).
 */
import type {
  Account,
  ActivityItem,
  AppInfo,
  Conflict,
  ConflictResolution,
  FolderPair,
  LocalFolderCheck,
  LoginStarted,
  NewFolderPair,
  RemoteFolder,
  ServerCheck,
  Settings,
  SettingsPatch,
  SignOutReport,
  SyncEvent,
  PimCollection,
  PimKind,
  CalendarEntry,
  EventDetail,
  EditScope,
  SaveEvent,
  ContactSummary,
  ContactDetail,
  ContactGroup,
  SaveContact,
  ImportReport,
  Launcher,
  AccountOverview,
  Opened,
  Meeting,
  ServerNotice,
  UpdateChannel,
  UpdateCheck,
} from './generated';

export type { UpdateChannel, UpdateCheck, UpdatesOff } from './generated';
export type {
  AccountOverview,
  DocCreator,
  Launcher,
  Meeting,
  NoticeButton,
  Opened,
  ServerNotice,
  ServiceTile,
  Address,
  CalendarEntry,
  ContactDetail,
  ContactFields,
  ContactGroup,
  ContactSummary,
  EditScope,
  EventDetail,
  EventFields,
  ImportReport,
  PimCollection,
  PimKind,
  PimStatus,
  SaveContact,
  SaveEvent,
  Typed,
  Account,
  ActivityItem,
  AppInfo,
  BackendError,
  ColorsInfo,
  Conflict,
  ConflictResolution,
  ErrorCode,
  FolderPair,
  FolderStatus,
  LocalFolderCheck,
  LoginStarted,
  MassDelete,
  NewFolderPair,
  NotSynced,
  Notice,
  NoticeKind,
  RemoteFolder,
  ServerCheck,
  ServerPreset,
  Settings,
  SettingsPatch,
  SignOutReport,
  SyncEvent,
  SyncProgress,
} from './generated';

/** What a service is, for its icon (the profile's `kind`; the server's apps are `other`). */
export type ServiceKind = 'office' | 'video' | 'mail' | 'forum' | 'erp' | 'forms' | 'help' | 'other';

/** Why a name is not synced (the engine's `Problem`). */
export type NotSyncedReason =
  | 'symlink'
  | 'not_utf8'
  | 'duplicate_spelling'
  | 'special'
  | 'case_clash'
  | 'not_portable'
  | 'server_refuses'
  | 'type_change'
  | 'read_only'
  /** A folder shared with the member, deleted here: it was put back. */
  | 'share_root'
  | 'other';

export type ActivityKind =
  | 'uploaded'
  /** Renamed or moved here, and so on the server (`path` is the new place). */
  | 'moved'
  | 'downloaded'
  | 'deleted_local'
  | 'deleted_remote'
  | 'folder'
  | 'conflict'
  | 'not_synced'
  | 'error';

export interface Backend {
  appInfo(): Promise<AppInfo>;
  getSettings(): Promise<Settings>;
  /** Stores the member's language choice. */
  setLanguage(language: string): Promise<void>;
  updateSettings(patch: SettingsPatch): Promise<Settings>;
  /** Opens a web address in the system browser. */
  openUrl(url: string): Promise<void>;

  accounts(): Promise<Account[]>;
  /** Checks live that an address is a Nextcloud the app can sign in to. */
  checkServer(address: string): Promise<ServerCheck>;
  /** Starts Login Flow v2 and opens the browser. */
  startLogin(server: string): Promise<LoginStarted>;
  /** Waits until the member has signed in in the browser (rejects `cancelled`, `timeout`). */
  finishLogin(loginId: number): Promise<Account>;
  cancelLogin(loginId: number): Promise<void>;
  /** Signs out: the app password is revoked and forgotten; local files are kept. */
  signOut(accountId: number): Promise<SignOutReport>;

  /** The sub-folders of `path` ("" = the top). */
  listRemoteFolders(accountId: number, path: string): Promise<RemoteFolder[]>;
  /** `~/CommonsCloud` (brand name) in the member's home. */
  defaultLocalFolder(): Promise<string>;
  checkLocalFolder(path: string): Promise<LocalFolderCheck>;
  /** The OS folder picker; null when the member closed it. */
  pickLocalFolder(): Promise<string | null>;

  folders(): Promise<FolderPair[]>;
  /** Creates the local folder when needed and starts syncing at once. */
  addFolder(pair: NewFolderPair): Promise<FolderPair>;
  /** Stops syncing a pair; its files stay where they are, here and on the server. */
  removeFolder(folderId: number): Promise<void>;
  pauseFolder(folderId: number): Promise<FolderPair>;
  resumeFolder(folderId: number): Promise<FolderPair>;
  syncNow(folderId: number): Promise<void>;
  /** Selective sync. Folders taken out stay on disk (the member is asked first in the UI). */
  setExcluded(folderId: number, excluded: string[]): Promise<FolderPair>;
  /** The member agreed to the deletions the guard stopped: the next pass does them. */
  allowMassDelete(folderId: number): Promise<void>;
  openLocalFolder(folderId: number): Promise<void>;

  conflicts(): Promise<Conflict[]>;
  resolveConflict(folderId: number, copyPath: string, resolution: ConflictResolution): Promise<void>;
  /** Opens both versions with the programs the OS picks. */
  openConflict(folderId: number, copyPath: string): Promise<void>;
  /** The most recent first, at most 200. */
  activity(): Promise<ActivityItem[]>;

  /** Every calendar and address book, with its state. */
  pimCollections(): Promise<PimCollection[]>;
  /** Shows or hides a calendar or address book here. */
  setCollectionHidden(id: number, hidden: boolean): Promise<void>;
  /** Makes a calendar or address book on the server. */
  createCollection(accountId: number, kind: PimKind, name: string, color: string | null): Promise<void>;
  /** Renames or recolours on the server, then here. */
  updateCollection(id: number, name: string, color: string | null): Promise<PimCollection>;
  /** Deletes on the server (a share: no longer shared with the member) and here. */
  deleteCollection(id: number): Promise<void>;
  pimSyncNow(): Promise<void>;
  /** The occurrences in `[from, to)` (seconds since the epoch). */
  calendarEntries(from: number, to: number): Promise<CalendarEntry[]>;
  /** Events whose title or place contain `text`, each at its next occurrence. */
  searchEvents(text: string, limit: number): Promise<CalendarEntry[]>;
  event(itemId: number, recurrenceId: number | null): Promise<EventDetail>;
  /** Saves from the editor; answers the event's item. */
  saveEvent(event: SaveEvent): Promise<number>;
  deleteEvent(itemId: number, recurrenceId: number | null, scope: EditScope): Promise<void>;
  /** By name; all of them (up to `limit`) when `text` is empty; only a group's when given. */
  searchContacts(text: string, limit: number, group: string | null): Promise<ContactSummary[]>;
  /** The contact groups with their sizes. */
  contactGroups(): Promise<ContactGroup[]>;
  contact(itemId: number): Promise<ContactDetail>;
  saveContact(contact: SaveContact): Promise<number>;
  deleteContact(itemId: number): Promise<void>;
  /** Asks for a file and imports it; null when the member closed the dialog. */
  importPimFile(collectionId: number): Promise<ImportReport | null>;
  /** Asks where to save and exports; false when the member closed the dialog. */
  exportPimFile(collectionId: number, fileName: string): Promise<boolean>;
  /** An e-mail address (through "Write an e-mail": webmail or the mail program) or a phone number. */
  openContactLink(kind: 'mailto' | 'tel', value: string): Promise<void>;

  /** The Services page for an account (null: the profile's only). */
  launcher(accountId: number | null): Promise<Launcher>;
  /** The account's name, avatar and quota, from the server. */
  accountOverview(accountId: number): Promise<AccountOverview>;
  /** Opens a service's page in the browser. */
  openService(url: string): Promise<void>;
  /** Makes a document in a synced folder, on the server, and opens it in the browser. */
  newDocument(folderId: number, kind: string, name: string): Promise<Opened>;
  /** Opens a synced file in the web office. */
  openInOffice(path: string): Promise<Opened>;
  /** Asks for a file of a synced folder and opens it in the web office; null when none was picked. */
  openFileInOffice(folderId: number): Promise<Opened | null>;
  /** Makes a room; its link is on the clipboard. */
  startMeeting(accountId: number): Promise<Meeting>;
  /** "Write an e-mail" (to may be empty). */
  composeMail(accountId: number | null, to: string): Promise<void>;
  /** The server's notifications as last polled (and asks for new ones). */
  serverNotices(accountId: number): Promise<ServerNotice[]>;
  dismissNotice(accountId: number, id: number): Promise<void>;
  /** Does a notification's button; a web one opens its page. */
  noticeAction(accountId: number, id: number, index: number): Promise<void>;

  /** How the app gets its new versions (the system, its own updater, nobody). */
  updateChannel(): Promise<UpdateChannel>;
  /** Looks for a new version at the provider's address (Windows, macOS). */
  checkForUpdates(): Promise<UpdateCheck>;
  /** Installs the new version the last look found, and restarts. */
  installUpdate(): Promise<void>;

  /** Subscribes to sync events; returns the unsubscribe function. */
  onSyncEvent(listener: (event: SyncEvent) => void): Promise<() => void>;
}
