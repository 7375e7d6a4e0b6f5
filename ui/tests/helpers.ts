/**
 * Rendering the whole app on the mock backend, and the accessibility checks
 * every page test runs.
 */
import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { computeAccessibleName } from 'dom-accessibility-api';
import { expect } from 'vitest';
import App from '../src/App.svelte';
import { createMockBackend, type MockBackendOptions } from '../src/lib/backend.mock';

export async function renderApp(options: MockBackendOptions = {}) {
  const backend = createMockBackend({ locale: 'ca-ES', ...options });
  const user = userEvent.setup();
  const result = render(App, { props: { backend } });
  await waitFor(() => expect(document.querySelector('main[aria-busy]')).toBeNull());
  return { backend, user, ...result };
}

/** Renders the app signed in, on the files page. */
export async function renderSignedIn(options: MockBackendOptions = {}) {
  const rendered = await renderApp({ signedIn: true, ...options });
  await screen.findByTestId('nav-files');
  return rendered;
}

const INTERACTIVE =
  'button, a[href], input:not([type="hidden"]), select, textarea, summary, [role="button"], [role="checkbox"], [role="radio"], [role="treeitem"], [tabindex]:not([tabindex="-1"])';

/**
 * A control hidden from assistive technology: a folder tree's tick box and
 * open/close button, which only the mouse uses (the keys work on the row,
 * the tree pattern). axe's `aria-hidden-focus` checks they take no Tab.
 */
function hiddenFromAssistiveTech(control: Element): boolean {
  return control.closest('[aria-hidden="true"]') !== null;
}

/**
 * axe-core on the whole document, and an accessible name on every control.
 * `color-contrast` is off: jsdom does no layout or painting, so axe cannot
 * compute colours there (the palette is checked by eye and in the
 * WebDriver screenshots).
 */
export async function expectAccessible(exclude: string[] = []): Promise<void> {
  const context = exclude.length > 0 ? { include: [document.body], exclude: exclude.map((e) => [e]) } : document.body;
  const results = await axe.run(context as axe.ElementContext, {
    rules: { 'color-contrast': { enabled: false } },
  });
  const violations = results.violations.map(
    (v) => `${v.id}: ${v.help} -> ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`,
  );
  expect(violations).toEqual([]);
  for (const control of document.body.querySelectorAll<HTMLElement>(INTERACTIVE)) {
    if (hiddenFromAssistiveTech(control)) continue;
    expect(computeAccessibleName(control).trim(), control.outerHTML.slice(0, 200)).not.toBe('');
  }
  // A tree takes one Tab stop: exactly one of its rows has tabindex 0 (roving tabindex).
  for (const tree of document.body.querySelectorAll('[role="tree"]')) {
    const stops = tree.querySelectorAll('[role="treeitem"][tabindex="0"]');
    expect(stops.length, tree.outerHTML.slice(0, 200)).toBe(1);
  }
}

/** Opens a page of the main window. */
export async function goTo(
  user: ReturnType<typeof userEvent.setup>,
  page: 'files' | 'calendar' | 'contacts' | 'services' | 'conflicts' | 'activity' | 'settings',
): Promise<void> {
  await user.click(screen.getByTestId(`nav-${page}`));
}

/**
 * Tabs through the page and checks that every enabled control got focus
 * (for a group of radio buttons, the chosen one: arrows move within it;
 * for a folder tree, the row that holds its Tab stop: arrows move within it).
 */
export async function expectAllReachableByKeyboard(
  user: ReturnType<typeof userEvent.setup>,
): Promise<void> {
  const root = document.querySelector<HTMLElement>('[aria-modal="true"]') ?? document.body;
  const controls = [...root.querySelectorAll<HTMLElement>(INTERACTIVE)].filter(
    (c) =>
      !(c as HTMLButtonElement).disabled &&
      !hiddenFromAssistiveTech(c) &&
      !(c.getAttribute('role') === 'treeitem' && c.tabIndex !== 0) &&
      !(c instanceof HTMLInputElement && c.type === 'radio' && !c.checked),
  );
  const reached = new Set<Element>();
  for (let i = 0; i < controls.length + 2; i++) {
    await user.tab();
    if (document.activeElement) reached.add(document.activeElement);
  }
  const missed = controls.filter((c) => !reached.has(c)).map((c) => c.outerHTML.slice(0, 120));
  expect(missed).toEqual([]);
}
