// The hand-off: an ally who accepts the invitation in a browser where the extension is installed
// is signed in to the extension without typing the password again (externally_connectable,
// a one-time code bound to a secret only the extension holds) — but only once they have seen
// which account and networks it is and said "Continue". Anyone holding an invitation link can
// make a browser accept it (login CSRF), so "Not me" must leave the extension signed out, with
// nothing read, and the handed-over session revoked. The server knows two extension ids (the
// other store's build first): the page finds the one installed.
import {
  test, before, after, startServer, launchBrowser, openExtensionPage, sendIntent, eventually,
  screenshot, accessibilityProblems, evaluate, closePage, onboardingTab, EXTENSION_ID,
} from './harness.mjs';
import assert from 'node:assert/strict';
import { startFakeLinkedIn } from '../fake-linkedin/server.mjs';

let server;
let linkedin;
let browser;
let popup;

// The id another store's build would have (not installed here): the server knows both, as one
// serving Chrome Web Store and Edge Add-ons users does, and the page tries this one first.
const OTHER_BUILD_ID = 'ponmlkjihgfedcbaponmlkjihgfedcba';

before(async () => {
  server = await startServer({ extensionIds: [OTHER_BUILD_ID, EXTENSION_ID] });
  linkedin = await startFakeLinkedIn({ connections: 40 });
  browser = await launchBrowser({ extraArgs: linkedin.chromiumArgs });
  popup = await openExtensionPage(browser.context, browser.extensionId, 'popup.html', { width: 360, height: 560 });
  await sendIntent(popup, { intent: 'set_backend_url', url: server.url });
  // The ally is logged in to LinkedIn here: a signed-in extension would read it at once.
  const li = await browser.context.newPage();
  await li.goto('https://www.linkedin.com/login?auto=1', { timeout: 30_000 });
  await closePage(li);
});

after(async () => {
  await browser?.context.close();
  await linkedin?.stop();
  server?.stop();
});

const state = async () => (await sendIntent(popup, { intent: 'get_state' })).state;
const stored = () => browser.ext(async () => ({
  session: await chrome.storage.session.get(null),
  local: await chrome.storage.local.get(null),
}));

async function capture(page, name) {
  await screenshot(page, name);
  assert.deepEqual(await accessibilityProblems(page), [], `accessibility of ${name}`);
}

/** Accepts an invitation on the Get Started page, as a person (or a cross-site form) would. */
async function acceptOnPage(invitation, password) {
  const link = await server.invite(invitation);
  const page = await browser.context.newPage();
  await page.goto(link, { timeout: 30_000 });
  await page.fill('#password', password);
  await page.fill('#password_confirm', password);
  await page.check('#terms');
  await page.click('button[type=submit]');
  await page.locator('ol.guide').waitFor();
  return page;
}

test('a page of another origin cannot hand anything over', async () => {
  // Signed out, the state in which the backend's own page would be heard. localhost is a
  // development origin in externally_connectable, so its pages reach the worker; but the
  // worker's backend is 127.0.0.1 and it checks the sender's origin.
  assert.equal((await state()).signed_in, false);
  const page = await browser.context.newPage();
  await page.goto(`http://localhost:${new URL(server.url).port}/healthz`, { timeout: 30_000 });
  const ask = (message) => evaluate(page, ([id, m]) => chrome.runtime.sendMessage(id, m), [browser.extensionId, message]);
  assert.deepEqual(await ask({ type: 'allyshare.handoff.hello' }), { ok: false });
  assert.deepEqual(await ask({ type: 'allyshare.handoff.code', code: 'x' }), { ok: false });
  await closePage(page);
  const { session } = await stored();
  assert.equal(session.handoff, undefined, 'no verifier was made for that page');
  assert.equal(session.pending_sign_in, undefined);
  // The same question from the backend's own origin is answered: the refusal above was the
  // origin's, not a refusal of everything.
  const own = await browser.context.newPage();
  await own.goto(`${server.url}/healthz`, { timeout: 30_000 });
  const hello = await evaluate(own, (id) => chrome.runtime.sendMessage(id, { type: 'allyshare.handoff.hello' }), browser.extensionId);
  assert.equal(typeof hello.challenge, 'string');
  await closePage(own);
});

