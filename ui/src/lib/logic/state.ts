/**
 * The engine's state as the UI holds it, and how each engine event changes it. Every function
 * returns a new state (the parts it did not touch are shared) and replaces whole records by id:
 * projects by `id`, scenes by `project_id` + `index`, jobs by `id`.
 */
import type { Activity } from '../bindings/Activity';
import type { Connectivity } from '../bindings/Connectivity';
import type { EngineEvent } from '../bindings/EngineEvent';
import type { JobView } from '../bindings/JobView';
import type { Lane } from '../bindings/Lane';
import type { ProjectCard } from '../bindings/ProjectCard';
import type { ProjectDetail } from '../bindings/ProjectDetail';
import type { ProviderView } from '../bindings/ProviderView';
import type { RenderView } from '../bindings/RenderView';
import type { SceneView } from '../bindings/SceneView';
import type { Snapshot } from '../bindings/Snapshot';
import type { SyncView } from '../bindings/SyncView';
import { toCard, toJob, toScene } from './records';

export const LANES: readonly Lane[] = ['generate', 'narrate', 'upload', 'render'];

export type LaneState = {
  lane: Lane;
  concurrency: number;
  /** Job ids running now. */
  running: string[];
  /** Queued job ids, first = next. */
  order: string[];
  queued_total: number;
  /** False for the upload lane while no storage target is set. */
  in_use: boolean;
};

/** How many ended jobs the Activity history keeps. */
export const RECENT_KEPT = 40;

export type EngineState = {
  projects: Record<string, ProjectCard>;
  /** Scenes of the projects that were opened, sorted by index. */
  scenes: Record<string, SceneView[]>;
  jobs: Record<string, JobView>;
  lanes: Record<Lane, LaneState>;
  paused: boolean;
  providers: ProviderView[];
  sync: SyncView;
  connectivity: Connectivity;
  styles: string[];
  /** The latest render of each project, by project id. */
  renders: Record<string, RenderView>;
  /** Jobs that ended, newest first (the Activity history). */
  recent: JobView[];
};

const arr = <T>(v: T[] | null | undefined): T[] => (Array.isArray(v) ? v : []);
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object';

export function emptySync(): SyncView {
  return {
    target: null,
    health: { state: 'local' },
    counts: { local: 0, pending: 0, uploading: 0, synced: 0, waiting: 0, failed: 0 },
    items: [],
    uploaded_bytes: 0,
    uploads: 0,
  };
}

function emptyLanes(): Record<Lane, LaneState> {
  const lanes = {} as Record<Lane, LaneState>;
  for (const lane of LANES) lanes[lane] = { lane, concurrency: 0, running: [], order: [], queued_total: 0, in_use: true };
  return lanes;
}

export function emptyState(): EngineState {
  return {
    projects: {},
    scenes: {},
    jobs: {},
    lanes: emptyLanes(),
    paused: false,
    providers: [],
    sync: emptySync(),
    connectivity: { offline: false, message: null },
    styles: [],
    renders: {},
    recent: [],
  };
}

/** A sync view with every field present, whatever arrived. */
export function normalizeSync(v: SyncView | null | undefined): SyncView {
  const base = emptySync();
  if (!isObj(v)) return base;
  return {
    target: typeof v.target === 'string' ? v.target : null,
    health: isObj(v.health) && typeof v.health.state === 'string' ? v.health : base.health,
    counts: { ...base.counts, ...(isObj(v.counts) ? v.counts : {}) },
    items: arr(v.items),
    uploaded_bytes: typeof v.uploaded_bytes === 'number' ? v.uploaded_bytes : 0,
    uploads: typeof v.uploads === 'number' ? v.uploads : 0,
  };
}

/** Takes the activity as a whole: the lanes and their jobs are replaced. */
export function applyActivity(state: EngineState, activity: Activity | null | undefined): EngineState {
  if (!isObj(activity)) return state;
  const lanes = { ...state.lanes };
  const jobs: Record<string, JobView> = {};
  // Jobs of lanes the activity does not mention are kept.
  const mentioned = new Set(arr(activity.lanes).map((l) => l?.lane));
  for (const [id, job] of Object.entries(state.jobs)) if (!mentioned.has(job.lane)) jobs[id] = job;
  for (const lv of arr(activity.lanes)) {
    if (!isObj(lv) || !LANES.includes(lv.lane)) continue;
    const running = arr(lv.running).map(toJob).filter((j): j is JobView => !!j);
    const queued = arr(lv.queued).map(toJob).filter((j): j is JobView => !!j);
    for (const j of [...running, ...queued]) jobs[j.id] = j;
    lanes[lv.lane] = {
      lane: lv.lane,
      concurrency: typeof lv.concurrency === 'number' ? lv.concurrency : 0,
      running: running.map((j) => j.id),
      order: queued.map((j) => j.id),
      queued_total: Math.max(typeof lv.queued_total === 'number' ? lv.queued_total : 0, queued.length),
      in_use: lv.in_use !== false,
    };
  }
  const recent = arr(activity.recent)
    .map(toJob)
    .filter((j): j is JobView => !!j)
    .slice(0, RECENT_KEPT);
  return { ...state, lanes, jobs, paused: !!activity.paused, recent };
}

