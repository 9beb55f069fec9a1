package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/manilite/manilite/state"
)

// The jobs that extend and shrink a share.
const (
	JobShareExtend = "share.extend"
	JobShareShrink = "share.shrink"
)

// ShareResize is an extend or a shrink of a share to NewSize.
type ShareResize struct {
	ShareID string
	NewSize int
	// Begin is the transition that starts it (state.ShareExtend or
	// state.ShareShrink), Job the job that finishes it.
	Begin    state.Transition[state.ShareStatus]
	Job      string
	JobDelay time.Duration
}

// BeginShareResize moves the share by r.Begin, records the size it goes to
// and enqueues r.Job, in one transaction. A share growing is charged the
// gigabytes it adds on its owner's and its type's quotas, reserved until the
// job ends. Errors: ErrNotFound, *StateError, *BusyError, *QuotaError.
func (db *DB) BeginShareResize(ctx context.Context, r ShareResize) error {
	return db.Write(ctx, func(tx *Tx) error {
		sh, err := tx.GetShare(ctx, r.ShareID)
		if err != nil {
			return err
		}
		if !r.Begin.Allows(sh.Status) {
			return &StateError{Of: "share", Current: string(sh.Status)}
		}
		if err := tx.checkNotBusy(ctx, sh.ID); err != nil {
			return err
		}
		if grow := r.NewSize - sh.Size; grow > 0 {
			if err := db.reserveQuota(ctx, tx, sh.quotaScope(),
				map[string]int{"gigabytes": grow}); err != nil {
				return err
			}
		}
		if err := transition(ctx, tx, "shares", sh.ID, r.Begin); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shares SET new_size = ? WHERE id = ?`, r.NewSize, sh.ID); err != nil {
			return err
		}
		return tx.EnqueueJob(ctx, r.Job, sh.ID, tx.Now.Add(r.JobDelay), nil)
	})
}

// ShareResizeTarget is the size a resize under way takes the share to;
// false when none is under way.
func (db *DB) ShareResizeTarget(ctx context.Context, id string) (int, bool, error) {
	var size sql.NullInt64
	err := db.reader.QueryRowContext(ctx, `SELECT new_size FROM shares WHERE id = ? AND deleted = 'False'`, id).Scan(&size)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return int(size.Int64), size.Valid, err
}

// EndShareResize ends a resize by t: the share takes its new size when
// resized, keeps its size otherwise; the reservation goes either way. A
// share no longer in the status t leaves (reset meanwhile) keeps its
// status and size.
func (tx *Tx) EndShareResize(ctx context.Context, id string, t state.Transition[state.ShareStatus], resized bool) error {
	err := transition(ctx, tx, "shares", id, t)
	var se *StateError
	switch {
	case errors.As(err, &se), errors.Is(err, ErrNotFound):
		resized = false
	case err != nil:
		return err
	}
	q := `UPDATE shares SET new_size = NULL WHERE id = ?`
	if resized {
		q = `UPDATE shares SET size = new_size, new_size = NULL WHERE id = ?`
	}
	_, err = tx.ExecContext(ctx, q, id)
	return err
}
