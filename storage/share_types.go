package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ShareType is a live share type with its extra specs.
type ShareType struct {
	ID          string
	Name        string
	Description *string
	IsPublic    bool
	ExtraSpecs  map[string]string
	CreatedAt   time.Time
	UpdatedAt   *time.Time
}

// ShareTypeFilter narrows ListShareTypes.
type ShareTypeFilter struct {
	// IsPublic selects public types only (true), private only (false) or
	// both (nil).
	IsPublic *bool
	// AccessProject, when set, adds the private types that project was
	// granted access to (only meaningful when private types are included).
	AccessProject string
	// ExtraSpecs keeps only types whose extra specs include all of these.
	ExtraSpecs map[string]string
}

// CreateShareType inserts a new share type. It returns ErrConflict when a
// live type already has the name.
func (db *DB) CreateShareType(ctx context.Context, st ShareType) (ShareType, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM share_types WHERE name = ? AND deleted = 'False'`, st.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrConflict
		}
		st.CreatedAt = tx.Now
		if _, err := tx.ExecContext(ctx, `INSERT INTO share_types (id, name, description, is_public, created_at) VALUES (?, ?, ?, ?, ?)`,
			st.ID, st.Name, nullString(st.Description), st.IsPublic, FormatTime(tx.Now)); err != nil {
			return err
		}
		for k, v := range st.ExtraSpecs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO share_type_extra_specs (share_type_id, spec_key, spec_value) VALUES (?, ?, ?)`, st.ID, k, v); err != nil {
				return err
			}
		}
		return nil
	})
	return st, err
}

// GetShareType returns the live share type with this id.
func (db *DB) GetShareType(ctx context.Context, id string) (ShareType, error) {
	return getShareType(ctx, db.reader, `id = ?`, id)
}

// GetShareTypeByName returns the live share type with this name.
func (db *DB) GetShareTypeByName(ctx context.Context, name string) (ShareType, error) {
	return getShareType(ctx, db.reader, `name = ?`, name)
}

func getShareType(ctx context.Context, q querier, where string, arg any) (ShareType, error) {
	row := q.QueryRowContext(ctx, `SELECT id, name, description, is_public, created_at, updated_at FROM share_types WHERE deleted = 'False' AND `+where, arg)
	st, err := scanShareType(row)
	if errors.Is(err, sql.ErrNoRows) {
		return ShareType{}, ErrNotFound
	}
	if err != nil {
		return ShareType{}, err
	}
	specs, err := loadExtraSpecs(ctx, q, []string{st.ID})
	if err != nil {
		return ShareType{}, err
	}
	st.ExtraSpecs = specs[st.ID]
	return st, nil
}

// ListShareTypes returns live share types ordered by name.
func (db *DB) ListShareTypes(ctx context.Context, f ShareTypeFilter) ([]ShareType, error) {
	var where []string
	var args []any
	where = append(where, "deleted = 'False'")
	switch {
	case f.IsPublic != nil && *f.IsPublic:
		where = append(where, "is_public = 1")
	case f.IsPublic != nil && !*f.IsPublic:
		where = append(where, "is_public = 0")
	}
	if f.AccessProject != "" {
		where = append(where, "(is_public = 1 OR id IN (SELECT share_type_id FROM share_type_projects WHERE project_id = ?))")
		args = append(args, f.AccessProject)
	}
	for k, v := range f.ExtraSpecs {
		where = append(where, "id IN (SELECT share_type_id FROM share_type_extra_specs WHERE spec_key = ? AND spec_value = ?)")
		args = append(args, k, v)
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT id, name, description, is_public, created_at, updated_at FROM share_types WHERE `+
		strings.Join(where, " AND ")+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ShareType
	var ids []string
	for rows.Next() {
		st, err := scanShareType(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
		ids = append(ids, st.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	specs, err := loadExtraSpecs(ctx, db.reader, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].ExtraSpecs = specs[out[i].ID]
	}
	return out, nil
}

// ShareTypeUsable reports whether project may create shares of the type:
// public types and private types it was granted.
func (db *DB) ShareTypeUsable(ctx context.Context, typeID, project string) (bool, error) {
	var n int
	err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM share_types t WHERE t.id = ? AND t.deleted = 'False'
		AND (t.is_public = 1 OR EXISTS (SELECT 1 FROM share_type_projects p WHERE p.share_type_id = t.id AND p.project_id = ?))`,
		typeID, project).Scan(&n)
	return n > 0, err
}

