package worker

import (
	"context"
	"errors"

	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// ShareUsage is the part of the data plane share resizes use.
type ShareUsage interface {
	// ShareUsedBytes is the data the share's directory holds.
	ShareUsedBytes(id string) (int64, error)
}

// gib is a gigabyte as Manila counts share sizes.
const gib = 1 << 30

// RegisterResizeJobs adds the share extend and shrink jobs to the pool. A
// share directory has no size of its own, so an extend only records the new
// size; a shrink is refused, as Manila's driver refuses it
// (ShareShrinkingPossibleDataLoss), when the directory holds more than the
// new size.
func RegisterResizeJobs(p *Pool, data ShareUsage) {
	db := p.db
	// end ends the resize by t; a user message (action, detail) is left in
	// the same transaction when detail is not empty, as Manila's manager
	// leaves one.
	end := func(ctx context.Context, job storage.Job, t state.Transition[state.ShareStatus], resized bool, action, detail string) error {
		return db.Write(ctx, func(tx *storage.Tx) error {
			if err := tx.EndShareResize(ctx, job.ResourceID, t, resized); err != nil {
				return err
			}
			if detail != "" {
				if err := ignoreState(tx.AddMessage(ctx, storage.MessageShare, job.ResourceID, action, detail)); err != nil {
					return err
				}
			}
			return tx.FinishJob(ctx, job)
		})
	}
	fail := func(t state.Transition[state.ShareStatus], action, detail string) func(ctx context.Context, job storage.Job, _ error) error {
		return func(ctx context.Context, job storage.Job, _ error) error {
			return db.Write(ctx, func(tx *storage.Tx) error {
				if err := tx.EndShareResize(ctx, job.ResourceID, t, false); err != nil {
					return err
				}
				return ignoreState(tx.AddMessage(ctx, storage.MessageShare, job.ResourceID, action, detail))
			})
		}
	}
	p.Register(storage.JobShareExtend, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			return end(ctx, job, state.ShareExtendDone, true, "", "")
		},
		Fail: fail(state.ShareExtendFailed, storage.MessageActionExtend, storage.MessageDriverFailedExtend),
	})
	p.Register(storage.JobShareShrink, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			sh, err := db.GetShare(ctx, job.ResourceID)
			if errors.Is(err, storage.ErrNotFound) || (err == nil && !state.ShareShrinkDone.Allows(sh.Status)) {
				// Gone, or reset by an admin while queued: the reset stands.
				return end(ctx, job, state.ShareShrinkDone, false, "", "")
			}
			if err != nil {
				return err
			}
			size, ok, err := db.ShareResizeTarget(ctx, sh.ID)
			if err != nil {
				return err
			}
			if !ok {
				// No size to go to: nothing to shrink.
				return end(ctx, job, state.ShareShrinkRefused, false, "", "")
			}
			used, err := data.ShareUsedBytes(sh.ID)
			if err != nil {
				return err
			}
			if used > int64(size)*gib {
				// Manila's driver refuses (ShareShrinkingPossibleDataLoss): the
				// share is available again, with Manila's message.
				return end(ctx, job, state.ShareShrinkRefused, false, storage.MessageActionShrink, storage.MessageDriverRefusedShrink)
			}
			return end(ctx, job, state.ShareShrinkDone, true, "", "")
		},
		Fail: fail(state.ShareShrinkFailed, storage.MessageActionShrink, storage.MessageUnknownError),
	})
}
