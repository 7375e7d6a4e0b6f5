import { mount } from 'svelte';
import App from './App.svelte';
// The UI's own font (Noto Sans, OFL-1.1), shipped in the bundle so every
// machine lays the screens out the same, whatever fonts it has.
import '@fontsource-variable/noto-sans/wght.css';
import './app.css';
import { loadBackend } from './lib/backend';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

/** The bundled font, loaded before the first screen is drawn (so it never
 * shows in a fallback font first); at most a second, then the app goes on. */
function fontReady(): Promise<unknown> {
  const timeout = new Promise((resolve) => setTimeout(resolve, 1000));
  return Promise.race([document.fonts.load("16px 'Noto Sans Variable'", 'Àç·l'), timeout]).catch(() => undefined);
}

// Inside Tauri the backend is ready at once; the mock (dev server only) is
// a separate chunk, fetched before the app mounts.
export default Promise.all([loadBackend(), fontReady()]).then(([backend]) =>
  mount(App, { target, props: { backend } }),
);
