-- A CSV bulk invite of Network Admins gives each invitation the permissions chosen on the upload
-- page (a template's, as Invite Member does), kept with the pending file until *Invite* and on
-- the report after it. NULL: an ally import (or one kept from before, which gave every
-- permission).
ALTER TABLE invitation_imports ADD COLUMN permissions INTEGER;
