import { screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ErrorCode, FolderPair } from '../src/lib/backend-types';
import { mockAccount, mockFolder } from '../src/lib/backend.mock';
import { expectAccessible, goTo, renderSignedIn } from './helpers';

const NOW = Math.floor(Date.now() / 1000);

function row(): HTMLElement {
  return screen.getByTestId('pair-row');
}

async function withFolder(overrides: Partial<FolderPair>, options: Parameters<typeof renderSignedIn>[0] = {}) {
  const rendered = await renderSignedIn({ folders: [mockFolder(overrides)], ...options });
  await screen.findByTestId('pair-row');
  return rendered;
}

describe('files: each state of a folder pair', () => {
  it('up to date: says so and when it last synced', async () => {
    await withFolder({ lastSync: NOW - 5 * 60 });
    const status = within(row()).getByTestId('pair-status');
    expect(status).toHaveAttribute('data-status', 'up_to_date');
    expect(status).toHaveTextContent('Al dia');
    expect(within(row()).getByRole('heading', { name: 'CommonsCloud' })).toBeInTheDocument();
    expect(within(row()).getByTestId('pair-last-sync')).toHaveTextContent('Última sincronització: fa 5 minuts');
    expect(within(row()).getByTestId('pair-pause')).toBeInTheDocument();
    expect(within(row()).queryByTestId('pair-resume')).not.toBeInTheDocument();
    await expectAccessible();
  });

  it('never synced yet', async () => {
    await withFolder({ status: 'waiting', lastSync: null });
    expect(within(row()).getByTestId('pair-status')).toHaveTextContent('En espera');
    expect(row()).toHaveTextContent("Començarà a sincronitzar-se d'aquí a un moment.");
    expect(row()).toHaveTextContent("Encara no s'ha sincronitzat");
    await expectAccessible();
  });

  it('syncing: a progress bar, the count, the speed and the current file', async () => {
    await withFolder({
      status: 'syncing',
      progress: { listedFolders: null, done: 3, total: 12, bytes: 4_000_000, bytesPerSecond: 2_300_000, current: 'Fotos/platja.jpg' },
    });
    const bar = within(row()).getByRole('progressbar', { name: 'Progrés de la sincronització de CommonsCloud' });
    expect(bar).toHaveAttribute('value', '3');
    expect(bar).toHaveAttribute('max', '12');
    expect(row()).toHaveTextContent('3 de 12 · 2,3 MB/s');
    expect(row()).toHaveTextContent('Ara: Fotos/platja.jpg');
    await expectAccessible();
  });

  it('looking for changes: says so and how many folders so far, not "0 de 0"', async () => {
    await withFolder({
      status: 'syncing',
      progress: { listedFolders: 0, done: 0, total: 0, bytes: 0, bytesPerSecond: 0, current: null },
    });
    const bar = within(row()).getByRole('progressbar', { name: 'Progrés de la sincronització de CommonsCloud' });
    expect(bar).not.toHaveAttribute('value');
    expect(row()).toHaveTextContent('Buscant canvis al servidor…');
    expect(row()).not.toHaveTextContent('0 de 0');
    await expectAccessible();
  });

  it('looking for changes in a large tree: the folders checked so far', async () => {
    await withFolder({
      status: 'syncing',
      progress: { listedFolders: 240, done: 0, total: 0, bytes: 0, bytesPerSecond: 0, current: null },
    });
    expect(within(row()).getByTestId('pair-looking')).toHaveTextContent(
      'Buscant canvis al servidor: 240 carpetes revisades',
    );
    await expectAccessible();
  });

  it('paused: says nothing syncs, offers to resume', async () => {
    await withFolder({ status: 'paused', paused: true });
    expect(within(row()).getByTestId('pair-status')).toHaveTextContent('En pausa');
    expect(row()).toHaveTextContent('No se sincronitza res fins que la reprenguis.');
    expect(within(row()).getByTestId('pair-resume')).toBeInTheDocument();
    expect(within(row()).queryByTestId('pair-sync-now')).not.toBeInTheDocument();
    await expectAccessible();
  });

  it('offline: says it will go on by itself', async () => {
    await withFolder({ status: 'offline', error: { code: 'offline', message: 'no route' }, lastSync: NOW - 7200 });
    expect(within(row()).getByTestId('pair-status')).toHaveTextContent('Sense connexió');
    expect(row()).toHaveTextContent('Tornarà a sincronitzar-se sola quan torni la connexió.');
    expect(row()).toHaveTextContent('fa 2 hores');
    await expectAccessible();
  });

  it('needs attention: conflicts lead to the conflicts page, names that cannot sync are explained', async () => {
    const { user } = await withFolder(
      {
        status: 'attention',
        conflicts: 1,
        notSynced: [
          { path: 'Documents/aux.txt', reason: 'not_portable' },
          { path: 'Fotos/enllaç', reason: 'symlink' },
          { path: 'Compartit/acta.odt', reason: 'read_only' },
        ],
      },
      {
        conflicts: [{ folderId: 1, path: 'a.odt', copyPath: 'a (conflicted copy).odt', found: NOW }],
      },
    );
    expect(within(row()).getByTestId('pair-status')).toHaveTextContent('Necessita la teva atenció');
    expect(row()).toHaveTextContent('1 conflicte per resoldre');
    const list = within(row()).getByTestId('pair-not-synced');
    expect(list).toHaveTextContent('3 elements no es poden sincronitzar');
    await user.click(within(list).getByText('3 elements no es poden sincronitzar'));
    expect(list).toHaveTextContent('Documents/aux.txt');
    expect(list).toHaveTextContent("El nom no es pot fer servir a tots els ordinadors");
    expect(list).toHaveTextContent('És una drecera (enllaç) a un altre lloc');
    expect(list).toHaveTextContent('Aquesta carpeta compartida només la pots llegir');
    await expectAccessible();
    await user.click(within(row()).getByTestId('pair-see-conflicts'));
    expect(await screen.findByTestId('conflicts-list')).toBeInTheDocument();
    expect(screen.getByTestId('nav-conflicts')).toHaveAttribute('aria-current', 'page');
  });

  it.each<[ErrorCode, string]>([
    ['local_folder', 'No es troba la carpeta en aquest ordinador o no s\'hi pot escriure.'],
    ['storage', "L'aplicació no pot desar les seves dades en aquest ordinador"],
    ['maintenance', 'El servidor està en manteniment.'],
    ['server', 'El servidor ha tingut un problema.'],
    ['provider', 'La informació de l\'aplicació sobre la teva cooperativa està malmesa.'],
    ['internal', "Alguna cosa ha fallat a l'aplicació."],
  ])('error %s: explained, with a way to try again', async (code, message) => {
    const { backend, user } = await withFolder({ status: 'error', error: { code, message: 'x' } });
    const alert = within(row()).getByTestId('pair-error');
    expect(alert).toHaveTextContent(message);
    expect(alert).toHaveAttribute('data-code', code);
    expect(within(row()).getByTestId('pair-status')).toHaveTextContent('No se sincronitza');
    await expectAccessible();
    await user.click(within(alert).getByTestId('pair-retry'));
    expect(backend.callsTo('syncNow')).toEqual([[1]]);
    await waitFor(() => expect(within(row()).getByTestId('pair-status')).toHaveAttribute('data-status', 'up_to_date'));
  });

  it('error unauthorized: signs in again through the sign-in screen', async () => {
    const { backend, user } = await withFolder(
      { status: 'error', error: { code: 'unauthorized', message: 'app password refused' } },
      { accounts: [mockAccount({ needsSignIn: true })] },
    );
    expect(within(row()).getByTestId('pair-error')).toHaveTextContent(
      "El servidor ja no accepta l'inici de sessió d'aquest ordinador",
    );
    expect(screen.getByTestId('account-needs-signin')).toHaveTextContent('ana@oficina.commonscloud.coop');
    await expectAccessible();
    await user.click(within(row()).getByTestId('pair-signin'));
    expect(await screen.findByRole('heading', { level: 1, name: 'Torna a iniciar la sessió' })).toBeInTheDocument();
    await user.click(screen.getByTestId('signin-button'));
    await screen.findByTestId('signin-waiting');
    expect(backend.callsTo('startLogin')).toEqual([['https://oficina.commonscloud.coop']]);
    await expectAccessible();
    backend.state.folders[0] = mockFolder({ lastSync: NOW });
    await backend.completeLogin();
    await waitFor(() => expect(within(row()).getByTestId('pair-status')).toHaveAttribute('data-status', 'up_to_date'));
    expect(screen.queryByTestId('account-needs-signin')).not.toBeInTheDocument();
  });

  it('error unauthorized: cancelling the sign-in goes back to the files', async () => {
    const { user } = await withFolder({ status: 'error', error: { code: 'unauthorized', message: 'x' } });
    await user.click(within(row()).getByTestId('pair-signin'));
    await user.click(await screen.findByTestId('signin-back'));
    expect(await screen.findByTestId('pair-row')).toBeInTheDocument();
  });
});

