import { createContext } from 'svelte';
import type { Backend } from './backend-types';
import type { I18n } from './i18n/i18n.svelte';

/** The backend, set once by App.svelte from its `backend` prop. */
export const [getBackend, setBackend] = createContext<Backend>();

/** The current language and `t()`, set once by App.svelte. */
export const [getI18n, setI18n] = createContext<I18n>();
