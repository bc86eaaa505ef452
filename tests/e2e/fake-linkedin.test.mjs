// The fake LinkedIn itself, over real HTTPS on loopback: paging in both shapes, the login
// cookies, faults and the request counters. No browser needed.
import {
  test, before, after, evaluate,
} from './harness.mjs';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startFakeLinkedIn, DEFAULT_DECORATION } from '../fake-linkedin/server.mjs';
import { connection, Synthetic } from '../fake-linkedin/synthetic.mjs';

const here = new URL('.', import.meta.url).pathname;
let li;
let session;

/** GET (or POST) over HTTPS to the fake, as www.linkedin.com; the self-signed cert is accepted. */
function get(path, { cookies, csrf, method = 'GET', extra = {} } = {}) {
  return new Promise((ok, fail) => {
    const headers = { host: 'www.linkedin.com', 'x-restli-protocol-version': '2.0.0', ...extra };
    if (cookies) headers.cookie = Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; ');
    if (csrf) headers['csrf-token'] = csrf;
    const req = request({
      host: '127.0.0.1', port: li.port, path, method, headers, rejectUnauthorized: false, servername: 'www.linkedin.com',
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        ok({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', fail);
    req.end();
  });
}

const control = async (body) => {
  const r = await fetch(`${li.controlUrl}/control`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(r.status, 200);
  return r.json();
};
const stats = async () => (await fetch(`${li.controlUrl}/control/stats`)).json();
const api = (path, extra) => get(`/voyager/api/${path}`, {
  cookies: session, csrf: session.JSESSIONID.replaceAll('"', ''), extra,
});
const dash = (start, count = 40, extra = undefined) =>
  api(`relationships/dash/connections?decorationId=${encodeURIComponent(DEFAULT_DECORATION)}&count=${count}&q=search&sortType=RECENTLY_ADDED&start=${start}`, extra);

before(async () => {
  li = await startFakeLinkedIn({ connections: 100 });
});
after(async () => {
  await li.stop();
});

test('the login page sets li_at (httpOnly) and a quoted JSESSIONID, both Secure and SameSite=None', async () => {
  const page = await get('/login');
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type'], /text\/html/);
  const res = await get('/login', { method: 'POST' });
  assert.equal(res.status, 303);
  const setCookie = res.headers['set-cookie'];
  const liAt = setCookie.find((c) => c.startsWith('li_at='));
  const jsession = setCookie.find((c) => c.startsWith('JSESSIONID='));
  assert.match(liAt, /HttpOnly/);
  assert.match(liAt, /Secure/);
  assert.match(liAt, /SameSite=None/);
  assert.match(jsession, /^JSESSIONID="ajax:\d{19}";/);
  assert.match(jsession, /Secure/);
  assert.match(jsession, /SameSite=None/);
  assert.doesNotMatch(jsession, /HttpOnly/);
  session = {
    li_at: liAt.split(';')[0].slice('li_at='.length),
    JSESSIONID: jsession.split(';')[0].slice('JSESSIONID='.length),
  };
  const me = await api('me');
  assert.equal(me.status, 200);
  assert.equal(me.json.data.$type, 'com.linkedin.voyager.common.Me');
});

test('without a session or with a quoted CSRF token the API refuses', async () => {
  assert.equal((await get('/voyager/api/me')).status, 401);
  const quoted = await get('/voyager/api/me', { cookies: session, csrf: session.JSESSIONID });
  assert.equal(quoted.status, 403);
  assert.equal(quoted.text, 'CSRF check failed.');
});

test('dash and legacy paging serve the same deterministic connections, newest first', async () => {
  await control({ resetStats: true });
  const summary = await api('relationships/connectionsSummary');
  assert.equal(summary.json.numConnections, 100);
  const seen = [];
  for (let start = 0; ; start += 40) {
    const page = await dash(start);
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'], /normalized\+json/);
    const els = page.json.data['*elements'];
    seen.push(...els);
    for (const urn of els) assert.ok(page.json.included.some((e) => e.entityUrn === urn));
    if (els.length < 40) break;
  }
  assert.equal(seen.length, 100);
  assert.equal(new Set(seen).size, 100);
  // Position 0 is the newest: index 99 of seed 1.
  assert.equal(seen[0], `urn:li:fsd_connection:${connection(1, 99).member_id}`);
  const legacy = await api('relationships/connections?start=40&count=40&sortType=RECENTLY_ADDED');
  assert.equal(legacy.json.paging.total, 100);
  assert.equal(legacy.json.elements[0].miniProfile.entityUrn, `urn:li:fs_miniProfile:${connection(1, 59).member_id}`);
  // A dash call without its required parameters is a 400, as on LinkedIn.
  assert.equal((await api('relationships/dash/connections?count=40&start=0')).status, 400);
  const s = await stats();
  assert.equal(s.requests.dash, 4);
  assert.equal(s.requests.legacy, 1);
  assert.equal(s.requests.summary, 1);
  assert.equal(s.list, 5);
});

test('429 after k pages, with Retry-After, then normal again; counters tell exactly what was asked', async () => {
  await control({ resetStats: true });
  await control({ fault: '429_after', pages: 2, retryAfter: 7 });
  assert.equal((await dash(0)).status, 200);
  assert.equal((await dash(40)).status, 200);
  const limited = await dash(80);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers['retry-after'], '7');
  assert.equal((await dash(80)).status, 200, 'once by default');
  const s = await stats();
  assert.equal(s.list, 4);
  assert.deepEqual(s.log.map((l) => [l.start, l.status]), [[0, 200], [40, 200], [80, 429], [80, 200]]);
});

test('999, authwall, stale decoration, legacy gone, and new connections at the top', async () => {
  await control({ reset: true });
  await control({ fault: '999' });
  const denied = await dash(0);
  assert.equal(denied.status, 999);
  assert.match(denied.headers['content-type'], /text\/html/);

  await control({ fault: 'authwall' });
  const wall = await dash(0);
  assert.equal(wall.status, 200);
  assert.match(wall.headers['content-type'], /text\/html/);
  assert.match(wall.text, /authwall/);
  await control({ clear: 'authwall' });

  await control({ fault: 'stale_decoration' });
  assert.equal((await dash(0)).status, 400);
  await control({ fault: 'legacy_gone' });
  assert.equal((await api('relationships/connections?start=0&count=40')).status, 404);
  await control({ fault: 'none' });
  assert.equal((await dash(0)).status, 200);

  const before = (await dash(0)).json.data['*elements'];
  await control({ add: 3 });
  const afterAdd = (await dash(0)).json.data['*elements'];
  assert.deepEqual(afterAdd.slice(3), before.slice(0, 37), 'the old ones move down by three');
  assert.equal((await api('relationships/connectionsSummary')).json.numConnections, 103);
  await control({ reset: true });
  assert.equal((await stats()).connections, 100);
});

test('worker_refused: only same-origin Voyager calls get through; the log says who asked', async () => {
  await control({ reset: true });
  await control({ fault: 'worker_refused' });
  const fromWorker = await dash(0, 40, { 'sec-fetch-site': 'none' });
  assert.equal(fromWorker.status, 401);
  assert.equal((await dash(0)).status, 401, 'no Sec-Fetch-Site at all is refused too');
  assert.equal((await api('relationships/connectionsSummary', { 'sec-fetch-site': 'cross-site' })).status, 401);
  const fromTab = await dash(0, 40, { 'sec-fetch-site': 'same-origin' });
  assert.equal(fromTab.status, 200);
  assert.equal(fromTab.json.data['*elements'].length, 40);
  assert.equal((await api('me', { 'sec-fetch-site': 'same-origin' })).status, 200);
  const s = await stats();
  assert.deepEqual(s.log.map((l) => [l.status, l.site]), [[401, 'none'], [401, null], [200, 'same-origin']]);
  assert.deepEqual(s.sites, { none: 1, null: 1, 'cross-site': 1, 'same-origin': 2 });
  assert.ok(s.log.every((l) => Number.isInteger(l.at) && Math.abs(Date.now() - l.at) < 60_000));
  await control({ clear: 'worker_refused' });
  assert.equal((await dash(0, 40, { 'sec-fetch-site': 'none' })).status, 200, 'cleared');
});

test('logout_after: the session ends after k pages, mid-read', async () => {
  await control({ reset: true });
  await control({ fault: 'logout_after', pages: 2 });
  assert.equal((await dash(0)).status, 200);
  assert.equal((await api('me')).status, 200, 'not a list page: does not count');
  assert.equal((await dash(40)).status, 200);
  assert.equal((await dash(80)).status, 401);
  assert.equal((await api('me')).status, 401, 'every session ended');
  assert.equal((await stats()).faults.logout_after, undefined, 'once');
  const res = await get('/login', { method: 'POST' });
  const cookie = (name) => res.headers['set-cookie'].find((c) => c.startsWith(`${name}=`)).split(';')[0].slice(name.length + 1);
  session = { li_at: cookie('li_at'), JSESSIONID: cookie('JSESSIONID') };
  assert.equal((await dash(80)).status, 200, 'logged in again, the read can go on');
});

test('logout from the control port ends every session', async () => {
  await control({ logout: true });
  assert.equal((await api('me')).status, 401);
});

test('pages match the Rust generator (golden file shared with src/linkedin/synthetic.rs)', async () => {
  const golden = JSON.parse(await readFile(`${here}/../fixtures/linkedin/synthetic-seed7-n64.json`, 'utf8'));
  const ours = golden.map((_, i) => connection(7, i));
  assert.deepEqual(ours, golden);
  const fixture = async (name) => readFile(`${here}/../fixtures/linkedin/${name}`, 'utf8');
  const s = new Synthetic(1, 12);
  assert.deepEqual(s.dashPage(8, 4), JSON.parse(await fixture('synthetic-seed1-n12-dash-start8-count4.json')));
  assert.deepEqual(s.legacyPage(8, 8), JSON.parse(await fixture('synthetic-seed1-n12-legacy-start8-count8.json')));
  assert.equal(s.csv(), await fixture('csv/synthetic-seed1-n12.csv'));
});

test('CLI mode prints where it listens and serves', async () => {
  const child = spawn(process.execPath, [`${here}/../fake-linkedin/server.mjs`, '--connections', '5'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error('no startup line in 10 s')), 10_000);
      createInterface({ input: child.stdout }).once('line', (l) => { clearTimeout(timer); ok(l); });
    });
    const m = line.match(/^fake-linkedin https:\/\/127\.0\.0\.1:(\d+) control (http:\/\/127\.0\.0\.1:\d+) connections 5$/);
    assert.ok(m, line);
    const s = await (await fetch(`${m[2]}/control/stats`)).json();
    assert.equal(s.connections, 5);
  } finally {
    child.kill('SIGTERM');
  }
});

test('Chromium reaches it as www.linkedin.com: login cookies, then a same-origin API call', async (t) => {
  const { existsSync } = await import('node:fs');
  const executablePath = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) return t.skip(`no Chromium at ${executablePath}`);
  const { chromium } = await import('playwright-core');
  await control({ reset: true });
  const browser = await chromium.launch({
    executablePath, headless: true, args: [...li.chromiumArgs, '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto('https://www.linkedin.com/login?auto=1');
    assert.equal(page.url(), 'https://www.linkedin.com/feed/');
    const cookies = Object.fromEntries((await context.cookies()).map((c) => [c.name, c]));
    assert.equal(cookies.li_at.httpOnly, true);
    assert.equal(cookies.JSESSIONID.secure, true);
    assert.equal(cookies.JSESSIONID.sameSite, 'None');
    const [status, n] = await evaluate(page, async (decoration) => {
      const csrf = document.cookie.match(/JSESSIONID="?([^;"]*)/)[1];
      const res = await fetch(`/voyager/api/relationships/dash/connections?decorationId=${encodeURIComponent(decoration)}&count=40&q=search&sortType=RECENTLY_ADDED&start=0`, {
        credentials: 'include',
        headers: { 'csrf-token': csrf, 'x-restli-protocol-version': '2.0.0', accept: 'application/vnd.linkedin.normalized+json+2.1' },
      });
      return [res.status, (await res.json()).data['*elements'].length];
    }, DEFAULT_DECORATION);
    assert.deepEqual([status, n], [200, 40]);
    assert.equal((await stats()).requests.dash, 1);
    assert.equal((await stats()).log[0].site, 'same-origin', 'what Chromium sends for a page\'s own fetch');
  } finally {
    await browser.close();
  }
});
