import { screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../src/lib/backend-types';
import { mockAccount } from '../src/lib/backend.mock';
import { expectAccessible, goTo, renderSignedIn } from './helpers';

async function renderSettings(options: Parameters<typeof renderSignedIn>[0] = {}) {
  const rendered = await renderSignedIn({
    settings: { autostart: true, uploadLimitKib: null, downloadLimitKib: 2048, pollSeconds: 300, ignoreList: '*.tmp' },
    ...options,
  });
  await goTo(rendered.user, 'settings');
  await screen.findByRole('heading', { level: 1, name: 'Configuració' });
  return rendered;
}

describe('settings', () => {
  it('shows the stored settings', async () => {
    await renderSettings();
    expect(screen.getByRole('checkbox', { name: "Obre CommonsCloud quan engego l'ordinador" })).toBeChecked();
    expect(screen.getByRole('textbox', { name: 'Límit de velocitat de pujada (KB/s)' })).toHaveValue('');
    expect(screen.getByTestId('settings-download-limit')).toHaveValue('2048');
    expect(screen.getByTestId('settings-upload-limit')).toHaveAccessibleDescription(
      'Deixa-ho buit per no posar cap límit.',
    );
    const poll = screen.getByRole('combobox', { name: 'Busca canvis al núvol' }) as HTMLSelectElement;
    expect(poll.value).toBe('300');
    expect(Array.from(poll.options).map((o) => o.text)).toEqual([
      'Cada 30 segons',
      'Cada minut',
      'Cada 5 minuts',
      'Cada 15 minuts',
      'Cada 30 minuts',
      'Cada hora',
    ]);
    expect(screen.getByTestId('settings-ignore')).toHaveValue('*.tmp');
    expect(screen.getByTestId('account-1')).toHaveTextContent('Ana Puig');
    expect(screen.getByTestId('account-1')).toHaveTextContent('ana@oficina.commonscloud.coop');
    await expectAccessible();
  });

  it('keeps an interval it does not offer', async () => {
    await renderSettings({ settings: { pollSeconds: 120 } });
    const poll = screen.getByTestId('settings-poll') as HTMLSelectElement;
    expect(poll.value).toBe('120');
    expect(poll.selectedOptions[0]?.text).toBe('Cada 2 minuts');
  });

  it('saves only what changed', async () => {
    const { backend, user } = await renderSettings();
    await user.click(screen.getByTestId('settings-autostart'));
    await user.type(screen.getByTestId('settings-upload-limit'), '512');
    await user.clear(screen.getByTestId('settings-download-limit'));
    await user.selectOptions(screen.getByTestId('settings-poll'), '3600');
    await user.type(screen.getByTestId('settings-ignore'), '{Enter}Thumbs.db');
    await user.click(screen.getByTestId('settings-save'));
    expect(await screen.findByText('Canvis desats.')).toBeInTheDocument();
    expect(backend.callsTo('updateSettings')).toEqual([
      [{ autostart: false, uploadLimitKib: 512, downloadLimitKib: null, pollSeconds: 3600, ignoreList: '*.tmp\nThumbs.db' }],
    ]);
    expect(backend.settings).toMatchObject({ autostart: false, uploadLimitKib: 512, downloadLimitKib: null, pollSeconds: 3600 });
    await expectAccessible();
    // Saving again sends nothing new.
    await user.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(backend.callsTo('updateSettings')).toHaveLength(2));
    expect(backend.callsTo('updateSettings')[1]).toEqual([{}]);
  });

  it.each([['0'], ['-5'], ['1,5'], ['molt']])('refuses a limit of %j before asking the backend', async (value) => {
    const { backend, user } = await renderSettings();
    await user.type(screen.getByTestId('settings-upload-limit'), value);
    await user.click(screen.getByTestId('settings-save'));
    expect(await screen.findByTestId('settings-limit-error')).toHaveTextContent(
      'Escriu un nombre enter més gran que zero',
    );
    expect(screen.getByTestId('settings-upload-limit')).toHaveAttribute('aria-invalid', 'true');
    expect(backend.callsTo('updateSettings')).toEqual([]);
    await expectAccessible();
  });

  it.each<[ErrorCode, string]>([
    ['invalid_input', 'Un dels valors no és vàlid.'],
    ['storage', "L'aplicació no ha pogut desar les seves dades"],
    ['system', "L'ordinador no ho ha pogut fer"],
  ])('explains a save that fails with %s', async (code, message) => {
    const { user } = await renderSettings({ errors: { updateSettings: code } });
    await user.click(screen.getByTestId('settings-autostart'));
    await user.click(screen.getByTestId('settings-save'));
    const alert = await screen.findByTestId('settings-error');
    expect(alert).toHaveTextContent(message);
    expect(screen.queryByText('Canvis desats.')).not.toBeInTheDocument();
    await expectAccessible();
  });

  it('says so when the computer refuses to start the app at login, and shows what is stored', async () => {
    const { backend, user } = await renderSettings({ errors: { updateSettings: 'autostart' } });
    const box = screen.getByTestId('settings-autostart');
    expect(box).toBeChecked();
    await user.click(box);
    expect(box).not.toBeChecked();
    await user.click(screen.getByTestId('settings-save'));
    const alert = await screen.findByTestId('settings-error');
    expect(alert).toHaveAttribute('data-code', 'autostart');
    expect(alert).toHaveTextContent("L'ordinador no ha deixat que");
    expect(alert).toHaveTextContent('La resta de canvis s\'han desat.');
    // The stored choice is read again: still on, as the system left it.
    await waitFor(() => expect(box).toBeChecked());
    expect(backend.callsTo('getSettings').length).toBeGreaterThan(0);
    expect(screen.queryByText('Canvis desats.')).not.toBeInTheDocument();
    await expectAccessible();
  });

  it('reads the settings again when they could not be read at start', async () => {
    const { backend, user } = await renderSettings({ errors: { getSettings: 'storage' } });
    const alert = await screen.findByTestId('settings-load-error');
    expect(screen.getByTestId('settings-save')).toBeDisabled();
    await expectAccessible();
    backend.fail('getSettings', null);
    await user.click(within(alert).getByRole('button', { name: 'Torna-ho a provar' }));
    await waitFor(() => expect(screen.getByTestId('settings-download-limit')).toHaveValue('2048'));
    expect(screen.getByTestId('settings-save')).toBeEnabled();
  });

  it('changes the language at once', async () => {
    const { backend, user } = await renderSettings();
    await user.selectOptions(screen.getByTestId('language-select'), 'en');
    expect(await screen.findByRole('heading', { level: 1, name: 'Settings' })).toBeInTheDocument();
    expect(screen.getByTestId('nav-files')).toHaveTextContent('Files');
    expect(backend.languageCalls).toEqual(['en']);
  });
});

