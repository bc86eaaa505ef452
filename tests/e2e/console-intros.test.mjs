// Introduction requests (seed 001), as people do it, in Chromium: a Network Admin adds a
// company; a professional joins through the network's join page, confirms their email from
// the outbox and requests an intro to the company, which has no Company Admin; the admin sees
// it in the Inbox (its count at the top right) under Out of network and uses Add point of
// contact and suggest intro; the contact accepts from the email in the outbox, finds the
// request on their page and accepts it; the introduction email in the outbox names both. Then
// gatekeeper mode on: a new request waits under In network; Make Intro delivers it. Then
// companies from a CSV, an invited professional who completes their profile from the email,
// and a person with two places (Company Admin and professional). axe (0 serious or critical)
// and a screenshot on every new page.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import {
  test, before, after, startServer, acceptInvitation, accessibilityProblems, screenshot, eventually, CHROMIUM,
} from './harness.mjs';

const ADMIN = { network: 'Getro Network', email: 'nadia@example.org', name: 'Nadia Admin', password: 'a long admin passphrase' };
const PRO = { name: 'Pat Pro', email: 'pat@example.org', password: 'a long professional passphrase' };
const CONTACT = { name: 'Carol Acme', email: 'carol@acme.example', password: 'a long company passphrase' };
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

async function checked(page, where) {
  assert.deepEqual(await accessibilityProblems(page), [], `axe on ${where}`);
  await screenshot(page, `console-intros-${where.replaceAll(' ', '-')}`);
}

/** Every email of the outbox, oldest first, as raw text. */
async function mails() {
  let files = [];
  try {
    files = (await readdir(server.outbox)).filter((f) => f.endsWith('.eml'));
  } catch {
    return [];
  }
  const all = await Promise.all(files.map(async (f) => readFile(join(server.outbox, f), 'utf8')));
  return all;
}

/** The first link to `path` in an email of the outbox, once one is there. */
async function linkInOutbox(path, what) {
  return eventually(async () => {
    for (const raw of await mails()) {
      const m = raw.match(new RegExp(`https?://\\S+${path}[A-Za-z0-9_-]+`));
      if (m) return m[0];
    }
    return null;
  }, { timeoutMs: 30_000, what });
}

