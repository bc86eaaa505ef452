// Reading LinkedIn and syncing, end to end: the unpacked extension in Chromium reads the fake
// LinkedIn (HTTPS on loopback, reached as www.linkedin.com) with the ally's own cookies, and
// uploads to the reference server on a real SQLite file.
import { test, before, after } from './harness.mjs';
import assert from 'node:assert/strict';
import { startSyncScenario, sendIntent, eventually, acceptInvitation, apiSession } from './harness.mjs';

const N = 2000;

let world;
let server;
let linkedin;
let browser;
let popup;
let digest;
let state;
let ally;

before(async () => {
  // The extension reaches the server through a watching hop: its log is everything the backend
  // receives (request line, headers, body).
  world = await startSyncScenario({ connections: N, proxy: {} });
  ({ server, linkedin, browser, popup, digest, state, ally } = world);
});

after(async () => {
  await world?.stop();
});

test(`a first sync of ${N} contacts lands exactly ${N} on the server`, async () => {
  await linkedin.control({ resetStats: true });
  const reply = await world.share(true);
  assert.equal(reply.problem, null);
  await eventually(async () => (await digest()).count === N, { what: `${N} contacts on the server`, timeoutMs: 120_000 });
  const view = await eventually(async () => {
    const s = await state();
    return s.sync.phase.phase === 'idle' && s.sync.shared === N && s.sync;
  }, { what: 'the extension to say it shares everything' });
  assert.equal(view.contacts, N);
  assert.equal(view.linkedin, 'connected');
  assert.equal(view.read_total, N, 'the progress total came from the connections summary');
  const stats = await linkedin.stats();
  assert.equal(stats.requests.summary, 1);
  // Every page once, plus the empty page that says the list ended (N is a multiple of 40).
  assert.equal(stats.requests.dash, Math.floor(N / 40) + 1, 'one request per page, no page twice');
  // The server's view matches the extension's ledger exactly.
  assert.equal(await world.ledgerSize(), N);
});

test('after 3 new connections, a sync makes exactly one list request and uploads those 3', async () => {
  await linkedin.control({ add: 3, resetStats: true });
  const before = await state();
  await sendIntent(popup, { intent: 'sync_now' });
  await eventually(async () => (await digest()).count === N + 3, { what: `${N + 3} contacts` });
  await eventually(async () => (await state()).sync.phase.phase === 'idle', { what: 'idle' });
  const stats = await linkedin.stats();
  assert.equal(stats.requests.dash, 1, JSON.stringify(stats.list ?? stats));
  const after = await state();
  assert.equal(after.sync.contacts, before.sync.contacts + 3);
});

test('a quiet sync reads one page and sends nothing to the server', async (t) => {
  await linkedin.control({ resetStats: true });
  const ledgerBefore = await browser.ext(async () => (await chrome.storage.local.get('ledger')).ledger);
  const digestBefore = await digest();
  // "Last sync" is in whole seconds: let one pass so this sync's stamp is a new one.
  const lastBefore = (await state()).sync.last_sync_at;
  await new Promise((r) => setTimeout(r, 1100));
  const from = world.proxy.log.length;
  await sendIntent(popup, { intent: 'sync_now' });
  await eventually(async () => {
    const s = await state();
    return s.sync.phase.phase === 'idle' && s.sync.last_sync_at > lastBefore;
  }, { what: 'the sync to finish' });
  const during = world.proxy.log.slice(from).map((e) => `${e.method} ${e.path}`);
  // The positive control: the same watch sees what the worker sends right after (reading the
  // profile is a request it always makes), so an empty list above means "nothing sent".
  await sendIntent(popup, { intent: 'refresh' });
  const control = world.proxy.log.slice(from + during.length).map((e) => `${e.method} ${e.path}`);
  assert.ok(control.includes('GET /v1/me'), `the watch sees the worker's requests: ${control.join(', ')}`);
  assert.equal((await linkedin.stats()).requests.dash, 1);
  assert.deepEqual(during.filter((r) => r.includes('/v1/sync')), [], 'no sync request reached the backend');
  t.diagnostic(`a quiet sync: ${(await linkedin.stats()).requests.dash} LinkedIn request, ${during.length} backend requests (${during.join(', ') || 'none'})`);
  const ledgerAfter = await browser.ext(async () => (await chrome.storage.local.get('ledger')).ledger);
  assert.equal(ledgerAfter, ledgerBefore);
  assert.deepEqual(await digest(), digestBefore);
});

