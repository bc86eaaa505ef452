-- A shared contact is only what the design's *Minimal data* lists: LinkedIn member id, profile
-- URL, first and last name, headline, connected-on date, photo reference. Earlier versions also
-- kept the company and position of a `Connections.csv` import: the values already stored are
-- erased here, with their columns.
--
-- Why the columns can be dropped: no index, trigger or view names them (the search triggers of
-- 0010/0011 read `search_text`, `sort_name` and `connected_on` only), so SQLite's
-- `ALTER TABLE … DROP COLUMN` rewrites the rows without them.
--
-- What SQL cannot redo: a row's `search_text` (the words of name, headline and company, split
-- and lowercased by Unicode's rules, `db::network::words_of`) and its `content_hash` (the
-- protocol's FNV hash, which covered both fields) are computed in Rust. The rows that had a
-- company or position are listed in `contact_rederive`; right after the migrations run, the
-- server recomputes both from what is left and empties the list
-- (`db::rederive_minimal_contacts`), and the search triggers of 0011 move the new words into
-- `contact_search_ids` and the full-text index; the index is then merged, so the deleted words
-- leave the file too. Until then the list only names rows, it holds no value.
CREATE TABLE contact_rederive (
    person_id  INTEGER NOT NULL,
    key        TEXT NOT NULL,
    PRIMARY KEY (person_id, key)
) WITHOUT ROWID;

INSERT INTO contact_rederive (person_id, key)
    SELECT person_id, key FROM contacts WHERE company IS NOT NULL OR position IS NOT NULL;

-- An open sync session's staged rows carry them too, with hashes and words over them: the
-- session is aborted (the extension opens a new one and uploads again), its rows dropped.
DELETE FROM sync_staged WHERE session_id IN (SELECT id FROM sync_sessions WHERE state = 'open');
UPDATE sync_sessions SET state = 'aborted', closed_at = unixepoch() WHERE state = 'open';

ALTER TABLE contacts DROP COLUMN company;
ALTER TABLE contacts DROP COLUMN position;
ALTER TABLE sync_staged DROP COLUMN company;
ALTER TABLE sync_staged DROP COLUMN position;
