/**
 * A check that follows what the member types: it waits until they pause
 * (`CHECK_DELAY_MS`), runs once, and keeps only the answer to the latest
 * input (an answer to an older input is dropped).
 */
import type { ErrorCode } from './backend-types';
import { reportError } from './errors';

/** How long typing must pause before an address or a folder is checked. */
export const CHECK_DELAY_MS = 350;

export type CheckState<T> =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'ok'; value: T }
  | { kind: 'error'; code: ErrorCode };

export class LiveCheck<T> {
  state: CheckState<T> = $state({ kind: 'idle' });

  readonly #run: (input: string) => Promise<T>;
  readonly #what: string;
  #latest = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(what: string, run: (input: string) => Promise<T>) {
    this.#what = what;
    this.#run = run;
  }

  /** Checks `input` once typing pauses; empty input clears the state. */
  later(input: string): void {
    this.#schedule(input, CHECK_DELAY_MS);
  }

  /** Checks `input` at once (a value chosen, not typed). */
  now(input: string): Promise<void> {
    return this.#schedule(input, 0);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#latest += 1;
  }

  #schedule(input: string, delay: number): Promise<void> {
    clearTimeout(this.#timer);
    const mine = ++this.#latest;
    if (!input.trim()) {
      this.state = { kind: 'idle' };
      return Promise.resolve();
    }
    this.state = { kind: 'checking' };
    return new Promise((resolve) => {
      const go = async () => {
        try {
          const value = await this.#run(input);
          if (mine === this.#latest) this.state = { kind: 'ok', value };
        } catch (error) {
          const code = reportError(this.#what, error);
          if (mine === this.#latest) this.state = { kind: 'error', code };
        }
        resolve();
      };
      if (delay === 0) void go();
      else this.#timer = setTimeout(() => void go(), delay);
    });
  }
}
