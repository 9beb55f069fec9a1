-- Consistency groups become share groups, as Manila's own migration made
-- them when its API moved at 2.31 (03da71c0e321): one record, seen by the
-- consistency group API (2.4-2.30) and the share group API (2.31+). The
-- tables and columns take the share group names; a group gets the share
-- group type it was made with (the 'default' type for the groups made
-- before), its availability zone and whether its snapshots are consistent.

ALTER TABLE consistency_groups RENAME TO share_groups;
ALTER TABLE share_groups RENAME COLUMN source_cgsnapshot_id TO source_share_group_snapshot_id;
ALTER TABLE share_groups ADD COLUMN share_group_type_id TEXT;
ALTER TABLE share_groups ADD COLUMN availability_zone TEXT;
ALTER TABLE share_groups ADD COLUMN consistent_snapshot_support TEXT;
UPDATE share_groups SET share_group_type_id = (SELECT id FROM share_group_types WHERE name = 'default' AND deleted = 'False');
CREATE INDEX share_groups_by_type ON share_groups (share_group_type_id, deleted);

ALTER TABLE consistency_group_share_types RENAME TO share_group_share_types;
ALTER TABLE share_group_share_types RENAME COLUMN consistency_group_id TO share_group_id;

ALTER TABLE cgsnapshots RENAME TO share_group_snapshots;
ALTER TABLE share_group_snapshots RENAME COLUMN consistency_group_id TO share_group_id;

ALTER TABLE cgsnapshot_members RENAME TO share_group_snapshot_members;
ALTER TABLE share_group_snapshot_members RENAME COLUMN cgsnapshot_id TO share_group_snapshot_id;

ALTER TABLE shares RENAME COLUMN consistency_group_id TO share_group_id;
ALTER TABLE shares RENAME COLUMN source_cgsnapshot_member_id TO source_share_group_snapshot_member_id;
