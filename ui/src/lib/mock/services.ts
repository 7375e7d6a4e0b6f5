/**
 * The mock backend's Services page: the profile's services and the
 * server's apps, the account's quota, new documents, meetings (their link
 * "copied" into `clipboard`) and the server's notifications, in memory.
 */
import type {
  AccountOverview,
  FolderPair,
  Launcher,
  Meeting,
  Opened,
  ServerNotice,
  ServiceTile,
} from '../backend-types';

export interface MockServicesState {
  launcher: Launcher;
  overview: AccountOverview;
  notices: ServerNotice[];
  /** What "Start a meeting" put on the clipboard, in order. */
  clipboard: string[];
}

export function mockTile(partial: Partial<ServiceTile> = {}): ServiceTile {
  return {
    id: 'oficina',
    kind: 'office',
    name: 'Oficina',
    url: 'https://oficina.commonscloud.coop/',
    icon: null,
    fromServer: false,
    ...partial,
  };
}

export function mockLauncher(partial: Partial<Launcher> = {}): Launcher {
  return {
    accountId: 1,
    services: [
      mockTile(),
      mockTile({ id: 'video', kind: 'video', name: 'Videotrucades', url: 'https://bbbsalas.somosnube.coop/' }),
      mockTile({ id: 'webmail', kind: 'mail', name: 'Correu web', url: 'https://webmail.commonscloud.coop/' }),
      mockTile({ id: 'agora', kind: 'forum', name: 'Àgora', url: 'https://agora.commonscloud.coop/' }),
      mockTile({ id: 'gestor', kind: 'erp', name: 'Gestor', url: 'https://gestor.commonscloud.coop/' }),
      mockTile({ id: 'help', kind: 'help', name: 'Ajuda', url: 'https://www.commonscloud.coop/' }),
      mockTile({
        id: 'server-files',
        kind: 'other',
        name: 'Files',
        url: 'https://oficina.commonscloud.coop/index.php/apps/files/',
        fromServer: true,
      }),
    ],
    refused: [],
    creators: [
      { id: 'document', name: '', extension: 'odt' },
      { id: 'spreadsheet', name: '', extension: 'ods' },
      { id: 'presentation', name: '', extension: 'odp' },
    ],
    meeting: 'Videotrucades',
    offline: false,
    ...partial,
  };
}

export function mockOverview(partial: Partial<AccountOverview> = {}): AccountOverview {
  return {
    accountId: 1,
    userId: 'ana',
    displayName: 'Ana Vidal',
    server: 'https://oficina.commonscloud.coop/',
    avatar: null,
    quotaUsed: 3 * 1024 ** 3,
    quotaTotal: 10 * 1024 ** 3,
    settingsUrl: 'https://oficina.commonscloud.coop/index.php/settings/user',
    ...partial,
  };
}

export function mockServerNotice(partial: Partial<ServerNotice> = {}): ServerNotice {
  return {
    id: 1,
    accountId: 1,
    app: 'files_sharing',
    datetime: '2026-12-05T09:00:00+00:00',
    subject: 'Pau ha compartit «Actes» amb tu',
    message: '',
    link: null,
    actions: [],
    ...partial,
  };
}

type Fault = (code: 'not_found' | 'invalid_input', message: string) => never;

export function createMockServices(
  initial: Partial<MockServicesState> | undefined,
  folders: () => FolderPair[],
  open: (url: string) => void,
  fail: Fault,
) {
  const state: MockServicesState = {
    launcher: structuredClone(initial?.launcher ?? mockLauncher()),
    overview: structuredClone(initial?.overview ?? mockOverview()),
    notices: structuredClone(initial?.notices ?? []),
    clipboard: [],
  };
  let meetings = 0;
  return {
    state,
    launcher: (accountId: number | null): Launcher => ({ ...structuredClone(state.launcher), accountId }),
    overview: (accountId: number): AccountOverview => ({ ...structuredClone(state.overview), accountId }),
    newDocument(folderId: number, kind: string, name: string): Opened {
      const folder = folders().find((f) => f.id === folderId);
      if (!folder) fail('not_found', `no folder ${folderId}`);
      const creator = state.launcher.creators.find((c) => c.id === kind);
      if (!creator) fail('invalid_input', `the server makes no ${kind}`);
      if (!name.trim() || name.includes('/')) fail('invalid_input', `${name} cannot be a file name`);
      const remotePath = `/${folder!.remotePath ? `${folder!.remotePath}/` : ''}${name.trim()}.${creator!.extension}`;
      const opened = {
        url: `https://oficina.commonscloud.coop/index.php/f/${1000 + remotePath.length}`,
        remotePath,
        fileId: String(1000 + remotePath.length),
        how: 'file_page',
      };
      open(opened.url);
      return opened;
    },
    openInOffice(path: string): Opened {
      const folder = folders().find((f) => path.startsWith(`${f.localPath}/`));
      if (!folder) fail('not_found', `${path} is not inside a synced folder`);
      const remotePath = path.slice(folder!.localPath.length);
      const opened = {
        url: `https://oficina.commonscloud.coop/index.php/apps/files/directEditing/mock${remotePath.length}`,
        remotePath,
        fileId: null,
        how: 'direct_editing',
      };
      open(opened.url);
      return opened;
    },
    startMeeting(): Meeting {
      if (!state.launcher.meeting) fail('not_found', 'no video service can start a meeting');
      meetings += 1;
      const url = `https://meet.example/CommonsCloud-mock${meetings}`;
      state.clipboard.push(url);
      return { url, service: state.launcher.meeting!, kind: 'jitsi' };
    },
    composeMail(to: string): void {
      if (to && !to.includes('@')) fail('invalid_input', `${to} is not an e-mail address`);
      open(`https://webmail.commonscloud.coop/?_task=mail&_action=compose&_to=${encodeURIComponent(to)}`);
    },
    notices: (accountId: number) => structuredClone(state.notices.filter((n) => n.accountId === accountId)),
    dismiss(accountId: number, id: number): void {
      state.notices = state.notices.filter((n) => !(n.accountId === accountId && n.id === id));
    },
    action(accountId: number, id: number, index: number): void {
      const n = state.notices.find((x) => x.accountId === accountId && x.id === id);
      const a = n?.actions[index];
      if (!n || !a) fail('not_found', `no action ${index} of ${id}`);
      if (a!.web) open(n!.link ?? 'https://oficina.commonscloud.coop/');
      else state.notices = state.notices.filter((x) => x !== n);
    },
  };
}
