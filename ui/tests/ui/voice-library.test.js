// The voice library in Settings: voices per language with quality, size and license (a voice not
// cleared for commercial use says so), Install with progress that ends in Installed, Play sample
// for an installed voice, and Remove asked first.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callsTo, openApp, screenshot, suite, waitText } from './harness.js';

const ctx = suite(before, after);

test('a voice is installed with progress, sampled and removed after asking', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await page.getByTestId('nav-settings').click();
  const lib = page.getByTestId('voice-library');
  await lib.scrollIntoViewIfNeeded();
  const heart = lib.locator('[data-voice="kokoro-af_heart"]');
  const joe = lib.locator('[data-voice="piper-en_US-joe-medium"]');
  await heart.waitFor();
  await waitText(joe.getByTestId('library-license'), /not cleared for commercial use/);
  await waitText(heart.getByTestId('library-license'), 'Apache-2.0');
  assert.equal(await lib.locator('h3').first().textContent(), 'English');

  await heart.getByTestId('library-install').click();
  await heart.getByTestId('library-progress').waitFor();
  await waitText(heart.getByTestId('library-progress'), /Heart: \d+ MB of 118 MB/);
  await screenshot(page, 'voice-library-installing');
  await heart.getByTestId('library-installed').waitFor();
  assert.equal(await heart.getByTestId('library-progress').count(), 0);
  assert.deepEqual((await callsTo(page, 'install_voice')).map((c) => c.args), [{ id: 'kokoro-af_heart' }]);

  await heart.getByTestId('library-sample').click();
  await heart.getByTestId('library-sample-audio').waitFor();
  assert.deepEqual((await callsTo(page, 'library_sample')).map((c) => c.args), [{ id: 'kokoro-af_heart' }]);
  await screenshot(page, 'voice-library-installed');

  // Removing asks first; cancelling keeps the voice.
  await heart.getByTestId('library-remove').click();
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.waitFor();
  await waitText(dialog, /downloads 93 MB/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await callsTo(page, 'remove_voice')).length, 0);
  await heart.getByTestId('library-remove').click();
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await heart.getByTestId('library-install').waitFor();
  assert.deepEqual((await callsTo(page, 'remove_voice')).map((c) => c.args), [{ id: 'kokoro-af_heart' }]);
  assert.deepEqual(problems, []);
  await context.close();
});
