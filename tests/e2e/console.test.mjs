// The Network Admin's console, as a person uses it, in Chromium: an admin (invited with the CLI
// and accepted) signs in at /admin, opens Team Members, invites an ally through Invite Member,
// sees the pending invitation, and the invitation email lands in the outbox; another admin who
// forgot their password asks for a link, gets it by email, sets a new password and signs in
// with it. axe on every page (0 serious or critical), screenshots of each, on a laptop and a
// phone.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import {
  test, before, after, startServer, acceptInvitation, accessibilityProblems, screenshot, linksInOutbox,
  eventually, CHROMIUM,
} from './harness.mjs';

const ADMIN = { network: 'Getro Sales Network', email: 'nadia@example.org', name: 'Nadia Admin', password: 'a long admin passphrase' };
const STEP_MS = 15_000;

let server;
let browser;

before(async () => {
  server = await startServer();
  await acceptInvitation(await server.invite({ ...ADMIN, role: 'network_admin' }), ADMIN.password);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  server?.stop();
});

async function noSeriousAxeProblems(page, where) {
  assert.deepEqual(await accessibilityProblems(page), [], `axe on ${where}`);
}

test('an admin signs in to the console, invites an ally through Invite Member, and the email goes out', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  // Console errors but the HTTP status of a page (401, 422 are answers here) or a favicon.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });

  // Unsigned, /admin sends to the sign-in page.
  await page.goto(`${server.url}/admin`);
  assert.equal(new URL(page.url()).pathname, '/admin/sign-in');
  await page.getByRole('heading', { level: 1, name: 'Sign in to the console' }).waitFor();
  await noSeriousAxeProblems(page, 'the sign-in page');
  await screenshot(page, 'console-sign-in');

  // A wrong password: the alert, and no way in.
  await page.getByLabel('Email address').fill(ADMIN.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'The email or password is incorrect.' }).waitFor();
  await noSeriousAxeProblems(page, 'the sign-in page with its error');
  await screenshot(page, 'console-sign-in-error');

  // Signed in with the keyboard: the admin of one network lands on its Team Members.
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Team Members' }).waitFor();
  assert.match(new URL(page.url()).pathname, /^\/admin\/networks\/\d+\/team$/);
  const nav = page.getByRole('navigation', { name: 'Console' });
  assert.equal(await nav.getByRole('link', { name: 'Team Members' }).getAttribute('aria-current'), 'page');
  await page.getByRole('row').filter({ hasText: ADMIN.email }).getByText('Network Admin').waitFor();
  await noSeriousAxeProblems(page, 'Team Members');
  await screenshot(page, 'console-team-members');

  // Invite Member: a field error first, then the invitation.
  await page.getByRole('link', { name: 'Invite Member' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Invite Member' }).waitFor();
  await noSeriousAxeProblems(page, 'Invite Member');
  await screenshot(page, 'console-invite-member');
  await page.getByLabel('Ally', { exact: true }).check();
  await page.getByLabel('First name').fill('Grace');
  await page.getByLabel('Last name').fill('Hopper');
  await page.getByLabel('Email address').fill('grace@');
  await page.getByRole('button', { name: 'Send Invite' }).click();
  await page.getByText('“grace@” is not a valid email address.').waitFor();
  assert.equal(await page.getByLabel('Email address').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('First name').inputValue(), 'Grace');
  await noSeriousAxeProblems(page, 'Invite Member with a field error');
  await screenshot(page, 'console-invite-member-error');
  await page.getByLabel('Email address').fill('grace@example.org');
  await page.getByLabel(/Personal note/).fill('Hi Grace,\nyour network would help our founders a lot.');
  await page.getByRole('button', { name: 'Send Invite' }).click();

  // Back on Team Members: the notice and the pending invitation, with Resend and Revoke.
  await page.getByRole('status').filter({ hasText: 'The invitation to Grace Hopper (grace@example.org) is sent' }).waitFor();
  const row = page.getByRole('row').filter({ hasText: 'grace@example.org' });
  await row.getByText('Pending').waitFor();
  await row.getByText('Ally', { exact: true }).waitFor();
  await row.getByRole('button', { name: /^Resend/ }).waitFor();
  await row.getByRole('button', { name: /^Revoke/ }).waitFor();
  await noSeriousAxeProblems(page, 'Team Members after the invitation');
  await screenshot(page, 'console-team-members-invited');

  // The invitation email, with its note and a working link, is in the outbox.
  const email = await eventually(async () => (await linksInOutbox(server.outbox))
    .find((e) => e.raw.includes('To: "Grace Hopper" <grace@example.org>') || e.raw.includes('To: Grace Hopper <grace@example.org>')),
  { timeoutMs: 20_000, what: 'the invitation email to grace@example.org' });
  assert.match(email.raw, /Subject: You've been invited to Getro Sales Network/);
  assert.match(email.raw, /your network would help our founders a lot\./);
  assert.ok(email.link, 'the email has a Get Started link');
  const getStarted = await fetch(email.link, { signal: AbortSignal.timeout(30_000) });
  assert.equal(getStarted.status, 200);

  // The filters narrow the table: pending invitations only.
  await page.getByLabel('State').selectOption('pending');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/state=pending/);
  assert.equal(await page.getByRole('row').filter({ hasText: ADMIN.email }).count(), 0);
  await page.getByRole('row').filter({ hasText: 'grace@example.org' }).waitFor();

  // On a phone the console is usable too.
  await page.setViewportSize({ width: 390, height: 844 });
  await noSeriousAxeProblems(page, 'Team Members on a phone');
  await screenshot(page, 'console-team-members-phone');

  // Sign out: the console is closed again.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('status').filter({ hasText: 'You have signed out.' }).waitFor();
  await page.goto(`${server.url}/admin`);
  assert.equal(new URL(page.url()).pathname, '/admin/sign-in');
  assert.deepEqual(errors.map(String), [], 'no script errors on the console pages');
  await context.close();
});

