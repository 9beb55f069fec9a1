-- Manila's services table for manilite's own services (the scheduler, the
-- share service on its one back end, the data service): recorded at
-- start-up, enabled or disabled through the services API, kept across
-- restarts.
CREATE TABLE services (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    host            TEXT NOT NULL,
    binary          TEXT NOT NULL,
    topic           TEXT NOT NULL,
    disabled        INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT,
    UNIQUE (host, binary)
) STRICT;
