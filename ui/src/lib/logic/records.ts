/**
 * Records as they arrive can miss optional fields (an older engine, a field renamed): these give
 * every field a safe value, so no screen trips over `undefined`. Nothing is merged: a missing
 * field becomes its empty value, never the value of the record held before.
 */
import type { Aspect } from '../bindings/Aspect';
import type { JobStatus } from '../bindings/JobStatus';
import type { JobView } from '../bindings/JobView';
import type { NarrationView } from '../bindings/NarrationView';
import type { OwnMedia } from '../bindings/OwnMedia';
import type { Lane } from '../bindings/Lane';
import type { ProjectCard } from '../bindings/ProjectCard';
import type { SceneSync } from '../bindings/SceneSync';
import type { SceneView } from '../bindings/SceneView';
import type { UserError } from '../bindings/UserError';
import type { VideoView } from '../bindings/VideoView';
import type { VoiceChoice } from '../bindings/VoiceChoice';
import type { SceneChoice } from '../bindings/SceneChoice';

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const ASPECTS: readonly string[] = ['9:16', '16:9', '1:1'];
const STATUSES: readonly string[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
const LANES: readonly string[] = ['generate', 'upload', 'render', 'narrate'];
const SYNC_STATES: readonly string[] = ['local', 'pending', 'uploading', 'synced', 'waiting', 'failed'];

export function userError(v: unknown): UserError | null {
  if (!isObj(v)) return null;
  return { code: str(v.code, 'error'), message: str(v.message) || 'Something went wrong.' };
}

function video(v: unknown): VideoView | null {
  if (!isObj(v) || typeof v.path !== 'string') return null;
  return {
    path: v.path,
    duration_s: num(v.duration_s),
    width: num(v.width),
    height: num(v.height),
    bytes: num(v.bytes),
    up_to_date: v.up_to_date !== false,
    created_at: num(v.created_at),
    url: strOrNull(v.url),
    scene_starts: Array.isArray(v.scene_starts) ? v.scene_starts.filter((t): t is number => typeof t === 'number' && Number.isFinite(t)) : [],
    srt: strOrNull(v.srt),
    vtt: strOrNull(v.vtt),
  };
}

/** The person's own picture or clip on a scene, or null (a made picture). */
export function ownMedia(v: unknown): OwnMedia | null {
  if (!isObj(v) || !isObj(v.look)) return null;
  const l = v.look;
  const c = isObj(v.clip) ? v.clip : null;
  const unit = (x: unknown, d: number) => Math.min(Math.max(num(x, d), 0), 1);
  return {
    name: str(v.name, 'your file'),
    look: {
      fit: l.fit === 'contain' ? 'contain' : 'cover',
      focus_x: unit(l.focus_x, 0.5),
      focus_y: unit(l.focus_y, 0.5),
      clip_in: Math.max(num(l.clip_in), 0),
      clip_out: numOrNull(l.clip_out),
      volume: unit(l.volume, 0),
      end: l.end === 'loop' ? 'loop' : 'hold',
    },
    clip: c
      ? {
          hash: str(c.hash),
          ext: str(c.ext),
          bytes: num(c.bytes),
          seconds: Math.max(num(c.seconds), 0),
          width: num(c.width),
          height: num(c.height),
          fps: num(c.fps, 30),
          audio: c.audio === true,
          upload: strOrNull(c.upload),
        }
      : null,
  };
}

/** A scene's narration, or null without one (a project made without a voice). */
function narration(v: unknown): NarrationView | null {
  if (!isObj(v) || typeof v.status !== 'string') return null;
  const words = Array.isArray(v.words) ? v.words : [];
  return {
    status: (STATUSES.includes(v.status) ? v.status : 'queued') as JobStatus,
    provider: strOrNull(v.provider),
    voice: strOrNull(v.voice),
    language: strOrNull(v.language),
    seconds: num(v.seconds),
    fallback: v.fallback === true,
    fallback_reasons: Array.isArray(v.fallback_reasons) ? v.fallback_reasons.map(userError).filter((e): e is UserError => !!e) : [],
    passed_reasons: Array.isArray(v.passed_reasons) ? v.passed_reasons.map(userError).filter((e): e is UserError => !!e) : [],
    error: userError(v.error),
    audio: strOrNull(v.audio),
    words: words.filter(isObj).map((w) => ({ word: str(w.word), start: num(w.start), end: num(w.end) })),
    estimated: v.estimated !== false,
    attempts: num(v.attempts),
  };
}

function sceneSync(v: unknown): SceneSync | null {
  if (!isObj(v) || typeof v.state !== 'string') return null;
  return {
    state: (SYNC_STATES.includes(v.state) ? v.state : 'pending') as SceneSync['state'],
    url: strOrNull(v.url),
    attempts: num(v.attempts),
    error: userError(v.error),
    next_try: numOrNull(v.next_try),
  };
}

function voiceChoice(v: unknown): VoiceChoice | null {
  if (!isObj(v) || typeof v.language !== 'string') return null;
  return {
    ...(typeof v.voice === 'string' ? { voice: v.voice } : {}),
    language: v.language,
    language_chosen: v.language_chosen === true,
  };
}

/** A project card with every field, or null when it has no id. */
export function toCard(v: unknown): ProjectCard | null {
  if (!isObj(v) || typeof v.id !== 'string' || !v.id) return null;
  return {
    id: v.id,
    title: str(v.title) || 'Untitled story',
    status: str(v.status, 'queued'),
    aspect: (ASPECTS.includes(str(v.aspect)) ? v.aspect : '9:16') as Aspect,
    style: str(v.style),
    paused: v.paused === true,
    total: num(v.total),
    done: num(v.done),
    failed: num(v.failed),
    placeholders: num(v.placeholders),
    synced: num(v.synced),
    sync_enabled: v.sync_enabled === true,
    cover: strOrNull(v.cover),
    video: video(v.video),
    voice: voiceChoice(v.voice),
    created_at: num(v.created_at),
    updated_at: num(v.updated_at),
    undo: strOrNull(v.undo),
  };
}

/** A scene with every field, or null without its project and index. */
export function toScene(v: unknown): SceneView | null {
  if (!isObj(v) || typeof v.project_id !== 'string' || typeof v.index !== 'number') return null;
  return {
    project_id: v.project_id,
    index: v.index,
    title: strOrNull(v.title),
    text: str(v.text),
    prompt: str(v.prompt),
    status: (STATUSES.includes(str(v.status)) ? v.status : 'queued') as JobStatus,
    phase: strOrNull(v.phase),
    percent: numOrNull(v.percent),
    queue_position: numOrNull(v.queue_position),
    provider: strOrNull(v.provider),
    placeholder: v.placeholder === true,
    image: strOrNull(v.image),
    thumbnail: strOrNull(v.thumbnail),
    attempts: num(v.attempts),
    error: userError(v.error),
    sync: sceneSync(v.sync),
    job_id: str(v.job_id),
    updated_at: num(v.updated_at),
    narration: narration(v.narration),
    media: ownMedia(v.media),
    notes: Array.isArray(v.notes) ? v.notes.filter((n): n is string => typeof n === 'string') : [],
    choice: sceneChoice(v.choice),
  };
}

/** A scene's own seed and hand links, or none. */
function sceneChoice(v: unknown): SceneChoice {
  if (!isObj(v)) return {};
  const names = (x: unknown) => (Array.isArray(x) ? x.filter((n): n is string => typeof n === 'string') : undefined);
  return {
    seed: typeof v.seed === 'number' && Number.isFinite(v.seed) ? v.seed : undefined,
    with: names(v.with),
    without: names(v.without),
  };
}

/** A job with every field, or null without an id and a known lane. */
export function toJob(v: unknown): JobView | null {
  if (!isObj(v) || typeof v.id !== 'string' || !LANES.includes(str(v.lane))) return null;
  const kind = str(v.kind);
  return {
    id: v.id,
    kind: (kind === 'upload_asset' || kind === 'render_video' ? kind : 'generate_scene') as JobView['kind'],
    lane: v.lane as Lane,
    project_id: str(v.project_id),
    project_title: str(v.project_title),
    scene_index: numOrNull(v.scene_index),
    status: (STATUSES.includes(str(v.status)) ? v.status : 'queued') as JobStatus,
    phase: strOrNull(v.phase),
    attempt: num(v.attempt, 1),
    started_at: numOrNull(v.started_at),
    position: numOrNull(v.position),
    not_before: numOrNull(v.not_before),
    finished_at: numOrNull(v.finished_at),
    error: userError(v.error),
  };
}
