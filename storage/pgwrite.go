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
// (40001) or deadlock (40P01) reruns the whole fn, a bounded number of
// times.

// pgMaxAttempts bounds the reruns of one Write.
const pgMaxAttempts = 30

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
	for attempt := 1; ; attempt++ {
		select {
		case <-db.closing:
			return ErrClosed
		default:
		}
		err := db.pgWriteOnce(ctx, fn)
		if err == nil || attempt >= pgMaxAttempts || !pgRetryable(err) {
			return pgMapError(err)
		}
		// Jitter, so that the racers do not collide again in step.
		time.Sleep(time.Duration(rand.IntN(attempt*200)+50) * time.Microsecond)
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
