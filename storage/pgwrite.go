package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// PostgreSQL writes. Several manilite nodes may write at once, so there is
// no writer goroutine: each Write runs its fn in a transaction of its own
// at SERIALIZABLE isolation on the pool, and the database makes two racing
// conditional transitions end with one winner. A serialization failure
// (40001) or deadlock (40P01) reruns the whole fn, after a jittered
// exponential backoff, for a bounded time.

// pgRetryFor bounds how long one Write keeps rerunning: under many racing
// writers (64 clients creating backups of one share's project) a fixed
// few dozen quick reruns can all collide again, and the request would end
// in a 500 that waiting a little longer avoids.
const pgRetryFor = 10 * time.Second

// pgBackoff is the pause before rerun attempt+1: doubling from 100µs to
// at most 50ms, with the lower half of each step left to chance, so that
// the racers spread out instead of colliding again in step.
func pgBackoff(attempt int) time.Duration {
	d := 100 * time.Microsecond << min(attempt-1, 9)
	return d/2 + rand.N(d/2)
}

func openPostgres(ctx context.Context, dsn string, now func() time.Time, opts Options) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", redactDSN(dsn), err)
	}
	pool.SetMaxOpenConns(32)
	pool.SetMaxIdleConns(32)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("storage: open %s: %w", redactDSN(dsn), err)
	}
	d := &dialect{}
	db := &DB{path: redactDSN(dsn), dsn: dsn, writer: pool, pg: d, now: now, quotaDefaults: opts.QuotaDefaults,
		closing: make(chan struct{})}
	db.reader = &readPool{DB: pool, d: d}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// redactDSN drops a password from a URL.
func redactDSN(dsn string) string {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil || cfg.Password == "" {
		return dsn
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

func (db *DB) pgWrite(ctx context.Context, fn func(tx *Tx) error) error {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		select {
		case <-db.closing:
			return ErrClosed
		default:
		}
		err := db.pgWriteOnce(ctx, fn)
		if err == nil || !pgRetryable(err) || time.Since(start) >= pgRetryFor {
			return pgMapError(err)
		}
		time.Sleep(pgBackoff(attempt))
	}
}

func (db *DB) pgWriteOnce(ctx context.Context, fn func(tx *Tx) error) error {
	bg := context.WithoutCancel(ctx)
	stx, err := db.writer.BeginTx(bg, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return fmt.Errorf("storage: begin: %w", err)
	}
	tx := &Tx{Now: db.now().UTC(), ptx: stx, d: db.pg}
	res := callFn(fn, tx)
	if res.panicked {
		_ = stx.Rollback()
		panic(res.panicVal)
	}
	if res.err != nil {
		_ = stx.Rollback()
		return res.err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("storage: commit: %w", err)
	}
	db.commits.Add(1)
	db.committedCalls.Add(1)
	return nil
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// pgRetryable: serialization failure, deadlock, or a commit refused
// because a swallowed error had aborted the transaction.
func pgRetryable(err error) bool {
	switch pgCode(err) {
	case "40001", "40P01":
		return true
	}
	return errors.Is(err, pgx.ErrTxCommitRollback)
}

// pgMapError maps a unique violation (23505) to ErrConflict.
func pgMapError(err error) error {
	if pgCode(err) == "23505" {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}
