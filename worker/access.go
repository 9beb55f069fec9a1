package worker

import (
	"context"
	"errors"

	"github.com/manilite/manilite/storage"
)

// ExportAccess is the data-plane hook of access rules: it makes the share's
// exports match rules, the share's rules as the job found them (those
// queued to deny are leaving; the others stay or arrive). It returns the
// ids of the rules it cannot apply (a type or address the data plane does
// not support: they go to error, as a Manila driver's rule_state_map says),
// or an error when the exports could not be changed (retried; once the
// job gives up, the pending rules and the share's access_rules_status are
// in error). Nil has no data plane: every rule becomes active as soon as it
// is applied.
type ExportAccess func(ctx context.Context, shareID string, rules []storage.AccessRule) (refused []string, err error)

// RegisterAccessJobs adds the job that applies a share's queued access
// rules: the hook runs, then in one transaction the rules become active
// (or deleted, when denied, or error, when refused) and the share's
// access_rules_status leaves syncing.
func RegisterAccessJobs(p *Pool, export ExportAccess) {
	db := p.db
	p.Register(storage.JobAccessSync, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			rules, err := db.ListAccessRules(ctx, job.ResourceID)
			if err != nil {
				return err
			}
			var refused []string
			if export != nil && len(rules) > 0 {
				if refused, err = export(ctx, job.ResourceID, rules); err != nil {
					return err
				}
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				if err := tx.FinishAccessSync(ctx, job.ResourceID, rules, refused); err != nil && !errors.Is(err, storage.ErrNotFound) {
					return err
				}
				return tx.FinishJob(ctx, job)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, _ error) error {
			// Without a data plane nothing can fail past the database, whose
			// own errors leave the rules queued for the next job.
			if export == nil {
				return nil
			}
			return db.Write(ctx, func(tx *storage.Tx) error { return tx.FailAccessSync(ctx, job.ResourceID) })
		},
	})
}
