/**
 * The languages the app is translated into, and how the first language is
 * chosen. Pure functions: no Svelte, no backend.
 */

export const LANGUAGES = ['ca', 'es', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Used only when even the provider's default language is not one we have. */
export const LAST_RESORT_LANGUAGE: Language = 'ca';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * Maps an OS or browser locale to one of our languages, or null.
 *
 * Accepts the shapes the backend may report: BCP 47 ("ca-ES",
 * "ca-ES-valencia", "en-US"), POSIX ("es_ES.UTF-8", "ca_ES@valencia"), a bare
 * language ("ca") and GNU `LANGUAGE` lists ("ca:es:en", first match wins).
 * "C", "POSIX", empty and unknown languages give null.
 */
export function languageFromLocale(locale: string | null | undefined): Language | null {
  if (!locale) return null;
  for (const entry of locale.split(':')) {
    const tag = entry.trim().split(/[.@]/, 1)[0] ?? '';
    const primary = tag.split(/[-_]/, 1)[0]?.toLowerCase() ?? '';
    if (isLanguage(primary)) return primary;
  }
  return null;
}

/**
 * The language to show first: the member's stored choice, else the OS
 * locale, else the provider's default language.
 */
export function pickInitialLanguage(
  stored: string | null | undefined,
  osLocale: string | null | undefined,
  providerDefault: string | null | undefined,
): Language {
  if (isLanguage(stored)) return stored;
  return (
    languageFromLocale(osLocale) ?? languageFromLocale(providerDefault) ?? LAST_RESORT_LANGUAGE
  );
}
