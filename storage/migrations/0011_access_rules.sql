-- Share access rules (Manila's share_access_map with its one instance
-- mapping folded in: manilite has one instance per share) and their
-- metadata (share_access_rules_metadata, 2.45+). A share's
-- access_rules_status moves to syncing while rules are being applied.
ALTER TABLE shares ADD COLUMN access_rules_status TEXT NOT NULL DEFAULT 'active';

CREATE TABLE share_access_rules (
    id           TEXT PRIMARY KEY,
    share_id     TEXT NOT NULL REFERENCES shares (id),
    access_type  TEXT NOT NULL,
    access_to    TEXT NOT NULL,
    access_level TEXT NOT NULL,
    access_key   TEXT,
    state        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT,
    deleted      TEXT NOT NULL DEFAULT 'False',
    deleted_at   TEXT
) STRICT;
CREATE INDEX share_access_rules_share ON share_access_rules (share_id, deleted);

CREATE TABLE share_access_rule_metadata (
    access_id TEXT NOT NULL REFERENCES share_access_rules (id),
    meta_key  TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (access_id, meta_key)
) STRICT;
