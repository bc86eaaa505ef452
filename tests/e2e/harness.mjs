// Test harness for the end-to-end suite: the real reference server on a real SQLite file in a
// temporary folder, its real CLI, and Debian's Chromium with the unpacked extension from dist/,
// driven by playwright-core. Nothing here is mocked.
//
// No wait is unbounded: tests and hooks come from here with a time limit (`test`, `before`,
// `after`), and every Playwright evaluation goes through `evaluate` (a page) or
// `browser.inWorker` (the service worker), each with its own limit. When a limit is hit, or a
// test fails, every open page is photographed and the console (the worker's included) saved to
// artifacts/failure-*.
import {
  test as nodeTest, before as nodeBefore, after as nodeAfter, describe,
} from 'node:test';
import { spawn, execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const run = promisify(execFile);
// Lets tests watch the service worker's own requests (Chromium, Playwright ≥ 1.48).
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1';
const here = new URL('.', import.meta.url).pathname;

export const SERVER_BIN = process.env.ALLYSHARE_SERVER_BIN ?? resolve(here, '../../target/debug/allyshare-server');
export const DIST = process.env.ALLYSHARE_DIST ?? resolve(here, '../../dist');
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
export const ARTIFACTS = resolve(here, 'artifacts');
// The id fixed by the development key in manifest.json.
export const EXTENSION_ID = 'igfdnfmhifclpmflncmpgjdghncflccf';
/** Each test's limit (the longest took 17 s on 2 loaded cores); hooks get the same. */
export const TEST_TIMEOUT_MS = Number(process.env.ALLYSHARE_TEST_TIMEOUT_MS ?? 120_000);

export { describe };

/** A limit was hit. */
export class TimeoutError extends Error {}

/**
 * `promise`, or a `TimeoutError` after `ms` (then the failure artifacts are saved, unless
 * `quiet`). The promise itself is not cancelled; closing the browser ends it.
 */
export async function bounded(promise, ms, what, { quiet = false } = {}) {
  let timer;
  const limit = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new TimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } catch (e) {
    if (e instanceof TimeoutError && !quiet) await saveFailureArtifacts(what);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** `node:test`'s `test` with a time limit (`{ timeout }` to change it) and artifacts on failure. */
export function test(name, options, fn) {
  if (typeof options === 'function') [fn, options] = [options, {}];
  const limit = options.timeout ?? TEST_TIMEOUT_MS;
  // Our own limit first, so the artifacts are saved; node's a little later, as a backstop.
  return nodeTest(name, { ...options, timeout: limit + 15_000 }, async (t) => {
    try {
      await bounded(Promise.resolve().then(() => fn(t)), limit, `test "${name}"`);
    } catch (e) {
      if (!(e instanceof TimeoutError)) await saveFailureArtifacts(`test "${name}"`);
      throw e;
    }
  });
}

/** `before` with a time limit (node 20 does not bound hooks). */
export function before(fn, { timeout = TEST_TIMEOUT_MS } = {}) {
  return nodeBefore(() => bounded(Promise.resolve().then(fn), timeout, 'before()'));
}

/** `after` with a time limit. */
export function after(fn, { timeout = 60_000 } = {}) {
  return nodeAfter(() => bounded(Promise.resolve().then(fn), timeout, 'after()', { quiet: true }));
}

/** The browsers launched and not closed, with their console logs, for the artifacts. */
const liveBrowsers = new Set();
let failures = 0;

/** Photographs every open page and writes the console of each live browser. */
export async function saveFailureArtifacts(what) {
  failures += 1;
  const stem = `failure-${failures}-${what.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60)}`;
  await mkdir(ARTIFACTS, { recursive: true });
  let b = 0;
  for (const browser of liveBrowsers) {
    b += 1;
    const lines = [`${what}`, ...browser.consoleLog];
    for (const [i, page] of browser.context.pages().entries()) {
      lines.push(`page ${i}: ${page.url()}`);
      await bounded(page.screenshot({ path: join(ARTIFACTS, `${stem}-${b}-${i}.png`), timeout: 10_000 }), 12_000, 'screenshot', { quiet: true })
        .catch((e) => lines.push(`page ${i}: no screenshot (${e.message})`));
    }
    await writeFile(join(ARTIFACTS, `${stem}-${b}-console.txt`), `${lines.join('\n')}\n`).catch(() => {});
  }
}

/**
 * Closes a page. Playwright waits without a limit for the tab to report closed (once seen
 * stuck for minutes on a LinkedIn tab just after its login); closing is housekeeping, so after
 * 10 s the tab is left behind, said on stderr, and the test goes on.
 */
export async function closePage(page) {
  try {
    await bounded(page.close(), 10_000, `closing ${page.url()}`, { quiet: true });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    console.error(`harness: ${e.message}; the tab is left open`);
  }
}

/**
 * Evaluates `fn(arg)` in a page (or frame), within `timeoutMs`. Every page evaluation of the
 * suite comes through here: Playwright's own has no time limit.
 */
export function evaluate(page, fn, arg, { timeoutMs = 30_000, what } = {}) {
  return bounded(page.evaluate(fn, arg), timeoutMs, what ?? `evaluate in ${page.url()}`);
}

/**
 * A temporary folder (the server's database and outbox, Chromium's profile) removed when this
 * test file's process exits, unless ALLYSHARE_KEEP_TEMP is set (to look at it after a failure).
 */
const temporary = [];
process.on('exit', () => {
  if (process.env.ALLYSHARE_KEEP_TEMP) return;
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
});
async function temporaryDir(prefix) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/**
 * Server processes started and not yet exited: killed when this test file's process exits,
 * also when it is stopped by a signal (the test runner's own time limit sends SIGTERM), so no
 * server outlives a failed run.
 */
const liveServers = new Set();
const killLiveServers = () => {
  for (const child of liveServers) child.kill('SIGKILL');
};
process.on('exit', killLiveServers);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killLiveServers();
    process.kill(process.pid, signal);
  });
}

