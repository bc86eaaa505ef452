// Deleting one's account, as a person does it (issue 17: "Stop sharing means deleted,
// everywhere"). From the extension's options page, signed in: the privacy policy and
// "Delete my account" open the configured server's /privacy and console page in a tab; the
// console asks to sign in, then shows what goes, refuses a wrong password (nothing deleted),
// and with the right one deletes the account and ends on a signed-out page that says so; the
// account no longer signs in anywhere. A Network Admin who alone can manage a team is told
// what to do first. axe on every page (0 serious or critical), screenshots of each.
import assert from 'node:assert/strict';
import {
  test, before, after, startServer, launchBrowser, openExtensionPage, sendIntent, acceptInvitation,
  accessibilityProblems, screenshot, closePage, closeOnboarding,
} from './harness.mjs';

const ALLY = { network: 'Sales Network', email: 'ada@example.org', name: 'Ada Lovelace', password: 'lovelace-babbage-1842' };
const ADMIN = { network: 'Sales Network', email: 'nadia@example.org', name: 'Nadia Admin', password: 'a long admin passphrase' };
const STEP_MS = 15_000;

let server;
let browser;

before(async () => {
  server = await startServer();
  await acceptInvitation(await server.invite({ ...ADMIN, role: 'network_admin' }), ADMIN.password);
  await acceptInvitation(await server.invite(ALLY), ALLY.password);
  browser = await launchBrowser();
  browser.context.setDefaultTimeout(STEP_MS);
  await closeOnboarding(browser);
});

after(async () => {
  await browser?.context.close();
  server?.stop();
});

async function capture(page, name) {
  await screenshot(page, `account-delete-${name}`);
  assert.deepEqual(await accessibilityProblems(page), [], `axe on ${name}`);
}

async function apiSignIn(email, password) {
  const res = await fetch(`${server.url}/v1/sessions`, {
    method: 'POST',
    signal: AbortSignal.timeout(30_000),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return res.status;
}

/** The tab a click on `link` opens (`target=_blank`). */
async function tabOpenedBy(page, link) {
  const [tab] = await Promise.all([browser.context.waitForEvent('page', { timeout: STEP_MS }), link.click()]);
  await tab.waitForLoadState('load', { timeout: STEP_MS });
  return tab;
}

test('an ally deletes their account: from the options page to the console, with their password', async () => {
  const options = await openExtensionPage(browser.context, browser.extensionId, 'options.html');
  // Signed out: the privacy policy of the configured server is already there.
  await sendIntent(options, { intent: 'set_backend_url', url: server.url });
  await options.reload();
  const privacy = options.getByRole('link', { name: 'Privacy policy' });
  await privacy.waitFor();
  assert.equal(await privacy.getAttribute('href'), `${server.url}/privacy`);
  assert.equal(await options.locator('#delete-account').count(), 0, 'no account to delete when signed out');

  const reply = await sendIntent(options, { intent: 'sign_in', email: ALLY.email, password: ALLY.password });
  assert.equal(reply.state.signed_in, true, JSON.stringify(reply.problem));
  await options.reload();
  const deleteLink = options.getByRole('link', { name: 'Delete my account' });
  await deleteLink.waitFor();
  assert.equal(await deleteLink.getAttribute('href'), `${server.url}/admin/account/delete`);
  await capture(options, 'options');

  const policy = await tabOpenedBy(options, privacy);
  assert.equal(policy.url(), `${server.url}/privacy`);
  await policy.getByRole('heading', { level: 1, name: 'Privacy policy' }).waitFor();
  await closePage(policy);

  // The console page, in a tab: signing in first, then back to it.
  const page = await tabOpenedBy(options, deleteLink);
  assert.equal(new URL(page.url()).pathname, '/admin/sign-in');
  await page.getByLabel('Email address').fill(ALLY.email);
  await page.getByLabel('Password').fill(ALLY.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Delete your account?' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/admin/account/delete');
  await page.getByText('Every contact you shared:').waitFor();
  await page.getByRole('listitem').filter({ hasText: /^Sales Network \(Ally\)$/ }).waitFor();
  await capture(page, 'page');

  // A wrong password: said so, nothing deleted.
  await page.getByLabel('Your password, to confirm').fill('not the password');
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('alert').filter({ hasText: 'That password is not right: nothing was deleted.' }).waitFor();
  await capture(page, 'wrong-password');
  assert.equal(await apiSignIn(ALLY.email, ALLY.password), 201, 'the account is still there');

  // The password: deleted, signed out, and told so.
  await page.getByLabel('Your password, to confirm').fill(ALLY.password);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your account is deleted' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/admin/account/deleted');
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'signed out');
  await capture(page, 'done');
  assert.equal(await apiSignIn(ALLY.email, ALLY.password), 401, 'the account is gone');
  await page.goto(`${server.url}/admin`);
  assert.equal(new URL(page.url()).pathname, '/admin/sign-in');
  await closePage(page);
  await closePage(options);
});

test('the last admin who can manage a team is told what to do first, from the account menu', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/admin/sign-in`);
  await page.getByLabel('Email address').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Team Members' }).waitFor();
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  await capture(page, 'account');
  await page.getByRole('link', { name: 'Delete my account…' }).click();
  await page.getByRole('heading', { level: 1, name: 'Delete your account?' }).waitFor();
  await page.getByText('You are the only one who can manage roles and permissions in Sales Network').waitFor();
  await capture(page, 'last-manager');
  // They go and do that first: the link takes them to the team.
  await page.getByRole('link', { name: 'Team Members of Sales Network' }).click();
  await page.getByRole('heading', { level: 1, name: 'Team Members' }).waitFor();
  assert.equal(await apiSignIn(ADMIN.email, ADMIN.password), 201, 'nothing deleted');
  await closePage(page);
});
