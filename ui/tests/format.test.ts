import { describe, expect, it } from 'vitest';
import { asBackendError } from '../src/lib/errors';
import { baseName, formatBytes, formatRelative, formatSpeed } from '../src/lib/format';
import { localized } from '../src/lib/labels';

describe('format', () => {
  it.each([
    [0, 'ca', '0 B'],
    [850_000, 'ca', '850 kB'],
    [2_400_000_000, 'ca', '2,4 GB'],
    [2_400_000_000, 'en', '2.4 GB'],
    [1_234_000_000_000, 'es', '1,2 TB'],
    [512, 'en', '512 byte'],
  ])('sizes: %d bytes in %s is %s', (bytes, language, text) => {
    expect(formatBytes(bytes, language).replace(/\u00a0/g, ' ')).toBe(text);
  });

  it('speeds', () => {
    expect(formatSpeed(2_300_000, 'ca').replace(/\u00a0/g, ' ')).toBe('2,3 MB/s');
  });

  it('relative times', () => {
    const now = 1_700_000_000_000;
    const at = now / 1000;
    expect(formatRelative(at - 10, now, 'ca')).toBe('ara');
    expect(formatRelative(at - 300, now, 'ca')).toBe('fa 5 minuts');
    expect(formatRelative(at - 86400, now, 'es')).toBe('ayer');
    expect(formatRelative(at - 3 * 86400, now, 'en')).toBe('3 days ago');
    expect(formatRelative(at - 400 * 86400, now, 'en')).toBe('last year');
  });

  it('base names', () => {
    expect(baseName('/home/ana/Núvol/')).toBe('Núvol');
    expect(baseName('Fotos/2025')).toBe('2025');
    expect(baseName('C:\\Users\\ana\\Núvol')).toBe('Núvol');
  });

  it('labels in the UI language, else English, Catalan, the first', () => {
    expect(localized({ ca: 'a', en: 'b' }, 'ca')).toBe('a');
    expect(localized({ ca: 'a', en: 'b' }, 'es')).toBe('b');
    expect(localized({ ca: 'a', fr: 'c' }, 'es')).toBe('a');
    expect(localized({ fr: 'c' }, 'es')).toBe('c');
    expect(localized({}, 'es')).toBe('');
  });

  it('takes anything a command rejects with as a backend error', () => {
    expect(asBackendError({ code: 'offline', message: 'x' })).toEqual({ code: 'offline', message: 'x' });
    expect(asBackendError({ code: 'nonsense' })).toMatchObject({ code: 'internal' });
    expect(asBackendError(new Error('boom'))).toEqual({ code: 'internal', message: 'boom' });
    expect(asBackendError('no handler')).toEqual({ code: 'internal', message: 'no handler' });
  });
});
