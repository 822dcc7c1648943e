/**
 * What the buttons do: one command each, its answer put into the store, a short toast when the
 * result is not visible otherwise. Every function rejects with an ApiError for the caller to show.
 */
import { api } from './api';
import type { ProjectCard } from './bindings/ProjectCard';
import type { Aspect } from './bindings/Aspect';
import type { MediaLook } from './bindings/MediaLook';
import type { SceneEdit } from './bindings/SceneEdit';
import type { SceneView } from './bindings/SceneView';
import { plural } from './logic/format';
import { nav } from './nav.svelte';
import { store } from './store';
import { toasts } from './toasts.svelte';

export async function setProjectPaused(card: ProjectCard, paused: boolean) {
  store.putCard(await api.setProjectPaused(card.id, paused));
}

export async function toggleProjectPaused(card: ProjectCard) {
  await setProjectPaused(card, !card.paused);
}

export async function retryFailed(card: ProjectCard) {
  const n = await api.retryFailed(card.id);
  toasts.push(n > 0 ? `${plural(n, 'failed scene')} queued again.` : 'No failed scenes to retry.', n > 0 ? 'success' : 'info');
}

export async function regeneratePlaceholders(card: ProjectCard) {
  const n = await api.regeneratePlaceholders(card.id);
  toasts.push(
    n > 0 ? `${plural(n, 'title card')} queued for a real picture.` : 'No title cards to replace.',
    n > 0 ? 'success' : 'info',
  );
}

export async function revealProject(card: ProjectCard) {
  await api.revealProject(card.id);
}

export async function openVideo(card: ProjectCard) {
  await api.openVideo(card.id);
}

export async function showVideo(card: ProjectCard) {
  await api.showVideo(card.id);
}

export async function saveVideoAs(card: ProjectCard) {
  const saved = await api.saveVideoAs(card.id);
  if (saved) toasts.push(`Video saved as ${saved}.`, 'success');
}

export async function renderVideo(card: ProjectCard) {
  store.putRender(card.id, await api.renderVideo(card.id));
}

export async function renameProject(card: ProjectCard, title: string) {
  const t = title.trim();
  if (!t || t === card.title) return;
  store.putCard(await api.renameProject(card.id, t));
}

export async function deleteProject(card: ProjectCard) {
  await api.deleteProject(card.id);
  store.forgetProject(card.id);
  nav.forget(card.id);
  toasts.push(`“${card.title}” was deleted.`, 'success');
}

export async function retryScene(scene: SceneView) {
  store.putScene(await api.retryScene(scene.project_id, scene.index));
}

export async function setSceneRecording(scene: SceneView, file: File) {
  store.putScene(await api.setSceneRecording(scene.project_id, scene.index, file));
}

export async function setSceneMedia(scene: SceneView, file: File, progress?: (done: number) => void) {
  store.putScene(await api.setSceneMedia(scene.project_id, scene.index, file, progress));
}

export async function setMediaLook(scene: SceneView, look: MediaLook) {
  store.putScene(await api.setMediaLook(scene.project_id, scene.index, look));
}

export async function makePictureInstead(scene: SceneView) {
  store.putScene(await api.makePictureInstead(scene.project_id, scene.index));
}

/**
 * Several files dropped on the story: the first goes to the first scene, and so on, in the
 * order of their names. Returns how many scenes took one; stops at the first that fails.
 */
export async function assignMedia(scenes: SceneView[], files: File[], progress?: (done: number, of: number) => void) {
  const ordered = [...files].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  const targets = [...scenes].sort((a, b) => a.index - b.index);
  let n = 0;
  for (const [i, file] of ordered.entries()) {
    const scene = targets[i];
    if (!scene) break;
    progress?.(i, Math.min(ordered.length, targets.length));
    await setSceneMedia(scene, file);
    n += 1;
  }
  return n;
}

export async function revoiceScene(scene: SceneView) {
  store.putScene(await api.revoiceScene(scene.project_id, scene.index));
}

export async function regenerateScene(scene: SceneView) {
  store.putScene(await api.regenerateScene(scene.project_id, scene.index));
}

export async function cancelScene(scene: SceneView) {
  store.putScene(await api.cancelScene(scene.project_id, scene.index));
}

export async function editScenes(projectId: string, scenes: SceneEdit[]) {
  const detail = await api.editScenes(projectId, scenes);
  store.putDetail(detail);
  return detail;
}

export async function setProjectLook(card: ProjectCard, style: string | null, aspect: Aspect | null) {
  store.putDetail(await api.setProjectLook(card.id, style, aspect));
  toasts.push('Every scene gets a new picture in the new look.', 'success');
}

/** Undoes the project's latest edit; says what was undone. */
export async function undoEdit(card: ProjectCard) {
  const label = card.undo;
  store.putDetail(await api.undoEdit(card.id));
  if (label) toasts.push(`Undone: ${label}.`, 'success');
}

export async function setProjectVoice(card: ProjectCard, enabled: boolean, voice: string | null, language: string) {
  store.putDetail(await api.setProjectVoice(card.id, enabled, voice, language));
  toasts.push(enabled ? 'Every scene is narrated again with the new voice.' : 'The story is now made without a voice.', 'success');
}

export async function updateScenePrompt(scene: SceneView, prompt: string) {
  store.putScene(await api.updateScenePrompt(scene.project_id, scene.index, prompt));
}

export async function setGlobalPaused(paused: boolean) {
  store.setPaused(await api.setGlobalPaused(paused));
}

export async function cancelJob(id: string) {
  const cancelled = await api.cancelJob(id);
  if (!cancelled) toasts.push('That job had already finished.', 'info');
  void store.refreshActivity();
}

export async function syncRetryAll() {
  const n = await api.syncRetryAll();
  toasts.push(n > 0 ? `${plural(n, 'upload')} will be tried now.` : 'Nothing is waiting to upload.', n > 0 ? 'success' : 'info');
  void store.refreshSync().catch(() => {});
}
