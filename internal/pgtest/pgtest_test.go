package pgtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/manilite/manilite/internal/pgtest"
)

// TestCluster starts a cluster, writes to a database of its own, and
// reads the row back after a crash and a restart of the server.
func TestCluster(t *testing.T) {
	c := pgtest.Start(t)
	dsn := c.NewDatabase()
	if !strings.HasPrefix(dsn, "postgres://manilite@127.0.0.1:") || !strings.HasSuffix(dsn, "/test1?sslmode=disable") {
		t.Fatalf("DSN %q", dsn)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE t (id text PRIMARY KEY); INSERT INTO t VALUES ('a')"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	c.Kill()
	if _, err := pgx.Connect(ctx, dsn); err == nil {
		t.Fatal("connected to a killed server")
	}
	c.Restart()
	conn, err = pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var id string
	if err := conn.QueryRow(ctx, "SELECT id FROM t").Scan(&id); err != nil || id != "a" {
		t.Fatalf("after restart: %q, %v", id, err)
	}
	if other := c.NewDatabase(); !strings.HasSuffix(other, "/test2?sslmode=disable") {
		t.Fatalf("second database %q", other)
	}
}
