-- The search's own rows, and the network's view of its contacts, one row per contact.
--
-- **The search's rows.** `contact_search_ids` (one row per contact row, 0010) now carries what
-- the search reads of each row: the name it sorts by, the connection date and the words. Why:
-- read from `contacts` (wide rows: URLs, headline, company…), each candidate row is a random
-- lookup into a big table, 5–10 µs; the search's plans (`db::network`) now read only these
-- narrow rows and two covering indexes over them, in name order and newest first, and match the
-- words in SQL. `contacts` keeps no index for the search any more.
--
-- **The network's view.** `network_contacts`: per network and contact (key), how many of its
-- sharing allies know them, the first of their names, the newest connection date. Why: "most
-- allies" orders a network's contacts by a count over every ally who knows each one. Counted
-- when asked, that is one pass over the whole network (1.4 s at 600,000 contacts); kept here,
-- the first page is read from the top of an index.
--
-- Triggers keep both in step with `contacts` and `memberships` whatever writes them (sync
-- commits, stopping or resuming sharing, a member's removal, erasure, cascades), so no code
-- path can forget them. Visible means what the network's queries mean: the contact's ally is an
-- ally of the network (`role = 'ally'`) who shares with it (`sharing = 1`).

ALTER TABLE contact_search_ids ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_search_ids ADD COLUMN connected TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_search_ids ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE contact_search_ids SET (sort_name, connected, search_text) =
    (SELECT c.sort_name, COALESCE(c.connected_on, ''), c.search_text FROM contacts c
     WHERE c.person_id = contact_search_ids.person_id AND c.key = contact_search_ids.key);

-- The full-text index is written after the commit, not in it: a new row's id waits in
-- `contact_search_unindexed` until the server's indexer (`db::network::index_search_words`,
-- run after each sync commit) adds its words, in one pass. Why: the full-text insert was half
-- of what the search cost a sync's commit. The index only proposes rows (the search's rule is
-- matched on the narrow rows), and the plans read the waiting rows beside its proposals, so a
-- search never misses a contact, however far behind the indexer is. A deleted row leaves the
-- index (or the queue) at once, in its own statement.
CREATE TABLE contact_search_unindexed (
    id  INTEGER PRIMARY KEY
);

DROP TRIGGER contacts_search_insert;
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_search_ids (person_id, key, sort_name, connected, search_text)
        VALUES (new.person_id, new.key, new.sort_name, COALESCE(new.connected_on, ''),
                new.search_text);
    INSERT INTO contact_search_unindexed (id) VALUES (last_insert_rowid());
END;

DROP TRIGGER contacts_search_update;
CREATE TRIGGER contacts_search_update AFTER UPDATE OF search_text, sort_name, connected_on ON contacts
WHEN new.search_text IS NOT old.search_text OR new.sort_name IS NOT old.sort_name
  OR new.connected_on IS NOT old.connected_on BEGIN
    UPDATE contact_search_ids SET sort_name = new.sort_name,
        connected = COALESCE(new.connected_on, ''), search_text = new.search_text
        WHERE person_id = new.person_id AND key = new.key;
    -- An indexed row's words change in the index; a waiting one is indexed with its new words.
    DELETE FROM contacts_fts WHERE new.search_text IS NOT old.search_text AND rowid =
        (SELECT s.id FROM contact_search_ids s WHERE s.person_id = old.person_id AND s.key = old.key
           AND NOT EXISTS (SELECT 1 FROM contact_search_unindexed u WHERE u.id = s.id));
    INSERT INTO contacts_fts (rowid, search_text)
        SELECT s.id, new.search_text FROM contact_search_ids s
        WHERE new.search_text IS NOT old.search_text
          AND s.person_id = new.person_id AND s.key = new.key
          AND NOT EXISTS (SELECT 1 FROM contact_search_unindexed u WHERE u.id = s.id);
END;

DROP TRIGGER contacts_search_delete;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contacts_fts WHERE rowid =
        (SELECT s.id FROM contact_search_ids s WHERE s.person_id = old.person_id AND s.key = old.key
           AND NOT EXISTS (SELECT 1 FROM contact_search_unindexed u WHERE u.id = s.id));
    DELETE FROM contact_search_unindexed WHERE id =
        (SELECT id FROM contact_search_ids WHERE person_id = old.person_id AND key = old.key);
    DELETE FROM contact_search_ids WHERE person_id = old.person_id AND key = old.key;
