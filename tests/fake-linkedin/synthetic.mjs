// Deterministic synthetic LinkedIn connections: the exact JavaScript twin of
// src/linkedin/synthetic.rs. Both are checked against the same golden file,
// tests/fixtures/linkedin/synthetic-seed7-n64.json, so the fake LinkedIn serves exactly the
// connections the Rust tests expect. Only 32-bit integer arithmetic (Math.imul, >>> 0) and
// fixed tables: change one side, change the other and regenerate the golden file.
//
// Connection i depends only on (seed, i); index 0 is the oldest. A list of n connections is
// indices n-1 down to 0, newest first, so "K new connections" are indices n..n+K-1.

export const BASE_CREATED_AT_MS = 1_600_000_000_000;
export const PHOTO_EXPIRES_AT_MS = 1_768_435_200_000;

const FIRST = [
  ['Ada', 'ada'], ['Grace', 'grace'], ['José', 'josé'], ['Zoë', 'zoë'], ['Łukasz', 'łukasz'],
  ['Chloé', 'chloé'], ['Mohammed', 'mohammed'], ['Priya', 'priya'], ['Wei', 'wei'],
  ['Søren', 'søren'], ['Amara', 'amara'], ['Björn', 'björn'], ['Inès', 'inès'], ['Kenji', 'kenji'],
  ['Olusegun', 'olusegun'], ['María', 'maría'],
];
const LAST = [
  ['Lovelace', 'lovelace'], ['Hopper', 'hopper'], ['García', 'garcía'], ['Ünal', 'ünal'],
  ['Nowak', 'nowak'], ['Dubois', 'dubois'], ['Okafor', 'okafor'], ['Sharma', 'sharma'],
  ['Zhang', 'zhang'], ['Kierkegaard', 'kierkegaard'], ["O'Neil", 'oneil'], ['Müller', 'müller'],
  ['Núñez', 'núñez'], ['Tanaka', 'tanaka'],
];
const TITLES = [
  'Chief Engineer', 'Founder & CEO', 'Partner', 'Head of Growth', 'Product Manager',
  'Investor, "angel"', 'Software Engineer', 'Directrice financière',
];
const COMPANIES = [
  'Analytical Engines', 'Acme, Inc.', 'Getro', 'Société Générale', 'Zürich Ventures', '北京科技', 'Initech',
];
const EMOJI = ['🚀', '🌍', '✨'];

function mix(x) {
  x = x >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x;
}

function rand(seed, index, k) {
  return mix((mix((mix((seed ^ 0x9e3779b9) >>> 0) ^ index) >>> 0) ^ ((k + 0x85ebca6b) >>> 0)) >>> 0);
}

const pick = (table, r) => table[r % table.length];
const hex = (n, width) => n.toString(16).toUpperCase().padStart(width, '0');

/** Connection `index` of the set generated from `seed` (same fields as the Rust struct). */
export function connection(seed, index) {
  const r = (k) => rand(seed, index, k);
  const [first, firstSlug] = pick(FIRST, r(0));
  const [last, lastSlug] = pick(LAST, r(1));
  const suffix = (index + 1).toString(16) + (r(2) & 0xfff).toString(16).padStart(3, '0');
  const publicIdentifier = r(3) % 53 === 0
    ? `${pick(EMOJI, r(4))}${firstSlug}-${suffix}`
    : `${firstSlug}-${lastSlug}-${suffix}`;
  const memberId = `ACoAA${hex(r(5), 8)}${hex(r(6), 8)}${hex(index, 6)}`;
  const headline = r(7) % 8 !== 0 ? `${pick(TITLES, r(8))} at ${pick(COMPANIES, r(9))}` : null;
  const createdAt = BASE_CREATED_AT_MS + index * 3_600_000 + (r(10) % 600_000);
  const p = r(11) % 10;
  const photo = p === 0 || p === 1 ? 'none' : p === 2 ? 'framed' : 'plain';
  return {
    index,
    member_id: memberId,
    public_identifier: publicIdentifier,
    first_name: first,
    last_name: last,
    headline,
    created_at: createdAt,
    photo,
  };
}

function vectorImage(c) {
  const segment = (w) =>
    `shrink_${w}_${w}/profile-displayphoto-shrink_${w}_${w}/0/1700000000000?e=1768435200&v=beta&t=syn${c.index}`;
  return {
    rootUrl: `https://media.licdn.com/dms/image/v2/SYN${c.member_id}/profile-displayphoto-`,
    artifacts: [100, 200, 400].map((w) => ({
      width: w, height: w, expiresAt: PHOTO_EXPIRES_AT_MS, fileIdentifyingUrlPathSegment: segment(w),
    })),
  };
}

