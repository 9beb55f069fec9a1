package storage_test

import (
	"os"
	"testing"

	"github.com/manilite/manilite/internal/pgtest"
)

// pgCluster is the PostgreSQL cluster of this test binary when
// MANILITE_TEST_DB=postgres: openDB then gives each test a fresh database
// on it instead of a SQLite file.
var pgCluster *pgtest.Cluster

func TestMain(m *testing.M) {
	if os.Getenv("MANILITE_TEST_DB") != "postgres" {
		os.Exit(m.Run())
	}
	c, stop := pgtest.StartMain()
	pgCluster = c
	code := m.Run()
	stop()
	os.Exit(code)
}
