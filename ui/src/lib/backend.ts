/**
 * The only module that talks to Tauri. Everything else receives a `Backend`
 * (through context, see context.ts) and can run on the mock in a plain
 * browser or in tests. The mock is never imported statically from here:
 * `loadBackend()` imports it on demand, and only in builds that carry it
 * (see `MOCK_AVAILABLE`), so it is not in the production bundle.
 *
 * Commands (implemented in src-tauri; the command is the method's name in
 * snake_case, arguments are an object with the method's camelCase parameter
 * names; every failure rejects with a `BackendError` `{code, message}`):
 *
 *   app_info                                            -> AppInfo
 *   get_settings                                        -> Settings
 *   set_language        { language }                    -> null
 *   update_settings     { patch }                       -> Settings
 *   open_url            { url }                         -> null
 *   accounts                                            -> Account[]
 *   check_server        { address }                     -> ServerCheck
 *   start_login         { server }                      -> LoginStarted
 *   finish_login        { loginId }                     -> Account
 *   cancel_login        { loginId }                     -> null
 *   sign_out            { accountId }                   -> SignOutReport
 *   list_remote_folders { accountId, path }             -> RemoteFolder[]
 *   default_local_folder                                -> string
 *   check_local_folder  { path }                        -> LocalFolderCheck
 *   pick_local_folder                                   -> string | null
 *   folders                                             -> FolderPair[]
 *   add_folder          { pair }                        -> FolderPair
 *   remove_folder       { folderId }                    -> null
 *   pause_folder        { folderId }                    -> FolderPair
 *   resume_folder       { folderId }                    -> FolderPair
 *   sync_now            { folderId }                    -> null
 *   set_excluded        { folderId, excluded }          -> FolderPair
 *   allow_mass_delete   { folderId }                    -> null
 *   open_local_folder   { folderId }                    -> null
 *   conflicts                                           -> Conflict[]
 *   resolve_conflict    { folderId, copyPath, resolution } -> null
 *   open_conflict       { folderId, copyPath }          -> null
 *   activity                                            -> ActivityItem[]
 *   pim_collections                                     -> PimCollection[]
 *   set_collection_hidden { id, hidden }                -> null
 *   create_collection   { accountId, kind, name, color } -> null
 *   update_collection   { id, name, color }             -> PimCollection
 *   delete_collection   { id }                          -> null
 *   pim_sync_now                                        -> null
 *   calendar_entries    { from, to }                    -> CalendarEntry[]
 *   search_events       { text, limit }                 -> CalendarEntry[]
 *   event               { itemId, recurrenceId }        -> EventDetail
 *   save_event          { event }                       -> number
 *   delete_event        { itemId, recurrenceId, scope } -> null
 *   search_contacts     { text, limit, group }          -> ContactSummary[]
 *   contact_groups                                      -> ContactGroup[]
 *   contact             { itemId }                      -> ContactDetail
 *   save_contact        { contact }                     -> number
 *   delete_contact      { itemId }                      -> null
 *   import_pim_file     { collectionId }                -> ImportReport | null
 *   export_pim_file     { collectionId, fileName }      -> boolean
 *   open_contact_link   { kind, value }                 -> null
 *
 * Event: `sync-event`, payload `SyncEvent` (see backend-types.ts).
 */
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type {
  Account,
  ActivityItem,
  AppInfo,
  Backend,
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
} from './backend-types';

export type { AppInfo, Backend, Settings } from './backend-types';

/** The name of the event the Rust side emits for every `SyncEvent`. */
export const SYNC_EVENT = 'sync-event';

export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/** For commands that answer `null`: the UI only cares that they did not fail. */
async function run(command: string, args?: Record<string, unknown>): Promise<void> {
  await invoke<null>(command, args);
}

