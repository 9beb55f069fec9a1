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
	// LeaseOwner and LeaseExpires: which node holds a running job, until
	// when (nil unless running).
	LeaseOwner   *string
	LeaseExpires *time.Time
}

// EnqueueJob records work to do once runAfter has passed. Call it inside the
// transaction that makes the work necessary, so the two commit together.
func (tx *Tx) EnqueueJob(ctx context.Context, kind, resourceID string, runAfter time.Time, payload *string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, resource_id, state, run_after, payload, created_at)
		VALUES (?, ?, 'pending', ?, ?, ?)`, kind, resourceID, FormatTime(runAfter), nullString(payload), FormatTime(tx.Now))
	if err != nil {
		return fmt.Errorf("storage: enqueue %s %s: %w", kind, resourceID, err)
	}
	if tx.d != nil {
		// Delivered to every listening node when the transaction commits
		// (and once however many jobs it enqueued): see WatchJobs.
		if _, err := tx.ExecContext(ctx, `SELECT pg_notify('`+jobsChannel+`', '')`); err != nil {
			return fmt.Errorf("storage: enqueue %s %s: notify: %w", kind, resourceID, err)
		}
	}
	return nil
}

// ErrLeaseLost means a job's lease is no longer the caller's: it expired
// and another node claimed the job (or the job was put back). The work
// done under it must not be committed; the transaction that asked rolls
// back.
var ErrLeaseLost = errors.New("storage: job lease lost")

// JobLease is how a node claims jobs: under its name, for ttl at a time.
type JobLease struct {
	// Owner names the node (unique among the nodes sharing the database).
	Owner string
	// TTL is how long a claim lasts unless renewed.
	TTL time.Duration
}

// ResumeJobs makes the jobs a previous run of this node left 'running'
// claimable at once, instead of when their leases expire: call it at
// start-up, before the node claims jobs. On SQLite the database is one
// node's by construction (a local file), so every running job is this
// node's. It returns how many jobs were put back.
func (db *DB) ResumeJobs(ctx context.Context, owner string) (int, error) {
	var n int64
	err := db.Write(ctx, func(tx *Tx) error {
		oneNode := 0
		if db.pg == nil {
			oneNode = 1
		}
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'pending', lease_owner = NULL, lease_expires = NULL, updated_at = ?
			WHERE state = 'running' AND (? = 1 OR lease_owner = ? OR lease_owner IS NULL)`, FormatTime(tx.Now), oneNode, owner)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// claimableJobs is the condition on a job j that may be claimed now (its
// three ? are now): a due pending job, or a running one whose lease has
// expired (its node died), unless another job of the same resource holds
// a live lease: the jobs of one resource (a share's create and its delete)
// never run at the same time.
const claimableJobs = `((j.state = 'pending' AND j.run_after <= ?) OR (j.state = 'running' AND coalesce(j.lease_expires, '') <= ?))
	AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.lease_expires > ? AND r.resource_id = j.resource_id AND r.id <> j.id)`

