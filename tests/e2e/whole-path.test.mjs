// The whole path, as people do it, with no CLI or API call for anything a person does: a Network
// Admin signs in to the console and invites an ally through Invite Member; the ally opens the
// emailed link, sets a password, accepts the terms, and the extension (installed, on this
// server) is handed the session, reads the fake LinkedIn and shares with the network; then the
// admin finds the ally's contacts by search in the console, puts two on an introduction list,
// exports it, asks for an introduction, and the ally accepts it in the popup. (The first admin is made by the server's operator with the
// CLI, as in a real installation.) axe on every page, screenshots of each.
import assert from 'node:assert/strict';
import {
  test, before, after, startServer, launchBrowser, openExtensionPage, sendIntent, eventually,
  screenshot, accessibilityProblems, acceptInvitation, linksInOutbox, closePage, onboardingTab,
} from './harness.mjs';
import { startFakeLinkedIn } from '../fake-linkedin/server.mjs';

const N = 30;
const STEP_MS = 15_000;
const ADMIN = { network: 'Getro Sales Network', email: 'nadia@example.org', name: 'Nadia Admin', password: 'a long admin passphrase' };
const ALLY = { first: 'Ada', last: 'Lovelace', email: 'ada@example.org', password: 'analytical-engine-1843' };
const POPUP = { width: 360, height: 600 };

let server;
let linkedin;
let browser;

before(async () => {
  server = await startServer();
  await acceptInvitation(await server.invite({ ...ADMIN, role: 'network_admin' }), ADMIN.password);
  linkedin = await startFakeLinkedIn({ connections: N });
  browser = await launchBrowser({ extraArgs: linkedin.chromiumArgs });
  await browser.ext(() => chrome.storage.local.set({
    read_settings: JSON.stringify({ pause_min_ms: 5, pause_max_ms: 10, backoff_rate_limited_ms: 2000 }),
  }));
});

after(async () => {
  await browser?.context.close();
  await linkedin?.stop();
  server?.stop();
});

async function capture(page, name) {
  await screenshot(page, `whole-${name}`);
  assert.deepEqual(await accessibilityProblems(page), [], `accessibility of ${name}`);
}

