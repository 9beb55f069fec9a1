// Package storage persists manilite's resources in one SQLite file.
//
// It knows nothing of HTTP, policy or microversions: callers hand it plain Go
// values and get plain Go values and sentinel errors back (ErrNotFound,
// ErrConflict, *StateError). Every state change is a conditional UPDATE inside
// one write transaction, so of two racing requests exactly one wins.
//
// The file is opened twice: a single writer connection (BEGIN IMMEDIATE, so
// writers queue instead of failing with SQLITE_BUSY) and a pool of read-only
// connections. WAL lets readers run beside the writer. Write calls that
// arrive together share one commit (write.go): each runs in a savepoint of
// its own, and all return once the commit is on disk. Migrations are
// numbered SQL files embedded in the binary and applied at Open.
package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options tune how the database file is opened.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: "FULL" (the default) makes
	// every commit durable against power loss, "NORMAL" only against a
	// process crash (kill -9), which is cheaper.
	Synchronous string
	// Now returns the current time; tests may pin it. Defaults to time.Now.
	Now func() time.Time
	// QuotaDefaults are every quota resource's default limit (-1:
	// unlimited), by resource name; a resource not named is unlimited.
	QuotaDefaults map[string]int
}

// DB is the handle on one manilite database file.
type DB struct {
	path string
	// dsn is the PostgreSQL URL (WatchJobs opens a connection of its own).
	dsn string
	// pg is the PostgreSQL dialect, nil for SQLite (dialect.go,
	// pgwrite.go); then writer is the pool that reads and writes.
	pg     *dialect
	writer *sql.DB
	reader *readPool
	now    func() time.Time
	// wconn is the writer connection the writer goroutine holds, and
	// wstmts its prepared statements (write.go); only that goroutine
	// touches them.
	wconn  *sql.Conn
	wstmts *stmtCache
	// quotaDefaults is Options.QuotaDefaults.
	quotaDefaults map[string]int
	// writes hands Write calls to the writer goroutine (write.go).
	writes        chan *writeRequest
	closing       chan struct{}
	writerStopped chan struct{}
	stopOnce      sync.Once
	// commits and committedCalls count batches and the calls in them.
	commits, committedCalls atomic.Int64
}

// Open opens (creating it and its folder if needed) the database at path and
// applies any migrations that have not run yet.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("storage: empty database path")
	}
	if isPostgres(path) {
		now := opts.Now
		if now == nil {
			now = time.Now
		}
		return openPostgres(ctx, path, now, opts)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("storage: create folder for %s: %w", path, err)
		}
	}
	sync := strings.ToUpper(opts.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" && sync != "EXTRA" {
		return nil, fmt.Errorf("storage: synchronous must be FULL, NORMAL or EXTRA, not %q", opts.Synchronous)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}

	// busy_timeout comes first so that the WAL switch itself waits for any
	// other connection instead of failing.
	pragmas := []string{
		"busy_timeout(10000)",
		"journal_mode(WAL)",
		"synchronous(" + sync + ")",
		"foreign_keys(1)",
		"temp_store(MEMORY)",
	}
	dsn := func(extra ...string) string {
		q := url.Values{}
		for _, p := range append(pragmas, extra...) {
			q.Add("_pragma", p)
		}
		return "file:" + path + "?" + q.Encode()
	}

	writer, err := sql.Open("sqlite", dsn()+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("storage: open writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}

	db := &DB{path: path, writer: writer, now: now, quotaDefaults: opts.QuotaDefaults}
	db.startWriter()
	if err := db.migrate(ctx); err != nil {
		db.stopWriter()
		writer.Close()
		return nil, err
	}

	reader, err := sql.Open("sqlite", dsn("query_only(1)"))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("storage: open readers: %w", err)
	}
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	db.reader = newReadPool(reader)
	return db, nil
}

// Close closes both pools. Committed transactions are already on disk.
func (db *DB) Close() error {
	var errs []error
	if db.reader != nil && db.pg == nil {
		errs = append(errs, db.reader.Close())
	}
	if db.writer != nil {
		if db.pg != nil {
			db.stopOnce.Do(func() { close(db.closing) })
			return db.writer.Close()
		}
		db.stopWriter()
		// A checkpoint folds the WAL back into the main file so that a
		// cleanly stopped server leaves one self-contained file behind.
		_, _ = db.writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		errs = append(errs, db.writer.Close())
	}
	return errors.Join(errs...)
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// querier is what read helpers need: the reader pool or a write transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) migrate(ctx context.Context) error {
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`
	if db.pg != nil {
		// Nodes starting together take turns (the lock ends with the
		// transaction).
		create = `SELECT pg_advisory_lock(7130013); ` + pgMigration(create) + `; SELECT pg_advisory_unlock(7130013)`
	}
	if _, err := db.writer.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("storage: create schema_migrations: %w", err)
	}
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("storage: read migrations: %w", err)
	}
	type migration struct {
		version int
		name    string
	}
	var all []migration
	overrides := map[string]bool{}
	for _, e := range entries {
		if base, ok := strings.CutSuffix(e.Name(), ".postgres.sql"); ok {
			overrides[base+".sql"] = true
		}
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".postgres.sql") {
			continue
		}
		prefix, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return fmt.Errorf("storage: migration %q is not named NNNN_name.sql", e.Name())
		}
		all = append(all, migration{v, e.Name()})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].version < all[j].version })
	for i := 1; i < len(all); i++ {
		if all[i].version == all[i-1].version {
			return fmt.Errorf("storage: two migrations numbered %d", all[i].version)
		}
	}
	for _, m := range all {
		err := db.Write(ctx, func(tx *Tx) error {
			if db.pg != nil {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7130013)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			file := m.name
			if db.pg != nil && overrides[file] {
				file = strings.TrimSuffix(file, ".sql") + ".postgres.sql"
			}
			body, err := migrationFiles.ReadFile("migrations/" + file)
			if err != nil {
				return err
			}
			if db.pg != nil {
				body = []byte(pgMigration(string(body)))
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("apply %s: %w", m.name, err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, FormatTime(tx.Now))
			return err
		})
		if err != nil {
			return fmt.Errorf("storage: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// SchemaVersion is the number of the newest migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := db.reader.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}
