import '@testing-library/jest-dom/vitest';
import { vi } from 'vitest';

// The app logs every failed command ("open_url failed", code, message) for
// developers; the tests provoke many on purpose. Those lines are dropped,
// anything else logged as an error still shows.
const consoleError = console.error.bind(console);
vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].endsWith(' failed')) return;
  consoleError(...args);
});
