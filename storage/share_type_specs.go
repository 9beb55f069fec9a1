package storage

import "context"

// requireLiveShareType returns ErrNotFound unless the share type is live.
func requireLiveShareType(ctx context.Context, q querier, id string) error {
	return shareTypeTables.requireLive(ctx, q, id)
}

// SetShareTypeExtraSpecs adds extra specs to a live share type or changes
// their values; ErrNotFound when the type is absent.
func (db *DB) SetShareTypeExtraSpecs(ctx context.Context, typeID string, specs map[string]string) error {
	return shareTypeTables.setSpecs(ctx, db, typeID, specs)
}

// DeleteShareTypeExtraSpec removes one extra spec: ErrNotFound when the
// type is absent, ErrNoSuchKey when it has no such spec.
func (db *DB) DeleteShareTypeExtraSpec(ctx context.Context, typeID, key string) error {
	return shareTypeTables.deleteRow(ctx, db, "share_type_extra_specs", "spec_key", typeID, key)
}

// ShareTypeProjects lists the projects granted a share type, sorted.
func (db *DB) ShareTypeProjects(ctx context.Context, typeID string) ([]string, error) {
	return shareTypeTables.grants(ctx, db, typeID)
}

// AddShareTypeProject grants project a live share type: ErrNotFound when
// the type is absent, ErrConflict when the grant exists.
func (db *DB) AddShareTypeProject(ctx context.Context, typeID, project string) error {
	return shareTypeTables.grant(ctx, db, typeID, project)
}

// RemoveShareTypeProject revokes a grant: ErrNotFound when the type is
// absent, ErrNoSuchKey when the project had no grant.
func (db *DB) RemoveShareTypeProject(ctx context.Context, typeID, project string) error {
	return shareTypeTables.deleteRow(ctx, db, "share_type_projects", "project_id", typeID, project)
}
