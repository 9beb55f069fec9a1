package storage

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// The reader pool must be read-only and see the same pragmas as the writer.
func TestReaderPoolPragmas(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "r.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var journal string
	var fk, queryOnly int
	if err := db.reader.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
		t.Fatal(err)
	}
	if err := db.reader.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := db.reader.QueryRowContext(ctx, `PRAGMA query_only`).Scan(&queryOnly); err != nil {
		t.Fatal(err)
	}
	if journal != "wal" || fk != 1 || queryOnly != 1 {
		t.Errorf("reader: journal_mode=%q foreign_keys=%d query_only=%d; want wal, 1, 1", journal, fk, queryOnly)
	}
	if _, err := db.reader.ExecContext(ctx, `DELETE FROM jobs`); err == nil {
		t.Error("the reader pool accepted a write")
	}
	if n := db.writer.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer MaxOpenConnections = %d, want 1", n)
	}
}

// Write must take the write lock at BEGIN (BEGIN IMMEDIATE), so a transaction
// that reads before it writes cannot lose its snapshot to another writer.
func TestWriteBeginsImmediate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "i.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	err = db.Write(ctx, func(tx *Tx) error {
		// No statement yet: with a deferred BEGIN no lock would be held.
		_, err := other.ExecContext(ctx, `INSERT INTO jobs (kind, resource_id, run_after, created_at) VALUES ('k', 'r', 'x', 'x')`)
		if err == nil {
			t.Error("another connection wrote while a Write transaction was open")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ExecContext(ctx, `INSERT INTO jobs (kind, resource_id, run_after, created_at) VALUES ('k', 'r', 'x', 'x')`); err != nil {
		t.Errorf("write after the transaction ended: %v", err)
	}
}
