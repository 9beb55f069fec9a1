package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/manilite/manilite/storage"
)

func enqueue(t *testing.T, db *storage.DB, kind, resource string, runAfter time.Time, payload *string) int64 {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *storage.Tx) error { return tx.EnqueueJob(ctx, kind, resource, runAfter, payload) })
	if err != nil {
		t.Fatal(err)
	}
	jobs := jobsOf(t, db, "")
	return jobs[len(jobs)-1].ID
}

// testLease outlasts every clock advance of these tests, unless a test
// says otherwise.
var testLease = storage.JobLease{Owner: "node-a", TTL: 100 * time.Hour}

func jobByID(t *testing.T, db *storage.DB, id int64) (storage.Job, bool) {
	t.Helper()
	for _, j := range jobsOf(t, db, "") {
		if j.ID == id {
			return j, true
		}
	}
	return storage.Job{}, false
}

func TestClaimJobOrder(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	now := c.Now()
	// Enqueued in an order unlike their due times.
	j1 := enqueue(t, db, "k", "r1", now.Add(-10*time.Second), ptr(`{"x":1}`))
	j2 := enqueue(t, db, "k", "r2", now.Add(-20*time.Second), nil)
	j3 := enqueue(t, db, "k", "r3", now.Add(30*time.Second), nil)
	j4 := enqueue(t, db, "k", "r4", now.Add(-10*time.Second), nil) // ties with j1: lower id first
	j5 := enqueue(t, db, "k", "r5", now, nil)                      // due exactly now

	steps := []struct {
		advance  time.Duration
		wantID   int64 // 0: nothing due
		wantNext time.Time
	}{
		{0, j2, now.Add(-10 * time.Second)},
		{0, j1, now.Add(-10 * time.Second)},
		{0, j4, now},
		{0, j5, now.Add(30 * time.Second)},
		{0, 0, now.Add(30 * time.Second)},
		{29 * time.Second, 0, now.Add(30 * time.Second)},
		// Nothing pending is left: the next claimable moment is when the
		// first claims' leases would expire.
		{time.Second, j3, now.Add(testLease.TTL)},
		{time.Hour, 0, now.Add(testLease.TTL)},
	}
	for i, s := range steps {
		c.Advance(s.advance)
		job, next, err := db.ClaimJob(ctx, testLease)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		switch {
		case s.wantID == 0 && job != nil:
			t.Errorf("step %d: claimed %+v, want nothing", i, *job)
		case s.wantID != 0 && job == nil:
			t.Errorf("step %d: claimed nothing, want job %d", i, s.wantID)
		case s.wantID != 0 && job.ID != s.wantID:
			t.Errorf("step %d: claimed job %d (%s), want %d", i, job.ID, job.ResourceID, s.wantID)
		case job != nil && (job.State != "running" || job.Attempts != 1):
			t.Errorf("step %d: claimed job state=%q attempts=%d, want running, 1", i, job.State, job.Attempts)
		}
		if !next.Equal(s.wantNext) {
			t.Errorf("step %d: next = %v, want %v", i, next, s.wantNext)
		}
	}
	if j, _ := jobByID(t, db, j1); j.Payload == nil || *j.Payload != `{"x":1}` || j.Kind != "k" || j.ResourceID != "r1" {
		t.Errorf("job 1 = %+v", j)
	}
	for _, j := range jobsOf(t, db, "") {
		if j.State != "running" {
			t.Errorf("job %d state = %q, want running", j.ID, j.State)
		}
	}
}