const FORGETFUL = { network: 'Getro Sales Network', email: 'omar@example.org', name: 'Omar Admin', password: 'the passphrase Omar forgot' };

/** The password reset emails in the outbox to `address`, with their link. */
async function resetEmails(address) {
  return (await linksInOutbox(server.outbox))
    .filter((e) => e.raw.includes('Subject: Reset your AllyShare password') && e.raw.includes(`<${address}>`))
    .map((e) => ({ ...e, resetLink: e.raw.match(/https?:\/\/\S+\/admin\/reset\/[A-Za-z0-9_-]+/)?.[0] }));
}

test('an admin who forgot their password gets a link by email, sets a new password and signs in with it', async () => {
  await acceptInvitation(await server.invite({ ...FORGETFUL, role: 'network_admin' }), FORGETFUL.password);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });

  // From the sign-in page, Forgot password?
  await page.goto(`${server.url}/admin/sign-in`);
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByRole('heading', { level: 1, name: 'Forgot your password?' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/admin/forgot-password');
  await noSeriousAxeProblems(page, 'Forgot password');
  await screenshot(page, 'console-forgot-password');

  // An address that is not one: the field says so.
  await page.getByLabel('Email address').fill('omar@');
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.getByText('“omar@” is not a valid email address.').waitFor();
  assert.equal(await page.getByLabel('Email address').getAttribute('aria-invalid'), 'true');
  await noSeriousAxeProblems(page, 'Forgot password with a field error');

  // The answer says nothing of whether the address has an account.
  await page.getByLabel('Email address').fill(FORGETFUL.email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
  await page.getByRole('status').filter({ hasText: `If an account exists for ${FORGETFUL.email}, we sent a link` }).waitFor();
  await noSeriousAxeProblems(page, 'Check your email');
  await screenshot(page, 'console-forgot-password-sent');

  // The email, through the outbox, carries the link.
  const email = await eventually(async () => (await resetEmails(FORGETFUL.email)).find((e) => e.resetLink),
    { timeoutMs: 20_000, what: `the password reset email to ${FORGETFUL.email}` });
  assert.match(email.raw, /expires in 1 hour/);

  // The link's page: a field error first (the two do not match), then the new password.
  await page.goto(email.resetLink);
  await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
  await noSeriousAxeProblems(page, 'Choose a new password');
  await screenshot(page, 'console-reset-password');
  const newPassword = 'Omar remembers this one now';
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Confirm the new password').fill('something else entirely');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByRole('alert').filter({ hasText: 'Please check the fields marked below.' }).waitFor();
  await page.getByText('The two passwords do not match.').waitFor();
  assert.equal(await page.getByLabel('Confirm the new password').getAttribute('aria-invalid'), 'true');
  await noSeriousAxeProblems(page, 'Choose a new password with a field error');
  await screenshot(page, 'console-reset-password-error');
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Confirm the new password').fill(newPassword);
  await page.getByRole('button', { name: 'Set the new password' }).click();

  // On the sign-in page, with the notice; the old password no longer works, the new one does.
  await page.getByRole('status').filter({ hasText: 'Your new password is set' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/admin/sign-in');
  await screenshot(page, 'console-sign-in-after-reset');
  await page.getByLabel('Email address').fill(FORGETFUL.email);
  await page.getByLabel('Password').fill(FORGETFUL.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'The email or password is incorrect.' }).waitFor();
  await page.getByLabel('Password').fill(newPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Team Members' }).waitFor();

  // The link worked once: opened again, it says so and what to do.
  await page.goto(email.resetLink);
  await page.getByRole('heading', { level: 1, name: 'This link was used already' }).waitFor();
  await page.getByRole('link', { name: 'Ask for a new link' }).waitFor();
  await noSeriousAxeProblems(page, 'a used reset link');
  await screenshot(page, 'console-reset-link-used');

  // On a phone, the two new pages.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.url}/admin/forgot-password`);
  await noSeriousAxeProblems(page, 'Forgot password on a phone');
  await screenshot(page, 'console-forgot-password-phone');
  assert.deepEqual(errors.map(String), [], 'no script errors on the console pages');
  await context.close();
});

const TEAMMATE = { network: 'Getro Sales Network', email: 'vera@example.org', name: 'Vera Viewer', password: 'Vera reads but never writes' };

test('an admin makes a teammate a Viewer on their Settings page; the Viewer cannot invite, and a forged invite from their session is refused', async () => {
  await acceptInvitation(await server.invite({ ...TEAMMATE, role: 'network_admin' }), TEAMMATE.password);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  const signIn = async (who) => {
    await page.goto(`${server.url}/admin/sign-in`);
    await page.getByLabel('Email address').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Team Members' }).waitFor();
  };

  // The admin opens Vera's Settings from Team Members and chooses the Viewer template.
  await signIn(ADMIN);
  const teamUrl = page.url();
  await page.getByRole('row').filter({ hasText: TEAMMATE.email }).getByRole('link', { name: /^Settings/ }).click();
  await page.getByRole('heading', { level: 1, name: TEAMMATE.name }).waitFor();
  assert.equal(await page.getByLabel('Admin', { exact: true }).isChecked(), true, 'Admin today');
  await noSeriousAxeProblems(page, 'a member’s Settings');
  await screenshot(page, 'console-member-settings');
  await page.getByLabel('Viewer', { exact: true }).check();
  await page.getByRole('button', { name: 'Update' }).click();
  await page.getByRole('status').filter({ hasText: 'Updated: the new role and permissions are in effect now.' }).waitFor();
  assert.equal(await page.getByLabel('Viewer', { exact: true }).isChecked(), true);
  assert.equal(await page.getByLabel('Invite members').isChecked(), false);
  assert.equal(await page.getByLabel("View the network's contacts").isChecked(), true);
  await screenshot(page, 'console-member-settings-updated');

  // The change is in the audit log.
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  const line = page.getByRole('row').filter({ hasText: `${TEAMMATE.name} <${TEAMMATE.email}>` });
  await line.getByText('Changed role or permissions').waitFor();
  await line.getByText('Network Admin (Admin template) → Network Admin (Viewer template)').waitFor();
  await noSeriousAxeProblems(page, 'the Audit log');
  await screenshot(page, 'console-audit-log');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('status').filter({ hasText: 'You have signed out.' }).waitFor();

  // Vera signs in: the team, without Invite Member, Resend, Revoke or the audit log.
  await signIn(TEAMMATE);
  const nav = page.getByRole('navigation', { name: 'Console' });
  assert.equal(await nav.getByRole('link', { name: 'Invite Member' }).count(), 0);
  assert.equal(await nav.getByRole('link', { name: 'Audit log' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Invite Member' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /^Resend/ }).count(), 0);
  await page.getByRole('row').filter({ hasText: TEAMMATE.email }).getByRole('cell', { name: 'Viewer', exact: true }).waitFor();
  await noSeriousAxeProblems(page, 'Team Members as a Viewer');
  await screenshot(page, 'console-team-members-viewer');

  // Her own Settings: read only.
  await page.getByRole('row').filter({ hasText: TEAMMATE.email }).getByRole('link', { name: /^Settings/ }).click();
  await page.getByRole('heading', { level: 1, name: TEAMMATE.name }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Update' }).count(), 0);
  await page.getByText('Only a Network Admin who may manage roles and permissions can change these.').waitFor();

  // A forged invite from her session, with a valid form token: refused, nothing stored.
  const formToken = await page.locator('input[name="form_token"]').first().inputValue();
  const forged = await context.request.post(`${new URL(teamUrl).origin}${new URL(teamUrl).pathname}/invite`, {
    form: { form_token: formToken, kind: 'ally', first_name: 'Forged', last_name: 'Invite', email: 'forged@example.org', note: '' },
    headers: { origin: server.url, 'sec-fetch-site': 'same-origin' },
    maxRedirects: 0,
    timeout: STEP_MS,
  });
  assert.equal(forged.status(), 403);
  assert.match(await forged.text(), /Your permissions do not allow this/);
  const team = await context.request.get(teamUrl.replace(/\/team$/, '/team?state=all&q=forged'), { timeout: STEP_MS });
  assert.match(await team.text(), /Nobody matches these filters\./, 'no invitation was stored');
  assert.deepEqual(errors.map(String), [], 'no script errors on the console pages');
  await context.close();
});
