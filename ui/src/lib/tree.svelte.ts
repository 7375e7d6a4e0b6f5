/**
 * A lazily loaded tree of server folders, as the WAI-ARIA tree pattern
 * wants it driven from the keyboard: one row takes Tab (roving tabindex),
 * Up/Down move between the rows on screen, Right opens a folder or enters
 * it, Left closes it or goes to the folder above, Home/End go to the first
 * and last row, a letter to the next row starting with it. Space and Enter
 * are handed to the component (tick, choose, open).
 *
 * The DOM is the component's (TreeView.svelte); this keeps the state:
 * which levels are loaded, open, failed, and which row is the tab stop.
 */
import { tick } from 'svelte';
import type { Attachment } from 'svelte/attachments';
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import type { ErrorCode, RemoteFolder } from './backend-types';
import { reportError } from './errors';
import { isWithin } from './selection';

/** A row on screen, in order. */
export interface TreeRow {
  folder: RemoteFolder;
  /** The row above it in the tree; null on the first level. */
  parent: string | null;
}

export interface TreeOptions {
  /** One level of sub-folders (`list_remote_folders`). */
  list: (path: string) => Promise<RemoteFolder[]>;
  /** The folder whose sub-folders are the first level ("" = all the files). */
  root: string;
  /**
   * A first-level row standing for `root` itself, with the sub-folders
   * below it (the folder picker's "all your files"); open from the start.
   * Read each time, so its name follows the language.
   */
  top?: () => RemoteFolder;
}

/** What Space and Enter do on a row. */
export type TreeActivation = (folder: RemoteFolder, key: ' ' | 'Enter') => void;

export class LazyTree {
  /** Sub-folders of each folder loaded so far. */
  readonly children = new SvelteMap<string, RemoteFolder[]>();
  readonly expanded = new SvelteSet<string>();
  readonly failed = new SvelteMap<string, ErrorCode>();
  readonly root: string;
  /** The row that was focused last (the tab stop while it is on screen). */
  active: string | null = $state(null);

  readonly #list: (path: string) => Promise<RemoteFolder[]>;
  readonly #top: (() => RemoteFolder) | null;
  readonly #elements = new Map<string, HTMLElement>();

  constructor(options: TreeOptions) {
    this.#list = options.list;
    this.root = options.root;
    this.#top = options.top ?? null;
    if (this.#top) this.expanded.add(this.root);
  }

  /** The first level: the top row, or the root's sub-folders (null until they are loaded). */
  get firstLevel(): RemoteFolder[] | null {
    return this.#top ? [this.#top()] : (this.children.get(this.root) ?? null);
  }

  /** Every row on screen, in order. */
  readonly rows: TreeRow[] = $derived.by(() => {
    const rows: TreeRow[] = [];
    const walk = (folders: readonly RemoteFolder[], parent: string | null) => {
      for (const folder of folders) {
        rows.push({ folder, parent });
        if (!this.expanded.has(folder.path)) continue;
        const kids = this.children.get(folder.path);
        if (kids) walk(kids, folder.path);
      }
    };
    walk(this.firstLevel ?? [], null);
    return rows;
  });

  /** The row with tabindex 0: the last focused one, else the row on screen above it, else the first. */
  readonly tabStop: string | null = $derived.by(() => {
    const rows = this.rows;
    const shown = new Set(rows.map((r) => r.folder.path));
    let path = this.active;
    while (path !== null && !shown.has(path)) {
      if (path === this.root || path === '') path = null;
      else {
        const cut = path.lastIndexOf('/');
        path = cut < 0 ? '' : path.slice(0, cut);
        if (!isWithin(path, this.root)) path = null;
      }
    }
    return path ?? rows[0]?.folder.path ?? null;
  });

  async load(path: string): Promise<void> {
    this.failed.delete(path);
    try {
      this.children.set(path, await this.#list(path));
    } catch (error) {
      this.failed.set(path, reportError('list_remote_folders', error));
    }
  }

  /** Loads the first level (call once the component is there). */
  start(): void {
    void this.load(this.root);
  }

  open(path: string): void {
    this.expanded.add(path);
    if (!this.children.has(path) && !this.failed.has(path)) void this.load(path);
  }

  /** Closes a folder; focus inside it goes to it. */
  close(path: string): void {
    this.expanded.delete(path);
    if (this.active !== null && this.active !== path && isWithin(this.active, path)) {
      const hadFocus = this.#focusInside();
      this.active = path;
      if (hadFocus) void this.focus(path);
    }
  }

  toggle(path: string): void {
    if (this.expanded.has(path)) this.close(path);
    else this.open(path);
  }

  /** Makes `path` the tab stop and focuses its row (once it is on screen). */
  async focus(path: string): Promise<void> {
    this.active = path;
    if (!this.#elements.has(path)) await tick();
    this.#elements.get(path)?.focus();
  }

  /** Put on each row's element (`{@attach tree.row(path)}`). */
  row(path: string): Attachment<HTMLElement> {
    return (element) => {
      this.#elements.set(path, element);
      return () => {
        if (this.#elements.get(path) === element) this.#elements.delete(path);
      };
    };
  }

  #focusInside(): boolean {
    const focused = typeof document !== 'undefined' ? document.activeElement : null;
    return [...this.#elements.values()].some((element) => element.contains(focused));
  }

  /**
   * The tree's keydown handler (on the element with role=tree). Keys on
   * anything but a row itself (a button inside a row) are left alone.
   */
  keydown(event: KeyboardEvent, activate: TreeActivation): void {
    const target = event.target;
    if (!(target instanceof HTMLElement) || target.getAttribute('role') !== 'treeitem') return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const rows = this.rows;
    const index = rows.findIndex((r) => this.#elements.get(r.folder.path) === target);
    const row = rows[index];
    if (!row) return;
    const { folder } = row;
    const go = (to: TreeRow | undefined) => {
      if (to) void this.focus(to.folder.path);
    };
    switch (event.key) {
      case 'ArrowDown':
        go(rows[index + 1]);
        break;
      case 'ArrowUp':
        go(rows[index - 1]);
        break;
      case 'Home':
        go(rows[0]);
        break;
      case 'End':
        go(rows.at(-1));
        break;
      case 'ArrowRight':
        if (!folder.hasChildren) break;
        if (!this.expanded.has(folder.path)) this.open(folder.path);
        else if (rows[index + 1]?.parent === folder.path) go(rows[index + 1]);
        break;
      case 'ArrowLeft':
        if (folder.hasChildren && this.expanded.has(folder.path)) this.close(folder.path);
        else if (row.parent !== null) void this.focus(row.parent);
        break;
      case ' ':
      case 'Enter':
        activate(folder, event.key);
        break;
      default: {
        if (event.key.length !== 1 || event.key.trim() === '') return;
        const letter = event.key.toLocaleLowerCase();
        const after = [...rows.slice(index + 1), ...rows.slice(0, index)];
        go(after.find((r) => r.folder.name.toLocaleLowerCase().startsWith(letter)));
      }
    }
    event.preventDefault();
  }
}