describe('files: actions', () => {
  it('pauses and resumes', async () => {
    const { backend, user } = await withFolder({});
    await user.click(within(row()).getByTestId('pair-pause'));
    expect(backend.callsTo('pauseFolder')).toEqual([[1]]);
    expect(await within(row()).findByTestId('pair-resume')).toBeInTheDocument();
    expect(within(row()).getByTestId('pair-status')).toHaveAttribute('data-status', 'paused');
    await user.click(within(row()).getByTestId('pair-resume'));
    expect(backend.callsTo('resumeFolder')).toEqual([[1]]);
    expect(await within(row()).findByTestId('pair-pause')).toBeInTheDocument();
    expect(within(row()).getByTestId('pair-status')).not.toHaveAttribute('data-status', 'paused');
  });

  it('syncs now, opens the folder and opens it on the web', async () => {
    const { backend, user } = await withFolder({ webUrl: 'https://oficina.commonscloud.coop/apps/files/?dir=/' });
    await user.click(within(row()).getByTestId('pair-sync-now'));
    await user.click(within(row()).getByTestId('pair-open'));
    await user.click(within(row()).getByTestId('pair-web'));
    expect(backend.callsTo('syncNow')).toEqual([[1]]);
    expect(backend.callsTo('openLocalFolder')).toEqual([[1]]);
    expect(backend.openedUrls).toEqual(['https://oficina.commonscloud.coop/apps/files/?dir=/']);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it.each<[keyof import('../src/lib/backend-types').Backend, string, ErrorCode, string]>([
    ['pauseFolder', 'pair-pause', 'storage', "L'aplicació no ha pogut desar les seves dades"],
    ['syncNow', 'pair-sync-now', 'offline', 'No hi ha connexió amb el servidor.'],
    ['openLocalFolder', 'pair-open', 'local_folder', 'No es pot fer servir la carpeta d\'aquest ordinador'],
    ['openUrl', 'pair-web', 'system', "L'ordinador no ho ha pogut fer"],
    ['openLocalFolder', 'pair-open', 'not_found', 'Ja no hi és'],
  ])('explains %s failing (%s → %s)', async (method, button, code, message) => {
    const { backend, user } = await withFolder({});
    backend.fail(method, code);
    await user.click(within(row()).getByTestId(button));
    const alert = await within(row()).findByTestId('pair-action-error');
    expect(alert).toHaveTextContent(message);
    await expectAccessible();
  });

  it('asks before a mass delete: delete them', async () => {
    const { backend, user } = await withFolder({ status: 'attention', massDelete: { deletes: 312, tracked: 340 } });
    const question = within(row()).getByTestId('mass-delete');
    expect(question).toHaveTextContent("S'esborrarien molts fitxers");
    expect(question).toHaveTextContent("Aquesta sincronització esborraria 312 dels 340 fitxers d'aquesta carpeta.");
    expect(question).toHaveTextContent("la carpeta es posarà en pausa i no s'esborrarà res");
    await expectAccessible();
    await user.click(within(question).getByRole('button', { name: "Esborra'ls" }));
    expect(backend.callsTo('allowMassDelete')).toEqual([[1]]);
    await waitFor(() => expect(within(row()).queryByTestId('mass-delete')).not.toBeInTheDocument());
  });

  it('says so when every file of a folder would go, however few', async () => {
    await withFolder({ status: 'attention', massDelete: { deletes: 5, tracked: 5 } });
    const question = within(row()).getByTestId('mass-delete');
    expect(within(question).getByRole('heading', { level: 3 })).toHaveTextContent(
      "S'esborrarien tots els fitxers de la carpeta",
    );
    expect(within(question).getByTestId('mass-delete-text')).toHaveTextContent(
      "Aquesta sincronització esborraria tots els fitxers d'aquesta carpeta (5).",
    );
    await expectAccessible();
  });

  it('asks before a mass delete: keep them pauses the folder', async () => {
    const { backend, user } = await withFolder({ status: 'attention', massDelete: { deletes: 50, tracked: 60 } });
    await user.click(within(row()).getByTestId('mass-delete-keep'));
    expect(backend.callsTo('pauseFolder')).toEqual([[1]]);
    expect(backend.callsTo('allowMassDelete')).toEqual([]);
    expect(await within(row()).findByTestId('pair-resume')).toBeInTheDocument();
  });

  it('explains a mass-delete answer that fails', async () => {
    const { user } = await withFolder(
      { status: 'attention', massDelete: { deletes: 50, tracked: 60 } },
      { errors: { allowMassDelete: 'not_found' } },
    );
    await user.click(within(row()).getByTestId('mass-delete-allow'));
    expect(await within(row()).findByTestId('pair-action-error')).toHaveTextContent('Ja no hi és');
    expect(within(row()).getByTestId('mass-delete')).toBeInTheDocument();
  });

  it('removes a folder pair only after asking, and says the files are kept', async () => {
    const { backend, user } = await withFolder({});
    await user.click(within(row()).getByTestId('pair-remove'));
    const dialog = await screen.findByRole('alertdialog', { name: 'Vols deixar de sincronitzar CommonsCloud?' });
    expect(dialog).toHaveTextContent("no s'esborra res");
    expect(within(dialog).getByTestId('remove-cancel')).toHaveFocus();
    await expectAccessible();
    await user.click(within(dialog).getByTestId('remove-cancel'));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(backend.callsTo('removeFolder')).toEqual([]);

    await user.click(within(row()).getByTestId('pair-remove'));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();

    await user.click(within(row()).getByTestId('pair-remove'));
    await user.click(within(screen.getByRole('alertdialog')).getByTestId('remove-confirm'));
    expect(backend.callsTo('removeFolder')).toEqual([[1]]);
    expect(await screen.findByTestId('files-empty')).toBeInTheDocument();
    await expectAccessible();
  });

  it('explains a removal that fails', async () => {
    const { user } = await withFolder({}, { errors: { removeFolder: 'storage' } });
    await user.click(within(row()).getByTestId('pair-remove'));
    await user.click(screen.getByTestId('remove-confirm'));
    expect(await within(row()).findByTestId('pair-action-error')).toHaveTextContent("L'aplicació no ha pogut desar");
  });
});

describe('files: choosing folders (selective sync)', () => {
  it('asks before a folder stops syncing, and saves the choice', async () => {
    const { backend, user } = await withFolder({ excluded: ['Talk'] });
    await user.click(within(row()).getByTestId('pair-choose'));
    const dialog = await screen.findByRole('dialog', { name: 'Tria les carpetes que se sincronitzen' });
    await within(dialog).findByTestId('folder-Fotos');
    expect(within(dialog).getByTestId('folder-check-Talk')).not.toBeChecked();
    expect(within(dialog).getByTestId('folder-check-Fotos')).toBeChecked();
    await expectAccessible();

    // Unticking asks; "keep" keeps it ticked.
    await user.click(within(dialog).getByTestId('folder-check-Fotos'));
    const ask = await screen.findByRole('alertdialog', { name: 'Vols deixar de sincronitzar Fotos?' });
    expect(ask).toHaveTextContent('Els fitxers de Fotos es queden en aquest ordinador i al núvol');
    expect(within(ask).getByTestId('untick-keep')).toHaveFocus();
    await expectAccessible();
    await user.click(within(ask).getByTestId('untick-keep'));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(within(dialog).getByTestId('folder-check-Fotos')).toBeChecked();

    // Agreeing unticks it.
    await user.click(within(dialog).getByTestId('folder-check-Fotos'));
    await user.click(await screen.findByTestId('untick-confirm'));
    expect(within(dialog).getByTestId('folder-check-Fotos')).not.toBeChecked();

    // A folder already left out comes back in without a question.
    await user.click(within(dialog).getByTestId('folder-check-Talk'));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(within(dialog).getByTestId('folder-check-Talk')).toBeChecked();

    await user.click(within(dialog).getByTestId('selective-save'));
    expect(backend.callsTo('setExcluded')).toEqual([[1, ['Fotos']]]);
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(backend.state.folders[0]?.excluded).toEqual(['Fotos']);
  });

  it('Escape in the question keeps the folder, Escape in the dialog closes it unsaved', async () => {
    const { backend, user } = await withFolder({});
    await user.click(within(row()).getByTestId('pair-choose'));
    const dialog = await screen.findByRole('dialog');
    await user.click(await within(dialog).findByTestId('folder-check-Documents'));
    await screen.findByRole('alertdialog');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(within(dialog).getByTestId('folder-check-Documents')).toBeChecked();
    // Focus is back on the folder's row in the tree.
    expect(within(dialog).getByTestId('folder-Documents')).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(backend.callsTo('setExcluded')).toEqual([]);
  });

  it('works on a folder pair of part of the server, with paths from it', async () => {
    const { backend, user } = await withFolder({ remotePath: 'Fotos', excluded: ['2024'] });
    expect(row()).toHaveTextContent('Fotos de ana@oficina.commonscloud.coop');
    await user.click(within(row()).getByTestId('pair-choose'));
    const dialog = await screen.findByRole('dialog');
    expect(await within(dialog).findByTestId('folder-check-Fotos/2024')).not.toBeChecked();
    expect(backend.callsTo('listRemoteFolders')).toEqual([[1, 'Fotos']]);
    await user.click(within(dialog).getByTestId('folder-check-Fotos/2025'));
    await user.click(await screen.findByTestId('untick-confirm'));
    await user.click(within(dialog).getByTestId('selective-save'));
    expect(backend.callsTo('setExcluded')).toEqual([[1, ['2024', '2025']]]);
  });

  it.each<[ErrorCode, string]>([
    ['offline', 'No hi ha connexió amb el servidor.'],
    ['not_found', 'Ja no hi és'],
  ])('explains a save that fails with %s', async (code, message) => {
    const { user } = await withFolder({}, { errors: { setExcluded: code } });
    await user.click(within(row()).getByTestId('pair-choose'));
    await screen.findByTestId('folder-Documents');
    await user.click(screen.getByTestId('selective-save'));
    expect(await screen.findByTestId('selective-error')).toHaveTextContent(message);
    expect(screen.getByRole('dialog')).toBeInTheDocument();
    await expectAccessible();
  });

  it('explains a folder list that fails in the dialog', async () => {
    const { user } = await withFolder({}, { errors: { listRemoteFolders: 'unauthorized' } });
    await user.click(within(row()).getByTestId('pair-choose'));
    expect(await screen.findByTestId('tree-error')).toHaveTextContent("El servidor ja no accepta l'inici de sessió");
  });
});

describe('files: adding a folder and the list', () => {
  it('offers every account when there are several, and can be cancelled', async () => {
    const { user } = await withFolder({}, {
      accounts: [mockAccount(), mockAccount({ id: 2, label: 'ana@oficina.lesaltres.coop', server: 'https://oficina.lesaltres.coop' })],
    });
    await user.click(screen.getByTestId('add-folder'));
    const select = await screen.findByRole('combobox', { name: 'Compte' });
    expect(Array.from((select as HTMLSelectElement).options).map((o) => o.text)).toEqual([
      'ana@oficina.commonscloud.coop',
      'ana@oficina.lesaltres.coop',
    ]);
    await user.click(screen.getByTestId('choose-cancel'));
    expect(await screen.findByTestId('pair-row')).toBeInTheDocument();
  });

  it('shows an empty list with a way to add a folder', async () => {
    const { user } = await renderSignedIn({ folders: [] });
    const empty = await screen.findByTestId('files-empty');
    expect(empty).toHaveTextContent('Encara no se sincronitza cap carpeta.');
    await expectAccessible();
    await user.click(within(empty).getByRole('button', { name: 'Afegeix una carpeta' }));
    expect(await screen.findByTestId('folder-tree')).toBeInTheDocument();
  });

  it('explains a list that cannot be read, and reads it again', async () => {
    const { backend, user } = await renderSignedIn({ errors: { folders: 'storage' } });
    const alert = await screen.findByTestId('folders-error');
    expect(alert).toHaveTextContent("L'aplicació no ha pogut desar les seves dades");
    await expectAccessible();
    backend.fail('folders', null);
    await user.click(within(alert).getByRole('button', { name: 'Torna-ho a provar' }));
    expect(await screen.findByTestId('pair-row')).toBeInTheDocument();
  });

  it('follows the sync events: a pair changes, a new one comes, one goes', async () => {
    const { backend } = await withFolder({});
    expect(backend.listenerCount()).toBe(1);
    backend.emit({
      type: 'folder',
      folder: mockFolder({ status: 'syncing', progress: { listedFolders: null, done: 1, total: 4, bytes: 10, bytesPerSecond: 1500, current: 'a.txt' } }),
    });
    await waitFor(() => expect(within(row()).getByTestId('pair-status')).toHaveAttribute('data-status', 'syncing'));
    expect(row()).toHaveTextContent('1 de 4 · 1,5 kB/s');
    backend.emit({ type: 'folder', folder: mockFolder({ id: 2, localPath: '/home/ana/Feina' }) });
    await waitFor(() => expect(screen.getAllByTestId('pair-row')).toHaveLength(2));
    backend.emit({ type: 'removed', folderId: 1 });
    await waitFor(() => expect(screen.getAllByTestId('pair-row')).toHaveLength(1));
    expect(row()).toHaveAttribute('data-local-path', '/home/ana/Feina');
  });

  it('shows the number of open conflicts next to the conflicts tab, and follows it', async () => {
    const { backend, user } = await withFolder({ conflicts: 1, status: 'attention' }, {
      conflicts: [{ folderId: 1, path: 'a.odt', copyPath: 'a (conflicted copy).odt', found: NOW }],
    });
    const badge = screen.getByTestId('conflicts-badge');
    expect(badge).toHaveTextContent('1');
    expect(screen.getByRole('button', { name: 'Conflictes 1 per resoldre' })).toBeInTheDocument();
    backend.state.conflicts.push({ folderId: 1, path: 'b.odt', copyPath: 'b (conflicted copy).odt', found: NOW });
    backend.emit({ type: 'folder', folder: mockFolder({ conflicts: 2, status: 'attention' }) });
    await waitFor(() => expect(screen.getByTestId('conflicts-badge')).toHaveTextContent('2'));
    await goTo(user, 'activity');
    expect(screen.getByTestId('conflicts-badge')).toHaveTextContent('2');
  });

  it('is usable with the keyboard: the tabs, then the page', async () => {
    const { user } = await withFolder({});
    await user.tab();
    expect(screen.getByTestId('nav-files')).toHaveFocus();
    // Files, Calendar, Contacts, Services, Conflicts, Activity, Settings.
    for (let i = 0; i < 6; i++) await user.tab();
    expect(screen.getByTestId('nav-settings')).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('heading', { level: 1, name: 'Configuració' })).toHaveFocus();
  });
});
