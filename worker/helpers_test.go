package worker_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
	"github.com/manilite/manilite/worker"
)

func openDB(t *testing.T) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "manilite.db"), storage.Options{Synchronous: "NORMAL"})
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

// newPool returns an unstarted pool that is stopped (before the database is
// closed) when the test ends.
func newPool(t *testing.T, db *storage.DB, size int) *worker.Pool {
	t.Helper()
	p := worker.New(db, nil, size)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return p
}

func start(t *testing.T, p *worker.Pool) int {
	t.Helper()
	n, err := p.Start(context.Background())
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return n
}

func enqueue(t *testing.T, db *storage.DB, kind, resource string, runAfter time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *storage.Tx) error { return tx.EnqueueJob(ctx, kind, resource, runAfter, nil) })
	if err != nil {
		t.Fatal(err)
	}
	jobs := listJobs(t, db)
	return jobs[len(jobs)-1].ID
}

func listJobs(t *testing.T, db *storage.DB) []storage.Job {
	t.Helper()
	jobs, err := db.ListJobs(context.Background())
	if err != nil {
		t.Fatalf("ListJobs: %v", err)
	}
	return jobs
}

func jobByID(t *testing.T, db *storage.DB, id int64) (storage.Job, bool) {
	t.Helper()
	for _, j := range listJobs(t, db) {
		if j.ID == id {
			return j, true
		}
	}
	return storage.Job{}, false
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// finish is what a successful handler does last.
func finish(ctx context.Context, db *storage.DB, job storage.Job) error {
	return db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, job) })
}

// recorder remembers the calls a fake job kind received.
type recorder struct {
	mu       sync.Mutex
	runs     []storage.Job
	runTimes []time.Time
	fails    []failCall
}

type failCall struct {
	job   storage.Job
	cause error
}

func (r *recorder) run(job storage.Job) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, job)
	r.runTimes = append(r.runTimes, time.Now())
	return len(r.runs)
}

func (r *recorder) fail(job storage.Job, cause error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fails = append(r.fails, failCall{job, cause})
}

func (r *recorder) snapshot() ([]storage.Job, []time.Time, []failCall) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]storage.Job(nil), r.runs...), append([]time.Time(nil), r.runTimes...), append([]failCall(nil), r.fails...)
}

func (r *recorder) attempts() []int {
	runs, _, _ := r.snapshot()
	var out []int
	for _, j := range runs {
		out = append(out, j.Attempts)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// move is an ad-hoc share transition, standing in for the API or an
// admin moving a share while its job waits.
var move = state.AdHoc[state.ShareStatus]
