// Server trouble during a sync, end to end: the extension reads the fake LinkedIn and uploads to
// the real reference server through a real HTTP hop (`startProxy`) that watches every request
// and, in the first case, cuts the connection at the moment it kills the server.
import {
  describe, test, before, after, startSyncScenario, eventually, sendIntent, evaluate,
} from './harness.mjs';
import assert from 'node:assert/strict';

const N = 2000;
const BATCH = 100; // published by the server (`--sync-max-batch-items`), so 20 batches
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const batchSeq = (entry) => entry.method === 'PUT' && Number(entry.path.match(/\/batches\/(\d+)$/)?.[1]);
const isBatch = (entry) => entry.method === 'PUT' && /\/batches\/\d+$/.test(entry.path);

/** What the extension and the hop saw, for a failure's message. */
async function diagnosis(world) {
  const stored = await world.browser.ext(() => chrome.storage.local.get(['job']));
  return { sync: (await world.state()).sync, stored, lastRequests: world.proxy.log.slice(-3) };
}

/** Waits until the extension says it shares all N, then checks the server holds exactly N. */
async function expectExactlyAllShared(world) {
  await eventually(async () => {
    const s = await world.state();
    return s.sync.phase.phase === 'idle' && s.sync.shared === N;
  }, { what: `the extension to share ${N}`, timeoutMs: 120_000, context: () => diagnosis(world) });
  const digest = await world.digest();
  assert.equal(digest.count, N, 'exactly N on the server: none lost, none twice');
  assert.equal(await world.ledgerSize(), N);
  const job = await world.browser.ext(async () => JSON.parse((await chrome.storage.local.get('job')).job));
  assert.equal(job.needs_full, false, "the server's digest matched the extension's after the commit");
}

describe('the server killed mid-sync and right after its commit, and restarted', () => {
  let world;
  let killedAt = null;
  let commitKilledAt = null;
  let restarted;
  before(async () => {
    world = await startSyncScenario({
      connections: N,
      serverArgs: ['--sync-max-batch-items', String(BATCH)],
      proxy: {
        // Batch 7 reached the server and was stored; then the server dies before anyone hears
        // back, and comes back 1.5 s later on the same database.
        afterForward: async (entry, answer) => {
          const crash = async () => {
            await world.server.kill();
            restarted = sleep(1500).then(() => world.server.restart());
            return 'drop';
          };
          if (killedAt === null && batchSeq(entry) === 7 && answer.ok) {
            killedAt = Date.now();
            return crash();
          }
          // Then once more, right after the server committed: the commit is done, nobody knows.
          if (commitKilledAt === null && entry.path.endsWith('/commit') && answer.ok) {
            commitKilledAt = Date.now();
            return crash();
          }
          return 'forward';
        },
      },
    });
  });
  after(async () => { await world?.stop(); });

  test(`the sync completes with exactly ${N} contacts`, async (t) => {
    const reply = await world.share(true);
    assert.equal(reply.problem, null);
    await eventually(() => killedAt !== null, { what: 'the kill', timeoutMs: 120_000, context: () => diagnosis(world) });
    await restarted;
    await expectExactlyAllShared(world);
    const log = world.proxy.log;
    const sevens = log.filter((e) => batchSeq(e) === 7);
    assert.ok(sevens.length >= 2, 'batch 7 was sent again after the restart');
    assert.equal(sevens.at(-1).status, 200);
    assert.ok(log.some((e) => e.at > killedAt && e.status === null), 'requests failed while the server was down');
    // The batches followed the server's published limit, and each was acknowledged (two are
    // on their way at once, so the hop may log them in either order).
    const acked = log.filter((e) => isBatch(e) && e.status === 200).map(batchSeq);
    assert.deepEqual([...new Set(acked)].sort((a, b) => a - b), Array.from({ length: N / BATCH }, (_, i) => i));
    assert.ok(commitKilledAt !== null, 'the server was also killed right after committing');
    await restarted;
    const commits = log.filter((e) => e.path.endsWith('/commit'));
    assert.ok(commits.length >= 2, 'the commit whose answer was lost was asked again');
    assert.equal(commits.at(-1).status, 200, 'and answered as done');
    t.diagnostic(`batch 7 sent ${sevens.length} times; ${log.filter((e) => e.status === null).length} requests cut; back ${sevens.at(-1).at - killedAt} ms after the kill`);
  });
});

describe("the server's 429 and its front's 503, with Retry-After", () => {
  let world;
  let unavailableSent = false;
  before(async () => {
    // The real write budget, sized so the upload (open 10 + 20 batches × 110 + commit 10) runs
    // out near its end and must wait several seconds for it to refill.
    world = await startSyncScenario({
      connections: N,
      serverArgs: ['--sync-max-batch-items', String(BATCH), '--write-burst', '2100', '--write-per-second', '10'],
      // And once, the server's front (a reverse proxy, a load balancer) is unavailable for a
      // moment: 503 with Retry-After, as such fronts answer during a deploy.
      proxy: {
        decide: (entry) => {
          if (!unavailableSent && batchSeq(entry) === 3) {
            unavailableSent = true;
            return { status: 503, headers: { 'retry-after': '2' }, body: '' };
          }
          return 'forward';
        },
      },
    });
  });
  after(async () => { await world?.stop(); });

  test('is waited out, at least as long as asked, and the sync completes exactly', async (t) => {
    const reply = await world.share(true);
    assert.equal(reply.problem, null);
    await expectExactlyAllShared(world);
    const log = world.proxy.log;
    const limited = log.filter((e) => e.status === 429 || e.status === 503);
    assert.ok(limited.some((e) => e.status === 429), 'the server ran out of budget and said so');
    assert.ok(limited.some((e) => e.status === 503), 'the front was unavailable once');
    for (const answer of limited) {
      const asked = Number(answer.headers['retry-after']);
      assert.ok(asked >= 1, `Retry-After: ${answer.headers['retry-after']}`);
      const next = log.find((e) => e.at >= answer.answeredAt && e !== answer && e.method === answer.method && e.path === answer.path);
      assert.ok(next, `${answer.path} was tried again`);
      const waited = next.at - answer.answeredAt;
      assert.ok(waited >= asked * 1000, `waited ${waited} ms after being asked for ${asked} s`);
      t.diagnostic(`${answer.method} ${answer.path}: ${answer.status}, Retry-After ${asked} s, tried again after ${waited} ms`);
    }
  });
});

