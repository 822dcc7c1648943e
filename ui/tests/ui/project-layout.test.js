// The project screen in one window: the header, a player of the video's own shape (as large as
// the room allows) and at least a row of scenes, without scrolling the page; the scenes scroll in
// their own area. Also: the Video card before the first render keeps the video's shape, a long
// path in its error stays inside it, and scene pictures show whole in the project's frame.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApp, screenshot, suite } from './harness.js';

const ctx = suite(before, after);

/**
 * Opens a project of the demo by its title.
 * @param {import('playwright-core').Page} page @param {string} title
 */
async function openProject(page, title) {
  const card = page.getByTestId('project-card').filter({ hasText: title });
  const id = await card.getAttribute('data-project-id');
  await card.getByTestId('project-open').click();
  await page.getByTestId('screen-project').waitFor();
  await page.getByTestId('scene-card').first().waitFor();
  return id;
}

/** Waits until the player knows the video's size. @param {import('playwright-core').Page} page */
async function videoLoaded(page) {
  await page.getByTestId('video-player').waitFor();
  await page.waitForFunction(() => {
    const v = /** @type {HTMLVideoElement | null} */ (document.querySelector('[data-testid="video-player"]'));
    return !!v && v.readyState >= 1 && v.videoWidth > 0;
  });
  await page.waitForTimeout(150);
}

/** Where everything is. @param {import('playwright-core').Page} page */
function measure(page) {
  return page.evaluate(() => {
    const box = (/** @type {Element | null} */ el) => {
      const r = el ? el.getBoundingClientRect() : new DOMRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height };
    };
    const video = /** @type {HTMLVideoElement} */ (document.querySelector('[data-testid="video-player"]'));
    const screen = /** @type {HTMLElement} */ (document.querySelector('[data-testid="screen-project"]'));
    const grid = /** @type {HTMLElement} */ (document.querySelector('[data-testid="scene-grid"]'));
    return {
      vw: window.innerWidth,
      vh: window.innerHeight,
      docHeight: document.documentElement.scrollHeight,
      screenOverflow: screen.scrollHeight - screen.clientHeight,
      header: box(document.querySelector('#project-title')?.closest('.panel') ?? null),
      player: box(video),
      picture: [video.videoWidth, video.videoHeight],
      scroller: box(document.querySelector('[data-testid="scene-scroll"]')),
      columns: Number(grid.dataset.columns),
      cards: [...document.querySelectorAll('[data-testid="scene-card"]')].map((c) => ({ index: Number(c.getAttribute('data-index')), ...box(c) })),
    };
  });
}

/**
 * What is wrong with the screen at this size, for a video of this shape; empty when all is well.
 * @param {Awaited<ReturnType<typeof measure>>} m @param {number} ratio
 */
function problemsOf(m, ratio) {
  /** @type {string[]} */
  const out = [];
  const inView = (/** @type {{left:number,top:number,right:number,bottom:number}} */ b, area = { left: 0, top: 0, right: m.vw, bottom: m.vh }) =>
    b.left >= area.left - 0.5 && b.top >= area.top - 0.5 && b.right <= area.right + 0.5 && b.bottom <= area.bottom + 0.5;
  const shape = m.player.width / m.player.height;
  if (Math.abs(shape / ratio - 1) > 0.02) out.push(`the player is ${m.player.width}×${m.player.height}, not of the video's shape ${ratio.toFixed(3)}`);
  const [pw, ph] = m.picture;
  if (pw && Math.abs(pw / ph / shape - 1) > 0.02) out.push(`the picture (${pw}×${ph}) has bars in the player (${m.player.width}×${m.player.height})`);
  if (!inView(m.player)) out.push(`the player is not all in the window: ${JSON.stringify(m.player)}`);
  if (!inView(m.header)) out.push(`the header is not all in the window: ${JSON.stringify(m.header)}`);
  // One full row of scenes: the first `columns` cards, whole, in the window and in their scroller.
  const area = {
    left: Math.max(0, m.scroller.left),
    top: Math.max(0, m.scroller.top),
    right: Math.min(m.vw, m.scroller.right),
    bottom: Math.min(m.vh, m.scroller.bottom),
  };
  const row = m.cards.filter((c) => c.index <= m.columns);
  if (row.length < Math.min(m.columns, m.cards.length) || !row.every((c) => inView(c, area))) {
    out.push(`the first row of ${m.columns} scenes is not all in view: ${JSON.stringify(row.map((c) => [c.index, c.top, c.bottom]))} in ${JSON.stringify(area)}`);
  }
  if (m.docHeight !== m.vh) out.push(`the page is ${m.docHeight}px tall in a ${m.vh}px window`);
  if (m.screenOverflow > 0) out.push(`the screen scrolls by ${m.screenOverflow}px`);
  return out;
}

