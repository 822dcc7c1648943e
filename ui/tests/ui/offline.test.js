// Offline: one calm indicator, scenes get title cards, uploads wait; no other alarm.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApp, screenshot, suite, texts, waitText } from './harness.js';

const ctx = suite(before, after);
const TEXT = 'offline — scenes use title cards, uploads wait';

test('the offline indicator follows the snapshot and connectivity events', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { offline: '1' });
  await waitText(page.getByTestId('offline-indicator'), TEXT);
  assert.equal(await page.getByTestId('offline-indicator').count(), 1);
  assert.equal(await page.locator('[role="alert"]').count(), 0);

  // New scenes are drawn as title cards while offline.
  await page.getByTestId('nav-new').click();
  await page.getByTestId('story-text').fill('A quiet harbour.\n\nA storm at sea.');
  await page.getByTestId('generate-button').click();
  await page.getByTestId('scene-card').nth(1).waitFor();
  await page.evaluate(() => window.__fake.runAll());
  await waitText(page.getByTestId('scene-status').nth(1), 'title card');
  assert.deepEqual(await texts(page, 'scene-status'), ['title card', 'title card']);
  assert.equal(await page.locator('[role="alert"]').count(), 0);
  assert.equal(await page.getByTestId('offline-indicator').count(), 1);
  await screenshot(page, 'offline-project');

  await page.evaluate(() => window.__fake.setOffline(false));
  await page.getByTestId('offline-indicator').waitFor({ state: 'detached' });
  await page.evaluate(() => window.__fake.setOffline(true));
  await waitText(page.getByTestId('offline-indicator'), TEXT);
  assert.deepEqual(problems, []);
  await context.close();
});

test('offline with sync: uploads wait, the Sync screen says when it tries again', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo', offline: '1' });
  await page.evaluate(() => window.__fake.setOffline(true));
  await page.getByTestId('nav-new').click();
  await page.getByTestId('story-text').fill('Lanterns in the rain.');
  await page.getByTestId('generate-button').click();
  await page.getByTestId('scene-card').first().waitFor();
  await page.evaluate(() => window.__fake.runAll());
  await waitText(page.getByTestId('scene-sync').first(), 'waiting');
  await page.getByTestId('nav-sync').click();
  await waitText(page.getByTestId('sync-health-state'), 'Waiting for network');
  assert.match(await page.getByTestId('sync-health').innerText(), /Next try in 2 min \(at \d\d:\d\d\) · 3 tries failed since \d\d:\d\d\./);
  // the new story's scene and the demo's queued scenes, all finished while offline
  assert.equal(await page.getByTestId('sync-item').count(), 8);
  assert.match(await page.getByTestId('sync-item').filter({ hasText: 'Lanterns' }).innerText(), /waiting\s+No network\./);
  await page.getByTestId('sync-retry-all').click();
  await page.getByTestId('toast').filter({ hasText: '8 uploads will be tried now.' }).waitFor();
  assert.equal(await page.getByTestId('offline-indicator').count(), 1);
  await screenshot(page, 'offline-sync');
  assert.deepEqual(problems, []);
  await context.close();
});
