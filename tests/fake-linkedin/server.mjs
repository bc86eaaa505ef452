// A fake LinkedIn for tests and the demo: a real HTTPS server on loopback that Chromium reaches
// as www.linkedin.com with
//   --host-resolver-rules="MAP www.linkedin.com 127.0.0.1:PORT" --ignore-certificate-errors
// It serves N deterministic synthetic connections (./synthetic.mjs, the twin of
// src/linkedin/synthetic.rs) in both Voyager shapes with correct paging, the connections
// summary, /voyager/api/me, and a login page that sets li_at (httpOnly) and JSESSIONID. Faults
// are switched on a separate plain-HTTP control port on loopback; counters tell tests how many
// requests each endpoint got. Node 20 built-ins only; the certificate is made at startup with
// the openssl CLI into a temporary folder (test-only, thrown away on exit).
//
// As a module:  const li = await startFakeLinkedIn({ connections: 2000 });
//               li.chromiumArgs  -> the two Chromium flags;  await li.control({fault: '429_after', pages: 3});
//               await li.stop();
// As a program: node tests/fake-linkedin/server.mjs --port 8443 --control-port 8444 --connections 2000 [--seed 1]
//               prints "fake-linkedin https://127.0.0.1:8443 control http://127.0.0.1:8444" once listening.
//
// Control API (plain HTTP, JSON):
//   POST /control {"fault":"429_after","pages":3,"times":1,"retryAfter":5}  after 3 more list pages, the next list
//                                                 request(s) answer 429 with Retry-After (times: how many; default 1)
//   POST /control {"fault":"999","pages":0,"times":1}       the same with LinkedIn's 999 "request denied" (HTML)
//   POST /control {"fault":"authwall","pages":0,"times":null} voyager calls answer 200 text/html authwall (times null: until cleared)
//   POST /control {"fault":"stale_decoration"}    the dash list answers 400 for every decoration (until cleared)
//   POST /control {"fault":"legacy_gone"}         the legacy list answers 404 (until cleared)
//   POST /control {"fault":"slow","ms":5000,"pages":0,"times":null}  list responses are delayed by ms
//   POST /control {"fault":"worker_refused"}      voyager calls whose Sec-Fetch-Site is not same-origin answer 401
//                                                 (an extension worker's fetch; a content script's is same-origin)
//   POST /control {"fault":"logout_after","pages":3}  after 3 more list pages, every session ends (the next
//                                                 list request and all later API calls answer 401)
//   POST /control {"fault":"none"}                clears every fault;  {"clear":"slow"} clears one
//   POST /control {"add":3}                       3 new connections at the top of the list (newest)
//   POST /control {"logout":true}                 every session ends (API calls answer 401)
//   POST /control {"resetStats":true}             counters to zero
//   POST /control {"reset":true}                  faults cleared, counters zeroed, back to the initial N connections
//   POST /control/session                         -> {"li_at","JSESSIONID"}: a logged-in session without the login page
//   GET  /control/stats                           -> {"requests":{"dash":n,"legacy":n,"summary":n,"me":n,"login":n,...},
//                                                     "list":n, "log":[{endpoint,start,count,status,site,at}],
//                                                     "sites":{"same-origin":n,"none":n,...} (Sec-Fetch-Site of voyager calls),
//                                                     "connections":n, "faults":{...},
//                                                     "maxListInFlight":n (the most list requests open at once;
//                                                     only seen with the "slow" fault: an answer is otherwise
//                                                     made and sent before the next request is read)}
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createHttpServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Synthetic } from './synthetic.mjs';

export const DEFAULT_DECORATION =
  'com.linkedin.voyager.dash.deco.web.mynetwork.ConnectionListWithProfile-16';

