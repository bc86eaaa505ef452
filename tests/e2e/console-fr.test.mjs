// The console in French, as a French-speaking Network Admin uses it in Chromium: the browser
// asks for French (its locale), so the sign-in page, Team Members and Invite Member are in
// French with <html lang="fr">, and an empty Invite Member form gets French field errors; the
// footer's switch (a plain form) turns the pages to English and back. axe on every page (0
// serious or critical), screenshots on a laptop and a phone. Then the bulk invite in French:
// a file with French headers through the real file input, the preview, *Invite*, the per-row
// result and its download (French headers, `;` as a French spreadsheet expects).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import {
  test, before, after, startServer, acceptInvitation, accessibilityProblems, screenshot, CHROMIUM,
} from './harness.mjs';

const ADMIN = { network: 'Réseau Ventes', email: 'camille@example.org', name: 'Camille Admin', password: 'une longue phrase de passe' };
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

async function frenchPage(page, heading, where) {
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'fr', `lang of ${where}`);
  assert.deepEqual(await accessibilityProblems(page), [], `axe on ${where}`);
}

for (const [device, viewport] of [['laptop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
  test(`a French admin signs in, sees Team Members and gets French field errors (${device})`, async () => {
    const context = await browser.newContext({ viewport, locale: 'fr-FR' });
    context.setDefaultTimeout(STEP_MS);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
    });

    await page.goto(`${server.url}/admin`);
    await frenchPage(page, 'Se connecter à la console d’administration', 'the sign-in page');
    await screenshot(page, `console-fr-sign-in-${device}`);
    await page.getByLabel('Adresse e-mail').fill(ADMIN.email);
    await page.getByLabel('Mot de passe', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();

    await frenchPage(page, 'Membres de l’équipe', 'Team Members');
    await page.getByRole('cell', { name: 'Admin du réseau' }).first().waitFor();
    await screenshot(page, `console-fr-team-${device}`);

    await page.getByRole('navigation', { name: 'Console d’administration' })
      .getByRole('link', { name: 'Inviter un membre' }).click();
    await frenchPage(page, 'Inviter un membre', 'Invite Member');
    await page.getByRole('button', { name: 'Envoyer l’invitation' }).click();
    await frenchPage(page, 'Inviter un membre', 'Invite Member with errors');
    await page.getByText('Vérifiez les champs signalés ci-dessous.').waitFor();
    await page.getByText('Saisissez le prénom.').waitFor();
    await page.getByText('Saisissez son adresse e-mail.').waitFor();
    await screenshot(page, `console-fr-invite-errors-${device}`);

    // The footer's switch: English, on the same page, then French again.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Invite Member' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.deepEqual(await accessibilityProblems(page), [], 'axe on Invite Member in English');
    await page.getByRole('button', { name: 'Français' }).click();
    await frenchPage(page, 'Inviter un membre', 'Invite Member switched back');

    assert.deepEqual(errors, []);
    await context.close();
  });
}

/** The table's rows as text, cells joined by ` | `. */
async function tableRows(page, caption) {
  const table = page.getByRole('table', { name: caption });
  await table.waitFor();
  return table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.innerText.trim()).join(' | ')));
}

test('a French admin bulk invites from a CSV with French headers', { timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR', acceptDownloads: true });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });

  await page.goto(`${server.url}/admin`);
  await page.getByLabel('Adresse e-mail').fill(ADMIN.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await frenchPage(page, 'Membres de l’équipe', 'Team Members');

  await page.getByRole('link', { name: 'Inviter en masse depuis un CSV' }).click();
  await frenchPage(page, 'Inviter en masse depuis un CSV', 'the upload page');
  await page.getByText('Au plus 5\u202f000 lignes et 2 Mio.').waitFor();
  await screenshot(page, 'console-fr-import-upload');

  const csv = '\ufeffPrénom;Nom;Adresse e-mail\r\n'
    + 'Grace;Hopper;grace@example.org\r\n'
    + 'Camille;Admin;camille@example.org\r\n'
    + 'Mauvaise;Adresse;pas-une-adresse\r\n'
    + 'Mary;Jackson;mary@example.org\r\n';
  await page.getByLabel('Allié', { exact: true }).check();
  await page.getByLabel('Fichier CSV').setInputFiles({ name: 'équipe.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.getByRole('button', { name: 'Envoyer et vérifier' }).click();
  await frenchPage(page, 'Vérifiez le fichier avant d’inviter', 'the preview');
  await page.getByText('valeurs séparées par des points-virgules (;)').waitFor();
  assert.deepEqual(await tableRows(page, 'Les colonnes du fichier et l’usage de chacune'), [
    'Prénom | Prénom',
    'Nom | Nom',
    'Adresse e-mail | Adresse e-mail',
  ]);
  assert.deepEqual(await tableRows(page, /Les 4 premières lignes sur 4/), [
    '2 | Grace Hopper | grace@example.org | Prête',
    '3 | Camille Admin | camille@example.org | Prête',
    '4 | Mauvaise Adresse | pas-une-adresse | Adresse e-mail non valide : pas d’invitation.',
    '5 | Mary Jackson | mary@example.org | Prête',
  ]);
  await screenshot(page, 'console-fr-import-preview');

  await page.getByRole('button', { name: 'Inviter 3 personnes' }).click();
  await frenchPage(page, 'Résultats de l’invitation en masse', 'the result page');
  assert.deepEqual(await tableRows(page, 'Ce qu’il est advenu de chaque ligne du fichier'), [
    '2 | Grace Hopper | grace@example.org | Invitation envoyée',
    '3 | Camille Admin | camille@example.org | Déjà membre : rien n’a été envoyé',
    '4 | Mauvaise Adresse | pas-une-adresse | Adresse e-mail non valide : pas d’invitation',
    '5 | Mary Jackson | mary@example.org | Invitation envoyée',
  ]);
  assert.deepEqual(await page.locator('#totals li').allInnerTexts(), [
    'Invitations envoyées : 2', 'Déjà membres : 1', 'Adresse e-mail non valide : 1',
  ]);
  await page.getByRole('status').filter({ hasText: 'e-mails envoyés sur 2' }).waitFor();
  await screenshot(page, 'console-fr-import-result');

  const link = page.getByRole('link', { name: 'Télécharger les résultats (CSV)' });
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const results = await readFile(await download.path(), 'utf8');
  assert.equal(results, '\ufeffLigne;Nom;Adresse e-mail;Résultat\r\n'
    + '2;Grace Hopper;grace@example.org;Invitation envoyée\r\n'
    + '3;Camille Admin;camille@example.org;Déjà membre : rien n’a été envoyé\r\n'
    + '4;Mauvaise Adresse;pas-une-adresse;Adresse e-mail non valide : pas d’invitation\r\n'
    + '5;Mary Jackson;mary@example.org;Invitation envoyée\r\n');

  await page.setViewportSize({ width: 390, height: 844 });
  assert.deepEqual(await accessibilityProblems(page), [], 'axe on the result page on a phone');
  await screenshot(page, 'console-fr-import-result-phone');
  assert.deepEqual(errors, []);
  await context.close();
});
