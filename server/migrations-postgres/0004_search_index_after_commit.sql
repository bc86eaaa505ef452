-- The contacts search's rows and indexes, written after a sync's commit instead of inside it,
-- as SQLite's are (its migrations 0011 and 0014). The trigram index's GIN entries, about
-- seventy per contact (every three letters of the name and headline), were the largest part
-- of a commit: for 30,000 new contacts, 0.7–1.0 s of a 1.5–2.0 s insert (psql, same machine).
--
-- * `contact_search_indexed`: the search's narrow copy of each contact row (as SQLite's
--   `contact_search_ids`): its ally, key, sort name, connection date (never null) and words,
--   with the trigram index on the words and one index per sort order, which the search walks
--   for a common word (`db::pg::network`).
-- * `contact_search_pending`: the allies with contact rows added or changed since the
--   indexer last ran (one row per ally, written once per statement). The search reads those
--   allies' rows from `contacts` itself until then, so it never misses one nor finds one by
--   its old text.
-- * The indexer (`db::pg::network::index_search_words`, run by the server after each commit)
--   takes an ally's row from the queue (`FOR UPDATE SKIP LOCKED`: once across instances) and
--   writes their rows that are missing or different, in one transaction.
-- * A deleted contact row's copy is deleted with it, in the same statement: nothing of an
--   erased contact stays in the search's rows.

CREATE TABLE contact_search_indexed (
    person_id    BIGINT NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    sort_name    TEXT COLLATE "C" NOT NULL,
    connected    TEXT COLLATE "C" NOT NULL,
    search_text  TEXT NOT NULL,
    PRIMARY KEY (person_id, key)
);
INSERT INTO contact_search_indexed (person_id, key, sort_name, connected, search_text)
    SELECT person_id, key, sort_name, COALESCE(connected_on, ''), search_text FROM contacts;
DROP INDEX contacts_search;
CREATE INDEX contact_search_trigrams ON contact_search_indexed
    USING GIN ((' ' || search_text) gin_trgm_ops);
CREATE INDEX contact_search_by_name ON contact_search_indexed (sort_name, key);
CREATE INDEX contact_search_by_connected ON contact_search_indexed (connected, key);

CREATE TABLE contact_search_pending (
    person_id  BIGINT PRIMARY KEY
);

CREATE FUNCTION contact_search_pending_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO contact_search_pending (person_id)
        SELECT DISTINCT person_id FROM inserted
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER contact_search_pending_inserted AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION contact_search_pending_inserted();

CREATE FUNCTION contact_search_pending_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO contact_search_pending (person_id)
        SELECT DISTINCT n.person_id FROM updated n JOIN previous o
            ON o.person_id = n.person_id AND o.key = n.key
        WHERE (o.sort_name, o.connected_on, o.search_text)
              IS DISTINCT FROM (n.sort_name, n.connected_on, n.search_text)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER contact_search_pending_updated AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS previous NEW TABLE AS updated
    FOR EACH STATEMENT EXECUTE FUNCTION contact_search_pending_updated();

CREATE FUNCTION contact_search_forget_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contact_search_indexed i USING deleted d
        WHERE i.person_id = d.person_id AND i.key = d.key;
    RETURN NULL;
END $$;
CREATE TRIGGER contact_search_forget_deleted AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION contact_search_forget_deleted();
