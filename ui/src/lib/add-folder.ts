/**
 * "Add a folder": which server folders an account can still sync, and where
 * on the computer a new pair goes by default. Pure functions, tested in
 * tests/add-folder.test.ts.
 *
 * The Rust side keeps one pair per server folder tree: `add_folder` refuses
 * (`invalid_input`) a server folder that another pair of the same account
 * syncs, is inside one, or holds one.
 */
import type { FolderPair } from './backend-types';
import { isWithin } from './selection';

/**
 * Why a server folder cannot be chosen: another pair syncs it (`same`), a
 * folder above it (`within`), or a folder inside it (`contains`).
 */
export interface Taken {
  kind: 'same' | 'within' | 'contains';
  /** The pair in the way. */
  pair: FolderPair;
}

/** Whether `path` (from the account's files root) is free, given the account's pairs. */
export function takenBy(path: string, pairs: readonly FolderPair[]): Taken | null {
  const same = pairs.find((p) => p.remotePath === path);
  if (same) return { kind: 'same', pair: same };
  const within = pairs.find((p) => isWithin(path, p.remotePath));
  if (within) return { kind: 'within', pair: within };
  const contains = pairs.find((p) => isWithin(p.remotePath, path));
  if (contains) return { kind: 'contains', pair: contains };
  return null;
}

/** The pairs of one account. */
export function pairsOf(accountId: number, pairs: readonly FolderPair[]): FolderPair[] {
  return pairs.filter((p) => p.accountId === accountId);
}

/** The host of a server address ("https://oficina.example.coop/nc" -> "oficina.example.coop"). */
function hostOf(server: string): string {
  try {
    return new URL(server).host;
  } catch {
    return server;
  }
}

/**
 * Where a new pair goes unless the member says otherwise:
 * - all the files of an account: the default folder (`default_local_folder`)
 *   if no pair uses it, else the default folder with the server's name after
 *   it;
 * - one server folder: beside the default folder, with the folder's name
 *   (`~/CommonsCloud` and `Fotos/2025` give `~/2025`), even with no pair
 *   yet: the default folder may still hold the files of a pair the member
 *   removed, and one folder's files must not be merged into them.
 * A path another pair uses gets " 2", " 3"… (the member can still change it;
 * `check_local_folder` has the last word).
 */
export function suggestLocalFolder(
  defaultFolder: string,
  remotePath: string,
  pairs: readonly FolderPair[],
  server: string | null,
): string {
  const base = defaultFolder.length > 1 ? defaultFolder.replace(/[\\/]+$/, '') : defaultFolder;
  const cut = Math.max(base.lastIndexOf('/'), base.lastIndexOf('\\'));
  const separator = cut >= 0 ? (base[cut] ?? '/') : '/';
  const parent = cut >= 0 ? base.slice(0, cut) : '';
  const used = (path: string) => pairs.some((p) => p.localPath === path);
  let wanted: string;
  if (remotePath === '') {
    if (!used(base)) return base;
    wanted = server ? `${base} (${hostOf(server)})` : base;
  } else {
    const name = remotePath.split('/').filter(Boolean).at(-1) ?? remotePath;
    wanted = `${parent}${separator}${name}`;
  }
  if (!used(wanted)) return wanted;
  for (let n = 2; ; n++) {
    const numbered = `${wanted} ${n}`;
    if (!used(numbered)) return numbered;
  }
}
