// Reading LinkedIn in the browser, end to end: the unpacked extension in Chromium reads the fake
// LinkedIn (HTTPS on loopback, reached as www.linkedin.com) and uploads to the reference server.
// Each test has its own ally and a fresh browser profile, so each read starts from nothing.
// Covered: progress total, a rate limit mid-read (paused, resumed by the persisted schedule
// without re-reading), logged out mid-read (resumes where it stopped after logging in), the
// content-script fallback when LinkedIn refuses the worker's own requests, and a service worker
// stopped mid-read.
import {
  test, before, after, startServer, launchBrowser, openExtensionPage, acceptInvitation, apiSession,
  sendIntent, eventually, evaluate, closeOnboarding, closePage,
} from './harness.mjs';
import assert from 'node:assert/strict';

import { startFakeLinkedIn } from '../fake-linkedin/server.mjs';

const N = 2000;
const PAGES = N / 40; // full pages; a read also asks for the empty one after them
const PASSWORD = 'correct-horse-battery';
const NETWORK = 'Reader Network';
// A developer setting: read without the polite pauses (the fake LinkedIn does not mind).
const FAST = { pause_min_ms: 5, pause_max_ms: 10, backoff_rate_limited_ms: 2000 };

let server;
let linkedin;
let allies = 0;

before(async () => {
  server = await startServer();
  linkedin = await startFakeLinkedIn({ connections: N });
});

after(async () => {
  await linkedin?.stop();
  server?.stop();
});

/** A LinkedIn tab: the fake's login sets the cookies and lands on /feed/. */
async function logInToLinkedIn(context, { keepTab = false } = {}) {
  const page = await context.newPage();
  await page.goto('https://www.linkedin.com/login?auto=1');
  assert.equal(page.url(), 'https://www.linkedin.com/feed/');
  if (!keepTab) await closePage(page);
  return page;
}

/**
 * A new ally in a fresh browser, signed in to the extension and logged in to LinkedIn, not
 * sharing yet (so nothing is read until `share()`).
 */
async function newAlly(t, { readSettings = {}, keepLinkedInTab = false } = {}) {
  allies += 1;
  const email = `reader${allies}@example.org`;
  await acceptInvitation(await server.invite({ network: NETWORK, email, name: `Reader ${allies}` }), PASSWORD);
  const browser = await launchBrowser({ extraArgs: linkedin.chromiumArgs });
  t.after(() => browser.context.close());
  await closeOnboarding(browser);
  await browser.ext((s) => chrome.storage.local.set({ read_settings: JSON.stringify(s) }), { ...FAST, ...readSettings });
  const popup = await openExtensionPage(browser.context, browser.extensionId, 'popup.html', { width: 360, height: 560 });
  await sendIntent(popup, { intent: 'set_backend_url', url: server.url });
  const linkedinTab = await logInToLinkedIn(browser.context, { keepTab: keepLinkedInTab });
  const reply = await sendIntent(popup, { intent: 'sign_in', email, password: PASSWORD });
  assert.equal(reply.state.signed_in, true, JSON.stringify(reply.problem));
  const api = await apiSession(server.url, email, PASSWORD);
  const state = async () => (await sendIntent(popup, { intent: 'get_state' })).state;
  const share = async () => {
    const network = (await state()).me.networks.find((n) => n.name === NETWORK);
    const r = await sendIntent(popup, { intent: 'set_sharing', network_id: network.id, sharing: true });
    assert.equal(r.problem, null);
  };
  const digest = async () => (await api.get('/v1/contacts/digest')).json;
  return { browser, popup, linkedinTab, state, share, digest };
}

/** Waits until everything is read and shared. */
async function synced(ally, count, timeoutMs = 120_000) {
  await eventually(async () => (await ally.digest()).count === count, { what: `${count} contacts on the server`, timeoutMs });
  return eventually(async () => {
    const s = await ally.state();
    return s.sync.phase.phase === 'idle' && s.sync.shared === count && s.sync;
  }, { what: 'the extension to say it shares everything' });
}

/** The list requests answered 200, per `start`. */
function servedStarts(log) {
  const served = new Map();
  for (const l of log) if (l.status === 200) served.set(l.start, (served.get(l.start) ?? 0) + 1);
  return served;
}

