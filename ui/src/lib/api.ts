/**
 * The only door to the desktop shell: every command, the engine event, and file URLs.
 * Every command resolves with its value or rejects with an ApiError.
 */
import { convertFileSrc, invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { Activity } from './bindings/Activity';
import type { AppInfo } from './bindings/AppInfo';
import type { Aspect } from './bindings/Aspect';
import type { Cast } from './bindings/Cast';
import type { CastChange } from './bindings/CastChange';
import type { CastView } from './bindings/CastView';
import type { Reference } from './bindings/Reference';
import type { SceneChoice } from './bindings/SceneChoice';
import type { EngineEvent } from './bindings/EngineEvent';
import type { NewProject } from './bindings/NewProject';
import type { ProjectCard } from './bindings/ProjectCard';
import type { ProjectDetail } from './bindings/ProjectDetail';
import type { RenderView } from './bindings/RenderView';
import type { Theme } from './bindings/Theme';
import type { SceneEdit } from './bindings/SceneEdit';
import type { SceneView } from './bindings/SceneView';
import type { Settings } from './bindings/Settings';
import type { SettingsInput } from './bindings/SettingsInput';
import type { Snapshot } from './bindings/Snapshot';
import type { Stats } from './bindings/Stats';
import type { StoryFile } from './bindings/StoryFile';
import type { StoryPreview } from './bindings/StoryPreview';
import type { SyncView } from './bindings/SyncView';
import type { TestResult } from './bindings/TestResult';
import type { LibraryRow } from './bindings/LibraryRow';
import type { MediaLook } from './bindings/MediaLook';
import type { StripFrame } from './bindings/StripFrame';
import type { VoiceSample } from './bindings/VoiceSample';
import type { VoicesView } from './bindings/VoicesView';
import type { Idea } from './bindings/Idea';
import type { BatchView } from './bindings/BatchView';
import type { DroppedStory } from './bindings/DroppedStory';
import type { WrittenStory } from './bindings/WrittenStory';
import { toApiError } from './logic/errors';

export { ApiError, toApiError, errorText } from './logic/errors';

/** The size of each piece a picture or clip is sent in. */
const MEDIA_PIECE = 8 * 1024 * 1024;

/** The event that carries every engine change. */
export const ENGINE_EVENT = 'engine';

async function call<T>(
  cmd: string,
  args?: Record<string, unknown> | Uint8Array,
  options?: { headers: Record<string, string> },
): Promise<T> {
  try {
    return await invoke<T>(cmd, args, options);
  } catch (e) {
    throw toApiError(e);
  }
}

export const api = {
  appInfo: () => call<AppInfo>('app_info'),
  snapshot: () => call<Snapshot>('snapshot'),
  listProjects: () => call<ProjectCard[]>('list_projects'),
  getProject: (id: string) => call<ProjectDetail>('get_project', { id }),
  /** `name` tells the format (.md, .txt, .json); an empty name reads as plain text. */
  previewStory: (text: string, name: string | null, aspect: Aspect) =>
    call<StoryPreview>('preview_story', { text, name: name ?? '', aspect }),
  openStoryFile: () => call<StoryFile | null>('open_story_file'),
  /** Writes a story from an idea; its drafts arrive as `writing` events meanwhile. */
  writeStory: (idea: Idea) => call<WrittenStory>('write_story', { idea }),
  stopWriting: () => call<void>('stop_writing'),
  /** Several stories made at once: dropped texts, a folder from the dialog, or paths. */
  batchFromDrop: (stories: DroppedStory[]) => call<BatchView>('batch_from_drop', { stories }),
  batchFromFolder: () => call<BatchView | null>('batch_from_folder'),
  batchStatus: () => call<BatchView | null>('batch_status'),
  createProject: (project: NewProject) => call<ProjectCard>('create_project', { project }),
  renameProject: (id: string, title: string) => call<ProjectCard>('rename_project', { id, title }),
  deleteProject: (id: string) => call<null>('delete_project', { id }),
  setProjectPaused: (id: string, paused: boolean) => call<ProjectCard>('set_project_paused', { id, paused }),
  retryFailed: (id: string) => call<number>('retry_failed', { id }),
  regeneratePlaceholders: (id: string) => call<number>('regenerate_placeholders', { id }),
  revealProject: (id: string) => call<null>('reveal_project', { id }),
  openVideo: (id: string) => call<null>('open_video', { id }),
  showVideo: (id: string) => call<null>('show_video', { id }),
  /** The path the video was saved to, or null when the person cancelled. */
  saveVideoAs: (id: string) => call<string | null>('save_video_as', { id }),
  renderVideo: (id: string) => call<RenderView>('render_video', { id }),
  /** Replaces a project's scenes by the list given (each continues a scene, or is new). */
  editScenes: (projectId: string, scenes: SceneEdit[]) => call<ProjectDetail>('edit_scenes', { projectId, scenes }),
  setProjectLook: (id: string, style: string | null, aspect: Aspect | null) =>
    call<ProjectDetail>('set_project_look', { id, style, aspect }),
  updateScenePrompt: (projectId: string, index: number, prompt: string) =>
    call<SceneView>('update_scene_prompt', { projectId, index, prompt }),
  regenerateScene: (projectId: string, index: number) => call<SceneView>('regenerate_scene', { projectId, index }),
  retryScene: (projectId: string, index: number) => call<SceneView>('retry_scene', { projectId, index }),
  revoiceScene: (projectId: string, index: number) => call<SceneView>('revoice_scene', { projectId, index }),
  voices: () => call<VoicesView>('voices'),
  /** A voice (null: the chain) reading a short line in `language` ("auto": English). */
  voiceSample: (voice: string | null, language: string) => call<VoiceSample>('voice_sample', { voice, language }),
  /** The voice library: every voice StoryReel can install here, installed or not. */
  voiceLibrary: () => call<LibraryRow[]>('voice_library'),
  /** Installs a voice and what it needs (progress comes as `voice_install` events); the items installed. */
  installVoice: (id: string) => call<string[]>('install_voice', { id }),
  removeVoice: (id: string) => call<boolean>('remove_voice', { id }),
  /** An installed library voice reading a short line in its language. */
  librarySample: (id: string) => call<VoiceSample>('library_sample', { id }),
  /** Off, or a voice (null: the chain) and a language ("auto": detected from the scenes). */
  setProjectVoice: (id: string, enabled: boolean, voice: string | null, language: string) =>
    call<ProjectDetail>('set_project_voice', { id, enabled, voice, language }),
  /** The person's own recording (any audio file) as a scene's narration; the bytes go as the body. */
  setSceneRecording: async (projectId: string, index: number, file: File) =>
    call<SceneView>('set_scene_recording', new Uint8Array(await file.arrayBuffer()), {
      headers: {
        'x-project-id': projectId,
        'x-scene': String(index),
        'x-file-name': encodeURIComponent(file.name),
      },
    }),
  /**
   * The person's own picture or clip as a scene's visual. The file goes in pieces (a clip can
   * be gigabytes: it is never read whole into memory); the last piece returns the scene.
   */
  setSceneMedia: async (projectId: string, index: number, file: File, progress?: (done: number) => void) => {
    const upload = crypto.randomUUID();
    let offset = 0;
    for (;;) {
      const end = Math.min(file.size, offset + MEDIA_PIECE);
      const piece = new Uint8Array(await file.slice(offset, end).arrayBuffer());
      const scene = await call<SceneView | null>('put_media_piece', piece, {
        headers: {
          'x-project-id': projectId,
          'x-scene': String(index),
          'x-upload': upload,
          'x-offset': String(offset),
          'x-size': String(file.size),
          'x-file-name': encodeURIComponent(file.name),
        },
      });
      offset = end;
      progress?.(file.size ? offset / file.size : 1);
      if (scene) return scene;
      if (offset >= file.size) throw new Error('The file was sent but not taken; drop it again.');
    }
  },
  setMediaLook: (projectId: string, index: number, look: MediaLook) =>
    call<SceneView>('set_media_look', { projectId, index, look }),
  makePictureInstead: (projectId: string, index: number) =>
    call<SceneView>('make_picture_instead', { projectId, index }),
  clipStrip: (projectId: string, index: number, count: number) =>
    call<StripFrame[]>('clip_strip', { projectId, index, count }),
  /** A story's cast and look, each character with the scenes they appear in. */
  getCast: (id: string) => call<CastView>('get_cast', { id }),
  /** Which scenes saving `cast` would make again (nothing changes). */
  castChange: (id: string, cast: Cast) => call<CastChange>('cast_change', { id, cast }),
  setCast: (id: string, cast: Cast) => call<CastView>('set_cast', { id, cast }),
  setSceneCast: (projectId: string, index: number, choice: SceneChoice) =>
    call<CastView>('set_scene_cast', { projectId, index, choice }),
  /** A reference picture (at most 20 MB), read and kept; the cast takes it when saved. */
  putReference: async (file: File) =>
    call<Reference>('put_reference', new Uint8Array(await file.arrayBuffer()), {
      headers: { 'x-file-name': encodeURIComponent(file.name) },
    }),
  /** Undoes the project's latest edit. */
  undoEdit: (id: string) => call<ProjectDetail>('undo_edit', { id }),
  cancelScene: (projectId: string, index: number) => call<SceneView>('cancel_scene', { projectId, index }),
  activity: () => call<Activity>('activity'),
  setGlobalPaused: (paused: boolean) => call<boolean>('set_global_paused', { paused }),
  cancelJob: (id: string) => call<boolean>('cancel_job', { id }),
  syncStatus: () => call<SyncView>('sync_status'),
  syncRetryAll: () => call<number>('sync_retry_all'),
  getSettings: () => call<Settings>('get_settings'),
  saveSettings: (settings: SettingsInput) => call<Settings>('save_settings', { settings }),
  setTheme: (theme: Theme) => call<null>('set_theme', { theme }),
  setProviderKey: (name: string, key: string | null) => call<Settings>('set_provider_key', { name, key }),
  /** null leaves a key as it is; "" removes it. */
  setStorageCredentials: (accessKey: string | null, secretKey: string | null) =>
    call<Settings>('set_storage_credentials', { accessKey, secretKey }),
  /** Reads a key from an environment variable instead of the keychain (null: back to the keychain). */
  setKeyEnv: (key: string, variable: string | null) => call<Settings>('set_key_env', { key, var: variable }),
  testProvider: (name: string) => call<TestResult>('test_provider', { name }),
  testStorage: () => call<TestResult>('test_storage'),
  stats: () => call<Stats>('stats'),
};

export type Api = typeof api;

/** Calls `handler` with every engine event; resolves with the function that stops listening. */
export async function onEngineEvent(handler: (ev: EngineEvent) => void): Promise<() => void> {
  try {
    return await listen<EngineEvent>(ENGINE_EVENT, (e) => handler(e.payload));
  } catch (e) {
    throw toApiError(e);
  }
}

/** The URL a local file (an absolute path from the engine) is shown with, or null. */
export function fileSrc(path: string | null | undefined): string | null {
  if (typeof path !== 'string' || !path) return null;
  try {
    return convertFileSrc(path);
  } catch {
    return null;
  }
}

/**
 * The URL the player loads a video from: the app's own video server when there is one
 * (WebKitGTK's player cannot read the asset protocol), the file URL otherwise.
 */
export function videoSrc(path: string | null | undefined, mediaBase: string | null | undefined): string | null {
  if (typeof path !== 'string' || !path) return null;
  if (typeof mediaBase === 'string' && mediaBase) return `${mediaBase}${encodeURIComponent(path)}`;
  return fileSrc(path);
}
