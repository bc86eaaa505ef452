// What LinkedIn's pages can reach, in Chromium: our content script runs inside them (in its own
// isolated world), so it must not read the ally's tokens or contacts, and the worker must
// answer it nothing but the fallback's own exchange.
import {
  test, before, after, startSyncScenario, evaluate, closePage,
} from './harness.mjs';
import assert from 'node:assert/strict';

let world;

before(async () => {
  world = await startSyncScenario({ connections: 40 });
});

after(async () => { await world?.stop(); });

/** Evaluates `expression` in our content script's isolated world on a LinkedIn page. */
async function inContentScript(page, expression) {
  const cdp = await page.context().newCDPSession(page);
  const contexts = [];
  cdp.on('Runtime.executionContextCreated', (e) => contexts.push(e.context));
  await cdp.send('Runtime.enable');
  const ours = contexts.find((c) => c.auxData?.type === 'isolated' && c.origin === `chrome-extension://${world.browser.extensionId}`)
    ?? contexts.find((c) => c.auxData?.type === 'isolated' && c.name === 'AllyShare');
  assert.ok(ours, `our content script runs on the page (${JSON.stringify(contexts.map((c) => [c.name, c.origin]))})`);
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', {
    contextId: ours.id, expression, awaitPromise: true, returnByValue: true,
  });
  return exceptionDetails ? { error: exceptionDetails.exception?.description ?? exceptionDetails.text } : { value: result.value };
}

test('a content script on LinkedIn reads no token and no contact, and the worker tells it nothing', async () => {
  await world.share(true);
  // The extension holds a session (tokens in chrome.storage) and has read contacts.
  const stored = await world.browser.ext(async () => Object.keys(await chrome.storage.local.get(null)));
  assert.ok(stored.includes('refresh_token'), JSON.stringify(stored));
  const page = await world.browser.context.newPage();
  await page.goto('https://www.linkedin.com/feed/');
  const local = await inContentScript(page, 'chrome.storage.local.get(null).then((v) => JSON.stringify(v))');
  assert.ok(local.error, `storage.local is closed to the content script (got ${JSON.stringify(local.value)?.slice(0, 200)})`);
  const session = await inContentScript(page, 'chrome.storage.session.get(null).then((v) => JSON.stringify(v))');
  assert.ok(session.error, 'storage.session too');
  // Any intent from the content script gets no state at all.
  const reply = await inContentScript(page, "chrome.runtime.sendMessage({ intent: 'get_state' })");
  assert.equal(reply.error, undefined, reply.error);
  assert.equal(reply.value ?? null, null, 'no state for a content script');
  // And LinkedIn's own page script has no extension API at all.
  assert.equal(await evaluate(page, () => typeof globalThis.chrome?.storage), 'undefined');
  await closePage(page);
});
