-- User messages, availability zones and snapshot export locations.

-- Manila's messages table: what an asynchronous failure tells the user.
CREATE TABLE messages (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    action_id     TEXT NOT NULL,
    detail_id     TEXT NOT NULL,
    message_level TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT,
    expires_at    TEXT NOT NULL,
    deleted_at    TEXT,
    deleted       TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE INDEX messages_live_by_project ON messages (deleted, project_id, created_at);

CREATE TABLE availability_zones (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT
) STRICT;

CREATE TABLE snapshot_export_locations (
    id            TEXT PRIMARY KEY,
    snapshot_id   TEXT NOT NULL REFERENCES share_snapshots (id),
    path          TEXT NOT NULL,
    is_admin_only INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT
) STRICT;
CREATE INDEX snapshot_export_locations_by_snapshot ON snapshot_export_locations (snapshot_id);
