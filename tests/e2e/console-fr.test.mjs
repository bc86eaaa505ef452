// The console in French, as a French-speaking Network Admin uses it in Chromium: the browser
// asks for French (its locale), so the sign-in page, Team Members and Invite Member are in
// French with <html lang="fr">, and an empty Invite Member form gets French field errors; the
// footer's switch (a plain form) turns the pages to English and back. axe on every page (0
// serious or critical), screenshots on a laptop and a phone.
import assert from 'node:assert/strict';
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
