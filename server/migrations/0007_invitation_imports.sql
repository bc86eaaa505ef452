-- Bulk invites from a CSV in the console. The uploaded file waits here between its preview and
-- *Invite*, so the browser does not send it twice (nor can change it in between): only the
-- admin who uploaded it, in its network, before it expires, can import it, once. Importing
-- clears the file and keeps the per-row report instead, for the result page (seen again after
-- the redirect, by the network's admins who may invite) and its CSV download.
CREATE TABLE invitation_imports (
    id           INTEGER PRIMARY KEY,
    network_id   INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    uploaded_by  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('ally', 'network_admin')),
    -- The file as uploaded, until it is imported (then NULL).
    csv          BLOB,
    -- The per-row report (protocol::InvitationImport as JSON), once imported.
    report       TEXT,
    created_at   INTEGER NOT NULL,
    -- Pending: *Invite* is refused after this. Imported: the report is deleted after this.
    expires_at   INTEGER NOT NULL,
    imported_at  INTEGER,
    CHECK (imported_at IS NOT NULL OR csv IS NOT NULL)
);
CREATE INDEX invitation_imports_network ON invitation_imports(network_id, uploaded_by, id);
