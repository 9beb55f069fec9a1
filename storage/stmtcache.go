package storage

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
)

// Prepared statements, kept. modernc's driver parses and plans a query
// given as text on every call, which costs more than running most of
// manilite's queries; database/sql keeps a statement prepared on each
// connection of the pool that runs it. The cache is keyed by the SQL text,
// which every caller builds from fixed pieces, so it stays small (the
// filters of a list make a few variants each); past maxStatements it stops
// growing and further queries run unprepared, as before.

// maxStatements bounds each pool's cache.
const maxStatements = 2048

// stmtCache prepares each distinct query once on its pool.
type stmtCache struct {
	// prep prepares on the pool (reader) or on the one connection
	// (writer).
	prep  func(ctx context.Context, query string) (*sql.Stmt, error)
	stmts sync.Map // SQL text → *sql.Stmt
	n     atomic.Int64
}

// get returns the prepared statement for query, or nil when it is not to
// be cached (several statements in one text, or the cache is full) or
// cannot be prepared: the caller then runs the text as it is, and gets
// its error there.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	if s, ok := c.stmts.Load(query); ok {
		return s.(*sql.Stmt)
	}
	if c.n.Load() >= maxStatements || strings.Contains(strings.TrimRight(query, "; \t\n"), ";") {
		return nil
	}
	s, err := c.prep(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	if prev, loaded := c.stmts.LoadOrStore(query, s); loaded {
		_ = s.Close()
		return prev.(*sql.Stmt)
	}
	c.n.Add(1)
	return s
}

func (c *stmtCache) close() error {
	var first error
	c.stmts.Range(func(_, v any) bool {
		if err := v.(*sql.Stmt).Close(); err != nil && first == nil {
			first = err
		}
		return true
	})
	return first
}

// readPool is the read-only connection pool, its queries prepared once.
type readPool struct {
	*sql.DB
	cache stmtCache
	// d is PostgreSQL's dialect, nil on SQLite; pgx keeps its own
	// prepared statements per connection.
	d *dialect
}

func newReadPool(pool *sql.DB) *readPool {
	return &readPool{DB: pool, cache: stmtCache{prep: pool.PrepareContext}}
}

// QueryContext runs a query, prepared once.
func (p *readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if p.d != nil {
		return p.DB.QueryContext(ctx, p.d.sql(query), p.d.args(args)...)
	}
	if s := p.cache.get(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a one-row query, prepared once.
func (p *readPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if p.d != nil {
		return p.DB.QueryRowContext(ctx, p.d.sql(query), p.d.args(args)...)
	}
	if s := p.cache.get(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

// Close closes the statements and the pool.
func (p *readPool) Close() error {
	err := p.cache.close()
	if cerr := p.DB.Close(); err == nil {
		err = cerr
	}
	return err
}
