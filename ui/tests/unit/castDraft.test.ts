import { describe, expect, it } from 'vitest';
import { castFrom, choiceFrom, draftOf, namedIn, referenceTooLarge, scenesText } from '../../src/screens/project/castDraft';
import { scene } from './builders';
import type { CastView } from '../../src/lib/bindings/CastView';

const view: CastView = {
  project_id: 'p1',
  title: 'Harbour',
  characters: [
    { name: 'Mira', description: 'a tall fisherwoman', scenes: [1, 2, 4], reference: null, picture: null, reference_note: 'The picture could not be used.', voice: null },
  ],
  look: { words: 'watercolour', palette: ['#1d3557', 'sea green'], seed: 42 },
  look_picture: null,
  seed: 42,
  seed_drawn: false,
  cast: {},
};

describe('the cast draft', () => {
  it('round-trips a cast, trimming words and splitting the palette', () => {
    const d = draftOf(view);
    expect(d.look.palette).toBe('#1d3557, sea green');
    d.characters[0].name = '  Mira ';
    d.look.palette = ' #1d3557 ,, sea green ';
    const cast = castFrom(d);
    expect(cast).toEqual({
      characters: [{ name: 'Mira', description: 'a tall fisherwoman', reference: null, reference_note: 'The picture could not be used.', voice: null }],
      look: { words: 'watercolour', palette: ['#1d3557', 'sea green'], seed: 42, reference: null, reference_note: null },
    });
  });

  it('says what to fix before anything is sent', () => {
    const d = draftOf(view);
    d.characters.push({ name: 'mira', description: '', reference: null, picture: null, note: null, scenes: [], voice: '' });
    expect(castFrom(d)).toBe('mira is in the cast twice; give each character one entry.');
    d.characters[1] = { ...d.characters[1], name: '', description: 'a boy' };
    expect(castFrom(d)).toMatch(/^Character 2 has no name/);
    d.characters[1] = { ...d.characters[1], description: '' };
    expect(castFrom(d)).not.toBeTypeOf('string');
    d.look.seed = -3;
    expect(castFrom(d)).toMatch(/seed is a whole number from 0 to 4294967294/);
    d.look.seed = 1.5;
    expect(castFrom(d)).toMatch(/seed is a whole number/);
    d.look.seed = null;
    expect((castFrom(d) as { look: { seed: number | null } }).look.seed).toBeNull();
  });

  it('words lists and sizes', () => {
    expect(scenesText([1, 2, 4])).toBe('1, 2 and 4');
    expect(scenesText([3])).toBe('3');
    expect(referenceTooLarge('big.png', 50 * 1024 * 1024)).toMatch(/^big.png is 50.0 MB; a reference picture may be at most 20 MB/);
  });
});

describe('a scene and the cast', () => {
  const v: CastView = {
    ...view,
    characters: [
      { ...view.characters[0], name: 'Mira', scenes: [1, 3] },
      { ...view.characters[0], name: 'Tom', scenes: [2] },
    ],
  };
  it('tells named from linked by hand', () => {
    const s2 = scene({ index: 2, choice: { with: ['Tom'] } });
    expect(namedIn(v, s2, 'Tom')).toBe(false);
    expect(namedIn(v, scene({ index: 1 }), 'Mira')).toBe(true);
    expect(namedIn(v, scene({ index: 3, choice: { without: ['Tom'] } }), 'Tom')).toBe(true);
  });
  it('makes the choice from the boxes and the seed', () => {
    const s1 = scene({ index: 1 });
    expect(choiceFrom(v, s1, { Mira: false, Tom: true }, 7)).toEqual({ seed: 7, with: ['Tom'], without: ['Mira'] });
    expect(choiceFrom(v, s1, { Mira: true, Tom: false }, null)).toEqual({ seed: null, with: [], without: [] });
    expect(choiceFrom(v, s1, { Mira: true }, -1)).toMatch(/seed is a whole number/);
  });
});
