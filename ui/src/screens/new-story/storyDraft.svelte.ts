/**
 * The story being prepared on the New story screen. It lives outside the screen so that going
 * to another screen and back keeps the text and the edited scenes.
 */
import type { Cast } from '../../lib/bindings/Cast';
import type { RefFile } from '../../lib/bindings/RefFile';
import { api, toApiError, type ApiError } from '../../lib/api';
import type { Aspect } from '../../lib/bindings/Aspect';
import type { ProjectCard } from '../../lib/bindings/ProjectCard';
import { Busy } from '../../lib/busy.svelte';
import { toDraftScenes, withKeys, type EditDraft } from '../../lib/logic/drafts';

class StoryDraft {
  text = $state('');
  /** The file name the text came from (it tells the engine the format), or null when pasted. */
  name = $state<string | null>(null);
  /** The folder of the file the text came from (its links are found from it), or null. */
  dir = $state<string | null>(null);
  aspect = $state<Aspect>('9:16');
  style = $state('');
  title = $state('');
  titleTouched = $state(false);
  drafts = $state.raw<EditDraft[]>([]);
  /** The cast the story gives (front matter, a script's `cast`) and the pictures it names. */
  cast = $state.raw<Cast>({});
  references = $state.raw<RefFile[]>([]);
  /** The scenes were edited by hand since the last preview. */
  edited = $state(false);
  /** The text and aspect the current scenes were previewed from. */
  previewedFrom = $state<string | null>(null);
  error = $state<ApiError | null>(null);
  createError = $state<string | null>(null);
  #previewing = new Busy();
  #creating = new Busy();
  #token = 0;

  get previewing(): boolean {
    return this.#previewing.busy;
  }

  get creating(): boolean {
    return this.#creating.busy;
  }

  get key(): string {
    return `${this.aspect}\u0000${this.name ?? ''}\u0000${this.text}`;
  }

  /** The preview does not show the current text. */
  get stale(): boolean {
    return this.previewedFrom !== this.key;
  }

  setText(text: string, name: string | null, dir: string | null = null) {
    this.text = text;
    this.name = name;
    this.dir = dir;
  }

  setDrafts(drafts: EditDraft[]) {
    this.drafts = drafts;
    this.edited = true;
  }

  /** Asks the engine to split the text; a newer request wins over an older one. */
  async preview(): Promise<boolean> {
    const key = this.key;
    const text = this.text;
    if (!text.trim()) {
      this.drafts = [];
      this.error = null;
      this.previewedFrom = key;
      this.edited = false;
      return false;
    }
    const token = ++this.#token;
    const latest = () => token === this.#token;
    return this.#previewing.run(
      async () => {
        const p = await api.previewStory(text, this.name, this.aspect);
        if (!latest()) return false;
        this.drafts = withKeys(p?.scenes);
        this.cast = p?.cast ?? {};
        this.references = Array.isArray(p?.references) ? p.references : [];
        this.edited = false;
        this.error = null;
        this.previewedFrom = key;
        if (!this.titleTouched) this.title = typeof p?.title === 'string' ? p.title : '';
        return this.drafts.length > 0;
      },
      {
        // a newer preview (or a reset) owns the flag and the result
        latest,
        onError: (e) => {
          if (!latest()) return false;
          this.error = toApiError(e);
          this.drafts = [];
          this.edited = false;
          this.previewedFrom = key;
          return false;
        },
      },
    );
  }

  /** Creates the project from the scenes shown (previewing first when they are not current). */
  async create(): Promise<ProjectCard | null> {
    this.createError = null;
    if (!this.edited && (this.stale || this.drafts.length === 0)) {
      const ok = await this.preview();
      if (!ok) {
        if (!this.error) this.createError = 'The story has no scenes yet: write or paste some text first.';
        return null;
      }
    }
    const scenes = toDraftScenes(this.drafts, this.dir);
    if (!scenes.length) {
      this.createError = 'Every scene is empty: add some text to at least one.';
      return null;
    }
    return this.#creating.run(
      async () => {
        const card = await api.createProject({
          title: this.title.trim() || null,
          aspect: this.aspect,
          style: this.style || null,
          scenes,
          story_dir: this.dir,
          cast: this.cast,
          references: this.references,
        });
        this.reset();
        return card;
      },
      {
        onError: (e) => {
          const err = toApiError(e);
          if (err.code === 'story') this.error = err;
          else this.createError = err.message;
          return null;
        },
      },
    );
  }

  reset() {
    this.#token++;
    this.text = '';
    this.name = null;
    this.dir = null;
    this.title = '';
    this.titleTouched = false;
    this.drafts = [];
    this.edited = false;
    this.previewedFrom = null;
    this.error = null;
    this.#previewing.clear();
    this.createError = null;
  }
}

export const storyDraft = new StoryDraft();
