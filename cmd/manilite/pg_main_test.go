package main

import (
	"testing"

	"github.com/manilite/manilite/internal/pgtest"
)

// pgCluster is the PostgreSQL cluster of this test binary when
// MANILITE_TEST_DB=postgres: testOptions then gives each server a fresh
// database on it instead of a SQLite file.
var pgCluster *pgtest.Cluster

func TestMain(m *testing.M) { pgtest.Main(m, func(c *pgtest.Cluster) { pgCluster = c }) }

// onPostgres reports whether the suite runs against PostgreSQL.
func onPostgres() bool { return pgCluster != nil }

// skipOnPostgres skips a test that checks something only SQLite has.
func skipOnPostgres(t *testing.T, why string) {
	t.Helper()
	if onPostgres() {
		t.Skip("SQLite only: " + why)
	}
}
