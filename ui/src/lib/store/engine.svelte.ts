/**
 * The engine's state for the whole UI. On start it listens to the engine event, takes a
 * snapshot, and from then on replaces whole records from each event. A `reset` takes a fresh
 * snapshot. Commands that answer with a record put that record in at once.
 */
import type { BatchView } from '../bindings/BatchView';
import type { WriteEvent } from '../bindings/WriteEvent';
import type { Api } from '../api';
import type { AppInfo } from '../bindings/AppInfo';
import type { ProjectDetail } from '../bindings/ProjectDetail';
import type { EngineEvent } from '../bindings/EngineEvent';
import type { ProjectCard } from '../bindings/ProjectCard';
import type { RenderView } from '../bindings/RenderView';
import type { SceneView } from '../bindings/SceneView';
import type { SyncView } from '../bindings/SyncView';
import type { VoiceInstallProgress } from '../bindings/VoiceInstallProgress';
import { ApiError, errorText, toApiError } from '../logic/errors';
import { openFetched } from '../timing';
import {
  applyActivity,
  applyEvent,
  emptyState,
  fromSnapshot,
  installProject,
  missingJobIds,
  normalizeSync,
  putProjectRecord,
  putSceneRecord,
  removeProject,
  watchProject,
  type EngineState,
} from '../logic/state';

export type StoreDeps = {
  api: Api;
  onEngineEvent: (handler: (ev: EngineEvent) => void) => Promise<() => void>;
  notify: (message: string, level: 'info' | 'warning') => void;
  /** Delay before re-reading the activity when jobs are missing, in ms. */
  refreshDelayMs?: number;
};

export type ProjectLoad = { loading: boolean; error: ApiError | null };

export class EngineStore {
  state = $state.raw<EngineState>(emptyState());
  phase = $state<'loading' | 'ready' | 'error'>('loading');
  loadError = $state<string | null>(null);
  appInfo = $state.raw<AppInfo | null>(null);
  projectLoads = $state.raw<Record<string, ProjectLoad>>({});
  /** Changes whenever a reset was handled (screens that hold their own copies reload on it). */
  generation = $state(0);
  /** The latest progress of a voice being installed from the voice library. */
  voiceInstall = $state.raw<VoiceInstallProgress | null>(null);
  /** The latest news of a story being written from an idea. */
  writing = $state.raw<WriteEvent | null>(null);
  /** The batch of stories being made (or the last one made). */
  batch = $state.raw<BatchView | null>(null);

  #deps: StoreDeps;
  #buffer: EngineEvent[] | null = null;
  #unlisten: (() => void) | null = null;
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  #snapshotting: Promise<void> | null = null;

  constructor(deps: StoreDeps) {
    this.#deps = deps;
  }

  get api(): Api {
    return this.#deps.api;
  }

  /** Connects to the engine; safe to call again after a failure. */
  async start(): Promise<void> {
    this.phase = 'loading';
    this.loadError = null;
    try {
      if (!this.#unlisten) {
        this.#buffer = [];
        this.#unlisten = await this.#deps.onEngineEvent((ev) => this.#onEvent(ev));
      }
      await this.#takeSnapshot(true);
      this.phase = 'ready';
    } catch (e) {
      this.loadError = errorText(e);
      this.phase = 'error';
    }
    this.#deps.api.appInfo().then(
      (info) => (this.appInfo = info),
      () => {},
    );
  }

  stop() {
    this.#unlisten?.();
    this.#unlisten = null;
  }

  async #takeSnapshot(first: boolean): Promise<void> {
    if (this.#snapshotting) return this.#snapshotting;
    if (!this.#buffer) this.#buffer = [];
    const run = async () => {
      try {
        const snap = await this.#deps.api.snapshot();
        let next = fromSnapshot(snap, this.state);
        for (const ev of this.#buffer ?? []) next = applyEvent(next, ev);
        this.state = next;
        if (first) for (const n of Array.isArray(snap?.notices) ? snap.notices : []) this.#deps.notify(String(n), 'info');
      } finally {
        this.#buffer = null;
        this.#snapshotting = null;
      }
      this.#scheduleJobRefresh();
    };
    this.#snapshotting = run();
    return this.#snapshotting;
  }

  #onEvent(ev: EngineEvent) {
    if (!ev || typeof ev !== 'object') return;
    if (ev.type === 'notice') {
      this.#deps.notify(ev.message, ev.level === 'warning' ? 'warning' : 'info');
      return;
    }
    if (ev.type === 'voice_install') {
      this.voiceInstall = ev.progress;
      return;
    }
    if (ev.type === 'batch') {
      this.batch = ev.batch;
      return;
    }
    if (ev.type === 'writing') {
      this.writing = ev.event;
      return;
    }
    if (ev.type === 'reset') {
      void this.#reset();
      return;
    }
    if (this.#buffer) {
      this.#buffer.push(ev);
      return;
    }
    this.state = applyEvent(this.state, ev);
    if (ev.type === 'queue') this.#scheduleJobRefresh();
  }

  async #reset() {
    try {
      await this.#takeSnapshot(false);
      this.generation += 1;
      // Reload the projects whose scenes are held, they may have changed while the engine restarted.
      for (const id of Object.keys(this.state.scenes)) void this.loadProject(id);
    } catch (e) {
      this.#deps.notify(`Could not reload after the engine restarted: ${errorText(e)}`, 'warning');
    }
  }

  #scheduleJobRefresh() {
    if (this.#refreshTimer || missingJobIds(this.state).length === 0) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      void this.refreshActivity();
    }, this.#deps.refreshDelayMs ?? 400);
  }

  async refreshActivity(): Promise<void> {
    try {
      const activity = await this.#deps.api.activity();
      this.state = applyActivity(this.state, activity);
    } catch {
      // the next event or visit tries again
    }
  }

  async refreshSync(): Promise<SyncView> {
    const view = normalizeSync(await this.#deps.api.syncStatus());
    this.state = { ...this.state, sync: view };
    return view;
  }

  /** Loads a project's scenes (and keeps them current from events from now on). */
  async loadProject(id: string): Promise<void> {
    this.state = watchProject(this.state, id);
    this.projectLoads = { ...this.projectLoads, [id]: { loading: true, error: null } };
    try {
      const detail = await this.#deps.api.getProject(id);
      openFetched(id);
      this.state = installProject(this.state, detail);
      this.projectLoads = { ...this.projectLoads, [id]: { loading: false, error: null } };
    } catch (e) {
      const err = toApiError(e);
      if (err.code === 'not_found') this.state = removeProject(this.state, id);
      this.projectLoads = { ...this.projectLoads, [id]: { loading: false, error: err } };
    }
  }

  /** A whole project as a command answered it (after an edit of its scenes). */
  putDetail(detail: ProjectDetail | null | undefined) {
    if (detail && typeof detail === 'object') this.state = installProject(this.state, detail);
  }

  putCard(card: ProjectCard | null | undefined) {
    if (card && typeof card === 'object') this.state = putProjectRecord(this.state, card);
  }

  putScene(scene: SceneView | null | undefined) {
    if (scene && typeof scene === 'object') this.state = putSceneRecord(this.state, scene);
  }

  putRender(projectId: string, render: RenderView | null | undefined) {
    if (!render || typeof render !== 'object') return;
    this.state = { ...this.state, renders: { ...this.state.renders, [projectId]: render } };
  }

  forgetProject(id: string) {
    this.state = removeProject(this.state, id);
  }

  setPaused(paused: boolean) {
    this.state = { ...this.state, paused };
  }
}
