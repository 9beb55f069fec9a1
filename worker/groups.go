package worker

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/manilite/manilite/backend"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// GroupData is the part of the data plane consistency-group jobs use: one
// image of all of a group's shares, taken together, and new shares made
// from it.
type GroupData interface {
	CreateGroupImage(ctx context.Context, cgsnapshotID string, members []backend.GroupMember) error
	DeleteGroupImage(cgsnapshotID string) error
	CreateShareFromImage(ctx context.Context, cgsnapshotID, memberID, shareID string) (exportPath string, err error)
}

// RegisterGroupJobs adds the consistency group and cgsnapshot jobs.
func RegisterGroupJobs(p *Pool, data GroupData, place Placement) {
	db := p.db
	p.Register(storage.JobShareGroupCreate, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			g, err := db.GetShareGroup(ctx, job.ResourceID)
			if errors.Is(err, storage.ErrNotFound) {
				return finish(ctx, db, job)
			}
			if err != nil {
				return err
			}
			if !state.ConsistencyGroupCreateDone.Allows(g.Status) {
				return finish(ctx, db, job)
			}
			// A group built from a cgsnapshot gets its new shares' data from
			// the members' images; each share is done in its own step, so a
			// job resumed after a crash skips the ones already made.
			if g.SourceShareGroupSnapshotID != nil {
				shares, err := db.SharesOfShareGroup(ctx, g.ID)
				if err != nil {
					return err
				}
				for _, sh := range shares {
					if !state.ShareCreateDone.Allows(sh.Status) || sh.SourceShareGroupSnapshotMemberID == nil {
						continue
					}
					path, err := data.CreateShareFromImage(ctx, *g.SourceShareGroupSnapshotID, *sh.SourceShareGroupSnapshotMemberID, sh.ID)
					if err != nil {
						return err
					}
					err = db.Write(ctx, func(tx *storage.Tx) error {
						if err := tx.TransitionShareTo(ctx, sh.ID, state.ShareCreateDone, "100%"); err != nil {
							return ignoreState(err)
						}
						if err := tx.PlaceShare(ctx, sh.ID, place.Host, place.AvailabilityZone); err != nil {
							return err
						}
						return tx.AddExportLocation(ctx, storage.ExportLocation{ID: uuid.NewString(), ShareID: sh.ID, Path: path, Preferred: true})
					})
					if err != nil {
						return err
					}
				}
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				if err := ignoreState(tx.PlaceShareGroup(ctx, g.ID, place.Host, place.AvailabilityZone)); err != nil {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error {
			shares, err := db.SharesOfShareGroup(ctx, job.ResourceID)
			if err != nil {
				return err
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				for _, sh := range shares {
					if err := ignoreState(tx.TransitionShare(ctx, sh.ID, state.ShareCreateFailed)); err != nil {
						return err
					}
				}
				return ignoreState(tx.TransitionShareGroup(ctx, job.ResourceID, state.ConsistencyGroupCreateFailed))
			})
		},
	})

	p.Register(storage.JobShareGroupDelete, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			return db.Write(ctx, func(tx *storage.Tx) error {
				g, err := tx.GetShareGroup(ctx, job.ResourceID)
				if err == nil && state.ConsistencyGroupDeleteDone.Allows(g.Status) {
					if err := tx.SoftDeleteShareGroup(ctx, g.ID); err != nil {
						return err
					}
				} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error {
			return db.Write(ctx, func(tx *storage.Tx) error {
				return ignoreState(tx.TransitionShareGroup(ctx, job.ResourceID, state.ConsistencyGroupDeleteFailed))
			})
		},
	})

	p.Register(storage.JobShareGroupSnapshotCreate, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			c, ok, err := loadFor(ctx, db, job, job.ResourceID, db.GetShareGroupSnapshot, cgSnapshotStatus, state.CGSnapshotCreateDone)
			if !ok {
				return err
			}
			members, err := db.ListShareGroupSnapshotMembers(ctx, c.ID, nil, 0)
			if err != nil {
				return err
			}
			refs := make([]backend.GroupMember, len(members))
			for i, m := range members {
				refs[i] = backend.GroupMember{MemberID: m.ID, ShareID: m.ShareID}
			}
			if err := data.CreateGroupImage(ctx, c.ID, refs); err != nil {
				return err
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				if err := ignoreState(tx.FinishShareGroupSnapshot(ctx, c.ID)); err != nil {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error {
			if err := data.DeleteGroupImage(job.ResourceID); err != nil {
				p.log.Warn("could not remove a failed cgsnapshot's images", "cgsnapshot_id", job.ResourceID, "error", err)
			}
			return db.Write(ctx, func(tx *storage.Tx) error { return ignoreState(tx.FailShareGroupSnapshot(ctx, job.ResourceID)) })
		},
	})

	p.Register(storage.JobShareGroupSnapshotDelete, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			c, ok, err := loadFor(ctx, db, job, job.ResourceID, db.GetShareGroupSnapshot, cgSnapshotStatus, state.CGSnapshotDeleteDone)
			if !ok {
				return err
			}
			if err := data.DeleteGroupImage(c.ID); err != nil {
				return err
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				if err := ignoreState(tx.SoftDeleteShareGroupSnapshot(ctx, c.ID)); err != nil {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error {
			return ignoreState(db.TransitionShareGroupSnapshot(ctx, job.ResourceID, state.CGSnapshotDeleteFailed, "", 0))
		},
	})
}
