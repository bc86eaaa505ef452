// Bulk invite from a CSV in the console, as a Network Admin does it in Chromium: from Team
// Members, *Bulk invite from a CSV*; an unreadable file first (refused whole, the page says
// what to do); then an Excel-like export with the quirks (BOM, `;`, CRLF, quoted values with
// separators and a line break, First Name/Last Name, extra columns, a member, an invalid
// address, a duplicate) through the real file input; the preview (columns found, first rows,
// problems); *Invite*; the per-row result; the CSV download (its content checked); and the
// emails' progress, updated by the page's own script while the paced mail queue (3 a minute
// here) sends them. axe on every page (0 serious or critical), screenshots of each.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import {
  test, before, after, startServer, acceptInvitation, accessibilityProblems, screenshot, linksInOutbox,
  eventually, CHROMIUM,
} from './harness.mjs';

const ADMIN = { network: 'Getro Sales Network', email: 'nadia@example.org', name: 'Nadia Admin', password: 'a long admin passphrase' };
const MEMBER = { network: 'Getro Sales Network', email: 'ada@example.org', name: 'Ada Lovelace', password: 'Ada has a passphrase too' };
const STEP_MS = 15_000;

let server;
let browser;

before(async () => {
  server = await startServer({ args: ['--mail-per-minute', '3'] });
  await acceptInvitation(await server.invite({ ...ADMIN, role: 'network_admin' }), ADMIN.password);
  await acceptInvitation(await server.invite(MEMBER), MEMBER.password);
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

/** An Excel export in a `;` locale: BOM, CRLF, quoted values, extra columns. */
const EXPORT = '\ufeffCompany;First Name;Last Name;E-mail;Phone\r\n'
  + 'Navy;Grace;Hopper;grace@example.org;+1 555 0100\r\n'
  + '"Analytical; Engines";Ada;Lovelace;ADA@example.org;\r\n'
  + 'NASA;"Katherine\r\nG.";Johnson;katherine@example.org;\r\n'
  + 'Nowhere;Bad;Address;not-an-email;\r\n'
  + 'Navy;Grace;Again;Grace@Example.org;\r\n'
  + '"Langley, VA";Mary;Jackson;mary@example.org;\r\n';

/** The table's rows as text, cells joined by ` | `. */
async function tableRows(page, caption) {
  const table = page.getByRole('table', { name: caption });
  await table.waitFor();
  return table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.innerText.trim()).join(' | ')));
}