test('LinkedIn cookies never reach the backend', async () => {
  // The fake LinkedIn's own session values, as this browser holds them.
  const cookies = await browser.context.cookies('https://www.linkedin.com');
  const value = (name) => cookies.find((c) => c.name === name)?.value;
  const liAt = value('li_at');
  const jsessionid = value('JSESSIONID');
  assert.ok(liAt && jsessionid, `logged in to the fake LinkedIn: ${cookies.map((c) => c.name)}`);
  // JSESSIONID is quoted ("ajax:…"); its inside is the CSRF token sent to LinkedIn.
  const inner = jsessionid.replace(/^"|"$/g, '');
  const secrets = [liAt, inner, inner.replace(/^ajax:/, '')];
  const needles = [...new Set(secrets.flatMap((v) => [v, encodeURIComponent(v)]))];

  await linkedin.control({ add: 1 });
  await sendIntent(popup, { intent: 'sync_now' });
  await eventually(async () => (await digest()).count === N + 4, { what: 'one more contact' });
  // Everything the backend received since the browser started: the whole first read and sync
  // of N contacts (the first test), the syncs since, and this one.
  const log = world.proxy.log;
  const batches = log.filter((e) => e.method === 'PUT' && /\/batches\/\d+$/.test(e.path));
  assert.ok(batches.length >= 1, `the watch saw the uploads (${batches.length} batches)`);
  assert.ok(batches.every((e) => e.requestBody.includes('linkedin.com/in/')), 'and their bodies');
  assert.ok(log.some((e) => e.requestHeaders.authorization), 'and their headers');
  for (const e of log) {
    const seen = `${e.method} ${e.path}\n${JSON.stringify(e.requestHeaders)}\n${e.requestBody}`;
    for (const needle of needles) {
      assert.ok(!seen.includes(needle), `a LinkedIn cookie value reached the backend in ${e.method} ${e.path}`);
    }
  }
});

test('a new introduction ask is found in the background: the badge shows it, announced once', async () => {
  // The network's admin asks for an introduction to one of the shared contacts.
  const admin = { network: 'Sales Network', email: 'sam@example.org', name: 'Sam Admin', role: 'network_admin' };
  await acceptInvitation(await server.invite(admin), 'admin-password-123');
  const adminApi = await apiSession(server.url, admin.email, 'admin-password-123');
  const networkId = (await adminApi.get('/v1/me')).json.networks[0].id;
  const [contact] = (await adminApi.get(`/v1/networks/${networkId}/contacts?limit=1`)).json.contacts;
  const asked = await adminApi.call('POST', `/v1/networks/${networkId}/intro-asks`, {
    ally_id: contact.known_by[0].ally.id, contact_key: contact.key, note: 'Could you introduce us?',
  });
  assert.equal(asked.status, 201, JSON.stringify(asked.json));
  // An hour later (the last look is made older), the worker wakes (here: for Sync now) and
  // looks, with no popup involved.
  const lookAgain = () => browser.ext(() => chrome.storage.local.set({ asks_checked_at: '0' }));
  await lookAgain();
  await sendIntent(popup, { intent: 'sync_now' });
  await eventually(async () => (await browser.ext(() => chrome.action.getBadgeText({}))) === '1',
    { what: 'the badge to show the ask' });
  const announced = async () => JSON.parse((await browser.ext(() => chrome.storage.local.get('asks_announced'))).asks_announced);
  assert.deepEqual(await announced(), [asked.json.id]);
  const checkedAt = async () => Number((await browser.ext(() => chrome.storage.local.get('asks_checked_at'))).asks_checked_at);
  assert.ok(await checkedAt() > 0, 'the look was recorded');
  // Answered elsewhere: the next look finds nothing pending; the badge clears.
  await ally.call('POST', `/v1/intro-asks/${asked.json.id}/answer`, { outcome: 'declined', reason: 'Not a close contact' });
  await lookAgain();
  await sendIntent(popup, { intent: 'sync_now' });
  await eventually(async () => (await browser.ext(() => chrome.action.getBadgeText({}))) === '',
    { what: 'the badge to clear' });
  assert.deepEqual(await announced(), []);
});

test('turning the network off empties its view and deletes the contacts', async () => {
  const reply = await world.share(false);
  assert.equal(reply.problem, null);
  assert.equal((await digest()).count, 0, 'deleted on the server at once');
  const s = await state();
  assert.equal(s.sync.contacts, 0, 'and in the extension');
  assert.equal(s.me.networks.find((n) => n.name === 'Sales Network').sharing, false);
});
