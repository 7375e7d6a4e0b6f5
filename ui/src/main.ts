import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { loadBackend } from './lib/backend';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

// Inside Tauri the backend is ready at once; the mock (dev server only) is
// a separate chunk, fetched before the app mounts.
export default loadBackend().then((backend) => mount(App, { target, props: { backend } }));
