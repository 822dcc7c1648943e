// Library (rename, delete, empty state) and Activity (lanes, elapsed time, cancel, global pause).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callsTo, openApp, screenshot, suite, texts, waitText } from './harness.js';

const ctx = suite(before, after);

test('the library renames inline, deletes after confirming, and ends on its empty state', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo' });
  assert.equal(await page.getByTestId('project-card').count(), 3);
  const boats = page.getByTestId('project-card').filter({ hasText: 'Paper Boats' });
  assert.match(await boats.innerText(), /4\/12 scenes/);
  assert.match(await boats.innerText(), /1 title card/);
  assert.match(await boats.innerText(), /synced 4\/12/);
  const lighthouse = page.getByTestId('project-card').filter({ hasText: 'The Lighthouse' });
  await waitText(lighthouse.getByTestId('video-badge'), 'video ready · 0:32');

  await boats.getByTestId('project-rename').click();
  const input = page.getByTestId('rename-input');
  await input.fill('Paper Boats at Dusk');
  await input.press('Enter');
  await page.getByTestId('project-card').filter({ hasText: 'Paper Boats at Dusk' }).waitFor();
  assert.deepEqual((await callsTo(page, 'rename_project')).map((c) => c.args.title), ['Paper Boats at Dusk']);
  // Escape leaves the title as it was.
  await lighthouse.getByTestId('project-rename').click();
  await page.getByTestId('rename-input').fill('Nope');
  await page.getByTestId('rename-input').press('Escape');
  assert.equal(await page.getByTestId('rename-input').count(), 0);
  assert.equal((await callsTo(page, 'rename_project')).length, 1);

  await lighthouse.getByTestId('project-reveal').click();
  assert.equal((await callsTo(page, 'reveal_project')).length, 1);

  for (let left = 3; left > 0; left--) {
    await page.getByTestId('project-delete').first().click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /will be removed from this computer/);
    if (left === 3) {
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await page.getByTestId('project-card').count(), 3);
      await page.getByTestId('project-delete').first().click();
    }
    await page.getByTestId('confirm-button').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="project-card"]').length === n, left - 1);
  }
  assert.equal((await callsTo(page, 'delete_project')).length, 3);
  await page.getByTestId('library-empty').waitFor();
  await page.getByTestId('library-create-first').click();
  await page.getByTestId('screen-new').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('activity shows lanes with running and queued jobs, ticking, cancellable, pausable', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo' });
  await page.keyboard.press('Control+3');
  const gen = page.getByTestId('lane-generate');
  await gen.getByTestId('job-running').first().waitFor();
  assert.match(await gen.getByTestId('job-running').innerText(), /Paper Boats\s*· scene 6/);
  assert.equal(await gen.getByTestId('lane-queued-total').innerText(), '6');
  const first = await gen.getByTestId('job-elapsed').innerText();
  await page.waitForTimeout(1300);
  const later = await gen.getByTestId('job-elapsed').innerText();
  assert.notEqual(first, later, `elapsed time ticks (${first} → ${later})`);
  const queued = await gen.getByTestId('job-queued').allInnerTexts();
  assert.match(queued[0] ?? '', /^#1/);
  assert.match(queued[5] ?? '', /^#6/);

  await gen.getByTestId('job-queued').nth(1).getByTestId('cancel-job').click();
  await waitText(gen.getByTestId('lane-queued-total'), '5');
  assert.equal((await callsTo(page, 'cancel_job')).length, 1);
  assert.deepEqual((await gen.getByTestId('job-queued').allInnerTexts()).map((t) => t.slice(0, 2)), ['#1', '#2', '#3', '#4', '#5']);

  await page.getByTestId('global-pause-toggle').click();
  await waitText(page.getByTestId('activity-summary'), 'Paused — nothing new starts until you resume.');
  await page.getByTestId('global-paused-indicator').waitFor();
  assert.deepEqual((await callsTo(page, 'set_global_paused')).map((c) => c.args.paused), [true]);
  await page.getByTestId('global-pause-toggle').click();
  await page.getByTestId('global-paused-indicator').waitFor({ state: 'detached' });

  // Jobs move on from events alone.
  // (the running scene is at 40%: one step to 60%, one to finish, one to start the next)
  await page.evaluate(() => [1, 2, 3].forEach(() => window.__fake.tick()));
  await waitText(gen.getByTestId('lane-queued-total'), '4');
  assert.deepEqual(await texts(page, 'job-running').then((t) => t.length), 1);

  // What ended stays in the history: the cancelled job and the finished scene, newest first.
  const history = page.getByTestId('activity-history');
  await history.getByTestId('history-item').nth(1).waitFor();
  const items = await history.getByTestId('history-item').allInnerTexts();
  assert.match(items[0] ?? '', /Paper Boats\s*· scene 6\s*done/);
  assert.ok(items.some((t) => /cancelled/.test(t)), items.join(' | '));
  assert.equal(await page.getByTestId('lane-upload').getByTestId('lane-concurrency').innerText(), '4 at a time');
  await screenshot(page, 'activity-history');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a render in Activity shows its frame, as the project does', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await page.getByTestId('nav-new').click();
  await page.getByTestId('story-text').fill('One.\n\nTwo.');
  await page.getByTestId('generate-button').click();
  await page.getByTestId('screen-project').waitFor();
  await page.evaluate(() => window.__fake.runAll());
  await waitText(page.getByTestId('project-status'), 'done');
  await page.getByTestId('render-button').click();
  await page.evaluate(() => [1, 2].forEach(() => window.__fake.tick()));
  await waitText(page.getByTestId('render-progress'), /Rendering frame 68 of 270/);
  await page.keyboard.press('Control+3');
  await waitText(page.getByTestId('lane-render').getByTestId('job-phase'), 'rendering frame 68 of 270 · 25%');
  // No storage set up: the upload lane says it is not in use instead of a concurrency.
  assert.equal(await page.getByTestId('lane-upload').getByTestId('lane-concurrency').innerText(), 'not in use: no storage is set up');
  assert.deepEqual(problems, []);
  await context.close();
});
