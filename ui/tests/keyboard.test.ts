import { screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { mockFolder } from '../src/lib/backend.mock';
import { expectAllReachableByKeyboard, goTo, renderApp, renderSignedIn } from './helpers';

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
});
