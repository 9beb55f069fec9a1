package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/manilite/manilite/state"
)

// JobShareManage adopts the directory a managed share names.
const JobShareManage = "share.manage"

// ConflictError means the request collides with what exists (Manila's
// InvalidShare answered 409).
type ConflictError struct{ Reason string }

func (e *ConflictError) Error() string { return "storage: " + e.Reason }

// ManageShare records share sh (status manage_starting, size 0 until the
// job measures it) with exportPath as its export location and enqueues the
// job that adopts the directory, in one transaction: a live share with that
// export location and host already is a ConflictError, so of two racing
// manages of one path exactly one is taken.
func (db *DB) ManageShare(ctx context.Context, sh Share, exportPath string, elID string, jobDelay time.Duration) (Share, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM export_locations e JOIN shares s ON s.id = e.share_id
			WHERE e.deleted = 'False' AND s.deleted = 'False' AND e.path = ? AND coalesce(s.host, '') = ?`,
			exportPath, deref(sh.Host)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &ConflictError{Reason: "A share already exists with the export path specified."}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO shares (id, project_id, user_id, display_name, display_description, size,
			share_proto, status, share_type_id, availability_zone, is_public, host, created_at)
			VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)`,
			sh.ID, sh.ProjectID, sh.UserID, nullString(sh.Name), nullString(sh.Description), sh.Proto, string(state.ShareManageStarting),
			nullString(sh.ShareTypeID), nullString(sh.AvailabilityZone), sh.IsPublic, nullString(sh.Host), FormatTime(tx.Now))
		if err != nil {
			return fmt.Errorf("storage: insert managed share: %w", err)
		}
		if err := tx.AddExportLocation(ctx, ExportLocation{ID: elID, ShareID: sh.ID, Path: exportPath, Preferred: true}); err != nil {
			return err
		}
		return tx.EnqueueJob(ctx, JobShareManage, sh.ID, tx.Now.Add(jobDelay), nil)
	})
	if err != nil {
		return Share{}, err
	}
	return db.GetShare(ctx, sh.ID)
}

// FinishShareManage ends a managed share's job: the share is available
// with the size its data takes, charged to its quotas (a QuotaError when
// they are full), and its export location is the adopted directory's new
// path.
func (tx *Tx) FinishShareManage(ctx context.Context, db *DB, id string, size int, path string) error {
	sh, err := tx.GetShare(ctx, id)
	if err != nil {
		return err
	}
	// The row counts as a share already; its gigabytes come now.
	if err := db.reserveQuota(ctx, tx, sh.quotaScope(),
		map[string]int{"gigabytes": size}); err != nil {
		return err
	}
	if err := tx.TransitionShare(ctx, id, state.ShareManageDone); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE shares SET size = ? WHERE id = ?`, size, id); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE export_locations SET path = ?, updated_at = ? WHERE share_id = ? AND deleted = 'False'`,
		path, FormatTime(tx.Now), id)
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// JobSnapshotManage adopts the directory a managed snapshot names.
const JobSnapshotManage = "snapshot.manage"

// ManageShareSnapshot records snapshot sn of its share (status
// manage_starting, the share's size, Manila's fallback when a driver
// reports none) and enqueues the job that adopts its directory, in one
// transaction: a live snapshot of the share with that provider location
// already is a ConflictError.
func (db *DB) ManageShareSnapshot(ctx context.Context, sn ShareSnapshot, jobDelay time.Duration) (ShareSnapshot, error) {
	err := db.Write(ctx, func(tx *Tx) error {
		sh, err := tx.GetShare(ctx, sn.ShareID)
		if err != nil {
			return err
		}
		var existing string
		err = tx.QueryRowContext(ctx, `SELECT id FROM share_snapshots WHERE share_id = ? AND deleted = 'False' AND provider_location = ?`,
			sn.ShareID, deref(sn.ProviderLocation)).Scan(&existing)
		if err == nil {
			return &ConflictError{Reason: fmt.Sprintf("A share snapshot %s is already managed for provider location %s.", existing, deref(sn.ProviderLocation))}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		sn.Size, sn.ShareSize, sn.ShareProto = sh.Size, sh.Size, sh.Proto
		if _, err := tx.ExecContext(ctx, `INSERT INTO share_snapshots (id, project_id, user_id, share_id, display_name,
			display_description, size, share_size, share_proto, status, progress, provider_location, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '0%', ?, ?)`,
			sn.ID, sn.ProjectID, sn.UserID, sn.ShareID, nullString(sn.Name), nullString(sn.Description), sn.Size, sn.ShareSize,
			sn.ShareProto, string(state.SnapshotManageStarting), nullString(sn.ProviderLocation), FormatTime(tx.Now)); err != nil {
			return fmt.Errorf("storage: insert managed snapshot: %w", err)
		}
		for k, v := range sn.Metadata {
			if _, err := tx.ExecContext(ctx, `INSERT INTO share_snapshot_metadata (snapshot_id, meta_key, value) VALUES (?, ?, ?)`, sn.ID, k, v); err != nil {
				return err
			}
		}
		return tx.EnqueueJob(ctx, JobSnapshotManage, sn.ID, tx.Now.Add(jobDelay), nil)
	})
	if err != nil {
		return ShareSnapshot{}, err
	}
	return db.GetShareSnapshot(ctx, sn.ID)
}

// FinishSnapshotManage ends a managed snapshot's job: within its quotas
// (counting the snapshot itself; a QuotaError when over) it is available
// at path, its provider location and export location.
func (tx *Tx) FinishSnapshotManage(ctx context.Context, db *DB, id, path string) error {
	sn, err := tx.GetShareSnapshot(ctx, id)
	if err != nil {
		return err
	}
	sh, err := tx.GetShare(ctx, sn.ShareID)
	if err != nil {
		return err
	}
	// The row counts already: the quota must not be over with it.
	if err := db.reserveQuota(ctx, tx, QuotaScope{ProjectID: sn.ProjectID, UserID: sn.UserID, ShareTypeID: typeOf(sh.ShareTypeID)},
		map[string]int{"snapshots": 0, "snapshot_gigabytes": 0}); err != nil {
		return err
	}
	if err := transition(ctx, tx, "share_snapshots", id, state.SnapshotManageDone); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE share_snapshots SET progress = '100%' WHERE id = ?`, id); err != nil {
		return err
	}
	if err := tx.SetSnapshotLocation(ctx, id, path); err != nil {
		return err
	}
	_, err = tx.AddSnapshotExportLocation(ctx, id, path)
	return err
}

// FailSnapshotManage ends a managed snapshot in manage_error with size 1,
// as Manila's manager leaves it.
func (tx *Tx) FailSnapshotManage(ctx context.Context, id string) error {
	if err := transition(ctx, tx, "share_snapshots", id, state.SnapshotManageFailed); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE share_snapshots SET size = 1 WHERE id = ?`, id)
	return err
}
