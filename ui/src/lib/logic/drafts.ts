/** Editing the scenes of a story preview before the project is created. */
import type { DraftScene } from '../bindings/DraftScene';
import { nudge } from './list';

/** A draft scene with a key that stays the same while it is edited (for keyed lists). */
export type EditDraft = DraftScene & { key: number };

let counter = 0;
/** A fresh key, unique while the app runs. */
export function nextKey(): number {
  counter += 1;
  return counter;
}

/** Gives every scene of a preview a key; missing fields get safe defaults. */
export function withKeys(scenes: readonly DraftScene[] | null | undefined): EditDraft[] {
  return (scenes ?? []).map((s) => ({
    title: typeof s?.title === 'string' ? s.title : null,
    text: typeof s?.text === 'string' ? s.text : '',
    prompt: typeof s?.prompt === 'string' ? s.prompt : null,
    duration_s: typeof s?.duration_s === 'number' ? s.duration_s : null,
    line: typeof s?.line === 'number' && s.line >= 1 ? s.line : 1,
    media: typeof s?.media === 'string' && s.media.trim() ? s.media : null,
    media_look: s?.media_look ?? null,
    key: nextKey(),
  }));
}

/** Whether a scene's link can be followed: a full path, or any path once the story's folder is known. */
export function linkUsable(media: string | null | undefined, dir: string | null): boolean {
  if (!media) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(media)) return false;
  return dir !== null || media.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(media);
}

/**
 * The scenes to send to `create_project`: keys dropped, empty prompts as null, and a link to a
 * picture or clip only where it can be followed (see `linkUsable`).
 */
export function toDraftScenes(drafts: readonly EditDraft[], dir: string | null = null): DraftScene[] {
  return drafts
    .filter((d) => d.text.trim().length > 0)
    .map((d) => {
      const usable = linkUsable(d.media, dir);
      return {
        title: d.title?.trim() ? d.title.trim() : null,
        text: d.text.trim(),
        prompt: d.prompt?.trim() ? d.prompt.trim() : null,
        duration_s: d.duration_s,
        line: d.line,
        media: usable ? (d.media ?? null) : null,
        media_look: usable ? (d.media_look ?? null) : null,
      };
    });
}

/** Replaces fields of one draft. */
export function updateDraft(drafts: readonly EditDraft[], index: number, patch: Partial<DraftScene>): EditDraft[] {
  return drafts.map((d, i) => (i === index ? { ...d, ...patch } : d));
}

function joinOptional(a: string | null, b: string | null, sep: string): string | null {
  const parts = [a, b].map((x) => x?.trim() ?? '').filter(Boolean);
  return parts.length ? parts.join(sep) : null;
}

/** Merges the scene at `index` with the next one; the last scene cannot be merged. */
export function mergeWithNext(drafts: readonly EditDraft[], index: number): EditDraft[] {
  const a = drafts[index];
  const b = drafts[index + 1];
  if (!a || !b) return drafts.slice();
  const merged: EditDraft = {
    key: a.key,
    title: a.title ?? b.title,
    text: joinOptional(a.text, b.text, '\n\n') ?? '',
    prompt: joinOptional(a.prompt, b.prompt, ' '),
    duration_s: a.duration_s !== null && b.duration_s !== null ? a.duration_s + b.duration_s : (a.duration_s ?? b.duration_s),
    line: Math.min(a.line, b.line),
    media: a.media ?? b.media ?? null,
    media_look: a.media ? (a.media_look ?? null) : (b.media_look ?? null),
  };
  return [...drafts.slice(0, index), merged, ...drafts.slice(index + 2)];
}

/**
 * Splits the scene at `index` at character `offset` of its text. The second part starts on the
 * line where its first word is, keeps no prompt or title, and the split is refused (null) when
 * either part would be empty.
 */
export function splitAt(drafts: readonly EditDraft[], index: number, offset: number): EditDraft[] | null {
  const d = drafts[index];
  if (!d) return null;
  const at = Math.max(0, Math.min(d.text.length, Math.floor(offset)));
  const head = d.text.slice(0, at).trimEnd();
  const rest = d.text.slice(at);
  const tail = rest.trimStart();
  if (!head || !tail) return null;
  const skipped = rest.length - tail.length;
  const before = d.text.slice(0, at + skipped);
  const newlines = (before.match(/\n/g) ?? []).length;
  const first: EditDraft = { ...d, text: head };
  const second: EditDraft = {
    key: nextKey(),
    title: null,
    text: tail,
    prompt: null,
    duration_s: null,
    line: d.line + newlines,
    media: null,
    media_look: null,
  };
  return [...drafts.slice(0, index), first, second, ...drafts.slice(index + 1)];
}

/** Where the first blank line of a text is (the offset to split at), or null. */
export function blankLineOffset(text: string): number | null {
  const m = /\n[ \t]*\n/.exec(text);
  if (!m) return null;
  const head = text.slice(0, m.index).trim();
  const tail = text.slice(m.index + m[0].length).trim();
  return head && tail ? m.index : null;
}

/** Splits at the cursor when it is inside the text, otherwise at the first blank line. */
export function splitAtCursorOrBlank(
  drafts: readonly EditDraft[],
  index: number,
  cursor: number | null,
): EditDraft[] | null {
  const d = drafts[index];
  if (!d) return null;
  if (cursor !== null && cursor > 0 && cursor < d.text.length) {
    const out = splitAt(drafts, index, cursor);
    if (out) return out;
  }
  const blank = blankLineOffset(d.text);
  return blank === null ? null : splitAt(drafts, index, blank);
}

/** Moves a scene one place up or down. */
export function moveDraft(drafts: readonly EditDraft[], index: number, delta: -1 | 1): EditDraft[] {
  return nudge(drafts, index, delta);
}

/** Whether a split is possible for this scene (for enabling the button). */
export function canSplit(d: DraftScene, cursor: number | null): boolean {
  if (cursor !== null && cursor > 0 && cursor < d.text.length) {
    if (d.text.slice(0, cursor).trim() && d.text.slice(cursor).trim()) return true;
  }
  return blankLineOffset(d.text) !== null;
}
