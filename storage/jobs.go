package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Job kinds. The worker package maps each to the code that performs it.
const (
	JobShareCreate = "share.create"
	JobShareDelete = "share.delete"
)

// Job is one unit of durable asynchronous work.
type Job struct {
	ID         int64
	Kind       string
	ResourceID string
	State      string
	RunAfter   time.Time
	Attempts   int
	LastError  *string
	Payload    *string
	CreatedAt  time.Time
}

// EnqueueJob records work to do once runAfter has passed. Call it inside the
// transaction that makes the work necessary, so the two commit together.
func (tx *Tx) EnqueueJob(ctx context.Context, kind, resourceID string, runAfter time.Time, payload *string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, resource_id, state, run_after, payload, created_at)
		VALUES (?, ?, 'pending', ?, ?, ?)`, kind, resourceID, FormatTime(runAfter), nullString(payload), FormatTime(tx.Now))
	if err != nil {
		return fmt.Errorf("storage: enqueue %s %s: %w", kind, resourceID, err)
	}
	return nil
}

// ResumeJobs puts every job that a previous process left 'running' back to
// 'pending'. Call it once at start-up, before any worker claims jobs; it
// returns how many jobs were resumed.
func (db *DB) ResumeJobs(ctx context.Context) (int, error) {
	var n int64
	err := db.Write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'pending', updated_at = ? WHERE state = 'running'`, FormatTime(tx.Now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// ClaimJob marks the oldest due pending job 'running' and returns it, or
// returns nil when nothing is due. A job whose resource already has a job
// running waits, so the jobs of one resource (a share's create and its
// delete) never run at the same time. The second result is when the next pending
// job becomes due (zero if there is none), so an idle worker knows how long
// it may sleep.
func (db *DB) ClaimJob(ctx context.Context) (*Job, time.Time, error) {
	var job *Job
	var next time.Time
	err := db.Write(ctx, func(tx *Tx) error {
		now := FormatTime(tx.Now)
		row := tx.QueryRowContext(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ?
			WHERE id = (SELECT id FROM jobs j WHERE state = 'pending' AND run_after <= ?
				AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.resource_id = j.resource_id)
				ORDER BY run_after, id LIMIT 1)
			RETURNING id, kind, resource_id, state, run_after, attempts, last_error, payload, created_at`, now, now)
		j, err := scanJob(row)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		job = j
		var err2 error
		next, _, err2 = nextJobDue(ctx, tx)
		return err2
	})
	return job, next, err
}

// nextDueQuery is when the next job that could be claimed is due: a
// pending job whose resource has no job running (that one is claimed by
// the goroutine that finishes the running job, when it looks again).
const nextDueQuery = `SELECT min(run_after) FROM jobs j WHERE state = 'pending'
	AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.resource_id = j.resource_id)`

func nextJobDue(ctx context.Context, q querier) (time.Time, bool, error) {
	var due sql.NullString
	if err := q.QueryRowContext(ctx, nextDueQuery).Scan(&due); err != nil {
		return time.Time{}, false, err
	}
	if t := scanTime(due); t != nil {
		return *t, true, nil
	}
	return time.Time{}, false, nil
}

// NextJobDue is when the next claimable job is due (ok false: none is
// pending), read without the writer: an idle worker asks it before it
// takes a write transaction to claim.
func (db *DB) NextJobDue(ctx context.Context) (due time.Time, ok bool, err error) {
	return nextJobDue(ctx, db.reader)
}

// FinishJob removes a job whose work is done.
func (tx *Tx) FinishJob(ctx context.Context, id int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE id = ?`, id)
	return err
}

// FailJob keeps a job that cannot complete, in state 'failed', with the reason.
func (db *DB) FailJob(ctx context.Context, id int64, reason string) error {
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?`,
			reason, FormatTime(tx.Now), id)
		return err
	})
}

// RetryJob puts a running job back to 'pending', due at runAfter, recording
// why the last attempt failed.
func (db *DB) RetryJob(ctx context.Context, id int64, runAfter time.Time, reason string) error {
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'pending', run_after = ?, last_error = ?, updated_at = ? WHERE id = ?`,
			FormatTime(runAfter), reason, FormatTime(tx.Now), id)
		return err
	})
}

// ListJobs returns every job still recorded, oldest first (for tests and
// operators).
func (db *DB) ListJobs(ctx context.Context) ([]Job, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT id, kind, resource_id, state, run_after, attempts, last_error, payload, created_at FROM jobs ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *j)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanJob(s scanner) (*Job, error) {
	var j Job
	var runAfter, created string
	var lastErr, payload sql.NullString
	if err := s.Scan(&j.ID, &j.Kind, &j.ResourceID, &j.State, &runAfter, &j.Attempts, &lastErr, &payload, &created); err != nil {
		return nil, err
	}
	j.LastError, j.Payload = scanString(lastErr), scanString(payload)
	var err error
	if j.RunAfter, err = ParseTime(runAfter); err != nil {
		return nil, err
	}
	if j.CreatedAt, err = ParseTime(created); err != nil {
		return nil, err
	}
	return &j, nil
}
