package storage_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/manilite/manilite/storage"
)

// TestJobLeaseTakeover: a job stays with the node that claimed it while
// its lease lives (renewals extend it); once it expires another node
// claims it, and from then on the first node can neither renew, finish,
// retry nor fail it.
func TestJobLeaseTakeover(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	a := storage.JobLease{Owner: "node-a", TTL: 10 * time.Second}
	b := storage.JobLease{Owner: "node-b", TTL: 10 * time.Second}
	id := enqueue(t, db, "k", "r", c.Now(), nil)
	// A second job of the same resource waits while the first is leased.
	later := enqueue(t, db, "k", "r", c.Now(), nil)

	ja, _, err := db.ClaimJob(ctx, a)
	if err != nil || ja == nil || ja.ID != id {
		t.Fatalf("node-a claim = %v, %v; want job %d", ja, err, id)
	}
	got, next, err := db.ClaimJob(ctx, b)
	if err != nil || got != nil {
		t.Fatalf("node-b claim under a live lease = %v, %v; want nothing", got, err)
	}
	if want := c.Now().Add(10 * time.Second); !next.Equal(want) {
		t.Errorf("next = %v, want the lease expiry %v", next, want)
	}
	// Renewed 8 s later, the lease outlives its first expiry.
	c.Advance(8 * time.Second)
	if err := db.RenewLease(ctx, *ja, a.TTL); err != nil {
		t.Fatal(err)
	}
	c.Advance(8 * time.Second)
	if got, _, _ := db.ClaimJob(ctx, b); got != nil {
		t.Fatalf("node-b claimed %+v under a renewed lease", got)
	}
	// node-a dies: 10 s after its last renewal the job is node-b's.
	c.Advance(2 * time.Second)
	jb, _, err := db.ClaimJob(ctx, b)
	if err != nil || jb == nil || jb.ID != id || jb.Attempts != 2 || jb.LeaseOwner == nil || *jb.LeaseOwner != "node-b" {
		t.Fatalf("node-b claim after expiry = %+v, %v; want job %d, attempt 2, node-b", jb, err, id)
	}
	if err := db.RenewLease(ctx, *ja, a.TTL); !errors.Is(err, storage.ErrLeaseLost) {
		t.Errorf("node-a renew = %v, want ErrLeaseLost", err)
	}
	if err := db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, *ja) }); !errors.Is(err, storage.ErrLeaseLost) {
		t.Errorf("node-a finish = %v, want ErrLeaseLost", err)
	}
	reason := "x"
	if err := db.RetryJob(ctx, *ja, c.Now(), &reason); !errors.Is(err, storage.ErrLeaseLost) {
		t.Errorf("node-a retry = %v, want ErrLeaseLost", err)
	}
	if err := db.FailJob(ctx, *ja, "x"); !errors.Is(err, storage.ErrLeaseLost) {
		t.Errorf("node-a fail = %v, want ErrLeaseLost", err)
	}
	if j, _ := jobByID(t, db, id); j.State != "running" || j.Attempts != 2 || *j.LeaseOwner != "node-b" {
		t.Errorf("job after node-a's refused writes = %+v", j)
	}
	// node-b's claim is intact; finishing it frees the resource's next job.
	if got, _, _ := db.ClaimJob(ctx, a); got != nil {
		t.Fatalf("claimed %+v while node-b holds the resource", got)
	}
	if err := db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, *jb) }); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := db.ClaimJob(ctx, a); got == nil || got.ID != later {
		t.Errorf("claim after finish = %+v, want job %d", got, later)
	}
}

// TestResumeJobsTakesOnlyOwnJobs: a node restarting takes back its own
// running jobs at once. On PostgreSQL another node's live leases are
// left alone; a SQLite database is one node's, so it takes all.
func TestResumeJobsTakesOnlyOwnJobs(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	mine := enqueue(t, db, "k", "r1", c.Now(), nil)
	theirs := enqueue(t, db, "k", "r2", c.Now(), nil)
	if j, _, _ := db.ClaimJob(ctx, storage.JobLease{Owner: "node-a", TTL: time.Minute}); j == nil || j.ID != mine {
		t.Fatalf("node-a claimed %v", j)
	}
	if j, _, _ := db.ClaimJob(ctx, storage.JobLease{Owner: "node-b", TTL: time.Minute}); j == nil || j.ID != theirs {
		t.Fatalf("node-b claimed %v", j)
	}
	n, err := db.ResumeJobs(ctx, "node-a")
	if err != nil {
		t.Fatal(err)
	}
	want, wantN := map[int64]string{mine: "pending", theirs: "running"}, 1
	if pgCluster == nil {
		want[theirs], wantN = "pending", 2
	}
	if n != wantN {
		t.Errorf("ResumeJobs = %d, want %d", n, wantN)
	}
	for id, state := range want {
		j, _ := jobByID(t, db, id)
		if j.State != state {
			t.Errorf("job %d state = %q, want %q", id, j.State, state)
		}
		if state == "pending" && (j.LeaseOwner != nil || j.LeaseExpires != nil) {
			t.Errorf("job %d put back still leased: %v until %v", id, *j.LeaseOwner, j.LeaseExpires)
		}
	}
}

// TestClaimJobTwoNodes: two handles on one PostgreSQL database (two
// nodes) claiming at once, four goroutines each, never take one job
// twice, and between them take every job.
func TestClaimJobTwoNodes(t *testing.T) {
	ctx := context.Background()
	nodes := twoNodes(t)
	const jobs = 60
	err := nodes[0].Write(ctx, func(tx *storage.Tx) error {
		for i := range jobs {
			if err := tx.EnqueueJob(ctx, "k", fmt.Sprintf("r%d", i), time.Now().Add(-time.Second), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	claimedBy := map[int64]string{}
	var wg sync.WaitGroup
	for n, db := range nodes {
		lease := storage.JobLease{Owner: []string{"node-a", "node-b"}[n], TTL: time.Hour}
		for range 4 {
			wg.Go(func() {
				for {
					j, _, err := db.ClaimJob(ctx, lease)
					if err != nil {
						t.Error(err)
						return
					}
					if j == nil {
						return
					}
					mu.Lock()
					if prev, dup := claimedBy[j.ID]; dup {
						t.Errorf("job %d claimed by %s and again by %s", j.ID, prev, lease.Owner)
					}
					claimedBy[j.ID] = lease.Owner
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(claimedBy) != jobs {
		t.Errorf("%d jobs claimed, want %d", len(claimedBy), jobs)
	}
	per := map[string]int{}
	for _, o := range claimedBy {
		per[o]++
	}
	t.Logf("claims per node: %v", per)
}

// TestWatchJobsAcrossNodes: a job one node enqueues wakes another node
// listening (PostgreSQL LISTEN/NOTIFY), instead of waiting for its poll.
func TestWatchJobsAcrossNodes(t *testing.T) {
	nodes := twoNodes(t)
	ctx, cancel := context.WithCancel(context.Background())
	woke := make(chan struct{}, 16)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		nodes[0].WatchJobs(ctx, func() { woke <- struct{}{} }, slog.New(slog.DiscardHandler))
	}()
	defer func() { cancel(); <-watched }()
	wait := func(what string) {
		t.Helper()
		select {
		case <-woke:
		case <-time.After(10 * time.Second):
			t.Fatalf("no wake-up: %s", what)
		}
	}
	wait("after LISTEN") // the first, sent once the node listens
	err := nodes[1].Write(ctx, func(tx *storage.Tx) error {
		return tx.EnqueueJob(ctx, "k", "r", time.Now(), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	wait("after the other node enqueued a job")
}