async function signIn(page, who) {
  await page.goto(`${server.url}/admin/sign-in`);
  await page.getByLabel('Email address').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a professional joins and requests an intro; the Inbox, a point of contact, acceptance, Make Intro', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  const admin = await context.newPage();
  const errors = [];
  admin.on('pageerror', (e) => errors.push(e));

  // The admin adds the company.
  await signIn(admin, ADMIN);
  await admin.getByRole('heading', { level: 1, name: 'Team Members' }).waitFor();
  const networkId = new URL(admin.url()).pathname.match(/networks\/(\d+)/)[1];
  await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Companies' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Companies' }).waitFor();
  await admin.getByLabel('Name', { exact: true }).fill('Acme');
  await admin.getByLabel('Website or domain').fill('acme.example');
  await admin.getByLabel('Short description').fill('Makes rockets & roadrunners');
  await admin.getByRole('button', { name: 'Add company' }).click();
  await admin.getByRole('status').filter({ hasText: 'The company is added.' }).waitFor();
  await admin.getByRole('rowheader', { name: 'Acme' }).waitFor();
  await checked(admin, 'companies');

  // The professional joins through the join page, in another browser.
  const proContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
  proContext.setDefaultTimeout(STEP_MS);
  const pro = await proContext.newPage();
  await pro.goto(`${server.url}/join/${networkId}`);
  await pro.getByRole('heading', { level: 1, name: `Join ${ADMIN.network}` }).waitFor();
  await checked(pro, 'join page');
  await pro.getByLabel('Name').fill(PRO.name);
  await pro.getByLabel('Email').fill(PRO.email);
  await pro.getByLabel('Headline').fill('Rocket engineer');
  await pro.getByLabel('LinkedIn profile URL').fill('https://www.linkedin.com/in/pat-pro/');
  await pro.getByLabel('Choose a password').fill(PRO.password);
  await pro.getByRole('button', { name: 'Join' }).click();
  await pro.getByRole('alert').waitFor();
  await checked(pro, 'join page with its error');
  await pro.getByLabel('Choose a password').fill(PRO.password);
  await pro.getByLabel(/I accept the/).check();
  await pro.getByRole('button', { name: 'Join' }).click();
  await pro.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
  await checked(pro, 'check your email');
  await pro.goto(await linkInOutbox('/join/confirm/', 'the confirmation email'));
  await pro.getByRole('heading', { level: 1, name: 'Your email is confirmed' }).waitFor();
  await checked(pro, 'email confirmed');

  // Signed in, the professional lands on their page and requests an intro.
  await signIn(pro, PRO);
  await pro.getByRole('heading', { level: 1, name: 'Your introduction requests' }).waitFor();
  await checked(pro, 'professional page');
  await pro.getByLabel('Company', { exact: true }).selectOption({ label: 'Acme' });
  await pro.getByLabel('Message', { exact: true }).fill('Why me: I build rockets.\nWhy now: you are hiring <engineers>.');
  await pro.getByRole('button', { name: 'Request introduction' }).click();
  await pro.getByRole('status').filter({ hasText: 'Your request is sent.' }).waitFor();
  await pro.getByText('Waiting for a Company Admin', { exact: true }).first().waitFor();
  await pro.getByText('you are hiring <engineers>.').waitFor();
  await checked(pro, 'professional page with a request');

  // The admin's Inbox, at the top right with its count: Out of network, grouped by company.
  await admin.reload();
  const inboxLink = admin.getByRole('link', { name: /^Inbox 1/ });
  await inboxLink.click();
  await admin.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
  await admin.getByRole('heading', { level: 2, name: 'Out of network' }).waitFor();
  const group = admin.getByRole('region', { name: /^Acme/ });
  await group.getByText(PRO.name).first().waitFor();
  assert.equal(await admin.getByRole('heading', { level: 2, name: 'In network' }).count(), 0);
  await checked(admin, 'inbox out of network');
  await group.getByText('Add point of contact and suggest intro').first().click();
  await group.getByLabel("Contact's name").fill(CONTACT.name);
  await group.getByLabel("Contact's email").fill(CONTACT.email);
  await group.getByRole('button', { name: 'Add point of contact and suggest intro' }).click();
  await admin.getByRole('status').filter({ hasText: 'The invitation email is on its way.' }).waitFor();
  await checked(admin, 'inbox after the contact');

  // The contact accepts from the email, in a third browser.
  const carolContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  carolContext.setDefaultTimeout(STEP_MS);
  const carol = await carolContext.newPage();
  await carol.goto(await linkInOutbox('/company-invite/', 'the Company Admin invitation'));
  await carol.getByRole('heading', { level: 1, name: 'Become a Company Admin of Acme' }).waitFor();
  await checked(carol, 'company admin invitation');
  await carol.getByLabel('Choose a password').fill(CONTACT.password);
  await carol.getByLabel('Confirm your password').fill(CONTACT.password);
  await carol.getByLabel(/I accept the/).check();
  await carol.getByRole('button', { name: 'Accept the invitation' }).click();
  await carol.getByRole('heading', { level: 1, name: 'Acme' }).waitFor();
  const request = carol.getByRole('article').filter({ hasText: PRO.name });
  await request.getByText('Delivered, waiting for an answer', { exact: true }).waitFor();
  await checked(carol, 'company admin page');
  await request.getByRole('button', { name: 'Accept' }).click();
  await carol.getByRole('status').filter({ hasText: 'Accepted' }).waitFor();
  await carol.getByText('Accepted: introduced', { exact: true }).first().waitFor();
  await checked(carol, 'company admin page after accepting');

  // The introduction email in the outbox names both, the network in copy.
  const intro = await eventually(async () => (await mails()).find((m) => m.includes('Subject: Introduction:')) ?? null,
    { timeoutMs: 30_000, what: 'the introduction email' });
  assert.match(intro, /Subject: Introduction: Pat Pro and Carol Acme \(Acme\)/);
  assert.match(intro, /To: "Pat Pro" <pat@example\.org>, "Carol Acme" <carol@acme\.example>/);
  assert.match(intro, /Cc: "Nadia Admin" <nadia@example\.org>/);

  // Gatekeeper mode on: the next request waits under In network; Make Intro delivers it.
  await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Network settings' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Network settings' }).waitFor();
  await admin.getByLabel('Network Admins review all introduction requests before they are sent').check();
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await checked(admin, 'network settings');

  await admin.goto(`${server.url}/admin/networks/${networkId}/companies`);
  await admin.getByLabel('Name', { exact: true }).fill('Beta Labs');
  await admin.getByRole('button', { name: 'Add company' }).click();
  await admin.getByRole('status').filter({ hasText: 'The company is added.' }).waitFor();
  // Carol is Acme's Company Admin: a second request to Acme goes to review.
  await pro.reload();
  await pro.getByLabel('Company', { exact: true }).selectOption({ label: 'Acme' });
  await pro.getByLabel('Message', { exact: true }).fill('A second request, for the platform team.');
  await pro.getByRole('button', { name: 'Request introduction' }).click();
  await pro.getByRole('status').filter({ hasText: 'Your request is sent.' }).waitFor();
  await pro.getByText('In review by the network', { exact: true }).first().waitFor();

  await admin.goto(`${server.url}/admin/networks/${networkId}/inbox`);
  await admin.getByRole('heading', { level: 2, name: 'In network' }).waitFor();
  const review = admin.getByRole('article', { name: `${PRO.name} → Acme` });
  await review.getByText('A second request, for the platform team.').waitFor();
  await checked(admin, 'inbox in network');
  await review.getByRole('button', { name: 'Make Intro' }).click();
  await admin.getByRole('status').filter({ hasText: "the request was sent to the company's Company Admins" }).waitFor();
  await checked(admin, 'inbox after make intro');

  await carol.reload();
  await carol.getByRole('article').filter({ hasText: 'A second request, for the platform team.' })
    .getByText('Delivered, waiting for an answer', { exact: true }).waitFor();
  await eventually(async () => (await mails()).filter((m) => m.includes('To: "Carol Acme"')
    && m.includes('Pat Pro requests an introduction to Acme')).length === 2 || null,
  { timeoutMs: 30_000, what: 'the second request delivered to Carol' });

  assert.deepEqual(errors, []);
  await carolContext.close();
  await proContext.close();
  await context.close();
});

