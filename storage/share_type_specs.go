package storage

import (
	"context"
	"database/sql"
	"errors"
)

// requireLiveShareType returns ErrNotFound unless the share type is live.
func requireLiveShareType(ctx context.Context, q querier, id string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM share_types WHERE id = ? AND deleted = 'False'`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// SetShareTypeExtraSpecs adds extra specs to a live share type or changes
// their values; ErrNotFound when the type is absent.
func (db *DB) SetShareTypeExtraSpecs(ctx context.Context, typeID string, specs map[string]string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := requireLiveShareType(ctx, tx, typeID); err != nil {
			return err
		}
		for k, v := range specs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO share_type_extra_specs (share_type_id, spec_key, spec_value) VALUES (?, ?, ?)
				ON CONFLICT (share_type_id, spec_key) DO UPDATE SET spec_value = excluded.spec_value`, typeID, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteShareTypeExtraSpec removes one extra spec: ErrNotFound when the
// type is absent, ErrNoSuchKey when it has no such spec.
func (db *DB) DeleteShareTypeExtraSpec(ctx context.Context, typeID, key string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := requireLiveShareType(ctx, tx, typeID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM share_type_extra_specs WHERE share_type_id = ? AND spec_key = ?`, typeID, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoSuchKey
		}
		return nil
	})
}

// ShareTypeProjects lists the projects granted a share type, sorted.
func (db *DB) ShareTypeProjects(ctx context.Context, typeID string) ([]string, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT project_id FROM share_type_projects WHERE share_type_id = ? ORDER BY project_id`, typeID)
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

// AddShareTypeProject grants project a live share type: ErrNotFound when
// the type is absent, ErrConflict when the grant exists.
func (db *DB) AddShareTypeProject(ctx context.Context, typeID, project string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := requireLiveShareType(ctx, tx, typeID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO share_type_projects (share_type_id, project_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, typeID, project)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		return nil
	})
}

// RemoveShareTypeProject revokes a grant: ErrNotFound when the type is
// absent, ErrNoSuchKey when the project had no grant.
func (db *DB) RemoveShareTypeProject(ctx context.Context, typeID, project string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := requireLiveShareType(ctx, tx, typeID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM share_type_projects WHERE share_type_id = ? AND project_id = ?`, typeID, project)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoSuchKey
		}
		return nil
	})
}
