package storage

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/manilite/manilite/state"
)

// tables whose rows have a status column transition can change. The table
// name is never taken from callers' input.
var statusTables = map[string]string{
	"shares":                "share",
	"share_snapshots":       "share_snapshot",
	"share_backups":         "share_backup",
	"share_groups":          "consistency_group",
	"share_group_snapshots": "cgsnapshot",
}

// transition applies t to a live row of table atomically: the row moves to
// t.To if its status is one t leaves (any, when t.From is nil). It returns
// ErrNotFound for no live row and *StateError when the row is in another
// status.
func transition[S ~string](ctx context.Context, tx *Tx, table, id string, t state.Transition[S]) error {
	of, ok := statusTables[table]
	if !ok {
		panic("storage: transition on unknown table " + table)
	}
	q := `UPDATE ` + table + ` SET status = ?, updated_at = ? WHERE id = ? AND deleted = 'False'`
	args := []any{string(t.To), FormatTime(tx.Now), id}
	if !t.FromAny() {
		q += ` AND status IN ` + inClause(len(t.From))
		for _, s := range t.From {
			args = append(args, string(s))
		}
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var current string
	err = tx.QueryRowContext(ctx, `SELECT status FROM `+table+` WHERE id = ? AND deleted = 'False'`, id).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	return &StateError{Of: of, Current: current}
}

// softDelete marks a live row of table deleted as Manila does, whatever
// its status: deleted = its id, deleted_at = now, status deleted (the
// resource's own "deleted" status).
func softDelete[S ~string](ctx context.Context, tx *Tx, table, id string, deleted S) error {
	if _, ok := statusTables[table]; !ok {
		panic("storage: soft delete on unknown table " + table)
	}
	res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET status = ?, deleted = id, deleted_at = ?, updated_at = ?
		WHERE id = ? AND deleted = 'False'`, string(deleted), FormatTime(tx.Now), FormatTime(tx.Now), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// inClause is "(?,?,...)" for n values.
func inClause(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// transitionWithJob applies t to a live row and, when job is set, enqueues
// it for the row, in one transaction.
func transitionWithJob[S ~string](ctx context.Context, db *DB, table, id string, t state.Transition[S], job string, jobDelay time.Duration) error {
	return db.Write(ctx, func(tx *Tx) error {
		if err := transition(ctx, tx, table, id, t); err != nil {
			return err
		}
		if job != "" {
			return tx.EnqueueJob(ctx, job, id, tx.Now.Add(jobDelay), nil)
		}
		return nil
	})
}

// rename sets a row's name and description and reads it back with get, in
// one transaction.
func rename[T any](ctx context.Context, db *DB, table, id string, u NameUpdate, get func(context.Context, querier, string) (T, error)) (T, error) {
	var out T
	err := db.Write(ctx, func(tx *Tx) error {
		if err := tx.updateNames(ctx, table, id, u); err != nil {
			return err
		}
		var err error
		out, err = get(ctx, tx, id)
		return err
	})
	return out, err
}
