package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
)

// GetExportLocation returns a live share's export location by its id,
// whichever share it belongs to (Manila's export_location_get_by_uuid).
func (db *DB) GetExportLocation(ctx context.Context, id string) (ExportLocation, error) {
	el, err := scanExportLocation(db.reader.QueryRowContext(ctx, `SELECT e.id, e.share_id, e.path, e.is_admin_only,
		e.preferred, e.created_at, e.updated_at FROM export_locations e JOIN shares s ON s.id = e.share_id
		WHERE e.id = ? AND e.deleted = 'False' AND s.deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ExportLocation{}, ErrNotFound
	}
	return el, err
}

// SnapshotExportLocation is one path a snapshot is reachable at (snapshots
// of shares whose type has mount_snapshot_support).
type SnapshotExportLocation struct {
	ID          string
	SnapshotID  string
	Path        string
	IsAdminOnly bool
	CreatedAt   time.Time
	UpdatedAt   *time.Time
}

// AddSnapshotExportLocation records a path a snapshot is reachable at and
// returns the new export location's id.
func (tx *Tx) AddSnapshotExportLocation(ctx context.Context, snapshotID, path string) (string, error) {
	id := uuid.NewString()
	_, err := tx.ExecContext(ctx, `INSERT INTO snapshot_export_locations (id, snapshot_id, path, created_at)
		VALUES (?, ?, ?, ?)`, id, snapshotID, path, FormatTime(tx.Now))
	return id, err
}

const snapshotELColumns = `e.id, e.snapshot_id, e.path, e.is_admin_only, e.created_at, e.updated_at`

func scanSnapshotEL(s scanner) (SnapshotExportLocation, error) {
	var el SnapshotExportLocation
	var created string
	var updated sql.NullString
	if err := s.Scan(&el.ID, &el.SnapshotID, &el.Path, &el.IsAdminOnly, &created, &updated); err != nil {
		return el, err
	}
	t, err := ParseTime(created)
	el.CreatedAt, el.UpdatedAt = t, scanTime(updated)
	return el, err
}

// ListSnapshotExportLocations returns a live snapshot's export locations,
// oldest first.
func (db *DB) ListSnapshotExportLocations(ctx context.Context, snapshotID string) ([]SnapshotExportLocation, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+snapshotELColumns+` FROM snapshot_export_locations e
		JOIN share_snapshots s ON s.id = e.snapshot_id WHERE e.snapshot_id = ? AND s.deleted = 'False'
		ORDER BY e.created_at, e.id`, snapshotID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanSnapshotEL)
}

// GetSnapshotExportLocation returns a live snapshot's export location by
// its id, whichever snapshot it belongs to (as Manila looks it up).
func (db *DB) GetSnapshotExportLocation(ctx context.Context, id string) (SnapshotExportLocation, error) {
	el, err := scanSnapshotEL(db.reader.QueryRowContext(ctx, `SELECT `+snapshotELColumns+` FROM snapshot_export_locations e
		JOIN share_snapshots s ON s.id = e.snapshot_id WHERE e.id = ? AND s.deleted = 'False'`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return el, ErrNotFound
	}
	return el, err
}

// AvailabilityZone is a zone shares can be placed in.
type AvailabilityZone struct {
	ID        string
	Name      string
	CreatedAt time.Time
	UpdatedAt *time.Time
}

// EnsureAvailabilityZone returns the zone named name, recording it (with a
// new id) the first time, as Manila records a zone when a service in it
// first reports.
func (db *DB) EnsureAvailabilityZone(ctx context.Context, name string) (AvailabilityZone, error) {
	var az AvailabilityZone
	err := db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO availability_zones (id, name, created_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, uuid.NewString(), name, FormatTime(tx.Now)); err != nil {
			return err
		}
		var created string
		var updated sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT id, name, created_at, updated_at FROM availability_zones WHERE name = ?`, name).
			Scan(&az.ID, &az.Name, &created, &updated); err != nil {
			return err
		}
		t, err := ParseTime(created)
		az.CreatedAt, az.UpdatedAt = t, scanTime(updated)
		return err
	})
	return az, err
}
