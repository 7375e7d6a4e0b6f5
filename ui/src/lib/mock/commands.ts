/**
 * An in-memory backend for running the UI in a plain browser (`npm run dev`
 * outside Tauri) and in tests. Must not import @tauri-apps/api.
 *
 * It keeps state like the real app does (accounts, folder pairs, conflicts,
 * activity, settings) and can be told to fail any command with any error
 * code (`errors` option, or `fail()` at any time), so every error state of
 * the UI can be shown without a server.
 *
 * Server addresses for `checkServer`: any `https` host with a dot answers as
 * a Nextcloud, except hosts starting with `offline.`, `maintenance.`,
 * `broken.` (server error) or `missing.` (not found), which fail with that
 * code.
 */
import type { Account, ActivityItem, BackendError, ConflictResolution, ErrorCode, FolderPair, LocalFolderCheck, LoginStarted, NewFolderPair, RemoteFolder, ServerCheck, Settings, SettingsPatch, SignOutReport, SyncEvent } from '../backend-types';
import { isWithin } from '../selection';
import { MOCK_DEFAULTS, MOCK_TREE, mockAccount, mockAppInfo, mockFolder } from './fixtures';
import type { BackendMethod, MockBackend, MockBackendOptions, MockCall, MockRemoteNode } from './types';
import type { EditScope, PimKind, SaveContact, SaveEvent, UpdateChannel, UpdateCheck } from '../backend-types';
import { createMockPim } from './pim';
import { createMockServices } from './services';

function toError(error: ErrorCode | BackendError): BackendError {
  return typeof error === 'string' ? { code: error, message: `mock: ${error}` } : error;
}

function fault(code: ErrorCode, message: string): BackendError {
  return { code, message };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What the mock server answers for an address (see the module comment). */
export function mockCheckServer(address: string): ServerCheck | BackendError {
  const trimmed = address.trim();
  if (!trimmed) return fault('invalid_input', 'empty address');
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    return fault('invalid_input', 'not an address');
  }
  const host = url.hostname.toLowerCase();
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(host))) {
    return fault('invalid_input', 'https only');
  }
  if (!host.includes('.') && !LOOPBACK.has(host)) return fault('invalid_input', 'no domain');
  if (host.startsWith('offline.')) return fault('offline', 'cannot connect');
  if (host.startsWith('maintenance.')) return fault('maintenance', 'maintenance mode');
  if (host.startsWith('broken.')) return fault('server', 'HTTP 500');
  if (host.startsWith('missing.')) return fault('not_found', 'no Nextcloud here');
  const path = url.pathname.replace(/\/+$/, '');
  return { server: `${url.protocol}//${url.host}${path}`, product: 'Nextcloud 31.0.5' };
}

