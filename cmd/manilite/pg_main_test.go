package main

import (
	"os"
	"testing"

	"github.com/manilite/manilite/internal/pgtest"
)

// pgCluster is the PostgreSQL cluster of this test binary when
// MANILITE_TEST_DB=postgres: testOptions then gives each server a fresh
// database on it instead of a SQLite file.
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

// onPostgres reports whether the suite runs against PostgreSQL.
func onPostgres() bool { return pgCluster != nil }

// skipOnPostgres skips a test that checks something only SQLite has.
func skipOnPostgres(t *testing.T, why string) {
	t.Helper()
	if onPostgres() {
		t.Skip("SQLite only: " + why)
	}
}
