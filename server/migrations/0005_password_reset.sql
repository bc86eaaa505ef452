-- The console's *Forgot password?*: password reset requests, and the mail queue carrying their
-- emails as well as invitations'.

-- One request for a reset link. Like an invitation, its row holds no secret until its email
-- goes: the link's token is generated when the email is sent, and only its SHA-256 is kept in
-- `token_hash` (NULL until then). Before the email is sent, `expires_at` is when the request
-- lapses unsent; from then on, when the link stops working (an hour after it was sent). Used
-- once (`used_at`); a password change deletes the person's unused ones.
CREATE TABLE password_resets (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    token_hash  TEXT UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
-- The person's requests of the last hour, for the limit on reset emails.
CREATE INDEX password_resets_person ON password_resets(person_id, created_at);

-- The mail queue's rows now say what they are the email of: an invitation or a password reset
-- (exactly one). SQLite cannot make a column nullable in place, so the table is rebuilt, rows
-- and ids kept.
CREATE TABLE mail_queue_new (
    id                 INTEGER PRIMARY KEY,
    invitation_id      INTEGER REFERENCES invitations(id) ON DELETE CASCADE,
    password_reset_id  INTEGER REFERENCES password_resets(id) ON DELETE CASCADE,
    -- queued: waiting or being sent; sent; dropped: its invitation or reset was no longer
    -- pending (revoked, replaced, accepted, used, expired); failed: given up after repeated
    -- failures.
    state              TEXT NOT NULL DEFAULT 'queued'
                       CHECK (state IN ('queued', 'sent', 'dropped', 'failed')),
    created_at         INTEGER NOT NULL,
    next_attempt_at    INTEGER NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_attempt_at    INTEGER,
    last_error         TEXT,
    done_at            INTEGER,
    CHECK ((invitation_id IS NULL) <> (password_reset_id IS NULL))
);
INSERT INTO mail_queue_new
    (id, invitation_id, state, created_at, next_attempt_at, attempts, last_attempt_at,
     last_error, done_at)
SELECT id, invitation_id, state, created_at, next_attempt_at, attempts, last_attempt_at,
       last_error, done_at
FROM mail_queue;
DROP TABLE mail_queue;
ALTER TABLE mail_queue_new RENAME TO mail_queue;
CREATE INDEX mail_queue_due ON mail_queue(next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX mail_queue_attempts ON mail_queue(last_attempt_at);
CREATE INDEX mail_queue_invitation ON mail_queue(invitation_id);
CREATE INDEX mail_queue_password_reset ON mail_queue(password_reset_id);