test('companies from a CSV, an invited professional completes their profile, a person with two places', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  const admin = await context.newPage();
  await signIn(admin, ADMIN);
  await admin.getByRole('heading', { level: 1, name: 'Team Members' }).waitFor();
  const networkId = new URL(admin.url()).pathname.match(/networks\/(\d+)/)[1];

  // A CSV of companies: a result per row.
  await admin.goto(`${server.url}/admin/networks/${networkId}/companies`);
  await admin.getByLabel('CSV file').setInputFiles({
    name: 'companies.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('Company,Website,Description\nDelta Corp,delta.example,Logistics\nAcme,,\n,nowhere.example,\n'),
  });
  await admin.getByRole('button', { name: 'Import' }).click();
  // Its preview first: nothing is added until Add companies.
  await admin.getByRole('heading', { level: 1, name: 'Check the companies file' }).waitFor();
  await admin.locator('#plan').filter({ hasText: 'Companies to add: 1' }).waitFor();
  await admin.getByRole('row').filter({ hasText: 'Delta Corp' }).getByText('Will be added').waitFor();
  await checked(admin, 'companies import preview');
  await admin.getByRole('button', { name: 'Add companies' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Companies imported' }).waitFor();
  await admin.locator('#totals').filter({ hasText: 'Companies added: 1' }).waitFor();
  await admin.getByRole('row').filter({ hasText: 'Acme' }).getByText('Already in the network: skipped').waitFor();
  await checked(admin, 'companies import result');
  const download = admin.waitForEvent('download');
  await admin.getByRole('link', { name: 'Download results (CSV)' }).click();
  const results = await readFile(await (await download).path(), 'utf8');
  assert.match(results, /^\uFEFFLine,Name,Outcome\r\n2,Delta Corp,Added\r\n3,Acme,Already in the network: skipped\r\n/);

  // Invite a professional; they complete their profile from the email.
  await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Professionals' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Professionals' }).waitFor();
  await admin.getByLabel('Name').fill('Carol Acme');
  await admin.getByLabel('Email').fill(CONTACT.email);
  await admin.getByRole('button', { name: 'Invite professional' }).click();
  await admin.getByRole('status').filter({ hasText: 'The invitation email is on its way.' }).waitFor();
  await admin.getByRole('rowheader', { name: 'Carol Acme' }).waitFor();
  await checked(admin, 'professionals');

  // Carol (a Company Admin already, with a password) confirms at once: two places now.
  const carolContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  carolContext.setDefaultTimeout(STEP_MS);
  const carol = await carolContext.newPage();
  const links = await eventually(async () => {
    const found = [];
    for (const raw of await mails()) {
      if (!raw.includes(`To: "Carol Acme" <${CONTACT.email}>`)) continue;
      const m = raw.match(/https?:\/\/\S+\/join\/confirm\/[A-Za-z0-9_-]+/);
      if (m) found.push(m[0]);
    }
    return found.length ? found : null;
  }, { timeoutMs: 30_000, what: "Carol's professional invitation" });
  await carol.goto(links[0]);
  await carol.getByRole('heading', { level: 1, name: 'Your email is confirmed' }).waitFor();
  await signIn(carol, CONTACT);
  await carol.getByRole('heading', { level: 1, name: 'Your introduction requests' }).waitFor();
  assert.equal(new URL(carol.url()).pathname, '/admin/intros');
  await carol.getByRole('link', { name: 'Acme (Getro Network)' }).waitFor();
  await carol.getByRole('link', { name: 'Getro Network', exact: true }).waitFor();
  await checked(carol, 'introduction pages index');

  // Someone new, invited: the link asks for the profile and a password first.
  await admin.getByLabel('Name').fill('Ivy Invited');
  await admin.getByLabel('Email').fill('ivy@example.org');
  await admin.getByRole('button', { name: 'Invite professional' }).click();
  await admin.getByRole('status').filter({ hasText: 'The invitation email is on its way.' }).waitFor();
  const ivyLink = await eventually(async () => {
    for (const raw of await mails()) {
      if (!raw.includes('To: "Ivy Invited" <ivy@example.org>')) continue;
      const m = raw.match(/https?:\/\/\S+\/join\/confirm\/[A-Za-z0-9_-]+/);
      if (m) return m[0];
    }
    return null;
  }, { timeoutMs: 30_000, what: "Ivy's invitation" });
  const ivy = await context.newPage();
  await ivy.goto(ivyLink);
  await ivy.getByRole('heading', { level: 1, name: 'Complete your profile for Getro Network' }).waitFor();
  await checked(ivy, 'complete your profile');
  await ivy.getByLabel('Headline').fill('Designer');
  await ivy.getByLabel('LinkedIn profile URL').fill('https://www.linkedin.com/in/ivy/');
  await ivy.getByLabel('Choose a password').fill('a long invited passphrase');
  await ivy.getByLabel(/I accept the/).check();
  await ivy.getByRole('button', { name: 'Join' }).click();
  await ivy.getByRole('heading', { level: 1, name: 'Your email is confirmed' }).waitFor();
  await ivy.goto(ivyLink);
  await ivy.getByRole('heading', { level: 1, name: 'This link does not work' }).waitFor();
  await checked(ivy, 'link used');

  await carolContext.close();
  await context.close();
});


