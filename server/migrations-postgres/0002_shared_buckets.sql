-- The throttles' and write budgets' token buckets, shared by every instance on this database
-- (the server's `buckets` module; on SQLite they stay in the one process's memory).
--
-- `key` is a keyed hash (of an address, an email and address, an email; the person's id for
-- the write budget) under the secret `server_secrets.bucket_key`, created once by the first
-- instance to start: no email or address is stored. `tokens` and `at` are NULL only inside
-- the transaction that creates a row (a new bucket is a full one). A row whose `full_at` has
-- passed is a full bucket, the same as no row: any instance deletes those, at any time.

CREATE TABLE server_secrets (
    name    TEXT PRIMARY KEY,
    secret  BYTEA NOT NULL
);

CREATE TABLE token_buckets (
    scope    TEXT COLLATE "C" NOT NULL,
    key      BIGINT NOT NULL,
    tokens   BIGINT,
    at       BIGINT,
    full_at  BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX token_buckets_full_at ON token_buckets(full_at);
