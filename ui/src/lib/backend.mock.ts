/**
 * An in-memory backend for running the UI in a plain browser (`npm run dev`
 * outside Tauri) and in tests. Must not import @tauri-apps/api.
 */
import type { AppInfo, Backend, Settings } from './backend-types';

export interface MockBackendOptions {
  name?: string;
  version?: string;
  /** The OS locale to report; null as on a "C" system without LANG. */
  locale?: string | null;
  defaultLanguage?: string;
  signUpUrl?: string;
  /** A language already stored by an earlier run. */
  language?: string | null;
  /** Makes `openUrl` fail, as when no browser can be started. */
  failOpenUrl?: boolean;
  /** Makes `openUrl` also open the address in a new browser tab (dev server). */
  openInBrowser?: boolean;
}

export interface MockBackend extends Backend {
  /** The stored settings, as `set_language` left them. */
  readonly settings: Settings;
  /** Every address passed to `openUrl`, in order. */
  readonly openedUrls: string[];
  /** Every language passed to `setLanguage`, in order. */
  readonly languageCalls: string[];
}

export const MOCK_DEFAULTS = {
  name: 'CommonsCloud',
  version: '0.0.0-mock',
  defaultLanguage: 'ca',
  signUpUrl: 'https://gent.commonscloud.coop/registre',
} as const;

export function createMockBackend(options: MockBackendOptions = {}): MockBackend {
  const info: AppInfo = {
    name: options.name ?? MOCK_DEFAULTS.name,
    version: options.version ?? MOCK_DEFAULTS.version,
    locale: options.locale ?? null,
    defaultLanguage: options.defaultLanguage ?? MOCK_DEFAULTS.defaultLanguage,
    signUpUrl: options.signUpUrl ?? MOCK_DEFAULTS.signUpUrl,
  };
  const settings: Settings = { language: options.language ?? null };
  const openedUrls: string[] = [];
  const languageCalls: string[] = [];

  return {
    settings,
    openedUrls,
    languageCalls,
    appInfo: () => Promise.resolve({ ...info }),
    getSettings: () => Promise.resolve({ ...settings }),
    setLanguage(language: string) {
      languageCalls.push(language);
      settings.language = language;
      return Promise.resolve();
    },
    openUrl(url: string) {
      openedUrls.push(url);
      if (options.failOpenUrl) return Promise.reject(new Error('no browser'));
      if (options.openInBrowser) window.open(url, '_blank', 'noopener');
      return Promise.resolve();
    },
  };
}

/**
 * The mock for a plain browser: `?locale=es_ES.UTF-8` sets the OS locale it
 * reports (default: the browser's language), `?language=en` a stored choice.
 */
export function createMockBackendFromUrl(href: string, browserLanguage?: string): MockBackend {
  const query = new URL(href).searchParams;
  return createMockBackend({
    locale: query.has('locale') ? query.get('locale') : (browserLanguage ?? null),
    language: query.get('language'),
    openInBrowser: true,
  });
}
