package worker_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manilite/manilite/storage"
	"github.com/manilite/manilite/worker"
)

func TestJobRunsAfterNotify(t *testing.T) {
	db := openDB(t)
	p := newPool(t, db, 1)
	ran := make(chan storage.Job, 1)
	p.Register("test.ok", worker.Kind{Run: func(ctx context.Context, job storage.Job) error {
		ran <- job
		return finish(ctx, db, job)
	}})
	if n := start(t, p); n != 0 {
		t.Errorf("Start resumed %d jobs on an empty queue", n)
	}
	// Let the idle goroutine go to sleep (up to a second) before the job
	// appears; only Notify can wake it early.
	time.Sleep(100 * time.Millisecond)
	id := enqueue(t, db, "test.ok", "res-1", time.Now())
	begin := time.Now()
	p.Notify()
	select {
	case job := <-ran:
		if d := time.Since(begin); d > 600*time.Millisecond {
			t.Errorf("job ran %v after Notify; Notify did not wake the pool", d)
		}
		if job.ID != id || job.Kind != "test.ok" || job.ResourceID != "res-1" || job.Attempts != 1 || job.State != "running" {
			t.Errorf("Run got %+v", job)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("job did not run")
	}
	waitFor(t, 2*time.Second, "the job to be finished", func() bool { return len(listJobs(t, db)) == 0 })
}

func TestJobWaitsUntilDue(t *testing.T) {
	db := openDB(t)
	p := newPool(t, db, 2)
	ran := make(chan time.Time, 1)
	p.Register("test.ok", worker.Kind{Run: func(ctx context.Context, job storage.Job) error {
		ran <- time.Now()
		return finish(ctx, db, job)
	}})
	due := time.Now().Add(400 * time.Millisecond)
	enqueue(t, db, "test.ok", "later", due)
	start(t, p)
	p.Notify()
	select {
	case at := <-ran:
		if at.Before(due) {
			t.Errorf("job ran %v before it was due", due.Sub(at))
		}
		if late := at.Sub(due); late > 500*time.Millisecond {
			t.Errorf("job ran %v after it was due; the pool should sleep only until then", late)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("job did not run")
	}
}

func TestFailingJobRetriesThenFails(t *testing.T) {
	db := openDB(t)
	p := newPool(t, db, 1)
	var rec recorder
	p.Register("test.flaky", worker.Kind{
		MaxAttempts: 3,
		Run: func(ctx context.Context, job storage.Job) error {
			n := rec.run(job)
			return fmt.Errorf("boom %d", n)
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error {
			rec.fail(job, cause)
			return nil
		},
	})
	id := enqueue(t, db, "test.flaky", "r", time.Now())
	start(t, p)
	waitFor(t, 10*time.Second, "the job to fail", func() bool {
		j, _ := jobByID(t, db, id)
		return j.State == "failed"
	})

	if got := rec.attempts(); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("attempts seen by Run = %v, want [1 2 3]", got)
	}
	_, times, fails := rec.snapshot()
	// Backoff: 200ms after the first attempt, 400ms after the second.
	for i, min := range []time.Duration{200 * time.Millisecond, 400 * time.Millisecond} {
		if i+1 < len(times) {
			if gap := times[i+1].Sub(times[i]); gap < min-20*time.Millisecond {
				t.Errorf("attempt %d came %v after attempt %d, want at least %v", i+2, gap, i+1, min)
			}
		}
	}
	if len(fails) != 1 {
		t.Fatalf("Fail called %d times, want 1", len(fails))
	}
	if fails[0].job.Attempts != 3 || fails[0].cause == nil || fails[0].cause.Error() != "boom 3" {
		t.Errorf("Fail(%+v, %v)", fails[0].job, fails[0].cause)
	}
	j, _ := jobByID(t, db, id)
	if j.Attempts != 3 || j.LastError == nil || *j.LastError != "boom 3" {
		t.Errorf("failed job = %+v", j)
	}
	// A failed job is never picked up again.
	time.Sleep(500 * time.Millisecond)
	if got := rec.attempts(); len(got) != 3 {
		t.Errorf("failed job ran again: attempts %v", got)
	}
}

func TestFailingJobDefaultMaxAttempts(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 3s of backoff")
	}
	db := openDB(t)
	p := newPool(t, db, 1)
	var rec recorder
	p.Register("test.flaky", worker.Kind{
		Run:  func(ctx context.Context, job storage.Job) error { rec.run(job); return errors.New("nope") },
		Fail: func(ctx context.Context, job storage.Job, cause error) error { rec.fail(job, cause); return nil },
	})
	id := enqueue(t, db, "test.flaky", "r", time.Now())
	start(t, p)
	waitFor(t, 15*time.Second, "the job to fail", func() bool {
		j, _ := jobByID(t, db, id)
		return j.State == "failed"
	})
	if got := rec.attempts(); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Errorf("attempts = %v, want 5 by default", got)
	}
	if _, _, fails := rec.snapshot(); len(fails) != 1 {
		t.Errorf("Fail called %d times, want 1", len(fails))
	}
}