/**
 * Spawns `allyshare-server serve` on `db` (a SQLite file or a PostgreSQL URL) listening on
 * `addr`; resolves with the child and its URL once it listens.
 */
async function spawnServe({ db, outbox, addr, args = [], extensionIds = [EXTENSION_ID] }) {
  // The extension id lets the Get Started page hand the session over to the extension.
  const child = spawn(SERVER_BIN, [
    'serve', '--db', db, '--addr', addr, '--outbox', outbox, '--extension-id', extensionIds.join(','), ...args,
  ], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  liveServers.add(child);
  child.once('exit', () => liveServers.delete(child));
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error('server did not start within 20 s')); }, 20_000);
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`server exited early with ${code}`)); });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
  });
  return { child, url };
}

/** Stops a server process hard (SIGKILL, as a crash) and waits until it is gone. */
async function killChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((ok) => child.once('exit', ok));
  child.kill('SIGKILL');
  await exited;
}

/**
 * Starts the reference server on a free loopback port; resolves once it listens. `args` are
 * extra `serve` flags (limits, write budget). `kill()` stops it hard (SIGKILL, as a crash);
 * `restart()` starts it again on the same port and database.
 */
export async function startServer({ args = [], extensionIds = [EXTENSION_ID] } = {}) {
  const dir = await temporaryDir('allyshare-e2e-');
  const db = join(dir, 'allyshare.db');
  const outbox = join(dir, 'outbox');
  const first = await spawnServe({ db, outbox, addr: '127.0.0.1:0', args, extensionIds });
  const server = { url: first.url, db, outbox, dir, child: first.child };
  // The public URL defaults to the listening address, so invitation links point here.
  server.invite = (invitee) => inviteWithCli({ db, outbox, publicUrl: server.url, ...invitee });
  server.stop = () => server.child.kill('SIGTERM');
  server.kill = () => killChild(server.child);
  server.restart = async () => {
    server.child = (await spawnServe({ db, outbox, addr: new URL(server.url).host, args, extensionIds })).child;
  };
  return server;
}

/** Invites someone through the server's CLI; resolves with the Get Started link. */
async function inviteWithCli({ db, outbox, publicUrl, network, email, name, role = 'ally' }) {
  const { stdout } = await run(SERVER_BIN, [
    'invite', '--db', db, '--outbox', outbox, '--public-url', publicUrl,
    '--network', network, '--email', email, '--name', name, '--role', role,
  ], { timeout: 30_000 });
  return stdout.trim().split('\n').at(-1).trim();
}

/**
 * Runs one SQL statement with `psql` on the PostgreSQL of `url`, within 30 s; resolves with
 * its rows, unaligned, `|` between columns.
 */
export async function psql(url, sql) {
  const { stdout } = await run(process.env.ALLYSHARE_PSQL ?? 'psql', [
    url, '--no-psqlrc', '--quiet', '--tuples-only', '--no-align', '-v', 'ON_ERROR_STOP=1', '-c', sql,
  ], { timeout: 30_000 });
  return stdout.trim().split('\n').filter(Boolean).map((row) => row.split('|'));
}

