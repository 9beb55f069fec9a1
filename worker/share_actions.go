package worker

import (
	"context"
	"errors"

	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// Reverter is the part of the data plane a share revert uses.
type Reverter interface {
	// RevertShare makes the share's directory the snapshot's tree again.
	RevertShare(ctx context.Context, snapshotID, shareID string) error
}

// RegisterShareActionJobs adds the revert and unmanage jobs. Unmanage
// forgets the share (or snapshot) and leaves its directory on disk, where
// manage can adopt it again.
func RegisterShareActionJobs(p *Pool, data Reverter) {
	db := p.db
	endRevert := func(ctx context.Context, job storage.Job, reverted bool, finish bool) error {
		return db.Write(ctx, func(tx *storage.Tx) error {
			if err := tx.EndShareRevert(ctx, job.ResourceID, payload(job), reverted); err != nil {
				return err
			}
			if !finish {
				return nil
			}
			return tx.FinishJob(ctx, job)
		})
	}
	p.Register(storage.JobShareRevert, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			sh, err := db.GetShare(ctx, job.ResourceID)
			if errors.Is(err, storage.ErrNotFound) || (err == nil && !state.ShareRevertDone.Allows(sh.Status)) {
				// Gone, or reset by an admin while queued: the reset stands.
				return endRevert(ctx, job, false, true)
			}
			if err != nil {
				return err
			}
			if err := data.RevertShare(ctx, payload(job), sh.ID); err != nil {
				return err
			}
			return endRevert(ctx, job, true, true)
		},
		// As Manila's manager: the share is reverting_error, the snapshot
		// available again.
		Fail: func(ctx context.Context, job storage.Job, _ error) error { return endRevert(ctx, job, false, false) },
	})
	p.Register(storage.JobShareUnmanage, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			return db.Write(ctx, func(tx *storage.Tx) error {
				if err := storage.IgnoreGone(tx.SoftDeleteShare(ctx, job.ResourceID, state.ShareUnmanageDone)); err != nil {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, _ error) error { return nil },
	})
	p.Register(storage.JobSnapshotUnmanage, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			return db.Write(ctx, func(tx *storage.Tx) error {
				err := tx.TransitionShareSnapshot(ctx, job.ResourceID, state.SnapshotUnmanageDone, "")
				if err == nil {
					err = tx.SoftDeleteShareSnapshot(ctx, job.ResourceID)
				}
				if err := storage.IgnoreGone(err); err != nil {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, _ error) error { return nil },
	})
}

func payload(job storage.Job) string {
	if job.Payload == nil {
		return ""
	}
	return *job.Payload
}