for (const [width, height] of /** @type {const} */ ([[1200, 800], [800, 700], [1600, 900]])) {
  test(`a 9:16 video stands beside the scenes, all in a ${width}×${height} window`, async () => {
    const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo' }, { width, height });
    await openProject(page, 'The Lighthouse');
    await videoLoaded(page);
    await screenshot(page, `project-layout-9x16-${width}x${height}`);
    const m = await measure(page);
    assert.deepEqual(problemsOf(m, 9 / 16), []);
    // the player is a column beside the scenes
    assert.ok(m.player.left >= m.scroller.right, `the player (${m.player.left}) is right of the scenes (${m.scroller.right})`);
    if (width === 1200) assert.ok(m.player.height >= 500, `a large picture: ${m.player.height}px tall`);
    if (width === 1600) assert.ok(m.player.height >= 600, `a large picture: ${m.player.height}px tall`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

for (const [width, height] of /** @type {const} */ ([[1200, 800], [1600, 900]])) {
  test(`a 16:9 video sits over the scenes, all in a ${width}×${height} window`, async () => {
    const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo' }, { width, height });
    await openProject(page, 'Night Market');
    await page.getByTestId('render-button').click();
    await page.evaluate(() => window.__fake.runAll());
    await videoLoaded(page);
    await screenshot(page, `project-layout-16x9-${width}x${height}`);
    const m = await measure(page);
    assert.deepEqual(problemsOf(m, 16 / 9), []);
    assert.ok(m.player.bottom <= m.scroller.top, `the player (${m.player.bottom}) is over the scenes (${m.scroller.top})`);
    assert.ok(m.player.width >= 0.4 * (m.vw - 216), `a large picture: ${m.player.width}px wide`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('before the first render the Video card has the video shape, and nothing moves when it comes', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo' }, { width: 1200, height: 800 });
  await openProject(page, 'Night Market');
  const frame = page.getByTestId('video-frame');
  const placeholder = page.getByTestId('video-placeholder');
  await placeholder.waitFor();
  const empty = await frame.boundingBox();
  const grid = await page.getByTestId('scene-grid').boundingBox();
  assert.ok(empty && Math.abs(empty.width / empty.height / (16 / 9) - 1) < 0.02, `a 16:9 place: ${JSON.stringify(empty)}`);
  // the render button is in it
  const button = await placeholder.getByTestId('render-button').boundingBox();
  assert.ok(button && empty && button.y > empty.y && button.y + button.height < empty.y + empty.height);
  await screenshot(page, 'project-layout-16x9-before-render');

  await page.getByTestId('render-button').click();
  await page.evaluate(() => window.__fake.runAll());
  await videoLoaded(page);
  const full = await frame.boundingBox();
  const gridAfter = await page.getByTestId('scene-grid').boundingBox();
  for (const k of /** @type {const} */ (['x', 'y', 'width', 'height'])) {
    assert.ok(empty && full && Math.abs(empty[k] - full[k]) <= 1, `the player's ${k} stays: ${empty?.[k]} → ${full?.[k]}`);
    assert.ok(grid && gridAfter && Math.abs(grid[k] - gridAfter[k]) <= 1, `the scenes' ${k} stays: ${grid?.[k]} → ${gridAfter?.[k]}`);
  }
  assert.equal(await placeholder.count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a narrow window stacks the header, the video and the scenes, and the screen scrolls', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo' }, { width: 720, height: 520 });
  await openProject(page, 'The Lighthouse');
  await videoLoaded(page);
  const m = await measure(page);
  const shape = m.player.width / m.player.height;
  assert.ok(Math.abs(shape / (9 / 16) - 1) < 0.02, `the player keeps the video's shape: ${m.player.width}×${m.player.height}`);
  assert.ok(m.player.top >= m.header.bottom && m.scroller.top >= m.player.bottom, 'header, video, scenes, top to bottom');
  assert.equal(m.docHeight, m.vh);
  assert.ok(m.screenOverflow > 0, 'the screen scrolls');
  await page.getByTestId('screen-project').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await page.locator('[data-testid="scene-card"][data-index="7"]').waitFor();
  await screenshot(page, 'project-layout-9x16-720x520-end');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a long file path in a render error wraps inside the Video card', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo' }, { width: 1200, height: 800 });
  const id = await openProject(page, 'The Lighthouse');
  const message =
    'The video could not be written to /home/someone/.local/share/storyreel/projects/0b8e2c0a-5f3e-4a51-9d7c-2f0f3a1c9e77/renders/a-very-long-folder-name-without-any-spaces-in-it/video.mp4: no space left on device.';
  await page.evaluate(
    ([pid, text]) =>
      window.__fake.emit({
        type: 'job',
        job: {
          id: 'render-failed-1', kind: 'render_video', lane: 'render', project_id: pid, project_title: 'The Lighthouse', scene_index: null,
          status: 'failed', phase: null, attempt: 1, started_at: Date.now() - 5000, position: null, not_before: null, finished_at: Date.now(),
          error: { code: 'io', message: text },
        },
      }),
    [id, message],
  );
  const error = page.getByTestId('render-error');
  await error.waitFor();
  await screenshot(page, 'project-render-error-long-path');
  const fit = await error.evaluate((el) => {
    const card = /** @type {Element} */ (el.closest('.render'));
    const r = el.getBoundingClientRect();
    const c = card.getBoundingClientRect();
    const text = /** @type {HTMLElement} */ (el.querySelector('span'));
    const t = text.getBoundingClientRect();
    return { scroll: el.scrollWidth, client: el.clientWidth, inside: r.left >= c.left && r.right <= c.right && t.right <= c.right, text: el.textContent };
  });
  assert.ok(fit.text?.includes('no space left on device'));
  assert.ok(fit.scroll <= fit.client, `the error text fits its line box (${fit.scroll} > ${fit.client})`);
  assert.ok(fit.inside, 'the error stays inside the Video card');
  assert.deepEqual(problems, []);
  await context.close();
});

test('scene pictures show whole, in the box of the project frame (16:9 and 9:16)', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo' }, { width: 1200, height: 800 });
  for (const [title, ratio] of /** @type {const} */ ([['Night Market', 16 / 9], ['The Lighthouse', 9 / 16]])) {
    await page.getByTestId('nav-library').click();
    await openProject(page, title);
    const img = page.getByTestId('scene-card').first().getByTestId('thumb-img');
    await img.waitFor();
    await page.waitForFunction(() => {
      const i = /** @type {HTMLImageElement | null} */ (document.querySelector('[data-testid="scene-card"] [data-testid="thumb-img"]'));
      return !!i && i.complete && i.naturalWidth > 0;
    });
    const shown = await img.evaluate((el) => {
      const i = /** @type {HTMLImageElement} */ (el);
      const r = i.getBoundingClientRect();
      const box = /** @type {Element} */ (i.closest('[data-testid="scene-view"]')).getBoundingClientRect();
      // The part of the box the picture covers: object-fit contain shows it whole, cover crops it.
      const fit = getComputedStyle(i).objectFit;
      const natural = i.naturalWidth / i.naturalHeight;
      const scale = fit === 'cover' ? Math.max(r.width / i.naturalWidth, r.height / i.naturalHeight) : Math.min(r.width / i.naturalWidth, r.height / i.naturalHeight);
      return { box: r.width / r.height, button: box.width / box.height, natural, drawn: [i.naturalWidth * scale, i.naturalHeight * scale], size: [r.width, r.height] };
    });
    assert.ok(Math.abs(shown.box / ratio - 1) < 0.02, `${title}: the picture's box is ${shown.box.toFixed(3)}, not ${ratio.toFixed(3)}`);
    assert.ok(Math.abs(shown.button / ratio - 1) < 0.02, `${title}: the card's picture box is ${shown.button.toFixed(3)}`);
    assert.ok(shown.drawn[0] <= shown.size[0] + 0.5 && shown.drawn[1] <= shown.size[1] + 0.5, `${title}: the picture is cropped: ${JSON.stringify(shown)}`);
    await screenshot(page, `project-thumbs-${ratio > 1 ? '16x9' : '9x16'}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('leaving the project lets go of the video: its player is emptied, not kept playing', async () => {
  const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo' }, { width: 1200, height: 800 });
  await openProject(page, 'The Lighthouse');
  await videoLoaded(page);
  await page.evaluate(async () => {
    const v = /** @type {HTMLVideoElement} */ (document.querySelector('[data-testid="video-player"]'));
    /** @type {any} */ (window).__player = v;
    v.muted = true;
    await v.play().catch(() => {});
  });
  await page.getByTestId('nav-library').click();
  await page.getByTestId('screen-library').waitFor();
  const left = await page.evaluate(() => {
    const v = /** @type {HTMLVideoElement} */ (/** @type {any} */ (window).__player);
    return { connected: v.isConnected, src: v.getAttribute('src'), paused: v.paused, ready: v.readyState };
  });
  assert.deepEqual(left, { connected: false, src: null, paused: true, ready: 0 }, 'the old player holds nothing');
  assert.deepEqual(problems, []);
  await context.close();
});
