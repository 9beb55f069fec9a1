-- Export location metadata (Manila's share_instance_export_locations_metadata,
-- 2.87+). "preferred" is one of its keys in Manila; here the export location's
-- preferred column is the value until an admin sets the key.
CREATE TABLE export_location_metadata (
    export_location_id TEXT NOT NULL REFERENCES export_locations (id),
    meta_key           TEXT NOT NULL,
    value              TEXT NOT NULL,
    PRIMARY KEY (export_location_id, meta_key)
) STRICT;

-- As Manila's drivers do, every export location carries its preferred flag
-- as the metadata item "preferred" ('True' or 'False'); views read it there.
INSERT INTO export_location_metadata (export_location_id, meta_key, value)
    SELECT id, 'preferred', CASE preferred WHEN 1 THEN 'True' ELSE 'False' END FROM export_locations;
