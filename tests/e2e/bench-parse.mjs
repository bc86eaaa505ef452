// Browser parse time for a maximal LinkedIn read: 30,000 connections as 750 Voyager dash pages of
// 40, parsed in Chromium (a) by the extension's own wasm parser (the `bench_parse_dash_pages`
// export of dist/pkg, src/bench.rs) and (b) by a plain-JS baseline (JSON.parse + the same join and
// extraction). Not part of `./build.sh test`: a figure for the benchmarks issue.
//
//   ./build.sh && node tests/e2e/bench-parse.mjs [--rounds 7]
//
// The pages are the fake LinkedIn's synthetic ones (tests/fake-linkedin/synthetic.mjs, the twin
// of the Rust generator), made inside the page; the timed part is the parse alone, strings in
// (also timed apart: only passing the strings into wasm, `bench_strings_in`).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve, extname } from 'node:path';
import { chromium } from 'playwright-core';

const here = new URL('.', import.meta.url).pathname;
const DIST = process.env.ALLYSHARE_DIST ?? resolve(here, '../../dist');
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const SYNTHETIC = resolve(here, '../fake-linkedin/synthetic.mjs');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('rounds', 7);
const CONNECTIONS = 30_000;
const PAGE = 40;

if (!existsSync(join(DIST, 'pkg', 'allyshare_bg.wasm'))) {
  console.error(`no wasm build in ${DIST}/pkg: run ./build.sh first`);
  process.exit(2);
}

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const server = createServer(async (req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  const file = path === '/synthetic.mjs' ? SYNTHETIC
    : path === '/' ? null
      : path.startsWith('/pkg/') && !path.includes('..') ? join(DIST, path) : undefined;
  if (file === null) {
    res.writeHead(200, { 'content-type': 'text/html' });
    return res.end('<!DOCTYPE html><title>bench</title>');
  }
  if (!file || !existsSync(file)) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  return res.end(await readFile(file));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${origin}/`);
  const result = await page.evaluate(async ({ connections, size, rounds }) => {
    const wasm = await import('/pkg/allyshare.js');
    await wasm.default();
    const { Synthetic } = await import('/synthetic.mjs');
    const s = new Synthetic(1, connections);
    const pages = [];
    for (let start = 0; start < connections; start += size) pages.push(JSON.stringify(s.dashPage(start, size)));
    const bytes = pages.reduce((n, p) => n + p.length, 0);

    // The baseline: what a hand-written JS reader would do, the same rules as src/linkedin/dash.rs.
    const text = (v, f) => { const t = typeof v?.[f] === 'string' ? v[f].trim() : ''; return t || null; };
    const urnId = (urn) => { const m = /^urn:li:[^:]+:(.+)$/.exec(urn ?? ''); return m ? m[1] : null; };
    const unreserved = /[A-Za-z0-9\-._~]/;
    const encodeSegment = (id) => Array.from(new TextEncoder().encode(id), (b) => {
      const c = String.fromCharCode(b);
      return b < 128 && unreserved.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }).join('');
    const photo = (vi) => {
      if (typeof vi?.rootUrl !== 'string' || !Array.isArray(vi.artifacts)) return null;
      const usable = vi.artifacts.filter((a) => typeof a?.fileIdentifyingUrlPathSegment === 'string');
      const w = (a) => (Number.isInteger(a.width) ? a.width : 0);
      let best = null;
      for (const a of usable) if (w(a) <= 200 && (!best || w(a) > w(best))) best = a;
      if (!best) for (const a of usable) if (!best || w(a) < w(best)) best = a;
      return best ? { url: vi.rootUrl + best.fileIdentifyingUrlPathSegment, expires: best.expiresAt ?? null } : null;
    };
    function jsParse(body) {
      const value = JSON.parse(body);
      const elements = value?.data?.['*elements'] ?? value?.data?.elements;
      if (!Array.isArray(elements)) throw new Error('shape');
      const byUrn = new Map();
      for (const e of value.included ?? []) if (typeof e?.entityUrn === 'string') byUrn.set(e.entityUrn, e);
      const contacts = [];
      for (const el of elements) {
        const c = typeof el === 'string' ? byUrn.get(el) : el;
        if (!c) continue;
        const memberUrn = c.connectedMember ?? c['*connectedMemberResolutionResult'];
        const p = byUrn.get(memberUrn) ?? c.connectedMemberResolutionResult;
        if (!p) continue;
        const memberId = urnId(p.entityUrn ?? memberUrn);
        const publicIdentifier = text(p, 'publicIdentifier');
        const urlId = publicIdentifier ?? memberId;
        if (!urlId) continue;
        const pic = p.profilePicture;
        const image = photo(pic?.displayImageReference?.vectorImage) ?? photo(pic?.displayImageWithFrameReferenceUnion?.vectorImage);
        contacts.push({
          member_id: memberId,
          public_identifier: publicIdentifier,
          profile_url: `https://www.linkedin.com/in/${encodeSegment(urlId)}/`,
          first_name: text(p, 'firstName'),
          last_name: text(p, 'lastName'),
          headline: text(p, 'headline'),
          connected_on: Number.isInteger(c.createdAt) ? new Date(c.createdAt).toISOString().slice(0, 10) : null,
          photo_url: image?.url ?? null,
          photo_expires_at: image?.expires ?? null,
        });
      }
      return contacts;
    }

    const time = (fn) => { const t = performance.now(); const n = fn(); return [performance.now() - t, n]; };
    const wasmRun = () => wasm.bench_parse_dash_pages(pages);
    const copyRun = () => wasm.bench_strings_in(pages);
    const jsRun = () => pages.reduce((n, p) => n + jsParse(p).length, 0);
    wasmRun(); jsRun(); copyRun(); // warm-up (compilation, JIT)
    const wasmMs = [];
    const jsMs = [];
    const copyMs = [];
    for (let i = 0; i < rounds; i += 1) {
      const [w, wn] = time(wasmRun);
      const [j, jn] = time(jsRun);
      if (wn !== connections || jn !== connections) throw new Error(`counted ${wn} (wasm) and ${jn} (js), not ${connections}`);
      wasmMs.push(w);
      jsMs.push(j);
      copyMs.push(time(copyRun)[0]);
    }
    return { pages: pages.length, bytes, wasmMs, jsMs, copyMs, userAgent: navigator.userAgent };
  }, { connections: CONNECTIONS, size: PAGE, rounds: ROUNDS });

  const summary = (xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return `best ${sorted[0].toFixed(1)} ms, median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms`;
  };
  const chrome = result.userAgent.match(/Chrome\/(\S+)/)?.[1];
  console.log(`${CONNECTIONS.toLocaleString('en')} connections in ${result.pages} dash pages (${(result.bytes / 1e6).toFixed(1)} MB of JSON text), Chromium ${chrome}, ${ROUNDS} rounds:`);
  console.log(`  wasm (the extension's parser, strings in): ${summary(result.wasmMs)}`);
  console.log(`    of which passing the strings into wasm: ${summary(result.copyMs)}`);
  console.log(`  plain JS (JSON.parse + the same extraction): ${summary(result.jsMs)}`);
} finally {
  await browser.close();
  server.close();
}
