import { describe, expect, it } from 'vitest';
import { asEdits, changed, inserted, mergedWithNext, moved, removed, split } from '../../src/lib/logic/storyEdit';

const story = asEdits([
  { index: 2, title: null, text: 'Gulls follow.' },
  { index: 1, title: 'Dawn', text: 'The ferry leaves.' },
  { index: 3, title: null, text: 'A girl counts the waves.' },
]);

describe('story edits', () => {
  it('start from the story as it is', () => {
    expect(story.map((e) => e.from)).toEqual([1, 2, 3]);
    expect(story[0]).toEqual({ from: 1, title: 'Dawn', text: 'The ferry leaves.', prompt: null });
  });
  it('change, move, insert and remove', () => {
    expect(changed(story, 1, { text: 'Gulls circle.' })[1]).toEqual({ from: 2, title: null, text: 'Gulls circle.', prompt: null });
    expect(moved(story, 0, 1).map((e) => e.from)).toEqual([2, 1, 3]);
    expect(moved(story, 0, -1)).toBe(story);
    expect(moved(story, 2, 5)).toBe(story);
    expect(inserted(story, 0, 'Fog.').map((e) => e.from)).toEqual([1, null, 2, 3]);
    expect(inserted(story, -1, 'Fog.')[0].text).toBe('Fog.');
    expect(removed(story, 1).map((e) => e.from)).toEqual([1, 3]);
  });
  it('split at the cursor and merge with the next', () => {
    const s = split(story, 2, 7);
    expect(s?.map((e) => [e.from, e.text])).toEqual([
      [1, 'The ferry leaves.'],
      [2, 'Gulls follow.'],
      [3, 'A girl'],
      [null, 'counts the waves.'],
    ]);
    expect(split(story, 2, 0)).toBeNull();
    expect(split(story, 2, 999)).toBeNull();
    expect(split(story, 9, 3)).toBeNull();
    const m = mergedWithNext(story, 0);
    expect(m?.map((e) => [e.from, e.title, e.text])).toEqual([
      [1, 'Dawn', 'The ferry leaves. Gulls follow.'],
      [3, null, 'A girl counts the waves.'],
    ]);
    expect(mergedWithNext(story, 2)).toBeNull();
  });
});
