import { describe, expect, it } from 'vitest';
import {
  blankLineOffset,
  canSplit,
  mergeWithNext,
  moveDraft,
  splitAt,
  splitAtCursorOrBlank,
  toDraftScenes,
  updateDraft,
  withKeys,
} from '../../src/lib/logic/drafts';

const three = () =>
  withKeys([
    { title: 'Dusk', text: 'She climbs the stairs.', prompt: 'a lighthouse at dusk', duration_s: 3, line: 1 },
    { title: null, text: 'A boat fights the swell.', prompt: null, duration_s: 2, line: 3 },
    { title: null, text: 'The lamp is lit.', prompt: 'a great lamp', duration_s: null, line: 5 },
  ]);

describe('withKeys and toDraftScenes', () => {
  it('gives unique keys and fills missing fields', () => {
    const d = withKeys([{ text: 'x' } as never, null as never]);
    expect(d).toHaveLength(2);
    expect(d[0]).toMatchObject({ title: null, text: 'x', prompt: null, duration_s: null, line: 1 });
    expect(d[0]?.key).not.toBe(d[1]?.key);
    expect(withKeys(undefined)).toEqual([]);
  });
  it('drops keys and empty scenes, and trims', () => {
    const d = withKeys([
      { title: '  ', text: ' a ', prompt: ' ', duration_s: null, line: 2 },
      { title: null, text: '   ', prompt: null, duration_s: null, line: 4 },
    ]);
    expect(toDraftScenes(d)).toEqual([{ title: null, text: 'a', prompt: null, duration_s: null, line: 2, media: null, media_look: null }]);
  });
  it('sends a picture or clip link only where it can be followed', () => {
    const d = withKeys([
      { title: null, text: 'a', prompt: null, duration_s: null, line: 1, media: 'photos/a.jpg' },
      { title: null, text: 'b', prompt: null, duration_s: null, line: 3, media: '/home/me/b.mp4' },
      { title: null, text: 'c', prompt: null, duration_s: null, line: 5, media: 'https://example.org/c.jpg' },
    ]);
    // Pasted (no folder): the relative link cannot be followed; a full path can; a web address never.
    expect(toDraftScenes(d, null).map((s) => s.media)).toEqual([null, '/home/me/b.mp4', null]);
    expect(toDraftScenes(d, '/home/me/story').map((s) => s.media)).toEqual(['photos/a.jpg', '/home/me/b.mp4', null]);
    // Merged, the first link stays; split, the second part has none.
    const merged = mergeWithNext(d, 0);
    expect(merged[0]?.media).toBe('photos/a.jpg');
    const split = splitAt(d, 0, 0);
    expect(split).toBeNull();
  });
});

describe('mergeWithNext', () => {
  it('joins text with a blank line and prompts with a space', () => {
    const d = three();
    const m = mergeWithNext(d, 0);
    expect(m).toHaveLength(2);
    expect(m[0]).toMatchObject({
      key: d[0]?.key,
      title: 'Dusk',
      text: 'She climbs the stairs.\n\nA boat fights the swell.',
      prompt: 'a lighthouse at dusk',
      duration_s: 5,
      line: 1,
    });
    expect(m[1]).toBe(d[2]);
  });
  it('keeps one duration when the other is unknown, and refuses to merge the last scene', () => {
    const d = three();
    expect(mergeWithNext(d, 1)[1]).toMatchObject({ duration_s: 2, prompt: 'a great lamp' });
    expect(mergeWithNext(d, 2)).toEqual(d);
  });
});

describe('splitAt', () => {
  const one = () => withKeys([{ title: 'T', text: 'First part.\n\nSecond part\nstill second.', prompt: 'p', duration_s: 4, line: 10 }]);
  it('splits at an offset, the second part starting on its own line', () => {
    const d = one();
    const s = splitAt(d, 0, 'First part.'.length);
    expect(s).not.toBeNull();
    expect(s?.[0]).toMatchObject({ key: d[0]?.key, text: 'First part.', title: 'T', prompt: 'p' });
    expect(s?.[1]).toMatchObject({ text: 'Second part\nstill second.', title: null, prompt: null, duration_s: null, line: 12 });
    expect(s?.[1]?.key).not.toBe(d[0]?.key);
  });
  it('refuses a split that leaves an empty part', () => {
    expect(splitAt(one(), 0, 0)).toBeNull();
    expect(splitAt(one(), 0, 999)).toBeNull();
    expect(splitAt(one(), 3, 4)).toBeNull();
  });
  it('counts lines inside the first part', () => {
    const d = withKeys([{ title: null, text: 'a\nb\nc d', prompt: null, duration_s: null, line: 1 }]);
    expect(splitAt(d, 0, 'a\nb\nc'.length)?.[1]).toMatchObject({ text: 'd', line: 3 });
  });
});

describe('split at the cursor or a blank line', () => {
  const d = () => withKeys([{ title: null, text: 'One.\n  \nTwo.', prompt: null, duration_s: null, line: 1 }]);
  it('finds the first blank line', () => {
    expect(blankLineOffset('One.\n  \nTwo.')).toBe(4);
    expect(blankLineOffset('no blank\nline')).toBeNull();
    expect(blankLineOffset('\n\nonly after')).toBeNull();
  });
  it('uses the cursor inside the text, else the blank line', () => {
    expect(splitAtCursorOrBlank(d(), 0, 2)?.map((x) => x.text)).toEqual(['On', 'e.\n  \nTwo.']);
    expect(splitAtCursorOrBlank(d(), 0, null)?.map((x) => x.text)).toEqual(['One.', 'Two.']);
    expect(splitAtCursorOrBlank(d(), 0, 0)?.map((x) => x.line)).toEqual([1, 3]);
    const flat = withKeys([{ title: null, text: 'no blank', prompt: null, duration_s: null, line: 1 }]);
    expect(splitAtCursorOrBlank(flat, 0, null)).toBeNull();
  });
  it('knows when a split is possible', () => {
    const flat = { title: null, text: 'no blank', prompt: null, duration_s: null, line: 1 };
    expect(canSplit(flat, null)).toBe(false);
    expect(canSplit(flat, 3)).toBe(true);
    expect(canSplit(flat, 8)).toBe(false);
    expect(canSplit({ ...flat, text: 'a\n\nb' }, null)).toBe(true);
  });
});

describe('moveDraft and updateDraft', () => {
  it('moves one place and stops at the ends', () => {
    const d = three();
    expect(moveDraft(d, 2, -1).map((x) => x.line)).toEqual([1, 5, 3]);
    expect(moveDraft(d, 0, -1).map((x) => x.line)).toEqual([1, 3, 5]);
    expect(moveDraft(d, 2, 1).map((x) => x.line)).toEqual([1, 3, 5]);
  });
  it('changes one draft only', () => {
    const d = three();
    const u = updateDraft(d, 1, { prompt: 'stormy sea' });
    expect(u[1]?.prompt).toBe('stormy sea');
    expect(u[0]).toBe(d[0]);
    expect(d[1]?.prompt).toBeNull();
  });
});
