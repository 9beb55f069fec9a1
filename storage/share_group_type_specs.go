package storage

import "context"

// Share group type specs and the grants of private share group types.

// SetShareGroupTypeSpecs adds group specs to a live share group type or
// changes their values; ErrNotFound when the type is absent.
func (db *DB) SetShareGroupTypeSpecs(ctx context.Context, typeID string, specs map[string]string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := requireLiveShareGroupType(ctx, tx, typeID); err != nil {
			return err
		}
		for k, v := range specs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO share_group_type_specs (share_group_type_id, spec_key, spec_value) VALUES (?, ?, ?)
				ON CONFLICT (share_group_type_id, spec_key) DO UPDATE SET spec_value = excluded.spec_value`, typeID, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteShareGroupTypeSpec removes one group spec: ErrNotFound when the
// type is absent, ErrNoSuchKey when it has no such spec.
func (db *DB) DeleteShareGroupTypeSpec(ctx context.Context, typeID, key string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := requireLiveShareGroupType(ctx, tx, typeID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM share_group_type_specs WHERE share_group_type_id = ? AND spec_key = ?`, typeID, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoSuchKey
		}
		return nil
	})
}

// ShareGroupTypeProjects lists the projects granted a share group type, in
// the order they were granted (Manila's rows come in the order of their
// autoincrement ids).
func (db *DB) ShareGroupTypeProjects(ctx context.Context, typeID string) ([]string, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT project_id FROM share_group_type_projects WHERE share_group_type_id = ? ORDER BY rowid`, typeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddShareGroupTypeProject grants project a live share group type:
// ErrNotFound when the type is absent, ErrConflict when the grant exists.
func (db *DB) AddShareGroupTypeProject(ctx context.Context, typeID, project string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := requireLiveShareGroupType(ctx, tx, typeID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO share_group_type_projects (share_group_type_id, project_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, typeID, project)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		return nil
	})
}

// RemoveShareGroupTypeProject revokes a grant: ErrNotFound when the type is
// absent, ErrNoSuchKey when the project had no grant.
func (db *DB) RemoveShareGroupTypeProject(ctx context.Context, typeID, project string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := requireLiveShareGroupType(ctx, tx, typeID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM share_group_type_projects WHERE share_group_type_id = ? AND project_id = ?`, typeID, project)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoSuchKey
		}
		return nil
	})
}