describe('signing out', () => {
  it('asks first, says the files stay, and goes back to the first screen', async () => {
    const { backend, user } = await renderSettings();
    await user.click(screen.getByTestId('signout-button'));
    const dialog = await screen.findByRole('alertdialog', {
      name: 'Vols tancar la sessió de ana@oficina.commonscloud.coop?',
    });
    expect(dialog).toHaveTextContent("Els teus fitxers es queden en aquest ordinador i al núvol: no s'esborra res.");
    expect(within(dialog).getByTestId('signout-cancel')).toHaveFocus();
    await expectAccessible();
    await user.click(within(dialog).getByTestId('signout-cancel'));
    expect(backend.callsTo('signOut')).toEqual([]);

    await user.click(screen.getByTestId('signout-button'));
    await user.click(screen.getByTestId('signout-confirm'));
    expect(backend.callsTo('signOut')).toEqual([[1]]);
    expect(await screen.findByTestId('welcome-title')).toBeInTheDocument();
    expect(screen.queryByTestId('signed-out-notice')).not.toBeInTheDocument();
    await expectAccessible();
  });

  it('stays in the main window while another account is signed in', async () => {
    const { backend, user } = await renderSettings({
      accounts: [mockAccount(), mockAccount({ id: 2, label: 'ana@oficina.lesaltres.coop', server: 'https://oficina.lesaltres.coop' })],
    });
    const second = screen.getByTestId('account-2');
    await user.click(within(second).getByTestId('signout-button'));
    await user.click(screen.getByTestId('signout-confirm'));
    expect(backend.callsTo('signOut')).toEqual([[2]]);
    await waitFor(() => expect(screen.queryByTestId('account-2')).not.toBeInTheDocument());
    expect(screen.getByTestId('account-1')).toBeInTheDocument();
  });

  it('tells the member when the server could not be told', async () => {
    const { backend, user } = await renderSettings();
    const signOut = backend.signOut.bind(backend);
    backend.signOut = async (id) => ({ ...(await signOut(id)), revokedOnServer: false });
    await user.click(screen.getByTestId('signout-button'));
    await user.click(screen.getByTestId('signout-confirm'));
    expect(await screen.findByTestId('signed-out-notice')).toHaveTextContent(
      "Has tancat la sessió, però no s'ha pogut avisar el servidor.",
    );
    expect(screen.getByTestId('welcome-title')).toBeInTheDocument();
  });

  it.each<[ErrorCode, string]>([
    ['storage', "L'aplicació no ha pogut desar les seves dades"],
    ['keyring_unavailable', "El clauer de contrasenyes de l'ordinador no està disponible"],
  ])('explains a sign-out that fails with %s', async (code, message) => {
    const { user } = await renderSettings({ errors: { signOut: code } });
    await user.click(screen.getByTestId('signout-button'));
    await user.click(screen.getByTestId('signout-confirm'));
    expect(await screen.findByTestId('signout-error')).toHaveTextContent(message);
    expect(screen.getByRole('alertdialog')).toBeInTheDocument();
    await expectAccessible();
  });

  it('offers to sign in again to an account the server refused', async () => {
    const { user } = await renderSettings({ accounts: [mockAccount({ needsSignIn: true })] });
    await user.click(within(screen.getByTestId('account-1')).getByTestId('account-signin'));
    expect(await screen.findByRole('heading', { level: 1, name: 'Torna a iniciar la sessió' })).toBeInTheDocument();
  });
});

