/**
 * Errors as the UI sees them. Every backend command rejects with a
 * `BackendError`; anything else (a bug, a Tauri plumbing failure) is treated
 * as `internal`. The member is shown a message chosen by the code, never the
 * English `message`.
 */
import type { BackendError, ErrorCode } from './backend-types';

/** Every code, checked by the compiler against the generated `ErrorCode`:
 * a code added in Rust fails the type check until it is listed here. */
const EVERY_CODE: Record<ErrorCode, true> = {
  storage: true,
  provider: true,
  invalid_input: true,
  system: true,
  internal: true,
  unauthorized: true,
  offline: true,
  maintenance: true,
  keyring_unavailable: true,
  cancelled: true,
  timeout: true,
  not_found: true,
  server: true,
  local_folder: true,
  mass_delete: true,
  autostart: true,
  read_only: true,
};

export const ERROR_CODES: readonly ErrorCode[] = Object.keys(EVERY_CODE) as ErrorCode[];

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
