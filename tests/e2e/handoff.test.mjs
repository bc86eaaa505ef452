// The hand-off: an ally who accepts the invitation in a browser where the extension is installed
// is signed in to the extension without typing the password again (externally_connectable,
// a one-time code bound to a secret only the extension holds).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launchBrowser, openExtensionPage, sendIntent, eventually, screenshot,
} from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.context.close();
  server?.stop();
});

test('accepting the invitation signs the extension in', async () => {
  const popup = await openExtensionPage(browser.context, browser.extensionId, 'popup.html', { width: 360, height: 560 });
  await sendIntent(popup, { intent: 'set_backend_url', url: server.url });
  assert.equal((await sendIntent(popup, { intent: 'get_state' })).state.signed_in, false);

  const link = await server.invite({ network: 'Design Guild', email: 'ada@example.org', name: 'Ada' });
  const page = await browser.context.newPage();
  await page.goto(link);
  await page.fill('#password', 'difference-engine-1822');
  await page.fill('#password_confirm', 'difference-engine-1822');
  await page.check('#terms');
  await page.click('button[type=submit]');
  await page.locator('ol.guide').waitFor();

  const state = await eventually(async () => {
    const s = (await sendIntent(popup, { intent: 'get_state' })).state;
    return s.signed_in && s.me && s;
  }, { what: 'the extension to be signed in by hand-off', timeoutMs: 30_000 });
  assert.equal(state.me.person.email, 'ada@example.org');
  assert.deepEqual(state.me.networks.map((n) => n.name), ['Design Guild']);
  await eventually(async () => /signed in/i.test(await page.locator('#handoff-status').innerText()), {
    what: 'the page to confirm the hand-off',
  });
  await screenshot(page, 'get-started-handoff-done');

  // The verifier is gone and the tokens sit where a password sign-in puts them.
  const stored = await browser.worker.evaluate(async () => ({
    session: await chrome.storage.session.get(null),
    local: await chrome.storage.local.get(null),
  }));
  assert.equal(stored.session.handoff, undefined);
  assert.ok(stored.session.access_token);
  assert.ok(stored.local.refresh_token);
});

test('a page of another origin cannot hand anything over', async () => {
  // localhost is a development origin in externally_connectable, so its pages reach the
  // worker; but the worker's backend is 127.0.0.1 and it checks the sender's origin.
  const page = await browser.context.newPage();
  await page.goto(`http://localhost:${new URL(server.url).port}/healthz`);
  const answer = await page.evaluate(
    (id) => chrome.runtime.sendMessage(id, { type: 'allyshare.handoff.hello' }),
    browser.extensionId,
  );
  assert.deepEqual(answer, { ok: false });
  await page.close();
});
