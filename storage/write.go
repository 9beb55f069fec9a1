package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Group commit. With synchronous=FULL every commit waits for an fsync of
// the WAL (about 0.3 ms on the machines measured), so one commit per
// request caps writes at a few thousand a second whatever the CPU does.
// One goroutine owns the writer connection: it takes the Write calls
// waiting, runs each in a savepoint of one transaction, and commits them
// together; a call returns only once that commit is on disk, so an
// acknowledged write is as durable as before. A call whose fn fails is
// rolled back to its savepoint and leaves the others alone. The calls run
// one after the other on one connection, in the order they were taken, so
// each sees the writes of those before it: two racing conditional updates
// still have exactly one winner.

// maxBatch bounds how many calls share one commit, so that a steady stream
// of writes still commits (and answers) regularly.
const maxBatch = 128

// ErrClosed is returned by Write once the database is closing.
var ErrClosed = errors.New("storage: database closed")

// Tx is one Write call's part of a write transaction, with one fixed
// timestamp, so every row it touches carries the same created_at/updated_at.
//
// Its statements ignore the caller's cancellation: the transaction is
// shared with other calls, and SQLite answers an interrupted write by
// rolling the whole transaction back. A cancelled request still ends when
// its fn returns; a call cancelled before its turn does not run.
//
// Its statements are prepared once on the writer connection and kept
// (stmtcache.go).
type Tx struct {
	Now   time.Time
	conn  *sql.Conn
	cache *stmtCache
	// ptx and d are PostgreSQL's transaction and dialect (pgwrite.go);
	// nil on SQLite.
	ptx *sql.Tx
	d   *dialect
}