END;

DROP INDEX contacts_by_name;
DROP INDEX contacts_by_connected;
CREATE INDEX contact_search_by_name
    ON contact_search_ids (sort_name, key, person_id, connected, search_text);
CREATE INDEX contact_search_by_connected
    ON contact_search_ids (connected, key, person_id, sort_name, search_text);

CREATE TABLE network_contacts (
    network_id  INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    allies      INTEGER NOT NULL,
    -- MIN(sort_name) and MAX(COALESCE(connected_on, '')) over the visible rows of the key.
    name        TEXT NOT NULL,
    connected   TEXT NOT NULL,
    PRIMARY KEY (network_id, key)
) WITHOUT ROWID;

CREATE INDEX network_contacts_by_allies ON network_contacts (network_id, allies DESC, name, key);

INSERT INTO network_contacts (network_id, key, allies, name, connected)
    SELECT m.network_id, c.key, COUNT(*), MIN(c.sort_name), MAX(COALESCE(c.connected_on, ''))
    FROM contacts c JOIN memberships m ON m.person_id = c.person_id
    WHERE m.role = 'ally' AND m.sharing = 1
    GROUP BY m.network_id, c.key;

-- A contact row arrives: one more ally knows the key in every network its ally shares with.
CREATE TRIGGER network_contacts_row_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO network_contacts (network_id, key, allies, name, connected)
        SELECT m.network_id, new.key, 1, new.sort_name, COALESCE(new.connected_on, '')
        FROM memberships m
        WHERE m.person_id = new.person_id AND m.role = 'ally' AND m.sharing = 1
    ON CONFLICT (network_id, key) DO UPDATE SET
        allies = allies + 1,
        name = MIN(name, excluded.name),
        connected = MAX(connected, excluded.connected);
END;

-- A contact row leaves: one ally fewer; the name and date read again from the rows left.
CREATE TRIGGER network_contacts_row_delete AFTER DELETE ON contacts BEGIN
    UPDATE network_contacts SET allies = allies - 1
        WHERE key = old.key AND network_id IN (SELECT network_id FROM memberships
            WHERE person_id = old.person_id AND role = 'ally' AND sharing = 1);
    DELETE FROM network_contacts
        WHERE key = old.key AND allies = 0 AND network_id IN (SELECT network_id FROM memberships
            WHERE person_id = old.person_id AND role = 'ally' AND sharing = 1);
    UPDATE network_contacts SET
        name = (SELECT MIN(c.sort_name) FROM contacts c JOIN memberships m ON m.person_id = c.person_id
            WHERE c.key = network_contacts.key AND m.network_id = network_contacts.network_id
              AND m.role = 'ally' AND m.sharing = 1),
        connected = (SELECT MAX(COALESCE(c.connected_on, '')) FROM contacts c
            JOIN memberships m ON m.person_id = c.person_id
            WHERE c.key = network_contacts.key AND m.network_id = network_contacts.network_id
              AND m.role = 'ally' AND m.sharing = 1)
        WHERE key = old.key
          AND (name = old.sort_name OR connected = COALESCE(old.connected_on, ''))
          AND network_id IN (SELECT network_id FROM memberships
            WHERE person_id = old.person_id AND role = 'ally' AND sharing = 1);
END;

-- A contact's name or date changes: read both again.
CREATE TRIGGER network_contacts_row_update AFTER UPDATE OF sort_name, connected_on ON contacts
WHEN new.sort_name IS NOT old.sort_name OR new.connected_on IS NOT old.connected_on BEGIN
    UPDATE network_contacts SET
        name = (SELECT MIN(c.sort_name) FROM contacts c JOIN memberships m ON m.person_id = c.person_id
            WHERE c.key = network_contacts.key AND m.network_id = network_contacts.network_id
              AND m.role = 'ally' AND m.sharing = 1),
        connected = (SELECT MAX(COALESCE(c.connected_on, '')) FROM contacts c
            JOIN memberships m ON m.person_id = c.person_id
            WHERE c.key = network_contacts.key AND m.network_id = network_contacts.network_id
              AND m.role = 'ally' AND m.sharing = 1)
        WHERE key = new.key AND network_id IN (SELECT network_id FROM memberships
            WHERE person_id = new.person_id AND role = 'ally' AND sharing = 1);
