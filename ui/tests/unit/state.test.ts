import { describe, expect, it } from 'vitest';
import {
  activityCounts,
  applyActivity,
  applyEvent,
  emptyState,
  fromSnapshot,
  installProject,
  missingJobIds,
  projectList,
  queuePlaces,
  removeProject,
  upsertScene,
  watchProject,
} from '../../src/lib/logic/state';
import { card, job, scene, snapshot } from './builders';

describe('fromSnapshot', () => {
  it('takes projects, lanes, jobs and connectivity', () => {
    const s = fromSnapshot(snapshot({ connectivity: { offline: true, message: 'no network' } }));
    expect(Object.keys(s.projects)).toEqual(['p1']);
    expect(s.lanes.generate).toMatchObject({ concurrency: 3, order: ['j1'], running: [], queued_total: 1 });
    expect(s.jobs.j1?.scene_index).toBe(1);
    expect(s.connectivity).toEqual({ offline: true, message: 'no network' });
    expect(s.styles).toEqual(['cinematic', 'noir']);
  });
  it('survives a snapshot with missing parts', () => {
    const s = fromSnapshot({ projects: null, activity: null, sync: null } as never);
    expect(s.projects).toEqual({});
    expect(s.sync.health).toEqual({ state: 'local' });
    expect(s.lanes.render.order).toEqual([]);
  });
  it('keeps scenes of open projects that still exist', () => {
    let prev = installProject(emptyState(), { card: card(), scenes: [scene()], render: null });
    prev = installProject(prev, { card: card({ id: 'gone' }), scenes: [scene({ project_id: 'gone' })], render: null });
    const s = fromSnapshot(snapshot(), prev);
    expect(s.scenes.p1).toHaveLength(1);
    expect(s.scenes.gone).toBeUndefined();
  });
});

describe('scene events', () => {
  const open = () => installProject(fromSnapshot(snapshot()), {
    card: card(),
    scenes: [scene({ index: 1 }), scene({ index: 2 }), scene({ index: 3 })],
    render: null,
  });

  it('replace the whole scene record by project and index', () => {
    const s0 = open();
    const next = scene({ index: 2, status: 'running', phase: 'calling openai', percent: 10, updated_at: 2000 });
    const s1 = applyEvent(s0, { type: 'scene', scene: next });
    expect(s1.scenes.p1?.[1]).toEqual(next);
    expect(s1.scenes.p1?.[0]).toBe(s0.scenes.p1?.[0]);
    expect(s0.scenes.p1?.[1]?.status).toBe('queued');
  });

  it('do not merge fields: a field missing from the event is gone', () => {
    const s0 = open();
    const withError = scene({ index: 1, status: 'failed', error: { code: 'x', message: 'boom' }, updated_at: 2000 });
    const s1 = applyEvent(s0, { type: 'scene', scene: withError });
    const again = scene({ index: 1, status: 'queued', updated_at: 3000 });
    const s2 = applyEvent(s1, { type: 'scene', scene: again });
    expect(s2.scenes.p1?.[0]?.error).toBeNull();
  });

  it('ignore an older record than the one held', () => {
    const s0 = applyEvent(open(), { type: 'scene', scene: scene({ index: 1, status: 'succeeded', updated_at: 5000 }) });
    const s1 = applyEvent(s0, { type: 'scene', scene: scene({ index: 1, status: 'running', updated_at: 4000 }) });
    expect(s1.scenes.p1?.[0]?.status).toBe('succeeded');
  });

  it('insert a scene in index order and skip projects that are not open', () => {
    const s0 = open();
    const s1 = applyEvent(s0, { type: 'scene', scene: scene({ index: 0 }) });
    expect(s1.scenes.p1?.map((x) => x.index)).toEqual([0, 1, 2, 3]);
    const s2 = applyEvent(s0, { type: 'scene', scene: scene({ project_id: 'other' }) });
    expect(s2).toBe(s0);
  });

  it('are kept while a project loads, and win over an older detail', () => {
    let s = watchProject(fromSnapshot(snapshot()), 'p1');
    s = applyEvent(s, { type: 'scene', scene: scene({ index: 2, status: 'succeeded', updated_at: 9000 }) });
    s = installProject(s, { card: card(), scenes: [scene({ index: 1 }), scene({ index: 2, updated_at: 1000 })], render: null });
    expect(s.scenes.p1?.map((x) => x.status)).toEqual(['queued', 'succeeded']);
  });
});

