/**
 * An in-memory StoryReel backend for UI tests: every command of the IPC contract, and engine
 * events pushed through the mocked event system. Generation moves only when asked (`tick`), or
 * on a timer (`auto`), so tests decide what happens when.
 */
import type { Activity } from '../../src/lib/bindings/Activity';
import type { Aspect } from '../../src/lib/bindings/Aspect';
import type { EngineEvent } from '../../src/lib/bindings/EngineEvent';
import type { JobView } from '../../src/lib/bindings/JobView';
import type { Lane } from '../../src/lib/bindings/Lane';
import type { NewProject } from '../../src/lib/bindings/NewProject';
import type { ProjectCard } from '../../src/lib/bindings/ProjectCard';
import type { ProviderView } from '../../src/lib/bindings/ProviderView';
import type { RenderView } from '../../src/lib/bindings/RenderView';
import type { LibraryRow } from '../../src/lib/bindings/LibraryRow';
import type { SceneEdit } from '../../src/lib/bindings/SceneEdit';
import type { SceneView } from '../../src/lib/bindings/SceneView';
import type { Settings } from '../../src/lib/bindings/Settings';
import type { SettingsInput } from '../../src/lib/bindings/SettingsInput';
import type { Snapshot } from '../../src/lib/bindings/Snapshot';
import type { Stats } from '../../src/lib/bindings/Stats';
import type { SyncHealth } from '../../src/lib/bindings/SyncHealth';
import type { SyncItem } from '../../src/lib/bindings/SyncItem';
import type { SyncView } from '../../src/lib/bindings/SyncView';
import { registerImage, registerVideo } from './images';
import { previewStory } from './story';

export type Outcome = 'done' | 'placeholder' | 'fail';

/** The pixel size of a rendered video of this frame. */
function videoSize(aspect: Aspect): [number, number] {
  return aspect === '16:9' ? [1920, 1080] : aspect === '1:1' ? [1080, 1080] : [1080, 1920];
}
export type Call = { cmd: string; args: Record<string, unknown> | undefined; at: number };
type Emit = (ev: EngineEvent) => void;

export const STYLES = ['cinematic', 'noir', 'pastel', 'sunset', 'forest', 'ocean', 'comic'];
const DATA = '/home/creator/.local/share/storyreel';

const fail = (code: string, message: string, line?: number) => ({ code, message, ...(line ? { line } : {}) });

let seq = 0;
function uuid(): string {
  seq++;
  const hex = (n: number, len: number) => n.toString(16).padStart(len, '0').slice(-len);
  return `${hex(Date.now(), 8)}-${hex(seq, 4)}-4${hex(seq * 7, 3)}-a${hex(seq * 13, 3)}-${hex(seq * 2654435761, 12)}`;
}

type Project = { card: ProjectCard; scenes: SceneView[]; render: RenderView | null };

