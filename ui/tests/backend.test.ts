import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
const listen = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));
vi.mock('@tauri-apps/api/event', () => ({ listen }));

import { createTauriBackend, isTauri, loadBackend, MOCK_AVAILABLE, SYNC_EVENT } from '../src/lib/backend';
import type { Backend, SyncEvent } from '../src/lib/backend-types';
import { createMockBackend, createMockBackendFromUrl } from '../src/lib/backend.mock';

describe('the Tauri backend', () => {
  beforeEach(() => {
    invoke.mockReset();
    listen.mockReset();
  });

  it('calls app_info and returns its answer', async () => {
    const info = {
      name: 'CommonsCloud',
      version: '1.2.3',
      locale: 'ca-ES',
      defaultLanguage: 'ca',
      signUpUrl: 'https://gent.commonscloud.coop/registre',
    };
    invoke.mockResolvedValueOnce(info);
    await expect(createTauriBackend().appInfo()).resolves.toEqual(info);
    expect(invoke).toHaveBeenCalledWith('app_info');
  });

  it('calls get_settings', async () => {
    invoke.mockResolvedValueOnce({ language: null });
    await expect(createTauriBackend().getSettings()).resolves.toEqual({ language: null });
    expect(invoke).toHaveBeenCalledWith('get_settings');
  });

  it('calls set_language with { language }', async () => {
    invoke.mockResolvedValueOnce(null);
    await expect(createTauriBackend().setLanguage('es')).resolves.toBeUndefined();
    expect(invoke).toHaveBeenCalledWith('set_language', { language: 'es' });
  });

  it('calls open_url with { url }', async () => {
    invoke.mockResolvedValueOnce(null);
    await createTauriBackend().openUrl('https://example.coop/');
    expect(invoke).toHaveBeenCalledWith('open_url', { url: 'https://example.coop/' });
  });

  const pair = { accountId: 1, localPath: '/home/ana/Núvol', remotePath: '', excluded: ['Fotos'] };
  const commands: [keyof Backend, unknown[], string, Record<string, unknown> | undefined][] = [
    ['updateSettings', [{ pollSeconds: 60 }], 'update_settings', { patch: { pollSeconds: 60 } }],
    ['accounts', [], 'accounts', undefined],
    ['checkServer', ['oficina.example.coop'], 'check_server', { address: 'oficina.example.coop' }],
    ['startLogin', ['https://oficina.example.coop'], 'start_login', { server: 'https://oficina.example.coop' }],
    ['finishLogin', [7], 'finish_login', { loginId: 7 }],
    ['cancelLogin', [7], 'cancel_login', { loginId: 7 }],
    ['signOut', [2], 'sign_out', { accountId: 2 }],
    ['listRemoteFolders', [2, 'Fotos'], 'list_remote_folders', { accountId: 2, path: 'Fotos' }],
    ['defaultLocalFolder', [], 'default_local_folder', undefined],
    ['checkLocalFolder', ['~/Núvol'], 'check_local_folder', { path: '~/Núvol' }],
    ['pickLocalFolder', [], 'pick_local_folder', undefined],
    ['folders', [], 'folders', undefined],
    ['addFolder', [pair], 'add_folder', { pair }],
    ['removeFolder', [3], 'remove_folder', { folderId: 3 }],
    ['pauseFolder', [3], 'pause_folder', { folderId: 3 }],
    ['resumeFolder', [3], 'resume_folder', { folderId: 3 }],
    ['syncNow', [3], 'sync_now', { folderId: 3 }],
    ['setExcluded', [3, ['Fotos']], 'set_excluded', { folderId: 3, excluded: ['Fotos'] }],
    ['allowMassDelete', [3], 'allow_mass_delete', { folderId: 3 }],
    ['openLocalFolder', [3], 'open_local_folder', { folderId: 3 }],
    ['conflicts', [], 'conflicts', undefined],
    ['resolveConflict', [3, 'a (copy).odt', 'both'], 'resolve_conflict', { folderId: 3, copyPath: 'a (copy).odt', resolution: 'both' }],
    ['openConflict', [3, 'a (copy).odt'], 'open_conflict', { folderId: 3, copyPath: 'a (copy).odt' }],
    ['activity', [], 'activity', undefined],
  ];

  it.each(commands)('%s calls %s with its arguments by name', async (method, args, command, payload) => {
    invoke.mockResolvedValueOnce('answer');
    const call = createTauriBackend()[method] as (...a: unknown[]) => Promise<unknown>;
    await call(...args);
    if (payload === undefined) expect(invoke).toHaveBeenCalledWith(command);
    else expect(invoke).toHaveBeenCalledWith(command, payload);
  });

  it('passes on what a command answers', async () => {
    const check = { server: 'https://oficina.example.coop', product: 'Nextcloud 31.0.5' };
    invoke.mockResolvedValueOnce(check);
    await expect(createTauriBackend().checkServer('oficina.example.coop')).resolves.toEqual(check);
    invoke.mockResolvedValueOnce(null);
    await expect(createTauriBackend().pickLocalFolder()).resolves.toBeNull();
    invoke.mockResolvedValueOnce(null);
    await expect(createTauriBackend().syncNow(1)).resolves.toBeUndefined();
  });

  it('rejects with the backend error as it came', async () => {
    const error = { code: 'offline', message: 'connection refused' };
    invoke.mockRejectedValueOnce(error);
    await expect(createTauriBackend().folders()).rejects.toBe(error);
  });

  it('listens to sync-event and hands over the payload, unlistening on request', async () => {
    const unlisten = vi.fn();
    listen.mockResolvedValueOnce(unlisten);
    const seen: SyncEvent[] = [];
    const stop = await createTauriBackend().onSyncEvent((event) => seen.push(event));
    expect(listen).toHaveBeenCalledWith(SYNC_EVENT, expect.any(Function));
    expect(SYNC_EVENT).toBe('sync-event');
    const handler = listen.mock.calls[0]?.[1] as (event: { payload: SyncEvent }) => void;
    handler({ payload: { type: 'removed', folderId: 4 } });
    expect(seen).toEqual([{ type: 'removed', folderId: 4 }]);
    stop();
    expect(unlisten).toHaveBeenCalled();
  });

  it('implements every method of Backend', () => {
    const backend = createTauriBackend();
    const mock = createMockBackend();
    for (const method of Object.keys(mock).filter((k) => typeof (mock as unknown as Record<string, unknown>)[k] === 'function')) {
      if (['callsTo', 'fail', 'completeLogin', 'rejectLogin', 'emit', 'listenerCount'].includes(method)) continue;
      expect(typeof (backend as unknown as Record<string, unknown>)[method], method).toBe('function');
    }
  });

  it('passes errors on', async () => {
    invoke.mockRejectedValueOnce('no handler');
    await expect(createTauriBackend().openUrl('https://example.coop/')).rejects.toBe('no handler');
  });
});

