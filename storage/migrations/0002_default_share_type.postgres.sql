-- PostgreSQL's version of 0002_default_share_type.sql: the same rows, its uuid and time functions.
-- The share type named 'default', created once with the database so that a
-- fresh server can create shares straight away. It is an ordinary row: an
-- admin may change or delete it, and it is never recreated.
INSERT INTO share_types (id, name, description, is_public, created_at)
VALUES (
    gen_random_uuid()::text,
    'default', NULL, 1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
);
INSERT INTO share_type_extra_specs (share_type_id, spec_key, spec_value)
SELECT id, 'driver_handles_share_servers', 'False' FROM share_types WHERE name = 'default';
INSERT INTO share_type_extra_specs (share_type_id, spec_key, spec_value)
SELECT id, 'snapshot_support', 'True' FROM share_types WHERE name = 'default';
