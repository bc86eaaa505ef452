// Introduction lists in the console, as a Network Admin uses them, in Chromium: two allies share
// their connections (synced through the API, as the extension does); the admin opens
// Introduction lists from the navigation, creates a list, finds two founders with the list's own
// Add contacts search and adds both at once, exports the list (the downloaded CSV is read and
// checked), asks for introductions for the whole list (each ask goes to the ally connected with
// the contact longest, and the allies see them), and looks at the delete confirmation. axe on
// every page (0 serious or critical), screenshots of each, on a laptop and a phone.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import {
  test, before, after, startServer, acceptInvitation, accessibilityProblems, screenshot, apiSession,
  CHROMIUM,
} from './harness.mjs';

const NETWORK = 'Getro Sales Network';
const ADMIN = { network: NETWORK, email: 'nadia@example.org', name: 'Nadia Admin', password: 'a long admin passphrase' };
const ALLIES = [
  { network: NETWORK, email: 'grace@example.org', name: 'Grace Hopper', password: 'grace long passphrase' },
  { network: NETWORK, email: 'alan@example.org', name: 'Alan Turing', password: 'alan long passphrase' },
];
const STEP_MS = 15_000;

const person = (id, first, last, headline, connectedOn) => ({
  member_id: id,
  profile_url: `https://www.linkedin.com/in/${id.toLowerCase()}/`,
  first_name: first,
  last_name: last,
  headline,
  connected_on: connectedOn,
});

let server;
let browser;
let allySessions;

/** One full sync of `contacts`, as the extension does it: a session, one batch, the commit. */
async function share(session, contacts) {
  const opened = await session.call('POST', '/v1/sync/sessions', { kind: 'full' });
  assert.equal(opened.status, 201);
  const id = opened.json.id;
  assert.equal((await session.call('PUT', `/v1/sync/sessions/${id}/batches/0`, { contacts })).status, 200);
  assert.equal((await session.call('POST', `/v1/sync/sessions/${id}/commit`, { batch_count: 1 })).status, 200);
}

