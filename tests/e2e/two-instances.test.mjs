// Two server instances on one PostgreSQL database behind a round-robin hop (`round-robin.mjs`),
// end to end: what running the reference server on more than one machine must survive. The
// extension syncs through the hop, so its requests land on both instances in turn; one instance
// is killed mid-sync, and the sync still ends with every contact on the server exactly once.
// Then the sign-in throttle: attempts spread over both instances must be counted once, or a
// guesser gets the limit once per instance.
//
// Needs ALLYSHARE_TEST_POSTGRES_URL: run under tools/pg-test.sh (`./build.sh test` does).
import {
  test, before, after, startSyncScenario, eventually, acceptInvitation, apiSession,
} from './harness.mjs';
import assert from 'node:assert/strict';

const N = 2000;
/** Published by the server (`--sync-max-batch-items`): 40 batches, so there is time to kill. */
const BATCH = 50;
/** Batches stored before the kill. */
const KILL_AFTER_BATCHES = 6;
/**
 * The hop's latency before each request: the upload (one request at a time) then takes at
 * least 40 × 100 ms whatever the machine, so the kill comes mid-upload however fast it is.
 */
const HOP_LATENCY_MS = 100;
/** Wrong passwords allowed for one account from one address (`SignInLimits::default`). */
const SIGN_IN_LIMIT = 10;
const isBatch = (entry) => entry.method === 'PUT' && /\/batches\/\d+$/.test(entry.path);

let world;
let cluster;

before(async () => {
  world = await startSyncScenario({
    connections: N,
    serverArgs: ['--sync-max-batch-items', String(BATCH)],
    cluster: { instances: 2, latencyMs: HOP_LATENCY_MS },
  });
  cluster = world.server;
});

after(async () => {
  await world?.stop();
});

