// Loads the wasm and hands the page to Rust (src/ui).
import init, { start_options } from './pkg/pages.js';
init().then(() => start_options());
