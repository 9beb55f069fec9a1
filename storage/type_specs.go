package storage

import (
	"context"
	"database/sql"
	"errors"
)

// typeTables names the tables of one kind of type (share types, share
// group types): the types, their specs and their project grants, each
// keyed by the type's id in the column owner. Both kinds keep their specs
// and grants alike, so one implementation serves both.
type typeTables struct {
	types, specs, projects, owner string
	// grantOrder orders a type's grants as Manila lists them.
	grantOrder string
}

var (
	shareTypeTables      = typeTables{types: "share_types", specs: "share_type_extra_specs", projects: "share_type_projects", owner: "share_type_id", grantOrder: "project_id"}
	shareGroupTypeTables = typeTables{types: "share_group_types", specs: "share_group_type_specs", projects: "share_group_type_projects", owner: "share_group_type_id", grantOrder: "rowid"}
)

// requireLive returns ErrNotFound unless the type is live.
func (k typeTables) requireLive(ctx context.Context, q querier, id string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM `+k.types+` WHERE id = ? AND deleted = 'False'`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// setSpecs adds specs to a live type or changes their values.
func (k typeTables) setSpecs(ctx context.Context, db *DB, typeID string, specs map[string]string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := k.requireLive(ctx, tx, typeID); err != nil {
			return err
		}
		for key, v := range specs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+k.specs+` (`+k.owner+`, spec_key, spec_value) VALUES (?, ?, ?)
				ON CONFLICT (`+k.owner+`, spec_key) DO UPDATE SET spec_value = excluded.spec_value`, typeID, key, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// deleteRow removes one row of a live type's specs or grants: ErrNotFound
// when the type is absent, ErrNoSuchKey when there is no such row.
func (k typeTables) deleteRow(ctx context.Context, db *DB, table, column, typeID, value string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := k.requireLive(ctx, tx, typeID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+k.owner+` = ? AND `+column+` = ?`, typeID, value)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoSuchKey
		}
		return nil
	})
}

// grants lists the projects granted a type.
func (k typeTables) grants(ctx context.Context, db *DB, typeID string) ([]string, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT project_id FROM `+k.projects+` WHERE `+k.owner+` = ? ORDER BY `+k.grantOrder, typeID)
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

// grant gives project a live type: ErrNotFound when the type is absent,
// ErrConflict when the grant exists.
func (k typeTables) grant(ctx context.Context, db *DB, typeID, project string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := k.requireLive(ctx, tx, typeID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO `+k.projects+` (`+k.owner+`, project_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, typeID, project)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		return nil
	})
}