// DeleteShareType soft-deletes a share type. It returns ErrNotFound when the
// type is absent and *InUseError when live shares or live share group
// types still use it (Manila's share_type_destroy counts both).
func (db *DB) DeleteShareType(ctx context.Context, id string) error {
	return db.Write(ctx, func(tx *Tx) error {
		var inUse, groupTypes int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM shares WHERE share_type_id = ? AND deleted = 'False'`, id).Scan(&inUse); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM share_group_type_share_types m
			JOIN share_group_types g ON g.id = m.share_group_type_id
			WHERE m.share_type_id = ? AND g.deleted = 'False'`, id).Scan(&groupTypes); err != nil {
			return err
		}
		if inUse > 0 || groupTypes > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM share_types WHERE id = ? AND deleted = 'False'`, id).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return ErrNotFound
			}
			if inUse == 0 {
				return &InUseError{What: "share group types", Count: groupTypes}
			}
			return &InUseError{What: "shares", Count: inUse}
		}
		res, err := tx.ExecContext(ctx, `UPDATE share_types SET deleted = id, deleted_at = ? WHERE id = ? AND deleted = 'False'`, FormatTime(tx.Now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

func scanShareType(s scanner) (ShareType, error) {
	var st ShareType
	var desc, updated sql.NullString
	var created string
	if err := s.Scan(&st.ID, &st.Name, &desc, &st.IsPublic, &created, &updated); err != nil {
		return ShareType{}, err
	}
	t, err := ParseTime(created)
	if err != nil {
		return ShareType{}, fmt.Errorf("storage: share type %s created_at: %w", st.ID, err)
	}
	st.CreatedAt, st.Description, st.UpdatedAt = t, scanString(desc), scanTime(updated)
	return st, nil
}

func loadExtraSpecs(ctx context.Context, q querier, ids []string) (map[string]map[string]string, error) {
	out := make(map[string]map[string]string, len(ids))
	for _, id := range ids {
		out[id] = map[string]string{}
	}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, `SELECT share_type_id, spec_key, spec_value FROM share_type_extra_specs WHERE share_type_id IN `+inClause(len(ids)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, k, v string
		if err := rows.Scan(&id, &k, &v); err != nil {
			return nil, err
		}
		out[id][k] = v
	}
	return out, rows.Err()
}

// ShareTypeUpdate changes a share type; nil fields stay as they are.
type ShareTypeUpdate struct {
	Name             *string
	Description      *string
	ClearDescription bool
	IsPublic         *bool
}

// UpdateShareType applies u. It returns ErrNotFound for an unknown type and
// ErrConflict when the new name is taken by another live type.
func (db *DB) UpdateShareType(ctx context.Context, id string, u ShareTypeUpdate) (ShareType, error) {
	var out ShareType
	err := db.Write(ctx, func(tx *Tx) error {
		if u.Name != nil {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM share_types WHERE name = ? AND deleted = 'False' AND id != ?`, *u.Name, id).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return ErrConflict
			}
		}
		sets := []string{"updated_at = ?"}
		args := []any{FormatTime(tx.Now)}
		if u.Name != nil {
			sets, args = append(sets, "name = ?"), append(args, *u.Name)
		}
		if u.Description != nil || u.ClearDescription {
			sets, args = append(sets, "description = ?"), append(args, nullString(u.Description))
		}
		if u.IsPublic != nil {
			sets, args = append(sets, "is_public = ?"), append(args, *u.IsPublic)
		}
		args = append(args, id)
		res, err := tx.ExecContext(ctx, `UPDATE share_types SET `+strings.Join(sets, ", ")+` WHERE id = ? AND deleted = 'False'`, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		out, err = getShareType(ctx, tx, `id = ?`, id)
		return err
	})
	return out, err
}