// ExecContext runs a statement in the transaction (see Tx on cancellation).
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = context.WithoutCancel(ctx)
	if tx.ptx != nil {
		return tx.ptx.ExecContext(ctx, tx.d.sql(query), tx.d.args(args)...)
	}
	if s := tx.cache.get(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.conn.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction (see Tx on cancellation).
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = context.WithoutCancel(ctx)
	if tx.ptx != nil {
		return tx.ptx.QueryContext(ctx, tx.d.sql(query), tx.d.args(args)...)
	}
	if s := tx.cache.get(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.conn.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a one-row query in the transaction (see Tx on
// cancellation).
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = context.WithoutCancel(ctx)
	if tx.ptx != nil {
		return tx.ptx.QueryRowContext(ctx, tx.d.sql(query), tx.d.args(args)...)
	}
	if s := tx.cache.get(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.conn.QueryRowContext(ctx, query, args...)
}

// PrepareContext prepares a statement for this call alone; the caller
// closes it before fn returns.
func (tx *Tx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if tx.ptx != nil {
		return tx.ptx.PrepareContext(context.WithoutCancel(ctx), tx.d.sql(query))
	}
	return tx.conn.PrepareContext(context.WithoutCancel(ctx), query)
}

// writeRequest is one Write call waiting for its turn.
type writeRequest struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan writeResult
}

type writeResult struct {
	err      error
	panicked bool
	panicVal any
}

// Write runs fn in a write transaction and returns once its changes are
// committed, or with fn's error and none of its changes. A panic in fn
// rolls its changes back and is raised again here.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if db.pg != nil {
		return db.pgWrite(ctx, fn)
	}
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	select {
	case db.writes <- req:
	case <-db.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once taken, the call is waited for even if ctx ends: it may be
	// committing.
	res := <-req.done
	if res.panicked {
		panic(res.panicVal)
	}
	return res.err
}

func (db *DB) startWriter() {
	db.writes = make(chan *writeRequest)
	db.closing = make(chan struct{})
	db.writerStopped = make(chan struct{})
	go db.writeLoop()
}

// stopWriter lets the batch under way finish and refuses later calls.
func (db *DB) stopWriter() {
	if db.closing == nil {
		return
	}
	db.stopOnce.Do(func() { close(db.closing) })
	<-db.writerStopped
}

func (db *DB) writeLoop() {
	defer close(db.writerStopped)
	defer db.dropWriterConn()
	for {
		select {
		case first := <-db.writes:
			db.runBatch(first)
		case <-db.closing:
			return
		}
	}
}

// writerConn is the connection the writer goroutine keeps, and its
// statements; a connection that failed is replaced.
func (db *DB) writerConn() (*sql.Conn, *stmtCache, error) {
	if db.wconn == nil {
		c, err := db.writer.Conn(context.Background())
		if err != nil {
			return nil, nil, err
		}
		db.wconn, db.wstmts = c, &stmtCache{prep: c.PrepareContext}
	}
	return db.wconn, db.wstmts, nil
}

func (db *DB) dropWriterConn() {
	if db.wconn == nil {
		return
	}
	_ = db.wstmts.close()
	_ = db.wconn.Close()
	db.wconn, db.wstmts = nil, nil
}

// runBatch runs first and every call that is waiting or arrives while the
// batch runs (up to maxBatch) in one transaction, commits, and answers
// them all.
func (db *DB) runBatch(first *writeRequest) {
	type member struct {
		req *writeRequest
		res writeResult
	}
	var batch []member
	answer := func(commitErr error) {
		for _, m := range batch {
			if m.res.err == nil && !m.res.panicked && commitErr != nil {
				m.res.err = commitErr
			}
			m.req.done <- m.res
		}
	}
	ctx := context.Background()
	conn, cache, err := db.writerConn()
	if err == nil {
		if _, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			db.dropWriterConn()
		}
	}
	if err != nil {
		batch = append(batch, member{req: first})
		answer(fmt.Errorf("storage: begin: %w", err))
		return
	}
	rollback := func() {
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil && !strings.Contains(err.Error(), "no transaction is active") {
			db.dropWriterConn()
		}
	}
	next := first
	for next != nil {
		res, broken := db.runOne(conn, cache, next, len(batch) == 0)
		batch = append(batch, member{next, res})
		if broken != nil {
			// The transaction cannot go on (SQLite rolled it back, or a
			// savepoint failed): nothing in it commits.
			rollback()
			answer(broken)
			return
		}
		if len(batch) == 1 && (res.err != nil || res.panicked) {
			// The first call ran without a savepoint: roll it back whole,
			// before anything else joins.
			rollback()
			answer(nil)
			return
		}
		next = nil
		if len(batch) < maxBatch {
			select {
			case next = <-db.writes:
			default:
			}
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		rollback()
		answer(fmt.Errorf("storage: commit: %w", err))
		return
	}
	db.commits.Add(1)
	db.committedCalls.Add(int64(len(batch)))
	answer(nil)
}

// WriteStats are how many commits the writer made and how many Write calls
// they carried: their ratio is the batching group commit achieves.
func (db *DB) WriteStats() (commits, calls int64) {
	return db.commits.Load(), db.committedCalls.Load()
}

// runOne runs one call. The first call of a batch runs without a savepoint
// (most batches have one call, and a savepoint costs two statements); when
// it fails, the batch ends there and is rolled back whole, as a lone
// transaction would be. Later calls run in a savepoint and are rolled back
// to it when they fail. broken is non-nil when the transaction can take no
// more.
func (db *DB) runOne(conn *sql.Conn, cache *stmtCache, req *writeRequest, first bool) (res writeResult, broken error) {
	ctx := context.Background()
	if err := req.ctx.Err(); err != nil {
		return writeResult{err: err}, nil
	}
	if !first {
		if _, err := conn.ExecContext(ctx, "SAVEPOINT write_call"); err != nil {
			return writeResult{err: fmt.Errorf("storage: savepoint: %w", err)}, err
		}
	}
	tx := &Tx{Now: db.now().UTC(), conn: conn, cache: cache}
	res = callFn(req.fn, tx)
	failed := res.err != nil || res.panicked
	switch {
	case first && failed:
		return res, nil // runBatch rolls back the batch of one
	case first:
	case failed:
		if _, err := conn.ExecContext(ctx, "ROLLBACK TO write_call"); err != nil {
			return res, fmt.Errorf("storage: rollback to savepoint: %w", err)
		}
		if _, err := conn.ExecContext(ctx, "RELEASE write_call"); err != nil {
			return res, fmt.Errorf("storage: release savepoint: %w", err)
		}
	default:
		if _, err := conn.ExecContext(ctx, "RELEASE write_call"); err != nil {
			res.err = fmt.Errorf("storage: release savepoint: %w", err)
			return res, res.err
		}
	}
	return res, nil
}

func callFn(fn func(*Tx) error, tx *Tx) (res writeResult) {
	defer func() {
		if p := recover(); p != nil {
			res = writeResult{panicked: true, panicVal: p}
		}
	}()
	return writeResult{err: fn(tx)}
}
