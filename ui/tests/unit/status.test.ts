import { describe, expect, it } from 'vitest';
import { hasImageProvider, healthText, isTitleCard, projectChip, providerBadge, sceneActions, sceneChip, syncBadge } from '../../src/lib/logic/status';
import { card, scene } from './builders';

describe('hasImageProvider', () => {
  const p = (name: string, more: Partial<{ in_chain: boolean; enabled: boolean; key: string }> = {}) => ({
    name,
    in_chain: true,
    enabled: true,
    key: 'present',
    ...more,
  });
  it('counts only a provider that can make a picture', () => {
    expect(hasImageProvider([])).toBe(false);
    expect(hasImageProvider([p('titlecard', { key: 'not needed' })])).toBe(false);
    expect(hasImageProvider([p('openai', { in_chain: false })])).toBe(false);
    expect(hasImageProvider([p('openai', { enabled: false })])).toBe(false);
    expect(hasImageProvider([p('openai', { key: 'missing' })])).toBe(false);
    expect(hasImageProvider([p('automatic1111', { key: 'not needed' }), p('titlecard')])).toBe(true);
  });
});

describe('sceneChip', () => {
  it('shows the queue place while queued', () => {
    expect(sceneChip(scene({ status: 'queued', queue_position: 4 })).text).toBe('queued #4');
    const note = { code: 'font_missing', message: 'No installed font covers this scene’s Thai…' };
    expect(sceneChip(scene({ status: 'succeeded', placeholder: true, error: note }))).toEqual({ text: 'font missing', tone: 'warn' });
    expect(sceneChip(scene({ status: 'queued', queue_position: null })).text).toBe('queued');
  });
  it('shows phase and percent while generating', () => {
    const s = scene({ status: 'running', phase: 'calling openai', percent: 40.4 });
    expect(sceneChip(s)).toEqual({ text: 'generating — calling openai 40%', tone: 'active' });
    expect(sceneChip(scene({ status: 'running', phase: null, percent: 12 })).text).toBe('generating — 12%');
    expect(sceneChip(scene({ status: 'running', phase: 'encoding', percent: null })).text).toBe('generating — encoding');
    expect(sceneChip(scene({ status: 'running', phase: null, percent: null })).text).toBe('generating');
    expect(sceneChip(scene({ status: 'running', phase: 'x', percent: 180 })).text).toBe('generating — x 100%');
  });
  it('tells a real picture from a title card', () => {
    expect(sceneChip(scene({ status: 'succeeded' })).text).toBe('done');
    expect(sceneChip(scene({ status: 'succeeded', placeholder: true }))).toEqual({ text: 'title card', tone: 'warn' });
    // With no image provider set up, a title card is the intended result.
    expect(sceneChip(scene({ status: 'succeeded', placeholder: true }), false)).toEqual({ text: 'title card', tone: 'ok' });
  });
  it('a picture drawn by the title card provider is a title card, named once', () => {
    const drawn = scene({ status: 'succeeded', provider: 'titlecard', placeholder: false });
    expect(isTitleCard(drawn)).toBe(true);
    expect(sceneChip(drawn).text).toBe('title card');
    expect(providerBadge(drawn)).toBeNull();
    expect(providerBadge(scene({ status: 'succeeded', provider: 'titlecard', placeholder: true }))).toBeNull();
    expect(providerBadge(scene({ status: 'succeeded', provider: 'openai' }))).toBe('openai');
    expect(providerBadge(scene({ status: 'queued', provider: null }))).toBeNull();
  });
  it('puts the sentence of a failure in the chip', () => {
    const s = scene({ status: 'failed', error: { code: 'provider', message: 'openai refused the prompt' } });
    expect(sceneChip(s)).toEqual({ text: 'failed: openai refused the prompt', tone: 'error' });
    expect(sceneChip(scene({ status: 'failed', error: null })).text).toBe('failed');
  });
  it('copes with a status it does not know', () => {
    expect(sceneChip(scene({ status: 'weird' as never })).text).toBe('weird');
    expect(sceneChip(scene({ status: 'cancelled' })).text).toBe('cancelled');
  });
});

describe('projectChip', () => {
  it('uses the status word and says paused when paused', () => {
    expect(projectChip(card({ status: 'done' }))).toEqual({ text: 'done', tone: 'ok' });
    expect(projectChip(card({ status: 'running', paused: true })).text).toBe('paused');
    expect(projectChip(card({ status: 'done', paused: true })).text).toBe('done');
    expect(projectChip(card({ status: 'failed' })).tone).toBe('error');
    expect(projectChip(card({ status: '' })).text).toBe('queued');
  });
});

describe('syncBadge', () => {
  const sync = (state: 'synced' | 'waiting' | 'pending') => ({ state, url: null, attempts: 1, error: null, next_try: null });
  it('is hidden when sync is off or there is no image', () => {
    expect(syncBadge(sync('synced'), false)).toBeNull();
    expect(syncBadge(null, true)).toBeNull();
  });
  it('names the state', () => {
    expect(syncBadge(sync('synced'), true)).toEqual({ text: 'synced', tone: 'ok' });
    expect(syncBadge(sync('waiting'), true)?.tone).toBe('warn');
    expect(syncBadge(sync('pending'), true)?.text).toBe('pending');
  });
});

describe('sceneActions', () => {
  it('offers retry only for failed scenes and cancel only for active ones', () => {
    expect(sceneActions(scene({ status: 'failed' }))).toEqual({ retry: true, cancel: false, regenerate: true });
    expect(sceneActions(scene({ status: 'queued' }))).toEqual({ retry: false, cancel: true, regenerate: false });
    expect(sceneActions(scene({ status: 'running' })).cancel).toBe(true);
    expect(sceneActions(scene({ status: 'succeeded' }))).toEqual({ retry: false, cancel: false, regenerate: true });
  });
});

describe('healthText', () => {
  it('has a word for each health', () => {
    expect(healthText({ state: 'ok' }).text).toBe('Connected');
    expect(healthText({ state: 'waiting', since: 0, next_probe: 1, failures: 1, reason: { code: 'net', message: 'x' } }).tone).toBe('warn');
    expect(healthText({ state: 'misconfigured', reason: { code: 'config', message: 'x' } }).tone).toBe('error');
    expect(healthText(undefined).text).toBe('Local only');
  });
});
