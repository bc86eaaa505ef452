-- Introduction lists (seed 000): named lists of a network's contacts, shared among its Network
-- Admins.
--
-- A list holds no copy of a contact: its entries name a contact by key only, and show the
-- contact as the network's sharing allies have it now. An entry whose key no sharing ally of the
-- network still has is deleted in the transaction that made it so (an ally stops sharing,
-- leaves, is removed, deletes their account, or a full sync drops the connection): see
-- `db::lists::prune_entries`.

-- `name_key` is the name lowercased (Unicode), so "Founders" and "founders" are one name.
CREATE TABLE intro_lists (
    id          INTEGER PRIMARY KEY,
    network_id  INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    name_key    TEXT NOT NULL,
    created_by  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (network_id, name_key),
    -- The target of the entries' (list, network) reference.
    UNIQUE (id, network_id)
);

-- The entry's network is its list's (the composite reference makes them agree), kept here so
-- that every query names the network, and pruning finds a network's entries by key.
CREATE TABLE intro_list_entries (
    list_id      INTEGER NOT NULL,
    network_id   INTEGER NOT NULL,
    contact_key  TEXT NOT NULL,
    added_by     INTEGER REFERENCES people(id) ON DELETE SET NULL,
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (list_id, contact_key),
    FOREIGN KEY (list_id, network_id) REFERENCES intro_lists(id, network_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX intro_list_entries_by_key ON intro_list_entries(network_id, contact_key);
-- Pending asks of a network by contact: asking for a list skips the contacts already asked.
CREATE INDEX intro_asks_pending_by_contact ON intro_asks(network_id, contact_key)
    WHERE state = 'pending';
