// The manifest's Firefox form, from the Chrome one `build.sh` has just written into dist/.
//
//   node tools/firefox-manifest.mjs dist/manifest.json GECKO_ID > dist-firefox/manifest.json
//
// One source of truth (manifest.json) and a short list of differences, each for a reason:
// - `background.scripts` (a module) instead of `background.service_worker`: Firefox runs MV3
//   backgrounds as event pages; the same `background.js` loads the same wasm there.
// - `browser_specific_settings.gecko`: the add-on id (addons.mozilla.org and the hand-off's
//   fixed moz-extension UUID in tests need one) and the minimum version (see MIN_FIREFOX).
// - no `externally_connectable` (Firefox has none): the Get Started page reaches the extension
//   through `handoff-content.js`, a content script on the backend's origin only, which relays
//   the page's same-window messages to the worker (src/background.rs, `handle_relayed`).
// - no `minimum_chrome_version` and no development `key` (Chrome's only).
import { readFileSync } from 'node:fs';

// 140 (ESR, the one the e2e suite runs): the first with `data_collection_permissions`, which
// addons.mozilla.org asks new add-ons for; everything else the extension uses came before
// (`storage.session` 115, `runtime.getContexts` 124, MV3 host permissions granted at install 127).
const MIN_FIREFOX = '140.0';
// Firefox for Android reads that key from 142 (not tested there: store/amo.md).
const MIN_FIREFOX_ANDROID = '142.0';

const [path, geckoId] = process.argv.slice(2);
if (!path || !geckoId) {
  console.error('usage: firefox-manifest.mjs CHROME_MANIFEST GECKO_ID');
  process.exit(2);
}
const m = JSON.parse(readFileSync(path, 'utf8'));
const backendOrigins = m.externally_connectable?.matches ?? [];
if (backendOrigins.length === 0) {
  console.error('firefox-manifest: the Chrome manifest names no backend origin (externally_connectable)');
  process.exit(1);
}
delete m.key;
delete m.minimum_chrome_version;
delete m.externally_connectable;
m.background = { scripts: ['background.js'], type: 'module' };
m.content_scripts = [
  ...(m.content_scripts ?? []),
  {
    // The backend's pages only (the same origins Chrome's externally_connectable lists), top
    // frame only, there before the page's own script asks.
    matches: backendOrigins,
    js: ['handoff-content.js'],
    run_at: 'document_start',
  },
];
m.browser_specific_settings = {
  gecko: {
    id: geckoId,
    strict_min_version: MIN_FIREFOX,
    // addons.mozilla.org's data-collection disclosure (store/amo.md says why each).
    data_collection_permissions: {
      required: ['personallyIdentifyingInfo', 'authenticationInfo', 'websiteContent'],
    },
  },
  gecko_android: { strict_min_version: MIN_FIREFOX_ANDROID },
};
process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
