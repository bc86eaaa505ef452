// Loads the wasm and hands the page to Rust (src/ui).
import init, { start_popup } from './pkg/allyshare.js';
init().then(() => start_popup());