/** Every page of the list answered exactly once (and the empty page after the last). */
function assertEveryPageOnce(log) {
  const served = servedStarts(log);
  const twice = [...served].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], 'no page read twice');
  for (let start = 0; start <= N; start += 40) assert.equal(served.get(start), 1, `page at ${start}`);
  assert.equal(served.size, PAGES + 1);
}

test(`a full read of ${N} connections: the progress total is right from the first page and never exceeded`, async (t) => {
  await linkedin.control({ reset: true });
  // A little slower than FAST, so the progress can be watched page by page.
  const ally = await newAlly(t, { readSettings: { pause_min_ms: 40, pause_max_ms: 60 } });
  await ally.share();
  const samples = [];
  let view;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    const s = (await ally.state()).sync;
    samples.push(s);
    if (s.phase.phase === 'idle' && s.shared === N) { view = s; break; }
    await new Promise((r) => setTimeout(r, 30));
  }
  assert.ok(view, `the sync finished (last: ${JSON.stringify(samples.at(-1))})`);
  const reading = samples.filter((s) => s.phase.phase === 'reading');
  assert.ok(reading.length >= 5, `the read was seen in progress (${reading.length} samples)`);
  let last = 0;
  for (const s of reading) {
    assert.equal(s.phase.total, N, 'the total is known from the first page on');
    assert.equal(s.read_total, N);
    assert.equal(s.phase.read, s.read_so_far);
    assert.ok(s.read_so_far >= last, `progress never goes back (${last} → ${s.read_so_far})`);
    assert.ok(s.read_so_far <= N, `never more than the total (${s.read_so_far})`);
    last = s.read_so_far;
  }
  assert.ok(new Set(reading.map((s) => s.read_so_far)).size >= 3, 'the progress moved while watched');
  assert.equal(view.read_so_far, N);
  assert.equal(view.read_total, N);
  assert.equal(view.contacts, N);
  assert.equal(view.linkedin, 'connected');
  assert.equal((await ally.digest()).count, N);
  const stats = await linkedin.stats();
  assert.equal(stats.requests.summary, 1);
  assert.equal(stats.requests.dash, PAGES + 1);
  assertEveryPageOnce(stats.log);
});

test('429 mid-read pauses ("busy", waiting), keeps the back-off even against "Sync now", then resumes without re-reading', async (t) => {
  await linkedin.control({ reset: true });
  await linkedin.control({ fault: '429_after', pages: 10, retryAfter: 4 });
  const ally = await newAlly(t);
  await ally.share();
  const waiting = await eventually(async () => {
    const s = (await ally.state()).sync;
    return s.phase.phase === 'waiting' && s;
  }, { what: 'the read to pause', timeoutMs: 60_000 });
  assert.equal(waiting.linkedin, 'busy');
  assert.equal(waiting.read_so_far, 400, 'ten pages were read before the 429');
  const untilMs = waiting.phase.until_ms;
  assert.ok(untilMs - Date.now() > 2_000, `Retry-After (4 s) is honoured: until ${untilMs - Date.now()} ms from now`);
  // "Sync now" does not override a rate limit's back-off.
  await sendIntent(ally.popup, { intent: 'sync_now' });
  await new Promise((r) => setTimeout(r, Math.max(0, untilMs - Date.now() - 300)));
  const during = await linkedin.stats();
  assert.equal(during.log.filter((l) => l.status === 429).length, 1);
  assert.equal(during.log.at(-1).status, 429, 'no list request while backing off');
  // Resumed by the persisted schedule: the alarm (or the pending "Sync now"), not before until_ms.
  const view = await synced(ally, N, 90_000);
  assert.equal(view.contacts, N);
  assert.equal(view.linkedin, 'connected');
  const { log } = await linkedin.stats();
  const limited = log.findIndex((l) => l.status === 429);
  assert.equal(log[limited].start, 400);
  assert.ok(log[limited + 1].at >= untilMs, `resumed ${log[limited + 1].at - untilMs} ms after until_ms`);
  assert.equal(log[limited + 1].start, 400, 'resumed at the page that was refused');
  t.diagnostic(`resumed ${log[limited + 1].at - untilMs} ms after the back-off ended`);
  assertEveryPageOnce(log);
});