/**
 * Several server instances on one PostgreSQL database, behind a round-robin hop
 * (`round-robin.mjs`): what running the server on more than one machine looks like. Needs
 * `ALLYSHARE_TEST_POSTGRES_URL` (a PostgreSQL it may create databases on: `tools/pg-test.sh`
 * gives one); the database is made for this cluster and dropped by `stop()`.
 *
 * `url` is the hop's: the public URL every instance is started with, so it is the origin the
 * extension and the invitation links talk to. `instances[i]` has its own `url`, `kill()`
 * (SIGKILL, as a crash) and `restart()` (same port, same database); `hop.upstreams[i]` counts
 * what instance `i` answered. `latencyMs`: the hop's latency before each request.
 */
export async function startCluster({ instances = 2, args = [], latencyMs = 0 } = {}) {
  const adminUrl = process.env.ALLYSHARE_TEST_POSTGRES_URL;
  if (!adminUrl) {
    throw new Error('ALLYSHARE_TEST_POSTGRES_URL is not set: run this test under tools/pg-test.sh (./build.sh test does)');
  }
  const dir = await temporaryDir('allyshare-e2e-');
  const outbox = join(dir, 'outbox');
  const name = `allyshare_e2e_${process.pid}_${Date.now()}`;
  await psql(adminUrl, `CREATE DATABASE ${name}`);
  const db = new URL(adminUrl);
  db.pathname = `/${name}`;
  const { startRoundRobin } = await import('./round-robin.mjs');
  const hop = await startRoundRobin({ latencyMs });
  const cluster = { url: hop.url, db: db.href, outbox, dir, hop, instances: [] };
  let stopped = false;
  cluster.stop = async () => {
    if (stopped) return;
    stopped = true;
    await hop.stop();
    await Promise.all(cluster.instances.map((i) => killChild(i.child)));
    await psql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  try {
    // One after the other: the first creates the schema.
    for (let n = 0; n < instances; n += 1) {
      const flags = ['--public-url', hop.url, ...args];
      const started = await spawnServe({ db: db.href, outbox, addr: '127.0.0.1:0', args: flags });
      const instance = { url: started.url, child: started.child };
      instance.kill = () => killChild(instance.child);
      instance.restart = async () => {
        instance.child = (await spawnServe({ db: db.href, outbox, addr: new URL(instance.url).host, args: flags })).child;
      };
      instance.alive = () => instance.child.exitCode === null && instance.child.signalCode === null;
      cluster.instances.push(instance);
    }
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  hop.setUpstreams(cluster.instances.map((i) => i.url));
  cluster.invite = (invitee) => inviteWithCli({ db: db.href, outbox, publicUrl: hop.url, ...invitee });
  /** Runs SQL on the cluster's database. */
  cluster.sql = (sql) => psql(db.href, sql);
  return cluster;
}

/**
 * A real HTTP hop in front of `target` that can answer for it: `decide(request)` returns
 * `'forward'` (the default), `'drop'` (the connection is cut, as when the network fails), or
 * `{ status, headers, body }`. `afterForward(request, response)` runs once the target answered
 * and may return `'drop'` to lose that answer (the target applied the request; the client never
 * learns). Every request is logged with its time and status (`null` when dropped).
 */
export async function startProxy(target, { decide = () => 'forward', afterForward = () => 'forward' } = {}) {
  const { createServer } = await import('node:http');
  const log = [];
  const proxy = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    // What the backend receives, in full: the request line, its headers and its body.
    const entry = {
      method: req.method, path: req.url, at: Date.now(), status: null,
      requestHeaders: { ...req.headers }, requestBody: body.toString('utf8'),
    };
    log.push(entry);
    const drop = () => req.socket.destroy();
    const decision = await decide(entry);
    if (decision === 'drop') return drop();
    if (decision !== 'forward') {
      entry.status = decision.status;
      entry.headers = decision.headers ?? {};
      res.writeHead(decision.status, { 'content-type': 'application/json', ...decision.headers });
      entry.answeredAt = Date.now();
      return res.end(decision.body ?? '');
    }
    let answer;
    try {
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      answer = await fetch(`${target}${req.url}`, {
        method: req.method, headers, body: body.length ? body : undefined,
        signal: AbortSignal.timeout(60_000),
      });
    } catch {
      return drop(); // The target is down: the client sees the connection fail.
    }
    const text = Buffer.from(await answer.arrayBuffer());
    if ((await afterForward(entry, answer)) === 'drop') return drop();
    entry.status = answer.status;
    entry.headers = Object.fromEntries(answer.headers);
    const headers = Object.fromEntries(answer.headers);
    delete headers['content-encoding'];
    delete headers['transfer-encoding'];
    headers['content-length'] = String(text.length);
    res.writeHead(answer.status, headers);
    entry.answeredAt = Date.now();
    res.end(text);
  });
  await new Promise((ok) => proxy.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${proxy.address().port}`,
    log,
    stop: () => new Promise((ok) => { proxy.closeAllConnections(); proxy.close(ok); }),
  };
}

/** The Get Started links found in the outbox's emails, newest file last. */
export async function linksInOutbox(outbox) {
  const files = (await readdir(outbox)).filter((f) => f.endsWith('.eml')).sort();
  const links = [];
  for (const f of files) {
    const raw = await readFile(join(outbox, f), 'utf8');
    links.push({ file: f, raw, link: raw.match(/https?:\/\/\S+\/invite\/[A-Za-z0-9_-]+/)?.[0] });
  }
  return links;
}

/** Launches Chromium headless with the unpacked extension; resolves with its service worker. */
async function launchOnce({ extraArgs = [], env = {}, locale } = {}) {
  const profile = await temporaryDir('allyshare-profile-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    // French UI: extraArgs ['--lang=fr'], env { LANGUAGE: 'fr' } (chrome.i18n), locale 'fr-FR'.
    env: { ...process.env, ...env },
    ...(locale ? { locale } : {}),
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      `--disable-extensions-except=${DIST}`,
      `--load-extension=${DIST}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
  let [worker] = context.serviceWorkers();
  if (!worker) worker = await context.waitForEvent('serviceworker', { timeout: 20_000 });
  const extensionId = new URL(worker.url()).host;
  const consoleLog = [];
  const stamp = () => new Date().toISOString().slice(11, 23);
  context.on('console', (m) => {
    const where = m.page()?.url() ?? (m.worker?.()?.url() || 'service worker');
    consoleLog.push(`${stamp()} [${m.type()}] ${where}: ${m.text()}`);
  });
  context.on('weberror', (e) => consoleLog.push(`${stamp()} [pageerror] ${e.page()?.url()}: ${e.error()}`));
  worker.on('close', () => consoleLog.push(`${stamp()} [worker] closed`));
  const browser = { context, worker, extensionId, consoleLog };
  liveBrowsers.add(browser);
  context.on('close', () => liveBrowsers.delete(browser));

  // An extension page without a script of its own (the manifest shown as a document): it has
  // the extension's APIs (storage, badge) and wakes the worker with a message, and changes
  // nothing by being open.
  let probe;
  const probePage = async () => {
    if (!probe || probe.isClosed()) {
      probe = await context.newPage();
      await probe.goto(`chrome-extension://${extensionId}/manifest.json`, { timeout: 20_000 });
    }
    return probe;
  };
  /** Evaluates in an extension page: storage, badge, the manifest — never stalls on the worker. */
  browser.ext = async (fn, arg, options = {}) => evaluate(await probePage(), fn, arg, { what: 'evaluate in an extension page', ...options });
  /** Starts the service worker if it was stopped (any message does) and waits for its answer. */
  const wake = async () => browser.ext(() => chrome.runtime.sendMessage({ intent: 'get_state' }).then(() => true), undefined, { what: 'waking the worker' });
  /**
   * Evaluates in the service worker itself. Playwright waits, without a limit, for the worker's
   * execution context: a worker stopped after 30 s idle has none until something starts it
   * again, and one already running when Playwright attached may never report its script
   * loaded. So: wake it first; if the evaluation stalls all the same, stop the workers and wake
   * them (a fresh start brings a fresh context), then try once more.
   */
  browser.inWorker = async (fn, arg, { timeoutMs = 30_000 } = {}) => {
    await wake();
    try {
      return await bounded(worker.evaluate(fn, arg), 5_000, 'evaluate in the worker', { quiet: true });
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      consoleLog.push(`${stamp()} [harness] the worker's context stalled: restarting the worker`);
      const cdp = await context.newCDPSession(await probePage());
      await bounded(cdp.send('ServiceWorker.enable'), 10_000, 'ServiceWorker.enable');
      await bounded(cdp.send('ServiceWorker.stopAllWorkers'), 10_000, 'ServiceWorker.stopAllWorkers');
      await cdp.detach().catch(() => {});
      await wake();
      return bounded(worker.evaluate(fn, arg), timeoutMs, 'evaluate in the worker (after a restart)');
    }
  };
  return browser;
}

/**
 * Launches Chromium with the unpacked extension (see `launchOnce`), and checks that its pages
 * have their translations before any test opens one. Without this check, the first test of
 * `account-delete.test.mjs` failed in 4 of 36 runs here: its options page, opened and
 * reloaded just after launch, had `chrome.i18n` answer "" for every message (`@@extension_id`
 * included), and so did a new extension page opened after it and the page reloaded again; the
 * pages showed message names and the test waited in vain for a label. With a message asked for in an
 * extension page right after launch, 55 runs of it out of 55 passed and the check never saw
 * the broken state (asking early seems to spare it); should it, that browser is closed and a
 * fresh one launched.
 */
export async function launchBrowser(options = {}) {
  for (let attempt = 1; ; attempt += 1) {
    const browser = await launchOnce(options);
    const id = await browser.ext(() => chrome.i18n.getMessage('@@extension_id'));
    if (id === browser.extensionId || attempt === 3) return browser;
    console.error(`# harness: chrome.i18n answered ${JSON.stringify(id)} in a fresh browser: launching another`);
    await browser.context.close();
  }
}

/**
 * Closes the onboarding tab the extension opens by itself on install. Tests that sign in from
 * the popup must: once signed in, that page starts reading LinkedIn on its own (its step 1),
 * racing whatever the test counts.
 */
export async function closeOnboarding(browser) {
  await closePage(await onboardingTab(browser));
}

/** The onboarding tab the extension opens by itself on install (it opens a moment after start). */
export function onboardingTab(browser) {
  return eventually(
    () => browser.context.pages().find((p) => p.url().endsWith('/onboarding.html')),
    { what: 'the onboarding tab opened on install', timeoutMs: 20_000 },
  );
}

/** Opens an extension page; the popup gets its real size. */
export async function openExtensionPage(context, extensionId, path, viewport) {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`chrome-extension://${extensionId}/${path}`, { timeout: 30_000 });
  page.errors = errors;
  return page;
}

