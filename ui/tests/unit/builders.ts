// Whole records with defaults, for unit tests.
import type { JobView } from '../../src/lib/bindings/JobView';
import type { ProjectCard } from '../../src/lib/bindings/ProjectCard';
import type { SceneView } from '../../src/lib/bindings/SceneView';
import type { Snapshot } from '../../src/lib/bindings/Snapshot';

export function card(over: Partial<ProjectCard> = {}): ProjectCard {
  return {
    id: 'p1',
    title: 'The Lighthouse',
    status: 'queued',
    aspect: '9:16',
    style: 'cinematic',
    paused: false,
    total: 7,
    done: 0,
    failed: 0,
    placeholders: 0,
    synced: 0,
    sync_enabled: false,
    cover: null,
    video: null,
    voice: { language: 'en', language_chosen: false },
    created_at: 1000,
    updated_at: 1000,
    undo: null,
    ...over,
  };
}

export function scene(over: Partial<SceneView> = {}): SceneView {
  return {
    project_id: 'p1',
    index: 1,
    title: null,
    text: 'The keeper climbs the stairs.',
    prompt: '',
    status: 'queued',
    phase: null,
    percent: null,
    queue_position: 1,
    provider: null,
    placeholder: false,
    image: null,
    thumbnail: null,
    attempts: 0,
    error: null,
    sync: null,
    job_id: `j${over.index ?? 1}`,
    updated_at: 1000,
    narration: null,
    media: null,
    notes: [],
    choice: {},
    ...over,
  };
}

export function job(over: Partial<JobView> = {}): JobView {
  return {
    id: 'j1',
    kind: 'generate_scene',
    lane: 'generate',
    project_id: 'p1',
    project_title: 'The Lighthouse',
    scene_index: 1,
    status: 'queued',
    phase: null,
    attempt: 1,
    started_at: null,
    position: 1,
    not_before: null,
    finished_at: null,
    error: null,
    ...over,
  };
}

export function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    projects: [card()],
    activity: {
      paused: false,
      lanes: [
        { lane: 'generate', concurrency: 3, running: [], queued: [job()], queued_total: 1, in_use: true },
        { lane: 'upload', concurrency: 4, running: [], queued: [], queued_total: 0, in_use: true },
        { lane: 'render', concurrency: 1, running: [], queued: [], queued_total: 0, in_use: true },
      ],
      recent: [],
    },
    sync: {
      target: null,
      health: { state: 'local' },
      counts: { local: 0, pending: 0, uploading: 0, synced: 0, waiting: 0, failed: 0 },
      items: [],
      uploaded_bytes: 0,
      uploads: 0,
    },
    providers: [],
    connectivity: { offline: false, message: null },
    styles: ['cinematic', 'noir'],
    notices: [],
    ...over,
  };
}
