/** The mock as the dev server runs it in a plain browser, set up from the page's address. */
import type { ErrorCode } from '../backend-types';
import { createMockBackend } from './commands';
import { MOCK_DEFAULTS, mockAccount, mockFolder } from './fixtures';
import type { BackendMethod, MockBackend, MockBackendOptions } from './types';

/** A busy, signed-in state for the dev server (`?state=busy`): every kind of folder pair. */
function busyState(at: number): Pick<MockBackendOptions, 'accounts' | 'folders' | 'conflicts' | 'activity'> {
  const home = MOCK_DEFAULTS.home;
  return {
    accounts: [mockAccount(), mockAccount({ id: 2, server: 'https://oficina.lesaltres.coop', label: 'ana@oficina.lesaltres.coop', needsSignIn: true })],
    folders: [
      mockFolder({
        lastSync: at - 60,
        status: 'attention',
        conflicts: 1,
        notSynced: [
          { path: 'Documents/aux.txt', reason: 'not_portable' },
          { path: 'Fotos/enllaç', reason: 'symlink' },
        ],
        massDelete: { deletes: 312, tracked: 340 },
      }),
      mockFolder({
        id: 2,
        accountId: 2,
        localPath: `${home}/Les Altres`,
        webUrl: 'https://oficina.lesaltres.coop/apps/files/?dir=/',
        status: 'error',
        lastSync: at - 3 * 86400,
        error: { code: 'unauthorized', message: 'app password refused' },
      }),
    ],
    conflicts: [
      {
        folderId: 1,
        path: 'Documents/Informes/informe-anual.odt',
        copyPath: 'Documents/Informes/informe-anual (conflicted copy 2025-11-25 093612).odt',
        found: at - 3600,
      },
    ],
    activity: [
      { id: 1, folderId: 1, at: at - 120, kind: 'uploaded', path: 'Documents/Actes/acta-novembre.odt' },
      { id: 2, folderId: 1, at: at - 3600, kind: 'conflict', path: 'Documents/Informes/informe-anual.odt' },
      { id: 3, folderId: 1, at: at - 7200, kind: 'downloaded', path: 'Fotos/2025/Estiu/platja.jpg' },
      { id: 4, folderId: 1, at: at - 86400, kind: 'deleted_remote', path: 'Projectes/Web/vell.html' },
      { id: 5, folderId: 2, at: at - 3 * 86400, kind: 'error', path: 'Pressupost/gran.ods', code: 'server_full' },
    ],
  };
}

/**
 * The mock for a plain browser. Query parameters:
 * - `locale=es_ES.UTF-8`: the OS locale it reports (default: the browser's language);
 * - `language=en`: a language stored by an earlier run;
 * - `state=signed-in`: start with an account and a folder pair;
 *   `state=busy`: two accounts, a folder needing attention, one in error, a conflict;
 * - `fail=checkServer:offline,finishLogin:timeout`: commands that fail, and how;
 * - `login=manual`: sign-in never finishes by itself (default: after 2 s).
 */
export function createMockBackendFromUrl(href: string, browserLanguage?: string): MockBackend {
  const query = new URL(href).searchParams;
  const errors: Partial<Record<BackendMethod, ErrorCode>> = {};
  for (const entry of (query.get('fail') ?? '').split(',').filter(Boolean)) {
    const [method, code] = entry.split(':');
    if (method && code) errors[method as BackendMethod] = code as ErrorCode;
  }
  const at = Math.floor(Date.now() / 1000);
  const stateName = query.get('state');
  return createMockBackend({
    locale: query.has('locale') ? query.get('locale') : (browserLanguage ?? null),
    language: query.get('language'),
    openInBrowser: true,
    signedIn: stateName === 'signed-in',
    ...(stateName === 'busy' ? busyState(at) : {}),
    errors,
    loginDelayMs: query.get('login') === 'manual' ? null : 2000,
    latencyMs: 150,
    simulate: true,
  });
}
