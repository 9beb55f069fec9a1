package storage_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/manilite/manilite/storage"
)

func TestCountJobs(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	if got, err := db.CountJobs(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty table: %v, %v", got, err)
	}
	now := c.Now()
	enqueue(t, db, "a", "r1", now.Add(-time.Second), nil)
	enqueue(t, db, "a", "r2", now.Add(time.Hour), nil) // not due: still pending
	failed := enqueue(t, db, "b", "r3", now.Add(-2*time.Second), nil)
	enqueue(t, db, "b", "r4", now.Add(time.Hour), nil)
	job, _, err := db.ClaimJob(ctx, testLease) // b/r3, the oldest due
	if err != nil || job == nil || job.ID != failed {
		t.Fatalf("claim: %v, %v", job, err)
	}
	if err := db.FailJob(ctx, *job, "hopeless"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.ClaimJob(ctx, testLease); err != nil { // a/r1 runs
		t.Fatal(err)
	}
	got, err := db.CountJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.JobCount{{Kind: "a", State: "pending", Jobs: 1}, {Kind: "a", State: "running", Jobs: 1}, {Kind: "b", State: "failed", Jobs: 1}, {Kind: "b", State: "pending", Jobs: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("counts:\n got %v\nwant %v", got, want)
	}
}
