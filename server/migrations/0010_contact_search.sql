-- The console's contacts search: a full-text index of the contacts' `search_text` (name,
-- headline, company), and an index for "most recently connected".
--
-- Why: a network of 600,000 contacts searched with `LIKE '%word%'` reads every row for a rare
-- word (hundreds of milliseconds); the full-text index proposes the few rows at once, and the
-- search's own rule (`db::network::Search`: words match at the start of a word, "ada" finds
-- "Ada Lovelace" and "Adams", not "Canada") checks each. Diacritics are kept, as the rule keeps
-- them, so the index proposes no more than it must.
--
-- `contacts` has no integer row id (WITHOUT ROWID), which FTS5 needs: `contact_search_ids`
-- gives each (person, key) one. Triggers keep both in step with `contacts` whatever writes it
-- (sync commits, stopping sharing, erasure, member removal, cascades from `people`). A deleted
-- row's words stay in the index's pages (marked deleted) until its segments are merged: where
-- contacts are erased, the code merges them all at once (`db::network::purge_deleted_words`).

CREATE TABLE contact_search_ids (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL,
    key        TEXT NOT NULL,
    UNIQUE (person_id, key)
);

-- Contentless: the text lives in `contacts`; the index holds only the words.
CREATE VIRTUAL TABLE contacts_fts USING fts5(
    search_text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);

INSERT INTO contact_search_ids (person_id, key) SELECT person_id, key FROM contacts;
INSERT INTO contacts_fts (rowid, search_text)
    SELECT s.id, c.search_text FROM contact_search_ids s
    JOIN contacts c ON c.person_id = s.person_id AND c.key = s.key;

CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_search_ids (person_id, key) VALUES (new.person_id, new.key);
    INSERT INTO contacts_fts (rowid, search_text) VALUES (last_insert_rowid(), new.search_text);
END;

CREATE TRIGGER contacts_search_update AFTER UPDATE OF search_text ON contacts
WHEN new.search_text IS NOT old.search_text BEGIN
    DELETE FROM contacts_fts WHERE rowid =
        (SELECT id FROM contact_search_ids WHERE person_id = old.person_id AND key = old.key);
    INSERT INTO contacts_fts (rowid, search_text)
        SELECT id, new.search_text FROM contact_search_ids
        WHERE person_id = new.person_id AND key = new.key;
END;

CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contacts_fts WHERE rowid =
        (SELECT id FROM contact_search_ids WHERE person_id = old.person_id AND key = old.key);
    DELETE FROM contact_search_ids WHERE person_id = old.person_id AND key = old.key;
END;

-- "Most recently connected": walked from the newest date down (no date last).
CREATE INDEX contacts_by_connected ON contacts (COALESCE(connected_on, ''), key);