test('pacing off: each page is asked for while the one before is written, one request at a time; a 429 mid-read still stops the read, which resumes without re-reading', async (t) => {
  await linkedin.control({ reset: true });
  await linkedin.control({ fault: '429_after', pages: 10, retryAfter: 2 });
  // Every list answer takes 30 ms, so two requests open at once would be seen by the fake.
  await linkedin.control({ fault: 'slow', ms: 30, pages: 0, times: null });
  const ally = await newAlly(t, { readSettings: { pause_min_ms: 0, pause_max_ms: 0 } });
  await ally.share();
  const waiting = await eventually(async () => {
    const s = (await ally.state()).sync;
    return s.phase.phase === 'waiting' && s;
  }, { what: 'the read to pause', timeoutMs: 60_000 });
  assert.equal(waiting.read_so_far, 400, 'ten pages were read before the 429');
  await sendIntent(ally.popup, { intent: 'sync_now' });
  const view = await synced(ally, N, 90_000);
  assert.equal(view.contacts, N);
  const stats = await linkedin.stats();
  assert.equal(stats.maxListInFlight, 1, 'never two list requests open at once');
  const limited = stats.log.findIndex((l) => l.status === 429);
  assert.equal(stats.log[limited].start, 400);
  assert.ok(stats.log[limited + 1].at >= waiting.phase.until_ms, 'the back-off was kept');
  assert.equal(stats.log[limited + 1].start, 400, 'resumed at the page that was refused');
  assertEveryPageOnce(stats.log);
});

test('logged out mid-read: "logged_out"; after logging in again and "Sync now" the read resumes where it stopped; cookies cleared: "logged_out" without a request', async (t) => {
  await linkedin.control({ reset: true });
  await linkedin.control({ fault: 'logout_after', pages: 12 });
  const ally = await newAlly(t);
  await ally.share();
  const stopped = await eventually(async () => {
    const s = (await ally.state()).sync;
    return s.linkedin === 'logged_out' && s;
  }, { what: 'the logged-out state', timeoutMs: 60_000 });
  assert.equal(stopped.phase.phase, 'idle');
  assert.equal(stopped.read_so_far, 480);
  assert.equal((await ally.digest()).count, 0, 'nothing uploaded from a partial read');
  const before = await linkedin.stats();
  assert.equal(before.log.at(-1).status, 401);
  assert.equal(before.log.at(-1).start, 480);

  await logInToLinkedIn(ally.browser.context);
  await sendIntent(ally.popup, { intent: 'sync_now' });
  const view = await synced(ally, N);
  assert.equal(view.linkedin, 'connected');
  assert.equal(view.contacts, N);
  const { log } = await linkedin.stats();
  const refused = log.findIndex((l) => l.status === 401);
  assert.equal(log[refused + 1].start, 480, 'went on at the page it could not read');
  assertEveryPageOnce(log);

  // Cookies gone (logged out in the browser): "logged_out" without asking LinkedIn anything.
  await ally.browser.context.clearCookies();
  await linkedin.control({ add: 3, resetStats: true });
  await sendIntent(ally.popup, { intent: 'sync_now' });
  const noCookie = await eventually(async () => {
    const s = (await ally.state()).sync;
    return s.linkedin === 'logged_out' && s;
  }, { what: 'the logged-out state without cookies' });
  assert.equal(noCookie.phase.phase, 'idle');
  assert.equal((await linkedin.stats()).list, 0, 'no list request without a session');
  await logInToLinkedIn(ally.browser.context);
  await sendIntent(ally.popup, { intent: 'sync_now' });
  await synced(ally, N + 3);
  assert.equal((await linkedin.stats()).requests.dash, 1, 'the 3 new ones, in one request');
});