describe('the worker stopped mid-upload', () => {
  let world;
  let held = null;
  before(async () => {
    world = await startSyncScenario({
      connections: N,
      serverArgs: ['--sync-max-batch-items', String(BATCH)],
      proxy: {
        // Batch 7's first sending is held 3 s on its way: the worker is stopped meanwhile.
        decide: async (entry) => {
          if (held === null && batchSeq(entry) === 7) {
            held = Date.now();
            await sleep(3000);
          }
          return 'forward';
        },
      },
    });
  });
  after(async () => { await world?.stop(); });

  test(`resumes at the next wake-up and completes with exactly ${N}`, async (t) => {
    const reply = await world.share(true);
    assert.equal(reply.problem, null);
    await eventually(() => held !== null, { what: 'batch 7 on its way', timeoutMs: 120_000, context: () => diagnosis(world) });
    // Two batches travel at once: batch 6's answer may still be on its way when batch 7 is
    // held. Stop once it is saved (well within the 3 s hold), with batch 7 (and 8) in flight.
    await eventually(async () => {
      const { upload } = await evaluate(world.popup, async () => JSON.parse((await chrome.storage.local.get('job')).job));
      return upload?.acked === 7;
    }, { what: 'batches 0–6 saved as acknowledged', timeoutMs: 2_500, context: () => diagnosis(world) });
    // And the worker does not wait for batch 7's answer to send batch 8 (two on their way).
    await eventually(() => world.proxy.log.some((e) => batchSeq(e) === 8), { what: 'batch 8 sent while batch 7 is held', timeoutMs: 2_000, context: () => diagnosis(world) });
    assert.ok(Date.now() - held < 3000, 'batch 7 was still held');
    const cdp = await world.browser.context.newCDPSession(world.popup);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    const stoppedAt = Date.now();
    const { upload } = await evaluate(world.popup, async () => JSON.parse((await chrome.storage.local.get('job')).job));
    assert.equal(upload.acked, 7, 'the stopped upload had saved its place: 7 batches acknowledged');
    await sleep(3500);
    // Opening the popup wakes the worker (as the ally would); "Sync now" asks it to go on.
    await world.popup.reload();
    await evaluate(world.popup, () => chrome.runtime.sendMessage({ intent: 'sync_now' }));
    await expectExactlyAllShared(world);
    const log = world.proxy.log;
    const after = log.filter((e) => e.at > stoppedAt && isBatch(e));
    // Batch 8 may have left just before the stop or just after it: the lowest sent after the
    // stop is the one that was in flight first.
    assert.equal(Math.min(...after.map(batchSeq)), 7, 'resumed at the batch that was in flight, not from the start');
    assert.equal(log.filter((e) => e.method === 'POST' && e.path === '/v1/sync/sessions').length, 1, 'the same session went on');
    t.diagnostic(`resumed ${after[0].at - stoppedAt} ms after the stop; ${log.filter(isBatch).length} batch requests for ${N / BATCH} batches`);
  });
});

describe('sharing turned off while a sync runs', () => {
  let world;
  let held = null;
  let release;
  before(async () => {
    world = await startSyncScenario({
      connections: N,
      serverArgs: ['--sync-max-batch-items', String(BATCH)],
      proxy: {
        // Batch 5 waits at the hop until the ally has switched sharing off.
        decide: async (entry) => {
          if (held === null && batchSeq(entry) === 5) {
            held = Date.now();
            await new Promise((r) => { release = r; });
          }
          return 'forward';
        },
      },
    });
  });
  after(async () => { release?.(); await world?.stop(); });

  test('nothing is left on the server or in the browser, and nothing is sent again', async (t) => {
    await world.share(true);
    await eventually(() => held !== null, { what: 'batch 5 on its way', timeoutMs: 120_000, context: () => diagnosis(world) });
    const reply = await world.share(false);
    assert.equal(reply.problem, null);
    release();
    await eventually(async () => (await world.state()).sync.phase.phase === 'idle', { what: 'the upload to stop', context: () => diagnosis(world) });
    assert.equal((await world.digest()).count, 0, 'deleted on the server');
    assert.equal(await world.ledgerSize(), 0);
    assert.equal((await world.state()).sync.contacts, 0, 'and in the browser');
    const commits = world.proxy.log.filter((e) => e.path.endsWith('/commit') && e.status === 200);
    assert.equal(commits.length, 0, 'the interrupted upload was never committed');
    // A later Sync now reads (the ally asked) but uploads nothing: no network is shared with.
    const before = world.proxy.log.length;
    await sendIntent(world.popup, { intent: 'sync_now' });
    await sleep(3000);
    const later = world.proxy.log.slice(before).filter((e) => e.path.startsWith('/v1/sync'));
    assert.deepEqual(later, [], 'no sync request after sharing stopped');
    assert.equal((await world.digest()).count, 0);
    t.diagnostic(`${world.proxy.log.filter((e) => e.path.startsWith('/v1/sync')).length} sync requests in all`);
  });
});