test('an admin invites an ally from the console; the ally shares; the admin finds a contact and asks; the ally accepts', async () => {
  // The extension talks to this server (the ally's options page; a build for a real backend has
  // it built in).
  const popup = await openExtensionPage(browser.context, browser.extensionId, 'popup.html', POPUP);
  await sendIntent(popup, { intent: 'set_backend_url', url: server.url });
  await closePage(popup);

  // 1. The admin signs in to the console and invites Ada through Invite Member.
  const console_ = await browser.context.newPage();
  console_.setDefaultTimeout(STEP_MS);
  await console_.goto(`${server.url}/admin`);
  await console_.getByLabel('Email address').fill(ADMIN.email);
  await console_.getByLabel('Password').fill(ADMIN.password);
  await console_.getByRole('button', { name: 'Sign in' }).click();
  await console_.getByRole('heading', { level: 1, name: 'Team Members' }).waitFor();
  await console_.getByRole('link', { name: 'Invite Member' }).first().click();
  await console_.getByRole('heading', { level: 1, name: 'Invite Member' }).waitFor();
  await console_.getByLabel('Ally', { exact: true }).check();
  await console_.getByLabel('First name').fill(ALLY.first);
  await console_.getByLabel('Last name').fill(ALLY.last);
  await console_.getByLabel('Email address').fill(ALLY.email);
  await console_.getByLabel(/Personal note/).fill('Ada, your network would help our founders.');
  await console_.getByRole('button', { name: 'Send Invite' }).click();
  await console_.getByRole('status').filter({ hasText: `The invitation to ${ALLY.first} ${ALLY.last} (${ALLY.email}) is sent` }).waitFor();
  await capture(console_, 'console-invited');

  // 2. The email arrives (through the paced queue) with the note and the link.
  const mail = await eventually(async () => (await linksInOutbox(server.outbox))
    .find((m) => m.raw.includes(`<${ALLY.email}>`) && m.link),
  { timeoutMs: 30_000, what: 'the invitation email to Ada' });
  assert.match(mail.raw, /your network would help our founders/);

  // 3. Ada opens it, sets a password, accepts the terms, and sees the guide.
  const web = await browser.context.newPage();
  web.setDefaultTimeout(STEP_MS);
  await web.goto(mail.link);
  await web.fill('#password', ALLY.password);
  await web.fill('#password_confirm', ALLY.password);
  await web.check('#terms');
  await web.click('button[type=submit]');
  await web.locator('ol.guide > li').first().waitFor();
  await capture(web, 'guide');

  // 4. The extension asks once which account it is; Ada says it is hers.
  const onb = await onboardingTab(browser);
  await onb.locator('#handoff').waitFor({ timeout: 30_000 });
  assert.match(await onb.locator('#handoff-account').innerText(), new RegExp(ALLY.email));
  await onb.click('#handoff-continue');
  await closePage(web);

  // 5. She connects LinkedIn (the fake one), the read runs, and she shares with the network.
  await onb.locator('#linkedin-login').waitFor({ timeout: 30_000 });
  const [login] = await Promise.all([browser.context.waitForEvent('page'), onb.click('#linkedin-login')]);
  await login.waitForLoadState();
  await login.click('button[type=submit]');
  const closing = closePage(login);
  await onb.locator('#read-done').waitFor({ timeout: 60_000 });
  assert.match(await onb.locator('#read-done').innerText(), new RegExp(`${N}`));
  await closing;
  await onb.click('#connect-next');
  // One network: no choice to make, the page says which.
  await onb.locator('#single-network').filter({ hasText: ADMIN.network }).waitFor();
  await onb.click('#confirm-sharing');
  await onb.locator('#step-asks').waitFor();
  await onb.click('#asks-next');
  await onb.locator('#done-summary').waitFor();
  await eventually(async () => (await onb.locator('#done-progress').innerText()) === '', { what: 'the upload to finish', timeoutMs: 60_000 });
  await capture(onb, 'onboarding-done');

  // 6. In the console, Ada is a member who shares N contacts.
  await console_.goto(`${server.url}/admin`);
  const adaRow = console_.getByRole('row').filter({ hasText: ALLY.email });
  await eventually(async () => {
    await console_.reload();
    return (await adaRow.innerText()).includes(`${N}`);
  }, { what: `Team Members to show ${N} contacts shared`, timeoutMs: 30_000 });
  await adaRow.getByText('Member').waitFor();
  await capture(console_, 'console-team-sharing');

  // 7. The admin finds Ada's contacts by search in Contacts.
  const nav = console_.getByRole('navigation', { name: 'Console' });
  await nav.getByRole('link', { name: 'Contacts' }).click();
  await console_.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor();
  const table = console_.getByRole('table', { name: 'Contacts shared with the network' });
  const [first, second] = (await table.getByRole('rowheader').allTextContents()).map((n) => n.trim());
  assert.ok(first && second, 'Ada\'s contacts are listed');
  await console_.getByLabel('Search by name or headline').fill(first);
  await console_.getByRole('button', { name: 'Search' }).click();
  await table.getByRole('link', { name: first }).first().waitFor();
  await table.getByRole('row').filter({ hasText: first }).first().getByText(`${ALLY.first} ${ALLY.last}`).waitFor();
  await capture(console_, 'console-contacts-search');

  // 8. She puts two of them on a new introduction list, from the list's own search, and
  // exports it.
  await nav.getByRole('link', { name: 'Introduction lists' }).click();
  await console_.getByLabel('List name').fill('Founders to meet');
  await console_.getByRole('button', { name: 'New list' }).click();
  await console_.getByRole('heading', { level: 1, name: 'Founders to meet' }).waitFor();
  for (const name of [first, second]) {
    await console_.getByLabel("Search the network's contacts").fill(name);
    await console_.getByRole('button', { name: 'Search' }).click();
    await console_.getByRole('table', { name: 'Search results' }).getByRole('checkbox', { name: `Select ${name}` }).first().check();
    await console_.getByRole('button', { name: 'Add selected to the list' }).click();
    await console_.getByRole('status').filter({ hasText: /added to the list/ }).waitFor();
  }
  const entries = console_.getByRole('table', { name: 'Contacts on this list' });
  assert.equal(await entries.getByRole('row').count(), 3, 'a header and the two contacts');
  await capture(console_, 'console-list');
  const [download] = await Promise.all([
    console_.waitForEvent('download'),
    console_.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  const csv = Buffer.concat(await (await download.createReadStream()).toArray()).toString('utf8');
  for (const name of [first, second]) assert.ok(csv.includes(name.split(' ')[0]), `${name} is in the export`);

  // 9. From the first contact's page she asks Ada for an introduction.
  await nav.getByRole('link', { name: 'Contacts' }).click();
  await table.getByRole('link', { name: first }).first().click();
  await console_.getByRole('heading', { level: 1, name: first }).waitFor();
  await console_.getByLabel(`${ALLY.first} ${ALLY.last}`).check();
  await console_.getByLabel('Note to the ally').fill('Could you introduce us? We are hiring.');
  await console_.getByRole('button', { name: 'Send' }).click();
  await console_.getByRole('heading', { level: 1, name: 'Asks' }).waitFor();
  const asks = console_.getByRole('table', { name: 'Introduction asks' });
  await asks.getByRole('row').filter({ hasText: first }).getByText('Pending').waitFor();

  // 10. Ada sees it in the popup and accepts; the console shows it made.
  const pop = await openExtensionPage(browser.context, browser.extensionId, 'popup.html', POPUP);
  // The ask exists before the popup opens: the popup reads it on opening, after its first paint,
  // so wait for the answer to render rather than reloading (a reload cancels a render in flight).
  const accept = pop.locator('button[id^="accept-"]');
  await accept.waitFor({ timeout: 30_000 });
  assert.equal(await accept.count(), 1, 'one ask waits for an answer');
  assert.match(await pop.locator('[id^="ask-"]').first().innerText(), new RegExp(`${ADMIN.name} from ${ADMIN.network}`));
  await capture(pop, 'popup-ask');
  await accept.click();
  await accept.waitFor({ state: 'detached' });
  await console_.reload();
  await asks.getByRole('row').filter({ hasText: first }).getByText('Introduction made').waitFor();
  await capture(console_, 'console-asks-made');
  await closePage(pop);
  await closePage(console_);
});
