/**
 * Selective sync as ticks on a folder tree. The selection is the list of
 * folders left out (`excluded`, paths from the account's files root):
 * a folder is ticked unless it or a folder above it is left out, and
 * half-ticked ("mixed") when something below it is left out.
 * Pure functions, tested in tests/selection.test.ts.
 */

export type Tick = 'on' | 'off' | 'mixed';

/** `path` is `ancestor` or somewhere below it. */
export function isWithin(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}/`);
}

export function tickOf(path: string, excluded: readonly string[]): Tick {
  if (excluded.some((e) => isWithin(path, e))) return 'off';
  if (excluded.some((e) => e !== path && isWithin(e, path))) return 'mixed';
  return 'on';
}

function tidy(excluded: Iterable<string>): string[] {
  return [...new Set(excluded)].sort();
}

/** Leaves `path` out (and forgets what was left out below it). */
export function untick(path: string, excluded: readonly string[]): string[] {
  return tidy([...excluded.filter((e) => !isWithin(e, path)), path]);
}

/**
 * Takes `path` and everything below it back in. When a folder above it is
 * left out, that folder comes back in too, with its other sub-folders
 * (down to `path`) left out instead: which needs their lists, from
 * `childrenOf` (null when a level was never loaded: nothing changes then).
 */
export function tick(
  path: string,
  excluded: readonly string[],
  childrenOf: (path: string) => readonly string[] | null,
): string[] {
  const kept = excluded.filter((e) => !isWithin(e, path));
  const above = kept.find((e) => isWithin(path, e));
  if (above === undefined) return tidy(kept);
  const added: string[] = [];
  let level = above;
  while (level !== path) {
    const children = childrenOf(level);
    const next = children?.find((child) => isWithin(path, child));
    if (!children || next === undefined) return tidy(excluded);
    added.push(...children.filter((child) => child !== next));
    level = next;
  }
  return tidy([...kept.filter((e) => e !== above), ...added]);
}

/** What a click does: a ticked folder is left out, anything else taken in. */
export function toggle(
  path: string,
  excluded: readonly string[],
  childrenOf: (path: string) => readonly string[] | null,
): string[] {
  return tickOf(path, excluded) === 'on' ? untick(path, excluded) : tick(path, excluded, childrenOf);
}

/** Account paths -> paths from a folder pair's `remotePath` (what `excluded` holds). */
export function relativeTo(root: string, paths: readonly string[]): string[] {
  return paths.map((p) => (root === '' ? p : p.slice(root.length + 1)));
}

/** Paths from a folder pair's `remotePath` -> account paths. */
export function absoluteFrom(root: string, paths: readonly string[]): string[] {
  return paths.map((p) => (root === '' ? p : `${root}/${p}`));
}
