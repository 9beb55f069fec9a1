-- Consistency groups, the share types they allow, their snapshots and the
-- snapshots' members (one per share).

CREATE TABLE consistency_groups (
    id                   TEXT PRIMARY KEY,
    project_id           TEXT NOT NULL,
    user_id              TEXT NOT NULL,
    display_name         TEXT,
    display_description  TEXT,
    status               TEXT NOT NULL,
    host                 TEXT,
    share_network_id     TEXT,
    share_server_id      TEXT,
    source_cgsnapshot_id TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT,
    deleted_at           TEXT,
    deleted              TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE INDEX consistency_groups_live_by_project ON consistency_groups (deleted, project_id, created_at);

CREATE TABLE consistency_group_share_types (
    consistency_group_id TEXT NOT NULL REFERENCES consistency_groups (id),
    share_type_id        TEXT NOT NULL REFERENCES share_types (id),
    PRIMARY KEY (consistency_group_id, share_type_id)
) STRICT;

CREATE TABLE cgsnapshots (
    id                   TEXT PRIMARY KEY,
    project_id           TEXT NOT NULL,
    user_id              TEXT NOT NULL,
    consistency_group_id TEXT NOT NULL REFERENCES consistency_groups (id),
    display_name         TEXT,
    display_description  TEXT,
    status               TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT,
    deleted_at           TEXT,
    deleted              TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE INDEX cgsnapshots_live_by_project ON cgsnapshots (deleted, project_id, created_at);
CREATE INDEX cgsnapshots_by_group ON cgsnapshots (consistency_group_id, deleted);

CREATE TABLE cgsnapshot_members (
    id            TEXT PRIMARY KEY,
    cgsnapshot_id TEXT NOT NULL REFERENCES cgsnapshots (id),
    share_id      TEXT NOT NULL REFERENCES shares (id),
    project_id    TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    size          INTEGER NOT NULL,
    share_proto   TEXT NOT NULL,
    share_type_id TEXT,
    status        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    deleted_at    TEXT,
    deleted       TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE INDEX cgsnapshot_members_by_snapshot ON cgsnapshot_members (cgsnapshot_id, deleted);
CREATE INDEX cgsnapshot_members_by_share ON cgsnapshot_members (share_id, deleted);
CREATE INDEX shares_by_consistency_group ON shares (consistency_group_id, deleted);
