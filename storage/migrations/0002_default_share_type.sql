-- The share type named 'default', created once with the database so that a
-- fresh server can create shares straight away. It is an ordinary row: an
-- admin may change or delete it, and it is never recreated.
INSERT INTO share_types (id, name, description, is_public, created_at)
VALUES (
    lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
          substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
    'default', NULL, 1, strftime('%Y-%m-%dT%H:%M:%f000', 'now')
);
INSERT INTO share_type_extra_specs (share_type_id, spec_key, spec_value)
SELECT id, 'driver_handles_share_servers', 'False' FROM share_types WHERE name = 'default';
INSERT INTO share_type_extra_specs (share_type_id, spec_key, spec_value)
SELECT id, 'snapshot_support', 'True' FROM share_types WHERE name = 'default';
