package worker

import (
	"context"
	"errors"

	"github.com/manilite/manilite/storage"
)

// ExportAccess is the data-plane hook of access rules: it makes the share's
// exports match rules, the share's rules as the job found them (those
// queued to deny are leaving; the others stay or arrive). The NFS data
// plane (issue 10) writes the export here; until then nil does nothing and
// every rule becomes active as soon as it is applied.
type ExportAccess func(ctx context.Context, shareID string, rules []storage.AccessRule) error

// RegisterAccessJobs adds the job that applies a share's queued access
// rules: the hook runs, then in one transaction the rules become active
// (or deleted, when denied) and the share's access_rules_status goes back
// from syncing to active.
func RegisterAccessJobs(p *Pool, export ExportAccess) {
	db := p.db
	p.Register(storage.JobAccessSync, Kind{
		Run: func(ctx context.Context, job storage.Job) error {
			rules, err := db.ListAccessRules(ctx, job.ResourceID)
			if err != nil {
				return err
			}
			if export != nil && len(rules) > 0 {
				if err := export(ctx, job.ResourceID, rules); err != nil {
					return err
				}
			}
			return db.Write(ctx, func(tx *storage.Tx) error {
				if err := tx.FinishAccessSync(ctx, job.ResourceID, rules); err != nil && !errors.Is(err, storage.ErrNotFound) {
					return err
				}
				return tx.FinishJob(ctx, job.ID)
			})
		},
		Fail: func(ctx context.Context, job storage.Job, _ error) error {
			// TODO(issue 10): with a data plane that can fail, Manila puts
			// the rules in error and the share's access_rules_status in
			// error here.
			return nil
		},
	})
}
