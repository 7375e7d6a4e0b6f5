import { createContext } from 'svelte';
import type { AppInfo, Backend } from './backend-types';
import type { I18n } from './i18n/i18n.svelte';
import type { AppState } from './state.svelte';

/** The backend, set once by App.svelte from its `backend` prop. */
export const [getBackend, setBackend] = createContext<Backend>();

/** The current language and `t()`, set once by App.svelte. */
export const [getI18n, setI18n] = createContext<I18n>();

/** `app_info`, set by App.svelte once it is loaded (before any page is shown). */
export const [getInfo, setInfo] = createContext<{ readonly current: AppInfo }>();

/** Accounts, folder pairs, conflicts, activity: set once by App.svelte. */
export const [getAppState, setAppState] = createContext<AppState>();
