// The privacy policy as an invitee meets it in Chromium, in English and in French: from the Get
// Started form's link (a new tab) and the footer, the policy page opens in the browser's
// language, its deletion section says what the Terms say, and it links back to the Terms. The
// policy runs under the strict CSP with no console error, and axe finds nothing serious or
// critical on it.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import {
  test, before, after, startServer, accessibilityProblems, screenshot, closePage, CHROMIUM,
} from './harness.mjs';

const STEP_MS = 15_000;
const LANGS = [
  { locale: 'en-US', code: 'en', policy: 'Privacy policy', terms: 'Terms of Service', deletion: 'Deleting your data', network: 'Sales Network' },
  { locale: 'fr-FR', code: 'fr', policy: 'Politique de confidentialité', terms: 'Conditions d’utilisation', deletion: 'Supprimer vos données', network: 'Réseau Ventes' },
];

let server;
let browser;

before(async () => {
  server = await startServer();
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

for (const lang of LANGS) {
  test(`the privacy policy from the Get Started page, in ${lang.code}`, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: lang.locale });
    context.setDefaultTimeout(STEP_MS);
    const errors = [];
    context.on('weberror', (e) => errors.push(String(e.error())));
    // (A missing /favicon.ico is Chromium's own request, not the page's.)
    context.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
    });
    context.on('response', (r) => {
      if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') errors.push(`${r.status()} ${r.url()}`);
    });
    const link = await server.invite({ network: lang.network, email: `ada-${lang.code}@example.org`, name: 'Ada Lovelace' });
    const page = await context.newPage();
    await page.goto(link);

    // The form's link opens the policy in a new tab.
    const [policy] = await Promise.all([
      context.waitForEvent('page', { timeout: STEP_MS }),
      page.locator('form').getByRole('link', { name: lang.policy }).click(),
    ]);
    await policy.waitForLoadState('load', { timeout: STEP_MS });
    await policy.getByRole('heading', { level: 1, name: lang.policy }).waitFor();
    assert.equal(await policy.getAttribute('html', 'lang'), lang.code);
    assert.deepEqual(await accessibilityProblems(policy), [], `axe on the ${lang.code} policy`);
    await screenshot(policy, `privacy-${lang.code}`);

    // Its deletion section is the Terms' own words.
    const deletion = await policy.evaluate(() => {
      const out = [];
      for (let e = document.getElementById('deletion').nextElementSibling; e && e.tagName === 'P'; e = e.nextElementSibling) out.push(e.textContent);
      return out;
    });
    assert.equal(deletion.length, 3, JSON.stringify(deletion));
    await policy.getByRole('main').getByRole('link', { name: lang.terms }).click();
    await policy.getByRole('heading', { level: 1, name: lang.terms }).waitFor();
    const terms = await policy.locator('main p').allTextContents();
    for (const sentence of deletion) assert.ok(terms.includes(sentence), `the Terms say: ${sentence}`);
    await closePage(policy);

    // The footer of the Get Started page links it too.
    await page.locator('footer').getByRole('link', { name: lang.policy }).click();
    await page.getByRole('heading', { level: 1, name: lang.policy }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/privacy');
    assert.deepEqual(errors, [], 'no script error or CSP report on the way');
    await context.close();
  });
}
