package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/manilite/manilite/backend"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// BackupData is the part of the data plane backup and snapshot jobs use.
type BackupData interface {
	CreateBackup(ctx context.Context, shareID, backupID string, opts map[string]any, progress func(percent int)) (backend.BackupInfo, error)
	RestoreBackup(ctx context.Context, backupID, shareID string, progress func(percent int)) error
	DeleteBackup(backupID string) error
	CreateSnapshot(ctx context.Context, shareID, snapshotID string) error
	DeleteSnapshot(snapshotID string) error
	SnapshotPath(snapshotID string) (string, error)
	// AdoptSnapshot makes an unowned directory the snapshot's (manage).
	AdoptSnapshot(location, snapshotID string) (string, error)
}

// progressInterval bounds how often a job writes its progress: the data
// moves much faster than clients poll.
const progressInterval = 250 * time.Millisecond

// progressWriter records a job's progress percentage in the database, at
// most every progressInterval and only when it changed.
func progressWriter(ctx context.Context, p *Pool, backupID, field string) func(int) {
	var mu sync.Mutex
	last, lastAt := -1, time.Time{}
	return func(percent int) {
		mu.Lock()
		defer mu.Unlock()
		if percent == last || percent >= 100 || time.Since(lastAt) < progressInterval {
			return
		}
		last, lastAt = percent, time.Now()
		if err := p.db.SetBackupProgress(ctx, backupID, field, percent); err != nil {
			p.log.Warn("could not record progress", "backup_id", backupID, "error", err)
		}
	}
}

func finish(ctx context.Context, db *storage.DB, job storage.Job) error {
	return db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, job) })
}

// loadFor reads the resource a job works on. When it is gone, or no longer
// in a status the job's transition t leaves (an admin reset it, or a run
// before a crash got further), the job is finished and ok is false.
func loadFor[T any, S ~string](ctx context.Context, db *storage.DB, job storage.Job, id string, get func(context.Context, string) (T, error), status func(T) S, t state.Transition[S]) (v T, ok bool, err error) {
	v, err = get(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !t.Allows(status(v))) {
		return v, false, finish(ctx, db, job)
	}
	return v, err == nil, err
}

func backupStatus(b storage.ShareBackup) state.BackupStatus                { return b.Status }
func snapshotStatus(s storage.ShareSnapshot) state.SnapshotStatus          { return s.Status }
func cgSnapshotStatus(c storage.ShareGroupSnapshot) state.CGSnapshotStatus { return c.Status }

// ignoreState treats a status an admin changed meanwhile as final.
func ignoreState(err error) error {
	var se *storage.StateError
	if errors.As(err, &se) || errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}

// failWithMessage ends a failed job's resource in error, err being the
// transition to the error status: where it was made, the resource gets the
// user message Manila leaves for action (an unknown error, as Manila
// translates a driver's exception); a status an admin changed meanwhile
// is final and tells nobody anything.
func failWithMessage(ctx context.Context, tx *storage.Tx, err error, resourceID, resourceType, action string) error {
	if err != nil {
		return ignoreState(err)
	}
	return ignoreState(tx.AddMessage(ctx, resourceType, resourceID, action, storage.MessageUnknownError))
}

