package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ShareGroupType is a live share group type: the share types a group of it
// may hold and its group specs.
type ShareGroupType struct {
	ID         string
	Name       string
	IsPublic   bool
	ShareTypes []string
	GroupSpecs map[string]string
	CreatedAt  time.Time
	UpdatedAt  *time.Time
}

const shareGroupTypeColumns = `id, name, is_public, created_at, updated_at,
	(SELECT json_group_array(share_type_id) FROM (SELECT share_type_id FROM share_group_type_share_types
		WHERE share_group_type_id = share_group_types.id ORDER BY share_type_id) gt),
	(SELECT json_group_object(spec_key, spec_value) FROM share_group_type_specs
		WHERE share_group_type_id = share_group_types.id)`

func scanShareGroupType(s scanner) (ShareGroupType, error) {
	var t ShareGroupType
	var created string
	var updated sql.NullString
	var types, specs string
	if err := s.Scan(&t.ID, &t.Name, &t.IsPublic, &created, &updated, &types, &specs); err != nil {
		return ShareGroupType{}, err
	}
	c, err := ParseTime(created)
	if err != nil {
		return ShareGroupType{}, fmt.Errorf("storage: share group type %s created_at: %w", t.ID, err)
	}
	t.CreatedAt, t.UpdatedAt = c, scanTime(updated)
	if err := json.Unmarshal([]byte(types), &t.ShareTypes); err != nil {
		return ShareGroupType{}, fmt.Errorf("storage: share group type %s share types: %w", t.ID, err)
	}
	if err := json.Unmarshal([]byte(specs), &t.GroupSpecs); err != nil {
		return ShareGroupType{}, fmt.Errorf("storage: share group type %s group specs: %w", t.ID, err)
	}
	return t, nil
}

// GetShareGroupType returns the live share group type with this id.
func (db *DB) GetShareGroupType(ctx context.Context, id string) (ShareGroupType, error) {
	return getShareGroupType(ctx, db.reader, `id = ?`, id)
}

// GetShareGroupTypeByName returns the live share group type with this name.
func (db *DB) GetShareGroupTypeByName(ctx context.Context, name string) (ShareGroupType, error) {
	return getShareGroupType(ctx, db.reader, `name = ?`, name)
}

