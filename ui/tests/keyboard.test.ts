import { screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { mockFolder } from '../src/lib/backend.mock';
import { expectAccessible, expectAllReachableByKeyboard, goTo, renderApp, renderSignedIn } from './helpers';

async function toChooser() {
  const rendered = await renderApp();
  await rendered.user.click(screen.getByTestId('server-continue'));
  await rendered.user.click(await screen.findByTestId('signin-button'));
  await screen.findByTestId('signin-waiting');
  await rendered.backend.completeLogin();
  await screen.findByTestId('folder-Documents');
  await waitFor(() => expect(screen.getByTestId('start-sync')).toBeEnabled());
  return rendered;
}

/** The row of a folder tree that has focus: its test id. */
function focusedRow(): string | null {
  return document.activeElement?.getAttribute('data-testid') ?? null;
}

/** The box (checkbox or radio) of a row. */
function rowOf(boxTestid: string): HTMLElement {
  const row = screen.getByTestId(boxTestid).closest<HTMLElement>('[role="treeitem"]');
  if (!row) throw new Error(`${boxTestid} has no row`);
  return row;
}

const NOW = Math.floor(Date.now() / 1000);

describe('keyboard', () => {
  it('reaches every control of the first screen', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('server-option-custom'));
    await expectAllReachableByKeyboard(user);
  });

  it('reaches every control of the folder chooser, and ticks with the space bar', async () => {
    const { backend, user } = await renderApp();
    await user.click(screen.getByTestId('server-continue'));
    await user.click(await screen.findByTestId('signin-button'));
    await screen.findByTestId('signin-waiting');
    await backend.completeLogin();
    await screen.findByTestId('folder-Documents');
    await user.click(screen.getByTestId('folder-expand-Documents'));
    await screen.findByTestId('folder-Documents/Actes');
    await waitFor(() => expect(screen.getByTestId('start-sync')).toBeEnabled());
    await expectAllReachableByKeyboard(user);
    screen.getByTestId('folder-check-Fotos').focus();
    await user.keyboard(' ');
    expect(screen.getByTestId('folder-check-Fotos')).not.toBeChecked();
    screen.getByTestId('folder-expand-Projectes').focus();
    await user.keyboard('{Enter}');
    expect(await screen.findByTestId('folder-Projectes/Web')).toBeInTheDocument();
  });

  it('reaches every control of the files page in every state', async () => {
    const { user } = await renderSignedIn({
      folders: [
        mockFolder({ status: 'attention', conflicts: 1, massDelete: { deletes: 5, tracked: 6 }, notSynced: [{ path: 'a', reason: 'other' }] }),
        mockFolder({ id: 2, localPath: '/home/ana/B', status: 'error', error: { code: 'unauthorized', message: '' } }),
        mockFolder({ id: 3, localPath: '/home/ana/C', status: 'paused', paused: true }),
      ],
      conflicts: [{ folderId: 1, path: 'a.odt', copyPath: 'a (c).odt', found: NOW }],
    });
    await screen.findAllByTestId('pair-row');
    await expectAllReachableByKeyboard(user);
  });

  it('keeps focus inside a dialog', async () => {
    const { user } = await renderSignedIn();
    await user.click(await screen.findByTestId('pair-remove'));
    const dialog = screen.getByRole('alertdialog');
    const cancel = within(dialog).getByTestId('remove-cancel');
    const confirm = within(dialog).getByTestId('remove-confirm');
    expect(cancel).toHaveFocus();
    await user.tab();
    expect(confirm).toHaveFocus();
    await user.tab();
    expect(cancel).toHaveFocus();
    await user.tab({ shift: true });
    expect(confirm).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.getByTestId('pair-remove')).toHaveFocus();
  });

  it('reaches every control of the selective-sync dialog', async () => {
    const { user } = await renderSignedIn();
    await user.click(await screen.findByTestId('pair-choose'));
    await screen.findByTestId('folder-Documents');
    await expectAllReachableByKeyboard(user);
  });

  it('keeps Tab inside the selective-sync dialog with the tree, whichever row holds its Tab stop', async () => {
    const { user } = await renderSignedIn();
    await user.click(await screen.findByTestId('pair-choose'));
    const dialog = await screen.findByRole('dialog');
    await within(dialog).findByTestId('folder-Documents');
    // The tree was still loading when the dialog opened: focus is on its first button.
    expect(within(dialog).getByTestId('selective-cancel')).toHaveFocus();
    await user.tab({ shift: true });
    expect(within(dialog).getByTestId('folder-Documents')).toHaveFocus();
    await user.keyboard('{End}');
    expect(within(dialog).getByTestId('folder-Talk')).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByTestId('selective-cancel')).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByTestId('selective-save')).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByTestId('folder-Talk')).toHaveFocus();
    await user.tab({ shift: true });
    expect(within(dialog).getByTestId('selective-save')).toHaveFocus();
  });

  it('reaches every control of the conflicts, activity and settings pages', async () => {
    const { user } = await renderSignedIn({
      conflicts: [{ folderId: 1, path: 'a.odt', copyPath: 'a (c).odt', found: NOW }],
      activity: [{ id: 1, folderId: 1, at: NOW, kind: 'uploaded', path: 'a.odt' }],
    });
    for (const page of ['conflicts', 'activity', 'settings'] as const) {
      await goTo(user, page);
      await expectAllReachableByKeyboard(user);
    }
  });

  it('moves through the folder tree with the arrow keys, one Tab stop for the whole tree', async () => {
    const { backend, user } = await toChooser();
    // The heading has focus; the next Tab enters the tree on its first row.
    await user.tab();
    expect(focusedRow()).toBe('folder-Documents');
    await user.keyboard('{ArrowUp}');
    expect(focusedRow()).toBe('folder-Documents');
    await user.keyboard('{ArrowDown}');
    expect(focusedRow()).toBe('folder-Fotos');
    expect(screen.getByTestId('folder-Fotos')).toHaveAttribute('tabindex', '0');
    expect(screen.getByTestId('folder-Documents')).toHaveAttribute('tabindex', '-1');

    // Right opens (and loads), Right again goes in.
    await user.keyboard('{ArrowRight}');
    expect(screen.getByTestId('folder-Fotos')).toHaveAttribute('aria-expanded', 'true');
    await screen.findByTestId('folder-Fotos/2024');
    expect(focusedRow()).toBe('folder-Fotos');
    await user.keyboard('{ArrowRight}');
    expect(focusedRow()).toBe('folder-Fotos/2024');
    await user.keyboard('{ArrowDown}');
    expect(focusedRow()).toBe('folder-Fotos/2025');
    // Left on a closed folder goes to the one above; on an open one closes it.
    await user.keyboard('{ArrowLeft}');
    expect(focusedRow()).toBe('folder-Fotos');
    await user.keyboard('{ArrowLeft}');
    expect(screen.getByTestId('folder-Fotos')).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByTestId('folder-Fotos/2024')).not.toBeInTheDocument();
    expect(focusedRow()).toBe('folder-Fotos');
    // A folder with nothing inside does not open.
    await user.keyboard('{End}');
    expect(focusedRow()).toBe('folder-Talk');
    await user.keyboard('{ArrowRight}');
    expect(screen.getByTestId('folder-Talk')).not.toHaveAttribute('aria-expanded');
    await user.keyboard('{Home}');
    expect(focusedRow()).toBe('folder-Documents');
    // A letter goes to the next folder starting with it.
    await user.keyboard('p');
    expect(focusedRow()).toBe('folder-Projectes');
    await user.keyboard('p');
    expect(focusedRow()).toBe('folder-Plantilles');

    // Space ticks, Enter opens.
    await user.keyboard(' ');
    expect(screen.getByTestId('folder-Plantilles')).toHaveAttribute('aria-checked', 'false');
    expect(screen.getByTestId('folder-check-Plantilles')).not.toBeChecked();
    await user.keyboard('{ArrowUp}{Enter}');
    expect(screen.getByTestId('folder-Projectes')).toHaveAttribute('aria-expanded', 'true');
    await screen.findByTestId('folder-Projectes/Web');
    await expectAccessible();

    // Tab leaves the tree; Shift+Tab comes back to the row left.
    await user.tab();
    expect(screen.getByTestId('local-folder-input')).toHaveFocus();
    await user.tab({ shift: true });
    expect(focusedRow()).toBe('folder-Projectes');

    await user.click(screen.getByTestId('start-sync'));
    await screen.findByTestId('pair-row');
    expect(backend.callsTo('addFolder')[0]).toEqual([
      { accountId: 1, localPath: '/home/ana/CommonsCloud', remotePath: '', excluded: ['Plantilles'] },
    ]);
  });

  it('keeps focus in the tree when a folder holding it is closed with the mouse', async () => {
    const { user } = await toChooser();
    await user.click(screen.getByTestId('folder-expand-Fotos'));
    expect(focusedRow()).toBe('folder-Fotos');
    await screen.findByTestId('folder-Fotos/2025');
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(focusedRow()).toBe('folder-Fotos/2025');
    await user.click(screen.getByTestId('folder-expand-Fotos'));
    expect(screen.queryByTestId('folder-Fotos/2025')).not.toBeInTheDocument();
    expect(focusedRow()).toBe('folder-Fotos');
    expect(screen.getByTestId('folder-Fotos')).toHaveAttribute('tabindex', '0');
  });

  it('chooses the server folder to add with the keys, and not one that is not available', async () => {
    const { backend, user } = await renderSignedIn({ folders: [mockFolder({ remotePath: 'Documents' })] });
    await user.click(await screen.findByTestId('add-folder'));
    await screen.findByTestId('remote-root-Documents');
    await user.tab();
    expect(document.activeElement).toBe(rowOf('remote-root-all'));
    await user.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(rowOf('remote-root-Documents'));
    await user.keyboard(' ');
    expect(screen.getByTestId('remote-root-Documents')).not.toBeChecked();
    expect(screen.getByTestId('start-sync')).toBeDisabled();
    await user.keyboard('{ArrowDown}{Enter}');
    expect(screen.getByTestId('remote-root-Fotos')).toBeChecked();
    expect(rowOf('remote-root-Fotos')).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{ArrowRight}');
    await screen.findByTestId('remote-root-Fotos/2024');
    await user.keyboard('{ArrowRight} ');
    expect(screen.getByTestId('remote-root-Fotos/2024')).toBeChecked();
    expect(rowOf('remote-root-Fotos')).toHaveAttribute('aria-selected', 'false');
    await waitFor(() => expect(screen.getByTestId('local-folder-input')).toHaveValue('/home/ana/2024'));
    await waitFor(() => expect(screen.getByTestId('start-sync')).toBeEnabled());
    await expectAccessible();
    await expectAllReachableByKeyboard(user);
    await user.click(screen.getByTestId('start-sync'));
    await waitFor(() => expect(backend.callsTo('addFolder')).toHaveLength(1));
    expect(backend.callsTo('addFolder')[0]).toEqual([
      { accountId: 1, localPath: '/home/ana/2024', remotePath: 'Fotos/2024', excluded: [] },
    ]);
  });
});
