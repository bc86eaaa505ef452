// Firefox for the end-to-end suite: Debian's firefox-esr driven by geckodriver over the W3C
// WebDriver HTTP API, from node's own fetch. Playwright cannot drive a stock Firefox (it needs
// its own patched build, a browser download), WebDriver can. The built dist-firefox/ is installed
// as a temporary add-on (`moz/addon/install`), with its moz-extension UUID fixed by a pref so the
// tests know its pages' addresses. Every call has a time limit (`bounded`).
//
// LinkedIn is the fake one over HTTPS on loopback: Firefox has no host-resolver flag, so an
// HTTPS proxy (a CONNECT tunnel on loopback, `startTunnel`) sends www.linkedin.com to it; plain
// http (the reference server on 127.0.0.1) goes direct. Its certificate is self-signed:
// `acceptInsecureCerts`.
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bounded, ARTIFACTS } from './harness.mjs';

export const FIREFOX = process.env.FIREFOX_BIN ?? '/usr/bin/firefox-esr';
export const GECKODRIVER = process.env.GECKODRIVER_BIN ?? 'geckodriver';
export const GECKO_ID = process.env.ALLYSHARE_GECKO_ID ?? 'allyshare@allyshare.org';
/** The moz-extension UUID the tests give the add-on (pref extensions.webextensions.uuids). */
export const UUID = '5b0a4c1e-8d3f-4a8e-9c47-2f1b6d9e0a31';
export const EXT_BASE = `moz-extension://${UUID}/`;
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

/**
 * A CONNECT proxy on loopback that tunnels `host:443` to `127.0.0.1:port` and refuses any other
 * destination (nothing leaves the machine).
 */
export async function startTunnel(routes) {
  const sockets = new Set();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.once('data', (head) => {
      const line = head.toString('latin1').split('\r\n')[0];
      const [, target] = line.match(/^CONNECT (\S+) HTTP\/1\.[01]$/) ?? [];
      const port = routes[target];
      if (!port) {
        client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      const upstream = connect(port, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: server.address().port,
    stop: () => new Promise((ok) => { for (const s of sockets) s.destroy(); server.close(ok); }),
  };
}

/**
 * Starts geckodriver and a headless Firefox session with the add-on in `dir` installed as a
 * temporary add-on. `prefs` are added to the profile's.
 */
export async function launchFirefox({ dir, prefs = {} }) {
  const port = await freePort();
  const driver = spawn(GECKODRIVER, ['--port', String(port), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = [];
  const keep = (chunk) => { for (const line of chunk.toString().split('\n')) if (line) log.push(line); };
  driver.stdout.on('data', keep);
  driver.stderr.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body, ms = 30_000) => {
    const res = await bounded(fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }), ms, `WebDriver ${method} ${path}`, { quiet: true });
    const json = await res.json();
    if (!res.ok) {
      const e = new Error(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
      e.webdriver = json.value?.error;
      throw e;
    }
    return json.value;
  };
  // geckodriver listens within a moment.
  const deadline = Date.now() + 20_000;
  for (;;) {
    try { await call('GET', '/status', undefined, 2_000); break; } catch (e) {
      if (Date.now() > deadline) { driver.kill(); throw new Error(`geckodriver did not start: ${log.join('\n')}`); }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const session = await call('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'firefox',
        acceptInsecureCerts: true,
        'moz:firefoxOptions': {
          binary: FIREFOX,
          args: ['-headless'],
          prefs: {
            'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: UUID }),
            ...prefs,
          },
        },
      },
    },
  }, 90_000);
  const sid = session.sessionId;
  const s = (path) => `/session/${sid}${path}`;
  await call('POST', s('/moz/addon/install'), { path: dir, temporary: true });

  const firefox = {
    version: session.capabilities.browserVersion,
    log,
    call,
    /** Runs `fn(...args)` (a function's source) in the current tab's page, awaiting its promise. */
    run: (fn, args = [], ms = 30_000) => call('POST', s('/execute/async'), {
      script: `const done = arguments[arguments.length - 1];
        Promise.resolve().then(() => (${fn}).apply(null, Array.from(arguments).slice(0, -1)))
          .then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ error: String(e && e.stack || e) }));`,
      args,
    }, ms + 5_000).then((r) => {
      if (r && 'error' in r) throw new Error(`in ${fn.name || 'page'}: ${r.error}`);
      return r?.ok;
    }),
    goto: (url) => call('POST', s('/url'), { url }, 60_000),
    url: () => call('GET', s('/url')),
    title: () => call('GET', s('/title')),
    handles: () => call('GET', s('/window/handles')),
    current: () => call('GET', s('/window')),
    switchTo: (handle) => call('POST', s('/window'), { handle }),
    newTab: async () => (await call('POST', s('/window/new'), { type: 'tab' })).handle,
    closeTab: () => call('DELETE', s('/window')),
    /** The element for `css`, or null. */
    find: async (css) => {
      try { return (await call('POST', s('/element'), { using: 'css selector', value: css }))[ELEMENT]; } catch (e) {
        if (e.webdriver === 'no such element') return null;
        throw e;
      }
    },
    click: async (css) => {
      const id = await firefox.find(css);
      if (!id) throw new Error(`no element ${css}`);
      await call('POST', s(`/element/${id}/click`), {});
    },
    type: async (css, text) => {
      const id = await firefox.find(css);
      if (!id) throw new Error(`no element ${css}`);
      await call('POST', s(`/element/${id}/clear`), {});
      await call('POST', s(`/element/${id}/value`), { text });
    },
    // The page may re-render between finding the element and reading it (the progress line
    // does, several times a second): a stale reference is looked up again, three times at most.
    text: async (css) => {
      for (let attempt = 0; ; attempt++) {
        const id = await firefox.find(css);
        if (!id) return null;
        try {
          return await call('GET', s(`/element/${id}/text`));
        } catch (e) {
          if (attempt >= 2 || !/stale element reference/.test(String(e && e.message))) throw e;
        }
      }
    },
    screenshot: async (name) => {
      const png = await call('GET', s('/screenshot'), undefined, 30_000);
      await mkdir(ARTIFACTS, { recursive: true });
      await writeFile(join(ARTIFACTS, `${name}.png`), Buffer.from(png, 'base64'));
    },
    /** Switches to the tab whose URL `match` accepts, waiting for it to open; its handle. */
    tabWhere: async (match, { timeoutMs = 30_000, what = 'a tab' } = {}) => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        for (const h of await firefox.handles()) {
          await firefox.switchTo(h);
          if (match(await firefox.url())) return h;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      throw new Error(`timed out waiting for ${what}`);
    },
    /** Polls `fn` until truthy, within `timeoutMs`. */
    until: async (fn, { timeoutMs = 60_000, what = 'a condition' } = {}) => {
      const until = Date.now() + timeoutMs;
      let last;
      while (Date.now() < until) {
        last = await fn();
        if (last) return last;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    },
    quit: async () => {
      try { await call('DELETE', s(''), undefined, 30_000); } catch { /* the session may be gone */ }
      driver.kill();
    },
  };
  return firefox;
}
