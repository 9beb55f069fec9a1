package storage

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// jobsChannel is the PostgreSQL notification channel EnqueueJob notifies.
const jobsChannel = "manilite_jobs"

// WatchJobs calls wake whenever any node commits a transaction that
// enqueued a job, until ctx ends: on PostgreSQL it LISTENs on a
// connection of its own (reconnecting, with backoff, when it is lost; a
// wake is sent after each reconnection, since notifications sent
// meanwhile are gone). On SQLite, one node's database, it returns at once:
// the node enqueuing wakes its own workers. Either way idle workers also
// poll, so a lost notification delays a job by one poll at most.
func (db *DB) WatchJobs(ctx context.Context, wake func(), log *slog.Logger) {
	if db.pg == nil {
		return
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		began := time.Now()
		err := db.listenJobs(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > time.Minute {
			backoff = 100 * time.Millisecond // it had been working
		}
		log.Warn("storage: job notifications lost; reconnecting", "error", err, "retry_in_ms", backoff.Milliseconds())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (db *DB) listenJobs(ctx context.Context, wake func()) error {
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+jobsChannel); err != nil {
		return err
	}
	wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
