-- What each Network Admin may do (seed 002), and the network's audit log.

-- A set of protocol::Permission bits (each permission's bit is fixed for ever). Allies hold
-- none. Every admin so far could do everything: they keep every permission.
ALTER TABLE memberships ADD COLUMN permissions INTEGER NOT NULL DEFAULT 0;
UPDATE memberships SET permissions = 511 WHERE role = 'network_admin';

-- The permissions a Network Admin's invitation gives when accepted (NULL: every permission,
-- as the CLI and older invitations give).
ALTER TABLE invitations ADD COLUMN permissions INTEGER;

-- Who did what, and when: invites, resends, revokes, role and permission changes, removals,
-- exports. Names are snapshots, so the log still reads well after a person is gone.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    network_id  INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    actor_id    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    detail      TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX audit_log_network ON audit_log(network_id, id);
