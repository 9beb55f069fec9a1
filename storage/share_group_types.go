package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
		WHERE share_group_type_id = share_group_types.id ORDER BY share_type_id)),
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
