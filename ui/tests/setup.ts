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

// jsdom lays nothing out, so it has no ResizeObserver or
// IntersectionObserver; the calendar widget watches its size and scrolling
// with them. Nothing is ever resized or scrolled here.
class NoLayout {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
  takeRecords(): [] {
    return [];
  }
}
for (const name of ['ResizeObserver', 'IntersectionObserver']) {
  if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = NoLayout;
}

// jsdom has no `innerText` (it depends on layout); the calendar widget
// writes its events' titles with it.
if (!Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'innerText')) {
  Object.defineProperty(HTMLElement.prototype, 'innerText', {
    get(this: HTMLElement) {
      return this.textContent ?? '';
    },
    set(this: HTMLElement, value: string) {
      this.textContent = value;
    },
    configurable: true,
  });
}
