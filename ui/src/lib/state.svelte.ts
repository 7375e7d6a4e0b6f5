/**
 * What the main window shows, kept up to date by the sync events: accounts,
 * folder pairs, open conflicts and recent activity. One instance per app
 * (App.svelte), shared through context.
 */
import type {
  Account,
  ActivityItem,
  Backend,
  Conflict,
  ErrorCode,
  FolderPair,
  Settings,
  SyncEvent,
} from './backend-types';
import { reportError } from './errors';

const MAX_ACTIVITY = 200;

export class AppState {
  accounts: Account[] = $state([]);
  /** Goes up whenever calendars or contacts changed or synced: their pages read them again. */
  pimVersion = $state(0);
  folders: FolderPair[] = $state([]);
  conflicts: Conflict[] = $state([]);
  activity: ActivityItem[] = $state([]);
  settings: Settings | null = $state(null);
  /** Why the folder pairs could not be read (null: they were). */
  foldersError: ErrorCode | null = $state(null);
  /** The clock for relative times, in milliseconds; ticks every 30 s while the app runs. */
  now: number = $state(Date.now());

  readonly #backend: Backend;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  account(id: number): Account | undefined {
    return this.accounts.find((a) => a.id === id);
  }

  folder(id: number): FolderPair | undefined {
    return this.folders.find((f) => f.id === id);
  }

  /** Puts a pair in the list (replacing the one with its id). */
  upsertFolder(pair: FolderPair): void {
    const index = this.folders.findIndex((f) => f.id === pair.id);
    const before = index >= 0 ? this.folders[index] : undefined;
    if (index >= 0) this.folders[index] = pair;
    else this.folders.push(pair);
    if (before?.conflicts !== pair.conflicts) void this.refreshConflicts();
  }

  dropFolder(folderId: number): void {
    this.folders = this.folders.filter((f) => f.id !== folderId);
    this.conflicts = this.conflicts.filter((c) => c.folderId !== folderId);
  }

  handle = (event: SyncEvent): void => {
    switch (event.type) {
      case 'folder':
        this.upsertFolder(event.folder);
        break;
      case 'activity':
        if (this.activity.some((a) => a.id === event.item.id)) break;
        this.activity = [event.item, ...this.activity].slice(0, MAX_ACTIVITY);
        break;
      case 'removed':
        this.dropFolder(event.folderId);
        break;
      case 'notice':
        // Shown by the desktop as a notification; the folder event that
        // goes with it carries the state.
        break;
      case 'pim':
        this.pimVersion += 1;
        break;
      case 'account_refused':
      case 'account_removed':
        // Signed out or wiped at the server's request, or waiting for a
        // new sign-in: the accounts list says which.
        void this.refreshAccounts().catch((error: unknown) => reportError('accounts', error));
        break;
    }
  };

  async refreshAccounts(): Promise<void> {
    this.accounts = await this.#backend.accounts();
  }

  async refreshConflicts(): Promise<void> {
    try {
      this.conflicts = await this.#backend.conflicts();
    } catch (error) {
      reportError('conflicts', error);
    }
  }

  /** Everything the main window shows; a part that cannot be read stays empty. */
  async refresh(): Promise<void> {
    const [folders, conflicts, activity] = await Promise.allSettled([
      this.#backend.folders(),
      this.#backend.conflicts(),
      this.#backend.activity(),
    ]);
    if (folders.status === 'fulfilled') {
      this.folders = folders.value;
      this.foldersError = null;
    } else {
      this.foldersError = reportError('folders', folders.reason);
    }
    if (conflicts.status === 'fulfilled') this.conflicts = conflicts.value;
    else reportError('conflicts', conflicts.reason);
    if (activity.status === 'fulfilled') this.activity = activity.value;
    else reportError('activity', activity.reason);
  }
}
