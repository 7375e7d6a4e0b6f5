import { screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ActivityItem, ActivityKind } from '../src/lib/backend-types';
import { mockFolder } from '../src/lib/backend.mock';
import { expectAccessible, goTo, renderSignedIn } from './helpers';

const NOW = Math.floor(Date.now() / 1000);

const KINDS: [ActivityKind, string][] = [
  ['uploaded', 'Enviat al núvol'],
  ['downloaded', 'Baixat a aquest ordinador'],
  ['deleted_local', "Esborrat d'aquest ordinador"],
  ['deleted_remote', 'Esborrat del núvol'],
  ['folder', 'Carpeta creada'],
  ['conflict', 'Canviat en dos llocs: es guarden les dues versions'],
  ['not_synced', "No s'ha pogut sincronitzar"],
  ['error', "La sincronització s'ha aturat per un problema"],
];

async function renderActivity(activity: ActivityItem[], language = 'ca') {
  const rendered = await renderSignedIn({
    language,
    folders: [mockFolder({ localPath: '/home/ana/Núvol', lastSync: NOW })],
    activity,
  });
  await goTo(rendered.user, 'activity');
  return rendered;
}

describe('activity', () => {
  it('says in words what happened, where and when, the most recent first', async () => {
    await renderActivity(
      KINDS.map(([kind], index) => ({ id: index + 1, folderId: 1, at: NOW - (index + 1) * 3600, kind, path: `fitxer-${kind}.txt` })),
    );
    const rows = screen.getAllByTestId('activity-item');
    expect(rows).toHaveLength(KINDS.length);
    KINDS.forEach(([kind, words], index) => {
      const row = rows[index] as HTMLElement;
      expect(row).toHaveAttribute('data-kind', kind);
      expect(row).toHaveTextContent(words);
      expect(row).toHaveTextContent(`fitxer-${kind}.txt`);
      expect(row).toHaveTextContent('a Núvol');
    });
    expect(rows[0]).toHaveTextContent('fa 1 hora');
    expect(rows[1]).toHaveTextContent('fa 2 hores');
    await expectAccessible();
  });

  it('says why a file failed, in the member language', async () => {
    await renderActivity([
      { id: 2, folderId: 1, at: NOW - 60, kind: 'error', path: 'gran.ods', code: 'server_full' },
      { id: 1, folderId: 1, at: NOW - 120, kind: 'error', path: 'altre.ods', code: 'a_code_from_a_newer_app' },
    ]);
    const [full, unknown] = screen.getAllByTestId('activity-item') as HTMLElement[];
    expect(within(full!).getByTestId('activity-reason')).toHaveTextContent(
      'No hi ha prou espai al núvol per a aquest fitxer.',
    );
    // A code this UI does not know: the kind alone, no English text.
    expect(within(unknown!).queryByTestId('activity-reason')).not.toBeInTheDocument();
    await expectAccessible();
  });

  it('speaks the member language', async () => {
    await renderActivity([{ id: 1, folderId: 1, at: NOW - 86400, kind: 'downloaded', path: 'a.txt' }], 'es');
    const row = screen.getByTestId('activity-item');
    expect(row).toHaveTextContent('Descargado en este ordenador');
    expect(row).toHaveTextContent('ayer');
  });

  it('shows an empty page before anything happened', async () => {
    await renderActivity([]);
    expect(screen.getByTestId('activity-empty')).toHaveTextContent('Encara res.');
    await expectAccessible();
  });

  it('puts new activity on top as it happens', async () => {
    const { backend } = await renderActivity([{ id: 1, folderId: 1, at: NOW - 600, kind: 'uploaded', path: 'vell.txt' }]);
    backend.emit({ type: 'activity', item: { id: 2, folderId: 1, at: NOW, kind: 'downloaded', path: 'nou.txt' } });
    await waitFor(() => expect(screen.getAllByTestId('activity-item')).toHaveLength(2));
    const first = screen.getAllByTestId('activity-item')[0] as HTMLElement;
    expect(within(first).getByText('nou.txt')).toBeInTheDocument();
    expect(first).toHaveTextContent('ara');
  });
});
