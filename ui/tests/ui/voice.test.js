// Narration on the Project screen: the creator's own recording, chosen or dropped on a scene,
// goes to the backend as the file's bytes with its scene; the project's voice form lists the
// voices (one not usable, with why), plays a sample and applies a voice and a language.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callsTo, openApp, screenshot, suite, waitText } from './harness.js';

const ctx = suite(before, after);

/** @param {import('playwright-core').Page} page */
async function createStory(page, /** @type {string} */ text) {
  await page.getByTestId('nav-new').click();
  await page.getByTestId('story-text').fill(text);
  await page.getByTestId('generate-button').click();
  await page.getByTestId('screen-project').waitFor();
}

test('a recording chosen or dropped on a scene narrates it', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await createStory(page, 'The keeper climbs the stairs.\n\nThe lamp is lit.');
  await page.getByTestId('scene-card').nth(1).getByTestId('scene-edit').click();
  const dialog = page.getByTestId('scene-dialog');
  const panel = dialog.getByTestId('scene-narration');
  await panel.waitFor();

  // Chosen with the file picker.
  const bytes = Buffer.alloc(4096, 7);
  await panel.getByTestId('narration-file').setInputFiles({ name: 'my take.mp3', mimeType: 'audio/mpeg', buffer: bytes });
  await waitText(panel.getByTestId('narration-who'), /^Your recording \(my take\.mp3\) · 2\.5 s · word times estimated/);
  const sent = await callsTo(page, 'set_scene_recording');
  assert.equal(sent.length, 1);
  assert.equal(sent[0].args.headers['x-scene'], '2');
  assert.equal(sent[0].args.headers['x-file-name'], 'my%20take.mp3');
  assert.equal(typeof sent[0].args.headers['x-project-id'], 'string');
  const size = await page.evaluate(() => window.__fake.calls.find((/** @type {{ cmd: string }} */ c) => c.cmd === 'set_scene_recording')?.args.body.length);
  assert.equal(size, 4096);
  await screenshot(page, 'narration-recording');

  // Dropped on the panel: a file that is too short to be audio is a sentence in the panel.
  await panel.evaluate((el) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(4)], 'empty.wav', { type: 'audio/wav' }));
    el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await waitText(panel.getByTestId('narration-error'), /empty\.wav is not audio/);
  assert.equal((await callsTo(page, 'set_scene_recording')).length, 2);
  // What was saved stays.
  await waitText(panel.getByTestId('narration-who'), /^Your recording \(my take\.mp3\)/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the voice form plays a sample and applies a voice and a language', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await createStory(page, 'The keeper climbs the stairs.');
  await waitText(page.getByTestId('project-voice'), /narrated · en/);
  await page.getByTestId('voice-toggle').click();
  const form = page.getByTestId('voice-form');
  await form.waitFor();
  const select = form.getByTestId('voice-select');
  await select.locator('option', { hasText: 'espeak-ng' }).waitFor({ state: 'attached' });
  // ElevenLabs has no key here: it is listed, not choosable, and says why when chosen.
  assert.equal(await select.locator('option', { hasText: 'ElevenLabs' }).isDisabled(), true);
  await select.selectOption('espeak-ng');
  await form.getByTestId('voice-language').selectOption('fr');
  await form.getByTestId('voice-sample').click();
  await waitText(form.getByTestId('voice-sample-who'), 'espeak-ng (fr-fr)');
  const sample = await callsTo(page, 'voice_sample');
  assert.deepEqual(sample[0].args, { voice: 'espeak-ng', language: 'fr' });
  await screenshot(page, 'voice-form');
  await form.getByTestId('voice-apply').click();
  await form.waitFor({ state: 'hidden' });
  const set = await callsTo(page, 'set_project_voice');
  assert.equal(set.length, 1);
  assert.deepEqual({ ...set[0].args, id: undefined }, { id: undefined, enabled: true, voice: 'espeak-ng', language: 'fr' });
  await waitText(page.getByTestId('project-voice'), /narrated by espeak-ng · fr/);

  // Off: the story is made without a voice.
  await page.getByTestId('voice-toggle').click();
  await form.getByTestId('voice-enabled').uncheck();
  await form.getByTestId('voice-apply').click();
  await waitText(page.getByTestId('project-voice'), /no voice/);
  assert.equal((await callsTo(page, 'set_project_voice')).at(-1)?.args.enabled, false);
  assert.deepEqual(problems, []);
  await context.close();
});
