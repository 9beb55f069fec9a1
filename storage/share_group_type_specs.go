package storage

import "context"

// Share group type specs and the grants of private share group types.

// SetShareGroupTypeSpecs adds group specs to a live share group type or
// changes their values; ErrNotFound when the type is absent.
func (db *DB) SetShareGroupTypeSpecs(ctx context.Context, typeID string, specs map[string]string) error {
	return shareGroupTypeTables.setSpecs(ctx, db, typeID, specs)
}

// DeleteShareGroupTypeSpec removes one group spec: ErrNotFound when the
// type is absent, ErrNoSuchKey when it has no such spec.
func (db *DB) DeleteShareGroupTypeSpec(ctx context.Context, typeID, key string) error {
	return shareGroupTypeTables.deleteRow(ctx, db, "share_group_type_specs", "spec_key", typeID, key)
}

// ShareGroupTypeProjects lists the projects granted a share group type, in
// the order they were granted (Manila's rows come in the order of their
// autoincrement ids).
func (db *DB) ShareGroupTypeProjects(ctx context.Context, typeID string) ([]string, error) {
	return shareGroupTypeTables.grants(ctx, db, typeID)
}

// AddShareGroupTypeProject grants project a live share group type:
// ErrNotFound when the type is absent, ErrConflict when the grant exists.
func (db *DB) AddShareGroupTypeProject(ctx context.Context, typeID, project string) error {
	return shareGroupTypeTables.grant(ctx, db, typeID, project)
}

// RemoveShareGroupTypeProject revokes a grant: ErrNotFound when the type is
// absent, ErrNoSuchKey when the project had no grant.
func (db *DB) RemoveShareGroupTypeProject(ctx context.Context, typeID, project string) error {
	return shareGroupTypeTables.deleteRow(ctx, db, "share_group_type_projects", "project_id", typeID, project)
}
