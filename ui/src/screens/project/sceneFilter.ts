/** The filters above the scene grid. */
import type { SceneView } from '../../lib/bindings/SceneView';

export type SceneFilter = 'all' | 'working' | 'failed' | 'placeholders' | 'done';

export const FILTERS: { value: SceneFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'working', label: 'In progress' },
  { value: 'done', label: 'Done' },
  { value: 'placeholders', label: 'Title cards' },
  { value: 'failed', label: 'Failed' },
];

export function matches(scene: SceneView, filter: SceneFilter): boolean {
  switch (filter) {
    case 'working':
      return scene.status === 'queued' || scene.status === 'running';
    case 'failed':
      return scene.status === 'failed' || scene.status === 'cancelled';
    case 'placeholders':
      return scene.status === 'succeeded' && scene.placeholder;
    case 'done':
      return scene.status === 'succeeded' && !scene.placeholder;
    default:
      return true;
  }
}

export function countBy(scenes: readonly SceneView[]): Record<SceneFilter, number> {
  const c: Record<SceneFilter, number> = { all: scenes.length, working: 0, failed: 0, placeholders: 0, done: 0 };
  for (const s of scenes) for (const f of ['working', 'failed', 'placeholders', 'done'] as const) if (matches(s, f)) c[f]++;
  return c;
}
