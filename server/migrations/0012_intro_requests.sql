-- Introduction requests between a network's professionals and its companies (seed 001): the
-- companies, their Company Admins and the invitations to become one, the professionals, the
-- requests with every state change, the emails about them, and the "companies not ready"
-- digest. Every table carries its network's id, and every query is scoped by it.
--
-- `memberships.role` allows only 'ally' and 'network_admin' (SQLite cannot change a CHECK in
-- place), and a Company Admin belongs to a company rather than to the network: so Company
-- Admins and professionals have tables of their own, keyed by person and company or network.

-- "Network Admins review all introduction requests before they are sent" (gatekeeper mode).
ALTER TABLE networks ADD COLUMN gatekeeper INTEGER NOT NULL DEFAULT 0 CHECK (gatekeeper IN (0, 1));

CREATE TABLE companies (
    id           INTEGER PRIMARY KEY,
    network_id   INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    -- Trimmed and lowercased: one company of a name per network.
    name_norm    TEXT NOT NULL,
    website      TEXT,
    description  TEXT,
    created_at   INTEGER NOT NULL,
    UNIQUE (network_id, name_norm),
    -- The target of the (network, company) foreign keys below: a row of another table can
    -- only name a company of its own network.
    UNIQUE (network_id, id)
);

CREATE TABLE company_admins (
    network_id  INTEGER NOT NULL,
    company_id  INTEGER NOT NULL,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (company_id, person_id),
    FOREIGN KEY (network_id, company_id) REFERENCES companies(network_id, id) ON DELETE CASCADE
);
CREATE INDEX company_admins_person ON company_admins(person_id);

-- An invitation to become a company's Company Admin (*Add point of contact and suggest
-- intro*, or a Company Admin inviting a colleague). Like a member's invitation, the link's
-- token is made when its email is sent; only its SHA-256 is stored.
CREATE TABLE company_admin_invitations (
    id          INTEGER PRIMARY KEY,
    network_id  INTEGER NOT NULL,
    company_id  INTEGER NOT NULL,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    email_norm  TEXT NOT NULL,
    invited_by  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    FOREIGN KEY (network_id, company_id) REFERENCES companies(network_id, id) ON DELETE CASCADE
);
CREATE INDEX company_admin_invitations_company ON company_admin_invitations(network_id, company_id);

-- A professional of a network: their profile, and whether they confirmed their email (no
-- request before that). The confirmation link's token is made when its email is sent.
CREATE TABLE professionals (
    id            INTEGER PRIMARY KEY,
    network_id    INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    person_id     INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    headline      TEXT NOT NULL,
    linkedin_url  TEXT NOT NULL,
    cv_url        TEXT,
    confirm_hash  TEXT UNIQUE,
    confirmed_at  INTEGER,
    created_at    INTEGER NOT NULL,
    UNIQUE (network_id, person_id),
    UNIQUE (network_id, id)
);

-- An introduction request between a professional and a company, either way. `state` is one
-- of crate::intro_requests::State; the allowed changes are that module's table.
CREATE TABLE intro_requests (
    id               INTEGER PRIMARY KEY,
    network_id       INTEGER NOT NULL,
    company_id       INTEGER NOT NULL,
    professional_id  INTEGER NOT NULL,
    direction        TEXT NOT NULL CHECK (direction IN ('to_company', 'to_professional')),
    message          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('out_of_network', 'in_review', 'delivered',
                         'accepted', 'declined_by_network', 'declined')),
    reason           TEXT,
    created_by       INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    FOREIGN KEY (network_id, company_id) REFERENCES companies(network_id, id) ON DELETE CASCADE,
    FOREIGN KEY (network_id, professional_id) REFERENCES professionals(network_id, id) ON DELETE CASCADE
);
-- One open request per pair.
CREATE UNIQUE INDEX intro_requests_open_pair ON intro_requests(company_id, professional_id)
    WHERE state IN ('out_of_network', 'in_review', 'delivered');
CREATE INDEX intro_requests_network_state ON intro_requests(network_id, state, company_id);
CREATE INDEX intro_requests_professional ON intro_requests(professional_id);

