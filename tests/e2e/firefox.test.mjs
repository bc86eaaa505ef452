// The extension in a real Firefox (Debian's firefox-esr, through geckodriver; see
// firefox-driver.mjs), built by `./build.sh firefox` into dist-firefox/ and installed as a
// temporary add-on: the onboarding opens by itself; the ally accepts the invitation in that
// Firefox and the Get Started page hands the session over without `externally_connectable`
// (the content-script relay), the ally confirms; the fake LinkedIn is read with a progress bar;
// sharing is switched on; the contacts arrive on the server; the popup says so. Then what
// Firefox's rules must keep: nothing in `storage.local` (content scripts could read it there),
// the refresh token in the extension origin's IndexedDB; a relay from a page that is not the
// backend is refused.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  test as harnessTest, before, after, startServer, apiSession, linksInOutbox, ARTIFACTS, bounded,
} from './harness.mjs';
import { startFakeLinkedIn } from '../fake-linkedin/server.mjs';
import { launchFirefox, startTunnel, EXT_BASE } from './firefox-driver.mjs';

const here = new URL('.', import.meta.url).pathname;
const DIST_FIREFOX = process.env.ALLYSHARE_DIST_FIREFOX ?? resolve(here, '../../dist-firefox');
const N = 120;
const ALLY = { network: 'Sales Network', email: 'ada@example.org', name: 'Ada Lovelace' };
const PASSWORD = 'analytical-engine-1843';

let server;
let linkedin;
let tunnel;
let ff;

before(async () => {
  if (!existsSync(`${DIST_FIREFOX}/manifest.json`)) throw new Error(`${DIST_FIREFOX} is not built: ./build.sh firefox`);
  server = await startServer();
  linkedin = await startFakeLinkedIn({ connections: N });
  tunnel = await startTunnel({ 'www.linkedin.com:443': new URL(linkedin.url).port });
  ff = await launchFirefox({
    dir: DIST_FIREFOX,
    prefs: {
      // HTTPS through the loopback tunnel (to the fake LinkedIn); plain http goes direct.
      'network.proxy.type': 1,
      'network.proxy.ssl': '127.0.0.1',
      'network.proxy.ssl_port': tunnel.port,
      'network.proxy.no_proxies_on': '',
      // permissions.request() grants without its doorhanger (WebDriver cannot click Firefox's
      // own UI); the page's side of it, the button, is what is tested.
      'extensions.webextOptionalPermissionPrompts': false,
    },
  });
}, { timeout: 150_000 });

after(async () => {
  await ff?.quit();
  await tunnel?.stop();
  await linkedin?.stop();
  server?.stop();
});

/**
 * The harness's `test` (its limit), plus Firefox's failure artifacts: every tab photographed and
 * geckodriver's and Firefox's log, in artifacts/failure-firefox-*.
 */
let failures = 0;
function test(name, options, fn) {
  if (typeof options === 'function') [fn, options] = [options, {}];
  return harnessTest(name, options, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      failures += 1;
      const stem = `failure-firefox-${failures}`;
      await mkdir(ARTIFACTS, { recursive: true });
      const lines = [`${name}: ${e.stack ?? e}`];
      try {
        for (const [i, h] of (await ff.handles()).entries()) {
          await ff.switchTo(h);
          lines.push(`tab ${i}: ${await ff.url()}`);
          await bounded(ff.screenshot(`${stem}-${i}`), 15_000, 'screenshot', { quiet: true }).catch(() => {});
        }
      } catch (shot) { lines.push(`no screenshots: ${shot.message}`); }
      await writeFile(join(ARTIFACTS, `${stem}-log.txt`), `${[...lines, ...ff.log].join('\n')}\n`).catch(() => {});
      throw e;
    }
  });
}

/** Sends an intent to the worker from the current extension page, as the pages do. */
const intent = (message) => ff.run((m) => chrome.runtime.sendMessage(m), [message], 60_000);

