package storage

import (
	"context"
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
	if err := db.reserveQuota(ctx, tx, QuotaScope{ProjectID: sh.ProjectID, UserID: sh.UserID, ShareTypeID: typeOf(sh.ShareTypeID)},
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
