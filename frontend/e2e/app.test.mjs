// The whole product as a new user meets it, in a real Chromium against the real stack
// (scripts/e2e.sh starts it with the offline analyst pacing its words, so answers stream):
// sign up, a session, an upload with its progress, the profile, a streamed answer with its
// SQL, table and chart, a follow-up, Stop, switching sessions, a reload, a refused upload,
// sign-out, and a rejected token. axe-core runs on every page; a phone-sized viewport too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { BASE_URL, assertAccessible, csvFile, launch, screenshot, watch } from './browser.mjs';

const REGIONS = ['East', 'West', 'North', 'South'];
const PRODUCTS = ['Widget', 'Gadget', 'Gizmo'];

/** 400 orders over 2024; `totals` holds the revenue of each region, computed here. */
function salesCsv() {
  const totals = Object.fromEntries(REGIONS.map((region) => [region, 0]));
  const lines = ['order_date,region,product,units,revenue,note'];
  for (let i = 0; i < 400; i += 1) {
    const region = REGIONS[i % 4];
    const product = PRODUCTS[i % 3];
    const units = (i % 7) + 1;
    const revenue = units * (10 + (i % 5) * 5);
    totals[region] += revenue;
    const day = new Date(Date.UTC(2024, 0, 1 + i * 0.9)).toISOString().slice(0, 10);
    // Every ninth note is missing, some are long enough to be truncated in a table cell.
    const note = i % 9 === 0 ? '' : i % 13 === 0 ? `"a long remark about order ${i}, ${'very '.repeat(20)}long"` : `order ${i}`;
    lines.push(`${day},${region},${product},${units},${revenue},${note}`);
  }
  return { text: `${lines.join('\n')}\n`, totals };
}

const digits = (text) => text.replace(/[^0-9]/g, '');
const email = `analyst-${Date.now()}@example.com`;
const password = 'correct horse battery';
const sales = salesCsv();

let browser;
let context;
let page;
let problems;

before(async () => {
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  page = await context.newPage();
  problems = watch(page);
});

after(async () => {
  await browser?.close();
});

const answers = () => page.getByRole('article', { name: 'Answer' });

/** Asks `question` and waits until its answer has finished (no Stop button any more). */
async function ask(question) {
  const before = await answers().count();
  await page.getByLabel('Ask a question about your data').fill(question);
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
  await answers().nth(before).waitFor();
  await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached', timeout: 60_000 });
  return answers().nth(before);
}

test('a protected page sends a visitor to sign in', async () => {
  await page.goto(`${BASE_URL}/`);
  await page.waitForURL(/\/signin\/?$/);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await screenshot(page, 'signin');
  await assertAccessible(page, 'the sign-in page');
  problems.assertClean();
});

