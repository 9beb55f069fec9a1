package storage

import (
	"context"
	"errors"
	"fmt"
)

// MetadataOf names a resource kind whose rows carry key/value metadata (a
// table of its own keyed by the resource's id).
type MetadataOf struct {
	table, idColumn, parent string
}

var (
	// ShareMetadata is the metadata of shares.
	ShareMetadata = MetadataOf{table: "share_metadata", idColumn: "share_id", parent: "shares"}
	// SnapshotMetadata is the metadata of share snapshots.
	SnapshotMetadata = MetadataOf{table: "share_snapshot_metadata", idColumn: "snapshot_id", parent: "share_snapshots"}
	// ExportLocationMetadata is the metadata of export locations (2.87+).
	ExportLocationMetadata = MetadataOf{table: "export_location_metadata", idColumn: "export_location_id", parent: "export_locations"}
)

// ErrNoSuchKey means the resource has no metadata item with that key.
var ErrNoSuchKey = errors.New("storage: no such metadata key")

// requireLive returns ErrNotFound unless the resource is a live row.
func (of MetadataOf) requireLive(ctx context.Context, q querier, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+of.parent+` WHERE id = ? AND deleted = 'False'`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

func (of MetadataOf) load(ctx context.Context, q querier, id string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT meta_key, value FROM `+of.table+` WHERE `+of.idColumn+` = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// GetMetadata returns a live resource's metadata; ErrNotFound when the
// resource is absent.
func (db *DB) GetMetadata(ctx context.Context, of MetadataOf, id string) (map[string]string, error) {
	if err := of.requireLive(ctx, db.reader, id); err != nil {
		return nil, err
	}
	return of.load(ctx, db.reader, id)
}

// SetMetadata writes items onto a live resource's metadata: merged with what
// it has, or with replace instead of it. It returns the metadata afterwards,
// or ErrNotFound when the resource is absent.
func (db *DB) SetMetadata(ctx context.Context, of MetadataOf, id string, items map[string]string, replace bool) (map[string]string, error) {
	var out map[string]string
	err := db.Write(ctx, func(tx *Tx) error {
		if err := of.requireLive(ctx, tx, id); err != nil {
			return err
		}
		if replace {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+of.table+` WHERE `+of.idColumn+` = ?`, id); err != nil {
				return err
			}
		}
		for k, v := range items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+of.table+` (`+of.idColumn+`, meta_key, value) VALUES (?, ?, ?)
				ON CONFLICT (`+of.idColumn+`, meta_key) DO UPDATE SET value = excluded.value`, id, k, v); err != nil {
				return fmt.Errorf("storage: write %s: %w", of.table, err)
			}
		}
		var err error
		out, err = of.load(ctx, tx, id)
		return err
	})
	return out, err
}

// DeleteMetadataItem removes one item: ErrNotFound when the resource is
// absent, ErrNoSuchKey when it has no such key.
func (db *DB) DeleteMetadataItem(ctx context.Context, of MetadataOf, id, key string) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := of.requireLive(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM `+of.table+` WHERE `+of.idColumn+` = ? AND meta_key = ?`, id, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoSuchKey
		}
		return nil
	})
}
