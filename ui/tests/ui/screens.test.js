// Every screen, in the light and the dark theme: it shows, names its controls, and is saved as a
// screenshot in test-artifacts/ for a person to look at.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApp, screenshot, suite } from './harness.js';

const ctx = suite(before, after);

/** Controls a screen reader could not name. @param {import('playwright-core').Page} page */
function unnamed(page) {
  return page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll('button, input, select, textarea, [role="button"]')) {
      const h = /** @type {HTMLElement} */ (el);
      if (h.closest('[aria-hidden="true"]') || h.getAttribute('tabindex') === '-1') continue;
      const input = /** @type {HTMLInputElement} */ (el);
      const labelled =
        (h.getAttribute('aria-label') ?? '').trim() ||
        (h.getAttribute('aria-labelledby') ?? '').trim() ||
        (input.labels && input.labels.length > 0) ||
        (el.tagName === 'BUTTON' && h.innerText.trim()) ||
        (h.getAttribute('title') ?? '').trim();
      if (!labelled) out.push(h.outerHTML.slice(0, 120));
    }
    return out;
  });
}

for (const theme of /** @type {const} */ (['light', 'dark'])) {
  test(`every screen in the ${theme} theme`, async () => {
    const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo', theme }, { colorScheme: theme });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, theme === 'dark' ? 'rgb(20, 17, 25)' : 'rgb(245, 243, 239)');

    await screenshot(page, `${theme}-library`);
    assert.deepEqual(await unnamed(page), []);

    await page.getByTestId('project-card').filter({ hasText: 'Paper Boats' }).getByTestId('project-open').click();
    await page.getByTestId('scene-card').nth(5).waitFor();
    await page.waitForTimeout(150);
    await screenshot(page, `${theme}-project`);
    assert.deepEqual(await unnamed(page), []);

    await page.getByTestId('nav-library').click();
    await page.getByTestId('project-card').filter({ hasText: 'The Lighthouse' }).getByTestId('project-open').click();
    await page.getByTestId('video-player').waitFor();
    await page.waitForTimeout(300);
    // The demo syncs to a storage target: the video went there with the images.
    assert.equal((await page.getByTestId('video-sync').innerText()).trim(), '· in your storage');
    await screenshot(page, `${theme}-project-with-video`);

    await page.getByTestId('scene-card').nth(3).getByTestId('scene-view').click();
    await page.getByTestId('scene-lightbox').waitFor();
    await page.waitForTimeout(250);
    await screenshot(page, `${theme}-lightbox`);
    await page.keyboard.press('Escape');

    const screens = /** @type {const} */ (['new', 'activity', 'sync', 'settings', 'stats']);
    for (const s of screens) {
      await page.getByTestId(`nav-${s}`).click();
      await page.getByTestId(`screen-${s}`).waitFor();
      if (s === 'new') {
        await page.getByTestId('story-text').fill('# Night Ferry\n\nThe ferry leaves at midnight.\n\nFog swallows the harbour lights.\n\nA lighthouse blinks on the far shore.');
        await page.getByTestId('preview-button').click();
        await page.getByTestId('draft-scene').nth(2).waitFor();
      }
      if (s === 'settings') await page.getByTestId('provider-row').first().waitFor();
      if (s === 'stats') await page.getByTestId('stat-provider').first().waitFor();
      await page.waitForTimeout(200);
      await screenshot(page, `${theme}-${s}`);
      assert.deepEqual(await unnamed(page), [], `controls without a name on ${s}`);
      assert.equal(await page.locator('h1').count(), 1, `one heading on ${s}`);
    }
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('the empty library and the first start', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { notice: 'openai skipped: no API key' });
  await page.getByTestId('library-empty').waitFor();
  await page.getByTestId('toast').filter({ hasText: 'openai skipped: no API key' }).waitFor();
  await screenshot(page, 'light-library-empty');
  assert.deepEqual(problems, []);
  await context.close();
});
