/**
 * What the UI needs from the Rust side. The shapes match the Tauri commands
 * one to one (see backend.ts); this file imports nothing, so the mock backend
 * and the components can use the types without pulling in Tauri.
 */

/** `app_info` */
export interface AppInfo {
  /** The provider's name, e.g. "CommonsCloud". */
  name: string;
  /** The app's version. */
  version: string;
  /** The OS locale, e.g. "ca-ES", "es_ES.UTF-8", "C"; null when unknown. */
  locale: string | null;
  /** The provider's default language, e.g. "ca". */
  defaultLanguage: string;
  /** The provider's sign-up page. */
  signUpUrl: string;
}

/** `get_settings` */
export interface Settings {
  /** The member's chosen language ("ca", "es", "en"), null before any choice. */
  language: string | null;
}

export interface Backend {
  appInfo(): Promise<AppInfo>;
  getSettings(): Promise<Settings>;
  /** Stores the member's language choice. */
  setLanguage(language: string): Promise<void>;
  /** Opens a web address in the system browser. */
  openUrl(url: string): Promise<void>;
}