export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true, timeout: 30_000 });
}

const AXE_SOURCE = await readFile(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

/**
 * Runs axe-core on the page and returns its serious and critical violations (WCAG 2 A/AA rules),
 * each as "rule: target". DevTools-protocol evaluation is not subject to the page's CSP.
 */
export async function accessibilityProblems(page) {
  // axe waits on timers and frames: a tab in the background may be slowed down, so it is
  // brought to the front first.
  await bounded(page.bringToFront(), 10_000, 'bringing the page to the front');
  await evaluate(page, AXE_SOURCE, undefined, { what: 'loading axe' });
  const violations = await evaluate(page, async () => {
    const result = await globalThis.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  }, undefined, { timeoutMs: 60_000, what: `axe on ${page.url()}` });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.targets.join(', ')}`);
}

/**
 * Accepts an invitation the way the Get Started form does (password + terms), with the form
 * cookie the page sets and its token (the server refuses form posts without them).
 */
export async function acceptInvitation(link, password) {
  const page = await fetch(link, { signal: AbortSignal.timeout(30_000) });
  const cookie = page.headers.getSetCookie().find((c) => c.startsWith('allyshare_form='))?.split(';')[0];
  const form_token = (await page.text()).match(/name="form_token" value="([^"]+)"/)?.[1];
  if (!cookie || !form_token) throw new Error(`the Get Started page at ${link} has no form token`);
  const res = await fetch(link, {
    method: 'POST',
    signal: AbortSignal.timeout(30_000),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ password, password_confirm: password, terms: 'accepted', form_token }),
  });
  if (res.status !== 200) throw new Error(`accepting ${link} answered ${res.status}`);
}

/** Signs in over the API (a session of the test's own, beside the extension's). */
export async function apiSession(serverUrl, email, password) {
  const res = await fetch(`${serverUrl}/v1/sessions`, {
    method: 'POST',
    signal: AbortSignal.timeout(30_000),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 201) throw new Error(`sign-in answered ${res.status}`);
  const { access_token } = await res.json();
  const call = async (method, path, body) => {
    const r = await fetch(`${serverUrl}${path}`, {
      method,
      signal: AbortSignal.timeout(30_000),
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  };
  return { call, get: (path) => call('GET', path) };
}

/** Sends an intent to the worker from an extension page, as the pages do. */
export function sendIntent(page, intent, { timeoutMs = 60_000 } = {}) {
  return evaluate(page, (i) => chrome.runtime.sendMessage(i), intent, { timeoutMs, what: `intent ${intent.intent}` });
}

/** Polls `fn` until it returns a truthy value, or fails after `timeoutMs`. */
export async function eventually(fn, { timeoutMs = 60_000, what = 'condition', context } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await bounded(Promise.resolve().then(fn), Math.max(deadline - Date.now(), 1_000), `waiting for ${what}`);
    if (last) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  const seen = context ? `; ${JSON.stringify(await context().catch((e) => String(e)))}` : '';
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})${seen}`);
}