-- Every state change of a request: from, to, who (a snapshot of the name), when, and the
-- reason of a decline.
CREATE TABLE intro_request_events (
    id          INTEGER PRIMARY KEY,
    network_id  INTEGER NOT NULL,
    request_id  INTEGER NOT NULL REFERENCES intro_requests(id) ON DELETE CASCADE,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    actor_id    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    actor_name  TEXT NOT NULL,
    reason      TEXT,
    at          INTEGER NOT NULL
);
CREATE INDEX intro_request_events_request ON intro_request_events(request_id, id);

-- A notice about introduction requests (a request delivered, the introduction, a decline, the
-- digest), built when it is queued: it holds no secret. Recipients are JSON arrays of
-- [name, email].
CREATE TABLE intro_notices (
    id          INTEGER PRIMARY KEY,
    network_id  INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    to_list     TEXT NOT NULL,
    cc_list     TEXT NOT NULL DEFAULT '[]',
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- The "companies not ready" digest: one a day per network at most (the UTC day number).
CREATE TABLE intro_digests (
    network_id  INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    day         INTEGER NOT NULL,
    sent_at     INTEGER NOT NULL,
    companies   INTEGER NOT NULL,
    PRIMARY KEY (network_id, day)
);

-- The mail queue's rows can now also be the email of a Company Admin invitation, of a
-- professional's email confirmation, or a notice. Exactly one of the six columns is set.
-- SQLite cannot change a CHECK in place, so the table is rebuilt, rows and ids kept.
CREATE TABLE mail_queue_new (
    id                          INTEGER PRIMARY KEY,
    invitation_id               INTEGER REFERENCES invitations(id) ON DELETE CASCADE,
    password_reset_id           INTEGER REFERENCES password_resets(id) ON DELETE CASCADE,
    asks_ally_id                INTEGER REFERENCES people(id) ON DELETE CASCADE,
    company_admin_invitation_id INTEGER REFERENCES company_admin_invitations(id) ON DELETE CASCADE,
    professional_id             INTEGER REFERENCES professionals(id) ON DELETE CASCADE,
    intro_notice_id             INTEGER REFERENCES intro_notices(id) ON DELETE CASCADE,
    state              TEXT NOT NULL DEFAULT 'queued'
                       CHECK (state IN ('queued', 'sent', 'dropped', 'failed')),
    created_at         INTEGER NOT NULL,
    next_attempt_at    INTEGER NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_attempt_at    INTEGER,
    last_error         TEXT,
    done_at            INTEGER,
    CHECK ((invitation_id IS NOT NULL) + (password_reset_id IS NOT NULL)
           + (asks_ally_id IS NOT NULL) + (company_admin_invitation_id IS NOT NULL)
           + (professional_id IS NOT NULL) + (intro_notice_id IS NOT NULL) = 1)
);
INSERT INTO mail_queue_new
    (id, invitation_id, password_reset_id, asks_ally_id, state, created_at, next_attempt_at,
     attempts, last_attempt_at, last_error, done_at)
SELECT id, invitation_id, password_reset_id, asks_ally_id, state, created_at, next_attempt_at,
       attempts, last_attempt_at, last_error, done_at
FROM mail_queue;
DROP TABLE mail_queue;
ALTER TABLE mail_queue_new RENAME TO mail_queue;
CREATE INDEX mail_queue_due ON mail_queue(next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX mail_queue_attempts ON mail_queue(last_attempt_at);
CREATE INDEX mail_queue_invitation ON mail_queue(invitation_id);
CREATE INDEX mail_queue_password_reset ON mail_queue(password_reset_id);
CREATE INDEX mail_queue_asks_ally ON mail_queue(asks_ally_id, state);
CREATE INDEX mail_queue_company_admin_invitation ON mail_queue(company_admin_invitation_id);
CREATE INDEX mail_queue_professional ON mail_queue(professional_id);
CREATE INDEX mail_queue_intro_notice ON mail_queue(intro_notice_id);
