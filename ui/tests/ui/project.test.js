// The Project screen: scenes move through their states from engine events; retry, pause, render.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callsTo, openApp, screenshot, suite, texts, waitText } from './harness.js';

const ctx = suite(before, after);

/** @param {import('playwright-core').Page} page */
async function createStory(page, /** @type {string} */ text) {
  await page.getByTestId('nav-new').click();
  await page.getByTestId('story-text').fill(text);
  await page.getByTestId('generate-button').click();
  await page.getByTestId('screen-project').waitFor();
}

/** @param {import('playwright-core').Page} page */
const tick = (page, n = 1) => page.evaluate((k) => { for (let i = 0; i < k; i++) window.__fake.tick(); }, n);

test('scenes go from queued to generating to done, placeholder or failed', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await createStory(page, 'The keeper climbs the stairs.\n\nA boat in the storm [placeholder].\n\nThe lamp is lit [fail].');
  const status = page.getByTestId('scene-status');
  await status.nth(2).waitFor();
  assert.deepEqual(await texts(page, 'scene-status'), ['queued #1', 'queued #2', 'queued #3']);

  await tick(page);
  await waitText(status.nth(0), 'generating — calling openai 0%');
  assert.deepEqual(await texts(page, 'scene-status'), ['generating — calling openai 0%', 'queued #1', 'queued #2']);
  await waitText(page.getByTestId('project-status'), 'running');
  await tick(page);
  await waitText(status.nth(0), 'generating — downloading 60%');
  await tick(page);
  await waitText(status.nth(0), 'done');
  assert.equal(await page.getByTestId('scene-card').nth(0).getByTestId('scene-provider').innerText(), 'openai');
  await waitText(page.getByTestId('project-progress'), /^1\/3 done/);

  await tick(page, 3);
  await waitText(status.nth(1), 'title card');
  await tick(page, 3);
  await waitText(status.nth(2), 'failed: openai refused the prompt as unsafe');
  await waitText(page.getByTestId('project-status'), 'failed');
  await screenshot(page, 'project-states');

  // Retry the failed scene: the command is called and the chip changes at once.
  const failed = page.getByTestId('scene-card').nth(2);
  await failed.getByTestId('retry-scene').click();
  await waitText(status.nth(2), 'queued #1');
  const retries = await callsTo(page, 'retry_scene');
  assert.equal(retries.length, 1);
  assert.equal(retries[0].args.index, 3);
  assert.equal(typeof retries[0].args.projectId, 'string');
  assert.equal(await failed.getByTestId('retry-scene').count(), 0);

  await page.evaluate(() => window.__fake.planned.push('done'));
  await tick(page, 3);
  await waitText(status.nth(2), 'done');
  await waitText(page.getByTestId('project-status'), 'done');
  assert.deepEqual(await texts(page, 'scene-status'), ['done', 'title card', 'done']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('pause and resume with the button and with Space', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await createStory(page, 'One.\n\nTwo.');
  const toggle = page.getByTestId('pause-toggle');
  await toggle.click();
  await waitText(page.getByTestId('project-status'), 'paused');
  await waitText(toggle, 'Resume');
  assert.equal((await callsTo(page, 'set_project_paused')).at(-1)?.args.paused, true);
  // Paused: ticks do not start its scenes.
  await tick(page, 2);
  assert.deepEqual(await texts(page, 'scene-status'), ['queued #1', 'queued #2']);

  await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement)?.blur());
  await page.keyboard.press('Space');
  await waitText(toggle, 'Pause');
  assert.equal((await callsTo(page, 'set_project_paused')).at(-1)?.args.paused, false);
  assert.equal(await toggle.getAttribute('title'), 'Pause this story (Space)');
  assert.deepEqual(problems, []);
  await context.close();
});

