-- The Network Admin's web console: its cookie sessions, and the personal note of an invitation.

-- A console session (the `allyshare_console` cookie), apart from the extension's bearer
-- sessions. Only the SHA-256 of the cookie's token is stored. It ends after `CONSOLE_IDLE_SECS`
-- without a request (`last_seen_at`), at `expires_at` whatever happens, on sign-out (the row is
-- deleted), and with every other session of the person when their password changes.
CREATE TABLE console_sessions (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX console_sessions_person ON console_sessions(person_id);

-- An optional personal note from the admin, shown (as text) in the invitation email.
ALTER TABLE invitations ADD COLUMN note TEXT;
