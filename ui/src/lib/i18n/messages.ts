/**
 * The translation catalogues. `ca.json` is the reference: its keys are the
 * `MessageKey` type, and TypeScript refuses a catalogue that lacks one of them
 * (tests/i18n-keys.test.ts also checks the reverse and empty values).
 */
import ca from './ca.json';
import en from './en.json';
import es from './es.json';
import type { Language } from './locale';

export type MessageKey = keyof typeof ca;
export type Catalog = Record<MessageKey, string>;
export type Params = Record<string, string | number>;

export const catalogs: Record<Language, Catalog> = { ca, es, en };

/** Replaces `{name}` placeholders; unknown placeholders are left as they are. */
export function format(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

export function translate(language: Language, key: MessageKey, params?: Params): string {
  return format(catalogs[language][key], params);
}
