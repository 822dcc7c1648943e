import { afterEach, describe, expect, it, vi } from 'vitest';
import { Busy } from '../../src/lib/busy.svelte';
import { ApiError } from '../../src/lib/logic/errors';
import { toasts } from '../../src/lib/toasts.svelte';

/** A promise settled from outside. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

afterEach(() => vi.restoreAllMocks());

describe('Busy.run', () => {
  it('is busy while the task runs and idle after it succeeded', async () => {
    const task = new Busy();
    const d = deferred<number>();
    const run = task.run(() => d.promise);
    expect(task.busy).toBe(true);
    d.resolve(7);
    await expect(run).resolves.toBe(7);
    expect(task.busy).toBe(false);
    expect(task.error).toBeNull();
  });

  it('is idle after a thrown error, keeps its sentence and does not reject', async () => {
    const task = new Busy();
    const run = task.run(() => {
      throw new ApiError('io', 'The disk is full.');
    });
    await expect(run).resolves.toBeUndefined();
    expect(task.busy).toBe(false);
    expect(task.error).toBe('The disk is full.');
  });

  it('is idle after a rejected promise, and hands the error to onError, whose answer it returns', async () => {
    const task = new Busy();
    const d = deferred();
    const raw = { code: 'busy', message: 'Another video is being rendered.' };
    const onError = vi.fn(() => 'fallback');
    const run = task.run(() => d.promise, { onError });
    expect(task.busy).toBe(true);
    d.reject(raw);
    await expect(run).resolves.toBe('fallback');
    expect(onError).toHaveBeenCalledWith(raw);
    expect(task.busy).toBe(false);
    expect(task.error).toBe('Another video is being rendered.');
  });

  it('shows the error as a toast when asked, as it is or worded by the caller', async () => {
    const push = vi.spyOn(toasts, 'push').mockReturnValue(1);
    const task = new Busy();
    await task.run(() => Promise.reject(new Error('gone')), { toast: true });
    expect(push).toHaveBeenLastCalledWith('gone', 'error');
    await task.run(() => Promise.reject('refused'), { toast: (text) => `Scene 3: ${text}` });
    expect(push).toHaveBeenLastCalledWith('Scene 3: refused', 'error');
    await task.run(async () => 1);
    expect(push).toHaveBeenCalledTimes(2);
  });

  it('rejects only when asked, and is idle then too', async () => {
    const task = new Busy();
    const err = new Error('boom');
    const onError = vi.fn();
    await expect(task.run(() => Promise.reject(err), { rethrow: true, onError })).rejects.toBe(err);
    expect(onError).toHaveBeenCalledWith(err);
    expect(task.busy).toBe(false);
    expect(task.error).toBe('boom');
  });

  it('names the running action, and clears the last error when the next run starts', async () => {
    const task = new Busy<'save' | 'remove'>();
    await task.run(() => Promise.reject(new Error('no keychain')), { action: 'remove' });
    expect(task.error).toBe('no keychain');
    const d = deferred();
    const run = task.run(() => d.promise, { action: 'save' });
    expect(task.action).toBe('save');
    expect(task.error).toBeNull();
    d.resolve();
    await run;
    expect(task.action).toBeNull();
  });

  // The old copies did not refuse a second click: their buttons are disabled while busy. So a
  // second run is not ignored, and each run turns busy off when it ends.
  it('does not ignore a run while busy; the first to end turns busy off', async () => {
    const task = new Busy();
    const first = deferred();
    const second = deferred();
    const fn2 = vi.fn(() => second.promise);
    const a = task.run(() => first.promise);
    const b = task.run(fn2);
    expect(fn2).toHaveBeenCalledTimes(1);
    first.resolve();
    await a;
    expect(task.busy).toBe(false);
    second.resolve();
    await b;
    expect(task.busy).toBe(false);
  });

  it('with `latest`, leaves busy to the newer run, and clear() idles at once', async () => {
    const task = new Busy();
    let token = 0;
    const start = (d: { promise: Promise<void> }) => {
      const mine = ++token;
      return task.run(() => d.promise, { latest: () => mine === token });
    };
    const older = deferred();
    const newer = deferred();
    const a = start(older);
    const b = start(newer);
    older.resolve();
    await a;
    expect(task.busy).toBe(true);
    newer.resolve();
    await b;
    expect(task.busy).toBe(false);

    const abandoned = deferred();
    const c = start(abandoned);
    token++;
    task.clear();
    expect(task.busy).toBe(false);
    abandoned.resolve();
    await c;
    expect(task.busy).toBe(false);
  });

  it('in the background, does not turn busy on and keeps the last error until it ends', async () => {
    const task = new Busy(true);
    expect(task.busy).toBe(true);
    await task.run(() => Promise.reject(new Error('offline')), { background: true });
    expect(task.busy).toBe(false);
    expect(task.error).toBe('offline');
    const d = deferred();
    const run = task.run(() => d.promise, { background: true });
    expect(task.busy).toBe(false);
    expect(task.error).toBe('offline');
    d.resolve();
    await run;
    expect(task.error).toBeNull();
  });
});