test('a new user signs up (the passwords must match) and lands in the app', async () => {
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByRole('heading', { name: 'Create your account' }).waitFor();
  await assertAccessible(page, 'the sign-up page');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(`${password}!`);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('alert').filter({ hasText: /match/i }).waitFor();
  await screenshot(page, 'signup-mismatch');
  await page.getByLabel('Confirm password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.match(page.url(), /\/$/);
  await page.getByText(email).first().waitFor();
  await screenshot(page, 'empty-app');
  await assertAccessible(page, 'the empty app');
  problems.assertClean();
});

test('sessions: create one, a duplicate title is refused with the server message', async () => {
  await page.getByLabel('Session title').fill('Sales 2024');
  await page.getByRole('button', { name: 'New session' }).click();
  const session = page.getByRole('button', { name: 'Sales 2024', exact: true });
  await session.waitFor();
  assert.equal(await session.getAttribute('aria-current'), 'true');

  await page.getByLabel('Session title').fill('Sales 2024');
  await page.getByRole('button', { name: 'New session' }).click();
  await page.getByRole('alert').filter({ hasText: 'a session with this title already exists' }).waitFor();
  // Editing the title clears the refusal.
  await page.getByLabel('Session title').fill('');
  assert.equal(await page.getByRole('alert').filter({ hasText: 'already exists' }).count(), 0);
  problems.assertClean();
});

test('an upload shows its progress, then the profile and the first rows', async () => {
  // Records whether the progress bar was ever shown, however short the upload.
  await page.evaluate(() => {
    globalThis.sawProgress = false;
    new MutationObserver(() => {
      if (document.querySelector('progress[aria-label="Upload progress"]')) globalThis.sawProgress = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.getByLabel('Dataset file').setInputFiles(csvFile('sales.csv', sales.text));
  await page.getByLabel('Dataset name').fill('sales');
  await page.getByLabel('Description').fill('orders of 2024');
  await page.getByRole('button', { name: 'Upload' }).click();
  const profile = page.getByRole('heading', { name: 'Profile of sales' });
  await profile.waitFor({ timeout: 60_000 });
  assert.equal(await page.evaluate(() => globalThis.sawProgress), true, 'the progress bar was shown');

  const profileTable = page.locator('section, div').filter({ has: profile }).getByRole('table').first();
  for (const column of ['order_date', 'region', 'product', 'units', 'revenue', 'note']) {
    await profileTable.getByText(column, { exact: true }).first().waitFor();
  }
  await page.getByRole('heading', { name: 'First rows' }).waitFor();
  await page.getByRole('button', { name: 'Use sales' }).waitFor();
  await screenshot(page, 'profile', profile);
  await assertAccessible(page, 'the app with a profile');
  problems.assertClean();
});

test('a question streams an answer with its SQL, a table and an interactive chart', async () => {
  const suggestions = page.getByRole('group', { name: 'Suggested questions' });
  await suggestions.getByRole('button').first().waitFor();

  // The answer's text grows over several updates while the run streams.
  await page.evaluate(() => {
    globalThis.textLengths = new Set();
    new MutationObserver(() => {
      const answer = document.querySelector('article[aria-label="Answer"]');
      if (answer) globalThis.textLengths.add(answer.textContent.length);
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  const streamed = page.waitForResponse((response) => response.url().includes('/chat/stream'));
  await page.getByLabel('Ask a question about your data').fill('What is the total revenue by region?');
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
  const response = await streamed;
  assert.match(response.headers()['content-type'], /^text\/event-stream/);
  await page.getByRole('status').first().waitFor();
  await screenshot(page, 'streaming', answers().first());
  await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached', timeout: 60_000 });
  const answer = answers().first();
  assert.ok((await page.evaluate(() => globalThis.textLengths.size)) > 3, 'the text arrived in pieces');

  await answer.getByText('SQL', { exact: true }).click();
  const sql = await answer.locator('details pre, details code').first().innerText();
  assert.match(sql, /SELECT/i);
  await answer.getByRole('button', { name: 'Copy SQL' }).click();
  assert.equal((await page.evaluate(() => navigator.clipboard.readText())).trim(), sql.trim());

  const table = answer.getByRole('table').first();
  const east = table.getByRole('row').filter({ hasText: 'East' });
  assert.equal(digits(await east.getByRole('cell').last().innerText()), String(sales.totals.East));

  const chart = answer.getByRole('figure', { name: 'Chart' });
  // Interactive: hovering a bar shows Vega's tooltip with its value.
  const bar = chart.locator('svg .mark-rect path').first();
  await bar.waitFor();
  await bar.hover();
  await page.locator('#vg-tooltip-element').filter({ hasText: /revenue/i }).waitFor({ state: 'visible', timeout: 5_000 });
  const download = page.waitForEvent('download');
  await chart.getByRole('button', { name: 'Download PNG' }).click();
  assert.match((await download).suggestedFilename(), /\.png$/);
  await screenshot(page, 'answer', page.getByRole('article', { name: 'Question' }).first());
  await assertAccessible(page, 'an answer');
  problems.assertClean();
});

test('dark mode follows the system and stays readable', async () => {
  await page.emulateMedia({ colorScheme: 'dark' });
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [red, green, blue] = background.match(/\d+/g).map(Number);
  assert.ok(red + green + blue < 150, `a dark background (${background})`);
  await screenshot(page, 'dark', page.getByRole('article', { name: 'Question' }).first());
  await assertAccessible(page, 'the app in dark mode');
  await page.emulateMedia({ colorScheme: 'light' });
  problems.assertClean();
});

test('a follow-up is answered in the same conversation', async () => {
  const answer = await ask('only West');
  await answer.getByRole('table').first().waitFor();
  assert.equal(await answer.getByRole('alert').count(), 0);
  assert.equal(await answers().count(), 2);
  problems.assertClean();
});

test('the conversation exports as Markdown and prints to PDF without the controls', async () => {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export Markdown' }).click();
  const markdown = await readFile(await (await download).path(), 'utf8');
  assert.match(markdown, /What is the total revenue by region\?/);
  assert.match(markdown, /```sql\n\s*SELECT/i);
  assert.match(markdown, /\| *region *\|/);

  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.getByLabel('Ask a question about your data').isVisible(), false, 'no composer on paper');
  assert.equal(await answers().first().isVisible(), true);
  const pdf = await page.pdf({ format: 'A4' });
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  await page.emulateMedia({ media: 'screen' });
  problems.assertClean();
});

test('Stop really stops a long answer', async () => {
  const full = await answers().first().innerText();
  await page.getByLabel('Ask a question about your data').fill('What is the total revenue by region?');
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
  const running = answers().nth(2);
  await running.getByText(/\w+/).first().waitFor();
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached', timeout: 30_000 });
  await running.getByText(/stopped/i).first().waitFor();
  assert.ok((await running.innerText()).length < full.length, 'the stopped answer is shorter than a whole one');
  await screenshot(page, 'stopped', running);
  const history = await page.evaluate(async () => {
    const token = sessionStorage.getItem('sextant.token');
    const response = await fetch('/api/v1/gateway/chat/history', { headers: { authorization: `Bearer ${token}` } });
    return response.json();
  });
  assert.equal(history.length, 2, 'the stopped turn is not remembered');
  problems.assertClean();
});

test('switching session and back restores the history; the active one cannot be deleted', async () => {
  await page.getByRole('button', { name: 'Delete session Sales 2024' }).click();
  await page.getByRole('alert').filter({ hasText: /active session cannot be deleted/i }).waitFor();

  await page.getByLabel('Session title').fill('Scratch');
  await page.getByRole('button', { name: 'New session' }).click();
  await page.getByRole('button', { name: 'Scratch', exact: true }).waitFor();
  await answers().first().waitFor({ state: "detached" });
  await screenshot(page, 'second-session');

  await page.getByRole('button', { name: 'Sales 2024', exact: true }).click();
  await answers().nth(1).waitFor();
  assert.equal(await answers().count(), 2);
  await page.getByRole('listitem').filter({ hasText: 'Sales 2024' }).getByText('sales').first().waitFor();
  problems.assertClean();
});

test('a reload keeps the user signed in with the history there', async () => {
  await page.reload();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await answers().nth(1).waitFor();
  assert.equal(await answers().count(), 2);
  problems.assertClean();
});

test('a dataset is deleted only after the user confirms', async () => {
  await page.getByLabel('Dataset file').setInputFiles(csvFile('tiny.csv', 'a,b\n1,2\n'));
  await page.getByLabel('Dataset name').fill('tiny');
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.getByRole('heading', { name: 'Profile of tiny' }).waitFor();
  await page.getByRole('button', { name: 'Use sales' }).click();
  await page.getByRole('heading', { name: 'Profile of sales' }).waitFor();
  await answers().nth(1).waitFor();

  await page.getByRole('button', { name: 'Delete tiny' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Delete tiny' }).click();
  await screenshot(page, 'confirm-delete');
  await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete it' }).click();
  await page.getByRole('button', { name: 'Delete tiny' }).waitFor({ state: 'detached' });
  assert.equal(await answers().count(), 2, 'the conversation about sales is still there');
  problems.assertClean();
});

test('a file that is not a dataset is refused with a clear message', async () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  await page.getByLabel('Dataset file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png });
  await page.getByLabel('Dataset name').fill('logo');
  await page.getByRole('button', { name: 'Upload' }).click();
  const error = page.getByRole('alert').filter({ hasText: /dataset|format/i });
  await error.waitFor();
  await screenshot(page, 'upload-refused', error);
  assert.equal(await page.getByRole('button', { name: 'Use logo' }).count(), 0, 'nothing was added');
  problems.assertClean();
});

test('on a 390-pixel phone everything fits and the sessions open from a button', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Sessions' }).click();
  const scratch = page.getByRole('button', { name: 'Scratch', exact: true });
  await scratch.waitFor();
  const box = await scratch.boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= 844, `the open sessions are on screen (${JSON.stringify(box)})`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px too wide)`);
  await screenshot(page, 'phone-sessions');
  await assertAccessible(page, 'the phone layout');
  await page.getByRole('button', { name: 'Sessions' }).click();
  await screenshot(page, 'phone-chat', page.getByLabel('Ask a question about your data'));
  await page.setViewportSize({ width: 1280, height: 900 });
  problems.assertClean();
});

test('sign-out ends the session and protected pages send the user to sign in', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/signin\/?$/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('sextant.token')), null);
  await page.goto(`${BASE_URL}/`);
  await page.waitForURL(/\/signin\/?$/);
  problems.assertClean();
});

test('a rejected token sends the user to sign in and says why', async () => {
  await page.evaluate(() => sessionStorage.setItem('sextant.token', 'not.a.valid-token'));
  await page.goto(`${BASE_URL}/`);
  await page.waitForURL(/\/signin\/?$/);
  await page.getByRole('alert').filter({ hasText: /expired|no longer valid/i }).waitFor();
  await screenshot(page, 'token-rejected');
  problems.assertClean();
});

test('signing in with the keyboard alone, the focus visible, brings the conversation back; Enter asks', async () => {
  await page.goto(`${BASE_URL}/signin/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const focused = () =>
    page.evaluate(() => {
      const element = document.activeElement;
      const style = getComputedStyle(element);
      return { label: element.labels?.[0]?.textContent ?? element.textContent, outline: style.outlineStyle };
    });
  let now = { label: null };
  for (let presses = 0; presses < 10 && now.label !== 'Email'; presses += 1) {
    await page.keyboard.press('Tab');
    now = await focused();
  }
  assert.equal(now.label, 'Email', 'Tab reaches the email field');
  assert.notEqual(now.outline, 'none', 'the focused field shows it');
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  assert.equal((await focused()).label, 'Password');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await answers().nth(1).waitFor();

  await page.getByLabel('Ask a question about your data').focus();
  await page.keyboard.type('How many rows are there?');
  await page.keyboard.press('Enter');
  await answers().nth(2).waitFor();
  await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached', timeout: 60_000 });
  assert.match(await answers().nth(2).innerText(), /400/);
  problems.assertClean();
});
