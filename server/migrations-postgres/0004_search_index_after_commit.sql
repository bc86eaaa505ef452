-- The contacts search's trigram index, written after a sync's commit instead of inside it, as
-- SQLite's full-text index is (its migration 0011). Its GIN entries, about seventy per contact
-- (every three letters of the name and headline), were the largest part of a commit: for
-- 30,000 new contacts, 0.7–1.0 s of a 1.5–2.0 s insert (psql, same machine).
--
-- * `contact_search_indexed`: the text of each contact row as the index holds it, with the
--   trigram index. The search takes its candidates from here, then checks the rule on the
--   contact's own, current text: a candidate whose text changed since is checked anew.
-- * `contact_search_pending`: the allies with contact rows added or changed since the
--   indexer last ran (one row per ally, written once per statement). The search also takes
--   every contact of those allies as candidates until then, so it never misses one.
-- * The indexer (`db::pg::network::index_search_words`, run by the server after each commit)
--   takes an ally's row from the queue (`FOR UPDATE SKIP LOCKED`: once across instances) and
--   writes the text of their contacts that is missing or different, in one transaction.
-- * A deleted contact row's text is deleted with it, in the same statement: nothing of an
--   erased contact stays in the index.

CREATE TABLE contact_search_indexed (
    person_id    BIGINT NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    search_text  TEXT NOT NULL,
    PRIMARY KEY (person_id, key)
);
INSERT INTO contact_search_indexed (person_id, key, search_text)
    SELECT person_id, key, search_text FROM contacts;
DROP INDEX contacts_search;
CREATE INDEX contact_search_trigrams ON contact_search_indexed
    USING GIN ((' ' || search_text) gin_trgm_ops);

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
        WHERE o.search_text IS DISTINCT FROM n.search_text
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