describe('upsertScene', () => {
  it('keeps the list sorted', () => {
    const list = [scene({ index: 1 }), scene({ index: 4 })];
    expect(upsertScene(list, scene({ index: 3 })).map((s) => s.index)).toEqual([1, 3, 4]);
    expect(upsertScene(list, scene({ index: 9 })).map((s) => s.index)).toEqual([1, 4, 9]);
    expect(upsertScene([], scene({ index: 2 })).map((s) => s.index)).toEqual([2]);
  });
});

describe('project events', () => {
  it('replace the card, adding new projects', () => {
    const s0 = fromSnapshot(snapshot());
    const c = card({ done: 3, updated_at: 2000 });
    expect(applyEvent(s0, { type: 'project', card: c }).projects.p1).toEqual(c);
    const other = card({ id: 'p2', title: 'Paper Boats' });
    expect(Object.keys(applyEvent(s0, { type: 'project', card: other }).projects)).toEqual(['p1', 'p2']);
  });
  it('ignore a malformed payload', () => {
    const s0 = fromSnapshot(snapshot());
    expect(applyEvent(s0, { type: 'project', card: null as never })).toBe(s0);
    expect(applyEvent(s0, null as never)).toBe(s0);
    expect(applyEvent(s0, { type: 'mystery' } as never)).toBe(s0);
  });
});

describe('job and queue events', () => {
  it('move a job from queued to running to gone', () => {
    let s = fromSnapshot(snapshot());
    s = applyEvent(s, { type: 'job', job: job({ status: 'running', started_at: 5 }) });
    expect(s.lanes.generate).toMatchObject({ order: [], running: ['j1'], queued_total: 0 });
    expect(s.jobs.j1?.status).toBe('running');
    s = applyEvent(s, { type: 'job', job: job({ status: 'succeeded' }) });
    expect(s.lanes.generate.running).toEqual([]);
    expect(s.jobs.j1).toBeUndefined();
  });
  it('add a new queued job at the end', () => {
    const s = applyEvent(fromSnapshot(snapshot()), { type: 'job', job: job({ id: 'j2' }) });
    expect(s.lanes.generate).toMatchObject({ order: ['j1', 'j2'], queued_total: 2 });
  });
  it('take the queue order as it comes and forget jobs that left the lane', () => {
    let s = applyEvent(fromSnapshot(snapshot()), { type: 'job', job: job({ id: 'j2' }) });
    s = applyEvent(s, { type: 'queue', lane: 'generate', order: ['j2', 'j9'], running: [] });
    expect(s.lanes.generate).toMatchObject({ order: ['j2', 'j9'], queued_total: 2 });
    expect(s.jobs.j1).toBeUndefined();
    expect(missingJobIds(s)).toEqual(['j9']);
    expect(queuePlaces(s).get('j2')).toBe(1);
    expect(activityCounts(s)).toEqual({ running: 0, queued: 2 });
  });
  it('follow a render job and its frames', () => {
    let s = fromSnapshot(snapshot());
    s = applyEvent(s, { type: 'job', job: job({ id: 'r1', kind: 'render_video', lane: 'render', scene_index: null, status: 'running' }) });
    s = applyEvent(s, { type: 'render', project_id: 'p1', job_id: 'r1', frames_done: 40, frames_total: 160 });
    expect(s.renders.p1).toMatchObject({ job_id: 'r1', status: 'running', frames_done: 40, frames_total: 160 });
    s = applyEvent(s, { type: 'job', job: job({ id: 'r1', kind: 'render_video', lane: 'render', status: 'failed', error: { code: 'engine', message: 'ffmpeg stopped' } }) });
    expect(s.renders.p1).toMatchObject({ status: 'failed', frames_done: 40, error: { message: 'ffmpeg stopped' } });
    expect(applyEvent(s, { type: 'render', project_id: 'p1' } as never)).toBe(s);
  });
});

