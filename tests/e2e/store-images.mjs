// The store listing's images (store/images/<lang>/), made from the real screens: the reference
// server on a fresh SQLite file, the fake LinkedIn with 1,234 connections, the unpacked dist/ in
// Debian's Chromium. An invited ally signs in, the onboarding reads LinkedIn and asks which
// network to share with, the ally shares, a Network Admin asks for an introduction, then the
// popup and the options page are opened, in English and in French. Each screen is photographed
// at 1280×800 (the popup, 360 px wide, is set on a 1280×800 canvas by the same browser, and the
// 440×280 promo tile is composed from the icon and the popup's own screenshot). Nothing is
// drawn by hand.
//
//   ./build.sh store-images          (or: node tests/e2e/store-images.mjs --out store/images)
//
// Not a test (`./build.sh test` does not run it), but every wait is bounded like the suite's.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  startServer, launchBrowser, openExtensionPage, sendIntent, acceptInvitation, apiSession,
  closePage, onboardingTab, eventually, bounded, DIST,
} from './harness.mjs';
import { startFakeLinkedIn } from '../fake-linkedin/server.mjs';

const here = new URL('.', import.meta.url).pathname;
const outArg = process.argv.indexOf('--out');
const OUT = resolve(outArg > 0 ? process.argv[outArg + 1] : join(here, '../../store/images'));
const CONNECTIONS = 1234;
const SCREEN = { width: 1280, height: 800 };
const TILE = { width: 440, height: 280 };
const POPUP = { width: 360, height: 600 };
const STEP_MS = 30_000;
const ALLY_PASSWORD = 'analytical-engine-1843';
const ADMIN_PASSWORD = 'a long admin passphrase';

const LANGS = {
  en: {
    launch: {},
    network: 'Sales Network',
    ally: { email: 'ada@example.org', name: 'Ada Lovelace' },
    admin: { email: 'nadia@example.org', name: 'Nadia Admin' },
    note: 'Could you introduce us? We are hiring for our data team.',
    popupCaption: ['Everything at a glance', 'Sharing on or off per network, sync now, and the introductions you are asked for.'],
    tile: 'Your LinkedIn connections, shared with the networks you choose.',
  },
  fr: {
    launch: { extraArgs: ['--lang=fr'], env: { LANGUAGE: 'fr' }, locale: 'fr-FR' },
    network: 'Réseau Ventes',
    ally: { email: 'marie@example.org', name: 'Marie Curie' },
    admin: { email: 'nadia@example.org', name: 'Nadia Admin' },
    note: 'Pourriez-vous nous présenter ? Nous recrutons pour notre équipe data.',
    popupCaption: ['Tout en un coup d’œil', 'Le partage par réseau, la synchronisation immédiate et les mises en relation qu’on vous demande.'],
    tile: 'Vos relations LinkedIn, partagées avec les réseaux que vous choisissez.',
  },
};

/** Width and height of a PNG (its IHDR). */
function pngSize(buffer) {
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}

async function save(dir, name, buffer, expected) {
  const size = pngSize(buffer);
  if (size.width !== expected.width || size.height !== expected.height) {
    throw new Error(`${name}: ${size.width}×${size.height}, not ${expected.width}×${expected.height}`);
  }
  await writeFile(join(dir, name), buffer);
  console.log(`  ${join(dir, name)} (${size.width}×${size.height}, ${buffer.length} bytes)`);
}

function shot(page, options = {}) {
  return bounded(page.screenshot({ timeout: STEP_MS, ...options }), STEP_MS + 5_000, `screenshot of ${page.url()}`);
}

/** A page of our own (no extension, no network) rendered from `html` at `viewport`, photographed. */
async function compose(context, viewport, html) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  await bounded(page.setContent(html, { waitUntil: 'load', timeout: STEP_MS }), STEP_MS + 5_000, 'composing an image');
  const buffer = await shot(page);
  await closePage(page);
  return buffer;
}

const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const FRAME_STYLE = `
  * { box-sizing: border-box; margin: 0; }
  body { font-family: system-ui, "DejaVu Sans", sans-serif; background: linear-gradient(160deg, #2f4db8, #1c2f73); color: #fff; overflow: hidden; }
`;

function popupFrame(popupPng, [title, text]) {
  return `<!doctype html><meta charset="utf-8"><style>${FRAME_STYLE}
    body { display: flex; align-items: center; justify-content: center; gap: 72px; height: 800px; }
    .words { width: 440px; } h1 { font-size: 44px; line-height: 1.15; margin-bottom: 20px; } p { font-size: 22px; line-height: 1.45; opacity: .92; }
    img { width: 360px; height: 600px; border-radius: 12px; box-shadow: 0 24px 60px rgba(0,0,0,.45); background: #fff; }
  </style><div class="words"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></div>
  <img alt="" src="data:image/png;base64,${popupPng.toString('base64')}">`;
}

function tileFrame(iconPng, popupPng, tagline) {
  return `<!doctype html><meta charset="utf-8"><style>${FRAME_STYLE}
    body { width: 440px; height: 280px; position: relative; }
    .brand { position: absolute; left: 24px; top: 28px; width: 230px; }
    .brand img { width: 64px; height: 64px; display: block; margin-bottom: 14px; }
    .brand b { font-size: 30px; display: block; margin-bottom: 8px; } .brand span { font-size: 15px; line-height: 1.35; display: block; opacity: .92; }
    .shot { position: absolute; left: 270px; top: 24px; width: 150px; height: 250px; border-radius: 8px; box-shadow: 0 12px 30px rgba(0,0,0,.45); background: #fff; }
  </style><div class="brand"><img alt="" src="data:image/png;base64,${iconPng.toString('base64')}"><b>AllyShare</b><span>${escapeHtml(tagline)}</span></div>
  <img class="shot" alt="" src="data:image/png;base64,${popupPng.toString('base64')}">`;
}

