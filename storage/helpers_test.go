package storage_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// clock is a settable time source for storage.Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2024, 3, 5, 7, 8, 9, 123456000, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

func ptr[T any](v T) *T { return &v }

// openDB opens a fresh database file in a temporary folder, closed at the
// end of the test. A nil clock leaves the real time.
func openDB(t *testing.T, c *clock) *storage.DB {
	t.Helper()
	opts := storage.Options{Synchronous: "NORMAL"}
	if c != nil {
		opts.Now = c.Now
	}
	path := filepath.Join(t.TempDir(), "manilite.db")
	if pgCluster != nil {
		path = pgCluster.NewDatabase()
	}
	db, err := storage.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// baseShare is a minimal valid share in status "creating".
func baseShare(id string) storage.Share {
	return storage.Share{
		ID:        id,
		ProjectID: "proj-a",
		UserID:    "user-a",
		Size:      1,
		Proto:     "NFS",
		Status:    "creating",
	}
}

func mustCreateShare(t *testing.T, db *storage.DB, sh storage.Share) storage.Share {
	t.Helper()
	out, err := db.CreateShare(context.Background(), sh, 0)
	if err != nil {
		t.Fatalf("CreateShare(%s): %v", sh.ID, err)
	}
	return out
}

func mustShareType(t *testing.T, db *storage.DB, st storage.ShareType) storage.ShareType {
	t.Helper()
	out, err := db.CreateShareType(context.Background(), st)
	if err != nil {
		t.Fatalf("CreateShareType(%s): %v", st.Name, err)
	}
	return out
}

// queryInt runs a scalar query on the writer connection.
func queryInt(t *testing.T, db *storage.DB, q string, args ...any) int {
	t.Helper()
	var n int
	err := db.Write(context.Background(), func(tx *storage.Tx) error {
		return tx.QueryRowContext(context.Background(), q, args...).Scan(&n)
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func exec(t *testing.T, db *storage.DB, q string, args ...any) {
	t.Helper()
	err := db.Write(context.Background(), func(tx *storage.Tx) error {
		_, err := tx.ExecContext(context.Background(), q, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func shareIDs(shares []storage.Share) []string {
	out := make([]string, 0, len(shares))
	for _, sh := range shares {
		out = append(out, sh.ID)
	}
	return out
}

func jobsOf(t *testing.T, db *storage.DB, kind string) []storage.Job {
	t.Helper()
	all, err := db.ListJobs(context.Background())
	if err != nil {
		t.Fatalf("ListJobs: %v", err)
	}
	return slices.DeleteFunc(all, func(j storage.Job) bool { return kind != "" && j.Kind != kind })
}

// wantStateError fails unless err is a *storage.StateError with current.
func wantStateError(t *testing.T, err error, current string) {
	t.Helper()
	var se *storage.StateError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *StateError{%q}", err, current)
	}
	if se.Current != current {
		t.Fatalf("StateError.Current = %q, want %q", se.Current, current)
	}
}

func strOf(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// move is an ad-hoc share transition, for tests of the transition
// mechanism itself rather than of one of the spec's.
var move = state.AdHoc[state.ShareStatus]
