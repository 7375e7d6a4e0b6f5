import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

// The master icon lives in the repository's icons/ folder; the UI imports it
// from there (as `$icons/icon.svg`) so there is a single source of truth.
const iconsDir = fileURLToPath(new URL('../icons', import.meta.url));
const uiDir = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  // Relative asset URLs: the built app is served by Tauri's custom protocol
  // (tauri://localhost, http://tauri.localhost), not from a web server root.
  base: './',
  plugins: [svelte(), svelteTesting()],
  resolve: {
    alias: { $icons: iconsDir },
  },
  // Keep Rust compiler output visible when run by `tauri dev`.
  clearScreen: false,
  server: {
    // tauri.conf.json: devUrl http://localhost:5173
    port: 5173,
    strictPort: true,
    fs: { allow: [uiDir, iconsDir] },
  },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Emit every asset as a file (no data: URLs), so a strict
    // Content-Security-Policy with `img-src 'self'` works.
    assetsInlineLimit: 0,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    setupFiles: ['./tests/setup.ts'],
  },
});