// ClaimJob leases the oldest claimable job to lease.Owner until lease.TTL
// from now, raising its attempts, and returns it; or returns nil when
// nothing is claimable. On PostgreSQL the candidate row is locked FOR
// UPDATE SKIP LOCKED, so nodes claiming at once take different jobs. The
// second result is when the next job becomes claimable (zero if none will
// be), so an idle worker knows how long it may sleep.
func (db *DB) ClaimJob(ctx context.Context, lease JobLease) (*Job, time.Time, error) {
	var job *Job
	var next time.Time
	err := db.Write(ctx, func(tx *Tx) error {
		now := FormatTime(tx.Now)
		row := tx.QueryRowContext(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1,
				lease_owner = ?, lease_expires = ?, updated_at = ?
			WHERE id = (SELECT id FROM jobs j WHERE `+claimableJobs+`
				ORDER BY run_after, id LIMIT 1`+db.pg.skipLocked()+`)
			RETURNING `+jobColumns, lease.Owner, FormatTime(tx.Now.Add(lease.TTL)), now, now, now, now)
		j, err := scanJob(row)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		job = j
		var err2 error
		next, _, err2 = nextJobDue(ctx, tx, tx.Now)
		return err2
	})
	return job, next, err
}

// nextDueQuery is when the next job that could be claimed is due: a
// pending job's run_after, a running job's lease expiry, for jobs whose
// resource has no other job with a live lease (that one is claimed by
// the goroutine that finishes the running job, when it looks again).
const nextDueQuery = `SELECT min(CASE WHEN j.state = 'pending' THEN j.run_after ELSE coalesce(j.lease_expires, j.run_after) END)
	FROM jobs j WHERE j.state IN ('pending', 'running')
	AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.lease_expires > ? AND r.resource_id = j.resource_id AND r.id <> j.id)`

func nextJobDue(ctx context.Context, q querier, now time.Time) (time.Time, bool, error) {
	var due sql.NullString
	if err := q.QueryRowContext(ctx, nextDueQuery, FormatTime(now)).Scan(&due); err != nil { // its one ? is now
		return time.Time{}, false, err
	}
	if t := scanTime(due); t != nil {
		return *t, true, nil
	}
	return time.Time{}, false, nil
}

// NextJobDue is when the next claimable job is due (ok false: none is
// pending or leased), read without the writer: an idle worker asks it
// before it takes a write transaction to claim.
func (db *DB) NextJobDue(ctx context.Context) (due time.Time, ok bool, err error) {
	return nextJobDue(ctx, db.reader, db.now())
}

// leaseHeld is the condition that job (id, attempts) is still the claim
// the caller holds.
const leaseHeld = `id = ? AND attempts = ? AND state = 'running'`

// RenewLease extends the lease of a job the caller is running to ttl from
// now; ErrLeaseLost if the claim is no longer the caller's.
func (db *DB) RenewLease(ctx context.Context, job Job, ttl time.Duration) error {
	return db.Write(ctx, func(tx *Tx) error {
		return leaseUpdate(tx.ExecContext(ctx, `UPDATE jobs SET lease_expires = ? WHERE `+leaseHeld,
			FormatTime(tx.Now.Add(ttl)), job.ID, job.Attempts))
	})
}

// FinishJob removes a job whose work is done, in the transaction that
// records the work: ErrLeaseLost (and the transaction rolls back) if the
// caller's claim has been taken over meanwhile.
func (tx *Tx) FinishJob(ctx context.Context, job Job) error {
	return leaseUpdate(tx.ExecContext(ctx, `DELETE FROM jobs WHERE `+leaseHeld, job.ID, job.Attempts))
}

// FailJob keeps a job that cannot complete, in state 'failed', with the reason.
func (db *DB) FailJob(ctx context.Context, job Job, reason string) error {
	return db.Write(ctx, func(tx *Tx) error {
		return leaseUpdate(tx.ExecContext(ctx, `UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires = NULL,
			last_error = ?, updated_at = ? WHERE `+leaseHeld, reason, FormatTime(tx.Now), job.ID, job.Attempts))
	})
}

// RetryJob puts a running job back to 'pending', due at runAfter, recording
// why the last attempt failed (reason nil: the attempt was interrupted,
// and the last error stays).
func (db *DB) RetryJob(ctx context.Context, job Job, runAfter time.Time, reason *string) error {
	return db.Write(ctx, func(tx *Tx) error {
		return leaseUpdate(tx.ExecContext(ctx, `UPDATE jobs SET state = 'pending', lease_owner = NULL, lease_expires = NULL,
			run_after = ?, last_error = coalesce(?, last_error), updated_at = ? WHERE `+leaseHeld,
			FormatTime(runAfter), nullString(reason), FormatTime(tx.Now), job.ID, job.Attempts))
	})
}

func leaseUpdate(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// ListJobs returns every job still recorded, oldest first (for tests and
// operators).
func (db *DB) ListJobs(ctx context.Context) ([]Job, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs ORDER BY id`)
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

const jobColumns = `id, kind, resource_id, state, run_after, attempts, last_error, payload, created_at, lease_owner, lease_expires`

type scanner interface{ Scan(dest ...any) error }

func scanJob(s scanner) (*Job, error) {
	var j Job
	var runAfter, created string
	var lastErr, payload, owner, expires sql.NullString
	if err := s.Scan(&j.ID, &j.Kind, &j.ResourceID, &j.State, &runAfter, &j.Attempts, &lastErr, &payload, &created, &owner, &expires); err != nil {
		return nil, err
	}
	j.LastError, j.Payload, j.LeaseOwner, j.LeaseExpires = scanString(lastErr), scanString(payload), scanString(owner), scanTime(expires)
	var err error
	if j.RunAfter, err = ParseTime(runAfter); err != nil {
		return nil, err
	}
	if j.CreatedAt, err = ParseTime(created); err != nil {
		return nil, err
	}
	return &j, nil
}