func TestJobSucceedsAfterRetry(t *testing.T) {
	db := openDB(t)
	p := newPool(t, db, 1)
	var rec recorder
	p.Register("test.flaky", worker.Kind{
		MaxAttempts: 3,
		Run: func(ctx context.Context, job storage.Job) error {
			if rec.run(job) < 3 {
				return errors.New("not yet")
			}
			return finish(ctx, db, job)
		},
		Fail: func(ctx context.Context, job storage.Job, cause error) error { rec.fail(job, cause); return nil },
	})
	enqueue(t, db, "test.flaky", "r", time.Now())
	start(t, p)
	waitFor(t, 10*time.Second, "the job to finish", func() bool { return len(listJobs(t, db)) == 0 })
	if got := rec.attempts(); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("attempts = %v, want [1 2 3]", got)
	}
	if _, _, fails := rec.snapshot(); len(fails) != 0 {
		t.Errorf("Fail called for a job that succeeded: %v", fails)
	}
}

var errSentinel = errors.New("sentinel")

func TestJobGivenUpAtOnce(t *testing.T) {
	tests := []struct {
		name      string
		kind      string // registered kind; the job uses "test.job"
		run       func(ctx context.Context, job storage.Job) error
		fail      bool // register a Fail hook
		failErr   error
		wantFail  bool
		wantCause func(error) bool
		wantLast  string
	}{
		{
			name: "permanent", kind: "test.job", fail: true, wantFail: true,
			run:       func(context.Context, storage.Job) error { return worker.Permanent(errSentinel) },
			wantCause: func(err error) bool { return errors.Is(err, errSentinel) },
			wantLast:  "sentinel",
		},
		{
			name: "wrapped permanent", kind: "test.job", fail: true, wantFail: true,
			run: func(context.Context, storage.Job) error {
				return fmt.Errorf("while working: %w", worker.Permanent(errSentinel))
			},
			wantCause: func(err error) bool { return errors.Is(err, errSentinel) },
			wantLast:  "while working: sentinel",
		},
		{
			name: "panic", kind: "test.job", fail: true, wantFail: true,
			run:       func(context.Context, storage.Job) error { panic("kaboom") },
			wantCause: func(err error) bool { return err != nil && strings.Contains(err.Error(), "kaboom") },
			wantLast:  "panic: kaboom",
		},
		{
			name: "panic with an error value", kind: "test.job", fail: true, wantFail: true,
			run:       func(context.Context, storage.Job) error { panic(errSentinel) },
			wantCause: func(err error) bool { return err != nil && strings.Contains(err.Error(), "sentinel") },
			wantLast:  "panic: sentinel",
		},
		{
			name: "permanent without a Fail hook", kind: "test.job",
			run:      func(context.Context, storage.Job) error { return worker.Permanent(errSentinel) },
			wantLast: "sentinel",
		},
		{
			name: "Fail hook fails", kind: "test.job", fail: true, failErr: errors.New("cannot record"), wantFail: true,
			run:       func(context.Context, storage.Job) error { return worker.Permanent(errSentinel) },
			wantCause: func(err error) bool { return errors.Is(err, errSentinel) },
			wantLast:  "sentinel",
		},
		{
			name: "unknown kind", kind: "test.other",
			run:      func(context.Context, storage.Job) error { return nil },
			wantLast: "unknown job kind test.job",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			p := newPool(t, db, 1)
			var rec recorder
			k := worker.Kind{
				MaxAttempts: 5,
				Run: func(ctx context.Context, job storage.Job) error {
					rec.run(job)
					return tc.run(ctx, job)
				},
			}
			if tc.fail {
				k.Fail = func(ctx context.Context, job storage.Job, cause error) error {
					if ctx.Err() != nil {
						t.Errorf("Fail got a cancelled context")
					}
					rec.fail(job, cause)
					return tc.failErr
				}
			}
			p.Register(tc.kind, k)
			okRan := make(chan struct{})
			p.Register("test.ok", worker.Kind{Run: func(ctx context.Context, job storage.Job) error {
				close(okRan)
				return finish(ctx, db, job)
			}})
			id := enqueue(t, db, "test.job", "r", time.Now())
			start(t, p)
			waitFor(t, 5*time.Second, "the job to fail", func() bool {
				j, _ := jobByID(t, db, id)
				return j.State == "failed"
			})
			j, _ := jobByID(t, db, id)
			if j.Attempts != 1 {
				t.Errorf("attempts = %d, want 1 (no retry)", j.Attempts)
			}
			if j.LastError == nil || *j.LastError != tc.wantLast {
				t.Errorf("last_error = %v, want %q", j.LastError, tc.wantLast)
			}
			runs, _, fails := rec.snapshot()
			if tc.kind == "test.job" && len(runs) != 1 {
				t.Errorf("Run called %d times, want 1", len(runs))
			}
			if tc.wantFail {
				if len(fails) != 1 {
					t.Fatalf("Fail called %d times, want 1", len(fails))
				}
				if !tc.wantCause(fails[0].cause) {
					t.Errorf("Fail cause = %v", fails[0].cause)
				}
				if fails[0].job.ID != id {
					t.Errorf("Fail got job %d, want %d", fails[0].job.ID, id)
				}
			} else if len(fails) != 0 {
				t.Errorf("Fail called %d times, want 0", len(fails))
			}

			// The pool is still alive.
			enqueue(t, db, "test.ok", "after", time.Now())
			p.Notify()
			select {
			case <-okRan:
			case <-time.After(5 * time.Second):
				t.Fatal("pool stopped running jobs after a failure")
			}
		})
	}
}

