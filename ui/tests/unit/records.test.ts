import { describe, expect, it } from 'vitest';
import { toCard, toJob, toScene, userError } from '../../src/lib/logic/records';
import { applyEvent, emptyState, installProject } from '../../src/lib/logic/state';
import { card, scene } from './builders';

describe('records with missing fields', () => {
  it('keep a complete record as it is', () => {
    expect(toCard(card())).toEqual(card());
    expect(toScene(scene())).toEqual(scene());
  });
  it('get safe values for what is missing or of the wrong type', () => {
    expect(toCard({ id: 'p9' })).toMatchObject({
      id: 'p9',
      title: 'Untitled story',
      status: 'queued',
      aspect: '9:16',
      total: 0,
      cover: null,
      video: null,
      sync_enabled: false,
    });
    expect(toCard({ id: 'p9', aspect: '4:3', video: { duration_s: 3 } })).toMatchObject({ aspect: '9:16', video: null });
    expect(toScene({ project_id: 'p1', index: 2, status: 'exploded', sync: { state: 'synced' }, error: 'boom' })).toMatchObject({
      text: '',
      status: 'queued',
      sync: { state: 'synced', url: null, attempts: 0, error: null, next_try: null },
      error: null,
      percent: null,
    });
    expect(toJob({ id: 'j1', lane: 'upload' })).toMatchObject({ kind: 'generate_scene', attempt: 1, started_at: null });
    expect(userError({ code: 'x' })).toEqual({ code: 'x', message: 'Something went wrong.' });
  });
  it('are refused without their identity', () => {
    expect(toCard({ title: 'x' })).toBeNull();
    expect(toScene({ project_id: 'p1' })).toBeNull();
    expect(toJob({ id: 'j1', lane: 'nowhere' })).toBeNull();
    expect(toCard(null)).toBeNull();
  });
  it('replace, never merge: a field the new record lacks is empty afterwards', () => {
    let s = installProject(emptyState(), { card: card(), scenes: [scene({ image: '/a.jpg', updated_at: 1 })], render: null });
    s = applyEvent(s, { type: 'scene', scene: { project_id: 'p1', index: 1, updated_at: 2 } as never });
    expect(s.scenes.p1?.[0]?.image).toBeNull();
    s = applyEvent(s, { type: 'project', card: { id: 'p1', updated_at: 2000 } as never });
    expect(s.projects.p1?.title).toBe('Untitled story');
  });
});