export class FakeBackend {
  #library: LibraryRow[] = [
    { id: 'kokoro-af_heart', kind: 'voice', engine: 'kokoro', name: 'Heart', language: 'en', accent: 'American English', gender: 'female', quality: 'A', license: 'Apache-2.0', commercial: true, license_note: null, installed: false, download_bytes: 118_000_000, size_bytes: 92_900_000 },
    { id: 'piper-en_US-joe-medium', kind: 'voice', engine: 'piper', name: 'Joe', language: 'en', accent: 'American English', gender: 'male', quality: 'medium', license: 'CC0 recordings; fine-tuned from the lessac voice', commercial: false, license_note: 'Joe is not cleared for commercial use (lessac): fine to try, not for videos you sell or monetize.', installed: false, download_bytes: 145_000_000, size_bytes: 63_000_000 },
    { id: 'kokoro-ff_siwis', kind: 'voice', engine: 'kokoro', name: 'Siwis', language: 'fr', accent: 'French', gender: 'female', quality: 'B-', license: 'Apache-2.0', commercial: true, license_note: null, installed: false, download_bytes: 118_000_000, size_bytes: 522_240 },
  ];
  projects = new Map<string, Project>();
  jobs = new Map<string, JobView>();
  queue: Record<Lane, string[]> = { generate: [], upload: [], render: [], narrate: [] };
  running: Record<Lane, string[]> = { generate: [], upload: [], render: [], narrate: [] };
  paused = false;
  offline = false;
  settings: Settings;
  providers: ProviderView[];
  /** Jobs that ended, newest first (the Activity history). */
  recent: JobView[] = [];
  notices: string[] = [];
  /** Outcomes to use for the next scenes that finish, in order (then: by marker, or done). */
  planned: Outcome[] = [];
  calls: Call[] = [];
  uploadedBytes = 0;
  uploads = 0;
  sceneTimes: number[] = [];
  #emit: Emit;
  #timer: ReturnType<typeof setInterval> | null = null;
  /** Commands that answer with an error until cleared: cmd → error. */
  failing = new Map<string, { code: string; message: string }>();

  constructor(emit: Emit) {
    this.#emit = emit;
    this.settings = {
      chain: ['openai', 'automatic1111'],
      providers: [
        { name: 'openai', label: 'OpenAI', enabled: true, model: 'gpt-image-1', base_url: 'https://api.openai.com/v1', needs_key: true, key_set: true, key_env: null },
        { name: 'fal', label: 'fal.ai', enabled: false, model: 'fal-ai/flux/schnell', base_url: 'https://queue.fal.run', needs_key: true, key_set: false, key_env: null },
        { name: 'stability', label: 'Stability AI', enabled: false, model: 'core', base_url: 'https://api.stability.ai', needs_key: true, key_set: false, key_env: null },
        { name: 'automatic1111', label: 'Automatic1111', enabled: true, model: 'sd_xl_base_1.0', base_url: 'http://127.0.0.1:7860', needs_key: false, key_set: false, key_env: null },
        { name: 'comfyui', label: 'ComfyUI', enabled: false, model: 'sd_xl_base_1.0.safetensors', base_url: 'http://127.0.0.1:8188', needs_key: false, key_set: false, key_env: null },
      ],
      storage: { target: '', endpoint: '', region: '', create_bucket: false, public_url_base: '', access_key_set: false, secret_key_set: false, access_key_env: null, secret_key_env: null },
      concurrency: { generate: 3, upload: 4, render: 1, narrate: 2 },
      font: "",
      data_dir: DATA,
      theme: 'system',
      config_file: '/home/creator/.config/storyreel/config.toml',
      narration: { enabled: true, first_voice: 'espeak-ng', language: 'auto' },
      captions: { enabled: true, size: 1, color: '#ffffff', highlight: '#ffd84d', position: 'bottom' },
      writer: { endpoints: 'local', model: '', key_set: false, key_env: null },
    };
    this.providers = [];
    this.#refreshProviders();
  }

  // ---- helpers -------------------------------------------------------------------------------

  emit(ev: EngineEvent) {
    this.#emit(structuredClone(ev));
  }

  get syncEnabled(): boolean {
    return this.settings.storage.target.trim() !== '';
  }

  #providerView(name: string, prev?: ProviderView): ProviderView {
    const s = this.settings.providers.find((p) => p.name === name);
    return {
      name,
      label: s?.label ?? name,
      in_chain: this.settings.chain.includes(name),
      enabled: !!s?.enabled && (!s.needs_key || s.key_set),
      key: s?.needs_key ? (s.key_set ? 'present' : 'missing') : 'not needed',
      breaker: prev?.breaker ?? 'closed',
      calls: prev?.calls ?? 0,
      failures: prev?.failures ?? 0,
      avg_ms: prev?.avg_ms ?? null,
      last_error: prev?.last_error ?? null,
      model: s?.model ?? null,
      base_url: s?.base_url ?? null,
    };
  }

  #firstProvider(): string {
    return this.settings.chain.find((n) => this.settings.providers.find((p) => p.name === n && p.enabled)) ?? 'titlecard';
  }

  #project(id: unknown): Project {
    const p = typeof id === 'string' ? this.projects.get(id) : undefined;
    if (!p) throw fail('not_found', 'There is no such story.');
    return p;
  }

  #scene(projectId: unknown, index: unknown): [Project, SceneView] {
    const p = this.#project(projectId);
    const s = p.scenes.find((x) => x.index === index);
    if (!s) throw fail('not_found', `The story has no scene ${String(index)}.`);
    return [p, s];
  }

  #replaceScene(p: Project, next: SceneView) {
    next.updated_at = Math.max(Date.now(), next.updated_at + 1);
    p.scenes = p.scenes.map((s) => (s.index === next.index ? next : s));
    this.emit({ type: 'scene', scene: next });
  }

  #refreshCard(p: Project, emit = true) {
    const sc = p.scenes;
    const done = sc.filter((s) => s.status === 'succeeded').length;
    const failed = sc.filter((s) => s.status === 'failed').length;
    const placeholders = sc.filter((s) => s.status === 'succeeded' && s.placeholder).length;
    const active = sc.some((s) => s.status === 'running');
    const waiting = sc.some((s) => s.status === 'queued');
    const status =
      sc.length && done === sc.length
        ? 'done'
        : p.card.paused
          ? 'paused'
          : active
            ? 'running'
            : waiting
              ? 'queued'
              : failed
                ? 'failed'
                : sc.some((s) => s.status === 'cancelled')
                  ? 'cancelled'
                  : 'queued';
    const cover = sc.find((s) => s.thumbnail)?.thumbnail ?? null;
    const video = p.card.video ? { ...p.card.video } : null;
    p.card = {
      ...p.card,
      status,
      total: sc.length,
      done,
      failed,
      placeholders,
      synced: sc.filter((s) => s.sync?.state === 'synced').length,
      sync_enabled: this.syncEnabled,
      cover,
      video,
      updated_at: Math.max(Date.now(), p.card.updated_at + 1),
    };
    if (emit) this.emit({ type: 'project', card: p.card });
  }

  #newJob(lane: Lane, kind: JobView['kind'], p: Project, sceneIndex: number | null): JobView {
    const job: JobView = {
      id: uuid(),
      kind,
      lane,
      project_id: p.card.id,
      project_title: p.card.title,
      scene_index: sceneIndex,
      status: 'queued',
      finished_at: null,
      phase: null,
      attempt: 1,
      started_at: null,
      position: null,
      not_before: null,
      error: null,
    };
    this.jobs.set(job.id, job);
    this.queue[lane].push(job.id);
    return job;
  }

  #setJob(job: JobView, patch: Partial<JobView>) {
    const next = { ...job, ...patch };
    if (next.status !== 'queued' && next.status !== 'running') {
      next.finished_at = Date.now();
      this.recent = [next, ...this.recent.filter((j) => j.id !== next.id)].slice(0, 40);
    }
    this.jobs.set(job.id, next);
    if (next.status !== 'queued') this.queue[job.lane] = this.queue[job.lane].filter((id) => id !== job.id);
    if (next.status === 'running') {
      if (!this.running[job.lane].includes(job.id)) this.running[job.lane].push(job.id);
    } else this.running[job.lane] = this.running[job.lane].filter((id) => id !== job.id);
    if (next.status !== 'queued' && next.status !== 'running') this.jobs.delete(job.id);
    this.emit({ type: 'job', job: { ...next, position: this.#place(next) } });
    return next;
  }

  #place(job: JobView): number | null {
    const i = this.queue[job.lane].indexOf(job.id);
    return i < 0 ? null : i + 1;
  }

  #emitQueue(lane: Lane) {
    this.emit({ type: 'queue', lane, order: [...this.queue[lane]], running: [...this.running[lane]] });
  }

  #queueScene(p: Project, s: SceneView, attempt = 1): SceneView {
    const job = this.#newJob('generate', 'generate_scene', p, s.index);
    if (attempt > 1) this.jobs.set(job.id, { ...job, attempt });
    const next: SceneView = {
      ...s,
      status: 'queued',
      phase: null,
      percent: null,
      error: null,
      job_id: job.id,
      queue_position: this.queue.generate.length,
    };
    this.emit({ type: 'job', job: this.jobs.get(job.id) as JobView });
    return next;
  }

  // ---- state for tests -------------------------------------------------------------------

  /** Adds a project directly (fixtures). */
  addProject(input: {
    title: string;
    aspect?: Aspect;
    style?: string;
    texts: string[];
    outcomes?: (Outcome | 'queued' | 'running')[];
    video?: boolean;
    ageMin?: number;
  }): string {
    const id = uuid();
    const created = Date.now() - (input.ageMin ?? 0) * 60_000;
    const p: Project = {
      card: {
        id,
        title: input.title,
        status: 'queued',
        aspect: input.aspect ?? '9:16',
        style: input.style ?? 'cinematic',
        paused: false,
        total: 0,
        done: 0,
        failed: 0,
        placeholders: 0,
        synced: 0,
        sync_enabled: this.syncEnabled,
        cover: null,
        video: null,
        voice: { language: 'en', language_chosen: false },
        created_at: created,
        updated_at: created,
        undo: null,
      },
      scenes: [],
      render: null,
    };
    this.projects.set(id, p);
    p.scenes = input.texts.map((text, i) => this.#blankScene(p, i + 1, text, created));
    input.outcomes?.forEach((o, i) => {
      const s = p.scenes[i];
      if (!s) return;
      if (o === 'queued') p.scenes[i] = { ...this.#queueScene(p, s), updated_at: created };
      else if (o === 'running') {
        const q = this.#queueScene(p, s);
        const job = this.jobs.get(q.job_id) as JobView;
        this.queue.generate = this.queue.generate.filter((x) => x !== job.id);
        this.running.generate.push(job.id);
        this.jobs.set(job.id, { ...job, status: 'running', phase: 'calling openai', started_at: Date.now() - 12_000 });
        p.scenes[i] = { ...q, status: 'running', phase: 'calling openai', percent: 40, queue_position: null };
      } else p.scenes[i] = this.#finished(p, s, o, created);
    });
    if (input.video) {
      const [width, height] = videoSize(p.card.aspect);
      p.card.video = {
        path: `${DATA}/projects/${id}/video.mp4`,
        duration_s: p.scenes.length * 4.5,
        width,
        height,
        bytes: 14_800_000,
        up_to_date: true,
        created_at: created,
        url: this.syncEnabled ? `https://cdn.example.com/${id}/video.mp4` : null,
        scene_starts: p.scenes.map((_, i) => i * 4.5),
        srt: `${DATA}/projects/${id}/video.srt`,
        vtt: `${DATA}/projects/${id}/video.vtt`,
      };
      registerVideo(p.card.video.path, p.card.aspect);
    }
    this.#refreshCard(p, false);
    p.card.updated_at = created;
    return id;
  }

  #blankScene(p: Project, index: number, text: string, at: number): SceneView {
    return {
      project_id: p.card.id,
      index,
      title: null,
      text,
      prompt: '',
      status: 'queued',
      phase: null,
      percent: null,
      queue_position: null,
      provider: null,
      placeholder: false,
      image: null,
      thumbnail: null,
      attempts: 0,
      error: null,
      sync: null,
      job_id: uuid(),
      updated_at: at,
      narration: null,
      media: null,
      notes: [],
      choice: {},
    };
  }

  #outcomeFor(s: SceneView): Outcome {
    const next = this.planned.shift();
    if (next) return next;
    if (/\[fail\]/i.test(s.text)) return 'fail';
    if (this.offline || this.#firstProvider() === 'titlecard' || /\[placeholder\]/i.test(s.text)) return 'placeholder';
    return 'done';
  }

  #finished(p: Project, s: SceneView, outcome: Outcome, at = Date.now()): SceneView {
    const base = `${DATA}/projects/${p.card.id}/scene-${String(s.index).padStart(3, '0')}`;
    if (outcome === 'fail') {
      return {
        ...s,
        status: 'failed',
        phase: null,
        percent: null,
        queue_position: null,
        attempts: s.attempts + 1,
        error: { code: 'provider', message: 'openai refused the prompt as unsafe' },
        updated_at: at,
      };
    }
    const placeholder = outcome === 'placeholder';
    const image = `${base}${placeholder ? '.titlecard' : ''}.jpg`;
    const thumbnail = `${base}${placeholder ? '.titlecard' : ''}.thumb.jpg`;
    const img = { seed: s.index * 97 + p.card.id.length * 13 + p.card.title.length * 7, placeholder, caption: s.title ?? s.text, aspect: p.card.aspect };
    registerImage(image, img);
    registerImage(thumbnail, img);
    return {
      ...s,
      status: 'succeeded',
      phase: null,
      percent: null,
      queue_position: null,
      provider: placeholder ? 'titlecard' : this.#firstProvider(),
      placeholder,
      image,
      thumbnail,
      attempts: s.attempts + 1,
      error: null,
      prompt: s.prompt || `${s.text.slice(0, 80)}, ${p.card.style} style`,
      sync: this.syncEnabled
        ? { state: this.offline ? 'waiting' : 'synced', url: this.offline ? null : `https://cdn.example.com/${p.card.id}/scene-${s.index}.jpg`, attempts: 1, error: null, next_try: null }
        : null,
      updated_at: at,
    };
  }

  // ---- moving work along ------------------------------------------------------------------

  /** One step of work: finish a running scene, or start the next queued one. False when idle. */
  tick(): boolean {
    if (this.#tickRender()) return true;
    if (this.paused) return false;
    const runningId = this.running.generate[0];
    if (runningId) {
      const job = this.jobs.get(runningId);
      const p = job && this.projects.get(job.project_id);
      const s = p?.scenes.find((x) => x.job_id === runningId);
      if (!job || !p || !s) {
        this.running.generate = this.running.generate.filter((x) => x !== runningId);
        return true;
      }
      if ((s.percent ?? 0) < 60) {
        this.#replaceScene(p, { ...s, phase: 'downloading', percent: 60 });
        this.#setJob(job, { phase: 'downloading' });
        return true;
      }
      const outcome = this.#outcomeFor(s);
      const done = this.#finished(p, s, outcome);
      this.#setJob(job, { status: outcome === 'fail' ? 'failed' : 'succeeded', error: done.error });
      this.#replaceScene(p, done);
      this.sceneTimes.push(4200 + (s.index % 5) * 600);
      this.#countCall(outcome);
      this.#refreshCard(p);
      this.#emitQueue('generate');
      return true;
    }
    const nextId = this.queue.generate.find((id) => {
      const j = this.jobs.get(id);
      return j && !this.projects.get(j.project_id)?.card.paused;
    });
    if (!nextId) return false;
    const job = this.jobs.get(nextId) as JobView;
    const p = this.projects.get(job.project_id) as Project;
    const s = p.scenes.find((x) => x.job_id === nextId);
    this.#setJob(job, { status: 'running', phase: this.offline ? 'drawing a title card' : 'calling openai', started_at: Date.now() });
    if (s) this.#replaceScene(p, { ...s, status: 'running', phase: this.offline ? 'drawing a title card' : 'calling openai', percent: 0, queue_position: null });
    this.#refreshCard(p);
    this.#emitQueue('generate');
    return true;
  }

  #countCall(outcome: Outcome) {
    const name = outcome === 'placeholder' ? 'titlecard' : this.#firstProvider();
    const i = this.providers.findIndex((p) => p.name === name);
    if (i < 0) return;
    const prev = this.providers[i] as ProviderView;
    const calls = prev.calls + 1;
    const next: ProviderView = {
      ...prev,
      calls,
      failures: prev.failures + (outcome === 'fail' ? 1 : 0),
      avg_ms: Math.round(((prev.avg_ms ?? 0) * prev.calls + 3800) / calls),
      last_error: outcome === 'fail' ? { code: 'provider', message: 'openai refused the prompt as unsafe' } : prev.last_error,
    };
    this.providers[i] = next;
    this.emit({ type: 'provider', provider: next });
  }

  #tickRender(): boolean {
    const id = this.running.render[0] ?? this.queue.render[0];
    if (!id) return false;
    const job = this.jobs.get(id);
    const p = job && this.projects.get(job.project_id);
    if (!job || !p || !p.render) {
      this.queue.render = this.queue.render.filter((x) => x !== id);
      this.running.render = this.running.render.filter((x) => x !== id);
      return true;
    }
    if (job.status === 'queued') {
      this.#setJob(job, { status: 'running', phase: 'encoding', started_at: Date.now() });
      p.render = { ...p.render, status: 'running' };
      this.#emitQueue('render');
      return true;
    }
    const total = p.render.frames_total;
    const done = Math.min(total, p.render.frames_done + Math.ceil(total / 4));
    p.render = { ...p.render, frames_done: done };
    this.emit({ type: 'render', project_id: p.card.id, job_id: job.id, frames_done: done, frames_total: total });
    if (done >= total) {
      p.render = { ...p.render, status: 'succeeded' };
      this.#setJob(job, { status: 'succeeded' });
      const [width, height] = videoSize(p.card.aspect);
      p.card.video = {
        path: `${DATA}/projects/${p.card.id}/video.mp4`,
        duration_s: p.scenes.length * 4.5,
        width,
        height,
        bytes: 1_900_000 * p.scenes.length,
        up_to_date: true,
        created_at: Date.now(),
        url: this.syncEnabled ? `https://cdn.example.com/${p.card.id}/video.mp4` : null,
        scene_starts: p.scenes.map((_, i) => i * 4.5),
        srt: `${DATA}/projects/${p.card.id}/video.srt`,
        vtt: `${DATA}/projects/${p.card.id}/video.vtt`,
      };
      registerVideo(p.card.video.path, p.card.aspect);
      this.#refreshCard(p);
      this.#emitQueue('render');
    }
    return true;
  }

  /** Works until nothing is left to do (at most `limit` steps). */
  runAll(limit = 10_000): number {
    let n = 0;
    while (n < limit && this.tick()) n++;
    return n;
  }

  auto(ms: number | null) {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = ms ? setInterval(() => this.tick(), ms) : null;
  }

  setOffline(offline: boolean) {
    this.offline = offline;
    this.emit({
      type: 'connectivity',
      connectivity: { offline, message: offline ? 'offline — scenes use title cards, uploads wait' : null },
    });
    if (this.syncEnabled) this.emit({ type: 'sync', health: this.#health() });
  }

  #health(): SyncHealth {
    if (!this.syncEnabled) return { state: 'local' };
    if (this.offline) {
      const now = Date.now();
      return { state: 'waiting', since: now - 180_000, next_probe: now + 95_000, failures: 3, reason: { code: 'network', message: 'The storage cannot be reached: no network.' } };
    }
    return { state: 'ok' };
  }

  // ---- views -----------------------------------------------------------------------------

  activity(): Activity {
    const lanes = (['generate', 'narrate', 'upload', 'render'] as Lane[]).map((lane) => ({
      lane,
      concurrency: this.settings.concurrency[lane],
      running: this.running[lane].map((id) => this.jobs.get(id)).filter((j): j is JobView => !!j),
      queued: this.queue[lane]
        .slice(0, 200)
        .map((id, i): JobView | null => {
          const j = this.jobs.get(id);
          return j ? { ...j, position: i + 1 } : null;
        })
        .filter((j): j is JobView => !!j),
      queued_total: this.queue[lane].length,
      in_use: lane !== 'upload' || this.syncEnabled,
    }));
    return { paused: this.paused, lanes, recent: this.recent.map((j) => ({ ...j, position: null })) };
  }

  syncView(): SyncView {
    const items: SyncItem[] = [];
    const counts = { local: 0, pending: 0, uploading: 0, synced: 0, waiting: 0, failed: 0 };
    for (const p of this.projects.values()) {
      for (const s of p.scenes) {
        if (!s.sync) continue;
        counts[s.sync.state]++;
        items.push({
          project_id: p.card.id,
          project: p.card.title,
          scene: s.index,
          state: s.sync.state,
          url: s.sync.url,
          attempts: s.sync.attempts,
          error: s.sync.state === 'waiting' ? { code: 'network', message: 'No network.' } : s.sync.error,
          next_try: s.sync.state === 'waiting' ? Date.now() + 95_000 : s.sync.next_try,
          key: `projects/${p.card.id}/scene-${String(s.index).padStart(3, '0')}.jpg`,
        });
      }
    }
    return {
      target: this.syncEnabled ? this.settings.storage.target : null,
      health: this.#health(),
      counts,
      items,
      uploaded_bytes: this.uploadedBytes + counts.synced * 1_850_000,
      uploads: this.uploads + counts.synced,
    };
  }

  stats(): Stats {
    const all = [...this.projects.values()].flatMap((p) => p.scenes);
    const done = all.filter((s) => s.status === 'succeeded');
    const placeholders = done.filter((s) => s.placeholder).length;
    const failed = all.filter((s) => s.status === 'failed').length;
    const first = this.#firstProvider();
    const fallback = done.filter((s) => s.provider !== first).length;
    const finished = done.length + failed;
    const times = this.sceneTimes;
    return {
      scenes_total: all.length,
      scenes_done: done.length,
      scenes_failed: failed,
      success_rate: finished ? done.length / finished : 0,
      placeholders,
      placeholder_rate: done.length ? placeholders / done.length : 0,
      fallback_rate: done.length ? fallback / done.length : 0,
      avg_scene_ms: times.length ? times.reduce((a, b) => a + b, 0) / times.length : done.length ? 5200 : null,
      providers: this.providers,
      synced_bytes: this.syncView().uploaded_bytes,
      uploads: this.syncView().uploads,
    };
  }

  snapshot(): Snapshot {
    return {
      projects: [...this.projects.values()].map((p) => p.card),
      activity: this.activity(),
      sync: this.syncView(),
      providers: this.providers,
      connectivity: { offline: this.offline, message: this.offline ? 'offline — scenes use title cards, uploads wait' : null },
      styles: STYLES,
      notices: this.notices,
    };
  }

  // ---- the commands ------------------------------------------------------------------------

  handle(cmd: string, args: Record<string, unknown> | undefined): unknown {
    this.calls.push({ cmd, args: args ? structuredClone(args) : undefined, at: Date.now() });
    const forced = this.failing.get(cmd);
    if (forced) throw forced;
    const a = args ?? {};
    switch (cmd) {
      case 'app_info':
        return { name: 'StoryReel', version: '0.1.0', engine_version: '0.1.0', data_dir: this.settings.data_dir, media_base: null };
      case 'snapshot':
        return this.snapshot();
      case 'list_projects':
        return [...this.projects.values()].map((p) => p.card);
      case 'edit_scenes':
        return this.#editScenes(this.#project(a.projectId), a.scenes as SceneEdit[]);
      case 'get_cast': {
        // A story typed here has no cast: the engine's answer for one without.
        const p = this.#project(a.id);
        return { project_id: p.card.id, title: p.card.title, characters: [], look: {}, look_picture: null, seed: 1234, seed_drawn: true, cast: {} };
      }
      case 'set_project_look': {
        const p = this.#project(a.id);
        const style = typeof a.style === 'string' ? a.style : p.card.style;
        const aspect = (a.aspect as ProjectCard['aspect'] | null) ?? p.card.aspect;
        p.card = { ...p.card, style, aspect };
        const edits = p.scenes.map((s) => ({ from: s.index, title: s.title, text: s.text, prompt: null }));
        return this.#editScenes(p, edits, true);
      }
      case 'get_project': {
        const p = this.#project(a.id);
        return { card: p.card, scenes: p.scenes, render: p.render };
      }
      case 'preview_story':
        if (typeof a.text !== 'string') throw fail('input', 'The story text is missing.');
        if (typeof a.name !== 'string') throw fail('input', 'invalid args `name` for command `preview_story`');
        return previewStory(a.text, a.name.trim() || null);
      case 'open_story_file':
        return null;
      case 'create_project':
        return this.#create(a.project as NewProject);
      case 'rename_project': {
        const p = this.#project(a.id);
        const title = String(a.title ?? '').trim();
        if (!title) throw fail('input', 'A story needs a title.');
        p.card = { ...p.card, title };
        this.#refreshCard(p);
        return p.card;
      }
      case 'delete_project': {
        const p = this.#project(a.id);
        for (const lane of ['generate', 'upload', 'render'] as Lane[]) {
          const ids = [...this.queue[lane], ...this.running[lane]].filter((id) => this.jobs.get(id)?.project_id === p.card.id);
          for (const id of ids) this.jobs.delete(id);
          this.queue[lane] = this.queue[lane].filter((id) => !ids.includes(id));
          this.running[lane] = this.running[lane].filter((id) => !ids.includes(id));
          if (ids.length) this.#emitQueue(lane);
        }
        this.projects.delete(p.card.id);
        return null;
      }
      case 'set_project_paused': {
        const p = this.#project(a.id);
        p.card = { ...p.card, paused: !!a.paused };
        this.#refreshCard(p);
        return p.card;
      }
      case 'retry_failed': {
        const p = this.#project(a.id);
        let n = 0;
        for (const s of p.scenes) if (s.status === 'failed') (this.#replaceScene(p, this.#queueScene(p, s, s.attempts + 1)), n++);
        this.#refreshCard(p);
        this.#emitQueue('generate');
        return n;
      }
      case 'regenerate_placeholders': {
        const p = this.#project(a.id);
        let n = 0;
        for (const s of p.scenes) if (s.status === 'succeeded' && s.placeholder) (this.#replaceScene(p, this.#queueScene(p, s)), n++);
        this.#refreshCard(p);
        this.#emitQueue('generate');
        return n;
      }
      case 'reveal_project':
        this.#project(a.id);
        return null;
      case 'open_video':
      case 'show_video': {
        const p = this.#project(a.id);
        if (!p.card.video) throw fail('not_found', 'This story has no video yet. Render it first.');
        return null;
      }
      case 'save_video_as': {
        const p = this.#project(a.id);
        if (!p.card.video) throw fail('not_found', 'This story has no video yet. Render it first.');
        return `/home/me/Videos/${p.card.title}.mp4`;
      }
      case 'render_video': {
        const p = this.#project(a.id);
        if (p.render && (p.render.status === 'queued' || p.render.status === 'running')) throw fail('busy', 'This video is already being rendered.');
        const job = this.#newJob('render', 'render_video', p, null);
        p.render = { job_id: job.id, status: 'queued', frames_done: 0, frames_total: p.scenes.length * 135, error: null };
        this.emit({ type: 'job', job });
        this.#emitQueue('render');
        return p.render;
      }
      case 'update_scene_prompt': {
        const [p, s] = this.#scene(a.projectId, a.index);
        const next = { ...s, prompt: String(a.prompt ?? '') };
        this.#replaceScene(p, next);
        return next;
      }
      case 'regenerate_scene':
      case 'retry_scene': {
        const [p, s] = this.#scene(a.projectId, a.index);
        if (s.status === 'queued' || s.status === 'running') throw fail('busy', `Scene ${s.index} is already being made.`);
        if (cmd === 'retry_scene' && s.status !== 'failed') throw fail('input', `Scene ${s.index} did not fail.`);
        const next = this.#queueScene(p, s, s.attempts + 1);
        this.#replaceScene(p, next);
        this.#refreshCard(p);
        this.#emitQueue('generate');
        return p.scenes.find((x) => x.index === s.index);
      }
      case 'revoice_scene': {
        const [p, s] = this.#scene(a.projectId, a.index);
        if (!s.narration) throw fail('input', `'${p.card.title}' is made without a voice; choose a voice for it first.`);
        const next: SceneView = { ...s, narration: { ...s.narration, status: 'queued', fallback: false, fallback_reasons: [], passed_reasons: [] } };
        this.#replaceScene(p, next);
        return next;
      }
      case 'voices':
        return {
          voices: [
            { name: 'elevenlabs', label: 'ElevenLabs', in_chain: false, usable: false, note: 'needs an API key (ELEVENLABS_API_KEY)' },
            { name: 'espeak-ng', label: 'espeak-ng', in_chain: true, usable: true, note: null },
            { name: 'silence', label: 'Silence', in_chain: true, usable: true, note: null },
          ],
          languages: [
            { code: 'en', name: 'English' },
            { code: 'fr', name: 'French' },
          ],
        };
      case 'voice_sample':
        return { path: '/fake/sample.wav', provider: 'espeak-ng', voice: a.language === 'fr' ? 'fr-fr' : 'en-us', note: null };
      case 'voice_library':
        return structuredClone(this.#library);
      case 'install_voice': {
        const row = this.#library.find((r) => r.id === a.id);
        if (!row) throw fail('input', `There is no voice \`${String(a.id)}\` in the catalogue; list the voices to see their names.`);
        const total = row.download_bytes;
        return (async () => {
          for (const done of [0, Math.floor(total / 2), total]) {
            this.emit({ type: 'voice_install', progress: { id: row.id, step: row.name, done_bytes: done, total_bytes: total } });
            await new Promise((r) => setTimeout(r, 150));
          }
          row.installed = true;
          row.download_bytes = 0;
          return [row.id];
        })();
      }
      case 'write_story': {
        // A story written in three drafts, as a model server streams it.
        const idea = (a.idea ?? {}) as { idea?: string; scenes?: number | null };
        if (!String(idea.idea ?? '').trim()) throw fail('input', 'The idea is empty: say in a few words what the story is about.');
        const n = Math.max(1, Math.min(60, Number(idea.scenes ?? 3) || 3));
        const scene = (i: number) => `## Part ${i}\n\n> Picture: a lighthouse at night, view ${i}\n\nThe keeper climbs the stairs for the ${i}th time.\n`;
        const whole = `---\ntitle: ${String(idea.idea)}\n---\n\n` + Array.from({ length: n }, (_, i) => scene(i + 1)).join('\n');
        return (async () => {
          this.emit({ type: 'writing', event: { kind: 'asking', endpoint: '127.0.0.1', model: 'fake' } });
          for (let k = 1; k <= n; k++) {
            const md = `---\ntitle: ${String(idea.idea)}\n---\n\n` + Array.from({ length: k }, (_, i) => scene(i + 1)).join('\n');
            this.emit({ type: 'writing', event: { kind: 'draft', markdown: md, scenes: k } });
            await new Promise((r) => setTimeout(r, 60));
          }
          return { story: { title: String(idea.idea), look: '', cast: [], scenes: [] }, markdown: whole, endpoint: '127.0.0.1', model: 'fake' };
        })();
      }
      case 'stop_writing':
        return null;
      case 'batch_status':
        return null;
      case 'batch_from_folder':
        return null;
      case 'batch_from_drop': {
        const stories = Array.isArray(a.stories) ? (a.stories as { name: string; text: string }[]) : [];
        const rows = stories.map((s) => {
          const broken = s.name.endsWith('.json') && !s.text.trim().endsWith(']');
          return {
            story: s.name,
            title: broken ? null : s.name,
            project: null,
            scenes: broken ? 0 : 2,
            voice: broken ? '' : 'espeak-ng',
            video: broken ? null : `/fake/${s.name}.mp4`,
            state: broken ? 'failed' : 'made',
            problem: broken ? `${s.name}, line 1: not a valid JSON script.` : null,
          };
        });
        const view = { id: 'batch-1', rows, done: rows.length, total: rows.length, finished: true, error: null };
        this.emit({ type: 'batch', batch: view });
        return view;
      }
      case 'remove_voice': {
        const row = this.#library.find((r) => r.id === a.id);
        const was = Boolean(row?.installed);
        if (row) row.installed = false;
        return was;
      }
      case 'library_sample':
        return { path: '/fake/library-sample.wav', provider: 'kokoro', voice: String(a.id), note: null };
      case 'set_project_voice': {
        const p = this.#project(a.id);
        const language = a.language === 'auto' || typeof a.language !== 'string' ? 'en' : a.language;
        p.card = {
          ...p.card,
          voice: a.enabled ? { ...(typeof a.voice === 'string' ? { voice: a.voice } : {}), language, language_chosen: a.language !== 'auto' } : null,
        };
        this.#refreshCard(p);
        return { card: p.card, scenes: p.scenes, render: p.render };
      }
      case 'set_scene_recording': {
        const h = (a.headers ?? {}) as Record<string, string>;
        const [p, s] = this.#scene(h['x-project-id'], Number(h['x-scene']));
        const body = a.body as Uint8Array | undefined;
        if (!body || body.length < 16) throw fail('input', `${decodeURIComponent(h['x-file-name'] ?? '')} is not audio StoryReel can read.`);
        const next: SceneView = {
          ...s,
          narration: {
            status: 'succeeded',
            provider: 'own',
            voice: decodeURIComponent(h['x-file-name'] ?? 'recording'),
            language: 'en',
            seconds: 2.5,
            fallback: false,
            fallback_reasons: [],
            passed_reasons: [],
            error: null,
            audio: '/fake/recording.wav',
            words: [],
            estimated: true,
            attempts: 0,
          },
        };
        this.#replaceScene(p, next);
        return next;
      }
      case 'cancel_scene': {
        const [p, s] = this.#scene(a.projectId, a.index);
        const job = this.jobs.get(s.job_id);
        if (job) this.#setJob(job, { status: 'cancelled' });
        const next: SceneView = { ...s, status: 'cancelled', phase: null, percent: null, queue_position: null };
        this.#replaceScene(p, next);
        this.#refreshCard(p);
        this.#emitQueue('generate');
        return p.scenes.find((x) => x.index === s.index);
      }
      case 'activity':
        return this.activity();
      case 'set_global_paused':
        this.paused = !!a.paused;
        return this.paused;
      case 'cancel_job': {
        const job = this.jobs.get(String(a.id));
        if (!job) return false;
        this.#setJob(job, { status: 'cancelled' });
        const p = this.projects.get(job.project_id);
        const s = p?.scenes.find((x) => x.job_id === job.id);
        if (p && s) {
          this.#replaceScene(p, { ...s, status: 'cancelled', phase: null, percent: null, queue_position: null });
          this.#refreshCard(p);
        }
        this.#emitQueue(job.lane);
        return true;
      }
      case 'sync_status':
        return this.syncView();
      case 'sync_retry_all':
        return this.syncView().items.filter((i) => i.state === 'waiting' || i.state === 'failed').length;
      case 'get_settings':
        return this.settings;
      case 'save_settings':
        return this.#saveSettings(a.settings as SettingsInput);
      case 'set_theme':
        this.settings = { ...this.settings, theme: a.theme as Settings['theme'] };
        return null;
      case 'set_provider_key': {
        const name = String(a.name);
        if (name === 'write') {
          this.settings = { ...this.settings, writer: { ...this.settings.writer, key_set: typeof a.key === 'string' && a.key.length > 0 } };
          return this.settings;
        }
        const p = this.settings.providers.find((x) => x.name === name);
        if (!p) throw fail('not_found', `There is no provider “${name}”.`);
        if (a.key !== null && typeof a.key !== 'string') throw fail('input', 'The key is not text.');
        p.key_set = a.key !== null && String(a.key).length > 0;
        this.#refreshProviders();
        return this.settings;
      }
      case 'set_key_env': {
        // as the shell: a key moves to a variable (the fake's environment has FAKE_* set)
        const name = String(a.key);
        if (name === 'storage_access' || name === 'storage_secret') {
          const v = typeof a.var === 'string' ? a.var.trim() : '';
          const st = this.settings.storage;
          if (name === 'storage_access') (st.access_key_env = v || null), (st.access_key_set = v.startsWith('FAKE_'));
          else (st.secret_key_env = v || null), (st.secret_key_set = v.startsWith('FAKE_'));
          return this.settings;
        }
        const p = this.settings.providers.find((x) => x.name === name);
        if (!p) throw fail('input', `\`${name}\` is not a provider that takes a key.`);
        const v = typeof a.var === 'string' ? a.var.trim() : '';
        if (v && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) throw fail('input', `\`${v}\` is not a variable name: use letters, digits and _ only, such as OPENAI_API_KEY.`);
        p.key_env = v || null;
        p.key_set = v ? v.startsWith('FAKE_') : false;
        this.#refreshProviders();
        return this.settings;
      }
      case 'set_storage_credentials': {
        // as the shell: null keeps a key, "" removes it
        if (typeof a.accessKey === 'string') this.settings.storage.access_key_set = a.accessKey.trim().length > 0;
        if (typeof a.secretKey === 'string') this.settings.storage.secret_key_set = a.secretKey.trim().length > 0;
        setTimeout(() => this.emit({ type: 'reset' }), 30);
        return this.settings;
      }
      case 'test_provider': {
        const name = String(a.name);
        const p = this.settings.providers.find((x) => x.name === name);
        if (!p) throw fail('not_found', `There is no provider “${name}”.`);
        if (this.offline) return { ok: false, message: `${p.label} could not be reached: there is no network.` };
        if (p.needs_key && !p.key_set) return { ok: false, message: `${p.label} needs an API key.` };
        return { ok: true, message: `${p.label} answered in 420 ms.` };
      }
      case 'test_storage':
        if (!this.syncEnabled) return { ok: false, message: 'No storage target is set: images stay local.' };
        if (this.offline) return { ok: false, message: 'The storage could not be reached: there is no network.' };
        return { ok: true, message: 'Wrote and read a test object.' };
      case 'stats':
        return this.stats();
      default:
        throw fail('input', `Unknown command ${cmd}.`);
    }
  }

  /** As the engine: the scenes as listed; a title card whose words changed, a picture whose prompt changed, a new scene are made again. */
  #editScenes(p: Project, edits: SceneEdit[], all = false) {
    if (!Array.isArray(edits) || !edits.length) throw fail('input', 'A story needs at least one scene: keep one, or delete the whole story instead.');
    edits.forEach((e, i) => {
      if (!String(e?.text ?? '').trim()) throw fail('input', `Scene ${i + 1} has no text: write what it shows, or delete the scene.`);
    });
    const old = new Map(p.scenes.map((s) => [s.index, s]));
    const now = Date.now();
    p.scenes = edits.map((e, i) => {
      const index = i + 1;
      const base = e.from !== null ? old.get(e.from) : undefined;
      const text = e.text.trim();
      const title = e.title?.trim() || null;
      const prompt = e.prompt ?? (base && base.text === text ? base.prompt : `${text}, ${p.card.style}`);
      const s: SceneView = base ? { ...base, index, text, title, prompt, updated_at: now } : { ...this.#blankScene(p, index, text, now), title, prompt };
      const words = !!base && (base.text !== text || base.title !== title);
      const promptChanged = !!base && base.prompt !== prompt;
      const remake =
        all ||
        !base ||
        (base.status === 'succeeded'
          ? base.placeholder
            ? words || promptChanged
            : promptChanged
          : base.status === 'queued' || base.status === 'running'
            ? base.index !== index || words || promptChanged
            : words || promptChanged);
      return remake ? { ...this.#queueScene(p, s), updated_at: now } : s;
    });
    if (p.card.video) p.card.video = { ...p.card.video, up_to_date: false };
    this.#refreshCard(p);
    this.#emitQueue('generate');
    return { card: p.card, scenes: p.scenes, render: p.render };
  }

  #create(input: NewProject): ProjectCard {
    if (!input || !Array.isArray(input.scenes) || !input.scenes.length) throw fail('input', 'A story needs at least one scene.');
    const title = input.title?.trim() || 'Untitled story';
    const id = this.addProject({
      title,
      aspect: input.aspect,
      style: input.style ?? 'cinematic',
      texts: input.scenes.map((s) => s.text),
    });
    const p = this.projects.get(id) as Project;
    p.scenes = p.scenes.map((s, i) => {
      const d = input.scenes[i];
      const withDraft = { ...s, title: d?.title ?? null, prompt: d?.prompt ?? '' };
      return this.#queueScene(p, withDraft);
    });
    this.#refreshCard(p);
    this.#emitQueue('generate');
    return p.card;
  }

  /** The chain as a fresh install has it (title cards only, no image provider set up). */
  titleCardsOnly() {
    this.settings.chain = [];
    for (const p of this.settings.providers) p.enabled = false;
    this.#refreshProviders();
  }

  #refreshProviders() {
    this.providers = this.settings.providers.map((p) => this.#providerView(p.name, this.providers.find((x) => x.name === p.name)));
    if (!this.providers.some((p) => p.name === 'titlecard')) this.providers.push({ ...this.#providerView('titlecard'), label: 'Title card', in_chain: true, enabled: true });
  }

  #saveSettings(input: SettingsInput): Settings {
    if (!input) throw fail('input', 'The settings are missing.');
    for (const lane of ['generate', 'upload', 'render'] as const) {
      const v = input.concurrency?.[lane];
      if (!Number.isInteger(v) || v < 1) throw fail('config', `The number of ${lane} jobs at once must be at least 1.`);
    }
    this.settings = {
      ...this.settings,
      chain: [...input.chain],
      providers: this.settings.providers
        .map((p) => {
          const i = input.providers.find((x) => x.name === p.name);
          return i ? { ...p, enabled: i.enabled, model: i.model, base_url: i.base_url } : p;
        })
        .sort((a, b) => {
          const rank = (n: string) => (input.providers.findIndex((x) => x.name === n) + 1 || 99);
          return rank(a.name) - rank(b.name);
        }),
      storage: { ...this.settings.storage, ...input.storage },
      concurrency: { ...input.concurrency },
      font: input.font ?? '',
      data_dir: input.data_dir,
      theme: input.theme,
      narration: { ...input.narration },
      captions: { ...input.captions },
      writer: input.writer ? { ...this.settings.writer, ...input.writer } : this.settings.writer,
    };
    this.#refreshProviders();
    for (const p of this.projects.values()) this.#refreshCard(p, false);
    setTimeout(() => this.emit({ type: 'reset' }), 30);
    return this.settings;
  }
}