func TestJobLifecycle(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	claim := func() *storage.Job {
		t.Helper()
		j, _, err := db.ClaimJob(ctx, testLease)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}

	t.Run("finish removes", func(t *testing.T) {
		id := enqueue(t, db, "k", "fin", c.Now(), nil)
		j := claim()
		if j == nil || j.ID != id {
			t.Fatalf("claimed %v", j)
		}
		if j.LeaseOwner == nil || *j.LeaseOwner != "node-a" || j.LeaseExpires == nil || !j.LeaseExpires.Equal(c.Now().Add(testLease.TTL)) {
			t.Errorf("lease = %v until %v, want node-a until %v", j.LeaseOwner, j.LeaseExpires, c.Now().Add(testLease.TTL))
		}
		if err := db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, *j) }); err != nil {
			t.Fatal(err)
		}
		if _, ok := jobByID(t, db, id); ok {
			t.Error("finished job still recorded")
		}
	})

	t.Run("retry reschedules", func(t *testing.T) {
		id := enqueue(t, db, "k", "retry", c.Now(), nil)
		first := claim()
		due := c.Now().Add(time.Minute)
		reason := "try again"
		if err := db.RetryJob(ctx, *first, due, &reason); err != nil {
			t.Fatal(err)
		}
		j, ok := jobByID(t, db, id)
		if !ok || j.State != "pending" || !j.RunAfter.Equal(due) || j.LastError == nil || *j.LastError != "try again" || j.Attempts != 1 {
			t.Fatalf("after retry: %+v", j)
		}
		if got, next, _ := db.ClaimJob(ctx, testLease); got != nil || !next.Equal(due) {
			t.Errorf("before due: claimed %v, next %v; want nothing, %v", got, next, due)
		}
		c.Advance(time.Minute)
		got := claim()
		if got == nil || got.ID != id || got.Attempts != 2 || got.LastError == nil || *got.LastError != "try again" {
			t.Fatalf("after due: claimed %+v", got)
		}
		// The first claim's token no longer finishes the job.
		if err := db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, *first) }); !errors.Is(err, storage.ErrLeaseLost) {
			t.Fatalf("finish with the first claim = %v, want ErrLeaseLost", err)
		}
		if err := db.Write(ctx, func(tx *storage.Tx) error { return tx.FinishJob(ctx, *got) }); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("fail keeps", func(t *testing.T) {
		id := enqueue(t, db, "k", "fail", c.Now(), nil)
		if err := db.FailJob(ctx, *claim(), "hopeless"); err != nil {
			t.Fatal(err)
		}
		j, ok := jobByID(t, db, id)
		if !ok || j.State != "failed" || j.LastError == nil || *j.LastError != "hopeless" {
			t.Fatalf("after fail: %+v (recorded %v)", j, ok)
		}
		c.Advance(time.Hour)
		if got, next, _ := db.ClaimJob(ctx, testLease); got != nil || !next.IsZero() {
			t.Errorf("failed job claimable: %v, next %v", got, next)
		}
		if n, err := db.ResumeJobs(ctx, testLease.Owner); err != nil || n != 0 {
			t.Errorf("ResumeJobs = %d, %v; failed jobs must stay failed", n, err)
		}
		if j, _ := jobByID(t, db, id); j.State != "failed" {
			t.Errorf("state = %q after ResumeJobs", j.State)
		}
	})
}

func TestResumeJobs(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	r1 := enqueue(t, db, "k", "r1", c.Now(), nil)
	r2 := enqueue(t, db, "k", "r2", c.Now(), nil)
	for range 2 {
		if j, _, err := db.ClaimJob(ctx, testLease); err != nil || j == nil {
			t.Fatalf("claim: %v, %v", j, err)
		}
	}
	pending := enqueue(t, db, "k", "pending", c.Now().Add(time.Hour), nil)
	failed := enqueue(t, db, "k", "failed", c.Now().Add(-time.Hour), nil)
	fj, _, _ := db.ClaimJob(ctx, testLease)
	if fj == nil || fj.ID != failed {
		t.Fatalf("claimed %v, want the failed-to-be job", fj)
	}
	if err := db.FailJob(ctx, *fj, "x"); err != nil {
		t.Fatal(err)
	}

	n, err := db.ResumeJobs(ctx, testLease.Owner)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("ResumeJobs = %d, want 2", n)
	}
	want := map[int64]string{r1: "pending", r2: "pending", pending: "pending", failed: "failed"}
	for id, state := range want {
		if j, _ := jobByID(t, db, id); j.State != state {
			t.Errorf("job %d state = %q, want %q", id, j.State, state)
		}
	}
	if n, err := db.ResumeJobs(ctx, testLease.Owner); err != nil || n != 0 {
		t.Errorf("second ResumeJobs = %d, %v; want 0", n, err)
	}
	// Resumed jobs are claimable again and keep their attempt count.
	j, _, err := db.ClaimJob(ctx, testLease)
	if err != nil || j == nil || j.ID != r1 || j.Attempts != 2 {
		t.Errorf("claim after resume = %+v, %v; want job %d with 2 attempts", j, err, r1)
	}
}

func TestEnqueueJobRolledBack(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)
	sh := baseShare("s1")
	sh.Status = "available"
	mustCreateShare(t, db, sh)
	before := len(jobsOf(t, db, ""))
	// The transition is refused, so its job must not be written either.
	err := db.TransitionShare(ctx, "s1", move([]string{"error"}, "deleting"), storage.JobShareDelete, 0)
	wantStateError(t, err, "available")
	if after := len(jobsOf(t, db, "")); after != before {
		t.Errorf("%d jobs after a refused transition, want %d", after, before)
	}
}
