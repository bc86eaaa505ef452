-- The new-ask email to the ally: a per-person preference, which asks an email has told the
-- ally about, and mail queue rows that are "the email of this ally's new asks".

-- The ally's choice (the extension's options page): an email when a network asks them for an
-- introduction. On unless turned off.
ALTER TABLE people ADD COLUMN ask_emails INTEGER NOT NULL DEFAULT 1 CHECK (ask_emails IN (0, 1));

-- When an email told the ally about this ask (NULL: not yet). An ask is in one email at most.
ALTER TABLE intro_asks ADD COLUMN emailed_at INTEGER;
CREATE INDEX intro_asks_unemailed ON intro_asks(ally_id) WHERE state = 'pending' AND emailed_at IS NULL;

-- The mail queue's rows can now also be the email of an ally's new asks (`asks_ally_id`): one
-- queued row per ally at most, built when it is sent from the ally's pending asks no email has
-- told them about yet (so later asks join it, and an ask answered before it goes is left out;
-- with none left, the row is dropped). Exactly one of the three columns is set. SQLite cannot
-- change a CHECK in place, so the table is rebuilt, rows and ids kept.
CREATE TABLE mail_queue_new (
    id                 INTEGER PRIMARY KEY,
    invitation_id      INTEGER REFERENCES invitations(id) ON DELETE CASCADE,
    password_reset_id  INTEGER REFERENCES password_resets(id) ON DELETE CASCADE,
    asks_ally_id       INTEGER REFERENCES people(id) ON DELETE CASCADE,
    -- queued: waiting or being sent; sent; dropped: its invitation or reset was no longer
    -- pending (revoked, replaced, accepted, used, expired), or the ally had no unanswered ask
    -- left to tell about (or turned ask emails off); failed: given up after repeated failures.
    state              TEXT NOT NULL DEFAULT 'queued'
                       CHECK (state IN ('queued', 'sent', 'dropped', 'failed')),
    created_at         INTEGER NOT NULL,
    next_attempt_at    INTEGER NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_attempt_at    INTEGER,
    last_error         TEXT,
    done_at            INTEGER,
    CHECK ((invitation_id IS NOT NULL) + (password_reset_id IS NOT NULL)
           + (asks_ally_id IS NOT NULL) = 1)
);
INSERT INTO mail_queue_new
    (id, invitation_id, password_reset_id, state, created_at, next_attempt_at, attempts,
     last_attempt_at, last_error, done_at)
SELECT id, invitation_id, password_reset_id, state, created_at, next_attempt_at, attempts,
       last_attempt_at, last_error, done_at
FROM mail_queue;
DROP TABLE mail_queue;
ALTER TABLE mail_queue_new RENAME TO mail_queue;
CREATE INDEX mail_queue_due ON mail_queue(next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX mail_queue_attempts ON mail_queue(last_attempt_at);
CREATE INDEX mail_queue_invitation ON mail_queue(invitation_id);
CREATE INDEX mail_queue_password_reset ON mail_queue(password_reset_id);
CREATE INDEX mail_queue_asks_ally ON mail_queue(asks_ally_id, state);
