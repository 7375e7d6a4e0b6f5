import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from '../src/App.svelte';
import { createMockBackend, type MockBackendOptions } from '../src/lib/backend.mock';

async function renderApp(options: MockBackendOptions = {}) {
  const backend = createMockBackend(options);
  render(App, { props: { backend } });
  const title = await screen.findByTestId('welcome-title');
  return { backend, title };
}

function languageSelect(): HTMLSelectElement {
  return screen.getByTestId<HTMLSelectElement>('language-select');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('welcome screen: first language', () => {
  it.each([
    ['C', 'the C locale'],
    [null, 'no locale'],
    ['fr_FR.UTF-8', 'a language we do not have'],
  ])('is Catalan, the provider default, for %s (%s)', async (locale, _why) => {
    const { title } = await renderApp({ locale });
    expect(title).toHaveTextContent(/^Benvinguda a CommonsCloud$/);
    expect(screen.getByTestId('welcome-tagline')).toHaveTextContent(
      'Una sola aplicació per a tot el teu núvol cooperatiu i ètic.',
    );
    expect(languageSelect().value).toBe('ca');
    expect(document.documentElement.lang).toBe('ca');
    expect(screen.getByRole('button', { name: 'Crea un compte' })).toBeInTheDocument();
  });

  it('is Spanish for es_ES.UTF-8', async () => {
    const { title } = await renderApp({ locale: 'es_ES.UTF-8' });
    expect(title).toHaveTextContent(/^Bienvenida a CommonsCloud$/);
    expect(screen.getByTestId('signup-button')).toHaveTextContent('Crea una cuenta');
    expect(languageSelect().value).toBe('es');
    expect(document.documentElement.lang).toBe('es');
  });

  it('is English for en-US', async () => {
    const { title } = await renderApp({ locale: 'en-US' });
    expect(title).toHaveTextContent(/^Welcome to CommonsCloud$/);
    expect(screen.getByTestId('signup-button')).toHaveTextContent('Create an account');
    expect(languageSelect().value).toBe('en');
    expect(document.documentElement.lang).toBe('en');
  });

  it('uses the provider default language when the OS locale is unknown', async () => {
    const { title } = await renderApp({ locale: 'de_DE.UTF-8', defaultLanguage: 'es' });
    expect(title).toHaveTextContent(/^Bienvenida a CommonsCloud$/);
  });

  it('prefers the stored language to the OS locale', async () => {
    const { title } = await renderApp({ locale: 'es_ES.UTF-8', language: 'en' });
    expect(title).toHaveTextContent(/^Welcome to CommonsCloud$/);
    expect(languageSelect().value).toBe('en');
    expect(document.documentElement.lang).toBe('en');
  });

  it('ignores a stored language it does not know', async () => {
    const { title } = await renderApp({ locale: 'es_ES.UTF-8', language: 'fr' });
    expect(title).toHaveTextContent(/^Bienvenida a CommonsCloud$/);
  });

  it('shows the provider name from the backend', async () => {
    const { title } = await renderApp({ name: 'SomNúvol', locale: 'ca-ES' });
    expect(title).toHaveTextContent(/^Benvinguda a SomNúvol$/);
    expect(document.title).toBe('SomNúvol');
  });

  it('still starts when the settings cannot be read', async () => {
    const backend = createMockBackend({ locale: 'en-US' });
    vi.spyOn(backend, 'getSettings').mockRejectedValue(new Error('disk on fire'));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    render(App, { props: { backend } });
    expect(await screen.findByTestId('welcome-title')).toHaveTextContent('Welcome to CommonsCloud');
  });

  it('says so when the app information cannot be read', async () => {
    const backend = createMockBackend();
    vi.spyOn(backend, 'appInfo').mockRejectedValue(new Error('no backend'));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    render(App, { props: { backend } });
    expect(await screen.findByRole('alert')).toBeInTheDocument();
    expect(screen.queryByTestId('welcome-title')).not.toBeInTheDocument();
  });
});

describe('welcome screen: switching language', () => {
  it('changes the text at once and stores the choice', async () => {
    const user = userEvent.setup();
    const { backend, title } = await renderApp({ locale: 'C' });
    expect(title).toHaveTextContent('Benvinguda a CommonsCloud');

    await user.selectOptions(languageSelect(), 'es');
    expect(title).toHaveTextContent(/^Bienvenida a CommonsCloud$/);
    expect(screen.getByTestId('welcome-tagline')).toHaveTextContent(
      'Una sola aplicación para toda tu nube cooperativa y ética.',
    );
    expect(document.documentElement.lang).toBe('es');
    expect(backend.languageCalls).toEqual(['es']);

    await user.selectOptions(languageSelect(), 'en');
    expect(title).toHaveTextContent(/^Welcome to CommonsCloud$/);
    expect(screen.getByRole('combobox', { name: 'Language' })).toBe(languageSelect());
    expect(document.documentElement.lang).toBe('en');
    expect(backend.languageCalls).toEqual(['es', 'en']);
    expect(backend.settings.language).toBe('en');
  });

  it('names each language in itself', async () => {
    await renderApp({ locale: 'en-US' });
    const options = Array.from(languageSelect().options).map((o) => [o.value, o.text, o.lang]);
    expect(options).toEqual([
      ['ca', 'Català', 'ca'],
      ['es', 'Español', 'es'],
      ['en', 'English', 'en'],
    ]);
  });
});

describe('welcome screen: sign-up', () => {
  it('opens the provider sign-up page through the backend', async () => {
    const user = userEvent.setup();
    const signUpUrl = 'https://example.coop/join?from=desktop';
    const { backend } = await renderApp({ signUpUrl });
    await user.click(screen.getByTestId('signup-button'));
    expect(backend.openedUrls).toEqual([signUpUrl]);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows the address when the browser cannot be opened', async () => {
    const user = userEvent.setup();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    await renderApp({ locale: 'en-US', failOpenUrl: true });
    await user.click(screen.getByTestId('signup-button'));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'https://gent.commonscloud.coop/registre',
    );
  });
});

describe('welcome screen: accessibility', () => {
  it('reaches every control with the keyboard, in order', async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp({ locale: 'ca-ES' });
    await user.tab();
    expect(screen.getByRole('combobox', { name: 'Idioma' })).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('radio', { name: "L'Oficina compartida" })).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Continua' })).toHaveFocus();
    await user.tab();
    const button = screen.getByRole('button', { name: 'Crea un compte' });
    expect(button).toHaveFocus();
    expect(button).toHaveAccessibleDescription("El formulari d'alta s'obrirà al teu navegador.");
    await user.keyboard('{Enter}');
    expect(backend.openedUrls).toEqual(['https://gent.commonscloud.coop/registre']);
    await user.tab();
    expect(screen.getByRole('button', { name: 'Has oblidat la contrasenya?' })).toHaveFocus();
  });

  it('has one heading and a labelled list of what the app does', async () => {
    await renderApp({ locale: 'en-US' });
    expect(screen.getAllByRole('heading')).toHaveLength(1);
    const list = screen.getByRole('list', { name: 'What the app does' });
    expect(list.querySelectorAll('li')).toHaveLength(3);
    expect(list).toHaveTextContent('Your files on all your devices');
    expect(list).toHaveTextContent('Your calendars and contacts, offline too');
    expect(list).toHaveTextContent("All the cooperative's services with one account");
  });
});
