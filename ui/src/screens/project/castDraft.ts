/**
 * The Cast panel's editable copy of a story's cast, and the cast it saves: names and words
 * trimmed, the palette split at commas, the seed a whole number in range, each mistake a
 * sentence before anything is sent.
 */
import type { Cast } from '../../lib/bindings/Cast';
import type { CastView } from '../../lib/bindings/CastView';
import type { Reference } from '../../lib/bindings/Reference';
import type { SceneChoice } from '../../lib/bindings/SceneChoice';
import type { SceneView } from '../../lib/bindings/SceneView';

/** The largest reference picture taken (the engine says the same). */
export const MAX_REFERENCE_BYTES = 20 * 1024 * 1024;
const MAX_SEED = 4294967294;

export type CharacterDraft = {
  name: string;
  description: string;
  reference: Reference | null;
  /** A path on disk, or a `blob:` URL for a picture chosen now. */
  picture: string | null;
  note: string | null;
  scenes: number[];
  /** The voice of their quoted lines ('' : the narrator's). */
  voice: string;
};

export type CastDraft = {
  characters: CharacterDraft[];
  look: {
    words: string;
    /** Colours as typed, separated by commas. */
    palette: string;
    seed: number | null | undefined;
    reference: Reference | null;
    picture: string | null;
    note: string | null;
  };
};

export function draftOf(v: CastView): CastDraft {
  return {
    characters: v.characters.map((c) => ({
      name: c.name,
      description: c.description,
      reference: c.reference,
      picture: c.picture,
      note: c.reference_note,
      scenes: [...c.scenes],
      voice: c.voice ?? '',
    })),
    look: {
      words: v.look.words ?? '',
      palette: (v.look.palette ?? []).join(', '),
      seed: v.look.seed ?? null,
      reference: v.look.reference ?? null,
      picture: v.look_picture,
      note: v.look.reference_note ?? null,
    },
  };
}

/** The cast to save, or a sentence saying what to fix. */
export function castFrom(d: CastDraft): Cast | string {
  const characters = [];
  const seen = new Set<string>();
  for (const [i, c] of d.characters.entries()) {
    const name = c.name.trim();
    if (!name) {
      if (!c.description.trim() && !c.reference) continue; // an empty row added by mistake
      return `Character ${i + 1} has no name; the scenes find a character by name.`;
    }
    if (seen.has(name.toLowerCase())) return `${name} is in the cast twice; give each character one entry.`;
    seen.add(name.toLowerCase());
    characters.push({
      name,
      description: c.description.trim(),
      reference: c.reference,
      reference_note: c.reference ? null : c.note,
      voice: c.voice ? c.voice : null,
    });
  }
  const palette = d.look.palette
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  let seed: number | null = null;
  if (d.look.seed !== null && d.look.seed !== undefined && String(d.look.seed).trim() !== '') {
    const n = Number(d.look.seed);
    if (!Number.isInteger(n) || n < 0 || n > MAX_SEED) return `The seed is a whole number from 0 to ${MAX_SEED}; leave it empty for one drawn from the story.`;
    seed = n;
  }
  return {
    characters,
    look: { words: d.look.words.trim(), palette, seed, reference: d.look.reference, reference_note: d.look.reference ? null : d.look.note },
  };
}

/** "1, 2 and 4". */
export function scenesText(list: number[]): string {
  if (list.length <= 1) return list.join('');
  return `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

export function referenceTooLarge(name: string, bytes: number): string {
  return `${name} is ${(bytes / (1024 * 1024)).toFixed(1)} MB; a reference picture may be at most ${MAX_REFERENCE_BYTES / (1024 * 1024)} MB. Save a smaller copy (a photo app's Export or Resize does it) and use that.`;
}

/** Whether scene `s`'s own words name `name` (not counting its hand links). */
export function namedIn(v: CastView, s: SceneView, name: string): boolean {
  const c = v.characters.find((x) => x.name === name);
  const linked = (s.choice?.with ?? []).includes(name);
  const unlinked = (s.choice?.without ?? []).includes(name);
  const shown = !!c?.scenes.includes(s.index);
  return unlinked || (shown && !linked);
}

/** A scene's choice from the boxes ticked and its seed, or a sentence saying what to fix. */
export function choiceFrom(
  v: CastView,
  s: SceneView,
  shown: Record<string, boolean>,
  seed: number | null | undefined,
): SceneChoice | string {
  const withList: string[] = [];
  const without: string[] = [];
  for (const c of v.characters) {
    const named = namedIn(v, s, c.name);
    if (shown[c.name] && !named) withList.push(c.name);
    if (!shown[c.name] && named) without.push(c.name);
  }
  let n: number | null = null;
  if (seed !== null && seed !== undefined && String(seed).trim() !== '') {
    n = Number(seed);
    if (!Number.isInteger(n) || n < 0 || n > MAX_SEED) return `The seed is a whole number from 0 to ${MAX_SEED}; leave it empty for the story's.`;
  }
  return { seed: n, with: withList, without };
}