/** The dash Connection and Profile entities of a connection. */
export function dashEntities(c) {
  const profileUrn = `urn:li:fsd_profile:${c.member_id}`;
  const conn = {
    $type: 'com.linkedin.voyager.dash.relationships.Connection',
    entityUrn: `urn:li:fsd_connection:${c.member_id}`,
    connectedMember: profileUrn,
    '*connectedMemberResolutionResult': profileUrn,
    createdAt: c.created_at,
  };
  const profile = {
    $type: 'com.linkedin.voyager.dash.identity.profile.Profile',
    entityUrn: profileUrn,
    publicIdentifier: c.public_identifier,
    firstName: c.first_name,
    lastName: c.last_name,
    memorialized: false,
  };
  if (c.headline !== null) profile.headline = c.headline;
  if (c.photo === 'plain') {
    profile.profilePicture = {
      displayImageReference: { vectorImage: vectorImage(c) },
      displayImageUrn: `urn:li:digitalmediaAsset:SYN${c.index}`,
    };
  } else if (c.photo === 'framed') {
    profile.profilePicture = {
      displayImageWithFrameReferenceUnion: { vectorImage: vectorImage(c) },
      frameType: 'OPEN_TO_WORK',
    };
  }
  return [conn, profile];
}

/** The legacy list element of a connection. */
export function legacyElement(c) {
  const mini = {
    firstName: c.first_name,
    lastName: c.last_name,
    publicIdentifier: c.public_identifier,
    entityUrn: `urn:li:fs_miniProfile:${c.member_id}`,
    objectUrn: `urn:li:member:${100000 + c.index}`,
    trackingId: 'c3ludGhldGlj',
  };
  if (c.headline !== null) mini.occupation = c.headline;
  if (c.photo !== 'none') mini.picture = { 'com.linkedin.common.VectorImage': vectorImage(c) };
  return { createdAt: c.created_at, entityUrn: `urn:li:fs_relConnection:${c.member_id}`, miniProfile: mini };
}

/** `count` connections from `seed`, newest first. */
export class Synthetic {
  constructor(seed, count) {
    this.seed = seed;
    this.count = count;
  }

  /** The connection at `position` of the newest-first list. */
  at(position) {
    return connection(this.seed, this.count - 1 - position);
  }

  window(start, count) {
    const end = Math.min(start + count, this.count);
    const out = [];
    for (let p = Math.min(start, end); p < end; p++) out.push(this.at(p));
    return out;
  }

  /** A dash page; `included` alternates Profiles-first / Connections-first, with an unknown type. */
  dashPage(start, count) {
    const items = this.window(start, count);
    const entities = items.map(dashEntities);
    const connections = entities.map(([c]) => c);
    const profiles = entities.map(([, p]) => p);
    const profilesFirst = Math.floor(start / Math.max(count, 1)) % 2 === 0;
    const [a, b] = profilesFirst ? [profiles, connections] : [connections, profiles];
    const included = [
      ...a,
      {
        $type: 'com.linkedin.voyager.dash.common.FutureThing',
        entityUrn: `urn:li:fsd_futureThing:${start}`,
        whatever: { nested: [1, 2, 3] },
      },
      ...b,
    ];
    return {
      data: {
        paging: { count, start, links: [] },
        '*elements': connections.map((c) => c.entityUrn),
        $type: 'com.linkedin.restli.common.CollectionResponse',
      },
      included,
      meta: { microSchema: { version: '2.1' } },
    };
  }

  /** A legacy page, with `paging.total`. */
  legacyPage(start, count) {
    return {
      paging: { start, count, total: this.count, links: [] },
      elements: this.window(start, count).map(legacyElement),
      metadata: { type: 'synthetic' },
    };
  }

  summary() {
    return {
      numConnections: this.count,
      $type: 'com.linkedin.voyager.relationships.shared.connection.ConnectionsSummary',
    };
  }

  /** A Connections.csv export, as LinkedIn writes it (same text as the Rust `csv()`). */
  csv() {
    const field = (s) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    let out = 'Notes:\n"When exporting your connection data, you may notice that some of the email addresses are missing. You will only see email addresses for connections who have allowed their connections to see or download their email address using this setting https://www.linkedin.com/psettings/privacy/email. You can learn more here https://www.linkedin.com/help/linkedin/answer/261"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n';
    for (let p = 0; p < this.count; p++) {
      const c = this.at(p);
      let position = '';
      let company = '';
      if (c.headline !== null) {
        const at = c.headline.indexOf(' at ');
        if (at >= 0) [position, company] = [c.headline.slice(0, at), c.headline.slice(at + 4)];
        else position = c.headline;
      }
      const url = `https://www.linkedin.com/in/${encodeSegment(c.public_identifier)}`;
      out += [c.first_name, c.last_name, url, '', company, position, csvDate(c.created_at)].map(field).join(',') + '\n';
    }
    return out;
  }
}

/** Percent-encodes all but RFC 3986 unreserved characters (as the Rust side does). */
export function encodeSegment(s) {
  return [...new TextEncoder().encode(s)]
    .map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) && b < 128
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/** `DD Mon YYYY` in UTC, as the export writes dates. */
export function csvDate(ms) {
  const d = new Date(ms);
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  return `${String(d.getUTCDate()).padStart(2, '0')} ${mon} ${d.getUTCFullYear()}`;
}
