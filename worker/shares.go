package worker

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// ShareData is the part of the data plane share jobs use.
type ShareData interface {
	CreateShare(id string) (exportPath string, err error)
	// CreateShareFromSnapshot makes the share a copy of a snapshot.
	CreateShareFromSnapshot(ctx context.Context, snapshotID, shareID string) (exportPath string, err error)
	// AdoptShare makes an unowned directory the share's (manage).
	AdoptShare(exportPath, shareID string) (newPath string, usedBytes int64, err error)
	DeleteShare(id string) error
}

// Placement is where new shares land.
type Placement struct {
	Host             string
	AvailabilityZone string
	// Capabilities are what the back end reports to Manila's scheduler
	// now; a share whose type's extra specs they do not satisfy ends in
	// error with Manila's "no storage could be allocated" message. Nil
	// checks nothing.
	Capabilities func() map[string]any
}

// RegisterShareJobs adds the share create and delete jobs to the pool.
func RegisterShareJobs(p *Pool, data ShareData, place Placement) {
	db := p.db
	p.Register(storage.JobShareCreate, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			sh, err := db.GetShare(ctx, job.ResourceID)
			if errors.Is(err, storage.ErrNotFound) {
				return db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, job) })
			}
			if err != nil {
				return err
			}
			if !state.ShareCreateDone.Allows(sh.Status) && len(sh.ExportLocations) > 0 {
				// Already done (a replay), or the share moved on.
				return db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, job) })
			}
			if state.ShareBeingDeleted.Contains(sh.Status) {
				// Force-deleted before it was made: the delete job has nothing
				// to remove, so make nothing.
				return db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, job) })
			}
			if sh.ShareNetworkID != nil {
				// The backend does not handle share servers: Manila's share
				// manager fails a share given a share network.
				return db.Write(ctx, func(tx *storage.Tx) error {
					err := tx.TransitionShare(ctx, sh.ID, state.ShareCreateFailed)
					if err == nil {
						err = tx.AddMessage(ctx, storage.MessageShare, sh.ID, storage.MessageActionCreate, storage.MessageUnexpectedNetwork)
					}
					if err := ignoreState(err); err != nil {
						return err
					}
					return tx.FinishJob(ctx, job)
				})
			}
			if place.Capabilities != nil && !CapabilitiesSatisfied(place.Capabilities(), sh.TypeExtraSpecs) {
				// Manila's scheduler: no valid host; the share is in error
				// with the capabilities filter's message.
				return db.Write(ctx, func(tx *storage.Tx) error {
					err := ignoreState(tx.TransitionShare(ctx, sh.ID, state.ShareCreateFailed))
					if err == nil {
						err = ignoreState(tx.AddMessage(ctx, storage.MessageShare, sh.ID, storage.MessageActionAllocateHost, storage.MessageFilterCapabilities))
					}
					if err != nil {
						return err
					}
					return tx.FinishJob(ctx, job)
				})
			}
			var path string
			if sh.SnapshotID != nil {
				path, err = data.CreateShareFromSnapshot(ctx, *sh.SnapshotID, sh.ID)
			} else {
				path, err = data.CreateShare(sh.ID)
			}
			if err != nil {
				return err
			}
			gone := false
			err = db.Write(ctx, func(tx *storage.Tx) error {
				// An admin may have reset the status meanwhile; then the
				// reset stands, but the share still gets its location.
				err := tx.TransitionShareTo(ctx, sh.ID, state.ShareCreateDone, "100%")
				var se *storage.StateError
				if errors.Is(err, storage.ErrNotFound) {
					gone = true
					return tx.FinishJob(ctx, job)
				}
				if err != nil && !errors.As(err, &se) {
					return err
				}
				if err == nil {
					if err := tx.PlaceShare(ctx, sh.ID, place.Host, place.AvailabilityZone); err != nil {
						return err
					}
				}
				if err == nil || se != nil {
					if len(sh.ExportLocations) == 0 {
						if err := tx.AddExportLocation(ctx, storage.ExportLocation{
							ID: uuid.NewString(), ShareID: sh.ID, Path: path, Preferred: true,
						}); err != nil {
							return err
						}
					}
				}
				return tx.FinishJob(ctx, job)
			})
			if err == nil && gone {
				// The share vanished while its data was being made (jobs of
				// one share never overlap, so only an outside change gets
				// here): leave no directory behind.
				return data.DeleteShare(sh.ID)
			}
			return err
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error {
			return db.Write(ctx, func(tx *storage.Tx) error {
				return failWithMessage(ctx, tx, tx.TransitionShare(ctx, job.ResourceID, state.ShareCreateFailed),
					job.ResourceID, storage.MessageShare, storage.MessageActionCreate)
			})
		},
	})
	registerShareManage(p, data, place)
	p.Register(storage.JobShareDelete, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			sh, err := db.GetShare(ctx, job.ResourceID)
			if errors.Is(err, storage.ErrNotFound) {
				return db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, job) })
			}
			if err != nil {
				return err
			}
			// Whatever the status now (an admin may have reset it while the
			// job was queued), an acknowledged delete happens, as in Manila.
			if err := data.DeleteShare(sh.ID); err != nil {
				return err
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				err := tx.SoftDeleteShare(ctx, sh.ID, state.ShareDeleteDone)
				var se *storage.StateError
				if err != nil && !errors.As(err, &se) && !errors.Is(err, storage.ErrNotFound) {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error {
			return db.Write(ctx, func(tx *storage.Tx) error {
				return failWithMessage(ctx, tx, tx.TransitionShare(ctx, job.ResourceID, state.ShareDeleteFailed),
					job.ResourceID, storage.MessageShare, storage.MessageActionDelete)
			})
		},
	})
}
