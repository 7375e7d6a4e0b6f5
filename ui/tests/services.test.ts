import { screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { mockLauncher, mockOverview, mockServerNotice, mockTile } from '../src/lib/backend.mock';
import { expectAccessible, goTo, renderSignedIn } from './helpers';

describe('services', () => {
  it('shows the cooperative’s services in Catalan and opens one in the browser', async () => {
    const { user, backend } = await renderSignedIn();
    await goTo(user, 'services');
    expect(await screen.findByRole('heading', { name: 'Serveis de la cooperativa' })).toBeInTheDocument();
    const tiles = await screen.findAllByRole('button', { name: /Oficina|Videotrucades|Correu web|Àgora|Gestor|Ajuda|Files/ });
    expect(tiles.map((t) => t.textContent?.trim())).toEqual([
      'Oficina',
      'Videotrucades',
      'Correu web',
      'Àgora',
      'Gestor',
      'Ajuda',
      'Files',
    ]);
    await user.click(screen.getByTestId('service-agora'));
    expect(backend.openedUrls).toContain('https://agora.commonscloud.coop/');
    expect(screen.queryByTestId('services-refused')).toBeNull();
    await expectAccessible();
  });

  it('shows the account, and warns from 90 % of the quota', async () => {
    const { user, backend } = await renderSignedIn({
      services: { overview: mockOverview({ quotaUsed: 9.5 * 1024 ** 3, quotaTotal: 10 * 1024 ** 3 }) },
    });
    await goTo(user, 'services');
    const card = await screen.findByTestId('services-account');
    expect(within(card).getByText('Ana Vidal')).toBeInTheDocument();
    expect(within(card).getByText(/Gairebé ple/)).toBeInTheDocument();
    expect(within(card).getByRole('meter')).toHaveAttribute('aria-valuenow', String(9.5 * 1024 ** 3));
    await user.click(within(card).getByTestId('services-settings'));
    expect(backend.openedUrls).toContain('https://oficina.commonscloud.coop/index.php/settings/user');
    // "Sign out" leads to the settings, where it asks first.
    await user.click(within(card).getByTestId('services-signout'));
    expect(await screen.findByTestId('signout-button')).toBeInTheDocument();
  });

  it('without a limit says so', async () => {
    const { user } = await renderSignedIn({
      services: { overview: mockOverview({ quotaUsed: 1024 ** 2, quotaTotal: null }) },
    });
    await goTo(user, 'services');
    expect(await screen.findByText(/sense límit/)).toBeInTheDocument();
    expect(screen.queryByRole('meter')).toBeNull();
  });

  it('makes a new document in a synced folder and opens it', async () => {
    const { user, backend } = await renderSignedIn();
    await goTo(user, 'services');
    await user.click(await screen.findByTestId('services-new-document'));
    const dialog = await screen.findByTestId('new-document');
    await user.type(within(dialog).getByTestId('new-document-name'), 'Acta de la junta');
    await user.click(within(dialog).getByTestId('new-document-create'));
    await waitFor(() => expect(screen.queryByTestId('new-document')).toBeNull());
    expect(backend.callsTo('newDocument')[0]).toEqual([1, 'document', 'Acta de la junta']);
    expect(await screen.findByTestId('services-status')).toHaveTextContent('Acta de la junta.odt');
    expect(backend.openedUrls.some((u) => u.includes('/index.php/f/'))).toBe(true);
  });

  it('starts a meeting: the link goes to the clipboard and can be opened', async () => {
    const { user, backend } = await renderSignedIn();
    await goTo(user, 'services');
    await user.click(await screen.findByTestId('services-meeting'));
    const status = await screen.findByTestId('services-status');
    expect(status).toHaveTextContent('l’enllaç és al porta-retalls'.replace('’', "'"));
    expect(backend.services.clipboard).toEqual(['https://meet.example/CommonsCloud-mock1']);
    await user.click(within(status).getByTestId('services-meeting-open'));
    expect(backend.openedUrls).toContain('https://meet.example/CommonsCloud-mock1');
  });

  it('offers no meeting when no video service can start one', async () => {
    const { user } = await renderSignedIn({ services: { launcher: mockLauncher({ meeting: null }) } });
    await goTo(user, 'services');
    await screen.findByTestId('service-oficina');
    expect(screen.queryByTestId('services-meeting')).toBeNull();
  });

  it('lists what was left out, the server’s icons, and works offline with the profile’s', async () => {
    const { user } = await renderSignedIn({
      services: {
        launcher: mockLauncher({
          services: [mockTile(), mockTile({ id: 'server-photos', name: 'Photos', fromServer: true, icon: 'data:image/png;base64,iVBORw0KGgo=' })],
          refused: ['the server\'s app "Evil" links to "javascript:alert(1)", which is not a web address; left out'],
          offline: true,
        }),
      },
    });
    await goTo(user, 'services');
    expect(await screen.findByTestId('services-offline')).toBeInTheDocument();
    expect(screen.getByTestId('services-refused')).toHaveTextContent('1 servei no es mostra');
    const icon = within(screen.getByTestId('service-server-photos')).getByRole('presentation', { hidden: true });
    expect(icon.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
  });

  it('shows the server’s notifications, dismisses them and does their actions', async () => {
    const { user, backend } = await renderSignedIn({
      services: {
        notices: [
          mockServerNotice({ id: 7, subject: 'Assemblea dijous', message: 'A les 19 h' }),
          mockServerNotice({
            id: 8,
            subject: 'Pau ha compartit «Actes» amb tu',
            actions: [
              { label: 'Accepta', primary: true, web: false },
              { label: 'Rebutja', primary: false, web: false },
            ],
          }),
        ],
      },
    });
    await goTo(user, 'services');
    const list = await screen.findByTestId('notices-list');
    expect(within(list).getAllByTestId('notice')).toHaveLength(2);
    await user.click(within(list).getByRole('button', { name: 'Descarta «Assemblea dijous»' }));
    await waitFor(() => expect(within(list).getAllByTestId('notice')).toHaveLength(1));
    expect(backend.callsTo('dismissNotice')[0]).toEqual([1, 7]);
    await user.click(within(list).getByRole('button', { name: 'Accepta' }));
    expect(backend.callsTo('noticeAction')[0]).toEqual([1, 8, 0]);
    expect(await screen.findByTestId('notices-empty')).toBeInTheDocument();
  });
});

describe('open in the Oficina', () => {
  it('from the activity list and the conflicts list', async () => {
    const { user, backend } = await renderSignedIn({
      activity: [
        { id: 1, folderId: 1, at: 1_700_000_000, kind: 'downloaded', path: 'Actes/Acta.odt' },
        { id: 2, folderId: 1, at: 1_700_000_100, kind: 'downloaded', path: 'foto.jpg' },
      ],
      conflicts: [{ folderId: 1, path: 'Pressupost.ods', copyPath: 'Pressupost (conflicte).ods', found: 1_700_000_000 }],
    });
    await goTo(user, 'activity');
    const buttons = await screen.findAllByTestId('activity-office');
    expect(buttons).toHaveLength(1);
    await user.click(buttons[0]!);
    const folder = backend.state.folders[0]!.localPath;
    expect(backend.callsTo('openInOffice')[0]).toEqual([`${folder}/Actes/Acta.odt`]);
    await goTo(user, 'conflicts');
    await user.click(await screen.findByTestId('conflict-office'));
    expect(backend.callsTo('openInOffice')[1]).toEqual([`${folder}/Pressupost.ods`]);
  });

  it('from a folder card, with a file the member picks', async () => {
    const { user, backend } = await renderSignedIn({ pickedFile: 'Notes.md' });
    await user.click(await screen.findByTestId('pair-office'));
    await waitFor(() => expect(backend.callsTo('openFileInOffice')).toHaveLength(1));
    expect(backend.openedUrls.some((u) => u.includes('directEditing'))).toBe(true);
  });
});

describe('server notifications in the activity list', () => {
  it('shows them below the files’ activity, and dismisses there too', async () => {
    const { user, backend } = await renderSignedIn({
      services: { notices: [mockServerNotice({ id: 9, subject: 'Manteniment dissabte' })] },
    });
    await goTo(user, 'activity');
    const list = await screen.findByTestId('notices-list');
    expect(within(list).getByText('Manteniment dissabte')).toBeInTheDocument();
    await user.click(within(list).getByTestId('notice-dismiss'));
    expect(await screen.findByTestId('notices-empty')).toBeInTheDocument();
    expect(backend.callsTo('dismissNotice')).toEqual([[1, 9]]);
    await expectAccessible();
  });
});