before(async () => {
  server = await startServer();
  await acceptInvitation(await server.invite({ ...ADMIN, role: 'network_admin' }), ADMIN.password);
  allySessions = [];
  for (const ally of ALLIES) {
    await acceptInvitation(await server.invite(ally), ally.password);
    const session = await apiSession(server.url, ally.email, ally.password);
    const me = await session.get('/v1/me');
    const networkId = me.json.networks[0].id;
    assert.equal((await session.call('PUT', `/v1/networks/${networkId}/sharing`, { sharing: true })).status, 200);
    allySessions.push(session);
  }
  // Grace has known Kay since 2016, Alan since 2022: Kay's ask goes to Grace.
  await share(allySessions[0], [
    person('KAY1', 'Kay', 'Okafor', 'Founder at Acme Robotics', '2016-04-12'),
    person('LEE2', 'Lee', 'Marchetti', 'Founder & CEO, Beta Health', '2019-09-30'),
    person('MAX3', 'Max', 'Lindqvist', 'Investor', '2020-01-15'),
  ]);
  await share(allySessions[1], [
    person('KAY1', 'Kay', 'Okafor', 'Founder at Acme Robotics', '2022-02-01'),
  ]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  server?.stop();
});

async function noSeriousAxeProblems(page, where) {
  assert.deepEqual(await accessibilityProblems(page), [], `axe on ${where}`);
}

test('an admin builds an introduction list from its search, exports it and asks for introductions', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });

  // Signed in, the navigation leads to Introduction lists: none yet.
  await page.goto(`${server.url}/admin/sign-in`);
  await page.getByLabel('Email address').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Team Members' }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Console' });
  await nav.getByRole('link', { name: 'Introduction lists' }).click();
  await page.getByRole('heading', { level: 1, name: 'Introduction lists' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Introduction lists' }).getAttribute('aria-current'), 'page');
  await page.getByText('There are no introduction lists yet.').waitFor();
  await noSeriousAxeProblems(page, 'Introduction lists, empty');
  await screenshot(page, 'console-lists-empty');

  // New list: an empty name first (the field error), then the list, and on to its page.
  await page.getByRole('button', { name: 'New list' }).click();
  await page.getByText('Please give the list a name.').first().waitFor();
  assert.equal(await page.getByLabel('List name').getAttribute('aria-invalid'), 'true');
  await noSeriousAxeProblems(page, 'New list with a field error');
  await page.getByLabel('List name').fill('Robotics founders');
  await page.getByRole('button', { name: 'New list' }).click();
  await page.getByRole('heading', { level: 1, name: 'Robotics founders' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'The list is created.' }).waitFor();
  const listUrl = page.url().split('?')[0];
  await noSeriousAxeProblems(page, 'the new, empty list');
  await screenshot(page, 'console-list-new');

  // Add contacts: the search finds both founders; both are ticked and added at once.
  await page.getByLabel("Search the network's contacts").fill('founder');
  await page.getByRole('button', { name: 'Search' }).click();
  const results = page.getByRole('table', { name: 'Search results' });
  await results.waitFor();
  assert.equal(await results.getByRole('row').count(), 3, 'a header and two founders');
  await noSeriousAxeProblems(page, 'the list with search results');
  await screenshot(page, 'console-list-search');
  await results.getByRole('checkbox', { name: 'Select Kay Okafor' }).check();
  await results.getByRole('checkbox', { name: 'Select Lee Marchetti' }).check();
  await page.getByRole('button', { name: 'Add selected to the list' }).click();
  await page.getByRole('status').filter({ hasText: '2 contacts added to the list.' }).waitFor();
  const entries = page.getByRole('table', { name: 'Contacts on this list' });
  await entries.getByRole('row').filter({ hasText: 'Kay Okafor' }).getByText('Grace Hopper').waitFor();
  await entries.getByRole('row').filter({ hasText: 'Kay Okafor' }).getByText('Alan Turing').waitFor();
  await entries.getByRole('row').filter({ hasText: 'Lee Marchetti' }).waitFor();
  assert.equal(await entries.getByRole('row').count(), 3);
  await page.getByText('2 contacts', { exact: false }).first().waitFor();
  await noSeriousAxeProblems(page, 'the list with two contacts');
  await screenshot(page, 'console-list-two-contacts');

  // Export CSV: the downloaded file holds both, Kay's ally asked first (connected longest).
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'robotics-founders.csv');
  const csv = (await readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, '');
  const lines = csv.split('\r\n');
  assert.equal(lines[0], '"Name","Headline","LinkedIn profile","Known by","Connected since","Added by","Added on"');
  assert.match(lines[1], /^"Kay Okafor","Founder at Acme Robotics","https:\/\/www\.linkedin\.com\/in\/kay1\/","Grace Hopper; Alan Turing","2016-04-12","Nadia Admin","\d{4}-\d\d-\d\d"$/);
  assert.match(lines[2], /^"Lee Marchetti","Founder & CEO, Beta Health",/);
  assert.equal(lines.length, 4, 'a header, two rows, the last line end');

  // Ask for introductions for the whole list: one ask per contact, to the ally connected longest.
  await page.getByLabel('Note to the allies').fill('We are introducing robotics founders to our Q3 investors.');
  await page.getByRole('button', { name: 'Ask for introductions' }).click();
  await page.getByRole('heading', { level: 1, name: 'Introductions asked' }).waitFor();
  await page.getByRole('status').filter({ hasText: '2 asks sent.' }).waitFor();
  const sent = page.getByRole('table', { name: 'Asks sent' });
  await sent.getByRole('row').filter({ hasText: 'Kay Okafor' }).getByText('Grace Hopper').waitFor();
  await sent.getByRole('row').filter({ hasText: 'Lee Marchetti' }).getByText('Grace Hopper').waitFor();
  await noSeriousAxeProblems(page, 'Introductions asked');
  await screenshot(page, 'console-list-asked');
  const graceAsks = await allySessions[0].get('/v1/intro-asks');
  assert.deepEqual(graceAsks.json.map((a) => a.contact_name).sort(), ['Kay Okafor', 'Lee Marchetti']);
  assert.ok(graceAsks.json.every((a) => a.note === 'We are introducing robotics founders to our Q3 investors.'));
  assert.deepEqual((await allySessions[1].get('/v1/intro-asks')).json, []);

  // Asked again: both are waiting for an answer, so both are skipped, and the page says why.
  await page.getByRole('link', { name: 'Back to the list' }).click();
  await page.getByRole('button', { name: 'Ask for introductions' }).click();
  await page.getByRole('status').filter({ hasText: 'No ask was sent, 2 contacts skipped.' }).waitFor();
  await page.getByRole('table', { name: 'Skipped' }).getByText('already waiting for an answer').first().waitFor();
  await noSeriousAxeProblems(page, 'Introductions asked, all skipped');
  await screenshot(page, 'console-list-asked-skipped');

  // Delete asks for confirmation (a plain form); keep the list.
  await page.goto(listUrl);
  await page.getByRole('link', { name: 'Delete this list…' }).click();
  await page.getByRole('heading', { level: 1, name: 'Delete “Robotics founders”?' }).waitFor();
  await noSeriousAxeProblems(page, 'the delete confirmation');
  await screenshot(page, 'console-list-delete');
  await page.getByRole('link', { name: 'Keep the list' }).click();
  await page.getByRole('heading', { level: 1, name: 'Robotics founders' }).waitFor();

  // The lists, with the count; and on a phone the list page is usable too.
  await page.getByRole('link', { name: 'Introduction lists' }).first().click();
  await page.getByRole('row').filter({ hasText: 'Robotics founders' }).getByRole('cell', { name: '2', exact: true }).waitFor();
  await noSeriousAxeProblems(page, 'Introduction lists with one list');
  await screenshot(page, 'console-lists');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(listUrl);
  await noSeriousAxeProblems(page, 'the list on a phone');
  await screenshot(page, 'console-list-phone');

  assert.deepEqual(errors.map(String), [], 'no script errors on the list pages');
  await context.close();
});