/** The durable store (IndexedDB in the extension's origin), from an extension page. */
const durable = (op, entries) => ff.run((op, entries) => new Promise((ok, fail) => {
  const open = indexedDB.open('allyshare', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('durable');
  open.onerror = () => fail(open.error);
  open.onsuccess = () => {
    const tx = open.result.transaction('durable', op === 'put' ? 'readwrite' : 'readonly');
    const store = tx.objectStore('durable');
    const out = {};
    if (op === 'put') for (const [k, v] of Object.entries(entries)) store.put(v, k);
    else {
      const keys = store.getAllKeys();
      keys.onsuccess = () => { out.keys = keys.result; };
      for (const k of entries) { const r = store.get(k); r.onsuccess = () => { out[k] = r.result ?? null; }; }
    }
    tx.oncomplete = () => { open.result.close(); ok(out); };
    tx.onerror = () => fail(tx.error);
  };
}), [op, entries]);

test('Firefox: onboarding, the hand-off relayed by the content script, a read with progress, sharing, the popup', { timeout: 240_000 }, async () => {
  console.log(`Firefox ${ff.version}`);

  // 1. Installing opens the onboarding page.
  const onboarding = await ff.tabWhere((u) => u === `${EXT_BASE}onboarding.html`, { what: 'the onboarding tab opened on install' });
  await ff.until(() => ff.find('#email'), { what: 'the sign-in form', timeoutMs: 30_000 });
  await ff.screenshot('firefox-onboarding');

  // What Firefox granted at install: the manifest's host permissions (LinkedIn and the backend).
  const granted = await ff.run(() => chrome.permissions.getAll());
  console.log(`host permissions granted at install: ${JSON.stringify(granted.origins)}`);
  assert.ok(granted.origins.includes('https://www.linkedin.com/*'), JSON.stringify(granted));

  // The developer settings: this server, and reading without the polite pauses (the fake does
  // not mind) but slow enough to watch the progress bar.
  await durable('put', { read_settings: JSON.stringify({ pause_min_ms: 300, pause_max_ms: 350, backoff_rate_limited_ms: 2000 }) });
  await intent({ intent: 'set_backend_url', url: server.url });

  // A relay that does not come from a tab's content script on the backend (here: an extension
  // page, signed out, so a real one would be answered with a challenge) gets nothing.
  assert.deepEqual(await intent({ relay: 'handoff', message: { type: 'allyshare.handoff.hello' } }), { ok: false });

  // 2. The ally accepts the invitation in this Firefox; the guide page hands the session over.
  const link = await server.invite(ALLY);
  const web = await ff.newTab();
  await ff.switchTo(web);
  await ff.goto(link);
  await ff.type('#password', PASSWORD);
  await ff.type('#password_confirm', PASSWORD);
  await ff.click('#terms');
  await ff.click('button[type=submit]');
  await ff.until(() => ff.find('ol.guide > li'), { what: 'the guide page' });
  await ff.until(async () => /confirm your account/i.test(await ff.text('#handoff-status') ?? ''), { what: 'the guide page saying the extension took the code', timeoutMs: 30_000 });
  await ff.screenshot('firefox-guide');

  // 3. The onboarding asks which account; Ada says it is hers.
  await ff.switchTo(onboarding);
  await ff.until(() => ff.find('#handoff-continue'), { what: 'the hand-off question', timeoutMs: 30_000 });
  assert.match(await ff.text('#handoff-account'), new RegExp(ALLY.email));
  await ff.click('#handoff-continue');

  // 4. LinkedIn: log in (the fake's page), the read runs with its progress bar.
  await ff.until(() => ff.find('#linkedin-login'), { what: 'the LinkedIn step', timeoutMs: 30_000 });
  await ff.click('#linkedin-login');
  await ff.tabWhere((u) => u.startsWith('https://www.linkedin.com/login'), { what: 'the LinkedIn login tab' });
  await ff.click('button[type=submit]');
  await ff.closeTab();
  await ff.switchTo(onboarding);
  const seen = new Set();
  await ff.until(async () => {
    const text = await ff.text('#progress-text');
    if (text) seen.add(text);
    return ff.find('#read-done');
  }, { what: 'the read to finish', timeoutMs: 90_000 });
  console.log(`progress seen: ${[...seen].join(' | ')}`);
  assert.ok([...seen].some((l) => new RegExp(`^\\d+ of ${N}$`).test(l)), `a progress "x of ${N}" was shown: ${[...seen]}`);
  assert.match(await ff.text('#read-done'), new RegExp(`${N}`));
  await ff.screenshot('firefox-read-done');

  // 5. Sharing on (one network: no choice), then the contacts on the server.
  await ff.click('#connect-next');
  await ff.until(() => ff.find('#confirm-sharing'), { what: 'the sharing step' });
  await ff.click('#confirm-sharing');
  await ff.until(() => ff.find('#asks-next'), { what: 'the asks step' });
  await ff.click('#asks-next');
  await ff.until(() => ff.find('#done-summary'), { what: 'the done step' });
  const ally = await apiSession(server.url, ALLY.email, PASSWORD);
  await ff.until(async () => (await ally.get('/v1/contacts/digest')).json?.count === N, { what: `${N} contacts on the server`, timeoutMs: 60_000 });
  assert.ok((await linksInOutbox(server.outbox)).length >= 1);

  // 6. The popup's state.
  // (WebDriver may not navigate to moz-extension: pages; an extension page may open one.)
  await ff.run((url) => chrome.tabs.create({ url }).then(() => null), [`${EXT_BASE}popup.html`]);
  await ff.tabWhere((u) => u === `${EXT_BASE}popup.html`, { what: 'the popup page' });
  await ff.until(async () => (await ff.text('#shared-count')) === `${N}`, { what: 'the popup\'s shared count' });
  assert.match(await ff.text('#person-name'), /Ada Lovelace/);
  await ff.screenshot('firefox-popup');

  // 7. Firefox's rules: storage.local (which content scripts may read) holds nothing; the
  //    refresh token and the contacts are in the extension origin's IndexedDB.
  const local = await ff.run(() => chrome.storage.local.get(null));
  assert.deepEqual(Object.keys(local), [], `storage.local must stay empty in Firefox: ${Object.keys(local)}`);
  const stored = await durable('get', ['refresh_token']);
  assert.ok(stored.keys.length > 3, `the durable state is in IndexedDB: ${stored.keys}`);
  assert.ok(stored.keys.includes('ledger'), `${stored.keys}`);
  assert.ok(typeof stored.refresh_token === 'string' && stored.refresh_token.length > 20, 'the refresh token is in IndexedDB');
});

test('Firefox: the hand-off relay runs on the backend\'s pages only', async () => {
  // On LinkedIn (where our other content script runs) a page's same-window hand-off message
  // finds no relay: nothing answers it.
  const tab = await ff.newTab();
  await ff.switchTo(tab);
  await ff.goto('https://www.linkedin.com/feed/');
  const relayed = await ff.run(() => new Promise((ok) => {
    const timer = setTimeout(() => ok('no answer'), 2000);
    window.addEventListener('message', (e) => {
      if (e.data?.allyshare === 'handoff-reply') { clearTimeout(timer); ok(e.data.reply); }
    });
    window.postMessage({ allyshare: 'handoff-request', id: 1, message: { type: 'allyshare.handoff.hello' } }, location.origin);
  }));
  assert.equal(relayed, 'no answer');
  await ff.closeTab();
});

test('Firefox: access to LinkedIn taken back (about:addons → Permissions): the onboarding asks for it again', async () => {
  await ff.tabWhere((u) => u === `${EXT_BASE}onboarding.html`, { what: 'the onboarding tab' });
  assert.equal(await ff.find('#site-access'), null, 'no question while the access is granted');
  // What the ally's switch in about:addons does.
  assert.equal(await ff.run(() => chrome.permissions.remove({ origins: ['https://www.linkedin.com/*'] })), true);
  await ff.run(() => { setTimeout(() => location.reload(), 0); });
  await ff.until(() => ff.find('#site-access-allow'), { what: 'the site-access question', timeoutMs: 20_000 });
  await ff.screenshot('firefox-site-access');
  await ff.click('#site-access-allow');
  await ff.until(async () => (await ff.find('#site-access')) === null, { what: 'the question gone once granted', timeoutMs: 20_000 });
  const granted = await ff.run(() => chrome.permissions.getAll());
  assert.ok(granted.origins.includes('https://www.linkedin.com/*'), JSON.stringify(granted.origins));
});
