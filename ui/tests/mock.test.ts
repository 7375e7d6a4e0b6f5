import { describe, expect, it, vi } from 'vitest';
import type { SyncEvent } from '../src/lib/backend-types';
import { createMockBackend, createMockBackendFromUrl, mockAccount, mockCheckServer, mockFolder } from '../src/lib/backend.mock';

describe('the mock backend, stateful', () => {
  it('starts signed out, or signed in with one account and one folder pair', async () => {
    expect(await createMockBackend().accounts()).toEqual([]);
    const signedIn = createMockBackend({ signedIn: true });
    expect(await signedIn.accounts()).toHaveLength(1);
    expect(await signedIn.folders()).toMatchObject([{ id: 1, accountId: 1, localPath: '/home/ana/CommonsCloud' }]);
  });

  it('can make any command fail with any code, and work again', async () => {
    const backend = createMockBackend({ errors: { folders: 'storage' }, signedIn: true });
    await expect(backend.folders()).rejects.toEqual({ code: 'storage', message: 'mock: storage' });
    backend.fail('folders', null);
    await expect(backend.folders()).resolves.toHaveLength(1);
    backend.fail('checkServer', { code: 'timeout', message: 'slow' });
    await expect(backend.checkServer('a.coop')).rejects.toEqual({ code: 'timeout', message: 'slow' });
    expect(backend.callsTo('folders')).toHaveLength(2);
  });

  it.each([
    ['oficina.example.coop', { server: 'https://oficina.example.coop', product: 'Nextcloud 31.0.5' }],
    ['https://oficina.example.coop/nextcloud/', { server: 'https://oficina.example.coop/nextcloud' }],
    ['http://localhost:8080', { server: 'http://localhost:8080' }],
    ['http://oficina.example.coop', { code: 'invalid_input' }],
    ['oficina', { code: 'invalid_input' }],
    ['', { code: 'invalid_input' }],
    ['offline.example.coop', { code: 'offline' }],
    ['maintenance.example.coop', { code: 'maintenance' }],
    ['broken.example.coop', { code: 'server' }],
    ['missing.example.coop', { code: 'not_found' }],
  ])('answers a server check of %j', (address, answer) => {
    expect(mockCheckServer(address)).toMatchObject(answer);
  });

  it('signs in when told to, or is cancelled', async () => {
    const backend = createMockBackend();
    const { loginId, loginUrl } = await backend.startLogin('https://oficina.example.coop');
    expect(loginUrl).toBe('https://oficina.example.coop/index.php/login/v2/flow/mock1');
    const waiting = backend.finishLogin(loginId);
    await backend.completeLogin();
    await expect(waiting).resolves.toMatchObject({ id: 1, label: 'ana@oficina.example.coop' });
    expect(await backend.accounts()).toHaveLength(1);

    const second = await backend.startLogin('https://oficina.example.coop');
    const cancelled = backend.finishLogin(second.loginId);
    await backend.cancelLogin(second.loginId);
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    expect(await backend.accounts()).toHaveLength(1);
  });

  it('signs in by itself after a delay when asked to (dev server)', async () => {
    vi.useFakeTimers();
    try {
      const backend = createMockBackend({ loginDelayMs: 1000 });
      const { loginId } = await backend.startLogin('https://oficina.example.coop');
      const waiting = backend.finishLogin(loginId);
      await vi.advanceTimersByTimeAsync(1000);
      await expect(waiting).resolves.toMatchObject({ server: 'https://oficina.example.coop' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps folder pairs, conflicts and activity, and tells the listeners', async () => {
    const backend = createMockBackend({ signedIn: true, folders: [mockFolder({ remotePath: 'Documents' })] });
    const events: SyncEvent[] = [];
    const stop = await backend.onSyncEvent((e) => events.push(e));
    const pair = await backend.addFolder({ accountId: 1, localPath: '~/Feina', remotePath: 'Fotos', excluded: ['2024'] });
    expect(pair).toMatchObject({ id: 2, localPath: '/home/ana/Feina', remotePath: 'Fotos', excluded: ['2024'] });
    await expect(
      backend.addFolder({ accountId: 1, localPath: '/home/ana/Feina', remotePath: 'Projectes', excluded: [] }),
    ).rejects.toMatchObject({ code: 'local_folder' });
    expect((await backend.pauseFolder(2)).status).toBe('paused');
    expect((await backend.setExcluded(2, [])).excluded).toEqual([]);
    await backend.removeFolder(2);
    expect(await backend.folders()).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['folder', 'folder', 'folder', 'removed']);
    stop();
    expect(backend.listenerCount()).toBe(0);
    await expect(backend.pauseFolder(99)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a server folder another pair of the account syncs, is inside or holds (invalid_input)', async () => {
    const backend = createMockBackend({
      accounts: [mockAccount(), mockAccount({ id: 2, server: 'https://oficina.lesaltres.coop' })],
      folders: [mockFolder({ remotePath: 'Fotos/2025' })],
    });
    for (const remotePath of ['Fotos/2025', 'Fotos/2025/Estiu', 'Fotos', '']) {
      await expect(
        backend.addFolder({ accountId: 1, localPath: '/home/ana/Nova', remotePath, excluded: [] }),
        remotePath,
      ).rejects.toMatchObject({ code: 'invalid_input' });
    }
    expect(backend.state.folders).toHaveLength(1);
    // A sibling, another account: fine.
    await backend.addFolder({ accountId: 1, localPath: '/home/ana/2024', remotePath: 'Fotos/2024', excluded: [] });
    await backend.addFolder({ accountId: 2, localPath: '/home/ana/Altres', remotePath: '', excluded: [] });
    await expect(
      backend.addFolder({ accountId: 1, localPath: '/home/ana/Cap', remotePath: 'Cap', excluded: [] }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(backend.state.folders.map((f) => f.remotePath)).toEqual(['Fotos/2025', 'Fotos/2024', '']);
  });

  it('lists the server folders one level at a time', async () => {
    const backend = createMockBackend({ signedIn: true });
    const top = await backend.listRemoteFolders(1, '');
    expect(top.map((f) => f.path)).toEqual(['Documents', 'Fotos', 'Projectes', 'Plantilles', 'Talk']);
    expect(await backend.listRemoteFolders(1, 'Fotos/2025')).toMatchObject([
      { path: 'Fotos/2025/Assemblea', hasChildren: false },
      { path: 'Fotos/2025/Estiu', hasChildren: false },
    ]);
    await expect(backend.listRemoteFolders(1, 'Nope')).rejects.toMatchObject({ code: 'not_found' });
    await expect(backend.listRemoteFolders(9, '')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('checks local folders', async () => {
    const backend = createMockBackend({ signedIn: true });
    expect(await backend.checkLocalFolder('~/Nou')).toMatchObject({ path: '/home/ana/Nou', exists: false, problem: null });
    expect(await backend.checkLocalFolder('/home/ana/Documents')).toMatchObject({ nonEmpty: true, entries: 12 });
    expect(await backend.checkLocalFolder('/home/ana/CommonsCloud')).toMatchObject({ alreadySynced: true });
    await expect(backend.checkLocalFolder(' ')).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('validates settings as the app does', async () => {
    const backend = createMockBackend();
    await expect(backend.updateSettings({ pollSeconds: 5 })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(backend.updateSettings({ uploadLimitKib: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await backend.updateSettings({ pollSeconds: 120, uploadLimitKib: 100 })).toMatchObject({
      pollSeconds: 120,
      uploadLimitKib: 100,
    });
  });

  it('resolves conflicts', async () => {
    const backend = createMockBackend({
      signedIn: true,
      conflicts: [{ folderId: 1, path: 'a.odt', copyPath: 'a (c).odt', found: 1 }],
    });
    await backend.resolveConflict(1, 'a (c).odt', 'mine');
    expect(await backend.conflicts()).toEqual([]);
    await expect(backend.resolveConflict(1, 'a (c).odt', 'mine')).rejects.toMatchObject({ code: 'not_found' });
    expect((await backend.activity())[0]).toMatchObject({ kind: 'uploaded', path: 'a.odt' });
  });
});

describe('the mock backend in a browser (?state=, ?fail=)', () => {
  it('starts signed in with ?state=signed-in', async () => {
    const backend = createMockBackendFromUrl('http://localhost:5173/?state=signed-in');
    expect(await backend.accounts()).toHaveLength(1);
    expect(await backend.folders()).toHaveLength(1);
  });

  it('shows every kind of folder with ?state=busy', async () => {
    const backend = createMockBackendFromUrl('http://localhost:5173/?state=busy');
    expect((await backend.folders()).map((f) => f.status)).toEqual(['attention', 'error']);
    expect(await backend.conflicts()).toHaveLength(1);
  });

  it('fails the commands named in ?fail=', async () => {
    const backend = createMockBackendFromUrl('http://localhost:5173/?fail=checkServer:offline,accounts:storage');
    await expect(backend.checkServer('a.coop')).rejects.toMatchObject({ code: 'offline' });
    await expect(backend.accounts()).rejects.toMatchObject({ code: 'storage' });
  });
});
