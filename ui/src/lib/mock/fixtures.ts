/** Ready-made values for the mock backend and the tests: the app's info, an account, a folder pair, a server tree. */
import type { Account, AppInfo, FolderPair } from '../backend-types';
import type { MockRemoteNode } from './types';

export const MOCK_DEFAULTS = {
  name: 'CommonsCloud',
  version: '0.0.0-mock',
  defaultLanguage: 'ca',
  signUpUrl: 'https://gent.commonscloud.coop/registre',
  server: 'https://oficina.commonscloud.coop',
  home: '/home/ana',
} as const;

/** CommonsCloud's profile (providers/commonscloud.toml), as `app_info` reports it. */
export function mockAppInfo(overrides: Partial<AppInfo> = {}): AppInfo {
  return {
    name: MOCK_DEFAULTS.name,
    version: MOCK_DEFAULTS.version,
    locale: null,
    defaultLanguage: MOCK_DEFAULTS.defaultLanguage,
    signUpUrl: MOCK_DEFAULTS.signUpUrl,
    providerId: 'commonscloud',
    names: { ca: 'SomNúvol', es: 'SomosNube', en: 'CommonsCloud' },
    colors: { primary: '#0b6e69', primaryDark: '#08524e', onPrimary: '#ffffff', tint: '#e8f3f2' },
    passwordResetUrl: 'https://www.commonscloud.coop/recover-password',
    servers: [
      {
        id: 'oficina',
        url: MOCK_DEFAULTS.server,
        template: null,
        label: {
          ca: "L'Oficina compartida",
          es: 'La Oficina compartida',
          en: 'The shared Oficina',
        },
      },
    ],
    customServerAllowed: true,
    customServerHint: {
      ca: 'https://oficina.<el-vostre-domini>',
      es: 'https://oficina.<vuestro-dominio>',
      en: 'https://oficina.<your-domain>',
    },
    customServerLabel: {
      ca: "L'Oficina de la meva organització",
      es: 'La Oficina de mi organización',
      en: "My organisation's own Oficina",
    },
    ...overrides,
  };
}

export function mockAccount(overrides: Partial<Account> = {}): Account {
  return {
    id: 1,
    providerId: 'commonscloud',
    server: MOCK_DEFAULTS.server,
    userId: 'ana',
    loginName: 'ana',
    displayName: 'Ana Puig',
    label: 'ana@oficina.commonscloud.coop',
    filesUrl: `${MOCK_DEFAULTS.server}/remote.php/dav/files/ana/`,
    calendarHome: null,
    contactsHome: null,
    serverVersion: '33.0.1',
    localFolder: null,
    needsSignIn: false,
    ...overrides,
  };
}

export function mockFolder(overrides: Partial<FolderPair> = {}): FolderPair {
  return {
    id: 1,
    accountId: 1,
    localPath: `${MOCK_DEFAULTS.home}/CommonsCloud`,
    remotePath: '',
    webUrl: `${MOCK_DEFAULTS.server}/apps/files/?dir=/`,
    status: 'up_to_date',
    paused: false,
    progress: null,
    lastSync: null,
    error: null,
    massDelete: null,
    conflicts: 0,
    notSynced: [],
    excluded: [],
    ...overrides,
  };
}

const MB = 1_000_000;

/** The default server: a small cooperative's shared files. */
export const MOCK_TREE: MockRemoteNode[] = [
  {
    name: 'Documents',
    size: 48 * MB,
    children: [
      { name: 'Actes', size: 3 * MB, children: [{ name: '2025', size: 1.2 * MB }] },
      { name: 'Informes', size: 45 * MB },
    ],
  },
  {
    name: 'Fotos',
    size: 2_400 * MB,
    children: [
      { name: '2024', size: 900 * MB },
      {
        name: '2025',
        size: 1_500 * MB,
        children: [
          { name: 'Assemblea', size: 300 * MB },
          { name: 'Estiu', size: 1_200 * MB },
        ],
      },
    ],
  },
  {
    name: 'Projectes',
    size: 320 * MB,
    children: [
      { name: 'Web', size: 120 * MB },
      { name: 'Hort comunitari', size: 200 * MB },
    ],
  },
  { name: 'Plantilles', size: 850_000 },
  { name: 'Talk', size: null },
];
