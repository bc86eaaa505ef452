// Service-worker loader: listeners are registered synchronously here (MV3 requires it) and each
// event waits for the wasm before it is handed to Rust (src/background.rs). No logic lives here.
import init, {
  handle_message, handle_external, handle_installed, handle_startup, handle_alarm,
} from './pkg/worker.js';

const ready = init();

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  ready.then(() => handle_message(message, sender)).then(sendResponse, (error) => {
    console.error('AllyShare worker failed', error);
    sendResponse(null);
  });
  return true; // the answer comes asynchronously
});

// Only the backend's own pages can reach this (manifest: externally_connectable); the worker
// checks the origin again.
chrome.runtime.onMessageExternal.addListener((message, sender, sendResponse) => {
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
// so a browser without this API still gets a working worker).
try {
  chrome.storage.local.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' })
    .catch((e) => console.error('AllyShare storage access', e));
} catch (e) {
  console.error('AllyShare storage access', e);
}
