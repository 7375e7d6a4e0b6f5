/**
 * Every error code on every screen that runs a command: the member reads a
 * message in their language (never the backend's English `message`) and
 * has a way forward (a button to try again, go back, or sign in again).
 */
import { cleanup, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../src/lib/backend-types';
import { mockFolder } from '../src/lib/backend.mock';
import { ERROR_CODES } from '../src/lib/errors';
import { goTo, renderApp, renderSignedIn } from './helpers';

const ENGLISH = 'english detail for developers';

function explained(element: HTMLElement): void {
  expect(element.textContent?.trim()).not.toBe('');
  expect(element).not.toHaveTextContent(ENGLISH);
}

async function each(codes: readonly ErrorCode[], run: (code: ErrorCode) => Promise<void>) {
  let done = 0;
  for (const code of codes) {
    await run(code);
    cleanup();
    done += 1;
  }
  expect(done).toBe(codes.length);
}

const error = (code: ErrorCode) => ({ code, message: ENGLISH });

describe('every error code', () => {
  it('checking another server', async () => {
    await each(ERROR_CODES, async (code) => {
      const { user } = await renderApp({ errors: { checkServer: error(code) } });
      await user.click(screen.getByTestId('server-option-custom'));
      await user.type(screen.getByTestId('server-address'), 'a.coop');
      const status = screen.getByTestId('server-check-status');
      await waitFor(() => expect(status).toHaveAttribute('data-state', 'error'));
      explained(status);
      expect(screen.getByTestId('server-address')).toBeEnabled();
    });
  }, 30_000);

  it('signing in', async () => {
    await each(ERROR_CODES.filter((c) => c !== 'cancelled'), async (code) => {
      const { backend, user } = await renderApp({ errors: { finishLogin: error(code) } });
      await user.click(screen.getByTestId('server-continue'));
      await user.click(await screen.findByTestId('signin-button'));
      const alert = await screen.findByTestId('signin-error');
      explained(alert);
      expect(alert).toHaveAttribute('data-code', code);
      expect(screen.getByTestId('signin-retry')).toBeEnabled();
      expect(screen.getByTestId('signin-back')).toBeEnabled();
      expect(backend.callsTo('finishLogin')).toHaveLength(1);
    });
  });

  it('listing the server folders and starting to sync', async () => {
    await each(ERROR_CODES, async (code) => {
      const { backend, user } = await renderApp({
        errors: { listRemoteFolders: error(code), addFolder: error(code) },
      });
      await user.click(screen.getByTestId('server-continue'));
      await user.click(await screen.findByTestId('signin-button'));
      await screen.findByTestId('signin-waiting');
      await backend.completeLogin();
      explained(await screen.findByTestId('tree-error'));
      expect(screen.getByTestId('tree-retry')).toBeEnabled();
      await waitFor(() => expect(screen.getByTestId('start-sync')).toBeEnabled());
      await user.click(screen.getByTestId('start-sync'));
      const alert = await screen.findByTestId('choose-error');
      explained(alert);
      expect(screen.getByTestId('start-sync')).toBeEnabled();
    });
  });

  it('a folder pair that cannot sync', async () => {
    await each(ERROR_CODES, async (code) => {
      await renderSignedIn({ folders: [mockFolder({ status: 'error', error: error(code) })] });
      const alert = await screen.findByTestId('pair-error');
      explained(alert);
      const forward = within(alert).queryByTestId(code === 'unauthorized' ? 'pair-signin' : 'pair-retry');
      expect(forward, code).toBeInTheDocument();
    });
  });

  it('an action on a folder pair', async () => {
    await each(ERROR_CODES, async (code) => {
      const { user } = await renderSignedIn({ errors: { pauseFolder: error(code) } });
      await user.click(await screen.findByTestId('pair-pause'));
      explained(await screen.findByTestId('pair-action-error'));
      expect(screen.getByTestId('pair-pause')).toBeEnabled();
    });
  });

  it('resolving a conflict', async () => {
    await each(ERROR_CODES, async (code) => {
      const { user } = await renderSignedIn({
        conflicts: [{ folderId: 1, path: 'a.odt', copyPath: 'a (c).odt', found: 1 }],
        errors: { resolveConflict: error(code) },
      });
      await goTo(user, 'conflicts');
      await user.click(await screen.findByTestId('conflict-both'));
      explained(await screen.findByTestId('conflict-error'));
      expect(screen.getByTestId('conflict-both')).toBeEnabled();
    });
  });

  it('saving the settings and signing out', async () => {
    await each(ERROR_CODES, async (code) => {
      const { user } = await renderSignedIn({
        errors: { updateSettings: error(code), signOut: error(code) },
      });
      await goTo(user, 'settings');
      await user.click(await screen.findByTestId('settings-save'));
      explained(await screen.findByTestId('settings-error'));
      expect(screen.getByTestId('settings-save')).toBeEnabled();
      await user.click(screen.getByTestId('signout-button'));
      await user.click(screen.getByTestId('signout-confirm'));
      explained(await screen.findByTestId('signout-error'));
      expect(screen.getByTestId('signout-cancel')).toBeEnabled();
    });
  });
});