/** FNV-1a 64 of `bytes`, as a BigInt. */
function fnv64(bytes) {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

/**
 * The digest the server must report for the extension's own ledger, computed here from the
 * ledger as stored (`ContactDigest` in protocol/src/contacts.rs: the wrapping sum over the
 * contacts of FNV-1a 64 of the key, a 0x00 byte and the content hash in 16 hex digits).
 */
async function ledgerDigest() {
  // The content hashes are u64: read from the stored JSON's source text, not as numbers (the
  // ledger also keeps local fingerprints under the same keys: only `entries` counts).
  const entries = await world.browser.ext(async () => {
    const { ledger } = await chrome.storage.local.get('ledger');
    const seen = [];
    const parsed = JSON.parse(ledger, function keep(key, value, context) {
      if (typeof value === 'number') seen.push([this, key, context?.source]);
      return value;
    });
    return seen.filter(([holder]) => holder === parsed.entries).map(([, key, source]) => [key, source]);
  });
  const keys = new Set();
  let hash = 0n;
  for (const [key, source] of entries) {
    assert.ok(source, 'the browser gives the source text of JSON numbers');
    keys.add(key);
    const term = fnv64(Buffer.concat([
      Buffer.from(key, 'utf8'), Buffer.from([0]), Buffer.from(BigInt(source).toString(16).padStart(16, '0')),
    ]));
    hash = (hash + term) & 0xffffffffffffffffn;
  }
  return { count: keys.size, hash: hash.toString(16).padStart(16, '0') };
}

test(`${N} contacts sync through the hop to two instances; one is killed mid-sync; exactly ${N} land`, { timeout: 300_000 }, async (t) => {
  const [killed, survivor] = cluster.instances;
  const storedBatches = async () => Number((await cluster.sql('SELECT count(*) FROM sync_batches'))[0][0]);
  const committed = async () => Number((await cluster.sql("SELECT count(*) FROM sync_sessions WHERE state = 'committed'"))[0][0]);

  const reply = await world.share(true);
  assert.equal(reply.problem, null);
  await eventually(async () => (await storedBatches()) >= KILL_AFTER_BATCHES, {
    what: `the server to hold ${KILL_AFTER_BATCHES} batches`, timeoutMs: 90_000,
    context: async () => ({ sync: (await world.state()).sync, hop: cluster.hop.log.slice(-3) }),
  });
  // Both instances served part of the sync before the kill.
  const beforeKill = cluster.hop.log.filter((e) => isBatch(e) && e.status === 200);
  const servedBy = [0, 1].map((i) => beforeKill.filter((e) => e.upstream === i).length);
  assert.ok(servedBy.every((n) => n > 0), `both instances stored batches before the kill: ${servedBy}`);
  const logAtKill = cluster.hop.log.length;
  await killed.kill();
  const atKill = { batches: await storedBatches(), committed: await committed() };
  assert.equal(atKill.committed, 0, 'the instance was killed before the upload was committed');
  assert.ok(atKill.batches < N / BATCH, `the instance was killed mid-upload (${atKill.batches} of ${N / BATCH} batches stored)`);

  await eventually(async () => {
    const s = await world.state();
    return s.sync.phase.phase === 'idle' && s.sync.shared === N;
  }, {
    what: `the extension to share ${N}`, timeoutMs: 150_000,
    context: async () => ({ sync: (await world.state()).sync, hop: cluster.hop.log.slice(-3), upstreams: cluster.hop.upstreams }),
  });

  // The hop took the dead instance out (its connections refused) and the survivor carried on.
  const afterKill = cluster.hop.log.slice(logAtKill);
  assert.ok(cluster.hop.upstreams[0].refused > 0, 'the hop found the killed instance refusing');
  assert.ok(afterKill.some((e) => e.upstream === 1 && e.path.endsWith('/commit') && e.status === 200), 'the survivor committed');

  // Exactly N on the server, asked of the surviving instance through the API; the server's
  // digest is the extension's ledger's.
  const ally = await apiSession(survivor.url, 'grace@example.org', 'correct-horse-battery');
  const digest = (await ally.get('/v1/contacts/digest')).json;
  assert.equal(digest.count, N, 'exactly N on the server: none lost, none twice');
  assert.deepEqual(digest, await ledgerDigest(), "the server's digest is the extension's ledger's");
  assert.equal(await world.ledgerSize(), N);
  const [[rows, keys]] = await cluster.sql('SELECT count(*), count(DISTINCT key) FROM contacts');
  assert.deepEqual([Number(rows), Number(keys)], [N, N], 'no contact stored twice');
  const job = await world.browser.ext(async () => JSON.parse((await chrome.storage.local.get('job')).job));
  assert.equal(job.needs_full, false, "the commit's digest matched the extension's");

  const batchTimes = cluster.hop.log.filter((e) => isBatch(e)).map((e) => e.at);
  t.diagnostic(`upload: ${batchTimes.length} batch requests in ${batchTimes.at(-1) - batchTimes[0]} ms`);
  const counts = cluster.hop.upstreams.map((u, i) => `instance ${i}: ${u.served} answered, ${u.failed} failed, ${u.refused} refused`);
  t.diagnostic(`killed after ${atKill.batches} of ${N / BATCH} batches; ${counts.join('; ')}; 502s ${cluster.hop.log.filter((e) => e.status === 502).length}`);
});

test('wrong passwords spread over both instances are counted once, not once per instance', async () => {
  // The instance killed above comes back on the same port and database.
  for (const instance of cluster.instances) if (!instance.alive()) await instance.restart();
  const who = { network: 'Sales Network', email: 'ada@example.org', name: 'Ada Lovelace' };
  await acceptInvitation(await cluster.invite(who), 'analytical-engine-1843');
  const signIn = async (instance, password) => {
    const res = await fetch(`${instance.url}/v1/sessions`, {
      method: 'POST',
      signal: AbortSignal.timeout(30_000),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: who.email, password }),
    });
    await res.arrayBuffer();
    return res.status;
  };
  // Alternating: instance 0, 1, 0, 1, … from the same address.
  const statuses = [];
  for (let n = 0; n < SIGN_IN_LIMIT + 2; n += 1) {
    statuses.push(await signIn(cluster.instances[n % 2], 'not-the-password'));
  }
  assert.deepEqual(statuses.slice(0, SIGN_IN_LIMIT), Array(SIGN_IN_LIMIT).fill(401), `the first ${SIGN_IN_LIMIT} are answered: ${statuses}`);
  assert.deepEqual(
    statuses.slice(SIGN_IN_LIMIT), [429, 429],
    `attempt ${SIGN_IN_LIMIT + 1} on either instance is refused: the limit is counted across both (${statuses})`,
  );
  // Refused on both, even with the right password (the guard is spent before it is checked).
  for (const instance of cluster.instances) {
    assert.equal(await signIn(instance, 'analytical-engine-1843'), 429);
  }
});
