// Package worker runs manilite's durable jobs: the asynchronous halves of
// API operations (a share leaving "creating" or "deleting").
//
// A job is a row written by storage in the same transaction as the state
// change that needs it. A pool of goroutines claims due jobs one at a time,
// each under a lease (storage.JobLease) the pool renews while the job
// runs. Several nodes may share one database: a node that dies stops
// renewing, and another node's pool claims the job once its lease has
// expired; a node that restarts takes its own jobs back at once. A node
// whose lease was taken over (it was cut off longer than the lease) has
// its job cancelled, and the job's final transaction (tx.FinishJob) fails
// with storage.ErrLeaseLost, so the work of one claim at most is
// committed. A job may therefore run again after a partial attempt: every
// job handler must be idempotent.
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
	// lease is how this node claims jobs (SetLease).
	lease storage.JobLease
}

// DefaultLeaseTTL is how long a claim lasts unless renewed: a node killed
// with kill -9 has its jobs taken over by another node within about this
// long, plus an idle poll (idleWait).
const DefaultLeaseTTL = 5 * time.Second

// SetLease sets the node name and lease length this pool claims jobs
// with. Call it before Start; the default is the node "local" and
// DefaultLeaseTTL.
func (p *Pool) SetLease(l storage.JobLease) {
	if l.Owner == "" {
		l.Owner = "local"
	}
	if l.TTL <= 0 {
		l.TTL = DefaultLeaseTTL
	}
	p.lease = l
}

// New returns a pool of size goroutines over db.
func New(db *storage.DB, log *slog.Logger, size int) *Pool {
	if size < 1 {
		size = 1
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Pool{db: db, log: log, size: size, kinds: map[string]Kind{}, wake: make(chan struct{}, 1), obs: noObserver{}}
	p.SetLease(storage.JobLease{})
	return p
}

// Register sets the code for a job kind. Call it before Start.
func (p *Pool) Register(kind string, k Kind) {
	if k.MaxAttempts == 0 {
		k.MaxAttempts = 5
	}
	p.kinds[kind] = k
}

// Start takes back the jobs a previous run of this node left running and
// starts the goroutines. It returns how many jobs were resumed.
func (p *Pool) Start(ctx context.Context) (int, error) {
	if p.started {
		return 0, errors.New("worker: already started")
	}
	resumed, err := p.db.ResumeJobs(ctx, p.lease.Owner)
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
	// Jobs enqueued by other nodes wake this one at once (PostgreSQL).
	p.done.Go(func() { p.db.WatchJobs(claimCtx, p.Notify, p.log) })
	return resumed, nil
}

// Notify wakes an idle goroutine: a job was just enqueued (here, or on
// another node: storage.DB.WatchJobs).
func (p *Pool) Notify() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Stop claims no more jobs and lets the running ones finish until ctx
// ends; then it cancels them and waits (up to abortWait) for them to
// return. Jobs not finished are put back to pending, for another node or
// the next start.
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
		job, next, err := p.db.ClaimJob(ctx, p.lease)
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
	bg := context.WithoutCancel(ctx)
	k, ok := p.kinds[job.Kind]
	if !ok {
		log.Error("worker: no code for job kind; job marked failed")
		_ = p.db.FailJob(bg, job, "unknown job kind "+job.Kind)
		return
	}
	log.Debug("job claimed", "node", p.lease.Owner, "lease_until", job.LeaseExpires)
	start := time.Now()
	runCtx, cancelRun := context.WithCancelCause(ctx)
	renewed := p.keepLease(runCtx, job, cancelRun, log)
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = Permanent(fmt.Errorf("panic: %v", r))
			}
		}()
		return k.Run(runCtx, job)
	}()
	cancelRun(nil)
	<-renewed
	took := time.Since(start)
	if err == nil {
		p.obs.ObserveJob(job.Kind, outcomeDone, took)
		log.Debug("job done", "duration_ms", took.Milliseconds())
		return
	}
	// Another node holds the job now: nothing of this attempt may be
	// recorded.
	if errors.Is(err, storage.ErrLeaseLost) || errors.Is(context.Cause(runCtx), storage.ErrLeaseLost) {
		p.obs.ObserveJob(job.Kind, outcomeLeaseLost, took)
		log.Warn("job lease lost: another node has taken the job over; this attempt is dropped", "error", err)
		return
	}
	// A job interrupted by shutdown is handed back at once, to another
	// node or the next start.
	if ctx.Err() != nil {
		p.obs.ObserveJob(job.Kind, outcomeInterrupted, took)
		log.Info("job interrupted by shutdown; it is handed back to run again", "error", err)
		if rerr := p.db.RetryJob(bg, job, time.Now(), nil); rerr != nil && !errors.Is(rerr, storage.ErrLeaseLost) {
			log.Error("worker: hand back interrupted job", "error", rerr)
		}
		return
	}
	var perm permanentError
	if errors.As(err, &perm) || job.Attempts >= k.MaxAttempts {
		p.obs.ObserveJob(job.Kind, outcomeFailed, took)
		log.Error("job failed", "error", err)
		if k.Fail != nil {
			if ferr := k.Fail(bg, job, err); ferr != nil {
				log.Error("job failure could not be recorded", "error", ferr)
			}
		}
		if ferr := p.db.FailJob(bg, job, err.Error()); ferr != nil {
			log.Error("worker: mark job failed", "error", ferr)
		}
		return
	}
	p.obs.ObserveJob(job.Kind, outcomeRetry, took)
	backoff := time.Duration(1<<min(job.Attempts, 6)) * 100 * time.Millisecond
	log.Warn("job attempt failed; retrying", "error", err, "retry_in_ms", backoff.Milliseconds())
	reason := err.Error()
	if rerr := p.db.RetryJob(bg, job, time.Now().Add(backoff), &reason); rerr != nil {
		log.Error("worker: reschedule job", "error", rerr)
	}
}

// keepLease renews job's lease every third of its length until ctx ends
// (the returned channel is closed then). When the lease is lost (another
// node claimed the job) or could not be renewed for a whole lease length
// (another node may have claimed it), it cancels ctx with
// storage.ErrLeaseLost, so the job stops.
func (p *Pool) keepLease(ctx context.Context, job storage.Job, cancel context.CancelCauseFunc, log *slog.Logger) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		every := p.lease.TTL / 3
		t := time.NewTicker(every)
		defer t.Stop()
		held := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rctx, stop := context.WithTimeout(ctx, every)
			err := p.db.RenewLease(rctx, job, p.lease.TTL)
			stop()
			switch {
			case err == nil:
				held = time.Now()
			case errors.Is(err, storage.ErrLeaseLost):
				cancel(storage.ErrLeaseLost)
				return
			case ctx.Err() != nil:
				return
			default:
				log.Warn("worker: renew job lease", "error", err)
				if time.Since(held) >= p.lease.TTL {
					cancel(storage.ErrLeaseLost)
					return
				}
			}
		}
	}()
	return done
}
