// The console's Contacts, as a Network Admin uses them, in Chromium: two allies share their
// contacts through the API (as the extension's sync does); the admin signs in, opens Contacts,
// searches, filters by an ally, opens a contact known by both allies, asks one of them for an
// introduction (a field error first), and sees the ask on Asks. axe on every page (0 serious or
// critical), screenshots of each.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import {
  test, before, after, startServer, acceptInvitation, accessibilityProblems, screenshot, apiSession,
  CHROMIUM,
} from './harness.mjs';

const NETWORK = 'Getro Sales Network';
const ADMIN = { email: 'nadia@example.org', name: 'Nadia Admin', password: 'a long admin passphrase' };
const ALLIES = [
  { email: 'ada@example.org', name: 'Ada Ally', password: 'a long ally passphrase' },
  { email: 'bob@example.org', name: 'Bob Ally', password: 'another ally passphrase' },
];
const STEP_MS = 15_000;

const contact = (id, first, last, headline, connected_on) => ({
  member_id: id,
  profile_url: `https://www.linkedin.com/in/${id.toLowerCase()}/`,
  first_name: first,
  last_name: last,
  headline,
  connected_on,
});

const SHARED = [
  [
    contact('A1', 'Grace', 'Hopper', 'Rear Admiral, US Navy', '2020-01-05'),
    contact('A2', 'Alan', 'Turing', 'Mathematician', '2019-03-01'),
    contact('A3', 'Katherine', 'Johnson', 'Mathematician', '2024-06-01'),
  ],
  [
    contact('A1', 'Grace', 'Hopper', 'Computer scientist, US Navy', '2023-02-02'),
    contact('B1', 'Carl', 'Sagan', 'Astronomer', '2022-02-02'),
  ],
];

let server;
let browser;

/** An ally who accepted, turned sharing on, and synced `contacts` (one full session). */
async function share(ally, contacts) {
  await acceptInvitation(await server.invite({ network: NETWORK, email: ally.email, name: ally.name }), ally.password);
  const api = await apiSession(server.url, ally.email, ally.password);
  const me = await api.get('/v1/me');
  const network = me.json.networks.find((n) => n.name === NETWORK);
  assert.equal((await api.call('PUT', `/v1/networks/${network.id}/sharing`, { sharing: true })).status, 200);
  const session = await api.call('POST', '/v1/sync/sessions', { kind: 'full' });
  assert.equal(session.status, 201);
  assert.equal((await api.call('PUT', `/v1/sync/sessions/${session.json.id}/batches/0`, { contacts })).status, 200);
  assert.equal((await api.call('POST', `/v1/sync/sessions/${session.json.id}/commit`, { batch_count: 1 })).status, 200);
}

before(async () => {
  server = await startServer();
  await acceptInvitation(await server.invite({ network: NETWORK, ...ADMIN, role: 'network_admin' }), ADMIN.password);
  for (const [i, ally] of ALLIES.entries()) await share(ally, SHARED[i]);
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

test('an admin searches the contacts, opens one, asks an ally for an introduction and sees it on Asks', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });

  await page.goto(`${server.url}/admin/sign-in`);
  await page.getByLabel('Email address').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Team Members' }).waitFor();

  // Contacts, from the navigation: every contact once, with who knows them.
  const nav = page.getByRole('navigation', { name: 'Console' });
  await nav.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Contacts' }).getAttribute('aria-current'), 'page');
  const table = page.getByRole('table', { name: 'Contacts shared with the network' });
  assert.equal(await table.getByRole('row').count(), 1 + 4);
  await table.getByRole('row').filter({ hasText: 'Grace Hopper' }).getByText('Ada Ally, Bob Ally').waitFor();
  await noSeriousAxeProblems(page, 'Contacts');
  await screenshot(page, 'console-contacts');

  // Search by headline, then by a word of another headline; filter by an ally; sort by most allies.
  await page.getByLabel('Search by name or headline').fill('mathematician');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/q=mathematician/);
  assert.deepEqual(await table.getByRole('rowheader').allTextContents(), ['Alan Turing', 'Katherine Johnson']);
  await page.getByLabel('Search by name or headline').fill('navy');
  await page.getByLabel('Known by').selectOption({ label: 'Bob Ally' });
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/q=navy/);
  assert.deepEqual(await table.getByRole('rowheader').allTextContents(), ['Grace Hopper']);
  await noSeriousAxeProblems(page, 'Contacts, searched and filtered');
  await screenshot(page, 'console-contacts-searched');
  await page.getByLabel('Search by name or headline').fill('');
  await page.getByLabel('Known by').selectOption({ label: 'All allies' });
  await page.getByLabel('Sort by').selectOption({ label: 'Most allies' });
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/sort=allies/);
  assert.equal((await table.getByRole('rowheader').allTextContents())[0], 'Grace Hopper');

  // Her page: both allies, since when; the ask form.
  await table.getByRole('link', { name: 'Grace Hopper' }).click();
  await page.getByRole('heading', { level: 1, name: 'Grace Hopper' }).waitFor();
  assert.match(new URL(page.url()).pathname, /\/contacts\/member%3AA1$/);
  const knowers = page.getByRole('table', { name: /Allies who know Grace Hopper/ });
  await knowers.getByRole('row').filter({ hasText: 'Ada Ally' }).getByText('5 Jan 2020').waitFor();
  await knowers.getByRole('row').filter({ hasText: 'Bob Ally' }).getByText('2 Feb 2023').waitFor();
  await noSeriousAxeProblems(page, 'a contact');
  await screenshot(page, 'console-contact');

  // Send without choosing an ally: the error, and nothing sent.
  await page.getByLabel('Note to the ally').fill('For our CTO search: could you introduce us?');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('alert').filter({ hasText: 'nothing was sent' }).waitFor();
  await page.getByText('Please choose the ally to ask').waitFor();
  assert.equal(await page.getByLabel('Note to the ally').inputValue(), 'For our CTO search: could you introduce us?');
  await noSeriousAxeProblems(page, 'a contact, with a field error');
  await screenshot(page, 'console-contact-error');

  await page.getByLabel('Bob Ally').check();
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('heading', { level: 1, name: 'Asks' }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Bob Ally is asked to introduce Grace Hopper' }).waitFor();
  const asks = page.getByRole('table', { name: 'Introduction asks' });
  const row = asks.getByRole('row').filter({ hasText: 'Grace Hopper' });
  await row.getByText('Bob Ally').waitFor();
  await row.getByText('For our CTO search: could you introduce us?').waitFor();
  await row.getByText('Pending').waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Asks' }).getAttribute('aria-current'), 'page');
  await noSeriousAxeProblems(page, 'Asks');
  await screenshot(page, 'console-asks');

  // Bob's answer shows there.
  const bob = await apiSession(server.url, ALLIES[1].email, ALLIES[1].password);
  const mine = await bob.get('/v1/intro-asks');
  assert.equal(mine.json.length, 1);
  assert.equal((await bob.call('POST', `/v1/intro-asks/${mine.json[0].id}/answer`, { outcome: 'made' })).status, 200);
  await page.reload();
  await asks.getByRole('row').filter({ hasText: 'Grace Hopper' }).getByText('Introduction made').waitFor();

  // On a phone: the same pages, axe-clean.
  await page.setViewportSize({ width: 390, height: 844 });
  await noSeriousAxeProblems(page, 'Asks on a phone');
  await screenshot(page, 'console-asks-phone');
  await nav.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor();
  await noSeriousAxeProblems(page, 'Contacts on a phone');
  await screenshot(page, 'console-contacts-phone');

  assert.deepEqual(errors, []);
  await context.close();
});
