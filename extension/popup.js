// Loads the wasm and hands the page to Rust (src/ui). The state is asked for at once, so the
// worker's answer and the wasm's compilation overlap (the popup must show its state fast).
import init, { start_popup } from './pkg/pages.js';
const first = chrome.runtime.sendMessage({ intent: 'get_state' });
init().then(() => start_popup(first));
