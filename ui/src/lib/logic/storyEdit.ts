/**
 * Edits of a story after Generate, as lists of scenes to be: each entry continues a scene
 * (`from`) or is new. Pure functions; the engine decides what gets a new picture.
 */
import type { SceneEdit } from '../bindings/SceneEdit';
import type { SceneView } from '../bindings/SceneView';

/** The story as it is: every scene continues itself, prompts left to the engine. */
export function asEdits(scenes: Pick<SceneView, 'index' | 'title' | 'text'>[]): SceneEdit[] {
  return [...scenes]
    .sort((a, b) => a.index - b.index)
    .map((s) => ({ from: s.index, title: s.title ?? null, text: s.text, prompt: null }));
}

/** `list` with entry `i` (0-based) changed. */
export function changed(list: SceneEdit[], i: number, patch: Partial<SceneEdit>): SceneEdit[] {
  return list.map((e, k) => (k === i ? { ...e, ...patch } : e));
}

/** `list` with entry `i` moved by `delta` places (kept inside the list). */
export function moved(list: SceneEdit[], i: number, delta: number): SceneEdit[] {
  const j = Math.max(0, Math.min(list.length - 1, i + delta));
  if (i < 0 || i >= list.length || j === i) return list;
  const next = [...list];
  const [e] = next.splice(i, 1);
  next.splice(j, 0, e);
  return next;
}

/** `list` with a new scene of `text` after entry `i` (-1: first). */
export function inserted(list: SceneEdit[], i: number, text: string): SceneEdit[] {
  const next = [...list];
  next.splice(Math.max(0, Math.min(list.length, i + 1)), 0, { from: null, title: null, text, prompt: null });
  return next;
}

/** `list` without entry `i`. */
export function removed(list: SceneEdit[], i: number): SceneEdit[] {
  return list.filter((_, k) => k !== i);
}

/**
 * `list` with entry `i` split at character `at` of its text: the first part keeps the scene
 * (and its title), the second is new. Null when either part would be empty.
 */
export function split(list: SceneEdit[], i: number, at: number): SceneEdit[] | null {
  const e = list[i];
  if (!e) return null;
  const a = e.text.slice(0, at).trim();
  const b = e.text.slice(at).trim();
  if (!a || !b) return null;
  const next = [...list];
  next.splice(i, 1, { ...e, text: a, prompt: null }, { from: null, title: null, text: b, prompt: null });
  return next;
}

/** `list` with entry `i` and the next one merged into the first (its title and picture kept). */
export function mergedWithNext(list: SceneEdit[], i: number): SceneEdit[] | null {
  const a = list[i];
  const b = list[i + 1];
  if (!a || !b) return null;
  const next = [...list];
  next.splice(i, 2, { ...a, text: `${a.text.trim()} ${b.text.trim()}`, prompt: null });
  return next;
}