describe('other events', () => {
  it('replace providers by name, the sync health and connectivity', () => {
    const p = { name: 'openai', label: 'OpenAI', in_chain: true, enabled: true, key: 'present' as const, breaker: 'closed', calls: 3, failures: 0, avg_ms: 900, last_error: null, model: null, base_url: null };
    let s = applyEvent(fromSnapshot(snapshot()), { type: 'provider', provider: p });
    s = applyEvent(s, { type: 'provider', provider: { ...p, calls: 4 } });
    expect(s.providers).toHaveLength(1);
    expect(s.providers[0]?.calls).toBe(4);
    s = applyEvent(s, { type: 'sync', health: { state: 'ok' } });
    expect(s.sync.health).toEqual({ state: 'ok' });
    s = applyEvent(s, { type: 'connectivity', connectivity: { offline: true, message: null } });
    expect(s.connectivity.offline).toBe(true);
  });
  it('leave the state alone for notices and resets', () => {
    const s = fromSnapshot(snapshot());
    expect(applyEvent(s, { type: 'notice', level: 'info', message: 'hi' })).toBe(s);
    expect(applyEvent(s, { type: 'reset' })).toBe(s);
  });
});

describe('applyActivity', () => {
  it('replaces lanes and their jobs', () => {
    const s = applyActivity(fromSnapshot(snapshot()), {
      paused: true,
      lanes: [{ lane: 'generate', concurrency: 2, running: [job({ id: 'j5', status: 'running' })], queued: [], queued_total: 0, in_use: true }],
      recent: [job({ id: 'j0', status: 'succeeded', finished_at: 5 })],
    });
    expect(s.paused).toBe(true);
    expect(s.lanes.generate).toMatchObject({ running: ['j5'], order: [], concurrency: 2 });
    expect(s.jobs.j1).toBeUndefined();
    expect(s.recent.map((j) => j.id)).toEqual(['j0']);
  });
  it('keeps a history of the jobs that end, newest first', () => {
    let s = fromSnapshot(snapshot());
    expect(s.recent).toEqual([]);
    s = applyEvent(s, { type: 'job', job: job({ id: 'j1', status: 'running' }) });
    expect(s.recent).toEqual([]);
    s = applyEvent(s, { type: 'job', job: job({ id: 'j1', status: 'succeeded' }) });
    s = applyEvent(s, { type: 'job', job: job({ id: 'j2', status: 'failed', error: { code: 'provider', message: 'no' } }) });
    expect(s.recent.map((j) => [j.id, j.status])).toEqual([['j2', 'failed'], ['j1', 'succeeded']]);
    expect(typeof s.recent[0].finished_at).toBe('number');
    // a job told twice is listed once
    s = applyEvent(s, { type: 'job', job: job({ id: 'j1', status: 'succeeded' }) });
    expect(s.recent.map((j) => j.id)).toEqual(['j1', 'j2']);
  });
});

describe('projectList and removeProject', () => {
  it('lists the most recently changed first', () => {
    let s = fromSnapshot(snapshot({ projects: [card({ id: 'a', updated_at: 1 }), card({ id: 'b', updated_at: 5 })] }));
    expect(projectList(s).map((c) => c.id)).toEqual(['b', 'a']);
    s = removeProject(s, 'b');
    expect(projectList(s).map((c) => c.id)).toEqual(['a']);
  });
});
