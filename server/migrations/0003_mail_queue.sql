-- The mail queue: every email goes out through it, at most `--mail-per-minute` (the attempts of
-- the last 60 seconds are counted from `last_attempt_at`), so the server is no relay however
-- many invitations are created. A row holds no message and no address: the email is built
-- from its invitation when it is sent, with a fresh link token (only its hash is stored, in
-- `invitations.token_hash`), so nothing secret waits in the queue and deleting an invitation
-- deletes its mail.
CREATE TABLE mail_queue (
    id               INTEGER PRIMARY KEY,
    invitation_id    INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    -- queued: waiting or being sent; sent; dropped: the invitation was no longer pending
    -- (revoked, replaced, accepted, expired); failed: given up after repeated failures.
    state            TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sent', 'dropped', 'failed')),
    created_at       INTEGER NOT NULL,
    -- Not before this time: a claim pushes it out by a lease (a sender that died mid-send is
    -- retried after it), a failure by a backoff.
    next_attempt_at  INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_attempt_at  INTEGER,
    last_error       TEXT,
    done_at          INTEGER
);
CREATE INDEX mail_queue_due ON mail_queue(next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX mail_queue_attempts ON mail_queue(last_attempt_at);
CREATE INDEX mail_queue_invitation ON mail_queue(invitation_id);
-- Invitations per address and network, for the daily limit.
CREATE INDEX invitations_by_address ON invitations(network_id, email_norm, created_at);
