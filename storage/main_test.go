package storage_test

import (
	"testing"

	"github.com/manilite/manilite/internal/pgtest"
)

// pgCluster is the PostgreSQL cluster of this test binary when
// MANILITE_TEST_DB=postgres: openDB then gives each test a fresh database
// on it instead of a SQLite file.
var pgCluster *pgtest.Cluster

func TestMain(m *testing.M) { pgtest.Main(m, func(c *pgtest.Cluster) { pgCluster = c }) }