describe('updates', () => {
  const updater = {
    kind: 'updater' as const,
    endpoint: 'https://releases.example.coop/{{target}}/{{arch}}/{{current_version}}',
    host: 'releases.example.coop',
  };

  it("says the system's package manager updates the Linux packages", async () => {
    await renderSettings();
    expect(await screen.findByTestId('updates-system')).toHaveTextContent(
      'El gestor de paquets del sistema actualitza CommonsCloud, com la resta de programes.',
    );
    expect(screen.queryByTestId('updates-check')).not.toBeInTheDocument();
    expect(screen.queryByTestId('updates-look')).not.toBeInTheDocument();
  });

  it('leaves the updates to the cooperative when its profile says so', async () => {
    await renderSettings({ updates: { channel: { kind: 'off', reason: 'provider' } } });
    expect(await screen.findByTestId('updates-provider')).toHaveTextContent(
      'La teva cooperativa instal·la i actualitza CommonsCloud per tu.',
    );
    expect(screen.queryByTestId('updates-check')).not.toBeInTheDocument();
  });

  it("looks for a new version only at the provider's address and installs it", async () => {
    const { backend, user } = await renderSettings({
      updates: {
        channel: updater,
        check: { kind: 'available', current: '0.1.0', version: '0.2.0', notes: 'Calendaris més ràpids.' },
      },
    });
    const check = await screen.findByRole('checkbox', { name: 'Busca versions noves automàticament' });
    expect(check).toBeChecked();
    expect(check).toHaveAccessibleDescription(
      "Només es pregunta a releases.example.coop, i només s'instal·la el que ve signat.",
    );
    await user.click(screen.getByTestId('updates-look'));
    expect(await screen.findByText('Hi ha una versió nova: 0.2.0.')).toBeInTheDocument();
    expect(screen.getByText('Calendaris més ràpids.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Instal·la la versió 0.2.0 i reinicia' }));
    expect(backend.callsTo('installUpdate')).toEqual([[]]);
    await expectAccessible();
  });

  it('says so when the newest version is running', async () => {
    const { user } = await renderSettings({
      updates: { channel: updater, check: { kind: 'upToDate', current: '0.1.0' } },
    });
    await user.click(await screen.findByTestId('updates-look'));
    expect(await screen.findByTestId('updates-found')).toHaveTextContent('Tens la darrera versió (0.1.0).');
    expect(screen.queryByTestId('updates-install')).not.toBeInTheDocument();
  });

  it('lets the member turn the look off and on again', async () => {
    const { backend, user } = await renderSettings({ updates: { channel: updater } });
    await user.click(await screen.findByTestId('updates-check'));
    await waitFor(() => expect(screen.getByTestId('updates-check')).not.toBeChecked());
    expect(screen.queryByTestId('updates-look')).not.toBeInTheDocument();
    expect(backend.settings.checkUpdates).toBe(false);
    await user.click(screen.getByTestId('updates-check'));
    await waitFor(() => expect(screen.getByTestId('updates-check')).toBeChecked());
    expect(backend.callsTo('updateSettings')).toEqual([[{ checkUpdates: false }], [{ checkUpdates: true }]]);
  });

  it('explains a look that failed', async () => {
    const { user } = await renderSettings({ updates: { channel: updater }, errors: { checkForUpdates: 'offline' } });
    await user.click(await screen.findByTestId('updates-look'));
    expect(await screen.findByTestId('updates-error')).toHaveTextContent('No hi ha connexió amb el servidor.');
  });
});