/** The state a snapshot describes. Scenes of opened projects are kept until they are reloaded. */
export function fromSnapshot(snap: Snapshot, prev: EngineState = emptyState()): EngineState {
  const projects: Record<string, ProjectCard> = {};
  for (const raw of arr(snap?.projects)) {
    const p = toCard(raw);
    if (p) projects[p.id] = p;
  }
  const scenes: Record<string, SceneView[]> = {};
  for (const [id, list] of Object.entries(prev.scenes)) if (projects[id]) scenes[id] = list;
  const renders: Record<string, RenderView> = {};
  for (const [id, r] of Object.entries(prev.renders)) if (projects[id]) renders[id] = r;
  const base: EngineState = {
    ...emptyState(),
    projects,
    scenes,
    renders,
    providers: arr(snap?.providers).filter((p) => isObj(p) && typeof p.name === 'string'),
    sync: normalizeSync(snap?.sync),
    connectivity: isObj(snap?.connectivity)
      ? { offline: !!snap.connectivity.offline, message: snap.connectivity.message ?? null }
      : { offline: false, message: null },
    styles: arr(snap?.styles).filter((s): s is string => typeof s === 'string'),
  };
  return applyActivity(base, snap?.activity);
}

function newerOrSame(incoming: { updated_at?: unknown }, existing: { updated_at?: unknown } | undefined): boolean {
  if (!existing) return true;
  const a = incoming.updated_at;
  const b = existing.updated_at;
  if (typeof a !== 'number' || typeof b !== 'number') return true;
  return a >= b;
}

/** Puts `scene` into a sorted scene list (replacing the one with its index). */
export function upsertScene(list: readonly SceneView[], scene: SceneView): SceneView[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as SceneView).index < scene.index) lo = mid + 1;
    else hi = mid;
  }
  const out = list.slice();
  if (out[lo]?.index === scene.index) out[lo] = scene;
  else out.splice(lo, 0, scene);
  return out;
}

function putScene(state: EngineState, raw: SceneView): EngineState {
  const scene = toScene(raw);
  if (!scene) return state;
  const list = state.scenes[scene.project_id];
  if (!list) return state; // not opened: the project card carries its figures
  const existing = list.find((s) => s.index === scene.index);
  if (!newerOrSame(scene, existing)) return state;
  return { ...state, scenes: { ...state.scenes, [scene.project_id]: upsertScene(list, scene) } };
}

function putProject(state: EngineState, raw: ProjectCard): EngineState {
  const card = toCard(raw);
  if (!card) return state;
  if (!newerOrSame(card, state.projects[card.id])) return state;
  return { ...state, projects: { ...state.projects, [card.id]: card } };
}

const without = (ids: string[], id: string): string[] => (ids.includes(id) ? ids.filter((x) => x !== id) : ids);

function putJob(state: EngineState, raw: JobView): EngineState {
  const job = toJob(raw);
  if (!job) return state;
  let next: EngineState = { ...state };
  const lane = state.lanes[job.lane];
  const terminal = job.status !== 'queued' && job.status !== 'running';
  if (lane) {
    const inOrder = lane.order.includes(job.id);
    let order = lane.order;
    let total = lane.queued_total;
    if (job.status === 'queued' && !inOrder) {
      order = [...order, job.id];
      total += 1;
    } else if (job.status !== 'queued' && inOrder) {
      order = without(order, job.id);
      total = Math.max(0, total - 1);
    }
    let running = lane.running;
    if (job.status === 'running' && !running.includes(job.id)) running = [...running, job.id];
    else if (job.status !== 'running') running = without(running, job.id);
    next.lanes = { ...state.lanes, [job.lane]: { ...lane, order, running, queued_total: total } };
  }
  const jobs = { ...state.jobs };
  if (terminal) delete jobs[job.id];
  else jobs[job.id] = job;
  next.jobs = jobs;
  if (terminal) {
    const ended = { ...job, finished_at: job.finished_at ?? Date.now() };
    next.recent = [ended, ...state.recent.filter((j) => j.id !== job.id)].slice(0, RECENT_KEPT);
  }
  if (job.kind === 'render_video' && typeof job.project_id === 'string') {
    const prev = state.renders[job.project_id];
    const same = prev?.job_id === job.id;
    next.renders = {
      ...state.renders,
      [job.project_id]: {
        job_id: job.id,
        status: job.status,
        frames_done: same ? prev.frames_done : 0,
        frames_total: same ? prev.frames_total : 0,
        error: job.error ?? null,
      },
    };
  }
  return next;
}

