-- AllyShare reference backend: initial schema.
-- Timestamps are seconds since the Unix epoch (INTEGER). Secrets (invitation, access and refresh
-- tokens) are never stored: only the lowercase hex SHA-256 of each token is.

CREATE TABLE networks (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

-- `email` is kept as typed (for display and for sending mail); `email_norm` is the trimmed,
-- lowercased form used for every comparison, and it is what is unique.
CREATE TABLE people (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL,
    email_norm     TEXT NOT NULL UNIQUE,
    password_hash  TEXT,
    created_at     INTEGER NOT NULL
);

CREATE TABLE memberships (
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    network_id  INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('ally', 'network_admin')),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (person_id, network_id)
);
CREATE INDEX memberships_network ON memberships(network_id);

CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    network_id  INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    email_norm  TEXT NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('ally', 'network_admin')),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    revoked_at  INTEGER
);
CREATE INDEX invitations_pending ON invitations(network_id, email_norm)
    WHERE used_at IS NULL AND revoked_at IS NULL;

-- One row per signed-in session; it holds the current access and refresh token hashes.
CREATE TABLE sessions (
    id                  INTEGER PRIMARY KEY,
    person_id           INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    access_hash         TEXT NOT NULL UNIQUE,
    access_expires_at   INTEGER NOT NULL,
    refresh_hash        TEXT NOT NULL UNIQUE,
    refresh_expires_at  INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    revoked             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_person ON sessions(person_id);

-- Refresh tokens already exchanged. Seeing one again means it was copied: the whole session
-- is revoked (refresh token reuse detection).
CREATE TABLE used_refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    used_at     INTEGER NOT NULL
);
