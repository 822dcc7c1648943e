// A 500-scene project renders only a window of cards, and scrolling brings the later ones in. The
// scenes scroll in their own area beside or under the video; in a narrow window the screen scrolls.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApp, screenshot, suite, waitText } from './harness.js';

const ctx = suite(before, after);

test('only the visible rows of 500 scenes are in the page', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'big' });
  await page.getByTestId('project-open').click();
  await page.getByTestId('scene-card').first().waitFor();
  await waitText(page.getByTestId('project-progress'), /^500\/500 done/);
  const first = await page.getByTestId('scene-card').count();
  assert.ok(first > 0 && first < 100, `${first} cards rendered at the top`);
  const columns = Number(await page.getByTestId('scene-grid').getAttribute('data-columns'));
  assert.ok(columns >= 3, `${columns} columns`);
  const height = await page.getByTestId('scene-grid').evaluate((el) => el.getBoundingClientRect().height);
  const row = (await page.getByTestId('scene-card').first().boundingBox())?.height ?? 0;
  assert.ok(row > 100 && height > (500 / columns - 1) * row, `the grid is as tall as all its rows (${height}px, rows of ${row}px)`);
  // The page itself does not scroll: the scenes do, in their own area.
  assert.equal(await page.getByTestId('screen-project').evaluate((el) => el.scrollHeight - el.clientHeight), 0);

  // Scroll to the end: the last scene appears, the first is gone, still a small window.
  const scroller = page.getByTestId('scene-scroll');
  await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  const last = page.locator('[data-testid="scene-card"][data-index="500"]');
  await last.waitFor();
  assert.ok(await last.isVisible());
  assert.equal(await page.locator('[data-testid="scene-card"][data-index="1"]').count(), 0);
  const end = await page.getByTestId('scene-card').count();
  assert.ok(end < 100, `${end} cards rendered at the end`);
  await screenshot(page, 'project-500-end');

  // The middle, step by step as a wheel would (over the scenes).
  await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight / 2));
  await page.waitForFunction(() => {
    const cards = [...document.querySelectorAll('[data-testid="scene-card"]')].map((c) => Number(c.getAttribute('data-index')));
    return cards.length > 0 && Math.min(...cards) > 150 && Math.max(...cards) < 350;
  });
  const before = await scroller.evaluate((el) => el.scrollTop);
  const area = await scroller.boundingBox();
  if (area) await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2);
  for (let i = 0; i < 10; i++) await page.mouse.wheel(0, 400);
  await page.waitForTimeout(100);
  assert.ok((await scroller.evaluate((el) => el.scrollTop)) > before, 'the wheel scrolls the scenes');
  const indices = await page.getByTestId('scene-card').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))));
  assert.ok(indices.length < 100);
  // consecutive, no holes
  const sorted = [...indices].sort((a, b) => a - b);
  assert.equal((sorted.at(-1) ?? 0) - (sorted[0] ?? 0) + 1, sorted.length);

  // A narrower window has fewer columns, and still a small window of cards.
  await page.setViewportSize({ width: 900, height: 800 });
  await page.waitForFunction((c) => Number(document.querySelector('[data-testid="scene-grid"]')?.getAttribute('data-columns')) < c, columns);
  assert.ok((await page.getByTestId('scene-card').count()) < 100);

  // A narrow window stacks the screen, which scrolls with the grid in it: still a window of cards,
  // and the end of the screen shows the last scene.
  await page.setViewportSize({ width: 700, height: 600 });
  await page.waitForFunction(() => {
    const el = document.querySelector('[data-testid="screen-project"]');
    return !!el && el.scrollHeight > el.clientHeight + 1000;
  });
  assert.ok((await page.getByTestId('scene-card').count()) < 100);
  await page.getByTestId('screen-project').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await last.waitFor();
  assert.ok(await last.isVisible());
  assert.ok((await page.getByTestId('scene-card').count()) < 100);
  assert.deepEqual(problems, []);
  await context.close();
});