describe('isTauri', () => {
  afterEach(() => {
    delete (window as unknown as Record<string, unknown>)['__TAURI_INTERNALS__'];
  });

  it('is false in a plain browser and true inside Tauri', () => {
    expect(isTauri()).toBe(false);
    (window as unknown as Record<string, unknown>)['__TAURI_INTERNALS__'] = {};
    expect(isTauri()).toBe(true);
  });
});

describe('loadBackend', () => {
  afterEach(() => {
    delete (window as unknown as Record<string, unknown>)['__TAURI_INTERNALS__'];
  });

  it('gives the mock outside Tauri (in the builds that carry it), reading the page address', async () => {
    expect(MOCK_AVAILABLE).toBe(true);
    const backend = await loadBackend();
    expect(typeof (backend as unknown as Record<string, unknown>)['callsTo']).toBe('function');
    expect((await backend.appInfo()).version).toBe('0.0.0-mock');
  });

  it('gives the Tauri backend inside Tauri, without the mock', async () => {
    (window as unknown as Record<string, unknown>)['__TAURI_INTERNALS__'] = {};
    const backend = await loadBackend();
    expect('callsTo' in backend).toBe(false);
    invoke.mockResolvedValueOnce([]);
    await backend.folders();
    expect(invoke).toHaveBeenCalledWith('folders');
  });
});

describe('the mock backend', () => {
  it('reports CommonsCloud with Catalan as default language', async () => {
    const info = await createMockBackend().appInfo();
    expect(info).toMatchObject({ name: 'CommonsCloud', defaultLanguage: 'ca', locale: null });
    expect(info.signUpUrl).toMatch(/^https:\/\//);
  });

  it('remembers the language', async () => {
    const backend = createMockBackend();
    expect(await backend.getSettings()).toMatchObject({ language: null });
    await backend.setLanguage('es');
    expect(await backend.getSettings()).toMatchObject({ language: 'es' });
  });

  it('reads ?locale= and ?language= from the page address', async () => {
    const backend = createMockBackendFromUrl('http://localhost:5173/?locale=es_ES.UTF-8&language=en', 'ca');
    expect((await backend.appInfo()).locale).toBe('es_ES.UTF-8');
    expect((await backend.getSettings()).language).toBe('en');
  });

  it('reports the browser language when the address names no locale', async () => {
    const backend = createMockBackendFromUrl('http://localhost:5173/', 'en-GB');
    expect((await backend.appInfo()).locale).toBe('en-GB');
    expect((await backend.getSettings()).language).toBeNull();
  });
});
