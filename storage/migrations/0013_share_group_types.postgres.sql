-- PostgreSQL's version of 0013_share_group_types.sql: the same rows, its uuid and time functions.
-- Share group types: the share types a share group may hold, its group
-- specs and, for private types, the projects granted access. A type named
-- 'default' (holding the default share type) is created once with the
-- database, as devstack creates Manila's, so that a share group can be
-- created without naming a type; it is an ordinary row an admin may delete.

CREATE TABLE share_group_types (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    is_public  INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    deleted_at TEXT,
    deleted    TEXT NOT NULL DEFAULT 'False'
) STRICT;
CREATE UNIQUE INDEX share_group_types_live_name ON share_group_types (name) WHERE deleted = 'False';

CREATE TABLE share_group_type_share_types (
    share_group_type_id TEXT NOT NULL REFERENCES share_group_types (id),
    share_type_id       TEXT NOT NULL REFERENCES share_types (id),
    PRIMARY KEY (share_group_type_id, share_type_id)
) STRICT;

CREATE TABLE share_group_type_specs (
    share_group_type_id TEXT NOT NULL REFERENCES share_group_types (id),
    spec_key            TEXT NOT NULL,
    spec_value          TEXT NOT NULL,
    PRIMARY KEY (share_group_type_id, spec_key)
) STRICT;

CREATE TABLE share_group_type_projects (
    share_group_type_id TEXT NOT NULL REFERENCES share_group_types (id),
    project_id          TEXT NOT NULL,
    PRIMARY KEY (share_group_type_id, project_id)
) STRICT;

INSERT INTO share_group_types (id, name, is_public, created_at)
VALUES (
    gen_random_uuid()::text,
    'default', 1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
);
INSERT INTO share_group_type_share_types (share_group_type_id, share_type_id)
SELECT g.id, t.id FROM share_group_types g, share_types t
WHERE g.name = 'default' AND t.name = 'default' AND t.deleted = 'False';
