/**
 * "Add a folder" from the files window: which server folder (one choice,
 * "all your files" first, folders other pairs of the account sync shown as
 * not available), what inside it, where on the computer.
 */
import { screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { suggestLocalFolder, takenBy } from '../src/lib/add-folder';
import type { FolderPair } from '../src/lib/backend-types';
import { mockAccount, mockFolder } from '../src/lib/backend.mock';
import { expectAccessible, renderSignedIn } from './helpers';

const LES_ALTRES = mockAccount({ id: 2, label: 'ana@oficina.lesaltres.coop', server: 'https://oficina.lesaltres.coop' });

async function openAdd(options: Parameters<typeof renderSignedIn>[0] = {}) {
  const rendered = await renderSignedIn(options);
  await rendered.user.click(await screen.findByTestId('add-folder'));
  await screen.findByRole('heading', { level: 1, name: 'Afegeix una carpeta per sincronitzar' });
  await screen.findByTestId('remote-root-Documents');
  return rendered;
}

/** The row (treeitem) of a box. */
function rowOf(testid: string): HTMLElement {
  const row = screen.getByTestId(testid).closest<HTMLElement>('[role="treeitem"]');
  if (!row) throw new Error(`${testid} is not in a tree row`);
  return row;
}

function picker(): HTMLElement {
  return within(screen.getByTestId('remote-root-tree')).getByRole('tree', { name: 'Quina carpeta del núvol' });
}

async function localFolderIs(path: string, state = 'new'): Promise<void> {
  await waitFor(() => expect(screen.getByTestId('local-folder-input')).toHaveValue(path));
  await waitFor(() => expect(screen.getByTestId('local-folder-status')).toHaveAttribute('data-state', state));
}

describe('add a folder: which server folder', () => {
  it('offers all the files first, as the first pair, in the default folder', async () => {
    const { backend, user } = await openAdd({ folders: [] });
    const all = screen.getByTestId('remote-root-all');
    expect(all).toBeChecked();
    expect(within(picker()).getByRole('treeitem', { name: 'Tots els teus fitxers', selected: true })).toBe(rowOf('remote-root-all'));
    expect(rowOf('remote-root-all')).toHaveAttribute('aria-expanded', 'true');
    expect(within(picker()).getByRole('treeitem', { name: 'Fotos 2,4 GB', selected: false })).toBeInTheDocument();
    // What inside it: the usual ticks, from the top.
    expect(await screen.findByTestId('folder-check-Fotos')).toBeChecked();
    await localFolderIs('/home/ana/CommonsCloud');
    await expectAccessible();
    await user.click(screen.getByTestId('start-sync'));
    expect(await screen.findByTestId('pair-row')).toHaveAttribute('data-local-path', '/home/ana/CommonsCloud');
    expect(backend.callsTo('addFolder')).toEqual([
      [{ accountId: 1, localPath: '/home/ana/CommonsCloud', remotePath: '', excluded: [] }],
    ]);
  });

  it('syncs one sub-folder, with sub-folders left out inside it, beside the default folder', async () => {
    const { backend, user } = await openAdd({
      folders: [mockFolder({ remotePath: 'Documents', localPath: '/home/ana/CommonsCloud' })],
    });
    // All the files hold Documents, synced already: nothing is chosen yet.
    expect(screen.getByTestId('remote-root-all')).not.toBeChecked();
    expect(screen.getByTestId('choose-pick-one')).toHaveTextContent('Tria una carpeta que encara no se sincronitzi.');
    expect(screen.queryByTestId('folder-tree')).not.toBeInTheDocument();
    expect(screen.getByTestId('start-sync')).toBeDisabled();

    await user.click(screen.getByTestId('remote-root-expand-Fotos'));
    await user.click(await screen.findByTestId('remote-root-Fotos/2025'));
    expect(screen.getByTestId('remote-root-Fotos/2025')).toBeChecked();
    expect(rowOf('remote-root-Fotos/2025')).toHaveAttribute('aria-selected', 'true');
    expect(rowOf('remote-root-Fotos/2025')).toHaveFocus();
    // Inside it: its own sub-folders, loaded from it.
    await screen.findByTestId('folder-Fotos/2025/Estiu');
    expect(backend.callsTo('listRemoteFolders')).toContainEqual([1, 'Fotos/2025']);
    expect(screen.queryByTestId('folder-Documents')).not.toBeInTheDocument();
    await localFolderIs('/home/ana/2025');
    expect(backend.callsTo('checkLocalFolder').at(-1)).toEqual(['/home/ana/2025']);
    await expectAccessible();

    await user.click(screen.getByTestId('folder-check-Fotos/2025/Estiu'));
    expect(screen.getByTestId('folder-Fotos/2025/Estiu')).toHaveAttribute('aria-checked', 'false');
    await user.click(screen.getByTestId('start-sync'));
    await waitFor(() => expect(screen.getAllByTestId('pair-row')).toHaveLength(2));
    // `excluded` is relative to the chosen folder.
    expect(backend.callsTo('addFolder')).toEqual([
      [{ accountId: 1, localPath: '/home/ana/2025', remotePath: 'Fotos/2025', excluded: ['Estiu'] }],
    ]);
    expect(screen.getAllByTestId('pair-row')[1]).toHaveTextContent('Fotos/2025 de ana@oficina.commonscloud.coop');
  });

  it('shows the folders another pair syncs, the ones inside it and around it, as not available, with why', async () => {
    const { user } = await openAdd({
      folders: [mockFolder({ remotePath: 'Fotos/2025', localPath: '/home/ana/Fotos 2025' })],
    });
    await user.click(screen.getByTestId('remote-root-expand-Fotos'));
    await user.click(await screen.findByTestId('remote-root-expand-Fotos/2025'));
    await screen.findByTestId('remote-root-Fotos/2025/Estiu');

    const expectations: [string, string, string | null][] = [
      ['remote-root-all', 'contains', 'No es pot triar: Fotos/2025, que és a dins, ja se sincronitza'],
      ['remote-root-Fotos', 'contains', 'No es pot triar: Fotos/2025, que és a dins, ja se sincronitza'],
      ['remote-root-Fotos/2025', 'same', 'Ja se sincronitza a /home/ana/Fotos 2025'],
      ['remote-root-Fotos/2025/Estiu', 'within', 'Ja se sincronitza com a part de Fotos/2025'],
      ['remote-root-Fotos/2024', 'free', null],
      ['remote-root-Documents', 'free', null],
    ];
    for (const [testid, taken, why] of expectations) {
      const box = screen.getByTestId(testid);
      expect(box, testid).toHaveAttribute('data-taken', taken);
      if (why === null) {
        expect(box, testid).toBeEnabled();
        expect(rowOf(testid), testid).not.toHaveAttribute('aria-disabled');
      } else {
        expect(box, testid).toBeDisabled();
        expect(rowOf(testid), testid).toHaveAttribute('aria-disabled', 'true');
        expect(rowOf(testid), testid).toHaveAccessibleDescription(why);
      }
    }
    await expectAccessible();

    // Clicking one that is not available chooses nothing.
    await user.click(screen.getByTestId('remote-root-Fotos/2025'));
    expect(screen.getByTestId('remote-root-Fotos/2025')).not.toBeChecked();
    expect(screen.getByTestId('start-sync')).toBeDisabled();
    await user.click(screen.getByTestId('remote-root-Fotos/2024'));
    expect(screen.getByTestId('remote-root-Fotos/2024')).toBeChecked();
    await localFolderIs('/home/ana/2024');
    expect(screen.getByTestId('start-sync')).toBeEnabled();
  });

  it('offers nothing of an account whose files all sync already, and everything of another one', async () => {
    const { backend, user } = await openAdd({ accounts: [mockAccount(), LES_ALTRES] });
    // The default pair syncs all of the first account.
    expect(screen.getByTestId('remote-root-all')).toHaveAttribute('data-taken', 'same');
    expect(rowOf('remote-root-all')).toHaveAccessibleDescription('Ja se sincronitza a /home/ana/CommonsCloud');
    expect(rowOf('remote-root-Fotos')).toHaveAccessibleDescription('Ja se sincronitza amb tots els teus fitxers');
    expect(screen.getByTestId('choose-pick-one')).toHaveTextContent(
      "Tots els fitxers d'aquest compte ja se sincronitzen a /home/ana/CommonsCloud: no hi queda cap carpeta per afegir.",
    );
    expect(screen.getByTestId('start-sync')).toBeDisabled();
    await expectAccessible();

    await user.selectOptions(screen.getByTestId('choose-account'), 'ana@oficina.lesaltres.coop');
    await waitFor(() => expect(screen.getByTestId('remote-root-all')).toBeChecked());
    expect(screen.getByTestId('remote-root-all')).toHaveAttribute('data-taken', 'free');
    await screen.findByTestId('folder-Fotos');
    expect(backend.callsTo('listRemoteFolders')).toContainEqual([2, '']);
    // All the files of another account: beside the default folder, named after the server.
    await localFolderIs('/home/ana/CommonsCloud (oficina.lesaltres.coop)');
    await user.click(screen.getByTestId('start-sync'));
    await waitFor(() => expect(screen.getAllByTestId('pair-row')).toHaveLength(2));
    expect(backend.callsTo('addFolder')).toEqual([
      [{ accountId: 2, localPath: '/home/ana/CommonsCloud (oficina.lesaltres.coop)', remotePath: '', excluded: [] }],
    ]);
  });

  it('says in plain words when the server refuses a folder another pair took meanwhile, and shows it taken', async () => {
    const { backend, user } = await openAdd({
      folders: [mockFolder({ remotePath: 'Documents' })],
    });
    await user.click(screen.getByTestId('remote-root-Fotos'));
    await localFolderIs('/home/ana/Fotos');
    // Another pair took Fotos since the list was read.
    backend.state.folders.push(mockFolder({ id: 7, remotePath: 'Fotos', localPath: '/home/ana/Les fotos' }));
    await user.click(screen.getByTestId('start-sync'));
    const alert = await screen.findByTestId('choose-error');
    expect(alert).toHaveAttribute('data-code', 'invalid_input');
    expect(alert).toHaveTextContent("Aquesta carpeta del núvol ja se sincronitza. Tria'n una altra.");
    await waitFor(() => expect(screen.getByTestId('remote-root-Fotos')).toBeDisabled());
    expect(rowOf('remote-root-Fotos')).toHaveAccessibleDescription('Ja se sincronitza a /home/ana/Les fotos');
    expect(screen.getByTestId('start-sync')).toBeDisabled();
    await expectAccessible();
    // Another choice clears the message and can start.
    await user.click(screen.getByTestId('remote-root-Projectes'));
    expect(screen.queryByTestId('choose-error')).not.toBeInTheDocument();
    await localFolderIs('/home/ana/Projectes');
    await user.click(screen.getByTestId('start-sync'));
    await waitFor(() => expect(screen.getAllByTestId('pair-row')).toHaveLength(3));
  });

  it('also words a refusal the mock is told to give', async () => {
    const { user } = await openAdd({ folders: [], errors: { addFolder: 'invalid_input' } });
    await localFolderIs('/home/ana/CommonsCloud');
    await user.click(screen.getByTestId('start-sync'));
    expect(await screen.findByTestId('choose-error')).toHaveTextContent('Aquesta carpeta del núvol ja se sincronitza.');
  });
});

describe('add a folder: where on the computer', () => {
  it('follows the chosen folder until the member writes a folder of their own', async () => {
    const { backend, user } = await openAdd({ folders: [mockFolder({ remotePath: 'Documents' })] });
    await user.click(screen.getByTestId('remote-root-Fotos'));
    await localFolderIs('/home/ana/Fotos');
    await user.click(screen.getByTestId('remote-root-Projectes'));
    await localFolderIs('/home/ana/Projectes');
    expect(backend.callsTo('checkLocalFolder').at(-1)).toEqual(['/home/ana/Projectes']);

    const field = screen.getByTestId('local-folder-input');
    await user.clear(field);
    await user.type(field, '/home/ana/Feina');
    await localFolderIs('/home/ana/Feina');
    await user.click(screen.getByTestId('remote-root-Plantilles'));
    expect(field).toHaveValue('/home/ana/Feina');
    await user.click(screen.getByTestId('start-sync'));
    await waitFor(() => expect(backend.callsTo('addFolder')).toHaveLength(1));
    expect(backend.callsTo('addFolder')[0]).toEqual([
      { accountId: 1, localPath: '/home/ana/Feina', remotePath: 'Plantilles', excluded: [] },
    ]);
  });

  it('still checks the suggestion: one in use is refused like a typed one', async () => {
    const { user } = await openAdd({
      folders: [mockFolder({ remotePath: 'Documents' })],
      localFolders: { '/home/ana/Fotos': { problem: 'local_folder' } },
    });
    await user.click(screen.getByTestId('remote-root-Fotos'));
    await localFolderIs('/home/ana/Fotos', 'problem');
    expect(screen.getByTestId('start-sync')).toBeDisabled();
  });
});

describe('which server folders are free, where a new pair goes (pure)', () => {
  const pair = (remotePath: string, localPath = `/home/ana/${remotePath || 'CommonsCloud'}`): FolderPair =>
    mockFolder({ remotePath, localPath });

  it('finds the pair in the way: the same folder, one above, one inside', () => {
    const pairs = [pair('Fotos/2025'), pair('Documents/Actes')];
    expect(takenBy('Fotos/2025', pairs)).toMatchObject({ kind: 'same', pair: { remotePath: 'Fotos/2025' } });
    expect(takenBy('Fotos/2025/Estiu', pairs)).toMatchObject({ kind: 'within', pair: { remotePath: 'Fotos/2025' } });
    expect(takenBy('Fotos', pairs)).toMatchObject({ kind: 'contains' });
    expect(takenBy('', pairs)).toMatchObject({ kind: 'contains' });
    expect(takenBy('Fotos/2024', pairs)).toBeNull();
    expect(takenBy('Fotos/20255', pairs)).toBeNull();
    expect(takenBy('Documents', [pair('')])).toMatchObject({ kind: 'within' });
    expect(takenBy('', [pair('')])).toMatchObject({ kind: 'same' });
    expect(takenBy('', [])).toBeNull();
  });

  it('suggests the default folder first, then beside it with the folder name', () => {
    const home = '/home/ana/CommonsCloud';
    expect(suggestLocalFolder(home, 'Fotos/2025', [], null)).toBe('/home/ana/2025');
    expect(suggestLocalFolder(home, '', [], null)).toBe(home);
    const pairs = [pair('', home)];
    expect(suggestLocalFolder(home, 'Fotos/2025', pairs, null)).toBe('/home/ana/2025');
    expect(suggestLocalFolder(`${home}/`, 'Fotos', pairs, null)).toBe('/home/ana/Fotos');
    expect(suggestLocalFolder('C:\\Users\\ana\\CommonsCloud', 'Fotos', pairs, null)).toBe('C:\\Users\\ana\\Fotos');
    expect(suggestLocalFolder('/CommonsCloud', 'Fotos', pairs, null)).toBe('/Fotos');
  });

  it('gives all the files of another account a name of their own, and numbers a name in use', () => {
    const home = '/home/ana/CommonsCloud';
    expect(suggestLocalFolder(home, '', [pair('Fotos', '/home/ana/Fotos')], 'https://a.coop')).toBe(home);
    expect(suggestLocalFolder(home, '', [pair('', home)], 'https://oficina.lesaltres.coop/nc')).toBe(
      '/home/ana/CommonsCloud (oficina.lesaltres.coop)',
    );
    const taken = [pair('', home), pair('Fotos', '/home/ana/Fotos'), pair('X/Fotos', '/home/ana/Fotos 2')];
    expect(suggestLocalFolder(home, 'Altres/Fotos', taken, null)).toBe('/home/ana/Fotos 3');
  });
});
