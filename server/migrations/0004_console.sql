-- The Network Admin's web console: the personal note of an invitation.

-- An optional personal note from the admin, shown (as text) in the invitation email.
ALTER TABLE invitations ADD COLUMN note TEXT;
