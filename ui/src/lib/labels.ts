/**
 * Which message tells the member about a code of the backend: errors,
 * folder states, activity, names that cannot sync. One place, so every page
 * words the same thing the same way.
 */
import type {
  ActivityKind,
  ErrorCode,
  FolderStatus,
  NotSyncedReason,
} from './backend-types';
import { catalogs, type MessageKey } from './i18n/messages';

/** What an error means and what to do, in general. */
export function errorKey(code: ErrorCode): MessageKey {
  return `error.${code}` as const;
}

/** The same, for a folder pair that cannot sync (its `error`). */
export function folderErrorKey(code: ErrorCode): MessageKey {
  switch (code) {
    case 'unauthorized':
    case 'local_folder':
    case 'offline':
    case 'maintenance':
    case 'storage':
      return `folder.error.${code}` as const;
    default:
      return errorKey(code);
  }
}

export function statusKey(status: FolderStatus): MessageKey {
  return `folder.status.${status}` as const;
}

export function activityKey(kind: ActivityKind): MessageKey {
  return `activity.kind.${kind}` as const;
}

/** Why one file failed (the engine's failure code), when the UI has a
 * message for it: every code has one (a Rust test checks the catalogues). */
export function failureKey(code: string | null | undefined): MessageKey | null {
  if (code === null || code === undefined) return null;
  const key = `activity.error.${code}`;
  return Object.hasOwn(catalogs.ca, key) ? (key as MessageKey) : null;
}

export function notSyncedKey(reason: NotSyncedReason): MessageKey {
  return `notSynced.reason.${reason}` as const;
}

/** A label in the UI language, else English, else Catalan, else the first one there is. */
export function localized(labels: Record<string, string>, language: string): string {
  return (
    labels[language] ?? labels['en'] ?? labels['ca'] ?? Object.values(labels)[0] ?? ''
  );
}