function expandHome(path: string): string {
  return path.replace(/^~(?=$|\/)/, MOCK_DEFAULTS.home);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

export function createMockBackend(options: MockBackendOptions = {}): MockBackend {
  const now = options.now ?? (() => Date.now());
  const seconds = () => Math.floor(now() / 1000);
  const info = mockAppInfo({
    name: options.name ?? MOCK_DEFAULTS.name,
    version: options.version ?? MOCK_DEFAULTS.version,
    locale: options.locale ?? null,
    defaultLanguage: options.defaultLanguage ?? MOCK_DEFAULTS.defaultLanguage,
    signUpUrl: options.signUpUrl ?? MOCK_DEFAULTS.signUpUrl,
    ...options.info,
  });
  const settings: Settings = {
    language: options.language ?? null,
    autostart: true,
    uploadLimitKib: null,
    downloadLimitKib: null,
    pollSeconds: 60,
    ignoreList: '',
    checkUpdates: true,
    ...options.settings,
  };
  const signedIn = options.signedIn ?? false;
  const state = {
    accounts: clone(options.accounts ?? (signedIn ? [mockAccount()] : [])),
    folders: clone(
      options.folders ?? (signedIn ? [mockFolder({ lastSync: seconds() - 5 * 60 })] : []),
    ),
    conflicts: clone(options.conflicts ?? []),
    activity: clone(options.activity ?? []),
    pim: {
      collections: clone(options.pim?.collections ?? []),
      events: clone(options.pim?.events ?? []),
      contacts: clone(options.pim?.contacts ?? []),
    },
  };
  const throwFault = (code: ErrorCode, message: string): never => {
    throw fault(code, message);
  };
  const services = createMockServices(
    options.services,
    () => state.folders,
    (url) => openedUrls.push(url),
    throwFault,
  );
  const tree = options.tree ?? MOCK_TREE;
  const errors = new Map<BackendMethod, BackendError>();
  for (const [method, error] of Object.entries(options.errors ?? {})) {
    if (error) errors.set(method as BackendMethod, toError(error));
  }
  const openedUrls: string[] = [];
  const languageCalls: string[] = [];
  const calls: MockCall[] = [];
  const listeners = new Set<(event: SyncEvent) => void>();
  const logins = new Map<
    number,
    { server: string; settle?: (outcome: BackendError | null) => void }
  >();
  let nextLoginId = 1;
  let nextId = 100;
  const timers = new Set<ReturnType<typeof setTimeout>>();

  function later(ms: number, job: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      job();
    }, ms);
    timers.add(timer);
  }

  /** Records the call, fails it if told to, else runs it (after the latency). */
  async function call<T>(method: BackendMethod, args: unknown[], body: () => T | Promise<T>) {
    calls.push({ method, args });
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    const error = errors.get(method);
    if (error) throw { ...error };
    return body();
  }

  function account(id: number): Account {
    const found = state.accounts.find((a) => a.id === id);
    if (!found) throw fault('not_found', `no account ${id}`);
    return found;
  }

  function folder(id: number): FolderPair {
    const found = state.folders.find((f) => f.id === id);
    if (!found) throw fault('not_found', `no folder pair ${id}`);
    return found;
  }

  function send(event: SyncEvent): void {
    for (const listener of [...listeners]) listener(clone(event));
  }

  function apply(event: SyncEvent): void {
    if (event.type === 'folder') {
      const index = state.folders.findIndex((f) => f.id === event.folder.id);
      if (index >= 0) state.folders[index] = clone(event.folder);
      else state.folders.push(clone(event.folder));
    } else if (event.type === 'activity') {
      state.activity.unshift(clone(event.item));
    } else if (event.type === 'removed') {
      state.folders = state.folders.filter((f) => f.id !== event.folderId);
      state.conflicts = state.conflicts.filter((c) => c.folderId !== event.folderId);
    }
  }

  function emit(event: SyncEvent): void {
    apply(event);
    send(event);
  }

  function changed(pair: FolderPair): FolderPair {
    send({ type: 'folder', folder: pair });
    return clone(pair);
  }

  function record(folderId: number, kind: ActivityItem['kind'], path: string): void {
    emit({ type: 'activity', item: { id: nextId++, folderId, at: seconds(), kind, path } });
  }

  function nodeAt(path: string): MockRemoteNode[] | null {
    let level = tree;
    for (const name of path.split('/').filter(Boolean)) {
      const next = level.find((n) => n.name === name);
      if (!next) return null;
      level = next.children ?? [];
    }
    return level;
  }

  /** Dev server: a pass that moves a few files, with progress. */
  function simulatePass(pair: FolderPair): void {
    const files = ['Documents/Informes/informe-anual.odt', 'Fotos/2025/Estiu/platja.jpg', 'Projectes/Web/index.html'];
    const total = 12;
    let done = 0;
    pair.status = 'syncing';
    // First it looks for changes on the server, folder by folder.
    pair.progress = { listedFolders: 0, done, total: 0, bytes: 0, bytesPerSecond: 0, current: null };
    changed(pair);
    const step = () => {
      if (pair.paused || !state.folders.includes(pair)) return;
      done += 1;
      const current = files[done % files.length] ?? null;
      if (done >= total) {
        pair.status = pair.conflicts > 0 || pair.massDelete ? 'attention' : 'up_to_date';
        pair.progress = null;
        pair.lastSync = seconds();
        changed(pair);
        record(pair.id, 'downloaded', current ?? '');
        return;
      }
      pair.progress = {
        listedFolders: null,
        done,
        total,
        bytes: done * 1_400_000,
        bytesPerSecond: 2_300_000 + (done % 3) * 400_000,
        current,
      };
      changed(pair);
      if (done % 4 === 0) record(pair.id, done % 8 === 0 ? 'uploaded' : 'downloaded', current ?? '');
      later(450, step);
    };
    later(450, step);
  }

  function startPass(pair: FolderPair): void {
    if (pair.paused) return;
    if (options.simulate) {
      simulatePass(pair);
      return;
    }
    pair.status = pair.conflicts > 0 || pair.massDelete ? 'attention' : 'up_to_date';
    pair.progress = null;
    pair.error = null;
    pair.lastSync = seconds();
    changed(pair);
  }

  function accountFor(server: string): Account {
    const existing = state.accounts.find((a) => a.server === server);
    if (existing) {
      existing.needsSignIn = false;
      return existing;
    }
    const host = new URL(server).host;
    const created = mockAccount({
      id: state.accounts.reduce((max, a) => Math.max(max, a.id), 0) + 1,
      server,
      label: `ana@${host}`,
    });
    state.accounts.push(created);
    return created;
  }

  function settleLogin(outcome: BackendError | null): Promise<void> {
    const pending = [...logins.values()].find((login) => login.settle);
    if (!pending?.settle) throw new Error('no sign-in is waiting');
    pending.settle(outcome);
    // Let the UI see the answer before the test goes on.
    return new Promise((resolve) => setTimeout(resolve, 0));
  }

  const pim = createMockPim(
    state.pim,
    (code, message) => {
      throw fault(code, message);
    },
    (collectionId) => {
      const c = state.pim.collections.find((x) => x.id === collectionId);
      send({ type: 'pim', accountId: c?.accountId ?? 0 });
    },
  );

  const backend: MockBackend = {
    settings,
    openedUrls,
    languageCalls,
    calls,
    state,
    services: services.state,
    callsTo: (method) => calls.filter((c) => c.method === method).map((c) => c.args),
    fail(method, error) {
      if (error) errors.set(method, toError(error));
      else errors.delete(method);
    },
    completeLogin: () => settleLogin(null),
    rejectLogin: (code) => settleLogin(fault(code, `mock: ${code}`)),
    emit,
    listenerCount: () => listeners.size,

    appInfo: () => call('appInfo', [], () => clone(info)),
    getSettings: () => call('getSettings', [], () => ({ ...settings })),
    setLanguage: (language: string) =>
      call('setLanguage', [language], () => {
        languageCalls.push(language);
        settings.language = language;
      }),
    updateSettings: (patch: SettingsPatch) =>
      call('updateSettings', [patch], () => {
        const poll = patch.pollSeconds;
        if (poll !== undefined && (!Number.isInteger(poll) || poll < 30 || poll > 3600)) {
          throw fault('invalid_input', 'pollSeconds out of range');
        }
        for (const limit of [patch.uploadLimitKib, patch.downloadLimitKib]) {
          if (limit !== undefined && limit !== null && (!Number.isInteger(limit) || limit <= 0)) {
            throw fault('invalid_input', 'bad limit');
          }
        }
        Object.assign(settings, patch);
        return { ...settings };
      }),
    openUrl(url: string) {
      return call('openUrl', [url], () => {
        openedUrls.push(url);
        if (options.failOpenUrl) throw fault('system', 'no browser');
        if (options.openInBrowser) window.open(url, '_blank', 'noopener');
      });
    },

    accounts: () => call('accounts', [], () => clone(state.accounts)),
    checkServer: (address: string) =>
      call('checkServer', [address], () => {
        const answer = mockCheckServer(address);
        if ('code' in answer) throw answer;
        return answer;
      }),
    startLogin: (server: string) =>
      call('startLogin', [server], (): LoginStarted => {
        const loginId = nextLoginId++;
        logins.set(loginId, { server });
        return { loginId, loginUrl: `${server}/index.php/login/v2/flow/mock${loginId}` };
      }),
    finishLogin: (loginId: number) =>
      call('finishLogin', [loginId], () => {
        const login = logins.get(loginId);
        if (!login) throw fault('not_found', `no sign-in ${loginId}`);
        return new Promise<Account>((resolve, reject) => {
          login.settle = (outcome) => {
            logins.delete(loginId);
            if (outcome) reject(outcome);
            else resolve(clone(accountFor(login.server)));
          };
          const delay = options.loginDelayMs ?? null;
          if (delay !== null) later(delay, () => login.settle?.(null));
        });
      }),
    cancelLogin: (loginId: number) =>
      call('cancelLogin', [loginId], () => {
        const login = logins.get(loginId);
        logins.delete(loginId);
        login?.settle?.(fault('cancelled', 'cancelled by the member'));
      }),
    signOut: (accountId: number) =>
      call('signOut', [accountId], (): SignOutReport => {
        const gone = account(accountId);
        state.accounts = state.accounts.filter((a) => a.id !== accountId);
        for (const pair of state.folders.filter((f) => f.accountId === accountId)) {
          emit({ type: 'removed', folderId: pair.id });
        }
        return { account: gone, revokedOnServer: true, secretRemoved: true, filesDeleted: false, warnings: [] };
      }),

    listRemoteFolders: (accountId: number, path: string) =>
      call('listRemoteFolders', [accountId, path], (): RemoteFolder[] => {
        account(accountId);
        const children = nodeAt(path);
        if (!children) throw fault('not_found', `no folder ${path}`);
        return children.map((node) => ({
          path: path ? `${path}/${node.name}` : node.name,
          name: node.name,
          size: node.size,
          hasChildren: (node.children?.length ?? 0) > 0,
        }));
      }),
    defaultLocalFolder: () =>
      call('defaultLocalFolder', [], () => options.defaultLocalFolder ?? `${MOCK_DEFAULTS.home}/${info.name}`),
    checkLocalFolder: (path: string) =>
      call('checkLocalFolder', [path], (): LocalFolderCheck => {
        const trimmed = path.trim();
        if (!trimmed) throw fault('invalid_input', 'empty path');
        const absolute = expandHome(trimmed).replace(/(.)\/+$/, '$1');
        const base: LocalFolderCheck = {
          path: absolute,
          exists: false,
          nonEmpty: false,
          entries: 0,
          alreadySynced: state.folders.some((f) => f.localPath === absolute),
          problem: absolute.startsWith('/') ? null : 'invalid_input',
        };
        if (base.alreadySynced) Object.assign(base, { exists: true, nonEmpty: true, entries: 5 });
        if (absolute === `${MOCK_DEFAULTS.home}/Documents`) {
          Object.assign(base, { exists: true, nonEmpty: true, entries: 12 });
        }
        return { ...base, ...options.localFolders?.[absolute] };
      }),
    pickLocalFolder: () =>
      call('pickLocalFolder', [], () =>
        options.pickedFolder === undefined ? `${MOCK_DEFAULTS.home}/Documents` : options.pickedFolder,
      ),

    folders: () => call('folders', [], () => clone(state.folders)),
    addFolder: (pair: NewFolderPair) =>
      call('addFolder', [pair], () => {
        const owner = account(pair.accountId);
        const localPath = expandHome(pair.localPath.trim());
        if (!localPath.startsWith('/')) throw fault('invalid_input', 'not an absolute path');
        if (state.folders.some((f) => f.localPath === localPath)) {
          throw fault('local_folder', 'already synced');
        }
        const problem = options.localFolders?.[localPath]?.problem;
        if (problem) throw fault('local_folder', `cannot use ${localPath}`);
        // One pair per server folder tree (crates/app, add_folder).
        const other = state.folders.find(
          (f) =>
            f.accountId === owner.id &&
            (isWithin(f.remotePath, pair.remotePath) || isWithin(pair.remotePath, f.remotePath)),
        );
        if (other) {
          throw fault('invalid_input', `${pair.remotePath} is already synced (with ${other.localPath})`);
        }
        if (!nodeAt(pair.remotePath)) throw fault('not_found', `no folder ${pair.remotePath}`);
        const created = mockFolder({
          id: state.folders.reduce((max, f) => Math.max(max, f.id), 0) + 1,
          accountId: owner.id,
          localPath,
          remotePath: pair.remotePath,
          webUrl: `${owner.server}/apps/files/?dir=/${pair.remotePath}`,
          status: 'waiting',
          excluded: [...pair.excluded],
        });
        state.folders.push(created);
        startPass(created);
        return clone(created);
      }),
    removeFolder: (folderId: number) =>
      call('removeFolder', [folderId], () => {
        folder(folderId);
        emit({ type: 'removed', folderId });
      }),
    pauseFolder: (folderId: number) =>
      call('pauseFolder', [folderId], () => {
        const pair = folder(folderId);
        Object.assign(pair, { paused: true, status: 'paused', progress: null });
        return changed(pair);
      }),
    resumeFolder: (folderId: number) =>
      call('resumeFolder', [folderId], () => {
        const pair = folder(folderId);
        Object.assign(pair, { paused: false, status: 'waiting', massDelete: null });
        const answer = clone(pair);
        startPass(pair);
        return answer;
      }),
    syncNow: (folderId: number) =>
      call('syncNow', [folderId], () => {
        startPass(folder(folderId));
      }),
    setExcluded: (folderId: number, excluded: string[]) =>
      call('setExcluded', [folderId, excluded], () => {
        const pair = folder(folderId);
        pair.excluded = [...excluded];
        return changed(pair);
      }),
    allowMassDelete: (folderId: number) =>
      call('allowMassDelete', [folderId], () => {
        const pair = folder(folderId);
        pair.massDelete = null;
        startPass(pair);
      }),
    openLocalFolder: (folderId: number) =>
      call('openLocalFolder', [folderId], () => {
        folder(folderId);
      }),

    conflicts: () => call('conflicts', [], () => clone(state.conflicts)),
    resolveConflict: (folderId: number, copyPath: string, resolution: ConflictResolution) =>
      call('resolveConflict', [folderId, copyPath, resolution], () => {
        const pair = folder(folderId);
        const index = state.conflicts.findIndex(
          (c) => c.folderId === folderId && c.copyPath === copyPath,
        );
        if (index < 0) throw fault('not_found', `no conflict ${copyPath}`);
        const [resolved] = state.conflicts.splice(index, 1);
        pair.conflicts = Math.max(0, pair.conflicts - 1);
        if (pair.status === 'attention' && pair.conflicts === 0 && !pair.massDelete) {
          pair.status = 'up_to_date';
        }
        changed(pair);
        if (resolution === 'mine' && resolved) record(folderId, 'uploaded', resolved.path);
      }),
    openConflict: (folderId: number, copyPath: string) =>
      call('openConflict', [folderId, copyPath], () => {
        if (!state.conflicts.some((c) => c.folderId === folderId && c.copyPath === copyPath)) {
          throw fault('not_found', `no conflict ${copyPath}`);
        }
      }),
    activity: () =>
      call('activity', [], () => clone(state.activity).sort((a, b) => b.at - a.at).slice(0, 200)),

    pimCollections: () => call('pimCollections', [], () => pim.collections()),
    setCollectionHidden: (id: number, hidden: boolean) =>
      call('setCollectionHidden', [id, hidden], () => pim.setHidden(id, hidden)),
    createCollection: (accountId: number, kind: PimKind, name: string, color: string | null) =>
      call('createCollection', [accountId, kind, name, color], () =>
        pim.create(accountId, kind, name, color),
      ),
    updateCollection: (id: number, name: string, color: string | null) =>
      call('updateCollection', [id, name, color], () => pim.update(id, name, color)),
    deleteCollection: (id: number) => call('deleteCollection', [id], () => pim.remove(id)),
    pimSyncNow: () => call('pimSyncNow', [], () => undefined),
    calendarEntries: (from: number, to: number) =>
      call('calendarEntries', [from, to], () => pim.entries(from, to)),
    searchEvents: (text: string, limit: number) =>
      call('searchEvents', [text, limit], () => pim.searchEvents(text, limit)),
    event: (itemId: number, recurrenceId: number | null) =>
      call('event', [itemId, recurrenceId], () => pim.event(itemId, recurrenceId)),
    saveEvent: (event: SaveEvent) => call('saveEvent', [event], () => pim.saveEvent(event)),
    deleteEvent: (itemId: number, recurrenceId: number | null, scope: EditScope) =>
      call('deleteEvent', [itemId, recurrenceId, scope], () =>
        pim.deleteEvent(itemId, recurrenceId, scope),
      ),
    searchContacts: (text: string, limit: number, group: string | null) =>
      call('searchContacts', [text, limit, group], () => pim.search(text, limit, group)),
    contactGroups: () => call('contactGroups', [], () => pim.groups()),
    contact: (itemId: number) => call('contact', [itemId], () => pim.contact(itemId)),
    saveContact: (contact: SaveContact) =>
      call('saveContact', [contact], () => pim.saveContact(contact)),
    deleteContact: (itemId: number) => call('deleteContact', [itemId], () => pim.deleteContact(itemId)),
    importPimFile: (collectionId: number) =>
      call('importPimFile', [collectionId], () => ({ added: 0, changed: 0, same: 0, failed: [] })),
    exportPimFile: (collectionId: number, fileName: string) =>
      call('exportPimFile', [collectionId, fileName], () => true),
    openContactLink: (kind: 'mailto' | 'tel', value: string) =>
      call('openContactLink', [kind, value], () => {
        openedUrls.push(`${kind}:${value}`);
      }),

    launcher: (accountId: number | null) => call('launcher', [accountId], () => services.launcher(accountId)),
    accountOverview: (accountId: number) =>
      call('accountOverview', [accountId], () => services.overview(accountId)),
    openService: (url: string) => call('openService', [url], () => void openedUrls.push(url)),
    newDocument: (folderId: number, kind: string, name: string) =>
      call('newDocument', [folderId, kind, name], () => services.newDocument(folderId, kind, name)),
    openInOffice: (path: string) => call('openInOffice', [path], () => services.openInOffice(path)),
    openFileInOffice: (folderId: number) =>
      call('openFileInOffice', [folderId], () => {
        const folder = state.folders.find((f) => f.id === folderId);
        const picked = options.pickedFile ?? null;
        return folder && picked ? services.openInOffice(`${folder.localPath}/${picked}`) : null;
      }),
    startMeeting: (accountId: number) => call('startMeeting', [accountId], () => services.startMeeting()),
    composeMail: (accountId: number | null, to: string) =>
      call('composeMail', [accountId, to], () => services.composeMail(to)),
    serverNotices: (accountId: number) => call('serverNotices', [accountId], () => services.notices(accountId)),
    dismissNotice: (accountId: number, id: number) =>
      call('dismissNotice', [accountId, id], () => services.dismiss(accountId, id)),
    noticeAction: (accountId: number, id: number, index: number) =>
      call('noticeAction', [accountId, id, index], () => services.action(accountId, id, index)),

    updateChannel: () =>
      call('updateChannel', [], (): UpdateChannel => {
        const channel = options.updates?.channel ?? { kind: 'system' };
        // As the façade: the member's setting turns the app's own look off.
        return channel.kind === 'updater' && !settings.checkUpdates ? { kind: 'off', reason: 'setting' } : channel;
      }),
    checkForUpdates: () =>
      call('checkForUpdates', [], (): UpdateCheck => options.updates?.check ?? { kind: 'system' }),
    installUpdate: () => call('installUpdate', [], () => undefined),

    onSyncEvent: (listener: (event: SyncEvent) => void) =>
      call('onSyncEvent', [], () => {
        listeners.add(listener);
        return () => {
          listeners.delete(listener);
        };
      }),
  };
  return backend;
}
