package worker

import (
	"context"
	"errors"

	"github.com/manilite/manilite/backend"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// registerShareManage adds the job that adopts a managed share's
// directory: its size is measured, charged to its quotas, and the share
// becomes available; a directory it cannot take, or a full quota, ends the
// share in manage_error with size 0, as Manila's manager leaves it (and
// no user message, as Manila leaves none).
func registerShareManage(p *Pool, data ShareData, place Placement) {
	db := p.db
	p.Register(storage.JobShareManage, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			sh, err := db.GetShare(ctx, job.ResourceID)
			if errors.Is(err, storage.ErrNotFound) || (err == nil && !state.ShareManageDone.Allows(sh.Status)) {
				return db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, job) })
			}
			if err != nil {
				return err
			}
			if len(sh.ExportLocations) == 0 {
				return Permanent(errors.New("managed share has no export location"))
			}
			path, used, err := data.AdoptShare(sh.ExportLocations[0].Path, sh.ID)
			if errors.Is(err, backend.ErrNotManageable) {
				return Permanent(err)
			}
			if err != nil {
				return err
			}
			// Its data rounded up to whole GiB, at least one, as Manila's
			// drivers report a managed share's size.
			size := max(1, int((used+gib-1)/gib))
			return db.Write(ctx, func(tx *storage.Tx) error {
				err := tx.FinishShareManage(ctx, db, sh.ID, size, path)
				var qe *storage.QuotaError
				if errors.As(err, &qe) {
					if err := ignoreState(tx.TransitionShare(ctx, sh.ID, state.ShareManageFailed)); err != nil {
						return err
					}
				} else if err := ignoreState(err); err != nil {
					return err
				} else if err := tx.PlaceShare(ctx, sh.ID, deref(sh.Host), place.AvailabilityZone); err != nil {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, _ error) error {
			return db.Write(ctx, func(tx *storage.Tx) error {
				return ignoreState(tx.TransitionShare(ctx, job.ResourceID, state.ShareManageFailed))
			})
		},
	})
}

// registerSnapshotManage adds the job that adopts a managed snapshot's
// directory; one it cannot take, or a quota already full, ends the snapshot
// in manage_error.
func registerSnapshotManage(p *Pool, data BackupData) {
	db := p.db
	p.Register(storage.JobSnapshotManage, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			sn, err := db.GetShareSnapshot(ctx, job.ResourceID)
			if errors.Is(err, storage.ErrNotFound) || (err == nil && !state.SnapshotManageDone.Allows(sn.Status)) {
				return db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, job) })
			}
			if err != nil {
				return err
			}
			path, err := data.AdoptSnapshot(deref(sn.ProviderLocation), sn.ID)
			if errors.Is(err, backend.ErrNotManageable) {
				return Permanent(err)
			}
			if err != nil {
				return err
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				err := tx.FinishSnapshotManage(ctx, db, sn.ID, path)
				var qe *storage.QuotaError
				if errors.As(err, &qe) {
					err = tx.FailSnapshotManage(ctx, sn.ID)
				}
				if err := ignoreState(err); err != nil {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, _ error) error {
			return db.Write(ctx, func(tx *storage.Tx) error { return ignoreState(tx.FailSnapshotManage(ctx, job.ResourceID)) })
		},
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
