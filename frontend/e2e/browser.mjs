// What the browser tests share: Debian's Chromium driven by playwright-core, axe-core run in
// the page, screenshots, and a watch on Content-Security-Policy violations and page errors.
import { readFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** The stack under test, started by scripts/e2e.sh. */
export const BASE_URL = process.env.SEXTANT_URL ?? 'http://127.0.0.1:8003';
const EXECUTABLE = process.env.SEXTANT_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.SEXTANT_SCREENSHOTS ?? path.join(import.meta.dirname, 'screenshots');

/** Headless Chromium with the flags these machines need (no sandbox as root, no GPU, and
 * no background traffic: there is no network). */
export async function launch() {
  return chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Records what must never happen on a page: CSP violations, uncaught errors, console
 * errors, a missing asset, and a server error from the API. The API's 4xx answers are part
 * of the product (404: no active dataset yet; 409: a duplicate title), so the browser's
 * console line for those is not counted; which 4xx a step expects is up to the step. */
export function watch(page) {
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) return;
    problems.push(`console error: ${message.text()}`);
  });
  page.on('response', (response) => {
    const api = new URL(response.url()).pathname.startsWith('/api/');
    if (response.status() >= 500 || (!api && response.status() >= 400)) {
      problems.push(`${response.status()} for ${response.request().method()} ${response.url()}`);
    }
  });
  page.on('requestfailed', (request) => {
    // A stream the app closes on purpose (Stop, sign-out, a switch) is aborted, not failed.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED') {
      problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`);
    }
  });
  // Runs before the page's own scripts, outside its CSP (an init script is not inline).
  page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
    });
  });
  return {
    /** Fails if anything was seen since the last check; forgets what was checked. */
    assertClean() {
      const seen = problems.splice(0);
      assert.deepEqual(seen, [], 'no CSP violation, page error, console error, missing asset or server error');
    },
  };
}

let shot = 0;
/** Saves what the viewport shows as the next numbered artifact; `focus`, a locator, is
 * scrolled to the top first (below the sticky header). */
export async function screenshot(page, name, focus) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await focus?.evaluate((element) => {
    element.scrollIntoView({ block: 'start' });
    window.scrollBy(0, -72);
  });
  shot += 1;
  const file = path.join(SCREENSHOTS, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

let axeSource;
/** Runs axe-core in the page (evaluated by the debugger, so the page's CSP does not apply)
 * and fails on any violation of serious or critical impact. */
export async function assertAccessible(page, where) {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        nodes: violation.nodes.slice(0, 3).map((node) => node.target.join(' ')),
      }));
  });
  assert.deepEqual(violations, [], `axe-core on ${where}`);
}

/** A CSV file for the upload input. */
export function csvFile(name, text) {
  return { name, mimeType: 'text/csv', buffer: Buffer.from(text) };
}
