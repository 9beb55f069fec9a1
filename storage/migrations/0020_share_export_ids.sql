-- The NFS data plane's export ids (nfs-ganesha's Export_Id, 1 to 65535):
-- one per share the first time the share is exported, kept for the life of
-- the database so that an id never passes to another share while ganesha
-- may still hold the old export (only once every id has been handed out is
-- a deleted share's id given again). Numbered apart from the share group
-- migrations being written beside it.
CREATE TABLE share_export_ids (
    share_id   TEXT PRIMARY KEY REFERENCES shares (id),
    export_id  INTEGER NOT NULL UNIQUE CHECK (export_id BETWEEN 1 AND 65535),
    created_at TEXT NOT NULL
) STRICT;
