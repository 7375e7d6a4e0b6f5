import { screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { Conflict, ConflictResolution, ErrorCode } from '../src/lib/backend-types';
import { mockFolder } from '../src/lib/backend.mock';
import { expectAccessible, goTo, renderSignedIn } from './helpers';

const NOW = Math.floor(Date.now() / 1000);

const conflicts: Conflict[] = [
  {
    folderId: 1,
    path: 'Documents/Informes/informe-anual.odt',
    copyPath: 'Documents/Informes/informe-anual (conflicted copy 2025-11-25 093612).odt',
    found: NOW - 3600,
  },
  { folderId: 1, path: 'pressupost.ods', copyPath: 'pressupost (conflicted copy 2025-11-26 101010).ods', found: NOW - 60 },
];

async function renderConflicts(options: Parameters<typeof renderSignedIn>[0] = {}) {
  const rendered = await renderSignedIn({
    folders: [mockFolder({ status: 'attention', conflicts: 2, lastSync: NOW })],
    conflicts,
    ...options,
  });
  await goTo(rendered.user, 'conflicts');
  await screen.findByRole('heading', { level: 1, name: 'Conflictes' });
  return rendered;
}

function items(): HTMLElement[] {
  return screen.queryAllByTestId('conflict-item');
}

describe('conflicts', () => {
  it('lists each conflict with what happened and explains each choice', async () => {
    await renderConflicts();
    expect(screen.getByTestId('conflicts-list')).toBeInTheDocument();
    expect(items()).toHaveLength(2);
    const first = items()[0] as HTMLElement;
    expect(first).toHaveAttribute('data-path', 'Documents/Informes/informe-anual.odt');
    expect(within(first).getByRole('heading', { name: 'informe-anual.odt' })).toBeInTheDocument();
    expect(first).toHaveTextContent('Documents/Informes/informe-anual.odt a CommonsCloud');
    expect(first).toHaveTextContent('La teva versió: informe-anual (conflicted copy 2025-11-25 093612).odt');
    expect(first).toHaveTextContent('Trobat fa 1 hora');
    expect(screen.getByText(/No s'ha perdut res: es guarden les dues versions/)).toBeInTheDocument();
    expect(within(first).getByRole('button', { name: 'Em quedo la meva' })).toHaveAccessibleDescription(
      'La teva versió substitueix la del núvol.',
    );
    expect(within(first).getByRole('button', { name: 'Em quedo la del núvol' })).toHaveAccessibleDescription(
      'Es queda la versió del núvol; la teva va a la paperera.',
    );
    expect(within(first).getByRole('button', { name: 'Em quedo les dues' })).toHaveAccessibleDescription(
      'Es queden totes dues, com a dos fitxers separats.',
    );
    expect(within(first).getByRole('button', { name: 'Obre les dues' })).toHaveAccessibleDescription(
      'Mira les dues versions abans de triar.',
    );
    await expectAccessible();
  });

  it('opens both versions', async () => {
    const { backend, user } = await renderConflicts();
    await user.click(within(items()[0] as HTMLElement).getByTestId('conflict-open'));
    expect(backend.callsTo('openConflict')).toEqual([[1, conflicts[0]?.copyPath]]);
    expect(items()).toHaveLength(2);
  });

  it.each<[ConflictResolution, string]>([
    ['mine', 'conflict-mine'],
    ['theirs', 'conflict-theirs'],
    ['both', 'conflict-both'],
  ])('resolves with "%s" and takes the conflict off the list', async (resolution, button) => {
    const { backend, user } = await renderConflicts();
    await user.click(within(items()[0] as HTMLElement).getByTestId(button));
    expect(backend.callsTo('resolveConflict')).toEqual([[1, conflicts[0]?.copyPath, resolution]]);
    await waitFor(() => expect(items()).toHaveLength(1));
    expect(items()[0]).toHaveAttribute('data-path', 'pressupost.ods');
    expect(screen.getByTestId('conflicts-badge')).toHaveTextContent('1');
  });

  it('says when nothing is left to resolve, and the badge goes', async () => {
    const { user } = await renderConflicts();
    await user.click(within(items()[0] as HTMLElement).getByTestId('conflict-both'));
    await waitFor(() => expect(items()).toHaveLength(1));
    await user.click(within(items()[0] as HTMLElement).getByTestId('conflict-mine'));
    expect(await screen.findByTestId('conflicts-empty')).toHaveTextContent('No hi ha cap conflicte.');
    expect(screen.queryByTestId('conflicts-badge')).not.toBeInTheDocument();
    await expectAccessible();
  });

  it.each<[string, 'resolveConflict' | 'openConflict', string, ErrorCode, string]>([
    ['resolving', 'resolveConflict', 'conflict-mine', 'not_found', "Ja no hi és"],
    ['resolving', 'resolveConflict', 'conflict-theirs', 'local_folder', "No es pot fer servir la carpeta d'aquest ordinador"],
    ['resolving', 'resolveConflict', 'conflict-both', 'offline', 'No hi ha connexió amb el servidor.'],
    ['opening', 'openConflict', 'conflict-open', 'system', "L'ordinador no ho ha pogut fer"],
  ])('explains %s that fails (%s, %s)', async (_what, method, button, code, message) => {
    const { user } = await renderConflicts({ errors: { [method]: code } });
    const first = items()[0] as HTMLElement;
    await user.click(within(first).getByTestId(button));
    const alert = await within(first).findByTestId('conflict-error');
    expect(alert).toHaveTextContent(message);
    expect(alert).toHaveAttribute('data-code', code);
    expect(items()).toHaveLength(2);
    await expectAccessible();
  });

  it('shows an empty page when there are none', async () => {
    await renderConflicts({ conflicts: [] });
    expect(screen.getByTestId('conflicts-empty')).toBeInTheDocument();
    await expectAccessible();
  });

  it('reads the list again when a folder reports a new conflict', async () => {
    const { backend } = await renderConflicts({ conflicts: [] });
    backend.state.conflicts.push(conflicts[1] as Conflict);
    backend.emit({ type: 'folder', folder: mockFolder({ status: 'attention', conflicts: 1 }) });
    expect(await screen.findByTestId('conflict-item')).toHaveAttribute('data-path', 'pressupost.ods');
  });
});
