-- Quota limits set for a project, for a user within it or for a share type
-- within it (Manila's quotas, project_user_quotas and
-- project_share_type_quotas tables in one: user_id and share_type_id are ''
-- when they do not apply). A resource with no row has the server's default.
-- What is in use is counted from the live rows of the resources themselves.
CREATE TABLE quotas (
    project_id    TEXT NOT NULL,
    user_id       TEXT NOT NULL DEFAULT '',
    share_type_id TEXT NOT NULL DEFAULT '',
    resource      TEXT NOT NULL,
    hard_limit    INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT,
    PRIMARY KEY (project_id, user_id, share_type_id, resource)
) STRICT;

-- The size an extend or shrink under way takes the share to; the gigabytes
-- an extend adds are reserved until it ends.
ALTER TABLE shares ADD COLUMN new_size INTEGER;