test("a company's page: Resend and Revoke a Company Admin invitation, Remove the last Company Admin", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  const admin = await context.newPage();
  const errors = [];
  admin.on('pageerror', (e) => errors.push(e));
  await signIn(admin, ADMIN);
  await admin.getByRole('heading', { level: 1, name: 'Team Members' }).waitFor();
  await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Companies' }).click();
  await admin.getByRole('rowheader', { name: 'Acme' }).getByRole('link', { name: 'Acme' }).click();
  await admin.getByRole('heading', { level: 1, name: 'Acme' }).waitFor();
  await admin.getByRole('table', { name: "Who receives the company's introduction requests" })
    .getByRole('rowheader', { name: CONTACT.name }).waitFor();
  await checked(admin, 'company admins');

  // A point of contact from the company's page: a pending invitation, resent, revoked.
  await admin.getByLabel("Contact's name").fill('Dan Acme');
  await admin.getByLabel("Contact's email").fill('dan@acme.example');
  await admin.getByRole('button', { name: 'Send invitation' }).click();
  await admin.getByRole('status').filter({ hasText: 'The invitation email is on its way.' }).waitFor();
  const dan = admin.getByRole('table', { name: 'Invitations to become a Company Admin' })
    .getByRole('row').filter({ hasText: 'dan@acme.example' });
  await dan.getByText('Pending', { exact: true }).waitFor();
  const firstLink = await linkInOutbox('/company-invite/', "Dan's invitation");
  await dan.getByRole('button', { name: 'Resend the invitation to Dan Acme' }).click();
  await admin.getByRole('status').filter({ hasText: 'the invitation email is sent again' }).waitFor();
  await checked(admin, 'company admins after resend');
  await eventually(async () => (await mails()).filter((m) => m.includes('To: "Dan Acme"')).length === 2 || null,
    { timeoutMs: 30_000, what: "Dan's second email" });
  await dan.getByRole('button', { name: 'Revoke the invitation to Dan Acme' }).click();
  await admin.getByRole('status').filter({ hasText: 'the invitation is revoked' }).waitFor();
  await dan.getByText('Revoked', { exact: true }).waitFor();
  assert.equal(await dan.getByRole('button').count(), 0, 'nothing more to do with a revoked invitation');
  await checked(admin, 'company admins after revoke');
  const dans = await context.newPage();
  await dans.goto(firstLink);
  await dans.getByRole('heading', { level: 1, name: 'This link does not work' }).waitFor();
  await dans.close();

  // Remove the last Company Admin: the company's waiting requests go back to the Inbox.
  await admin.getByRole('button', { name: `Remove as Company Admin: ${CONTACT.name}` }).click();
  await admin.getByRole('status').filter({ hasText: 'its waiting requests are back in the Inbox, Out of network' }).waitFor();
  await admin.getByText('No Company Admin yet').waitFor();
  await checked(admin, 'company admins after remove');
  await admin.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit log' }).click();
  await admin.getByText('Company Admin of Acme').first().waitFor();

  const carolContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  carolContext.setDefaultTimeout(STEP_MS);
  const carol = await carolContext.newPage();
  await signIn(carol, CONTACT);
  await carol.getByRole('heading', { level: 1, name: 'Your introduction requests' }).waitFor();
  assert.equal(await carol.getByRole('link', { name: 'Acme (Getro Network)' }).count(), 0, 'Carol left Acme');

  assert.deepEqual(errors, []);
  await carolContext.close();
  await context.close();
});
