/**
 * The state of an action behind a button: `busy` while it runs (and which one, `action`, when
 * several buttons share the flag), the sentence of its failure in `error`. `run` turns busy off
 * on every path and does not reject unless asked to.
 *
 * A second `run` while one is going is not refused: the buttons are disabled while busy, and each
 * run turns busy off when it ends (unless `latest` says a newer one owns the flag).
 */
import { errorText } from './logic/errors';
import { toasts } from './toasts.svelte';

export type RunOptions<K extends string, F> = {
  /** Which action runs; `action` holds it meanwhile (a spinner on the right button). */
  action?: K;
  /** Called with what was thrown; what it returns is what `run` resolves to. */
  onError?: (e: unknown) => F;
  /** Shows the failure as an error toast: `true` for its sentence, or a function that words it. */
  toast?: boolean | ((text: string) => string);
  /** Rejects with the error after handling it (busy is still turned off). */
  rethrow?: boolean;
  /**
   * A refresh behind the screen: busy is not turned on and the last error stays until the run
   * ends (busy is still turned off at the end, so a `new Busy(true)` means "until the first load").
   */
  background?: boolean;
  /** Whether this run is still the newest one; a run that is not leaves busy to the newer one. */
  latest?: () => boolean;
};

export class Busy<K extends string = string> {
  busy = $state(false);
  action = $state<K | null>(null);
  error = $state<string | null>(null);

  constructor(busy = false) {
    this.busy = busy;
  }

  async run<T, F = undefined>(fn: () => T | Promise<T>, opts: RunOptions<K, F> = {}): Promise<T | F> {
    if (!opts.background) {
      this.busy = true;
      this.action = opts.action ?? null;
      this.error = null;
    }
    try {
      const value = await fn();
      if (opts.background) this.error = null;
      return value;
    } catch (e) {
      const text = errorText(e);
      this.error = text;
      if (opts.toast) toasts.push(typeof opts.toast === 'function' ? opts.toast(text) : text, 'error');
      const fallback = opts.onError?.(e) as F;
      if (opts.rethrow) throw e;
      return fallback;
    } finally {
      if (!opts.latest || opts.latest()) {
        this.busy = false;
        this.action = null;
      }
    }
  }

  /** Idle at once, for work whose result no longer matters. */
  clear() {
    this.busy = false;
    this.action = null;
    this.error = null;
  }
}