// RegisterBackupJobs adds the share backup and snapshot jobs to the pool.
// dataHost is the host recorded on backups the generic path makes.
func RegisterBackupJobs(p *Pool, data BackupData, dataHost string) {
	db := p.db
	registerSnapshotManage(p, data)
	p.Register(storage.JobBackupCreate, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			b, ok, err := loadFor(ctx, db, job, job.ResourceID, db.GetShareBackup, backupStatus, state.BackupCreateDone)
			if !ok {
				return err
			}
			if b.Host == nil {
				if err := db.Write(ctx, func(tx *storage.Tx) error { return tx.SetBackupHost(ctx, b.ID, dataHost) }); err != nil {
					return err
				}
			}
			start := time.Now()
			info, err := data.CreateBackup(ctx, b.ShareID, b.ID, b.Options, progressWriter(ctx, p, b.ID, "progress"))
			if errors.Is(err, backend.ErrInvalidOption) {
				return Permanent(err)
			}
			if err != nil {
				return err
			}
			p.obs.ObserveBackup("create", info.Bytes, info.ArchiveBytes, time.Since(start))
			return db.Write(ctx, func(tx *storage.Tx) error {
				err := tx.FinishBackup(ctx, b.ID, state.BackupCreateDone, map[string]any{"progress": "100"},
					b.ShareID, state.ShareBackupCreateDone)
				if err := ignoreState(err); err != nil {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error {
			b, err := db.GetShareBackup(ctx, job.ResourceID)
			if err != nil {
				return ignoreState(err)
			}
			if err := data.DeleteBackup(b.ID); err != nil {
				p.log.Warn("could not remove a failed backup's data", "backup_id", b.ID, "error", err)
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				return ignoreState(tx.FinishBackup(ctx, b.ID, state.BackupCreateFailed,
					map[string]any{"progress": "0", "fail_reason": cause.Error()}, b.ShareID, state.ShareBackupCreateDone))
			})
		},
	})

	p.Register(storage.JobBackupDelete, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			b, ok, err := loadFor(ctx, db, job, job.ResourceID, db.GetShareBackup, backupStatus, state.BackupDeleteDone)
			if !ok {
				return err
			}
			if err := data.DeleteBackup(b.ID); err != nil {
				return err
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				if err := ignoreState(tx.SoftDeleteShareBackup(ctx, b.ID)); err != nil {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error {
			return db.Write(ctx, func(tx *storage.Tx) error {
				return ignoreState(tx.FinishBackup(ctx, job.ResourceID, state.BackupDeleteFailed,
					map[string]any{"fail_reason": cause.Error()}, "", state.Transition[state.ShareStatus]{}))
			})
		},
	})

	// A restore job belongs to the share it writes into; its payload is the
	// backup.
	restoreBackupID := func(job storage.Job) (string, error) {
		if job.Payload == nil || *job.Payload == "" {
			return "", Permanent(fmt.Errorf("restore job %d names no backup", job.ID))
		}
		return *job.Payload, nil
	}
	p.Register(storage.JobBackupRestore, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			backupID, err := restoreBackupID(job)
			if err != nil {
				return err
			}
			b, ok, err := loadFor(ctx, db, job, backupID, db.GetShareBackup, backupStatus, state.BackupRestoreDone)
			if !ok {
				return err
			}
			start := time.Now()
			err = data.RestoreBackup(ctx, b.ID, job.ResourceID, progressWriter(ctx, p, b.ID, "restore_progress"))
			if errors.Is(err, backend.ErrCorruptBackup) || errors.Is(err, backend.ErrBackupNotFound) {
				return Permanent(err)
			}
			if err != nil {
				return err
			}
			p.observeRestore(data, b.ID, time.Since(start))
			return db.Write(ctx, func(tx *storage.Tx) error {
				err := tx.FinishBackup(ctx, b.ID, state.BackupRestoreDone,
					map[string]any{"restore_progress": "100", "restore_share_id": nil}, job.ResourceID, state.ShareBackupRestoreDone)
				if err := ignoreState(err); err != nil {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error {
			backupID, err := restoreBackupID(job)
			if err != nil {
				return nil
			}
			// As Manila's data service does: the backup is still good, the
			// share is marked; the share's previous content is untouched.
			return db.Write(ctx, func(tx *storage.Tx) error {
				return ignoreState(tx.FinishBackup(ctx, backupID, state.BackupRestoreFailed,
					map[string]any{"restore_progress": "0", "restore_share_id": nil, "fail_reason": cause.Error()},
					job.ResourceID, state.ShareBackupRestoreFailed))
			})
		},
	})

	p.Register(storage.JobSnapshotCreate, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			sn, ok, err := loadFor(ctx, db, job, job.ResourceID, db.GetShareSnapshot, snapshotStatus, state.SnapshotCreateDone)
			if !ok {
				return err
			}
			if err := data.CreateSnapshot(ctx, sn.ShareID, sn.ID); err != nil {
				return err
			}
			path, err := data.SnapshotPath(sn.ID)
			if err != nil {
				return Permanent(err)
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				err := tx.TransitionShareSnapshot(ctx, sn.ID, state.SnapshotCreateDone, "100%")
				if err == nil {
					err = tx.SetSnapshotLocation(ctx, sn.ID, path)
				}
				if err == nil {
					// Its directory is where the snapshot is reachable, as a
					// share's export location is its directory.
					_, err = tx.AddSnapshotExportLocation(ctx, sn.ID, path)
				}
				if err := ignoreState(err); err != nil {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error {
			if err := data.DeleteSnapshot(job.ResourceID); err != nil {
				p.log.Warn("could not remove a failed snapshot's data", "snapshot_id", job.ResourceID, "error", err)
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				return failWithMessage(ctx, tx, tx.TransitionShareSnapshot(ctx, job.ResourceID, state.SnapshotCreateFailed, ""),
					job.ResourceID, storage.MessageShareSnapshot, storage.MessageActionCreate)
			})
		},
	})

	p.Register(storage.JobSnapshotDelete, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			sn, ok, err := loadFor(ctx, db, job, job.ResourceID, db.GetShareSnapshot, snapshotStatus, state.SnapshotDeleteDone)
			if !ok {
				return err
			}
			if err := data.DeleteSnapshot(sn.ID); err != nil {
				return err
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				if err := ignoreState(tx.SoftDeleteShareSnapshot(ctx, sn.ID)); err != nil {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error {
			return db.Write(ctx, func(tx *storage.Tx) error {
				return failWithMessage(ctx, tx, tx.TransitionShareSnapshot(ctx, job.ResourceID, state.SnapshotDeleteFailed, ""),
					job.ResourceID, storage.MessageShareSnapshot, storage.MessageActionDelete)
			})
		},
	})
}