/** The ally of the sync tests. */
export const SYNC_ALLY = { network: 'Sales Network', email: 'grace@example.org', name: 'Grace Hopper' };
const SYNC_PASSWORD = 'correct-horse-battery';

/**
 * The set-up of every sync test: the reference server (with `serverArgs`), a fake LinkedIn with
 * `connections`, Chromium with the extension signed in as an invited ally who is logged in to
 * LinkedIn, reading without the polite pauses (a developer setting; the fake does not mind).
 * With `proxy` (see `startProxy`), the extension reaches the server through that hop. With
 * `cluster` (`{ instances, latencyMs }`, see `startCluster`), `server` is a cluster of instances on one
 * PostgreSQL database and the extension reaches them through its round-robin hop.
 */
export async function startSyncScenario({ connections, serverArgs = [], proxy, cluster } = {}) {
  const { startFakeLinkedIn } = await import('../fake-linkedin/server.mjs');
  // What is started so far, stopped in reverse if a later step fails (a cluster's servers and
  // database must not outlive a failed set-up).
  const started = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop().catch(() => {});
  };
  try {
    const server = cluster
      ? await startCluster({ ...cluster, args: serverArgs })
      : await startServer({ args: serverArgs });
    started.push(() => Promise.resolve(server.stop()));
    const linkedin = await startFakeLinkedIn({ connections });
    started.push(() => linkedin.stop());
    const browser = await launchBrowser({ extraArgs: linkedin.chromiumArgs });
    started.push(() => browser.context.close());
    await closeOnboarding(browser);
    await acceptInvitation(await server.invite(SYNC_ALLY), SYNC_PASSWORD);
    const ally = await apiSession(server.url, SYNC_ALLY.email, SYNC_PASSWORD);
    await browser.ext(() => chrome.storage.local.set({
      read_settings: JSON.stringify({ pause_min_ms: 5, pause_max_ms: 10, backoff_rate_limited_ms: 2000 }),
    }));
    const hop = proxy ? await startProxy(server.url, proxy) : null;
    if (hop) started.push(() => hop.stop());
    const popup = await openExtensionPage(browser.context, browser.extensionId, 'popup.html', { width: 360, height: 560 });
    await sendIntent(popup, { intent: 'set_backend_url', url: hop?.url ?? server.url });
    const reply = await sendIntent(popup, { intent: 'sign_in', email: SYNC_ALLY.email, password: SYNC_PASSWORD });
    if (!reply.state.signed_in) throw new Error(`sign-in failed: ${JSON.stringify(reply.problem)}`);
    // The ally logs in to LinkedIn in this browser (the fake's login page sets the cookies).
    const li = await browser.context.newPage();
    await li.goto('https://www.linkedin.com/login?auto=1', { timeout: 30_000 });
    await closePage(li);
    const state = async () => (await sendIntent(popup, { intent: 'get_state' })).state;
    return {
      server, linkedin, browser, popup, ally, proxy: hop, state,
      digest: async () => (await ally.get('/v1/contacts/digest')).json,
      ledgerSize: async () => browser.ext(async () => {
        const { ledger } = await chrome.storage.local.get('ledger');
        return ledger ? Object.keys(JSON.parse(ledger).entries).length : 0;
      }),
      /** Switches sharing with the ally's network on or off, through the popup's intent. */
      share: async (sharing) => {
        const network = (await state()).me.networks.find((n) => n.name === SYNC_ALLY.network);
        return sendIntent(popup, { intent: 'set_sharing', network_id: network.id, sharing });
      },
      stop: async () => {
        await browser.context.close();
        await linkedin.stop();
        await hop?.stop();
        await server.stop();
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
