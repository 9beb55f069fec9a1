-- Share types, shares, their metadata and export locations, and the durable
-- job queue. Soft-deleted rows keep deleted = their id and a deleted_at, as
-- Manila's tables do; live rows have deleted = 'False'.

CREATE TABLE share_types (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT,
    is_public   INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT,
    deleted_at  TEXT,
    deleted     TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE UNIQUE INDEX share_types_live_name ON share_types (name, deleted);

CREATE TABLE share_type_extra_specs (
    share_type_id TEXT NOT NULL REFERENCES share_types (id),
    spec_key      TEXT NOT NULL,
    spec_value    TEXT NOT NULL,
    PRIMARY KEY (share_type_id, spec_key)
) STRICT;

-- Projects allowed to use a private share type.
CREATE TABLE share_type_projects (
    share_type_id TEXT NOT NULL REFERENCES share_types (id),
    project_id    TEXT NOT NULL,
    PRIMARY KEY (share_type_id, project_id)
) STRICT;

CREATE TABLE shares (
    id                          TEXT PRIMARY KEY,
    project_id                  TEXT NOT NULL,
    user_id                     TEXT NOT NULL,
    display_name                TEXT,
    display_description         TEXT,
    size                        INTEGER NOT NULL,
    share_proto                 TEXT NOT NULL,
    status                      TEXT NOT NULL,
    task_state                  TEXT,
    share_type_id               TEXT REFERENCES share_types (id),
    availability_zone           TEXT,
    is_public                   INTEGER NOT NULL DEFAULT 0,
    snapshot_id                 TEXT,
    share_network_id            TEXT,
    host                        TEXT,
    progress                    TEXT,
    is_soft_deleted             INTEGER NOT NULL DEFAULT 0,
    scheduled_to_be_deleted_at  TEXT,
    source_backup_id            TEXT,
    consistency_group_id        TEXT,
    source_cgsnapshot_member_id TEXT,
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT,
    deleted_at                  TEXT,
    deleted                     TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE INDEX shares_live_by_project ON shares (deleted, project_id, created_at);
CREATE INDEX shares_live_by_created ON shares (deleted, created_at);

CREATE TABLE share_metadata (
    share_id TEXT NOT NULL REFERENCES shares (id),
    meta_key TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (share_id, meta_key)
) STRICT;

CREATE TABLE export_locations (
    id            TEXT PRIMARY KEY,
    share_id      TEXT NOT NULL REFERENCES shares (id),
    path          TEXT NOT NULL,
    is_admin_only INTEGER NOT NULL DEFAULT 0,
    preferred     INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT,
    deleted_at    TEXT,
    deleted       TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE INDEX export_locations_by_share ON export_locations (share_id, deleted);

-- Durable asynchronous work. A row is written in the same transaction as the
-- state change that needs it and deleted when the work is done, so whatever
-- is left here at start-up is work to resume.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'failed')),
    run_after   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    payload     TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT
) STRICT;
CREATE INDEX jobs_due ON jobs (state, run_after);
