import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import { createTauriBackend, isTauri } from '../src/lib/backend';
import { createMockBackend, createMockBackendFromUrl } from '../src/lib/backend.mock';

describe('the Tauri backend', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('calls app_info and returns its answer', async () => {
    const info = {
      name: 'CommonsCloud',
      version: '1.2.3',
      locale: 'ca-ES',
      defaultLanguage: 'ca',
      signUpUrl: 'https://gent.commonscloud.coop/registre',
    };
    invoke.mockResolvedValueOnce(info);
    await expect(createTauriBackend().appInfo()).resolves.toEqual(info);
    expect(invoke).toHaveBeenCalledWith('app_info');
  });

  it('calls get_settings', async () => {
    invoke.mockResolvedValueOnce({ language: null });
    await expect(createTauriBackend().getSettings()).resolves.toEqual({ language: null });
    expect(invoke).toHaveBeenCalledWith('get_settings');
  });

  it('calls set_language with { language }', async () => {
    invoke.mockResolvedValueOnce(null);
    await expect(createTauriBackend().setLanguage('es')).resolves.toBeUndefined();
    expect(invoke).toHaveBeenCalledWith('set_language', { language: 'es' });
  });

  it('calls open_url with { url }', async () => {
    invoke.mockResolvedValueOnce(null);
    await createTauriBackend().openUrl('https://example.coop/');
    expect(invoke).toHaveBeenCalledWith('open_url', { url: 'https://example.coop/' });
  });

  it('passes errors on', async () => {
    invoke.mockRejectedValueOnce('no handler');
    await expect(createTauriBackend().openUrl('https://example.coop/')).rejects.toBe('no handler');
  });
});

describe('isTauri', () => {
  afterEach(() => {
    delete (window as unknown as Record<string, unknown>)['__TAURI_INTERNALS__'];
  });

  it('is false in a plain browser and true inside Tauri', () => {
    expect(isTauri()).toBe(false);
    (window as unknown as Record<string, unknown>)['__TAURI_INTERNALS__'] = {};
    expect(isTauri()).toBe(true);
  });
});

describe('the mock backend', () => {
  it('reports CommonsCloud with Catalan as default language', async () => {
    const info = await createMockBackend().appInfo();
    expect(info).toMatchObject({ name: 'CommonsCloud', defaultLanguage: 'ca', locale: null });
    expect(info.signUpUrl).toMatch(/^https:\/\//);
  });

  it('remembers the language', async () => {
    const backend = createMockBackend();
    expect(await backend.getSettings()).toMatchObject({ language: null });
    await backend.setLanguage('es');
    expect(await backend.getSettings()).toMatchObject({ language: 'es' });
  });

  it('reads ?locale= and ?language= from the page address', async () => {
    const backend = createMockBackendFromUrl('http://localhost:5173/?locale=es_ES.UTF-8&language=en', 'ca');
    expect((await backend.appInfo()).locale).toBe('es_ES.UTF-8');
    expect((await backend.getSettings()).language).toBe('en');
  });

  it('reports the browser language when the address names no locale', async () => {
    const backend = createMockBackendFromUrl('http://localhost:5173/', 'en-GB');
    expect((await backend.appInfo()).locale).toBe('en-GB');
    expect((await backend.getSettings()).language).toBeNull();
  });
});
