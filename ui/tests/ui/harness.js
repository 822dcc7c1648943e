// Shared pieces of the browser tests: a static server for the test build, a headless Chromium,
// and a page that opens the app on the test backend with no CSP violation or page error.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('.', import.meta.url));
export const ROOT = resolve(here, '../../dist-mock');
export const ARTIFACTS = resolve(here, '../../test-artifacts');

/** The desktop app's content security policy, sent with every page so that the tests obey it. */
export const CSP =
  "default-src 'self'; img-src 'self' asset: http://asset.localhost data:; media-src 'self' http://127.0.0.1:*; style-src 'self' 'unsafe-inline'; script-src 'self'";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wav': 'audio/wav',
};

/** Serves dist-mock on 127.0.0.1 at a free port. */
export async function startServer() {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const path = normalize(decodeURIComponent(url.pathname === '/' ? '/mock.html' : url.pathname));
      const file = join(ROOT, path);
      if (!file.startsWith(ROOT + sep)) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[/** @type {keyof typeof TYPES} */ (extname(file))] ?? 'application/octet-stream',
        'content-security-policy': CSP,
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((ok) => server.close(() => ok(undefined))),
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/**
 * Opens the app with the given URL parameters. Page errors, console errors and CSP violations
 * are collected in `problems`; a test checks it is empty at its end.
 * @param {import('playwright-core').Browser} browser
 * @param {string} base
 * @param {Record<string, string>} [params]
 * @param {{ width?: number, height?: number, colorScheme?: 'light' | 'dark' }} [opts]
 */
export async function openApp(browser, base, params = {}, opts = {}) {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    colorScheme: opts.colorScheme ?? 'light',
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  /** @type {string[]} */
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const qs = new URLSearchParams(params).toString();
  await page.goto(`${base}/mock.html${qs ? `?${qs}` : ''}`);
  await page.waitForSelector('[data-testid="screen-library"], [data-testid="app-error"]');
  return { page, context, problems };
}

/** @param {import('playwright-core').Page} page @param {string} name */
export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/**
 * The calls the app made to a command, oldest first.
 * @param {import('playwright-core').Page} page
 * @param {string} cmd
 * @returns {Promise<Array<{ cmd: string, args: any, at: number }>>}
 */
export async function callsTo(page, cmd) {
  return page.evaluate((c) => window.__fake.calls.filter((/** @type {{ cmd: string }} */ x) => x.cmd === c), cmd);
}

/** Waits until `fn` (run in the page) is truthy. @param {import('playwright-core').Page} page @param {() => unknown} fn */
export async function until(page, fn, timeout = 5000) {
  await page.waitForFunction(fn, undefined, { timeout });
}

/**
 * Starts the server and the browser once for a test file.
 * @param {typeof import('node:test').before} before
 * @param {typeof import('node:test').after} after
 */
export function suite(before, after) {
  /** @type {{ url: string, browser: import('playwright-core').Browser }} */
  const ctx = /** @type {any} */ ({});
  /** @type {{ close: () => Promise<unknown> } | null} */
  let server = null;
  before(async () => {
    server = await startServer();
    ctx.url = /** @type {any} */ (server).url;
    ctx.browser = await launch();
  });
  after(async () => {
    await ctx.browser?.close();
    await server?.close();
  });
  return ctx;
}

/** Text of every element with a test id, in document order. @param {import('playwright-core').Page} page @param {string} id */
export async function texts(page, id) {
  return (await page.getByTestId(id).allInnerTexts()).map((t) => t.trim());
}

/**
 * Waits until the element has exactly this text.
 * @param {import('playwright-core').Locator} locator
 * @param {string | RegExp} expected
 */
export async function waitText(locator, expected, timeout = 5000) {
  const start = Date.now();
  let last = '';
  while (Date.now() - start < timeout) {
    last = ((await locator.innerText({ timeout }).catch(() => '')) ?? '').trim();
    if (typeof expected === 'string' ? last === expected : expected.test(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Expected text ${expected} but it stayed “${last}”.`);
}
