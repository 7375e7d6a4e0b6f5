import { describe, expect, it } from 'vitest';
import ca from '../src/lib/i18n/ca.json';
import en from '../src/lib/i18n/en.json';
import es from '../src/lib/i18n/es.json';
import { format, translate } from '../src/lib/i18n/messages';

const catalogs: Record<string, Record<string, unknown>> = { ca, es, en };

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}

describe('translation files', () => {
  const reference = Object.keys(ca).sort();

  it.each(Object.keys(catalogs))('%s has exactly the same keys as ca', (language) => {
    expect(Object.keys(catalogs[language] ?? {}).sort()).toEqual(reference);
  });

  it.each(Object.keys(catalogs))('%s has no empty or non-string value', (language) => {
    for (const [key, value] of Object.entries(catalogs[language] ?? {})) {
      expect(typeof value, `${language}:${key}`).toBe('string');
      expect(String(value).trim(), `${language}:${key}`).not.toBe('');
    }
  });

  it.each(Object.keys(catalogs))('%s uses the same placeholders as ca', (language) => {
    for (const key of reference) {
      const text = String(catalogs[language]?.[key] ?? '');
      const expected = String((ca as Record<string, string>)[key]);
      expect(placeholders(text), `${language}:${key}`).toEqual(placeholders(expected));
    }
  });

  it('has the headings the end-to-end test looks for', () => {
    expect(translate('ca', 'welcome.title', { name: 'CommonsCloud' })).toBe(
      'Benvinguda a CommonsCloud',
    );
    expect(translate('es', 'welcome.title', { name: 'CommonsCloud' })).toBe(
      'Bienvenida a CommonsCloud',
    );
    expect(translate('en', 'welcome.title', { name: 'CommonsCloud' })).toBe(
      'Welcome to CommonsCloud',
    );
  });
});

describe('format', () => {
  it('fills placeholders and leaves unknown ones', () => {
    expect(format('{a} and {b}', { a: 'x' })).toBe('x and {b}');
    expect(format('v{version}', { version: 2 })).toBe('v2');
    expect(format('no params')).toBe('no params');
  });

  it('does not read inherited properties', () => {
    expect(format('{toString}', {})).toBe('{toString}');
  });
});