END;

-- An ally starts sharing with a network (or joins it sharing): their contacts join its view.
CREATE TRIGGER network_contacts_ally_in AFTER INSERT ON memberships
WHEN new.role = 'ally' AND new.sharing = 1 BEGIN
    INSERT INTO network_contacts (network_id, key, allies, name, connected)
        SELECT new.network_id, c.key, 1, c.sort_name, COALESCE(c.connected_on, '')
        FROM contacts c WHERE c.person_id = new.person_id
    ON CONFLICT (network_id, key) DO UPDATE SET
        allies = allies + 1,
        name = MIN(name, excluded.name),
        connected = MAX(connected, excluded.connected);
END;

CREATE TRIGGER network_contacts_ally_on AFTER UPDATE OF role, sharing ON memberships
WHEN new.role = 'ally' AND new.sharing = 1 AND NOT (old.role = 'ally' AND old.sharing = 1) BEGIN
    INSERT INTO network_contacts (network_id, key, allies, name, connected)
        SELECT new.network_id, c.key, 1, c.sort_name, COALESCE(c.connected_on, '')
        FROM contacts c WHERE c.person_id = new.person_id
    ON CONFLICT (network_id, key) DO UPDATE SET
        allies = allies + 1,
        name = MIN(name, excluded.name),
        connected = MAX(connected, excluded.connected);
END;

-- An ally stops sharing with a network, or leaves it: their contacts leave its view.
CREATE TRIGGER network_contacts_ally_off AFTER UPDATE OF role, sharing ON memberships
WHEN old.role = 'ally' AND old.sharing = 1 AND NOT (new.role = 'ally' AND new.sharing = 1) BEGIN
    UPDATE network_contacts SET allies = allies - 1
        WHERE network_id = old.network_id
          AND key IN (SELECT key FROM contacts WHERE person_id = old.person_id);
    DELETE FROM network_contacts WHERE network_id = old.network_id AND allies = 0;
    UPDATE network_contacts SET
        name = (SELECT MIN(c.sort_name) FROM contacts c JOIN memberships m ON m.person_id = c.person_id
            WHERE c.key = network_contacts.key AND m.network_id = network_contacts.network_id
              AND m.role = 'ally' AND m.sharing = 1),
        connected = (SELECT MAX(COALESCE(c.connected_on, '')) FROM contacts c
            JOIN memberships m ON m.person_id = c.person_id
            WHERE c.key = network_contacts.key AND m.network_id = network_contacts.network_id
              AND m.role = 'ally' AND m.sharing = 1)
        WHERE network_id = old.network_id
          AND key IN (SELECT key FROM contacts WHERE person_id = old.person_id);
END;

CREATE TRIGGER network_contacts_ally_out AFTER DELETE ON memberships
WHEN old.role = 'ally' AND old.sharing = 1 BEGIN
    UPDATE network_contacts SET allies = allies - 1
        WHERE network_id = old.network_id
          AND key IN (SELECT key FROM contacts WHERE person_id = old.person_id);
    DELETE FROM network_contacts WHERE network_id = old.network_id AND allies = 0;
    UPDATE network_contacts SET
        name = (SELECT MIN(c.sort_name) FROM contacts c JOIN memberships m ON m.person_id = c.person_id
            WHERE c.key = network_contacts.key AND m.network_id = network_contacts.network_id
              AND m.role = 'ally' AND m.sharing = 1),
        connected = (SELECT MAX(COALESCE(c.connected_on, '')) FROM contacts c
            JOIN memberships m ON m.person_id = c.person_id
            WHERE c.key = network_contacts.key AND m.network_id = network_contacts.network_id
              AND m.role = 'ally' AND m.sharing = 1)
        WHERE network_id = old.network_id
          AND key IN (SELECT key FROM contacts WHERE person_id = old.person_id);
END;
