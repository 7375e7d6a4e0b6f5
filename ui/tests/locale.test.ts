import { describe, expect, it } from 'vitest';
import { languageFromLocale, pickInitialLanguage } from '../src/lib/i18n/locale';

describe('languageFromLocale', () => {
  it.each([
    ['ca', 'ca'],
    ['ca-ES', 'ca'],
    ['ca_ES.UTF-8', 'ca'],
    ['ca_ES@valencia', 'ca'],
    ['ca-ES-valencia', 'ca'],
    ['CA_ad', 'ca'],
    ['es', 'es'],
    ['es_ES.UTF-8', 'es'],
    ['es-419', 'es'],
    ['es_MX.utf8', 'es'],
    ['en-US', 'en'],
    ['en_GB.ISO-8859-1', 'en'],
    ['en', 'en'],
    ['fr:es:en', 'es'],
    [' ca-ES ', 'ca'],
  ])('maps %j to %s', (locale, expected) => {
    expect(languageFromLocale(locale)).toBe(expected);
  });

  it.each([['C'], ['C.UTF-8'], ['POSIX'], [''], ['fr_FR.UTF-8'], ['de-DE'], ['eus'], ['cat'], [null], [undefined]])(
    'gives null for %j',
    (locale) => {
      expect(languageFromLocale(locale)).toBeNull();
    },
  );
});

describe('pickInitialLanguage', () => {
  it('prefers a stored language', () => {
    expect(pickInitialLanguage('en', 'es_ES.UTF-8', 'ca')).toBe('en');
  });

  it('ignores a stored value that is not one of ours', () => {
    expect(pickInitialLanguage('fr', 'es_ES.UTF-8', 'ca')).toBe('es');
    expect(pickInitialLanguage('', 'en-US', 'ca')).toBe('en');
  });

  it('falls back to the OS locale, then the provider default', () => {
    expect(pickInitialLanguage(null, 'es_ES.UTF-8', 'ca')).toBe('es');
    expect(pickInitialLanguage(null, 'C', 'ca')).toBe('ca');
    expect(pickInitialLanguage(null, null, 'es')).toBe('es');
    expect(pickInitialLanguage(null, 'C', 'en')).toBe('en');
  });

  it('still gives a language when the provider default is not one of ours', () => {
    expect(pickInitialLanguage(null, 'C', 'fr')).toBe('ca');
  });
});
