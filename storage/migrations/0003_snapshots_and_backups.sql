-- Share snapshots and share backups.

CREATE TABLE share_snapshots (
    id                  TEXT PRIMARY KEY,
    project_id          TEXT NOT NULL,
    user_id             TEXT NOT NULL,
    share_id            TEXT NOT NULL REFERENCES shares (id),
    display_name        TEXT,
    display_description TEXT,
    size                INTEGER NOT NULL,
    share_size          INTEGER NOT NULL,
    share_proto         TEXT NOT NULL,
    status              TEXT NOT NULL,
    progress            TEXT,
    provider_location   TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT,
    deleted_at          TEXT,
    deleted             TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE INDEX share_snapshots_live_by_project ON share_snapshots (deleted, project_id, created_at);
CREATE INDEX share_snapshots_by_share ON share_snapshots (share_id, deleted);

CREATE TABLE share_snapshot_metadata (
    snapshot_id TEXT NOT NULL REFERENCES share_snapshots (id),
    meta_key    TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, meta_key)
) STRICT;

CREATE TABLE share_backups (
    id                  TEXT PRIMARY KEY,
    project_id          TEXT NOT NULL,
    user_id             TEXT NOT NULL,
    share_id            TEXT NOT NULL REFERENCES shares (id),
    display_name        TEXT,
    display_description TEXT,
    size                INTEGER NOT NULL,
    host                TEXT,
    topic               TEXT,
    status              TEXT NOT NULL,
    progress            TEXT NOT NULL DEFAULT '0',
    restore_progress    TEXT NOT NULL DEFAULT '0',
    fail_reason         TEXT,
    backup_type         TEXT,
    availability_zone   TEXT,
    -- backup_options as given (JSON), for the backend.
    backup_options      TEXT,
    -- The share a restore in progress writes into.
    restore_share_id    TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT,
    deleted_at          TEXT,
    deleted             TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE INDEX share_backups_live_by_project ON share_backups (deleted, project_id, created_at);
CREATE INDEX share_backups_live_by_created ON share_backups (deleted, created_at);
CREATE INDEX share_backups_by_share ON share_backups (share_id, deleted);
