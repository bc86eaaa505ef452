// The ally's screens in French (the second complete locale): Chromium started with --lang=fr.
import {
  test, before, after, startServer, launchBrowser, openExtensionPage, screenshot,
  accessibilityProblems, acceptInvitation, sendIntent, closePage, onboardingTab,
} from './harness.mjs';
import assert from 'node:assert/strict';

const POPUP = { width: 360, height: 600 };
const PASSWORD = 'curie-radium-1898';
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser({ extraArgs: ['--lang=fr'], env: { LANGUAGE: 'fr' }, locale: 'fr-FR' });
  await acceptInvitation(await server.invite({ network: 'Réseau Ventes', email: 'marie@example.org', name: 'Marie Curie' }), PASSWORD);
});

after(async () => {
  await browser?.context.close();
  server?.stop();
});

async function capture(page, name) {
  await screenshot(page, `ui-fr-${name}`);
  assert.deepEqual(await accessibilityProblems(page), [], `accessibility of ${name}`);
}

test('the hand-off question speaks French, and "Not me" is said in French', async () => {
  const onb = await onboardingTab(browser);
  await sendIntent(onb, { intent: 'set_backend_url', url: server.url });
  const web = await browser.context.newPage();
  await web.goto(await server.invite({ network: 'Réseau Ventes', email: 'pierre@example.org', name: 'Pierre Curie' }), { timeout: 30_000 });
  await web.fill('#password', 'polonium-1898-pierre');
  await web.fill('#password_confirm', 'polonium-1898-pierre');
  await web.check('#terms');
  await web.click('button[type=submit]');
  await web.locator('ol.guide').waitFor();
  await onb.locator('#handoff').waitFor({ timeout: 30_000 });
  assert.equal(await onb.locator('#handoff-heading').innerText(), 'Est-ce bien votre compte ?');
  assert.equal(await onb.locator('#handoff-networks').innerText(), 'Réseau : Réseau Ventes');
  assert.equal(await onb.locator('#handoff-continue').innerText(), 'Continuer en tant que pierre@example.org');
  assert.equal(await onb.locator('#handoff-decline').innerText(), 'Ce n’est pas moi');
  await capture(onb, 'onboarding-handoff-question');
  await onb.click('#handoff-decline');
  await onb.locator('#handoff-declined').waitFor();
  assert.match(await onb.locator('#handoff-declined').innerText(), /Personne n’a été connecté/);
  assert.equal((await sendIntent(onb, { intent: 'get_state' })).state.signed_in, false);
  await capture(onb, 'onboarding-handoff-declined');
  await closePage(web);
  await closePage(onb);
});

test('onboarding and popup speak French', async () => {
  const onb = await openExtensionPage(browser.context, browser.extensionId, 'onboarding.html');
  await onb.locator('#sign-in').waitFor();
  assert.match(await onb.getAttribute('html', 'lang'), /^fr/);
  assert.equal(await onb.locator('#sign-in-button').innerText(), 'Se connecter');
  await capture(onb, 'onboarding-sign-in');

  await sendIntent(onb, { intent: 'set_backend_url', url: server.url });
  const reply = await sendIntent(onb, { intent: 'sign_in', email: 'marie@example.org', password: PASSWORD });
  assert.equal(reply.state.signed_in, true);
  const popup = await openExtensionPage(browser.context, browser.extensionId, 'popup.html', POPUP);
  await popup.locator('#networks li').first().waitFor();
  assert.match(await popup.locator('#person-name').innerText(), /Connecté en tant que Marie Curie/);
  assert.match(await popup.locator('#sync-now').innerText(), /Synchroniser/);
  await capture(popup, 'popup');
  await onb.reload();
  await onb.locator('#step-connect').waitFor();
  assert.match(await onb.locator('#step-heading').innerText(), /Connecter LinkedIn/);
  await capture(onb, 'onboarding-connect');
});

test('the options page speaks French, the ask emails checkbox too', async () => {
  const opts = await openExtensionPage(browser.context, browser.extensionId, 'options.html');
  await opts.locator('#emails').waitFor();
  assert.equal(await opts.locator('#emails h2').innerText(), 'E-mails');
  assert.equal(await opts.locator('label[for=ask-emails]').innerText(),
    'M’envoyer un e-mail quand un réseau me demande une mise en relation');
  assert.match(await opts.locator('#ask-emails-help').innerText(), /Au plus un e-mail par heure/);
  await opts.locator('#ask-emails:enabled').waitFor();
  await opts.locator('#ask-emails').uncheck();
  await opts.locator('#ask-emails-status').filter({ hasText: 'Enregistré.' }).waitFor();
  await capture(opts, 'options');
});
