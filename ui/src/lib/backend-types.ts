/**
 * What the UI needs from the Rust side. The shapes match the Tauri commands
 * one to one (see backend.ts); this file imports nothing, so the mock backend
 * and the components can use the types without pulling in Tauri.
 *
 * Every command that fails rejects with a `BackendError` (`{code, message}`):
 * the UI shows a message in the member's language chosen by `code`, never the
 * English `message` (that one is for logs).
 */

/** Stable error codes (crates/app/src/error.rs, `ErrorCode`). */
export type ErrorCode =
  | 'storage'
  | 'provider'
  | 'invalid_input'
  | 'system'
  | 'internal'
  | 'unauthorized'
  | 'offline'
  | 'maintenance'
  | 'keyring_unavailable'
  | 'cancelled'
  | 'timeout'
  | 'not_found'
  | 'server'
  | 'local_folder'
  | 'mass_delete'
  | 'autostart';

/** How every command fails. */
export interface BackendError {
  code: ErrorCode;
  /** English, for logs and developers; never shown as is. */
  message: string;
}

/** A server of the provider profile the member can choose (onboarding 1). */
export interface ServerPreset {
  id: string;
  /** A fixed address, or null when `template` needs the organisation. */
  url: string | null;
  /** An address with `{organisation}` in it (e.g. Framaspace). */
  template: string | null;
  /** The label in each language (`ca`, `es`, `en`); may lack some. */
  label: Record<string, string>;
}

/** `app_info` */
export interface AppInfo {
  /** The provider's brand, e.g. "CommonsCloud". */
  name: string;
  /** The app's version. */
  version: string;
  /** The OS locale, e.g. "ca-ES", "es_ES.UTF-8", "C"; null when unknown. */
  locale: string | null;
  /** The provider's default language, e.g. "ca". */
  defaultLanguage: string;
  /** The provider's sign-up page. */
  signUpUrl: string;
  /** The provider profile's id ("commonscloud"). */
  providerId: string;
  /** The cooperative's name in each language ("ca": "SomNúvol"). */
  names: Record<string, string>;
  colors: { primary: string; primaryDark: string; onPrimary: string; tint: string };
  /** Where a forgotten password is reset; null: each server's login page has it. */
  passwordResetUrl: string | null;
  /** The servers the member picks from. */
  servers: ServerPreset[];
  /** Whether the member may type any server address, with its example and label. */
  customServerAllowed: boolean;
  customServerHint: string | null;
  customServerLabel: Record<string, string>;
}

/** `get_settings`; `update_settings` takes a partial copy. */
export interface Settings {
  /** The member's chosen language ("ca", "es", "en"), null before any choice. */
  language: string | null;
  /** Start the app when the member logs in to the computer. */
  autostart: boolean;
  /** Upload and download limits in KiB/s; null means no limit. */
  uploadLimitKib: number | null;
  downloadLimitKib: number | null;
  /** Seconds between two looks at the server when nothing changes (30–3600). */
  pollSeconds: number;
  /** The member's own ignore patterns, one per line (sync-exclude.lst format). */
  ignoreList: string;
}

export type SettingsPatch = Partial<Omit<Settings, 'language'>>;

/** A signed-in account. Never holds the password. */
export interface Account {
  id: number;
  providerId: string;
  /** "https://oficina.commonscloud.coop" */
  server: string;
  userId: string;
  loginName: string;
  displayName: string | null;
  /** "ana@oficina.commonscloud.coop" */
  label: string;
  /** The server refused the app password: ask the member to sign in again. */
  needsSignIn: boolean;
}

/** `check_server { address }`: the address answers as a Nextcloud. */
export interface ServerCheck {
  /** The normalised address to sign in to. */
  server: string;
  /** "Nextcloud 33.0.1" or the server's own product name. */
  product: string;
}

/** `start_login { server }`: the browser is already open on `loginUrl`. */
export interface LoginStarted {
  loginId: number;
  /** Shown as a link in case the browser did not open. */
  loginUrl: string;
}

