package worker_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/manilite/manilite/storage"
	"github.com/manilite/manilite/worker"
)

type observed struct {
	mu   sync.Mutex
	jobs []string // kind/outcome
}

func (o *observed) ObserveJob(kind, outcome string, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.jobs = append(o.jobs, kind+"/"+outcome)
}

func (o *observed) ObserveBackup(string, int64, int64, time.Duration) {}

func (o *observed) get() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.jobs)
}

func TestObserverSeesEachAttempt(t *testing.T) {
	db := openDB(t)
	p := newPool(t, db, 1)
	obs := &observed{}
	p.SetObserver(obs)
	var flakyRuns int
	p.Register("flaky", worker.Kind{Run: func(ctx context.Context, job storage.Job) error {
		if flakyRuns++; flakyRuns == 1 {
			return errors.New("not yet")
		}
		return finish(ctx, db, job)
	}})
	p.Register("hopeless", worker.Kind{Run: func(context.Context, storage.Job) error {
		return worker.Permanent(errors.New("never"))
	}})
	if got := p.Kinds(); !slices.Equal(got, []string{"flaky", "hopeless"}) {
		t.Errorf("Kinds: %v", got)
	}
	enqueue(t, db, "flaky", "r1", time.Now())
	enqueue(t, db, "hopeless", "r2", time.Now())
	start(t, p)
	want := []string{"flaky/retry", "flaky/done", "hopeless/failed"}
	waitFor(t, 10*time.Second, "three attempts observed", func() bool { return len(obs.get()) == 3 })
	got := obs.get()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("observed %v, want %v", got, want)
	}
}
