package storage_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/manilite/manilite/storage"
)

// needPostgres skips unless the tests run with MANILITE_TEST_DB=postgres.
func needPostgres(t *testing.T) {
	t.Helper()
	if pgCluster == nil {
		t.Skip("MANILITE_TEST_DB=postgres runs this")
	}
}

// TestDialectsSameSchema: the migrations leave the same tables and
// columns on SQLite and on PostgreSQL.
func TestDialectsSameSchema(t *testing.T) {
	needPostgres(t)
	ctx := context.Background()
	lite, err := storage.Open(ctx, filepath.Join(t.TempDir(), "m.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg := openDB(t, nil)
	a, err := lite.TableColumns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pg.TableColumns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) < 100 || !slices.Equal(a, b) {
		t.Errorf("SQLite has %d columns, PostgreSQL %d:\nSQLite     %v\nPostgreSQL %v", len(a), len(b), a, b)
	}
}

// twoNodes opens two handles on one fresh PostgreSQL database, as two
// manilite nodes would; the test is skipped without PostgreSQL.
func twoNodes(t *testing.T) [2]*storage.DB {
	t.Helper()
	needPostgres(t)
	dsn := pgCluster.NewDatabase()
	var nodes [2]*storage.DB
	for i := range nodes {
		db, err := storage.Open(context.Background(), dsn, storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		nodes[i] = db
	}
	return nodes
}

// TestTwoNodesRace: two handles on one PostgreSQL database (two manilite
// nodes) delete the same share at once, 50 times over; exactly one wins
// each time and exactly one delete job is enqueued.
func TestTwoNodesRace(t *testing.T) {
	ctx := context.Background()
	nodes := twoNodes(t)
	for round := range 50 {
		id := fmt.Sprintf("race-%d", round)
		sh := baseShare(id)
		sh.Status = "available"
		mustCreateShare(t, nodes[round%2], sh)
		start := make(chan struct{})
		var errs [2]error
		var wg sync.WaitGroup
		for i, db := range nodes {
			wg.Go(func() {
				<-start
				errs[i] = db.TransitionShare(ctx, id, move([]string{"available"}, "deleting"), storage.JobShareDelete, 0)
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for i, err := range errs {
			var se *storage.StateError
			switch {
			case err == nil:
				wins++
			case !errors.As(err, &se) || se.Current != "deleting":
				t.Errorf("round %d node %d: err = %v, want *StateError{deleting}", round, i, err)
			}
		}
		if wins != 1 {
			t.Errorf("round %d: %d nodes won, want exactly 1", round, wins)
		}
		n := 0
		for _, j := range jobsOf(t, nodes[0], storage.JobShareDelete) {
			if j.ResourceID == id {
				n++
			}
		}
		if n != 1 {
			t.Errorf("round %d: %d delete jobs, want 1", round, n)
		}
	}
}
