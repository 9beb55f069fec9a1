package worker_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/manilite/manilite/storage"
	"github.com/manilite/manilite/worker"
)

// TestLeaseRenewedWhileRunning: a job that runs for several lease lengths
// keeps its lease (the pool renews it), so the other node's pool never
// takes it over, and it runs once.
func TestLeaseRenewedWhileRunning(t *testing.T) {
	db := openDB(t)
	const ttl = 300 * time.Millisecond
	a, b := newPool(t, db, 1), newPool(t, db, 2)
	a.SetLease(storage.JobLease{Owner: "node-a", TTL: ttl})
	b.SetLease(storage.JobLease{Owner: "node-b", TTL: ttl})
	release := make(chan struct{})
	firstExpiry := make(chan time.Time, 1)
	var runs atomic.Int32
	var owner atomic.Value
	run := func(ctx context.Context, job storage.Job) error {
		if runs.Add(1) == 1 {
			owner.Store(*job.LeaseOwner)
			firstExpiry <- *job.LeaseExpires
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return finish(ctx, db, job)
	}
	a.Register("test.long", worker.Kind{Run: run})
	b.Register("test.long", worker.Kind{Run: run})
	// Both nodes run before the job exists (a SQLite database is one
	// node's: a pool starting on it takes back every running job).
	start(t, a)
	start(t, b)
	id := enqueue(t, db, "test.long", "r", time.Now())
	first := <-firstExpiry
	// Wait until the lease has been renewed to beyond three lease lengths.
	waitFor(t, 10*time.Second, "the lease to be renewed past three lengths", func() bool {
		j, ok := jobByID(t, db, id)
		return ok && j.LeaseExpires != nil && j.LeaseExpires.After(first.Add(3*ttl))
	})
	if j, _ := jobByID(t, db, id); *j.LeaseOwner != owner.Load() || j.Attempts != 1 {
		t.Errorf("job = owner %s attempt %d, want %s's first attempt", *j.LeaseOwner, j.Attempts, owner.Load())
	}
	close(release)
	waitFor(t, 5*time.Second, "the job to finish", func() bool { return len(listJobs(t, db)) == 0 })
	if n := runs.Load(); n != 1 {
		t.Errorf("the job ran %d times, want 1", n)
	}
}

// TestLeaseLostStopsJob: when a job's claim is taken from the node
// running it (here put back by hand, as an expired lease would be
// claimed), the node's renewal finds out, the job's context is
// cancelled with storage.ErrLeaseLost, nothing of the attempt is
// recorded, and another node runs the job to the end.
func TestLeaseLostStopsJob(t *testing.T) {
	db := openDB(t)
	const ttl = 300 * time.Millisecond
	a := newPool(t, db, 1)
	a.SetLease(storage.JobLease{Owner: "node-a", TTL: ttl})
	claimed := make(chan storage.Job, 1)
	cause := make(chan error, 1)
	a.Register("test.job", worker.Kind{Run: func(ctx context.Context, job storage.Job) error {
		claimed <- job
		<-ctx.Done()
		cause <- context.Cause(ctx)
		// What a job does when its context ends mid-way: its final write
		// is refused too.
		return finish(context.WithoutCancel(ctx), db, job)
	}})
	id := enqueue(t, db, "test.job", "r", time.Now())
	start(t, a)
	job := <-claimed
	// Take the claim away: the job is pending again, unleased.
	if err := db.RetryJob(context.Background(), job, time.Now().Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-cause:
		if !errors.Is(err, storage.ErrLeaseLost) {
			t.Errorf("job context cause = %v, want ErrLeaseLost", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the job was not stopped after its lease was lost")
	}
	j, ok := jobByID(t, db, id)
	if !ok || j.State != "pending" || j.Attempts != 1 || j.LastError != nil || j.LeaseOwner != nil {
		t.Errorf("job after node-a's lost attempt = %+v (recorded %v), want it as it was put back", j, ok)
	}
}

// TestExpiredLeaseTakenOver: a job claimed by a node that then died (its
// lease is never renewed) is run by another node once the lease expires.
func TestExpiredLeaseTakenOver(t *testing.T) {
	db := openDB(t)
	id := enqueue(t, db, "test.job", "r", time.Now())
	dead, _, err := db.ClaimJob(context.Background(), storage.JobLease{Owner: "node-dead", TTL: 200 * time.Millisecond})
	if err != nil || dead == nil {
		t.Fatalf("claim = %v, %v", dead, err)
	}
	b := newPool(t, db, 1)
	b.SetLease(storage.JobLease{Owner: "node-b", TTL: time.Second})
	var rec recorder
	b.Register("test.job", worker.Kind{Run: func(ctx context.Context, job storage.Job) error {
		rec.run(job)
		return finish(ctx, db, job)
	}})
	start(t, b)
	waitFor(t, 5*time.Second, "node-b to take the job over", func() bool {
		_, ok := jobByID(t, db, id)
		return !ok
	})
	if got := rec.attempts(); len(got) != 1 || got[0] != 2 {
		t.Errorf("attempts run = %v, want [2]", got)
	}
}