const AUTHWALL = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign Up | LinkedIn</title>
<link rel="canonical" href="https://www.linkedin.com/authwall"></head>
<body class="authwall"><h1>Join LinkedIn</h1>
<a href="/login?session_redirect=%2Fvoyager%2Fapi&trk=authwall">Sign in</a></body></html>`;

const DENIED = '<!DOCTYPE html><html><head><title>Request denied</title></head><body>Request denied (999)</body></html>';

/** A self-signed certificate for www.linkedin.com and 127.0.0.1 (test-only), made with openssl. */
function makeCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'fake-linkedin-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '7',
      '-subj', '/CN=www.linkedin.com',
      '-addext', 'subjectAltName=DNS:www.linkedin.com,DNS:linkedin.com,DNS:localhost,IP:127.0.0.1',
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseCookies(header = '') {
  const out = {};
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

const listen = (server, port) => new Promise((ok, fail) => {
  server.once('error', fail);
  server.listen(port, '127.0.0.1', () => ok(server.address().port));
});

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * Starts the fake LinkedIn. Options: connections (N, default 100), seed (default 1), port and
 * controlPort (0 = any free one), decorations (accepted decoration ids).
 */
export async function startFakeLinkedIn({
  connections = 100, seed = 1, port = 0, controlPort = 0, decorations = [DEFAULT_DECORATION],
} = {}) {
  const initial = connections;
  const state = {
    count: initial,
    faults: {},
    sessions: new Map(), // li_at -> JSESSIONID value (with its quotes)
    stats: { requests: {}, list: 0, log: [], sites: {}, maxListInFlight: 0 },
  };
  const synthetic = () => new Synthetic(seed, state.count);
  const count = (endpoint) => { state.stats.requests[endpoint] = (state.stats.requests[endpoint] ?? 0) + 1; };

  function newSession() {
    const liAt = `AQE${randomBytes(24).toString('base64url')}`;
    const digits = BigInt(`0x${randomBytes(8).toString('hex')}`) % 10n ** 19n;
    const jsessionid = `"ajax:${digits.toString().padStart(19, '0')}"`;
    state.sessions.set(liAt, jsessionid);
    return { li_at: liAt, JSESSIONID: jsessionid };
  }

  /** Whether a fault applies to this list request now; consumes one of its `times`. */
  function due(name) {
    const f = state.faults[name];
    if (!f) return null;
    if (f.pagesLeft > 0) return null;
    if (f.times !== null) {
      if (f.times <= 0) return null;
      f.times -= 1;
    }
    return f;
  }

  function pageServed() {
    for (const f of Object.values(state.faults)) if (f.pagesLeft > 0) f.pagesLeft -= 1;
  }

  const send = (res, status, body, headers = {}) => {
    const isText = typeof body === 'string';
    res.writeHead(status, {
      'content-type': isText ? 'text/plain; charset=utf-8' : 'application/vnd.linkedin.normalized+json+2.1',
      ...headers,
    });
    res.end(isText ? body : JSON.stringify(body));
  };
  const html = (res, status, body, headers = {}) =>
    send(res, status, body, { 'content-type': 'text/html; charset=utf-8', ...headers });

  function sessionOf(req) {
    const cookies = parseCookies(req.headers.cookie);
    const jsessionid = state.sessions.get(cookies.li_at);
    return jsessionid ? { cookies, jsessionid } : null;
  }

  function cookieHeaders(session) {
    const attrs = 'Path=/; Secure; SameSite=None; Max-Age=31536000';
    return [
      `li_at=${session.li_at}; ${attrs}; HttpOnly`,
      `JSESSIONID=${session.JSESSIONID}; ${attrs}`,
      `lang=v=2&lang=en-us; Path=/; Secure; SameSite=None`,
    ];
  }

  let listInFlight = 0;
  async function voyager(req, res, url) {
    const path = url.pathname.replace(/^\/voyager\/api\//, '');
    const endpoint = {
      me: 'me',
      'relationships/connectionsSummary': 'summary',
      'relationships/dash/connections': 'dash',
      'relationships/connections': 'legacy',
    }[path] ?? 'other';
    count(endpoint);
    // What the browser says about the caller: a page's own fetch is same-origin; an extension
    // worker's is not (Chromium sends "none" for it).
    const site = req.headers['sec-fetch-site'] ?? null;
    state.stats.sites[site] = (state.stats.sites[site] ?? 0) + 1;
    const isList = endpoint === 'dash' || endpoint === 'legacy';
    if (isList) {
      // How many list requests are open at once (the extension asks one page at a time).
      listInFlight += 1;
      state.stats.maxListInFlight = Math.max(state.stats.maxListInFlight, listInFlight);
      res.on('close', () => { listInFlight -= 1; });
    }
    const start = Number(url.searchParams.get('start') ?? 0);
    const size = Math.min(Number(url.searchParams.get('count') ?? 10), 100);
    const answer = (status, body, headers) => {
      if (isList) state.stats.log.push({ endpoint, start, count: size, status, site, at: Date.now() });
      if (typeof body === 'string' && body.startsWith('<!DOCTYPE')) return html(res, status, body, headers);
      return send(res, status, body, headers);
    };

    if (state.faults.authwall && due('authwall')) return answer(200, AUTHWALL);
    if (state.faults.worker_refused && site !== 'same-origin' && due('worker_refused')) {
      return answer(401, { status: 401, message: 'Unauthorized' });
    }
    if (isList && due('logout_after')) {
      state.sessions.clear();
      delete state.faults.logout_after;
    }
    const session = sessionOf(req);
    if (!session) return answer(401, { status: 401, message: 'Unauthorized' });
    if (req.headers['csrf-token'] !== session.jsessionid.replaceAll('"', '')) {
      return answer(403, 'CSRF check failed.');
    }
    if (endpoint === 'me') {
      return answer(200, {
        data: { plainId: 987654, '*miniProfile': 'urn:li:fs_miniProfile:ACoAAFAKEME', $type: 'com.linkedin.voyager.common.Me' },
        included: [{
          $type: 'com.linkedin.voyager.identity.shared.MiniProfile', entityUrn: 'urn:li:fs_miniProfile:ACoAAFAKEME',
          firstName: 'Alex', lastName: 'Ally', publicIdentifier: 'alex-ally', occupation: 'Partner at Fund',
        }],
      });
    }
    if (endpoint === 'summary') return answer(200, synthetic().summary());
    if (!isList) return answer(404, { status: 404 });

    const slow = due('slow');
    if (slow) await sleep(slow.ms ?? 5000);
    const limited = due('429_after');
    if (limited) return answer(429, { status: 429 }, { 'retry-after': String(limited.retryAfter ?? 5) });
    if (due('999')) return answer(999, DENIED);
    if (endpoint === 'dash') {
      const decoration = url.searchParams.get('decorationId');
      if (url.searchParams.get('q') !== 'search' || !decoration) return answer(400, { status: 400, message: 'q and decorationId are required' });
      if (state.faults.stale_decoration || !decorations.includes(decoration)) {
        return answer(400, { status: 400, message: `Invalid decoration ${decoration}` });
      }
      pageServed();
      return answer(200, synthetic().dashPage(start, size));
    }
    if (state.faults.legacy_gone) return answer(404, { status: 404 });
    pageServed();
    return answer(200, synthetic().legacyPage(start, size), { 'content-type': 'application/json' });
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'https://www.linkedin.com');
    if (url.pathname.startsWith('/voyager/api/')) return voyager(req, res, url);
    if (url.pathname === '/login' || url.pathname === '/uas/login' || url.pathname === '/checkpoint/lg/login-submit') {
      count('login');
      if (req.method === 'POST' || url.searchParams.has('auto')) {
        req.resume();
        const session = newSession();
        const to = url.searchParams.get('session_redirect') ?? '/feed/';
        res.writeHead(303, { location: to.startsWith('/') ? to : '/feed/', 'set-cookie': cookieHeaders(session) });
        return res.end();
      }
      return html(res, 200, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>LinkedIn Login</title></head>
<body><h1>Sign in</h1><form method="post" action="/login${url.search}">
<input name="session_key" type="email" placeholder="Email"><input name="session_password" type="password" placeholder="Password">
<button type="submit">Sign in</button></form></body></html>`);
    }
    if (url.pathname === '/logout' || url.pathname === '/m/logout/') {
      count('logout');
      const { li_at: liAt } = parseCookies(req.headers.cookie);
      state.sessions.delete(liAt);
      res.writeHead(303, {
        location: '/login',
        'set-cookie': ['li_at=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=None', 'JSESSIONID=; Path=/; Max-Age=0; Secure; SameSite=None'],
      });
      return res.end();
    }
    count('page');
    if (!sessionOf(req)) {
      res.writeHead(303, { location: `/login?session_redirect=${encodeURIComponent(url.pathname)}` });
      return res.end();
    }
    if (url.pathname === '/mynetwork/invite-connect/connections/') {
      const items = synthetic().window(0, 40).map((c) =>
        `<li><a href="https://www.linkedin.com/in/${encodeURIComponent(c.public_identifier)}/"><span>${c.first_name} ${c.last_name}</span><span>${c.headline ?? ''}</span></a><time>Connected on ${new Date(c.created_at).toUTCString().slice(5, 16)}</time></li>`);
      return html(res, 200, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Connections | LinkedIn</title></head><body><h1>${state.count} Connections</h1><ul>${items.join('')}</ul></body></html>`);
    }
    return html(res, 200, '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Feed | LinkedIn</title></head><body><h1>Feed</h1><a href="/mynetwork/invite-connect/connections/">My network</a></body></html>');
  }

  async function control(body) {
    if (body.reset) {
      state.faults = {};
      state.count = initial;
      state.stats = { requests: {}, list: 0, log: [], sites: {}, maxListInFlight: 0 };
    }
    if (body.resetStats) state.stats = { requests: {}, list: 0, log: [], sites: {}, maxListInFlight: 0 };
    if (body.logout) state.sessions.clear();
    if (Number.isInteger(body.add)) state.count += body.add;
    if (body.clear) delete state.faults[body.clear];
    if (body.fault === 'none') state.faults = {};
    else if (body.fault) {
      const known = ['429_after', '999', 'authwall', 'stale_decoration', 'legacy_gone', 'slow', 'worker_refused', 'logout_after'];
      if (!known.includes(body.fault)) throw new Error(`unknown fault ${body.fault}; known: ${known.join(', ')}`);
      const once = ['429_after', '999', 'logout_after'].includes(body.fault);
      state.faults[body.fault] = {
        pagesLeft: body.pages ?? 0,
        times: body.times === undefined ? (once ? 1 : null) : body.times,
        retryAfter: body.retryAfter,
        ms: body.ms,
      };
    }
    return stats();
  }

  function stats() {
    const { dash = 0, legacy = 0 } = state.stats.requests;
    return { ...state.stats, list: dash + legacy, connections: state.count, faults: state.faults };
  }

  const https = createHttpsServer(makeCertificate(), (req, res) => {
    handle(req, res).catch((e) => { res.writeHead(500); res.end(String(e)); });
  });
  const controlServer = createHttpServer(async (req, res) => {
    const reply = (status, value) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(value)); };
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const text = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'GET' && req.url === '/control/stats') return reply(200, stats());
      if (req.method === 'POST' && req.url === '/control/session') return reply(200, newSession());
      if (req.method === 'POST' && req.url === '/control') return reply(200, await control(text ? JSON.parse(text) : {}));
      return reply(404, { error: 'GET /control/stats, POST /control, POST /control/session' });
    } catch (e) {
      return reply(400, { error: String(e.message ?? e) });
    }
  });

  const actualPort = await listen(https, port);
  const actualControlPort = await listen(controlServer, controlPort);
  const controlUrl = `http://127.0.0.1:${actualControlPort}`;
  const hostResolverRules = `MAP www.linkedin.com 127.0.0.1:${actualPort}`;
  return {
    port: actualPort,
    controlPort: actualControlPort,
    url: `https://127.0.0.1:${actualPort}`,
    controlUrl,
    hostResolverRules,
    chromiumArgs: [`--host-resolver-rules=${hostResolverRules}`, '--ignore-certificate-errors'],
    /** The connections currently served (newest first), as the Rust Synthetic would give them. */
    synthetic,
    control: (body) => control(body),
    stats,
    newSession,
    stop: () => Promise.all([
      new Promise((ok) => https.close(ok)),
      new Promise((ok) => controlServer.close(ok)),
      https.closeAllConnections(),
      controlServer.closeAllConnections(),
    ]),
  };
}

// CLI mode.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const li = await startFakeLinkedIn({
    port: arg('port', 0), controlPort: arg('control-port', 0), connections: arg('connections', 100), seed: arg('seed', 1),
  });
  console.log(`fake-linkedin ${li.url} control ${li.controlUrl} connections ${li.stats().connections}`);
  const stop = () => li.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
