import { describe, expect, it, vi } from 'vitest';
import type { Api } from '../../src/lib/api';
import type { EngineEvent } from '../../src/lib/bindings/EngineEvent';
import type { Snapshot } from '../../src/lib/bindings/Snapshot';
import { EngineStore } from '../../src/lib/store/engine.svelte';
import { card, job, scene, snapshot } from './builders';

function setup(snap: () => Promise<Snapshot>, extra: Partial<Api> = {}) {
  let handler: ((ev: EngineEvent) => void) | null = null;
  const order: string[] = [];
  const notify = vi.fn();
  const api = {
    snapshot: vi.fn(async () => {
      order.push('snapshot');
      return snap();
    }),
    appInfo: vi.fn(async () => ({ name: 'StoryReel', version: '1.0.0', engine_version: '1', data_dir: '/d', media_base: null })),
    activity: vi.fn(async () => snapshot().activity),
    getProject: vi.fn(async () => ({ card: card(), scenes: [scene()], render: null })),
    ...extra,
  } as unknown as Api;
  const store = new EngineStore({
    api,
    notify,
    refreshDelayMs: 5,
    onEngineEvent: async (h) => {
      order.push('listen');
      handler = h;
      return () => (handler = null);
    },
  });
  const send = (ev: EngineEvent) => handler?.(ev);
  return { store, api, send, order, notify };
}

describe('EngineStore', () => {
  it('listens before it takes the snapshot, and applies what came in between', async () => {
    let release!: (s: Snapshot) => void;
    const t = setup(() => new Promise((ok) => (release = ok)));
    const started = t.store.start();
    await vi.waitFor(() => expect(t.order).toEqual(['listen', 'snapshot']));
    t.send({ type: 'project', card: card({ done: 4, updated_at: 5000 }) });
    t.send({ type: 'project', card: card({ id: 'p2', title: 'New', updated_at: 5000 }) });
    release(snapshot({ projects: [card({ done: 1, updated_at: 3000 })], notices: ['openai skipped: no API key'] }));
    await started;
    expect(t.store.phase).toBe('ready');
    expect(t.store.state.projects.p1?.done).toBe(4);
    expect(t.store.state.projects.p2?.title).toBe('New');
    expect(t.notify).toHaveBeenCalledWith('openai skipped: no API key', 'info');
  });

  it('replaces records from events once ready', async () => {
    const t = setup(async () => snapshot());
    await t.store.start();
    t.send({ type: 'project', card: card({ status: 'done', done: 7, updated_at: 9000 }) });
    expect(t.store.state.projects.p1?.status).toBe('done');
    t.send({ type: 'connectivity', connectivity: { offline: true, message: null } });
    expect(t.store.state.connectivity.offline).toBe(true);
  });

  it('takes a fresh snapshot on reset and reloads the open project', async () => {
    let n = 0;
    const t = setup(async () => snapshot({ projects: [card({ title: `v${++n}`, updated_at: 1000 + n })] }));
    await t.store.start();
    await t.store.loadProject('p1');
    expect(t.store.state.scenes.p1).toHaveLength(1);
    t.send({ type: 'reset' });
    await vi.waitFor(() => expect(t.store.generation).toBe(1));
    expect(t.api.snapshot).toHaveBeenCalledTimes(2);
    expect(t.store.state.projects.p1?.title).toBe('v2');
    await vi.waitFor(() => expect(t.api.getProject).toHaveBeenCalledTimes(2));
  });

  it('passes notices on without changing the state', async () => {
    const t = setup(async () => snapshot());
    await t.store.start();
    const before = t.store.state;
    t.send({ type: 'notice', level: 'warning', message: 'fal is paused after failures' });
    expect(t.notify).toHaveBeenCalledWith('fal is paused after failures', 'warning');
    expect(t.store.state).toBe(before);
  });

  it('reads the activity again when the queue names jobs it does not know', async () => {
    const t = setup(async () => snapshot());
    await t.store.start();
    (t.api.activity as ReturnType<typeof vi.fn>).mockResolvedValueOnce({
      paused: false,
      lanes: [{ lane: 'generate', concurrency: 3, running: [], queued: [job({ id: 'j7' })], queued_total: 1 }],
    });
    t.send({ type: 'queue', lane: 'generate', order: ['j7'], running: [] });
    await vi.waitFor(() => expect(t.store.state.jobs.j7).toBeDefined());
    expect(t.api.activity).toHaveBeenCalledTimes(1);
  });

  it('forgets a project that is not found', async () => {
    const t = setup(async () => snapshot(), {
      getProject: vi.fn(async () => Promise.reject({ code: 'not_found', message: 'There is no such story.' })),
    } as Partial<Api>);
    await t.store.start();
    await t.store.loadProject('p1');
    expect(t.store.state.projects.p1).toBeUndefined();
    expect(t.store.projectLoads.p1?.error?.message).toBe('There is no such story.');
  });

  it('shows why it could not start, and starts on a second try', async () => {
    let first = true;
    const t = setup(async () => {
      if (first) {
        first = false;
        throw { code: 'engine', message: 'The data folder is locked by another StoryReel.' };
      }
      return snapshot();
    });
    await t.store.start();
    expect(t.store.phase).toBe('error');
    expect(t.store.loadError).toBe('The data folder is locked by another StoryReel.');
    await t.store.start();
    expect(t.store.phase).toBe('ready');
    expect(t.order.filter((x) => x === 'listen')).toHaveLength(1);
  });
});