func getShareGroupType(ctx context.Context, q querier, where string, arg any) (ShareGroupType, error) {
	t, err := scanShareGroupType(q.QueryRowContext(ctx, `SELECT `+shareGroupTypeColumns+` FROM share_group_types WHERE deleted = 'False' AND `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return ShareGroupType{}, ErrNotFound
	}
	return t, err
}

// ShareGroupTypeUsable reports whether project may create share groups of
// the type: public types and private types it was granted.
func (db *DB) ShareGroupTypeUsable(ctx context.Context, typeID, project string) (bool, error) {
	var n int
	err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM share_group_types t WHERE t.id = ? AND t.deleted = 'False'
		AND (t.is_public = 1 OR EXISTS (SELECT 1 FROM share_group_type_projects p WHERE p.share_group_type_id = t.id AND p.project_id = ?))`,
		typeID, project).Scan(&n)
	return n > 0, err
}

// ShareGroupTypeFilter narrows ListShareGroupTypes.
type ShareGroupTypeFilter struct {
	// IsPublic selects public types only (true), private only (false) or
	// both (nil).
	IsPublic *bool
	// AccessProject, when set, adds the private types that project was
	// granted (only meaningful when private types are included).
	AccessProject string
	// GroupSpecs keeps only the types whose group specs include all of
	// these.
	GroupSpecs map[string]string
}

// ListShareGroupTypes returns the live share group types the filter
// selects, ordered by name.
func (db *DB) ListShareGroupTypes(ctx context.Context, f ShareGroupTypeFilter) ([]ShareGroupType, error) {
	where := []string{"deleted = 'False'"}
	var args []any
	switch {
	case f.IsPublic != nil && *f.IsPublic:
		where = append(where, "is_public = 1")
	case f.IsPublic != nil && !*f.IsPublic:
		where = append(where, "is_public = 0")
	}
	if f.AccessProject != "" {
		where = append(where, "(is_public = 1 OR id IN (SELECT share_group_type_id FROM share_group_type_projects WHERE project_id = ?))")
		args = append(args, f.AccessProject)
	}
	for k, v := range f.GroupSpecs {
		where = append(where, "id IN (SELECT share_group_type_id FROM share_group_type_specs WHERE spec_key = ? AND spec_value = ?)")
		args = append(args, k, v)
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT `+shareGroupTypeColumns+` FROM share_group_types WHERE `+
		strings.Join(where, " AND ")+` ORDER BY name, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ShareGroupType
	for rows.Next() {
		t, err := scanShareGroupType(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ResolveShareTypes maps share type names or ids, as a share group type
// create names them, to the ids of live share types, as Manila's
// share_type_get_by_name_or_id does (the id first, then the name); the
// result keeps the first occurrence of each type once. A reference that
// names no live type is ErrNotFound, wrapped with the reference.
func (db *DB) ResolveShareTypes(ctx context.Context, refs []string) ([]string, error) {
	return resolveShareTypes(ctx, db.reader, refs)
}

func resolveShareTypes(ctx context.Context, q querier, refs []string) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, ref := range refs {
		var id string
		err := q.QueryRowContext(ctx, `SELECT id FROM share_types WHERE deleted = 'False' AND (id = ? OR name = ?)
			ORDER BY id = ? DESC LIMIT 1`, ref, ref, ref).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("storage: share type %q: %w", ref, ErrNotFound)
		}
		if err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// CreateShareGroupType inserts t, whose ShareTypes are share type ids (as
// ResolveShareTypes gives them). It returns ErrNotFound (wrapped) when one
// of them is no longer live and ErrConflict when a live share group type
// already has the name; nothing is written then.
func (db *DB) CreateShareGroupType(ctx context.Context, t ShareGroupType) (ShareGroupType, error) {
	var out ShareGroupType
	err := db.Write(ctx, func(tx *Tx) error {
		ids, err := resolveShareTypes(ctx, tx, t.ShareTypes)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM share_group_types WHERE name = ? AND deleted = 'False'`, t.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrConflict
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO share_group_types (id, name, is_public, created_at) VALUES (?, ?, ?, ?)`,
			t.ID, t.Name, t.IsPublic, FormatTime(tx.Now)); err != nil {
			return err
		}
		for _, st := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO share_group_type_share_types (share_group_type_id, share_type_id) VALUES (?, ?)`, t.ID, st); err != nil {
				return err
			}
		}
		for k, v := range t.GroupSpecs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO share_group_type_specs (share_group_type_id, spec_key, spec_value) VALUES (?, ?, ?)`, t.ID, k, v); err != nil {
				return err
			}
		}
		out, err = getShareGroupType(ctx, tx, `id = ?`, t.ID)
		return err
	})
	return out, err
}

// DeleteShareGroupType soft-deletes a share group type: ErrNotFound when it
// is absent, *InUseError while live share groups are of it. Its share
// types, specs and grants stay with the deleted row, as Manila's
// soft-deleted ones do.
func (db *DB) DeleteShareGroupType(ctx context.Context, id string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := requireLiveShareGroupType(ctx, tx, id); err != nil {
			return err
		}
		n, err := shareGroupsOfType(ctx, tx, id)
		if err != nil {
			return err
		}
		if n > 0 {
			return &InUseError{What: "share groups", Count: n}
		}
		_, err = tx.ExecContext(ctx, `UPDATE share_group_types SET deleted = id, deleted_at = ? WHERE id = ? AND deleted = 'False'`, FormatTime(tx.Now), id)
		return err
	})
}

// shareGroupsOfType counts the live share groups of a share group type, as
// Manila's share_group_type_destroy does.
func shareGroupsOfType(ctx context.Context, q querier, typeID string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM share_groups WHERE share_group_type_id = ? AND deleted = 'False'`, typeID).Scan(&n)
	return n, err
}

// requireLiveShareGroupType returns ErrNotFound unless the share group type
// is live.
func requireLiveShareGroupType(ctx context.Context, q querier, id string) error {
	return shareGroupTypeTables.requireLive(ctx, q, id)
}