test('scene actions: cancel, edit the prompt, view large, regenerate', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await createStory(page, 'One.\n\nTwo.\n\nThree.');
  const cards = page.getByTestId('scene-card');
  await cards.nth(2).getByTestId('scene-cancel').click();
  await waitText(cards.nth(2).getByTestId('scene-status'), 'cancelled');
  assert.equal((await callsTo(page, 'cancel_scene'))[0].args.index, 3);

  await cards.nth(0).getByTestId('scene-edit').click();
  const dialog = page.getByTestId('scene-dialog');
  assert.match(await dialog.getByTestId('prompt-hint').innerText(), /exactly as written/);
  await dialog.getByTestId('prompt-input').fill('a lighthouse at dusk, warm light');
  await dialog.getByTestId('scene-save').click();
  await dialog.waitFor({ state: 'hidden' });
  const upd = await callsTo(page, 'edit_scenes');
  assert.deepEqual(upd[0].args.scenes[0], { from: 1, title: null, text: 'One.', prompt: 'a lighthouse at dusk, warm light' });
  assert.deepEqual(upd[0].args.scenes.slice(1).map((/** @type {any} */ e) => [e.from, e.prompt]), [[2, null], [3, null]]);

  await page.evaluate(() => window.__fake.runAll());
  await waitText(cards.nth(0).getByTestId('scene-status'), 'done');
  await cards.nth(0).getByTestId('scene-view').click();
  const box = page.getByTestId('scene-lightbox');
  await box.waitFor();
  assert.match(await box.innerText(), /a lighthouse at dusk, warm light/);
  assert.ok(await box.locator('img').getAttribute('src').then((s) => s?.startsWith('data:image/svg+xml')));
  await screenshot(page, 'project-lightbox');
  await page.keyboard.press('ArrowRight');
  await waitText(box.locator('h2').first(), 'Scene 2');
  await page.keyboard.press('Escape');
  await box.waitFor({ state: 'hidden' });

  await cards.nth(0).getByTestId('scene-regenerate').click();
  await waitText(cards.nth(0).getByTestId('scene-status'), /^queued #\d$/);
  assert.equal((await callsTo(page, 'regenerate_scene'))[0].args.index, 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test('render the video: progress from render events, then the player', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await createStory(page, 'One.\n\nTwo.');
  await page.evaluate(() => window.__fake.runAll());
  await waitText(page.getByTestId('project-status'), 'done');
  await page.getByTestId('render-button').click();
  await page.getByTestId('render-progress').waitFor();
  await tick(page, 2);
  await waitText(page.getByTestId('render-progress'), /Rendering frame 68 of 270/);
  assert.equal(await page.getByTestId('render-button').isDisabled(), true);
  await tick(page, 4);
  await page.getByTestId('video-player').waitFor();
  assert.equal(await page.getByTestId('video-player').getAttribute('src'), '/sample-video.webm');
  await page.waitForFunction(() => {
    const v = /** @type {HTMLVideoElement | null} */ (document.querySelector('[data-testid="video-player"]'));
    return !!v && v.readyState >= 1 && v.duration > 0;
  });
  await screenshot(page, 'project-video');
  await waitText(page.getByTestId('render-button'), 'Render again');
  assert.equal((await callsTo(page, 'render_video')).length, 1);

  // The player has the video's shape: a 9:16 video is taller than it is wide.
  const box = await page.getByTestId('video-player').boundingBox();
  assert.ok(box && box.height > box.width * 1.5, `a tall player: ${JSON.stringify(box)}`);

  // The video outside the window: save a copy, open it in the player, show it in its folder.
  await page.getByTestId('video-save').click();
  await page.getByTestId('toast').filter({ hasText: 'Video saved as /home/me/Videos/' }).waitFor();
  await page.getByTestId('video-open').click();
  await page.getByTestId('video-show').click();
  await page.waitForFunction(() => window.__fake.calls.some((/** @type {{cmd: string}} */ c) => c.cmd === 'show_video'));
  for (const cmd of ['save_video_as', 'open_video', 'show_video']) assert.equal((await callsTo(page, cmd)).length, 1, cmd);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a video the window cannot play: a sentence, and the way to open it elsewhere', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { video: 'broken' });
  await createStory(page, 'One.\n\nTwo.');
  await page.evaluate(() => window.__fake.runAll());
  await waitText(page.getByTestId('project-status'), 'done');
  await page.getByTestId('render-button').click();
  await tick(page, 6);
  await waitText(page.getByTestId('video-unplayable'), /cannot play inside StoryReel on this computer/);
  assert.equal(await page.getByTestId('video-player').count(), 0);
  assert.match((await page.getByTestId('video-open').getAttribute('class')) ?? '', /primary/);
  await page.evaluate(() => window.__fake.failing.set('open_video', { code: 'io', message: 'Cannot open the file /v.mp4: no program on this desktop is set up to do it. The file is there; open it from your file manager.' }));
  await page.getByTestId('video-open').click();
  await waitText(page.locator('.render [role="alert"]').last(), /no program on this desktop/);
  await screenshot(page, 'project-video-unplayable');
  // the broken video's own load error is expected here, nothing else
  assert.deepEqual(problems.filter((p) => !/nope\.webm|Failed to load resource/.test(p)), []);
  await context.close();
});

test('with no image provider set up, title cards are the result, not a warning', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { providers: 'none' });
  await createStory(page, 'A quiet harbour.\n\nA storm at sea.');
  await page.evaluate(() => window.__fake.runAll());
  await waitText(page.getByTestId('project-status'), 'done');
  assert.deepEqual(await texts(page, 'scene-status'), ['title card', 'title card']);
  for (const chip of await page.getByTestId('scene-status').all()) {
    assert.match((await chip.getAttribute('class')) ?? '', /tone-ok/);
  }
  assert.equal(await page.getByTestId('regenerate-placeholders').count(), 0);
  await page.getByTestId('setup-provider').click();
  await page.getByTestId('screen-settings').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('a title card says so once, on its card and in the large view', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo' });
  const tile = page.getByTestId('project-card').filter({ hasText: 'The Lighthouse' });
  const id = await tile.getAttribute('data-project-id');
  await tile.getByTestId('project-open').click();
  const cards = page.getByTestId('scene-card');
  await cards.nth(3).waitFor();
  // A picture the title card provider drew, but whose flag did not come along.
  await page.evaluate((pid) => {
    const f = window.__fake;
    const scene = f.projects.get(pid).scenes[0];
    f.emit({ type: 'scene', scene: { ...scene, provider: 'titlecard', placeholder: false, updated_at: Date.now() + 1000 } });
  }, id);
  await waitText(cards.nth(0).getByTestId('scene-status'), 'title card');
  for (const n of [0, 3]) {
    const badges = await cards.nth(n).locator('.badges > *').allInnerTexts();
    assert.deepEqual(badges.filter((t) => /title ?card/i.test(t)), ['title card'], `scene ${n + 1}: ${JSON.stringify(badges)}`);
    assert.equal(await cards.nth(n).getByTestId('scene-provider').count(), 0);
  }
  // A real picture still names its provider.
  assert.equal(await cards.nth(1).getByTestId('scene-provider').innerText(), 'openai');
  await screenshot(page, 'project-title-card-once');

  await cards.nth(3).getByTestId('scene-view').click();
  const box = page.getByTestId('scene-lightbox');
  await box.waitFor();
  const chips = await box.locator('.details .chip').allInnerTexts();
  assert.deepEqual(chips.filter((t) => /title ?card/i.test(t)), ['title card'], JSON.stringify(chips));
  await page.keyboard.press('ArrowLeft');
  await waitText(box.locator('h2').first(), /^Scene 3/);
  assert.equal(await box.getByTestId('lightbox-provider').innerText(), 'openai');
  await page.keyboard.press('Escape');
  assert.deepEqual(problems, []);
  await context.close();
});

test('header actions: retry failed, replace title cards, open folder', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo' });
  await page.getByTestId('project-card').filter({ hasText: 'Paper Boats' }).getByTestId('project-open').click();
  await page.getByTestId('scene-card').first().waitFor();
  await page.getByTestId('retry-failed').click();
  await page.getByTestId('toast').filter({ hasText: '1 failed scene queued again.' }).waitFor();
  await page.getByTestId('regenerate-placeholders').click();
  await page.getByTestId('toast').filter({ hasText: '1 title card queued for a real picture.' }).waitFor();
  await page.getByTestId('open-folder').click();
  assert.equal((await callsTo(page, 'reveal_project')).length, 1);
  assert.equal(await page.getByTestId('retry-failed').isDisabled(), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('odd payloads do not break the screen, and a failing command says why next to its button', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url);
  await createStory(page, 'One.\n\nTwo.');
  const id = await page.getByTestId('scene-card').first().evaluate(() => window.__fake.calls.find((/** @type {any} */ c) => c.cmd === 'get_project')?.args.id);
  await page.evaluate((pid) => {
    const f = window.__fake;
    f.emit({ type: 'scene', scene: { project_id: pid, index: 1, updated_at: Date.now() + 1000, status: 'running' } });
    f.emit({ type: 'scene', scene: { project_id: pid, index: 2, updated_at: Date.now() + 1000, status: 'failed', error: { code: 'x' }, sync: { state: 'odd' } } });
    f.emit({ type: 'project', card: { id: pid, updated_at: Date.now() + 1000, status: 'running', total: 2, done: 9 } });
    f.emit({ type: 'job', job: { id: 'zz', lane: 'generate' } });
    f.emit({ type: 'queue', lane: 'generate', order: ['zz', 42], running: null });
    f.emit({ type: 'provider', provider: { name: 'openai' } });
    f.emit({ type: 'render', project_id: pid });
    f.emit({ type: 'sync', health: null });
    f.emit({ type: 'something-new', payload: 1 });
    f.emit(null);
  }, id);
  await waitText(page.getByTestId('scene-status').nth(0), 'generating');
  await waitText(page.getByTestId('scene-status').nth(1), 'failed: Something went wrong.');
  await waitText(page.getByTestId('project-status'), 'running');
  assert.equal(await page.locator('h1#project-title').innerText(), 'Untitled story');
  await page.getByTestId('nav-activity').click();
  await page.getByTestId('nav-stats').click();
  await page.getByTestId('nav-library').click();
  await page.getByTestId('project-open').first().click();

  await page.evaluate(() => window.__fake.failing.set('render_video', { code: 'busy', message: 'Another video is being rendered; this one starts after it.' }));
  await page.getByTestId('render-button').click();
  await waitText(page.locator('.render [role="alert"]'), 'Another video is being rendered; this one starts after it.');
  await page.evaluate(() => window.__fake.failing.set('set_project_paused', { code: 'engine', message: 'The engine is restarting; try again in a moment.' }));
  await page.getByTestId('pause-toggle').click();
  await waitText(page.getByTestId('project-action-error'), 'The engine is restarting; try again in a moment.');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a story stays editable after Generate: words, order, split, merge, delete, look', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { providers: 'none' });
  await createStory(page, 'The ferry leaves.\n\nGulls follow it. Across the bay.\n\nA girl counts the waves.');
  await page.evaluate(() => window.__fake.runAll());
  await waitText(page.getByTestId('project-status'), 'done');
  await page.getByTestId('render-button').click();
  await tick(page, 6);
  await page.getByTestId('video-player').waitFor();
  const cards = page.getByTestId('scene-card');

  // New words for scene 3: only its title card is drawn again, and the video is out of date.
  await cards.nth(2).getByTestId('scene-edit').click();
  const dialog = page.getByTestId('scene-dialog');
  await dialog.getByTestId('scene-text-input').fill('A girl counts the gulls.');
  await dialog.getByTestId('scene-save').click();
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await texts(page, 'scene-status'), ['title card', 'title card', 'queued #1']);
  await page.getByTestId('video-stale').waitFor();
  await screenshot(page, 'project-edited');

  // Split scene 2 after its first sentence: a new scene 3 appears.
  await cards.nth(1).getByTestId('scene-edit').click();
  await dialog.getByTestId('scene-text-input').evaluate((/** @type {HTMLTextAreaElement} */ t) => t.setSelectionRange(16, 16));
  await dialog.getByTestId('scene-split').click();
  await dialog.waitFor({ state: 'hidden' });
  await cards.nth(3).waitFor();
  assert.equal(await cards.count(), 4);
  const split = (await callsTo(page, 'edit_scenes')).at(-1)?.args.scenes;
  assert.deepEqual(split.map((/** @type {any} */ e) => [e.from, e.text]), [
    [1, 'The ferry leaves.'],
    [2, 'Gulls follow it.'],
    [null, 'Across the bay.'],
    [3, 'A girl counts the gulls.'],
  ]);

  // Move the last scene earlier, merge the first two, delete one.
  await cards.nth(3).getByTestId('scene-edit').click();
  await dialog.getByTestId('scene-move-up').click();
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual((await callsTo(page, 'edit_scenes')).at(-1)?.args.scenes.map((/** @type {any} */ e) => e.from), [1, 2, 4, 3]);
  await cards.nth(0).getByTestId('scene-edit').click();
  await dialog.getByTestId('scene-merge').click();
  await dialog.waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="scene-card"]').length === 3);
  await cards.nth(2).getByTestId('scene-edit').click();
  await dialog.getByTestId('scene-delete').click();
  await dialog.waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="scene-card"]').length === 2);

  // An empty scene is refused with a sentence, nothing sent.
  await cards.nth(0).getByTestId('scene-edit').click();
  await dialog.getByTestId('scene-text-input').fill('   ');
  assert.equal(await dialog.getByTestId('scene-save').isDisabled(), true);
  await page.keyboard.press('Escape');

  // A new look: every scene is made again.
  await page.getByTestId('look-toggle').click();
  await page.getByTestId('look-style').selectOption('noir');
  await page.getByTestId('look-apply').click();
  await page.getByTestId('toast').filter({ hasText: 'Every scene gets a new picture in the new look.' }).waitFor();
  assert.deepEqual((await callsTo(page, 'set_project_look')).at(-1)?.args, { id: (await callsTo(page, 'set_project_look')).at(-1)?.args.id, style: 'noir', aspect: null });
  await waitText(page.getByTestId('project-look'), /noir/);
  assert.deepEqual(problems, []);
  await context.close();
});
