package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/manilite/manilite/state"
)

// The jobs of a share revert and of share and snapshot unmanage.
const (
	JobShareRevert      = "share.revert"
	JobShareUnmanage    = "share.unmanage"
	JobSnapshotUnmanage = "snapshot.unmanage"
)

// SetShareTaskState sets a share's task_state (nil clears it).
func (db *DB) SetShareTaskState(ctx context.Context, id string, task *string) error {
	return db.Write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE shares SET task_state = ?, updated_at = ? WHERE id = ? AND deleted = 'False'`,
			nullString(task), FormatTime(tx.Now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		return nil
	})
}

// LatestShareSnapshot is the share's most recent live snapshot;
// ErrNotFound when it has none.
func (db *DB) LatestShareSnapshot(ctx context.Context, shareID string) (ShareSnapshot, error) {
	var id string
	err := db.reader.QueryRowContext(ctx, `SELECT id FROM share_snapshots WHERE share_id = ? AND deleted = 'False'
		ORDER BY created_at DESC, rowid DESC LIMIT 1`, shareID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return ShareSnapshot{}, ErrNotFound
	}
	if err != nil {
		return ShareSnapshot{}, err
	}
	return db.GetShareSnapshot(ctx, id)
}

// BeginShareRevert moves the share to reverting and the snapshot to
// restoring, records the size the share goes back to (charging the
// gigabytes it grows by) and enqueues the revert job, in one transaction.
// Errors: ErrNotFound, *StateError, *BusyError, *QuotaError.
func (db *DB) BeginShareRevert(ctx context.Context, shareID, snapshotID string, jobDelay time.Duration) error {
	return db.Write(ctx, func(tx *Tx) error {
		sh, err := tx.GetShare(ctx, shareID)
		if err != nil {
			return err
		}
		sn, err := tx.GetShareSnapshot(ctx, snapshotID)
		if err != nil {
			return err
		}
		if err := tx.checkNotBusy(ctx, sh.ID); err != nil {
			return err
		}
		if grow := sn.Size - sh.Size; grow > 0 {
			if err := db.reserveQuota(ctx, tx, sh.quotaScope(),
				map[string]int{"gigabytes": grow}); err != nil {
				return err
			}
		}
		if err := transition(ctx, tx, "shares", sh.ID, state.ShareRevert); err != nil {
			return err
		}
		if err := transition(ctx, tx, "share_snapshots", sn.ID, state.SnapshotRestore); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shares SET new_size = ? WHERE id = ?`, sn.Size, sh.ID); err != nil {
			return err
		}
		payload := sn.ID
		return tx.EnqueueJob(ctx, JobShareRevert, sh.ID, tx.Now.Add(jobDelay), &payload)
	})
}

// EndShareRevert ends a revert: the share is available at the snapshot's
// size (or reverting_error at its own when it failed), the snapshot
// available again.
func (tx *Tx) EndShareRevert(ctx context.Context, shareID, snapshotID string, reverted bool) error {
	t := state.ShareRevertDone
	if !reverted {
		t = state.ShareRevertFailed
	}
	if err := tx.EndShareResize(ctx, shareID, t, reverted); err != nil {
		return err
	}
	return IgnoreGone(transition(ctx, tx, "share_snapshots", snapshotID, state.SnapshotRestoreDone))
}

// BeginShareUnmanage moves the share by t (state.ShareUnmanage or
// state.ShareUnmanageManageError) and enqueues the job that forgets it,
// unless it has snapshots or backups (*DependentsError). Errors:
// ErrNotFound, *StateError, *DependentsError.
func (db *DB) BeginShareUnmanage(ctx context.Context, id string, t state.Transition[state.ShareStatus], jobDelay time.Duration) error {
	return db.Write(ctx, func(tx *Tx) error {
		for _, dep := range []struct{ table, what string }{{"share_snapshots", "snapshot(s)"}, {"share_backups", "backup(s)"}} {
			n, err := tx.count(ctx, `SELECT count(*) FROM `+dep.table+` WHERE share_id = ? AND deleted = 'False'`, id)
			if err != nil {
				return err
			}
			if n > 0 {
				return &DependentsError{Count: n, What: dep.what}
			}
		}
		if err := transition(ctx, tx, "shares", id, t); err != nil {
			return err
		}
		return tx.EnqueueJob(ctx, JobShareUnmanage, id, tx.Now.Add(jobDelay), nil)
	})
}

// BeginSnapshotUnmanage moves the snapshot to unmanage_starting and
// enqueues the job that forgets it. Errors: ErrNotFound, *StateError.
func (db *DB) BeginSnapshotUnmanage(ctx context.Context, id string, jobDelay time.Duration) error {
	return transitionWithJob(ctx, db, "share_snapshots", id, state.SnapshotUnmanage, JobSnapshotUnmanage, jobDelay)
}

// IgnoreGone is nil for a resource gone or moved on meanwhile (an admin
// reset stands), err otherwise.
func IgnoreGone(err error) error {
	var se *StateError
	if errors.As(err, &se) || errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
