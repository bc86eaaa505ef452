-- Sharing, contact sync, the network's view, introduction asks, and the extension hand-off.

-- Whether an ally shares their contacts with this network. Off until they turn it on, so that
-- joining a second network never shows it contacts the ally has not chosen to share.
ALTER TABLE memberships ADD COLUMN sharing INTEGER NOT NULL DEFAULT 0;

-- An ally's contacts, once (not per network): a network sees the contacts of its allies whose
-- `sharing` is on. `key` is `member:<id>` or `url:<public identifier>` (protocol::contact_key);
-- `content_hash` is protocol::content_hash as a signed 64-bit integer; `sort_name` and
-- `search_text` are lowercased for ordering and searching.
CREATE TABLE contacts (
    person_id          INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    key                TEXT NOT NULL,
    member_id          TEXT,
    public_identifier  TEXT,
    profile_url        TEXT NOT NULL,
    first_name         TEXT,
    last_name          TEXT,
    headline           TEXT,
    company            TEXT,
    position           TEXT,
    connected_on       TEXT,
    photo_url          TEXT,
    content_hash       INTEGER NOT NULL,
    sort_name          TEXT NOT NULL,
    search_text        TEXT NOT NULL,
    updated_at         INTEGER NOT NULL,
    PRIMARY KEY (person_id, key)
) WITHOUT ROWID;
CREATE INDEX contacts_by_key ON contacts(key);
CREATE INDEX contacts_by_name ON contacts(sort_name, key);

-- A sync session collects batches into `sync_staged`; only its commit touches `contacts`.
CREATE TABLE sync_sessions (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('delta', 'full')),
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'committed', 'aborted')),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    closed_at   INTEGER,
    -- The CommitResult JSON, so a repeated commit gets the same answer.
    result      TEXT
);
CREATE INDEX sync_sessions_person ON sync_sessions(person_id, state);

-- One row per received batch: its body's SHA-256 decides whether a repeat is the same batch.
CREATE TABLE sync_batches (
    session_id   INTEGER NOT NULL REFERENCES sync_sessions(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    body_hash    TEXT NOT NULL,
    items        INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;

-- The contacts of a session's batches, one row per key (a later batch wins over an earlier).
CREATE TABLE sync_staged (
    session_id         INTEGER NOT NULL REFERENCES sync_sessions(id) ON DELETE CASCADE,
    key                TEXT NOT NULL,
    seq                INTEGER NOT NULL,
    member_id          TEXT,
    public_identifier  TEXT,
    profile_url        TEXT NOT NULL,
    first_name         TEXT,
    last_name          TEXT,
    headline           TEXT,
    company            TEXT,
    position           TEXT,
    connected_on       TEXT,
    photo_url          TEXT,
    content_hash       INTEGER NOT NULL,
    sort_name          TEXT NOT NULL,
    search_text        TEXT NOT NULL,
    PRIMARY KEY (session_id, key)
) WITHOUT ROWID;

-- A network admin asks an ally to introduce one of their contacts (a snapshot is kept, so the
-- ask still reads well if the contact later disappears).
CREATE TABLE intro_asks (
    id                   INTEGER PRIMARY KEY,
    network_id           INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    ally_id              INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    admin_id             INTEGER REFERENCES people(id) ON DELETE SET NULL,
    contact_key          TEXT NOT NULL,
    contact_name         TEXT NOT NULL,
    contact_headline     TEXT,
    contact_profile_url  TEXT NOT NULL,
    note                 TEXT NOT NULL,
    state                TEXT NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'made', 'declined', 'withdrawn')),
    reason               TEXT,
    created_at           INTEGER NOT NULL,
    answered_at          INTEGER
);
CREATE INDEX intro_asks_ally ON intro_asks(ally_id, id);
CREATE INDEX intro_asks_network ON intro_asks(network_id, id);

-- Hand-off: accepting an invitation grants the browser (cookie) the right to mint one-time
-- codes for the extension, until a code is exchanged or the grant expires.
CREATE TABLE handoff_grants (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    consumed_at  INTEGER
);
CREATE TABLE handoff_codes (
    code_hash   TEXT PRIMARY KEY,
    grant_id    INTEGER NOT NULL REFERENCES handoff_grants(id) ON DELETE CASCADE,
    challenge   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
