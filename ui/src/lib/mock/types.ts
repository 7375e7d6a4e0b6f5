/** The mock backend's own types: its options, its calls, its extra controls. */
import type { MockPimState } from './pim';
import type { MockServicesState } from './services';
import type { Account, ActivityItem, AppInfo, Backend, BackendError, Conflict, ErrorCode, FolderPair, LocalFolderCheck, Settings, SyncEvent, UpdateChannel, UpdateCheck } from '../backend-types';

/** Every command of the backend (the names of `Backend`'s methods). */
export type BackendMethod = keyof Backend;

/** A folder of the mock server (the tree `listRemoteFolders` walks). */
export interface MockRemoteNode {
  name: string;
  /** Bytes below it; null when the "server" does not say. */
  size: number | null;
  children?: MockRemoteNode[];
}

export interface MockBackendOptions {
  name?: string;
  version?: string;
  /** The OS locale to report; null as on a "C" system without LANG. */
  locale?: string | null;
  defaultLanguage?: string;
  signUpUrl?: string;
  /** A language already stored by an earlier run. */
  language?: string | null;
  /** Makes `openUrl` fail, as when no browser can be started. */
  failOpenUrl?: boolean;
  /** Makes `openUrl` also open the address in a new browser tab (dev server). */
  openInBrowser?: boolean;

  /** Anything else of `app_info` (servers, colours, password reset page…). */
  info?: Partial<AppInfo>;
  /** Stored settings other than the language. */
  settings?: Partial<Omit<Settings, 'language'>>;
  /** Start with one account and one folder pair (unless `accounts`/`folders` say otherwise). */
  signedIn?: boolean;
  accounts?: Account[];
  folders?: FolderPair[];
  conflicts?: Conflict[];
  activity?: ActivityItem[];
  /** Calendars, events, address books and contacts. */
  pim?: Partial<MockPimState>;
  /** The Services page, the account's quota, the server's notifications. */
  services?: Partial<MockServicesState>;
  /** How the app gets new versions (default: the system) and what a look finds. */
  updates?: { channel?: UpdateChannel; check?: UpdateCheck };
  /** The server's folders (default: `MOCK_TREE`). */
  tree?: MockRemoteNode[];
  /** Commands that fail, and with what (a code or a whole error). */
  errors?: Partial<Record<BackendMethod, ErrorCode | BackendError>>;
  /** What `checkLocalFolder` says about given paths (after "~" is expanded). */
  localFolders?: Record<string, Partial<LocalFolderCheck>>;
  /** `defaultLocalFolder()`; default `/home/ana/CommonsCloud`. */
  defaultLocalFolder?: string;
  /** The file "Open a file in the Oficina" picks (relative to the folder); none by default. */
  pickedFile?: string | null;
  /** What the folder picker returns; null as when the member closes it. */
  pickedFolder?: string | null;
  /**
   * How `finishLogin` ends: after this many milliseconds, or (null, the
   * default) only when the test calls `completeLogin()` or the UI cancels.
   */
  loginDelayMs?: number | null;
  /** Answer every command after this many milliseconds (dev server: feels real). */
  latencyMs?: number;
  /** Play sync passes with progress on timers (dev server only; tests stay still). */
  simulate?: boolean;
  /** The clock, in milliseconds (tests pin it). */
  now?: () => number;
}

export interface MockCall {
  method: BackendMethod;
  args: unknown[];
}

export interface MockBackend extends Backend {
  /** The stored settings, as `set_language` and `update_settings` left them. */
  readonly settings: Settings;
  /** Every address passed to `openUrl`, in order. */
  readonly openedUrls: string[];
  /** Every language passed to `setLanguage`, in order. */
  readonly languageCalls: string[];
  /** Every command called, in order, with its arguments. */
  readonly calls: MockCall[];
  /** The live state (tests may read and change it). */
  readonly state: {
    accounts: Account[];
    folders: FolderPair[];
    conflicts: Conflict[];
    activity: ActivityItem[];
    pim: MockPimState;
  };
  /** The Services page's state (clipboard, notifications). */
  readonly services: MockServicesState;
  /** Calls to `method`'s arguments, in order. */
  callsTo(method: BackendMethod): unknown[][];
  /** From now on `method` fails with `error` (null: works again). */
  fail(method: BackendMethod, error: ErrorCode | BackendError | null): void;
  /** Ends the pending `finishLogin` successfully, as when the member signed in. */
  completeLogin(): Promise<void>;
  /** Ends the pending `finishLogin` with an error. */
  rejectLogin(code: ErrorCode): Promise<void>;
  /** Applies a sync event to the state and sends it to the listeners. */
  emit(event: SyncEvent): void;
  /** How many `onSyncEvent` listeners are subscribed. */
  listenerCount(): number;
}
