// Package worker runs manilite's durable jobs: the asynchronous halves of
// API operations (a share leaving "creating" or "deleting").
//
// A job is a row written by storage in the same transaction as the state
// change that needs it. A pool of goroutines claims due jobs one at a time;
// a job left "running" by a process that died is put back to "pending" at
// start-up, so every job handler must be idempotent.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/manilite/manilite/storage"
)

// Kind is the code behind one job kind.
type Kind struct {
	// Run does the work and, in its final transaction, calls
	// tx.FinishJob(job.ID). A returned error is retried with backoff unless
	// it is Permanent or the attempts run out.
	Run func(ctx context.Context, job storage.Job) error
	// Fail records the failure on the resource (an error status) once the
	// job is given up.
	Fail func(ctx context.Context, job storage.Job, cause error) error
	// MaxAttempts bounds retries (default 5).
	MaxAttempts int
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks an error that retrying cannot fix.
func Permanent(err error) error { return permanentError{err} }

// Pool claims and runs jobs.
type Pool struct {
	db    *storage.DB
	log   *slog.Logger
	size  int
	kinds map[string]Kind
	wake  chan struct{}
	// stopClaiming ends the claim loops; abortJobs cancels the jobs
	// running, once Stop's deadline has passed.
	stopClaiming, abortJobs context.CancelFunc
	done                    sync.WaitGroup
	started                 bool
	// obs is told how each job attempt ended (SetObserver).
	obs Observer
}

// New returns a pool of size goroutines over db.
func New(db *storage.DB, log *slog.Logger, size int) *Pool {
	if size < 1 {
		size = 1
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pool{db: db, log: log, size: size, kinds: map[string]Kind{}, wake: make(chan struct{}, 1), obs: noObserver{}}
}

// Register sets the code for a job kind. Call it before Start.
func (p *Pool) Register(kind string, k Kind) {
	if k.MaxAttempts == 0 {
		k.MaxAttempts = 5
	}
	p.kinds[kind] = k
}

// Start resumes jobs a previous process left running and starts the
// goroutines. It returns how many jobs were resumed.
func (p *Pool) Start(ctx context.Context) (int, error) {
	if p.started {
		return 0, errors.New("worker: already started")
	}
	resumed, err := p.db.ResumeJobs(ctx)
	if err != nil {
		return 0, fmt.Errorf("worker: resume jobs: %w", err)
	}
	if resumed > 0 {
		p.log.Info("resuming jobs left unfinished by the previous run", "jobs", resumed)
	}
	jobCtx, abort := context.WithCancel(context.WithoutCancel(ctx))
	claimCtx, stopClaiming := context.WithCancel(jobCtx)
	p.stopClaiming, p.abortJobs = stopClaiming, abort
	p.started = true
	for range p.size {
		p.done.Add(1)
		go p.loop(claimCtx, jobCtx)
	}
	return resumed, nil
}

// Notify wakes an idle goroutine: a job was just enqueued.
func (p *Pool) Notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Stop claims no more jobs and lets the running ones finish until ctx
// ends; then it cancels them and waits (up to abortWait) for them to
// return. Jobs not finished stay in the database and resume at the next
// start.
func (p *Pool) Stop(ctx context.Context) error {
	if !p.started {
		return nil
	}
	p.stopClaiming()
	finished := make(chan struct{})
	go func() { p.done.Wait(); close(finished) }()
	select {
	case <-finished:
		p.abortJobs()
		return nil
	case <-ctx.Done():
	}
	p.abortJobs()
	select {
	case <-finished:
	case <-time.After(abortWait):
	}
	return ctx.Err()
}

// abortWait bounds how long Stop waits for cancelled jobs to return.
const abortWait = 5 * time.Second

// idleWait bounds how long an idle goroutine sleeps before it looks again.
const idleWait = time.Second

// loop claims jobs until claimCtx ends and runs each under jobCtx, which
// outlives it: a job claimed before shutdown may finish.
func (p *Pool) loop(claimCtx, jobCtx context.Context) {
	defer p.done.Done()
	ctx := claimCtx
	for ctx.Err() == nil {
		// Claiming is a write transaction; most wake-ups (an enqueue of a
		// job not due yet, the idle poll) find nothing to claim, which a
		// read tells without the writer.
		due, pending, err := p.db.NextJobDue(ctx)
		if err == nil && (!pending || due.After(time.Now())) {
			wait := idleWait
			if pending {
				wait = min(wait, max(time.Until(due), time.Millisecond))
			}
			p.sleep(ctx, wait)
			continue
		}
		job, next, err := p.db.ClaimJob(ctx)
		if err != nil {
			if ctx.Err() == nil {
				p.log.Error("worker: claim job", "error", err)
			}
			p.sleep(ctx, idleWait)
			continue
		}
		if job == nil {
			wait := idleWait
			if !next.IsZero() {
				if d := time.Until(next); d < wait {
					wait = max(d, time.Millisecond)
				}
			}
			p.sleep(ctx, wait)
			continue
		}
		p.run(jobCtx, *job)
	}
}

func (p *Pool) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-p.wake:
	case <-t.C:
	}
}

func (p *Pool) run(ctx context.Context, job storage.Job) {
	log := p.log.With("job_id", job.ID, "kind", job.Kind, "resource_id", job.ResourceID, "attempt", job.Attempts)
	k, ok := p.kinds[job.Kind]
	if !ok {
		log.Error("worker: no code for job kind; job marked failed")
		_ = p.db.FailJob(context.WithoutCancel(ctx), job.ID, "unknown job kind "+job.Kind)
		return
	}
	start := time.Now()
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = Permanent(fmt.Errorf("panic: %v", r))
			}
		}()
		return k.Run(ctx, job)
	}()
	took := time.Since(start)
	if err == nil {
		p.obs.ObserveJob(job.Kind, outcomeDone, took)
		log.Debug("job done", "duration_ms", took.Milliseconds())
		return
	}
	// A job interrupted by shutdown stays 'running'; the next start resumes it.
	if ctx.Err() != nil {
		p.obs.ObserveJob(job.Kind, outcomeInterrupted, took)
		log.Info("job interrupted by shutdown; it resumes at the next start", "error", err)
		return
	}
	var perm permanentError
	bg := context.WithoutCancel(ctx)
	if errors.As(err, &perm) || job.Attempts >= k.MaxAttempts {
		p.obs.ObserveJob(job.Kind, outcomeFailed, took)
		log.Error("job failed", "error", err)
		if k.Fail != nil {
			if ferr := k.Fail(bg, job, err); ferr != nil {
				log.Error("job failure could not be recorded", "error", ferr)
			}
		}
		if ferr := p.db.FailJob(bg, job.ID, err.Error()); ferr != nil {
			log.Error("worker: mark job failed", "error", ferr)
		}
		return
	}
	p.obs.ObserveJob(job.Kind, outcomeRetry, took)
	backoff := time.Duration(1<<min(job.Attempts, 6)) * 100 * time.Millisecond
	log.Warn("job attempt failed; retrying", "error", err, "retry_in_ms", backoff.Milliseconds())
	if rerr := p.db.RetryJob(bg, job.ID, time.Now().Add(backoff), err.Error()); rerr != nil {
		log.Error("worker: reschedule job", "error", rerr)
	}
}