func TestStopWaitsForRunningJob(t *testing.T) {
	db := openDB(t)
	p := newPool(t, db, 2)
	started := make(chan struct{})
	release := make(chan struct{})
	var cancelledWhileRunning bool
	p.Register("test.slow", worker.Kind{Run: func(ctx context.Context, job storage.Job) error {
		close(started)
		<-release
		cancelledWhileRunning = ctx.Err() != nil
		// The work is done: record it even though the pool is stopping.
		return finish(context.WithoutCancel(ctx), db, job)
	}})
	enqueue(t, db, "test.slow", "r", time.Now())
	start(t, p)
	p.Notify()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("job did not start")
	}

	stopped := make(chan error, 1)
	go func() { stopped <- p.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a job was running", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("Stop = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not return after the job finished")
	}
	// Within Stop's deadline a running job is left to finish: its context
	// is not cancelled (SIGTERM lets jobs finish within --shutdown-timeout).
	if cancelledWhileRunning {
		t.Error("Stop cancelled the running job's context before its deadline")
	}
	if jobs := listJobs(t, db); len(jobs) != 0 {
		t.Errorf("jobs left: %+v", jobs)
	}
}

func TestStopGivesUpAtDeadline(t *testing.T) {
	db := openDB(t)
	p := newPool(t, db, 1)
	started := make(chan struct{})
	p.Register("test.slow", worker.Kind{Run: func(ctx context.Context, job storage.Job) error {
		close(started)
		<-ctx.Done() // work that only ends when cancelled
		return ctx.Err()
	}})
	id := enqueue(t, db, "test.slow", "r", time.Now())
	start(t, p)
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	// Past the deadline Stop cancels the job and waits for it to return.
	if err := p.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop = %v, want DeadlineExceeded", err)
	}
	// Interrupted by shutdown: handed back (pending, unleased, due now,
	// no error recorded) for another node or the next start, neither
	// failed nor retried with backoff.
	if j, ok := jobByID(t, db, id); !ok || j.State != "pending" || j.LeaseOwner != nil || j.LastError != nil || j.RunAfter.After(time.Now()) {
		t.Errorf("interrupted job = %+v (recorded %v), want pending, unleased, due, no error", j, ok)
	}
}

