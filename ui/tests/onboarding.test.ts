import { screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../src/lib/backend-types';
import { mockAppInfo } from '../src/lib/backend.mock';
import { expectAccessible, renderApp } from './helpers';

const OFICINA = 'https://oficina.commonscloud.coop';

async function toSignIn(options: Parameters<typeof renderApp>[0] = {}) {
  const rendered = await renderApp(options);
  await rendered.user.click(screen.getByTestId('server-continue'));
  await screen.findByTestId('signin-button');
  return rendered;
}

async function toWaiting(options: Parameters<typeof renderApp>[0] = {}) {
  const rendered = await toSignIn(options);
  await rendered.user.click(screen.getByTestId('signin-button'));
  await screen.findByTestId('signin-waiting');
  return rendered;
}

async function toFolders(options: Parameters<typeof renderApp>[0] = {}) {
  const rendered = await toWaiting(options);
  await rendered.backend.completeLogin();
  await screen.findByTestId('folder-tree');
  await screen.findByTestId('folder-Documents');
  await waitFor(() =>
    expect(screen.getByTestId('local-folder-status')).toHaveAttribute('data-state', 'new'),
  );
  return rendered;
}

describe('onboarding 1: choose the server', () => {
  it('offers the provider servers and "another server", the first one chosen', async () => {
    await renderApp();
    expect(screen.getByTestId('onboarding-step')).toHaveTextContent('Pas 1 de 3');
    const oficina = screen.getByRole('radio', { name: "L'Oficina compartida" });
    expect(oficina).toBeChecked();
    expect(screen.getByRole('radio', { name: "L'Oficina de la meva organització" })).not.toBeChecked();
    expect(screen.queryByTestId('server-address')).not.toBeInTheDocument();
    expect(screen.getByTestId('server-continue')).toBeEnabled();
    await expectAccessible();
  });

  it('names each server in the UI language, else English, else Catalan, else the first', async () => {
    const label = (l: Record<string, string>) => ({ id: Object.keys(l).join(''), url: `https://${Object.keys(l).join('')}.example.coop`, template: null, label: l });
    await renderApp({
      locale: 'es-ES',
      info: {
        servers: [label({ es: 'Servidor', en: 'Server' }), label({ en: 'English only', ca: 'Només català' }), label({ ca: 'Català' }), label({ fr: 'Serveur' })],
      },
    });
    for (const name of ['Servidor', 'English only', 'Català', 'Serveur', 'La Oficina de mi organización']) {
      expect(screen.getByRole('radio', { name })).toBeInTheDocument();
    }
  });

  it('goes straight to signing in for a fixed server, without checking it', async () => {
    const { backend, user } = await renderApp();
    await user.click(screen.getByTestId('server-continue'));
    expect(await screen.findByTestId('signin-button')).toBeInTheDocument();
    expect(screen.getByText('A oficina.commonscloud.coop')).toBeInTheDocument();
    expect(screen.getByTestId('onboarding-step')).toHaveTextContent('Pas 2 de 3');
    expect(backend.callsTo('checkServer')).toEqual([]);
    expect(backend.callsTo('startLogin')).toEqual([]);
    await expectAccessible();
  });

  it('checks another server live, once typing pauses, and shows what answered', async () => {
    const { backend, user } = await renderApp();
    await user.click(screen.getByTestId('server-option-custom'));
    const field = screen.getByRole('textbox', { name: 'Adreça del servidor' });
    // The example in the member's language (Catalan here), not in English.
    expect(field).toHaveAttribute('placeholder', 'https://oficina.<el-vostre-domini>');
    expect(screen.getByTestId('server-address-hint')).toHaveTextContent('https://oficina.<el-vostre-domini>');
    expect(screen.getByTestId('server-continue')).toBeDisabled();
    await user.type(field, 'oficina.lesaltres.coop/');
    const status = screen.getByTestId('server-check-status');
    await waitFor(() => expect(status).toHaveAttribute('data-state', 'ok'));
    expect(status).toHaveTextContent('Trobat: Nextcloud 31.0.5 a https://oficina.lesaltres.coop');
    // One check for the whole address, not one per key.
    expect(backend.callsTo('checkServer')).toEqual([['oficina.lesaltres.coop/']]);
    await expectAccessible();
    await user.click(screen.getByTestId('server-continue'));
    await user.click(await screen.findByTestId('signin-button'));
    expect(backend.callsTo('startLogin')).toEqual([['https://oficina.lesaltres.coop']]);
  });

  it.each<[string, string]>([
    ['oficina', "Això no sembla l'adreça d'un servidor. Escriu-la així: https://oficina.<el-vostre-domini>"],
    ['offline.example.coop', 'No podem connectar amb aquesta adreça.'],
    ['maintenance.example.coop', 'Ara mateix aquest servidor està en manteniment.'],
    ['broken.example.coop', "El servidor d'aquesta adreça té un problema ara mateix."],
    ['missing.example.coop', 'En aquesta adreça no hi ha cap servidor del núvol.'],
  ])('explains why %s cannot be used, and lets the member correct it', async (address, message) => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('server-option-custom'));
    const field = screen.getByTestId('server-address');
    await user.type(field, address);
    const status = screen.getByTestId('server-check-status');
    await waitFor(() => expect(status).toHaveAttribute('data-state', 'error'));
    expect(status).toHaveTextContent(message);
    expect(screen.getByTestId('server-continue')).toBeDisabled();
    await expectAccessible();
    await user.clear(field);
    await user.type(field, 'oficina.example.coop');
    await waitFor(() => expect(status).toHaveAttribute('data-state', 'ok'));
    expect(screen.getByTestId('server-continue')).toBeEnabled();
  });

  it.each<[ErrorCode, string]>([
    ['timeout', 'El servidor ha trigat massa a respondre.'],
    ['internal', "Alguna cosa ha fallat a l'aplicació."],
  ])('explains a check that fails with %s', async (code, message) => {
    const { user } = await renderApp({ errors: { checkServer: code } });
    await user.click(screen.getByTestId('server-option-custom'));
    await user.type(screen.getByTestId('server-address'), 'oficina.example.coop');
    await waitFor(() => expect(screen.getByTestId('server-check-status')).toHaveTextContent(message));
  });

  it('asks for the organisation of a server per organisation, and checks its address', async () => {
    const { backend, user } = await renderApp({
      locale: 'en-US',
      info: {
        servers: [
          { id: 'framaspace', url: null, template: 'https://{organisation}.frama.space', label: { en: 'Framaspace' } },
        ],
        customServerAllowed: false,
      },
    });
    // A single choice needs no radio button.
    expect(screen.queryByRole('radio')).not.toBeInTheDocument();
    expect(screen.getByText('Framaspace')).toBeInTheDocument();
    const field = screen.getByRole('textbox', { name: "Your organisation's name" });
    await user.type(field, 'les/altres');
    expect(await screen.findByText(/Use only lowercase letters/)).toBeInTheDocument();
    expect(screen.getByTestId('server-continue')).toBeDisabled();
    await user.clear(field);
    await user.type(field, 'Les-Altres');
    expect(screen.getByText('Your address will be https://les-altres.frama.space')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('server-check-status')).toHaveAttribute('data-state', 'ok'));
    expect(backend.callsTo('checkServer').at(-1)).toEqual(['https://les-altres.frama.space']);
    await expectAccessible();
    await user.click(screen.getByTestId('server-continue'));
    expect(await screen.findByText('On les-altres.frama.space')).toBeInTheDocument();
  });

  it('opens the sign-up and password pages in the browser', async () => {
    const { backend, user } = await renderApp();
    await user.click(screen.getByTestId('signup-button'));
    await user.click(screen.getByTestId('password-reset-button'));
    expect(backend.openedUrls).toEqual([
      'https://gent.commonscloud.coop/registre',
      'https://www.commonscloud.coop/recover-password',
    ]);
  });

  it("resolves a password page of the member's own server, once there is one", async () => {
    const { backend, user } = await renderApp({
      info: { passwordResetUrl: 'index.php/login', servers: [] },
    });
    expect(screen.queryByTestId('password-reset-button')).not.toBeInTheDocument();
    await user.type(screen.getByTestId('server-address'), 'https://oficina.lesaltres.coop');
    await user.click(await screen.findByTestId('password-reset-button'));
    expect(backend.openedUrls).toEqual(['https://oficina.lesaltres.coop/index.php/login']);
  });

  it('shows no password link when the provider has none', async () => {
    await renderApp({ info: { passwordResetUrl: null } });
    expect(screen.queryByTestId('password-reset-button')).not.toBeInTheDocument();
  });

  it('gives the address when the browser cannot be opened', async () => {
    const { user } = await renderApp({ failOpenUrl: true });
    await user.click(screen.getByTestId('password-reset-button'));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'No hem pogut obrir el navegador. Pots anar-hi directament: https://www.commonscloud.coop/recover-password',
    );
    await expectAccessible();
  });

  it('uses the provider colours', async () => {
    await renderApp({
      info: { colors: { primary: '#123456', primaryDark: '#012345', onPrimary: '#fefefe', tint: '#abcdef' } },
    });
    const style = document.documentElement.style;
    expect(style.getPropertyValue('--primary')).toBe('#123456');
    expect(style.getPropertyValue('--primary-dark')).toBe('#012345');
    expect(style.getPropertyValue('--on-primary')).toBe('#fefefe');
    expect(style.getPropertyValue('--tint')).toBe('#abcdef');
  });
});

