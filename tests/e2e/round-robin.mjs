// A round-robin HTTP hop for the end-to-end suite: what a load balancer in front of several
// server instances does, small enough to read. Each request goes to the next upstream in turn.
//
// When an upstream refuses the connection, the hop marks it down for a while and sends that
// same request to the next upstream. That is safe only because a refused connection means
// nothing reached the server: every request gets a connection of its own (no keep-alive pool),
// so "refused" can only happen before a byte was sent. Any other failure (the connection reset
// or closed mid-request, no answer in time) may come after the server applied the request, so
// the hop answers 502 and leaves the retry to the client, which knows whether its request is
// safe to send again (the extension's sync steps are idempotent; a load balancer cannot know
// that). This is how nginx and HAProxy behave by default for non-idempotent requests.
//
// The hop counts, per upstream, the requests it answered, so a test can check that every
// instance served part of the work. It can also add a fixed latency before each request (as a
// network between a load balancer and its servers has), which bounds how fast a client's run
// of sequential requests goes whatever the machine, so a test can act in the middle of one.
import { createServer, request } from 'node:http';

/** How long an upstream that refused a connection is left out before it is tried again. */
const DOWN_MS = 5_000;
/** Longest wait for an upstream's answer; then 502. */
const UPSTREAM_TIMEOUT_MS = 60_000;

/**
 * Starts the hop on a free loopback port. `upstreams` (base URLs) may also be given later with
 * `setUpstreams`, so the hop's own URL can be handed to the servers first (their public URL).
 * `latencyMs` is waited before each request is forwarded.
 * Resolves with `{ url, upstreams, log, setUpstreams, stop }`: `upstreams[i]` counts `served`
 * (answered by it), `refused` (connections it refused) and `failed` (502s after it took the
 * request); `log` has one entry per request (`method`, `path`, `upstream` index or `null`,
 * `status`).
 */
export async function startRoundRobin({ upstreams = [], downMs = DOWN_MS, latencyMs = 0 } = {}) {
  let pool = [];
  let cursor = 0;
  const log = [];
  const setUpstreams = (urls) => {
    pool = urls.map((url) => ({ url, served: 0, refused: 0, failed: 0, downUntil: 0 }));
  };

  /** Forwards once; resolves `{ refused: true }` when the connection was refused. */
  const forward = (upstream, req, body, res) => new Promise((done) => {
    const target = new URL(upstream.url);
    const headers = { ...req.headers, connection: 'close' };
    const out = request({
      host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false,
    });
    out.setTimeout(UPSTREAM_TIMEOUT_MS, () => out.destroy(new Error('no answer in time')));
    out.on('error', (e) => {
      if (e.code === 'ECONNREFUSED') return done({ refused: true });
      if (res.headersSent) {
        // The upstream died in the middle of its answer: the client sees the connection cut.
        res.destroy();
        return done({ status: null });
      }
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`bad gateway: ${e.code ?? e.message}\n`);
      return done({ status: 502, failed: true });
    });
    out.on('response', (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
      answer.on('end', () => done({ status: answer.statusCode }));
      answer.on('error', () => { res.destroy(); done({ status: null }); });
    });
    out.end(body);
  });

  const hop = createServer(async (req, res) => {
    const chunks = [];
    try {
      for await (const c of req) chunks.push(c);
    } catch {
      return undefined; // The client went away.
    }
    const body = Buffer.concat(chunks);
    const entry = { method: req.method, path: req.url, at: Date.now(), upstream: null, status: null };
    log.push(entry);
    const start = cursor;
    cursor += 1;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const now = Date.now();
    // Each upstream at most once, starting with this request's turn; those marked down last.
    const order = pool.map((_, i) => (start + i) % pool.length);
    const candidates = [...order.filter((i) => pool[i].downUntil <= now), ...order.filter((i) => pool[i].downUntil > now)];
    for (const i of candidates) {
      const upstream = pool[i];
      const result = await forward(upstream, req, body, res);
      if (result.refused) {
        upstream.refused += 1;
        upstream.downUntil = Date.now() + downMs;
        continue; // Nothing reached it: the next one may take this very request.
      }
      entry.upstream = i;
      entry.status = result.status;
      if (result.failed) upstream.failed += 1;
      else upstream.served += 1;
      return undefined;
    }
    entry.status = 502;
    res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    return res.end('bad gateway: no upstream accepted the connection\n');
  });
  await new Promise((ok) => hop.listen(0, '127.0.0.1', ok));
  setUpstreams(upstreams);
  return {
    url: `http://127.0.0.1:${hop.address().port}`,
    get upstreams() { return pool; },
    log,
    setUpstreams,
    stop: () => new Promise((ok) => { hop.closeAllConnections(); hop.close(ok); }),
  };
}