func TestInterruptedJobResumesAtNextStart(t *testing.T) {
	db := openDB(t)
	first := newPool(t, db, 1)
	started := make(chan struct{})
	first.Register("test.job", worker.Kind{Run: func(ctx context.Context, job storage.Job) error {
		close(started)
		<-ctx.Done() // shutdown interrupts the work
		return ctx.Err()
	}})
	id := enqueue(t, db, "test.job", "r", time.Now())
	start(t, first)
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := first.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop = %v, want DeadlineExceeded", err)
	}
	if j, _ := jobByID(t, db, id); j.State != "pending" || j.LastError != nil {
		t.Fatalf("after Stop job = %+v, want pending with no error", j)
	}

	second := newPool(t, db, 1)
	var rec recorder
	second.Register("test.job", worker.Kind{Run: func(ctx context.Context, job storage.Job) error {
		rec.run(job)
		return finish(ctx, db, job)
	}})
	if n := start(t, second); n != 0 {
		t.Errorf("Start resumed %d jobs, want 0: Stop handed the job back already", n)
	}
	waitFor(t, 5*time.Second, "the resumed job to finish", func() bool { return len(listJobs(t, db)) == 0 })
	if got := rec.attempts(); !slices.Equal(got, []int{2}) {
		t.Errorf("resumed run attempts = %v, want [2]", got)
	}
}

func TestClaimedJobResumedByNextStart(t *testing.T) {
	db := openDB(t)
	id := enqueue(t, db, "test.job", "r", time.Now())
	other := enqueue(t, db, "test.job", "later", time.Now().Add(time.Hour))
	// A previous process claimed the job and died.
	j, _, err := db.ClaimJob(context.Background(), storage.JobLease{Owner: "local", TTL: time.Hour})
	if err != nil || j == nil || j.ID != id {
		t.Fatalf("ClaimJob = %v, %v", j, err)
	}

	p := newPool(t, db, 1)
	var rec recorder
	p.Register("test.job", worker.Kind{Run: func(ctx context.Context, job storage.Job) error {
		rec.run(job)
		return finish(ctx, db, job)
	}})
	if n := start(t, p); n != 1 {
		t.Errorf("Start resumed %d jobs, want 1", n)
	}
	waitFor(t, 5*time.Second, "the resumed job to finish", func() bool {
		_, ok := jobByID(t, db, id)
		return !ok
	})
	runs, _, _ := rec.snapshot()
	if len(runs) != 1 || runs[0].ID != id || runs[0].Attempts != 2 {
		t.Errorf("runs = %+v, want job %d once with attempt 2", runs, id)
	}
	if j, ok := jobByID(t, db, other); !ok || j.State != "pending" {
		t.Errorf("job not yet due = %+v (recorded %v)", j, ok)
	}
}

func TestStartAndStopEdgeCases(t *testing.T) {
	db := openDB(t)
	p := newPool(t, db, 1)
	if err := p.Stop(context.Background()); err != nil {
		t.Errorf("Stop before Start = %v", err)
	}
	start(t, p)
	if _, err := p.Start(context.Background()); err == nil {
		t.Error("second Start succeeded")
	}
	if err := p.Stop(context.Background()); err != nil {
		t.Errorf("Stop = %v", err)
	}
	if err := p.Stop(context.Background()); err != nil {
		t.Errorf("second Stop = %v", err)
	}
}

func TestPoolRunsEachJobOnce(t *testing.T) {
	db := openDB(t)
	p := newPool(t, db, 4)
	var mu sync.Mutex
	runs := map[string]int{}
	p.Register("test.job", worker.Kind{Run: func(ctx context.Context, job storage.Job) error {
		mu.Lock()
		runs[job.ResourceID]++
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		return finish(ctx, db, job)
	}})
	const n = 30
	for i := range n {
		enqueue(t, db, "test.job", fmt.Sprintf("r%02d", i), time.Now())
	}
	start(t, p)
	waitFor(t, 10*time.Second, "all jobs to finish", func() bool { return len(listJobs(t, db)) == 0 })
	mu.Lock()
	defer mu.Unlock()
	if len(runs) != n {
		t.Errorf("%d resources processed, want %d", len(runs), n)
	}
	for r, c := range runs {
		if c != 1 {
			t.Errorf("%s ran %d times", r, c)
		}
	}
}
