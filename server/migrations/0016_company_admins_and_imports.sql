-- The gaps of introduction requests (seed 001), closed.
--
-- A Network Admin can *Revoke* a pending invitation to become a Company Admin: the link stops
-- working at once and its email, if still queued, is not sent. (*Resend* queues the same
-- invitation's email again: a fresh link is made when it is sent, and the old one stops.)
ALTER TABLE company_admin_invitations ADD COLUMN revoked_at INTEGER;
CREATE INDEX company_admin_invitations_email ON company_admin_invitations(network_id, email_norm);

-- A companies CSV goes through the invitations' import machinery: the uploaded file kept
-- between its preview and *Add companies*, then the per-row report for the result page and its
-- download. `kind` tells the two apart, and every statement on the table names it. A companies
-- import has no role: its `role` holds 'ally' (the column is NOT NULL since 0007, and
-- rebuilding the table would drop what later migrations add to it) and is never read.
ALTER TABLE invitation_imports ADD COLUMN kind TEXT NOT NULL DEFAULT 'invitations'
    CHECK (kind IN ('invitations', 'companies'));