function putQueue(state: EngineState, lane: Lane, order: string[], running: string[]): EngineState {
  const prev = state.lanes[lane];
  if (!prev) return state;
  const o = arr(order).filter((x) => typeof x === 'string');
  const r = arr(running).filter((x) => typeof x === 'string');
  const keep = new Set([...o, ...r]);
  const jobs: Record<string, JobView> = {};
  for (const [id, job] of Object.entries(state.jobs)) if (job.lane !== lane || keep.has(id)) jobs[id] = job;
  return {
    ...state,
    jobs,
    lanes: { ...state.lanes, [lane]: { ...prev, order: o, running: r, queued_total: o.length } },
  };
}

/** The state after one engine event. `notice` and `reset` leave it as it is (the store acts on them). */
export function applyEvent(state: EngineState, ev: EngineEvent): EngineState {
  if (!isObj(ev)) return state;
  switch (ev.type) {
    case 'scene':
      return putScene(state, ev.scene);
    case 'project':
      return putProject(state, ev.card);
    case 'job':
      return putJob(state, ev.job);
    case 'queue':
      return putQueue(state, ev.lane, ev.order, ev.running);
    case 'provider': {
      const p = ev.provider;
      if (!isObj(p) || typeof p.name !== 'string') return state;
      const i = state.providers.findIndex((x) => x.name === p.name);
      const providers = i < 0 ? [...state.providers, p] : state.providers.map((x, k) => (k === i ? p : x));
      return { ...state, providers };
    }
    case 'sync':
      if (!isObj(ev.health)) return state;
      return { ...state, sync: { ...state.sync, health: ev.health } };
    case 'render': {
      if (typeof ev.project_id !== 'string' || typeof ev.job_id !== 'string') return state;
      const render: RenderView = {
        job_id: ev.job_id,
        status: 'running',
        frames_done: Number(ev.frames_done) || 0,
        frames_total: Number(ev.frames_total) || 0,
        error: null,
      };
      return { ...state, renders: { ...state.renders, [ev.project_id]: render } };
    }
    case 'connectivity':
      if (!isObj(ev.connectivity)) return state;
      return {
        ...state,
        connectivity: { offline: !!ev.connectivity.offline, message: ev.connectivity.message ?? null },
      };
    default:
      return state;
  }
}

/** Takes a project's detail: its card, all its scenes (a newer record already held wins), its render. */
export function installProject(state: EngineState, detail: ProjectDetail): EngineState {
  const card = isObj(detail) ? toCard(detail.card) : null;
  if (!card) return state;
  const id = card.id;
  const held = new Map((state.scenes[id] ?? []).map((s) => [s.index, s]));
  const list = arr(detail.scenes)
    .map(toScene)
    .filter((s): s is SceneView => !!s && s.project_id === id)
    .map((s) => {
      const h = held.get(s.index);
      return h && !newerOrSame(s, h) ? h : s;
    })
    .sort((a, b) => a.index - b.index);
  let next = putProject(state, card);
  next = { ...next, scenes: { ...next.scenes, [id]: list } };
  if (isObj(detail.render)) next = { ...next, renders: { ...next.renders, [id]: detail.render } };
  return next;
}

/** Marks a project as opened, so that its scene events are kept while its detail loads. */
export function watchProject(state: EngineState, id: string): EngineState {
  if (state.scenes[id]) return state;
  return { ...state, scenes: { ...state.scenes, [id]: [] } };
}

/** Forgets a project (after it was deleted). */
export function removeProject(state: EngineState, id: string): EngineState {
  const projects = { ...state.projects };
  const scenes = { ...state.scenes };
  const renders = { ...state.renders };
  delete projects[id];
  delete scenes[id];
  delete renders[id];
  return { ...state, projects, scenes, renders };
}

/** Replaces one scene record (an answer of a scene command). */
export function putSceneRecord(state: EngineState, scene: SceneView): EngineState {
  return putScene(state, scene);
}

/** Replaces one project card (an answer of a project command). */
export function putProjectRecord(state: EngineState, card: ProjectCard): EngineState {
  return putProject(state, card);
}

/** Projects for the library: the most recently changed first. */
export function projectList(state: EngineState): ProjectCard[] {
  return Object.values(state.projects).sort(
    (a, b) => (Number(b.updated_at) || 0) - (Number(a.updated_at) || 0) || a.title.localeCompare(b.title),
  );
}

/** Ids in the first `limit` places of any lane (or running) that have no job record. */
export function missingJobIds(state: EngineState, limit = 200): string[] {
  const out: string[] = [];
  for (const lane of LANES) {
    const l = state.lanes[lane];
    for (const id of [...l.running, ...l.order.slice(0, limit)]) if (!state.jobs[id]) out.push(id);
  }
  return out;
}

/** 1-based queue places of the generate lane's queued jobs, by job id. */
export function queuePlaces(state: EngineState): Map<string, number> {
  const m = new Map<string, number>();
  state.lanes.generate.order.forEach((id, i) => m.set(id, i + 1));
  return m;
}

/** How many jobs run and wait across lanes. */
export function activityCounts(state: EngineState): { running: number; queued: number } {
  let running = 0;
  let queued = 0;
  for (const lane of LANES) {
    running += state.lanes[lane].running.length;
    queued += state.lanes[lane].queued_total;
  }
  return { running, queued };
}
