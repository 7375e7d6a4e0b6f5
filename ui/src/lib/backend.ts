/**
 * The only module that talks to Tauri. Everything else receives a `Backend`
 * (through context, see context.ts) and can run on the mock in a plain
 * browser or in tests.
 *
 * Commands (implemented in src-tauri; arguments are camelCase):
 *   app_info                     -> AppInfo
 *   get_settings                 -> Settings
 *   set_language { language }    -> null
 *   open_url     { url }         -> null
 */
import { invoke } from '@tauri-apps/api/core';
import type { AppInfo, Backend, Settings } from './backend-types';
import { createMockBackendFromUrl } from './backend.mock';

export type { AppInfo, Backend, Settings } from './backend-types';

export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

export function createTauriBackend(): Backend {
  return {
    appInfo: () => invoke<AppInfo>('app_info'),
    getSettings: () => invoke<Settings>('get_settings'),
    async setLanguage(language: string) {
      await invoke<null>('set_language', { language });
    },
    async openUrl(url: string) {
      await invoke<null>('open_url', { url });
    },
  };
}

function createBackend(): Backend {
  if (isTauri()) return createTauriBackend();
  const href = typeof window !== 'undefined' ? window.location.href : 'http://localhost/';
  const browserLanguage = typeof navigator !== 'undefined' ? navigator.language : undefined;
  return createMockBackendFromUrl(href, browserLanguage);
}

export const backend: Backend = createBackend();
