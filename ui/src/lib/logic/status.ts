/** The words and tones of status chips and badges. */
import type { ProjectCard } from '../bindings/ProjectCard';
import type { ProviderView } from '../bindings/ProviderView';
import type { SceneSync } from '../bindings/SceneSync';
import type { SceneView } from '../bindings/SceneView';
import type { SyncHealth } from '../bindings/SyncHealth';

export type Tone = 'neutral' | 'active' | 'ok' | 'warn' | 'error' | 'muted';
export type Chip = { text: string; tone: Tone };

function clampPercent(p: number | null | undefined): number | null {
  if (typeof p !== 'number' || !Number.isFinite(p)) return null;
  return Math.round(Math.min(100, Math.max(0, p)));
}

/**
 * Whether an image provider is set up (in the chain, switched on, its key there when it needs
 * one). Without one, title cards are the intended result, not a fallback.
 */
export function hasImageProvider(providers: Pick<ProviderView, 'name' | 'in_chain' | 'enabled' | 'key'>[]): boolean {
  return providers.some((p) => p.in_chain && p.enabled && p.name !== TITLE_CARD_PROVIDER && p.key !== 'missing');
}

/** The name of the provider that draws title cards (it is no image provider). */
export const TITLE_CARD_PROVIDER = 'titlecard';

/** Whether a scene's picture is a title card: flagged so, or drawn by the title card provider. */
export function isTitleCard(scene: { placeholder?: boolean | null; provider?: string | null }): boolean {
  return scene.placeholder === true || scene.provider === TITLE_CARD_PROVIDER;
}

/**
 * The provider to name beside a scene's status, or null: a title card says so in its status
 * chip already (naming "titlecard" again would show it twice).
 */
export function providerBadge(scene: { placeholder?: boolean | null; provider?: string | null }): string | null {
  return scene.provider && !isTitleCard(scene) ? scene.provider : null;
}

/**
 * "queued #N", "generating — phase percent%", "done", "title card", "failed: …", "cancelled".
 * A title card is amber only where it stands in for a picture a provider should have made
 * (`fallback`); with no image provider set up it is the intended result.
 */
export function sceneChip(
  scene: Pick<SceneView, 'status' | 'phase' | 'percent' | 'queue_position' | 'placeholder' | 'error'> & { provider?: string | null },
  fallback = true,
): Chip {
  switch (scene.status) {
    case 'queued':
      return {
        text: typeof scene.queue_position === 'number' ? `queued #${scene.queue_position}` : 'queued',
        tone: 'neutral',
      };
    case 'running': {
      const pct = clampPercent(scene.percent);
      const parts = [scene.phase?.trim() || '', pct === null ? '' : `${pct}%`].filter(Boolean);
      return { text: parts.length ? `generating — ${parts.join(' ')}` : 'generating', tone: 'active' };
    }
    case 'succeeded':
      // Part of the text could not be drawn: the scene names the writing system and the fix.
      if (scene.error?.code === 'font_missing') return { text: 'font missing', tone: 'warn' };
      if (!isTitleCard(scene)) return { text: 'done', tone: 'ok' };
      return { text: 'title card', tone: fallback ? 'warn' : 'ok' };
    case 'failed': {
      const why = scene.error?.message?.trim();
      return { text: why ? `failed: ${why}` : 'failed', tone: 'error' };
    }
    case 'cancelled':
      return { text: 'cancelled', tone: 'muted' };
    default:
      return { text: String(scene.status ?? 'unknown'), tone: 'neutral' };
  }
}

/** The project's status word ("done", "running", "paused"…) and its tone. */
export function projectChip(card: Pick<ProjectCard, 'status' | 'paused'>): Chip {
  const status = card.paused && card.status !== 'done' ? 'paused' : String(card.status || 'queued');
  const tone: Tone =
    status === 'done'
      ? 'ok'
      : status === 'running'
        ? 'active'
        : status === 'failed'
          ? 'error'
          : status === 'paused' || status === 'cancelled'
            ? 'muted'
            : 'neutral';
  return { text: status, tone };
}

/** The sync badge of a scene, or null when sync is off or there is no image yet. */
export function syncBadge(sync: SceneSync | null | undefined, enabled: boolean): Chip | null {
  if (!enabled || !sync) return null;
  switch (sync.state) {
    case 'synced':
      return { text: 'synced', tone: 'ok' };
    case 'uploading':
      return { text: 'uploading', tone: 'active' };
    case 'pending':
      return { text: 'pending', tone: 'neutral' };
    case 'waiting':
      return { text: 'waiting', tone: 'warn' };
    case 'failed':
      return { text: 'failed', tone: 'error' };
    case 'local':
      return { text: 'local', tone: 'muted' };
    default:
      return { text: String(sync.state), tone: 'neutral' };
  }
}

/** Which scene actions make sense in a scene's state. */
export function sceneActions(scene: Pick<SceneView, 'status'> & Partial<Pick<SceneView, 'media'>>): {
  retry: boolean;
  cancel: boolean;
  regenerate: boolean;
} {
  const s = scene.status;
  return {
    retry: s === 'failed',
    cancel: s === 'queued' || s === 'running',
    // The person's own picture or clip is replaced only from the scene's editor, asked first.
    regenerate: !scene.media && (s === 'succeeded' || s === 'cancelled' || s === 'failed'),
  };
}

/** One line about the storage target's health. */
export function healthText(health: SyncHealth | null | undefined): Chip {
  switch (health?.state) {
    case 'ok':
      return { text: 'Connected', tone: 'ok' };
    case 'waiting':
      return { text: 'Waiting for network', tone: 'warn' };
    case 'misconfigured':
      return { text: 'Misconfigured', tone: 'error' };
    case 'local':
    default:
      return { text: 'Local only', tone: 'muted' };
  }
}
