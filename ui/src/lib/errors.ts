/**
 * Errors as the UI sees them. Every backend command rejects with a
 * `BackendError`; anything else (a bug, a Tauri plumbing failure) is treated
 * as `internal`. The member is shown a message chosen by the code, never the
 * English `message`.
 */
import type { BackendError, ErrorCode } from './backend-types';

export const ERROR_CODES: readonly ErrorCode[] = [
  'storage',
  'provider',
  'invalid_input',
  'system',
  'internal',
  'unauthorized',
  'offline',
  'maintenance',
  'keyring_unavailable',
  'cancelled',
  'timeout',
  'not_found',
  'server',
  'local_folder',
  'mass_delete',
  'autostart',
];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Whatever a command rejected with, as a `BackendError`. */
export function asBackendError(error: unknown): BackendError {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code, message } = error as { code: unknown; message?: unknown };
    if (isErrorCode(code)) return { code, message: typeof message === 'string' ? message : '' };
  }
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

export function errorCode(error: unknown): ErrorCode {
  return asBackendError(error).code;
}

/** Logs the technical side of an error (for developers) and gives its code. */
export function reportError(what: string, error: unknown): ErrorCode {
  const known = asBackendError(error);
  console.error(`${what} failed`, known.code, known.message);
  return known.code;
}