describe('onboarding 2: sign in', () => {
  it('opens the browser, says it waits, offers the page again and cancels', async () => {
    const { backend, user } = await toSignIn();
    expect(screen.getByRole('heading', { level: 1, name: 'Inicia la sessió' })).toHaveFocus();
    await expectAccessible();
    await user.click(screen.getByTestId('signin-button'));
    expect(await screen.findByTestId('signin-waiting')).toHaveTextContent(
      'Esperant que iniciïs la sessió al navegador…',
    );
    expect(backend.callsTo('startLogin')).toEqual([[OFICINA]]);
    expect(backend.callsTo('finishLogin')).toEqual([[1]]);
    // The address is there to open by hand (another device, no browser).
    expect(screen.getByText("O obre aquesta adreça en un navegador:")).toBeInTheDocument();
    expect(screen.getByTestId('signin-url')).toHaveTextContent(`${OFICINA}/index.php/login/v2/flow/mock1`);
    await expectAccessible();

    await user.click(screen.getByTestId('signin-open-browser'));
    expect(backend.openedUrls).toEqual([`${OFICINA}/index.php/login/v2/flow/mock1`]);

    await user.click(screen.getByTestId('signin-cancel'));
    expect(await screen.findByTestId('welcome-title')).toBeInTheDocument();
    expect(backend.callsTo('cancelLogin')).toEqual([[1]]);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('goes back from the explanation without starting anything', async () => {
    const { backend, user } = await toSignIn();
    await user.click(screen.getByTestId('signin-back'));
    expect(await screen.findByTestId('welcome-title')).toBeInTheDocument();
    expect(backend.callsTo('startLogin')).toEqual([]);
  });

  it('shows the sign-in address when the browser cannot be opened', async () => {
    const { user } = await toWaiting({ failOpenUrl: true });
    await user.click(screen.getByTestId('signin-open-browser'));
    expect(await screen.findByTestId('open-url-error')).toHaveTextContent(
      `${OFICINA}/index.php/login/v2/flow/mock1`,
    );
  });

  it('goes back to the first screen quietly when the sign-in is cancelled elsewhere', async () => {
    const { backend } = await toWaiting();
    await backend.rejectLogin('cancelled');
    expect(await screen.findByTestId('welcome-title')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it.each<[ErrorCode, string]>([
    ['timeout', "L'inici de sessió ha trigat massa i s'ha aturat. Torna-ho a provar"],
    ['unauthorized', "El servidor no ha acceptat l'inici de sessió."],
    ['keyring_unavailable', "El clauer de contrasenyes de l'ordinador no està disponible"],
    ['offline', 'No hi ha connexió a internet.'],
    ['maintenance', 'Ara mateix el servidor està en manteniment.'],
    ['server', "El servidor ha tingut un problema mentre iniciaves la sessió."],
    ['storage', "L'aplicació no ha pogut desar les seves dades"],
  ])('explains a sign-in that ends with %s, and tries again', async (code, message) => {
    const { backend, user } = await toWaiting();
    await backend.rejectLogin(code);
    const alert = await screen.findByTestId('signin-error');
    expect(alert).toHaveTextContent(message);
    expect(alert).toHaveAttribute('data-code', code);
    await expectAccessible();
    await user.click(screen.getByTestId('signin-retry'));
    expect(await screen.findByTestId('signin-waiting')).toBeInTheDocument();
    expect(backend.callsTo('startLogin')).toHaveLength(2);
    await backend.completeLogin();
    expect(await screen.findByTestId('folder-tree')).toBeInTheDocument();
  });

  it.each<[ErrorCode, string]>([
    ['offline', 'No hi ha connexió a internet.'],
    ['maintenance', 'Ara mateix el servidor està en manteniment.'],
    ['server', 'El servidor ha tingut un problema'],
    ['invalid_input', 'Hi ha alguna cosa escrita que no és vàlida.'],
  ])('explains a sign-in that cannot start (%s), and goes back on request', async (code, message) => {
    const { backend, user } = await toSignIn({ errors: { startLogin: code } });
    await user.click(screen.getByTestId('signin-button'));
    expect(await screen.findByTestId('signin-error')).toHaveTextContent(message);
    expect(backend.callsTo('finishLogin')).toEqual([]);
    await user.click(screen.getByTestId('signin-back'));
    expect(await screen.findByTestId('welcome-title')).toBeInTheDocument();
  });
});

describe('onboarding 3: choose what to sync', () => {
  it('shows the top folders with sizes, all ticked, and the default local folder', async () => {
    await toFolders();
    expect(screen.getByTestId('onboarding-step')).toHaveTextContent('Pas 3 de 3');
    const tree = within(screen.getByTestId('folder-tree')).getByRole('tree', { name: 'Carpetes del núvol' });
    const fotos = within(tree).getByRole('treeitem', { name: 'Fotos 2,4 GB' });
    expect(fotos).toHaveAttribute('aria-checked', 'true');
    expect(screen.getByTestId('folder-check-Fotos')).toBeChecked();
    expect(within(tree).getByRole('treeitem', { name: 'Plantilles 850 kB' })).toHaveAttribute('aria-checked', 'true');
    // A folder whose size the server does not give shows none.
    expect(within(tree).getByRole('treeitem', { name: 'Talk' })).toHaveAttribute('aria-checked', 'true');
    expect(screen.getByTestId('folder-Documents')).toHaveAttribute('aria-expanded', 'false');
    expect(screen.getByTestId('folder-Plantilles')).not.toHaveAttribute('aria-expanded');
    expect(screen.queryByTestId('folder-expand-Plantilles')).not.toBeInTheDocument();
    // One Tab stop for the whole tree: the first row.
    expect(screen.getByTestId('folder-Documents')).toHaveAttribute('tabindex', '0');
    expect(fotos).toHaveAttribute('tabindex', '-1');
    expect(screen.getByTestId('local-folder-input')).toHaveValue('/home/ana/CommonsCloud');
    expect(screen.getByTestId('local-folder-status')).toHaveTextContent(
      'Es crearà una carpeta nova: /home/ana/CommonsCloud',
    );
    expect(screen.getByTestId('start-sync')).toBeEnabled();
    await expectAccessible();
  });

  it('shows sizes in the UI language', async () => {
    await toFolders({ locale: 'en-US' });
    expect(screen.getByRole('treeitem', { name: 'Fotos 2.4 GB' })).toBeInTheDocument();
  });

  it('loads a folder only when it is opened', async () => {
    const { backend, user } = await toFolders();
    expect(backend.callsTo('listRemoteFolders')).toEqual([[1, '']]);
    await user.click(screen.getByTestId('folder-expand-Fotos'));
    expect(screen.getByTestId('folder-Fotos')).toHaveAttribute('aria-expanded', 'true');
    expect(await screen.findByTestId('folder-Fotos/2025')).toBeInTheDocument();
    expect(backend.callsTo('listRemoteFolders')).toEqual([[1, ''], [1, 'Fotos']]);
    await user.click(screen.getByTestId('folder-expand-Fotos/2025'));
    expect(await screen.findByTestId('folder-Fotos/2025/Estiu')).toBeInTheDocument();
    await expectAccessible();
    // Closing and opening again asks nothing more.
    await user.click(screen.getByTestId('folder-expand-Fotos'));
    expect(screen.queryByTestId('folder-Fotos/2025')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('folder-expand-Fotos'));
    expect(screen.getByTestId('folder-Fotos/2025/Estiu')).toBeInTheDocument();
    expect(backend.callsTo('listRemoteFolders')).toHaveLength(3);
  });

  it('leaves out the unticked folders, and takes one back in below an unticked one', async () => {
    const { backend, user } = await toFolders();
    await user.click(screen.getByTestId('folder-expand-Fotos'));
    await screen.findByTestId('folder-Fotos/2024');
    await user.click(screen.getByTestId('folder-check-Fotos'));
    expect(screen.getByTestId('folder-check-Fotos')).not.toBeChecked();
    expect(screen.getByTestId('folder-check-Fotos/2024')).not.toBeChecked();
    expect(screen.getByTestId('folder-check-Fotos/2025')).not.toBeChecked();
    await user.click(screen.getByTestId('folder-check-Plantilles'));
    // Fotos/2025 back in: Fotos is half-ticked, only Fotos/2024 stays out.
    await user.click(screen.getByTestId('folder-check-Fotos/2025'));
    expect(screen.getByTestId('folder-Fotos')).toHaveAttribute('data-tick', 'mixed');
    expect((screen.getByTestId('folder-check-Fotos') as HTMLInputElement).indeterminate).toBe(true);
    expect(screen.getByTestId('folder-check-Fotos/2025')).toBeChecked();
    await user.click(screen.getByTestId('start-sync'));
    await screen.findByTestId('pair-row');
    expect(backend.callsTo('addFolder')).toEqual([
      [
        {
          accountId: 1,
          localPath: '/home/ana/CommonsCloud',
          remotePath: '',
          excluded: ['Fotos/2024', 'Plantilles'],
        },
      ],
    ]);
  });

  it('explains the merge when the chosen folder already has files', async () => {
    const { backend, user } = await toFolders();
    await user.click(screen.getByTestId('local-folder-choose'));
    expect(screen.getByTestId('local-folder-input')).toHaveValue('/home/ana/Documents');
    const status = screen.getByTestId('local-folder-status');
    await waitFor(() => expect(status).toHaveAttribute('data-state', 'merge'));
    expect(status).toHaveTextContent('Aquesta carpeta ja té 12 elements.');
    expect(status).toHaveTextContent("no s'esborra res");
    expect(status).toHaveTextContent('es guarden les dues versions');
    expect(screen.getByTestId('start-sync')).toBeEnabled();
    expect(backend.callsTo('checkLocalFolder').at(-1)).toEqual(['/home/ana/Documents']);
    await expectAccessible();
  });

  it('says when a folder is empty and ready', async () => {
    const { user } = await toFolders({ localFolders: { '/home/ana/Buida': { exists: true } } });
    const field = screen.getByTestId('local-folder-input');
    await user.clear(field);
    await user.type(field, '~/Buida');
    await waitFor(() => expect(screen.getByTestId('local-folder-status')).toHaveAttribute('data-state', 'empty'));
    expect(screen.getByTestId('local-folder-status')).toHaveTextContent('Aquesta carpeta és buida');
  });

  it.each<[string, Record<string, object>, string, string]>([
    ['already synced', { '/home/ana/Sync': { alreadySynced: true, exists: true } }, 'already', "/home/ana/Sync ja s'està sincronitzant. Tria una altra carpeta."],
    ['not writable', { '/home/ana/Sync': { problem: 'local_folder' } }, 'problem', "L'aplicació no pot escriure a /home/ana/Sync. Tria una altra carpeta."],
  ])('refuses a local folder that is %s', async (_why, localFolders, state, message) => {
    const { user } = await toFolders({ localFolders });
    const field = screen.getByTestId('local-folder-input');
    await user.clear(field);
    await user.type(field, '/home/ana/Sync');
    const status = screen.getByTestId('local-folder-status');
    await waitFor(() => expect(status).toHaveAttribute('data-state', state));
    expect(status).toHaveTextContent(message);
    expect(screen.getByTestId('start-sync')).toBeDisabled();
    await expectAccessible();
  });

  it('asks for a place when the path is not one', async () => {
    const { user } = await toFolders();
    const field = screen.getByTestId('local-folder-input');
    await user.clear(field);
    await user.type(field, 'Documents');
    await waitFor(() => expect(screen.getByTestId('local-folder-status')).toHaveAttribute('data-state', 'problem'));
    expect(screen.getByTestId('start-sync')).toBeDisabled();
    await user.clear(field);
    expect(screen.getByTestId('start-sync')).toBeDisabled();
    expect(screen.getByTestId('local-folder-status')).toHaveAttribute('data-state', 'idle');
  });

  it.each<[ErrorCode, string]>([
    ['invalid_input', 'Escriu on és la carpeta, o prem «Tria…» per buscar-la.'],
    ['system', "L'ordinador no ho ha pogut fer"],
  ])('explains a folder check that fails with %s', async (code, message) => {
    const { backend, user } = await toFolders();
    backend.fail('checkLocalFolder', code);
    await user.type(screen.getByTestId('local-folder-input'), '2');
    await waitFor(() => expect(screen.getByTestId('local-folder-status')).toHaveAttribute('data-state', 'error'));
    expect(screen.getByTestId('local-folder-status')).toHaveTextContent(message);
    expect(screen.getByTestId('start-sync')).toBeDisabled();
  });

  it('keeps the folder when the picker is closed, and explains a picker that fails', async () => {
    const { backend, user } = await toFolders({ pickedFolder: null });
    await user.click(screen.getByTestId('local-folder-choose'));
    expect(screen.getByTestId('local-folder-input')).toHaveValue('/home/ana/CommonsCloud');
    backend.fail('pickLocalFolder', 'system');
    await user.click(screen.getByTestId('local-folder-choose'));
    expect(await screen.findByTestId('local-folder-error')).toHaveTextContent("L'ordinador no ho ha pogut fer");
    await expectAccessible();
  });

  it('lets the member type a folder when the default cannot be found', async () => {
    const { backend, user } = await toWaiting({ errors: { defaultLocalFolder: 'system' } });
    await backend.completeLogin();
    expect(await screen.findByTestId('local-folder-error')).toHaveTextContent(
      "L'ordinador no ho ha pogut fer",
    );
    expect(screen.getByTestId('local-folder-input')).toHaveValue('');
    expect(screen.getByTestId('start-sync')).toBeDisabled();
    await user.type(screen.getByTestId('local-folder-input'), '/home/ana/Núvol');
    await waitFor(() => expect(screen.getByTestId('start-sync')).toBeEnabled());
    expect(screen.queryByTestId('local-folder-error')).not.toBeInTheDocument();
  });

  it.each<[ErrorCode, string]>([
    ['offline', 'No hi ha connexió amb el servidor.'],
    ['unauthorized', "El servidor ja no accepta l'inici de sessió"],
    ['server', 'El servidor ha tingut un problema.'],
  ])('explains a folder list that fails with %s, and tries again', async (code, message) => {
    const { backend, user } = await toWaiting({ errors: { listRemoteFolders: code } });
    await backend.completeLogin();
    const problem = await screen.findByTestId('tree-error');
    expect(problem).toHaveTextContent(message);
    await expectAccessible();
    backend.fail('listRemoteFolders', null);
    await user.click(screen.getByTestId('tree-retry'));
    expect(await screen.findByTestId('folder-Documents')).toBeInTheDocument();
  });

  it('says so when the server has no folders yet', async () => {
    const { backend } = await toWaiting({ tree: [] });
    await backend.completeLogin();
    expect(await screen.findByText(/Encara no hi ha cap carpeta al núvol/)).toBeInTheDocument();
  });

  it.each<[ErrorCode, string]>([
    ['local_folder', "No es pot fer servir aquesta carpeta de l'ordinador. Tria'n una altra."],
    ['offline', 'No hi ha connexió amb el servidor.'],
    ['storage', "L'aplicació no ha pogut desar les seves dades"],
  ])('explains a start that fails with %s, and starts on a second try', async (code, message) => {
    const { backend, user } = await toFolders({ errors: { addFolder: code } });
    await user.click(screen.getByTestId('start-sync'));
    const alert = await screen.findByTestId('choose-error');
    expect(alert).toHaveTextContent(message);
    await expectAccessible();
    backend.fail('addFolder', null);
    await user.click(screen.getByTestId('start-sync'));
    expect(await screen.findByTestId('pair-row')).toBeInTheDocument();
  });
});

describe('onboarding, end to end on the mock', () => {
  it('takes a first-time member from the welcome screen to a syncing folder in three screens', async () => {
    const { backend, user } = await renderApp({ info: mockAppInfo() });
    expect(screen.getByTestId('welcome-title')).toHaveTextContent('Benvinguda a CommonsCloud');
    await expectAccessible();

    await user.click(screen.getByTestId('server-option-custom'));
    await user.type(screen.getByTestId('server-address'), 'https://oficina.lesaltres.coop');
    await waitFor(() => expect(screen.getByTestId('server-continue')).toBeEnabled());
    await user.click(screen.getByTestId('server-continue'));

    await user.click(await screen.findByTestId('signin-button'));
    await screen.findByTestId('signin-waiting');
    await backend.completeLogin();

    expect(await screen.findByRole('heading', { level: 1, name: 'Tria què vols sincronitzar' })).toBeInTheDocument();
    await screen.findByTestId('folder-Documents');
    await user.click(screen.getByTestId('folder-check-Talk'));
    await waitFor(() => expect(screen.getByTestId('start-sync')).toBeEnabled());
    await expectAccessible();
    await user.click(screen.getByTestId('start-sync'));

    const row = await screen.findByTestId('pair-row');
    expect(row).toHaveAttribute('data-local-path', '/home/ana/CommonsCloud');
    expect(within(row).getByTestId('pair-status')).toHaveAttribute('data-status', 'up_to_date');
    expect(within(row).getByText('Tots els teus fitxers de ana@oficina.lesaltres.coop')).toBeInTheDocument();
    expect(backend.state.accounts).toHaveLength(1);
    expect(backend.callsTo('addFolder')[0]).toEqual([
      { accountId: 1, localPath: '/home/ana/CommonsCloud', remotePath: '', excluded: ['Talk'] },
    ]);
    expect(screen.getByTestId('nav-files')).toHaveAttribute('aria-current', 'page');
    await expectAccessible();
  });

  it('opens on the main window when an account is already there', async () => {
    await renderApp({ signedIn: true });
    expect(await screen.findByTestId('pair-row')).toBeInTheDocument();
    expect(screen.queryByTestId('welcome-title')).not.toBeInTheDocument();
  });

  it('says so, and tries again, when the accounts cannot be read', async () => {
    const { backend, user } = await renderApp({ errors: { accounts: 'storage' } });
    expect(screen.getByTestId('startup-error')).toBeInTheDocument();
    await expectAccessible();
    backend.fail('accounts', null);
    await user.click(screen.getByTestId('startup-retry'));
    expect(await screen.findByTestId('welcome-title')).toBeInTheDocument();
  });
});
