// The first slice, end to end: an invitation made with the server's CLI, its link read from the
// outbox, the Get Started page filled in, then the extension's popup signs in, shows the
// network, keeps the session fresh without the ally noticing, and signs out.
import {
  test, before, after, startServer, linksInOutbox, launchBrowser, openExtensionPage, screenshot,
  accessibilityProblems, EXTENSION_ID, evaluate, closePage,
} from './harness.mjs';
import assert from 'node:assert/strict';

const POPUP = { width: 360, height: 560 };
const ALLY = { network: 'Sales Network', email: 'Ada.Lovelace@Example.org', name: 'Ada Lovelace' };
const PASSWORD = 'analytical-engine-1843';

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

test('the unpacked build loads with its fixed id and a running worker', async () => {
  assert.equal(browser.extensionId, EXTENSION_ID);
  const manifest = await browser.ext(() => chrome.runtime.getManifest());
  assert.deepEqual(manifest.permissions, ['storage', 'unlimitedStorage', 'alarms', 'cookies']);
  assert.deepEqual(manifest.host_permissions, ['https://www.linkedin.com/*', 'http://127.0.0.1/*', 'http://localhost/*']);
  assert.match(manifest.content_security_policy.extension_pages, /'wasm-unsafe-eval'/);
});

test('onboarding opens by itself on install', async () => {
  const deadline = Date.now() + 10_000;
  let page;
  while (!page && Date.now() < deadline) {
    page = browser.context.pages().find((p) => p.url().endsWith('/onboarding.html'));
    if (!page) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(page, 'an onboarding tab was opened');
  await page.locator('#sign-in').waitFor();
  await capture(page, 'onboarding-signed-out');
});

test('an invited ally accepts, signs in from the popup, sees the network, signs out', async () => {
  // 1. Invitation through the CLI; the link comes from the email in the outbox.
  const printed = await server.invite(ALLY);
  const mails = await linksInOutbox(server.outbox);
  assert.equal(mails.length, 1);
  assert.match(mails[0].raw, /Subject: You've been invited to Sales Network/);
  assert.equal(mails[0].link, printed, 'the CLI prints the link the email carries');

  // 2. The Get Started page: a weak password is refused, a good one accepted.
  const web = await browser.context.newPage();
  await web.goto(mails[0].link);
  await capture(web, 'get-started-form');
  await web.fill('#password', 'password');
  await web.fill('#password_confirm', 'password');
  await web.check('#terms');
  await web.click('button[type=submit]');
  await web.locator('[role=alert]').waitFor();
  await capture(web, 'get-started-weak-password');
  await web.fill('#password', PASSWORD);
  await web.fill('#password_confirm', PASSWORD);
  await web.check('#terms');
  await web.click('button[type=submit]');
  const steps = web.locator('ol.guide > li');
  await steps.first().waitFor();
  const guide = await steps.allInnerTexts();
  assert.equal(guide.length, 3);
  assert.match(guide[0], /Connect LinkedIn/);
  assert.match(guide[1], /Help with meaningful introductions/);
  assert.match(guide[2], /Make an introduction when asked/);
  await capture(web, 'get-started-guide');
  // This ally signs in with the password: the page's hand-off (handoff.test.mjs) is not used.
  await closePage(web);

  // 3. Point the extension at this server (options page).
  const options = await openExtensionPage(browser.context, browser.extensionId, 'options.html');
  await options.locator('#backend-url').fill(server.url);
  await options.click('#save');
  await options.locator('#saved').waitFor();
  await capture(options, 'options-saved');

  // 4. The popup: a wrong password is refused with a clear message, then the right one works.
  const popup = await openExtensionPage(browser.context, browser.extensionId, 'popup.html', POPUP);
  await popup.locator('#sign-in').waitFor();
  await capture(popup, 'popup-signed-out');
  await popup.fill('#email', ALLY.email.toLowerCase());
  await popup.fill('#password', 'not-the-password');
  await popup.click('#sign-in-button');
  await assertAlert(popup, /don't match/);
  await capture(popup, 'popup-wrong-password');
  assert.equal(await popup.inputValue('#email'), ALLY.email.toLowerCase(), 'the email is kept');
  await popup.fill('#password', PASSWORD);
  await popup.click('#sign-in-button');
  await popup.locator('#networks li').first().waitFor();
  assert.deepEqual(await popup.locator('#networks .name').allInnerTexts(), ['Sales Network']);
  assert.match(await popup.locator('#person-name').innerText(), /Ada Lovelace/);
  await capture(popup, 'popup-signed-in');
  assert.deepEqual(popup.errors, []);

  // 5. Tokens: the access token only in session storage, the refresh token in local storage.
  const stored = await browser.ext(async () => ({
    session: await chrome.storage.session.get(null),
    local: await chrome.storage.local.get(null),
  }));
  assert.ok(stored.session.access_token, 'access token in chrome.storage.session');
  assert.ok(!stored.local.access_token, 'access token never in chrome.storage.local');
  assert.ok(stored.local.refresh_token, 'refresh token in chrome.storage.local');

  // 6. An expired access token is refreshed without the ally noticing (and the refresh rotates).
  await browser.ext(async () => {
    const { access_token } = await chrome.storage.session.get('access_token');
    const t = JSON.parse(access_token);
    t.expires_at = 0;
    await chrome.storage.session.set({ access_token: JSON.stringify(t) });
  });
  const again = await openExtensionPage(browser.context, browser.extensionId, 'popup.html', POPUP);
  await again.locator('#networks li').first().waitFor();
  const rotated = await pollUntil(async () => {
    const { refresh_token } = await browser.ext(() => chrome.storage.local.get('refresh_token'));
    return refresh_token !== stored.local.refresh_token ? refresh_token : null;
  });
  assert.ok(rotated, 'the refresh token was rotated');
  assert.equal(await again.locator('[role=alert]').count(), 0, 'no error shown');
  await closePage(again);

  // 7. Sign out: back to the form, nothing of the session left.
  await popup.reload();
  await popup.locator('#sign-out').click();
  await popup.locator('#sign-in').waitFor();
  await capture(popup, 'popup-after-sign-out');
  const left = await browser.ext(async () => ({
    session: await chrome.storage.session.get(null),
    local: await chrome.storage.local.get(null),
  }));
  assert.equal(left.session.access_token, undefined);
  assert.equal(left.local.refresh_token, undefined);
  assert.equal(left.local.profile, undefined);
  // The browser still holds the acceptance's hand-off grant (30 minutes): its page retries
  // every 2 s, yet signing out must stick — not even a question about the account comes back.
  const handoffPage = await browser.context.newPage();
  await handoffPage.goto(`${server.url}/handoff`, { timeout: 30_000 });
  await handoffPage.locator('#handoff-status').waitFor();
  await new Promise((r) => setTimeout(r, 4_500));
  const later = await browser.ext(async () => ({
    session: await chrome.storage.session.get(null),
    local: await chrome.storage.local.get(null),
  }));
  assert.equal(later.session.access_token, undefined, 'not signed back in by the open page');
  assert.equal(later.session.pending_sign_in, undefined, 'no hand-off taken');
  assert.equal(later.session.handoff, undefined, 'not even a hello answered');
  assert.equal(later.local.refresh_token, undefined);
  await closePage(handoffPage);

  // The old refresh token is dead on the server too (signed out means revoked).
  const res = await fetch(`${server.url}/v1/sessions/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: JSON.parse(rotated).token }),
  });
  assert.equal(res.status, 401);
});

test('a web page cannot talk to the worker', async () => {
  // The backend's own pages may reach the extension (externally_connectable, for the hand-off),
  // but only the hand-off messages are answered: no intent, no state.
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/healthz`);
  const answer = await evaluate(page, 
    (id) => chrome.runtime.sendMessage(id, { intent: 'get_state' }),
    browser.extensionId,
  );
  assert.deepEqual(answer, { ok: false });
  await closePage(page);
});

/** Every screen is photographed for review and checked with axe-core. */
async function capture(page, name) {
  await screenshot(page, name);
  assert.deepEqual(await accessibilityProblems(page), [], `accessibility of ${name}`);
}

async function assertAlert(page, pattern) {
  const alert = page.locator('[role=alert]');
  await alert.waitFor();
  assert.match(await alert.innerText(), pattern);
}

async function pollUntil(fn, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

test('the accessibility check itself catches a real violation', async () => {
  // Guards against a silently broken axe run making every screen "pass".
  const page = await browser.context.newPage();
  await page.setContent('<html lang="en"><body><main><input type="text"><img src="x.png"></main></body></html>');
  const problems = await accessibilityProblems(page);
  assert.ok(problems.some((p) => p.startsWith('label:')), problems.join('; '));
  await closePage(page);
});