test('fallback: LinkedIn refuses the worker; a linkedin.com tab reads for it (same-origin); without a tab, "logged_out"', async (t) => {
  await linkedin.control({ reset: true });
  await linkedin.control({ fault: 'worker_refused' });
  const ally = await newAlly(t, { keepLinkedInTab: true });
  await ally.share();
  const view = await synced(ally, N);
  assert.equal(view.linkedin, 'connected');
  assert.equal(view.read_total, N, 'the summary came through the tab too');
  const stats = await linkedin.stats();
  // The worker's own fetch says Sec-Fetch-Site: none and was refused once (its first request,
  // the summary); from then on everything went straight through the tab, same-origin.
  assert.deepEqual(stats.sites, { none: 1, 'same-origin': stats.requests.summary - 1 + stats.requests.dash });
  assert.equal(stats.requests.summary, 2, 'the refused summary, then the same through the tab');
  assert.deepEqual([...new Set(stats.log.map((l) => `${l.status} ${l.site}`))], ['200 same-origin']);
  assertEveryPageOnce(stats.log);

  // The content script answers only our worker (not even our own pages), only for the Voyager API.
  const tabId = await evaluate(ally.popup, async () => (await chrome.tabs.query({ url: 'https://www.linkedin.com/*' }))[0].id);
    const refusedUrl = await ally.browser.inWorker((id) => chrome.tabs.sendMessage(id, { linkedin_fetch: { url: 'https://www.linkedin.com/logout', headers: {} } }), tabId);
  assert.match(refusedUrl.error, /refused/);
  const dotted = await ally.browser.inWorker((id) => chrome.tabs.sendMessage(id, { linkedin_fetch: { url: 'https://www.linkedin.com/voyager/api/../../logout', headers: {} } }), tabId);
  assert.match(dotted.error, /refused/);
  const fromATab = await evaluate(ally.popup, (id) => chrome.tabs.sendMessage(id, { linkedin_fetch: { url: 'https://www.linkedin.com/voyager/api/me', headers: {} } })
    .then((a) => a ?? null, (e) => `no answer: ${e.message}`), tabId);
  assert.ok(fromATab === null || /no answer/.test(fromATab), `a page in a tab gets nothing: ${JSON.stringify(fromATab)}`);
  assert.equal((await linkedin.stats()).requests.logout, undefined, 'never sent');

  // Without a LinkedIn tab the refusal stands: "log in to LinkedIn".
  await closePage(ally.linkedinTab);
  await linkedin.control({ add: 3 });
  await sendIntent(ally.popup, { intent: 'sync_now' });
  const after = await eventually(async () => {
    const s = (await ally.state()).sync;
    return s.linkedin === 'logged_out' && s;
  }, { what: 'the logged-out state' });
  assert.equal(after.phase.phase, 'idle');
  assert.equal((await ally.digest()).count, N);
});

test('a worker stopped mid-read resumes where it was: no page read twice, the count exact', async (t) => {
  await linkedin.control({ reset: true });
  // Slow pages, so the worker is stopped during a pause, after a page is saved.
  const ally = await newAlly(t, { readSettings: { pause_min_ms: 1500, pause_max_ms: 1500 } });
  await ally.share();
  await eventually(async () => (await linkedin.stats()).log.length >= 4, { what: 'four pages read' });
  await new Promise((r) => setTimeout(r, 400));
  const cdp = await ally.browser.context.newCDPSession(ally.popup);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  const stoppedAt = (await linkedin.stats()).log.length;
  // The next reads go fast (a read takes its settings when it (re)starts).
  await evaluate(ally.popup, (s) => chrome.storage.local.set({ read_settings: JSON.stringify(s) }), FAST);
  await new Promise((r) => setTimeout(r, 2_000));
  assert.equal((await linkedin.stats()).log.length, stoppedAt, 'the stopped worker reads nothing more');
  const { read: job } = await evaluate(ally.popup, async () => JSON.parse((await chrome.storage.local.get('job')).job));
  assert.equal(job.next_start, stoppedAt * 40, 'the saved read points past the last page read');
  // A page wakes the worker. The dead run's lease still stands until it expires, so the read
  // resumes then (the alarm), never with two runners.
  await sendIntent(ally.popup, { intent: 'sync_now' });
  const view = await synced(ally, N, 150_000);
  assert.equal(view.contacts, N);
  const { log } = await linkedin.stats();
  assert.equal(log[stoppedAt].start, stoppedAt * 40, 'resumed at the next page');
  t.diagnostic(`resumed ${Math.round((log[stoppedAt].at - log[stoppedAt - 1].at) / 1000)} s after the stop`);
  assertEveryPageOnce(log);
});
