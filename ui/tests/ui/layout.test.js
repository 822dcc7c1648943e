// Every screen at the window's minimum (720×520), a small laptop (1024×700) and a large screen
// (1440×900), in both themes: nothing spills out of its panel, the page never scrolls sideways,
// and every control can be scrolled to and clicked (nothing covers it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApp, screenshot, suite } from './harness.js';

const ctx = suite(before, after);

const SIZES = /** @type {const} */ ([
  [720, 520],
  [1024, 700],
  [1440, 900],
]);

/**
 * What is wrong with the layout of the page as it is now: elements wider than their panel, a
 * page that scrolls sideways, controls that cannot be reached. Empty when all is well.
 * @param {import('playwright-core').Page} page
 */
async function layoutProblems(page) {
  return page.evaluate(async () => {
    /** @type {string[]} */
    const out = [];
    const name = (/** @type {Element} */ e) =>
      `${e.tagName.toLowerCase()}${e.getAttribute('data-testid') ? `[${e.getAttribute('data-testid')}]` : ''}${e.className && typeof e.className === 'string' ? `.${e.className.trim().split(/\s+/).slice(0, 2).join('.')}` : ''} "${(e.textContent ?? '').trim().slice(0, 30)}"`;
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth + 1) out.push(`the page scrolls sideways (${doc.scrollWidth} > ${window.innerWidth})`);
    const visible = (/** @type {Element} */ e) => {
      const r = e.getBoundingClientRect();
      const cs = getComputedStyle(e);
      return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none';
    };
    // Nothing overflows its panel sideways (text is allowed to be cut with an ellipsis inside).
    for (const panel of document.querySelectorAll('.panel')) {
      if (!visible(panel)) continue;
      const pr = panel.getBoundingClientRect();
      for (const e of panel.querySelectorAll('button, input, select, textarea, a, label, p, h1, h2, h3, span, video, img')) {
        if (!visible(e) || e.closest('[data-clip]')) continue;
        const r = e.getBoundingClientRect();
        if (r.right > pr.right + 1.5 || r.left < pr.left - 1.5) {
          // a child of a scroller that clips it is fine
          let clipped = false;
          for (let a = e.parentElement; a && a !== panel; a = a.parentElement) {
            const ov = getComputedStyle(a).overflowX;
            if (ov === 'hidden' || ov === 'auto' || ov === 'scroll' || ov === 'clip') clipped = true;
          }
          if (!clipped) out.push(`${name(e)} spills out of its panel ${name(panel)} (${Math.round(r.left)}–${Math.round(r.right)} vs ${Math.round(pr.left)}–${Math.round(pr.right)})`);
        }
      }
    }
    // Every control can be brought into view and is the thing under the pointer there.
    const controls = [...document.querySelectorAll('main button, main input:not([type=hidden]), main select, main textarea, nav button')].filter(
      (e) => visible(e) && !(/** @type {HTMLInputElement} */ (e).disabled) && !e.closest('[aria-hidden="true"]'),
    );
    for (const c of controls.slice(0, 80)) {
      c.scrollIntoView({ block: 'center', inline: 'center' });
      await new Promise((ok) => requestAnimationFrame(() => ok(undefined)));
      const r = c.getBoundingClientRect();
      // hidden inputs styled away (radio and check boxes behind their labels) are reached through the label
      const target = r.width < 4 || r.height < 4 ? c.closest('label') ?? c : c;
      const tr = target.getBoundingClientRect();
      const x = Math.min(window.innerWidth - 1, Math.max(0, tr.left + tr.width / 2));
      const y = Math.min(window.innerHeight - 1, Math.max(0, tr.top + Math.min(tr.height / 2, 12)));
      if (tr.bottom < 0 || tr.top > window.innerHeight || tr.right < 0 || tr.left > window.innerWidth) {
        out.push(`${name(c)} cannot be scrolled into view`);
        continue;
      }
      const hit = document.elementFromPoint(x, y);
      if (!hit || !(target.contains(hit) || hit.contains(target) || (hit.closest('label') && hit.closest('label')?.contains(c)))) {
        out.push(`${name(c)} is covered by ${hit ? name(hit) : 'nothing'}`);
      }
    }
    window.scrollTo(0, 0);
    for (const s of document.querySelectorAll('main, main *')) if (s.scrollTop) s.scrollTop = 0;
    return out;
  });
}

/** @param {import('playwright-core').Page} page @param {string} screen */
async function open(page, screen) {
  if (screen === 'project') {
    await page.getByTestId('nav-library').click();
    await page.getByTestId('project-open').first().click();
    await page.getByTestId('screen-project').waitFor();
    await page.getByTestId('scene-card').first().waitFor();
  } else if (screen === 'new') {
    await page.getByTestId('nav-new').click();
    await page.getByTestId('story-text').fill('The ferry leaves at dawn.\n\nGulls follow it across the bay.\n\nA girl counts the waves.');
    await page.getByTestId('draft-scene').nth(2).waitFor();
  } else {
    await page.getByTestId(`nav-${screen}`).click();
    await page.getByTestId(`screen-${screen}`).waitFor();
  }
  await page.waitForTimeout(150);
}

for (const theme of /** @type {const} */ (['light', 'dark'])) {
  for (const [width, height] of SIZES) {
    test(`every screen works at ${width}×${height} in the ${theme} theme`, async () => {
      const { page, problems, context } = await openApp(ctx.browser, ctx.url, { fixture: 'demo', theme }, { width, height, colorScheme: theme });
      /** @type {string[]} */
      const found = [];
      for (const screen of ['library', 'new', 'project', 'activity', 'sync', 'settings', 'stats']) {
        await open(page, screen);
        for (const p of await layoutProblems(page)) found.push(`${screen}: ${p}`);
        await screenshot(page, `layout-${width}x${height}-${theme}-${screen}`);
      }
      assert.deepEqual(found, []);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}
