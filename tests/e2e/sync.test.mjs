// Reading LinkedIn and syncing, end to end: the unpacked extension in Chromium reads the fake
// LinkedIn (HTTPS on loopback, reached as www.linkedin.com) with the ally's own cookies, and
// uploads to the reference server on a real SQLite file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSyncScenario, sendIntent, eventually } from './harness.mjs';

const N = 2000;

let world;
let server;
let linkedin;
let browser;
let popup;
let digest;
let state;

before(async () => {
  world = await startSyncScenario({ connections: N });
  ({ server, linkedin, browser, popup, digest, state } = world);
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
  const ledgerBefore = await browser.worker.evaluate(async () => (await chrome.storage.local.get('ledger')).ledger);
  const digestBefore = await digest();
  // "Last sync" is in whole seconds: let one pass so this sync's stamp is a new one.
  const lastBefore = (await state()).sync.last_sync_at;
  await new Promise((r) => setTimeout(r, 1100));
  const backendRequests = [];
  const onRequest = (req) => { if (req.url().startsWith(server.url)) backendRequests.push(req.url().slice(server.url.length)); };
  browser.context.on('request', onRequest);
  await sendIntent(popup, { intent: 'sync_now' });
  await eventually(async () => {
    const s = await state();
    return s.sync.phase.phase === 'idle' && s.sync.last_sync_at > lastBefore;
  }, { what: 'the sync to finish' });
  browser.context.off('request', onRequest);
  assert.equal((await linkedin.stats()).requests.dash, 1);
  assert.deepEqual(backendRequests.filter((path) => path.startsWith('/v1/sync')), [], 'no sync request reached the backend');
  t.diagnostic(`a quiet sync: ${(await linkedin.stats()).requests.dash} LinkedIn request, ${backendRequests.length} backend requests (${backendRequests.join(', ') || 'none'})`);
  const ledgerAfter = await browser.worker.evaluate(async () => (await chrome.storage.local.get('ledger')).ledger);
  assert.equal(ledgerAfter, ledgerBefore);
  assert.deepEqual(await digest(), digestBefore);
});

test('LinkedIn cookies never reach the backend', async () => {
  // Every request the browser sends to the backend, watched at the network layer.
  const seen = [];
  const onRequest = async (req) => {
    if (req.url().startsWith(server.url)) seen.push(await req.allHeaders());
  };
  browser.context.on('request', onRequest);
  await linkedin.control({ add: 1 });
  await sendIntent(popup, { intent: 'sync_now' });
  await eventually(async () => (await digest()).count === N + 4, { what: 'one more contact' });
  browser.context.off('request', onRequest);
  assert.ok(seen.length >= 3, `the watch saw the worker's backend requests (${seen.length})`);
  for (const headers of seen) {
    assert.equal(headers.cookie, undefined, JSON.stringify(headers));
  }
});

test('turning the network off empties its view and deletes the contacts', async () => {
  const reply = await world.share(false);
  assert.equal(reply.problem, null);
  assert.equal((await digest()).count, 0, 'deleted on the server at once');
  const s = await state();
  assert.equal(s.sync.contacts, 0, 'and in the extension');
  assert.equal(s.me.networks.find((n) => n.name === 'Sales Network').sharing, false);
});