test('"Not me": the extension stays signed out, reads nothing, and the session is revoked', async () => {
  await linkedin.control({ resetStats: true });
  // Someone else's invitation, accepted in this browser (as a cross-site form post would).
  const web = await acceptOnPage({ network: 'Mallory Partners', email: 'mallory@example.org', name: 'Mallory' }, 'not-your-account-42');
  // The popup asks about the account it would sign into, and signs nothing in by itself.
  const question = await openExtensionPage(browser.context, browser.extensionId, 'popup.html', { width: 360, height: 560 });
  await eventually(async () => {
    if (await question.locator('#handoff').count()) return true;
    await question.reload();
    return false;
  }, { what: 'the popup to ask about the hand-off', timeoutMs: 30_000 });
  assert.match(await question.locator('#handoff-account').innerText(), /mallory@example\.org/);
  assert.match(await question.locator('#handoff-networks').innerText(), /Mallory Partners/);
  assert.equal(await question.locator('#handoff-continue').innerText(), 'Continue as mallory@example.org');
  await capture(question, 'popup-handoff-question');
  const waiting = await stored();
  assert.equal(waiting.local.refresh_token, undefined, 'not signed in while asking');
  assert.equal(waiting.session.access_token, undefined);
  const handedOver = JSON.parse(waiting.session.pending_sign_in).refresh.token;
  assert.equal((await state()).signed_in, false);

  await question.click('#handoff-decline');
  await question.locator('#sign-in').waitFor();
  const s = await state();
  assert.equal(s.signed_in, false);
  assert.equal(s.pending_sign_in, null);
  assert.equal(s.me, null);
  // The handed-over session is dead on the server.
  const res = await fetch(`${server.url}/v1/sessions/refresh`, {
    method: 'POST',
    signal: AbortSignal.timeout(30_000),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: handedOver }),
  });
  assert.equal(res.status, 401, 'revoked');
  // Nothing of the account is kept, and LinkedIn was never read (nor is later: the open Get
  // Started page's grant is spent).
  await new Promise((r) => setTimeout(r, 4_500));
  const left = await stored();
  assert.equal(left.session.pending_sign_in, undefined);
  assert.equal(left.session.access_token, undefined);
  assert.equal(left.local.refresh_token, undefined);
  assert.equal(left.local.profile, undefined);
  assert.equal((await state()).sync.contacts, 0);
  const stats = await linkedin.stats();
  assert.deepEqual(stats.requests, {}, `LinkedIn was not read: ${JSON.stringify(stats.requests)}`);
  await closePage(question);
  await closePage(web);
});

test('accepting the invitation asks which account, then signs the extension in', async () => {
  const web = await acceptOnPage({ network: 'Design Guild', email: 'ada@example.org', name: 'Ada' }, 'difference-engine-1822');
  // The onboarding page (opened on install) asks the question.
  const onb = await onboardingTab(browser);
  await onb.locator('#handoff').waitFor({ timeout: 30_000 });
  assert.match(await onb.locator('#handoff-account').innerText(), /ada@example\.org \(Ada\)/);
  assert.match(await onb.locator('#handoff-networks').innerText(), /Design Guild/);
  assert.equal((await state()).signed_in, false, 'not before the ally says so');
  await capture(onb, 'onboarding-handoff-question');

  await onb.click('#handoff-continue');
  await onb.locator('#step-connect').waitFor();
  const s = await state();
  assert.equal(s.signed_in, true);
  assert.equal(s.me.person.email, 'ada@example.org');
  assert.deepEqual(s.me.networks.map((n) => n.name), ['Design Guild']);
  await eventually(async () => /confirm your account in the AllyShare extension/i.test(await web.locator('#handoff-status').innerText()), {
    what: 'the page to confirm the hand-off',
  });
  await screenshot(web, 'get-started-handoff-done');

  // The verifier and the pending hand-off are gone; the tokens sit where a password sign-in
  // puts them.
  const after = await stored();
  assert.equal(after.session.handoff, undefined);
  assert.equal(after.session.pending_sign_in, undefined);
  assert.ok(after.session.access_token);
  assert.ok(after.local.refresh_token);
  await closePage(web);
});