/** One folder of the server, for the folder chooser (lazy: one level per call). */
export interface RemoteFolder {
  /** Path from the account's files root, "/" separated, no leading slash ("Fotos/2025"). */
  path: string;
  name: string;
  /** Bytes of everything below it; null when the server does not say. */
  size: number | null;
  /** Has sub-folders (false means there is nothing to expand). */
  hasChildren: boolean;
}

/** `check_local_folder { path }` */
export interface LocalFolderCheck {
  /** Absolute path, "~" expanded. */
  path: string;
  /** Does not exist yet: it will be created. */
  exists: boolean;
  /** Exists and holds files: they will be merged with the server's (nothing is deleted). */
  nonEmpty: boolean;
  /** Files and folders directly inside (0 when it does not exist). */
  entries: number;
  /** Already the local folder of another folder pair (cannot be used twice). */
  alreadySynced: boolean;
  /** The app cannot write there (permissions, a file with that name). */
  problem: ErrorCode | null;
}

/** What a folder pair is doing. */
export type FolderStatus =
  | 'up_to_date'
  | 'syncing'
  | 'paused'
  | 'offline'
  /** Conflicts, names that cannot sync, or a question (mass delete): see `attention`. */
  | 'attention'
  /** Cannot sync at all (see `error`), e.g. sign in again, local folder gone. */
  | 'error'
  /** Not synced yet since the app started. */
  | 'waiting';

export interface SyncProgress {
  /** Actions done and planned in this pass. */
  done: number;
  total: number;
  /** Bytes moved in this pass and the current speed. */
  bytes: number;
  bytesPerSecond: number;
  /** The file being worked on, for the status line. */
  current: string | null;
}

export interface FolderPair {
  id: number;
  accountId: number;
  /** Absolute local path. */
  localPath: string;
  /** Path on the server from the account's files root, "" for all of it. */
  remotePath: string;
  /** The folder in the web interface (opened in the browser). */
  webUrl: string;
  status: FolderStatus;
  paused: boolean;
  progress: SyncProgress | null;
  /** Seconds since the epoch of the last pass that completed. */
  lastSync: number | null;
  /** Why the status is `error` or `offline`. */
  error: BackendError | null;
  /** The mass-delete guard stopped a pass and asks the member. */
  massDelete: { deletes: number; tracked: number } | null;
  /** Conflicts still open and names that could not sync. */
  conflicts: number;
  notSynced: { path: string; reason: NotSyncedReason }[];
  /** Remote folders left out (selective sync), paths from `remotePath`. */
  excluded: string[];
}

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

/** `add_folder` */
export interface NewFolderPair {
  accountId: number;
  localPath: string;
  remotePath: string;
  excluded: string[];
}

/** A conflict: the member's version kept beside the server's. */
export interface Conflict {
  folderId: number;
  /** The file with the server's version, relative to the local folder. */
  path: string;
  /** The member's version ("informe (conflicted copy 2026-11-25 093612).odt"). */
  copyPath: string;
  /** Seconds since the epoch when it was found. */
  found: number;
}

/**
 * - `mine`: the member's version replaces the server's (and is uploaded);
 * - `theirs`: the member's version goes to the trash;
 * - `both`: both stay, the copy becomes an ordinary file.
 */
export type ConflictResolution = 'mine' | 'theirs' | 'both';

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

export interface ActivityItem {
  id: number;
  folderId: number;
  /** Seconds since the epoch. */
  at: number;
  kind: ActivityKind;
  path: string;
}

/** What signing out did (local files are always kept). */
export interface SignOutReport {
  revokedOnServer: boolean;
  filesDeleted: boolean;
}

/**
 * Worth a desktop notification (the Rust side shows it; the UI needs
 * nothing more, the folder event that goes with it carries the state).
 */
export interface Notice {
  kind: 'conflicts' | 'needs_you' | 'first_sync';
  folderId: number;
  count: number;
  code: ErrorCode | null;
}

/** Pushed by the Rust side while the app runs. */
export type SyncEvent =
  | { type: 'folder'; folder: FolderPair }
  | { type: 'activity'; item: ActivityItem }
  | { type: 'removed'; folderId: number }
  | { type: 'notice'; notice: Notice };

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

  /** Subscribes to sync events; returns the unsubscribe function. */
  onSyncEvent(listener: (event: SyncEvent) => void): Promise<() => void>;
}