export function createTauriBackend(): Backend {
  return {
    appInfo: () => invoke<AppInfo>('app_info'),
    getSettings: () => invoke<Settings>('get_settings'),
    setLanguage: (language: string) => run('set_language', { language }),
    updateSettings: (patch: SettingsPatch) => invoke<Settings>('update_settings', { patch }),
    openUrl: (url: string) => run('open_url', { url }),

    accounts: () => invoke<Account[]>('accounts'),
    checkServer: (address: string) => invoke<ServerCheck>('check_server', { address }),
    startLogin: (server: string) => invoke<LoginStarted>('start_login', { server }),
    finishLogin: (loginId: number) => invoke<Account>('finish_login', { loginId }),
    cancelLogin: (loginId: number) => run('cancel_login', { loginId }),
    signOut: (accountId: number) => invoke<SignOutReport>('sign_out', { accountId }),

    listRemoteFolders: (accountId: number, path: string) =>
      invoke<RemoteFolder[]>('list_remote_folders', { accountId, path }),
    defaultLocalFolder: () => invoke<string>('default_local_folder'),
    checkLocalFolder: (path: string) => invoke<LocalFolderCheck>('check_local_folder', { path }),
    pickLocalFolder: () => invoke<string | null>('pick_local_folder'),

    folders: () => invoke<FolderPair[]>('folders'),
    addFolder: (pair: NewFolderPair) => invoke<FolderPair>('add_folder', { pair }),
    removeFolder: (folderId: number) => run('remove_folder', { folderId }),
    pauseFolder: (folderId: number) => invoke<FolderPair>('pause_folder', { folderId }),
    resumeFolder: (folderId: number) => invoke<FolderPair>('resume_folder', { folderId }),
    syncNow: (folderId: number) => run('sync_now', { folderId }),
    setExcluded: (folderId: number, excluded: string[]) =>
      invoke<FolderPair>('set_excluded', { folderId, excluded }),
    allowMassDelete: (folderId: number) => run('allow_mass_delete', { folderId }),
    openLocalFolder: (folderId: number) => run('open_local_folder', { folderId }),

    conflicts: () => invoke<Conflict[]>('conflicts'),
    resolveConflict: (folderId: number, copyPath: string, resolution: ConflictResolution) =>
      run('resolve_conflict', { folderId, copyPath, resolution }),
    openConflict: (folderId: number, copyPath: string) =>
      run('open_conflict', { folderId, copyPath }),
    activity: () => invoke<ActivityItem[]>('activity'),

    pimCollections: () => invoke<PimCollection[]>('pim_collections'),
    setCollectionHidden: (id: number, hidden: boolean) =>
      run('set_collection_hidden', { id, hidden }),
    createCollection: (accountId: number, kind: PimKind, name: string, color: string | null) =>
      run('create_collection', { accountId, kind, name, color }),
    updateCollection: (id: number, name: string, color: string | null) =>
      invoke<PimCollection>('update_collection', { id, name, color }),
    deleteCollection: (id: number) => run('delete_collection', { id }),
    pimSyncNow: () => run('pim_sync_now'),
    calendarEntries: (from: number, to: number) =>
      invoke<CalendarEntry[]>('calendar_entries', { from, to }),
    searchEvents: (text: string, limit: number) =>
      invoke<CalendarEntry[]>('search_events', { text, limit }),
    event: (itemId: number, recurrenceId: number | null) =>
      invoke<EventDetail>('event', { itemId, recurrenceId }),
    saveEvent: (event: SaveEvent) => invoke<number>('save_event', { event }),
    deleteEvent: (itemId: number, recurrenceId: number | null, scope: EditScope) =>
      run('delete_event', { itemId, recurrenceId, scope }),
    searchContacts: (text: string, limit: number, group: string | null) =>
      invoke<ContactSummary[]>('search_contacts', { text, limit, group }),
    contactGroups: () => invoke<ContactGroup[]>('contact_groups'),
    contact: (itemId: number) => invoke<ContactDetail>('contact', { itemId }),
    saveContact: (contact: SaveContact) => invoke<number>('save_contact', { contact }),
    deleteContact: (itemId: number) => run('delete_contact', { itemId }),
    importPimFile: (collectionId: number) =>
      invoke<ImportReport | null>('import_pim_file', { collectionId }),
    exportPimFile: (collectionId: number, fileName: string) =>
      invoke<boolean>('export_pim_file', { collectionId, fileName }),
    openContactLink: (kind: 'mailto' | 'tel', value: string) =>
      run('open_contact_link', { kind, value }),

    launcher: (accountId: number | null) => invoke<Launcher>('launcher', { accountId }),
    accountOverview: (accountId: number) =>
      invoke<AccountOverview>('account_overview', { accountId }),
    openService: (url: string) => run('open_service', { url }),
    newDocument: (folderId: number, kind: string, name: string) =>
      invoke<Opened>('new_document', { folderId, kind, name }),
    openInOffice: (path: string) => invoke<Opened>('open_in_office', { path }),
    openFileInOffice: (folderId: number) =>
      invoke<Opened | null>('open_file_in_office', { folderId }),
    startMeeting: (accountId: number) => invoke<Meeting>('start_meeting', { accountId }),
    composeMail: (accountId: number | null, to: string) =>
      run('compose_mail', { accountId, to }),
    serverNotices: (accountId: number) =>
      invoke<ServerNotice[]>('server_notices', { accountId }),
    dismissNotice: (accountId: number, id: number) => run('dismiss_notice', { accountId, id }),
    noticeAction: (accountId: number, id: number, index: number) =>
      run('notice_action', { accountId, id, index }),
    updateChannel: () => invoke<UpdateChannel>('update_channel'),
    checkForUpdates: () => invoke<UpdateCheck>('check_for_updates'),
    installUpdate: () => run('install_update'),

    onSyncEvent: (listener: (event: SyncEvent) => void) =>
      listen<SyncEvent>(SYNC_EVENT, (event) => listener(event.payload)),
  };
}

/**
 * Whether this build carries the mock backend: the dev server and the tests
 * do, a production build does not (`vite build` replaces both flags with
 * constants, so the branch and the mock's chunk are dropped), unless it is
 * built with `VITE_MOCK_BACKEND=1` for a demo in a plain browser.
 */
export const MOCK_AVAILABLE: boolean =
  import.meta.env.DEV || import.meta.env.VITE_MOCK_BACKEND === '1';

/**
 * The backend for this window: Tauri's inside the app; in a plain browser
 * (dev server, tests) the mock, loaded only then. A production build
 * outside Tauri has none and rejects.
 */
export async function loadBackend(): Promise<Backend> {
  if (isTauri()) return createTauriBackend();
  if (MOCK_AVAILABLE) {
    const { createMockBackendFromUrl } = await import('./backend.mock');
    const href = typeof window !== 'undefined' ? window.location.href : 'http://localhost/';
    const browserLanguage = typeof navigator !== 'undefined' ? navigator.language : undefined;
    return createMockBackendFromUrl(href, browserLanguage);
  }
  throw new Error('no backend: this build runs only inside the CommonsCloud app (Tauri)');
}