test('an admin uploads a CSV export, checks the preview, invites, sees every row and downloads the result', { timeout: 300_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });

  await page.goto(`${server.url}/admin/sign-in`);
  await page.getByLabel('Email address').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Team Members' }).waitFor();

  // From Team Members to the upload page.
  await page.getByRole('link', { name: 'Bulk invite from a CSV' }).click();
  await page.getByRole('heading', { level: 1, name: 'Bulk invite from a CSV' }).waitFor();
  assert.match(new URL(page.url()).pathname, /^\/admin\/networks\/\d+\/team\/import$/);
  await noSeriousAxeProblems(page, 'the upload page');
  await screenshot(page, 'console-import-upload');

  // A spreadsheet saved as .xlsx is not a CSV: refused whole, with what to do.
  await page.getByLabel('Ally', { exact: true }).check();
  await page.getByLabel('CSV file').setInputFiles({
    name: 'contacts.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00]),
  });
  await page.getByRole('button', { name: 'Upload and preview' }).click();
  await page.getByRole('alert').filter({ hasText: '“contacts.xlsx” was not imported, and nobody was invited.' }).waitFor();
  await page.getByRole('alert').filter({ hasText: 'save or export it as CSV first' }).waitFor();
  assert.equal(await page.getByLabel('CSV file').getAttribute('aria-invalid'), 'true');
  await noSeriousAxeProblems(page, 'the upload page with its error');
  await screenshot(page, 'console-import-upload-error');

  // The export, through the real file input.
  await page.getByLabel('CSV file').setInputFiles({ name: 'excel-export.csv', mimeType: 'text/csv', buffer: Buffer.from(EXPORT, 'utf8') });
  await page.getByRole('button', { name: 'Upload and preview' }).click();
  await page.getByRole('heading', { level: 1, name: 'Check the file before inviting' }).waitFor();
  const previewUrl = page.url();
  assert.match(new URL(previewUrl).pathname, /^\/admin\/networks\/\d+\/team\/import\/\d+$/);
  await page.getByText('values separated by semicolons (;)').waitFor();
  assert.deepEqual(await tableRows(page, 'Columns of the file and what each is used for'), [
    'Company | Not used',
    'First Name | First name',
    'Last Name | Last name',
    'E-mail | Email',
    'Phone | Not used',
  ]);
  assert.deepEqual(await tableRows(page, /The first 6 of 6 rows/), [
    '2 | Grace Hopper | grace@example.org | Ready',
    '3 | Ada Lovelace | ADA@example.org | Ready',
    '4 | Katherine G. Johnson | katherine@example.org | Ready',
    '6 | Bad Address | not-an-email | Not a valid email address: not invited.',
    '7 | Grace Again | Grace@Example.org | Same email as line 2: not invited twice.',
    '8 | Mary Jackson | mary@example.org | Ready',
  ]);
  await page.getByText('2 rows will not be invited:').waitFor();
  await noSeriousAxeProblems(page, 'the preview');
  await screenshot(page, 'console-import-preview');

  // Invite: the result, per row.
  await page.getByRole('button', { name: 'Invite 4 people' }).click();
  await page.getByRole('heading', { level: 1, name: 'Bulk invite results' }).waitFor();
  assert.equal(page.url(), previewUrl, 'the result lives at the same address (Post/Redirect/Get)');
  const resultRows = [
    '2 | Grace Hopper | grace@example.org | Invited',
    '3 | Ada Lovelace | ADA@example.org | Already a member: nothing sent',
    '4 | Katherine G. Johnson | katherine@example.org | Invited',
    '6 | Bad Address | not-an-email | Invalid email: not invited',
    '7 | Grace Again | Grace@Example.org | Duplicate in file (same email as line 2): not invited again',
    '8 | Mary Jackson | mary@example.org | Invited',
  ];
  assert.deepEqual(await tableRows(page, 'What happened to each row of the file'), resultRows);
  const totals = await page.locator('#totals li').allInnerTexts();
  assert.deepEqual(totals, ['Invited: 3', 'Already a member: 1', 'Invalid email: 1', 'Duplicate in file: 1']);

  // The emails wait in the paced queue (3 a minute, some used by the set-up): the line says
  // so, then the page's script brings it up to date without a reload.
  const progress = page.getByRole('status').filter({ hasText: 'emails sent' });
  assert.match(await progress.innerText(), /^[0-2] of 3 emails sent; the rest go out at up to 3 per minute/);
  await page.evaluate(() => { globalThis.notReloaded = true; });
  await noSeriousAxeProblems(page, 'the result page');
  await screenshot(page, 'console-import-result');

  // The download: every row in words, with a BOM for Excel.
  const link = page.getByRole('link', { name: 'Download results (CSV)' });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), /^invitation-results-\d+\.csv$/);
  const csv = await readFile(await download.path(), 'utf8');
  assert.equal(csv, '\ufeffLine,Name,Email,Outcome\r\n'
    + '2,Grace Hopper,grace@example.org,Invited\r\n'
    + '3,Ada Lovelace,ADA@example.org,Already a member: nothing sent\r\n'
    + '4,Katherine G. Johnson,katherine@example.org,Invited\r\n'
    + '6,Bad Address,not-an-email,Invalid email: not invited\r\n'
    + '7,Grace Again,Grace@Example.org,Duplicate in file (same email as line 2): not invited again\r\n'
    + '8,Mary Jackson,mary@example.org,Invited\r\n');

  await progress.filter({ hasText: '3 of 3 emails sent.' }).waitFor({ timeout: 150_000 });
  assert.equal(await page.evaluate(() => globalThis.notReloaded), true, 'updated in place, not reloaded');
  await page.locator('#refresh-hint').waitFor({ state: 'detached' });
  const emails = await eventually(async () => {
    const all = (await linksInOutbox(server.outbox)).filter((e) => /Subject: You've been invited to Getro Sales Network/.test(e.raw));
    const to = ['grace@example.org', 'katherine@example.org', 'mary@example.org'].filter((a) => all.some((e) => e.raw.includes(`<${a}>`)));
    return to.length === 3 ? to : null;
  }, { timeoutMs: 20_000, what: 'the three invitation emails' });
  assert.equal(emails.length, 3);

  // Seen again later (the address is the result's), and on a phone.
  await page.reload();
  assert.deepEqual(await tableRows(page, 'What happened to each row of the file'), resultRows);
  await page.setViewportSize({ width: 390, height: 844 });
  await noSeriousAxeProblems(page, 'the result page on a phone');
  await screenshot(page, 'console-import-result-phone');

  // Team Members lists the new invitations.
  await page.getByRole('link', { name: 'Back to Team Members' }).click();
  await page.getByRole('row').filter({ hasText: 'katherine@example.org' }).getByText('Pending').waitFor();
  assert.deepEqual(errors.map(String), [], 'no script errors on the import pages');
  await context.close();
});