async function imagesFor(lang) {
  const words = LANGS[lang];
  const dir = join(OUT, lang);
  await mkdir(dir, { recursive: true });
  console.log(`store images (${lang}):`);
  const server = await startServer();
  const linkedin = await startFakeLinkedIn({ connections: CONNECTIONS });
  const browser = await launchBrowser({
    ...words.launch,
    extraArgs: [...linkedin.chromiumArgs, ...(words.launch.extraArgs ?? [])],
  });
  try {
    // The people: an ally invited to the network, and one of its Network Admins.
    await acceptInvitation(await server.invite({ network: words.network, ...words.admin, role: 'network_admin' }), ADMIN_PASSWORD);
    await acceptInvitation(await server.invite({ network: words.network, ...words.ally }), ALLY_PASSWORD);
    await browser.ext(() => chrome.storage.local.set({
      read_settings: JSON.stringify({ pause_min_ms: 5, pause_max_ms: 10, backoff_rate_limited_ms: 2000 }),
    }));
    // The ally is logged in to LinkedIn in this browser (the fake's login page sets the cookies).
    const li = await browser.context.newPage();
    await li.goto('https://www.linkedin.com/login?auto=1', { timeout: STEP_MS });
    await closePage(li);

    // 1. Onboarding: signed in, LinkedIn read.
    const onb = await onboardingTab(browser);
    onb.setDefaultTimeout(STEP_MS);
    await onb.setViewportSize(SCREEN);
    await sendIntent(onb, { intent: 'set_backend_url', url: server.url });
    const reply = await sendIntent(onb, { intent: 'sign_in', email: words.ally.email, password: ALLY_PASSWORD });
    if (!reply.state.signed_in) throw new Error(`sign-in failed: ${JSON.stringify(reply.problem)}`);
    await onb.reload();
    await onb.locator('#read-done').waitFor({ timeout: 120_000 });
    await save(dir, 'screenshot-1-onboarding.png', await shot(onb), SCREEN);

    // 2. The share step: which network sees the connections.
    await onb.click('#connect-next');
    await onb.locator('#single-network').filter({ hasText: words.network }).waitFor();
    await save(dir, 'screenshot-2-share.png', await shot(onb), SCREEN);

    // 3. Shared: "You're sharing 1,234 contacts with …" once the upload is done.
    await onb.click('#confirm-sharing');
    await onb.locator('#step-asks').waitFor();
    await onb.click('#asks-next');
    await onb.locator('#done-summary').waitFor();
    await eventually(async () => (await onb.locator('#done-progress').innerText()) === '', { what: 'the upload to finish', timeoutMs: 120_000 });
    await save(dir, 'screenshot-3-shared.png', await shot(onb), SCREEN);
    await closePage(onb);

    // A Network Admin asks the ally to introduce one of the contacts.
    const admin = await apiSession(server.url, words.admin.email, ADMIN_PASSWORD);
    const network = (await admin.get('/v1/me')).json.networks.find((n) => n.name === words.network);
    const page = await eventually(async () => {
      const found = (await admin.get(`/v1/networks/${network.id}/contacts?limit=5`)).json;
      return found?.contacts?.length ? found : null;
    }, { what: 'the contacts on the server', timeoutMs: 60_000 });
    const contact = page.contacts[0];
    const asked = await admin.call('POST', `/v1/networks/${network.id}/intro-asks`, {
      ally_id: contact.known_by[0].ally.id, contact_key: contact.key, note: words.note,
    });
    if (asked.status !== 201) throw new Error(`the ask answered ${asked.status}: ${JSON.stringify(asked.json)}`);

    // 4. The popup, with the ask waiting, on a 1280×800 canvas; and the promo tile.
    const popup = await openExtensionPage(browser.context, browser.extensionId, 'popup.html', POPUP);
    await popup.locator('button[id^="accept-"]').waitFor({ timeout: STEP_MS });
    await popup.locator('#networks li').first().waitFor({ timeout: STEP_MS });
    const popupPng = await shot(popup);
    await closePage(popup);
    await save(dir, 'screenshot-4-popup.png', await compose(browser.context, SCREEN, popupFrame(popupPng, words.popupCaption)), SCREEN);
    const icon = await readFile(join(DIST, 'icons/icon-128.png'));
    await save(dir, 'promo-small.png', await compose(browser.context, TILE, tileFrame(icon, popupPng, words.tile)), TILE);

    // 5. The options page.
    const opts = await openExtensionPage(browser.context, browser.extensionId, 'options.html', SCREEN);
    await opts.locator('#emails').waitFor({ timeout: STEP_MS });
    await opts.locator('#ask-emails:enabled').waitFor({ timeout: STEP_MS });
    await save(dir, 'screenshot-5-options.png', await shot(opts), SCREEN);
    await closePage(opts);
  } finally {
    await browser.context.close();
    await linkedin.stop();
    server.stop();
  }
}

for (const lang of Object.keys(LANGS)) {
  await bounded(imagesFor(lang), 10 * 60_000, `the ${lang} store images`);
}
console.log(`store images written under ${OUT}`);
process.exit(0);
