// Service-worker loader: listeners are registered synchronously here (MV3 requires it) and each
// event waits for the wasm before it is handed to Rust (src/background.rs). No logic lives here.
// Firefox loads this same file as its background script (a module in an event page).
import init, {
  handle_message, handle_external, handle_relayed, handle_installed, handle_startup, handle_alarm,
} from './pkg/worker.js';

const ready = init();

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  // Firefox: the Get Started page's hand-off, relayed by our content script on the backend's
  // origin (extension/firefox/handoff-content.js); the worker checks the sender again.
  if (message?.relay === 'handoff') {
    ready.then(() => handle_relayed(message.message, sender)).then(sendResponse, () => sendResponse({ ok: false }));
    return true;
  }
  ready.then(() => handle_message(message, sender)).then(sendResponse, (error) => {
    console.error('AllyShare worker failed', error);
    sendResponse(null);
  });
  return true; // the answer comes asynchronously
});

// Only the backend's own pages can reach this (manifest: externally_connectable); the worker
// checks the origin again. Firefox has neither (its hand-off comes relayed, above).
chrome.runtime.onMessageExternal?.addListener((message, sender, sendResponse) => {
  ready.then(() => handle_external(message, sender)).then(sendResponse, () => sendResponse({ ok: false }));
  return true;
});

chrome.runtime.onInstalled.addListener((details) => {
  ready.then(() => handle_installed(details.reason)).catch((e) => console.error(e));
});

chrome.runtime.onStartup.addListener(() => {
  ready.then(() => handle_startup()).catch((e) => console.error(e));
});

chrome.alarms.onAlarm.addListener((alarm) => {
  ready.then(() => handle_alarm(alarm.name)).catch((e) => console.error(e));
});

// Tokens and contacts live in chrome.storage: only the extension's own pages and this worker
// may read it, never the content script that runs inside LinkedIn's pages. Session storage is
// restricted by default; local is not, so it is restricted at every start (after the listeners,
// so a browser without this API still gets a working worker). Firefox has no setAccessLevel:
// there the durable state is kept in the extension origin's IndexedDB instead, which content
// scripts cannot open (src/browser/storage.rs).
if (chrome.storage.local.setAccessLevel) {
  try {
    chrome.storage.local.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' })
      .catch((e) => console.error('AllyShare storage access', e));
  } catch (e) {
    console.error('AllyShare storage access', e);
  }
}
