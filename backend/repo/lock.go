package repo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"
)

// The repository lock, across processes and nodes, kept in the store
// itself in the manner of restic's lock files, so that it works the same
// on a shared folder and on an S3 bucket.
//
// A lock is the object locks/<random id>, a small JSON document
// (lockFile). A shared lock is held by backups in progress, restores,
// Check and Delete; an exclusive one by Prune and RebuildIndex. To take a
// lock a process writes its own object, then lists locks/ and reads the
// others: a shared lock conflicts with a live exclusive one, an exclusive
// lock with any other live lock. On a conflict it deletes its own object
// and tries again after a backoff (with jitter) until its context ends.
// Since every acquirer writes before it looks, of two that race at least
// one sees the other: both may back off, never both win.
//
// The holder rewrites its object with the current time every
// Options.LockRefresh. A lock not refreshed for Options.LockStale (by the
// newer of the time in it and the store's modification time of the
// object) is stale: it was left by a process that died, it conflicts with
// nothing, and an exclusive acquirer deletes it. A lock of a process of
// this host (same boot and pid namespace) that no longer exists is stale
// at once. A holder that could not refresh its lock for LockStale less
// one refresh interval takes it as lost: its context is cancelled with an
// error wrapping ErrLockLost, and Prune, RebuildIndex and
// BackupWriter.Commit stop rather than go on unprotected.
//
// Within a process the Repo's sync.RWMutex is taken first, then the store
// lock; the shared store lock is one object for all of a Repo's shared
// holders, kept a moment after the last one is done (sharedLinger) so
// that a restore of many files does not write and delete a lock per file.

// ErrLockLost is wrapped by the errors of an operation whose repository
// lock could not be refreshed in time: another process may have taken it
// for stale.
var ErrLockLost = errors.New("repository lock lost")

// errLockReleased is the cause a lock's context ends with when it is
// released.
var errLockReleased = errors.New("repository lock released")

const (
	locksPrefix = "locks/"

	// DefaultLockStale is Options.LockStale's default.
	DefaultLockStale = 2 * time.Minute
)

// lockFile is a lock object's content.
type lockFile struct {
	Exclusive bool   `json:"exclusive"`
	Hostname  string `json:"hostname"`
	PID       int    `json:"pid"`
	// Node is Options.LockLabel: which manilite node this is.
	Node string `json:"node,omitempty"`
	// Op is what holds the lock: backup, restore, check, delete, prune,
	// rebuild-index.
	Op string `json:"op,omitempty"`
	// Process says where PID means something: the host's boot id and
	// pid namespace (empty where that is not known).
	Process   string    `json:"process,omitempty"`
	Created   time.Time `json:"created"`
	Refreshed time.Time `json:"refreshed"`
}

func (l *lockFile) String() string {
	kind := "shared"
	if l.Exclusive {
		kind = "exclusive"
	}
	s := fmt.Sprintf("%s lock of %s (pid %d", kind, l.Hostname, l.PID)
	if l.Node != "" {
		s += ", node " + l.Node
	}
	if l.Op != "" {
		s += ", " + l.Op
	}
	return s + ", refreshed " + l.Refreshed.Format(time.RFC3339) + ")"
}

var (
	lockHostname, _ = os.Hostname()
	lockProcess     = processNamespace()
)

// storeLock is a lock this process holds.
type storeLock struct {
	r    *Repo
	key  string
	body lockFile

	// ctx ends when the lock is lost (cause wrapping ErrLockLost) or
	// released.
	ctx    context.Context
	cancel context.CancelCauseFunc
	// stopCtx ends the refresher.
	stopCtx  context.Context
	stop     context.CancelFunc
	done     chan struct{}
	released sync.Once

	refs int // shared holders; guarded by Repo.slMu
}

// Err returns nil while the lock is held, the error wrapping ErrLockLost
// once it is lost.
func (l *storeLock) Err() error {
	if l.ctx.Err() == nil {
		return nil
	}
	return context.Cause(l.ctx)
}

func (r *Repo) lockStale() time.Duration {
	if r.opts.LockStale > 0 {
		return r.opts.LockStale
	}
	return DefaultLockStale
}

func (r *Repo) lockRefresh() time.Duration {
	if d := r.opts.LockRefresh; d > 0 && d < r.lockStale()/2 {
		return d
	}
	return r.lockStale() / 4
}

// lockLostAfter is how long a holder goes without a successful refresh
// before it takes its lock as lost: one refresh interval before others
// may take it for stale.
func (r *Repo) lockLostAfter() time.Duration { return r.lockStale() - r.lockRefresh() }

// sharedLinger is how long the shared lock stays after its last holder.
func (r *Repo) sharedLinger() time.Duration { return min(r.lockRefresh()/2, 2*time.Second) }

func (r *Repo) putLock(ctx context.Context, key string, body lockFile) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return r.store.Put(ctx, key, append(b, '\n'))
}

// deleteLock deletes lock object key, also when ctx has ended.
func (r *Repo) deleteLock(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r.store.Delete(ctx, key)
}

// acquireStoreLock takes a lock in the store, retrying until ctx ends. It
// returns how many stale locks it deleted (an exclusive acquirer deletes
// those it finds).
func (r *Repo) acquireStoreLock(ctx context.Context, exclusive bool, op string) (*storeLock, int, error) {
	id := make([]byte, 16)
	rand.Read(id)
	key := locksPrefix + hex.EncodeToString(id)
	body := lockFile{
		Exclusive: exclusive, Hostname: lockHostname, PID: os.Getpid(),
		Node: r.opts.LockLabel, Op: op, Process: lockProcess, Created: time.Now().UTC(),
	}
	refresh := r.lockRefresh()
	wait := min(100*time.Millisecond, refresh/4)
	maxWait := min(5*time.Second, refresh)
	removed := 0
	var holder *lockFile // the last conflicting lock seen
	waiting := func() error {
		by := "a slow scan"
		if holder != nil {
			by = holder.String()
		}
		return fmt.Errorf("repo: %s: waiting for the repository lock (held by %s): %w", op, by, context.Cause(ctx))
	}
	for {
		body.Refreshed = time.Now().UTC()
		if err := r.putLock(ctx, key, body); err != nil {
			r.deleteLock(key) // a Put cancelled midway may have landed
			if ctx.Err() != nil && holder != nil {
				return nil, removed, waiting()
			}
			return nil, removed, fmt.Errorf("repo: %s: lock: %w", op, err)
		}
		h, n, err := r.scanLocks(ctx, key, exclusive)
		removed += n
		if err != nil {
			r.deleteLock(key)
			if ctx.Err() != nil && holder != nil {
				return nil, removed, waiting()
			}
			return nil, removed, fmt.Errorf("repo: %s: lock: %w", op, err)
		}
		// A scan so slow that our lock could look stale already is
		// tried again.
		if h == nil && time.Since(body.Refreshed) < r.lockLostAfter() {
			return r.startLock(key, body), removed, nil
		}
		if h != nil {
			holder = h
		}
		r.deleteLock(key)
		t := time.NewTimer(wait/2 + mrand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, removed, waiting()
		case <-t.C:
		}
		wait = min(2*wait, maxWait)
	}
}

// scanLocks reads the lock objects other than own and returns one that
// conflicts with a lock of the kind exclusive says, or nil. An exclusive
// scan deletes the stale locks and counts them.
func (r *Repo) scanLocks(ctx context.Context, own string, exclusive bool) (*lockFile, int, error) {
	objs, err := r.store.List(ctx, locksPrefix)
	if err != nil {
		return nil, 0, err
	}
	var holder *lockFile
	removed := 0
	for _, o := range objs {
		if o.Key == own || strings.Contains(strings.TrimPrefix(o.Key, locksPrefix), "/") {
			continue
		}
		lf, live, err := r.readLock(ctx, o)
		if errors.Is(err, ErrNotFound) {
			continue // released since the listing
		}
		if err != nil {
			return nil, removed, err
		}
		if !live {
			if exclusive {
				if err := r.store.Delete(ctx, o.Key); err != nil {
					return nil, removed, err
				}
				removed++
			}
			continue
		}
		if exclusive || lf.Exclusive {
			holder = lf
			if !exclusive {
				break
			}
		}
	}
	return holder, removed, nil
}

// readLock reads lock object o and says whether it is live. An object
// that does not decode is taken for an exclusive lock, live until its
// modification time is LockStale old.
func (r *Repo) readLock(ctx context.Context, o ObjectInfo) (*lockFile, bool, error) {
	data, err := r.store.Get(ctx, o.Key)
	if err != nil {
		return nil, false, err
	}
	lf := &lockFile{}
	if err := json.Unmarshal(data, lf); err != nil {
		lf = &lockFile{Exclusive: true, Hostname: "?", Op: "undecodable " + o.Key}
	}
	newest := lf.Refreshed
	if o.ModTime.After(newest) {
		newest = o.ModTime
	}
	lf.Refreshed = newest
	if time.Since(newest) > r.lockStale() {
		return lf, false, nil
	}
	if lf.Process != "" && lf.Process == lockProcess && lf.Hostname == lockHostname &&
		lf.PID > 0 && lf.PID != os.Getpid() && processGone(lf.PID) {
		return lf, false, nil // its process was killed
	}
	return lf, true, nil
}

// startLock starts the refresher of a lock just written at body.Refreshed.
func (r *Repo) startLock(key string, body lockFile) *storeLock {
	l := &storeLock{r: r, key: key, body: body, done: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancelCause(context.Background())
	l.stopCtx, l.stop = context.WithCancel(context.Background())
	go l.refresh(body.Refreshed)
	return l
}

// refresh rewrites the lock object every refresh interval (sooner again
// after a failure) until the lock is released, or lost: not refreshed
// for lockLostAfter.
func (l *storeLock) refresh(lastOK time.Time) {
	defer close(l.done)
	r := l.r
	interval, lostAfter := r.lockRefresh(), r.lockLostAfter()
	next := interval
	var lastErr error
	for {
		deadline := lastOK.Add(lostAfter)
		t := time.NewTimer(min(next, time.Until(deadline)))
		select {
		case <-l.stopCtx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if !time.Now().Before(deadline) {
			l.lose(lastOK, lastErr)
			return
		}
		body := l.body
		body.Refreshed = time.Now().UTC()
		ctx, cancel := context.WithDeadline(l.stopCtx, deadline)
		err := r.putLock(ctx, l.key, body)
		cancel()
		if l.stopCtx.Err() != nil {
			return
		}
		switch {
		case err == nil && time.Now().Before(deadline):
			lastOK, next, lastErr = body.Refreshed, interval, nil
		case err == nil:
			l.lose(lastOK, errors.New("refreshed too late"))
			return
		default:
			lastErr, next = err, max(interval/4, time.Millisecond)
		}
	}
}

func (l *storeLock) lose(lastOK time.Time, err error) {
	msg := fmt.Sprintf("repo: %v: %s not refreshed since %s", ErrLockLost, l.key, lastOK.Format(time.RFC3339Nano))
	if err != nil {
		msg += ": " + err.Error()
	}
	l.cancel(lostError{msg})
}

// lostError is a lost lock's error: it wraps ErrLockLost.
type lostError struct{ msg string }

func (e lostError) Error() string { return e.msg }
func (e lostError) Unwrap() error { return ErrLockLost }

// release stops the refresher and deletes the lock object.
func (l *storeLock) release() {
	l.released.Do(func() {
		l.stop()
		<-l.done
		l.cancel(errLockReleased)
		l.r.deleteLock(l.key)
	})
}

// withLock returns ctx, also cancelled (with the lock's error) when lk is
// lost.
func withLock(ctx context.Context, lk *storeLock) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(lk.ctx, func() { cancel(context.Cause(lk.ctx)) })
	return cctx, func() {
		stop()
		cancel(context.Canceled)
	}
}

// lockErr returns lk's error if it was lost, else err: an operation
// whose context the lost lock cancelled says why.
func lockErr(lk *storeLock, err error) error {
	if err == nil {
		return nil
	}
	if lerr := lk.Err(); lerr != nil && errors.Is(lerr, ErrLockLost) {
		return lerr
	}
	return err
}

// lockShared takes the Repo's read lock, then (shared by all of the
// Repo's holders) the shared store lock.
func (r *Repo) lockShared(ctx context.Context, op string) (*storeLock, error) {
	r.lock.RLock()
	lk, err := r.acquireShared(ctx, op)
	if err != nil {
		r.lock.RUnlock()
		return nil, err
	}
	return lk, nil
}

// unlockShared undoes lockShared.
func (r *Repo) unlockShared(lk *storeLock) {
	r.releaseShared(lk)
	r.lock.RUnlock()
}

func (r *Repo) acquireShared(ctx context.Context, op string) (*storeLock, error) {
	for {
		r.slMu.Lock()
		if s := r.shared; s != nil && s.Err() == nil {
			s.refs++
			r.slMu.Unlock()
			return s, nil
		}
		if w := r.sharedWait; w != nil {
			r.slMu.Unlock()
			select {
			case <-w:
				continue
			case <-ctx.Done():
				return nil, fmt.Errorf("repo: %s: waiting for the repository lock: %w", op, context.Cause(ctx))
			}
		}
		w := make(chan struct{})
		r.sharedWait = w
		r.slMu.Unlock()
		lk, _, err := r.acquireStoreLock(ctx, false, op)
		r.slMu.Lock()
		r.sharedWait = nil
		close(w)
		if err != nil {
			r.slMu.Unlock()
			return nil, err
		}
		old := r.shared
		idle := old != nil && old.refs == 0
		lk.refs = 1
		r.shared = lk
		r.slMu.Unlock()
		if idle {
			old.release() // lost while it lingered
		}
		return lk, nil
	}
}

func (r *Repo) releaseShared(lk *storeLock) {
	r.slMu.Lock()
	lk.refs--
	if lk.refs > 0 {
		r.slMu.Unlock()
		return
	}
	if r.shared != lk || lk.Err() != nil {
		if r.shared == lk {
			r.shared = nil
		}
		r.slMu.Unlock()
		lk.release()
		return
	}
	r.slMu.Unlock()
	time.AfterFunc(r.sharedLinger(), func() {
		r.slMu.Lock()
		if lk.refs > 0 || r.shared != lk {
			r.slMu.Unlock()
			return
		}
		r.shared = nil
		r.slMu.Unlock()
		lk.release()
	})
}

// dropIdleShared releases the shared store lock if it only lingers.
func (r *Repo) dropIdleShared() {
	r.slMu.Lock()
	lk := r.shared
	if lk == nil || lk.refs > 0 {
		r.slMu.Unlock()
		return
	}
	r.shared = nil
	r.slMu.Unlock()
	lk.release()
}

// lockExclusive takes the Repo's write lock, then an exclusive store
// lock. It returns how many stale locks it deleted.
func (r *Repo) lockExclusive(ctx context.Context, op string) (*storeLock, int, error) {
	return r.lockExclusiveWithin(ctx, op, -1)
}

// lockExclusiveWithin is lockExclusive waiting at most wait for both
// locks (ErrBusy after that); a negative wait waits as long as ctx lasts.
func (r *Repo) lockExclusiveWithin(ctx context.Context, op string, wait time.Duration) (*storeLock, int, error) {
	actx := ctx
	if wait < 0 {
		r.lock.Lock()
	} else {
		deadline := time.Now().Add(wait)
		for !r.lock.TryLock() {
			if time.Now().After(deadline) {
				return nil, 0, ErrBusy
			}
			select {
			case <-ctx.Done():
				return nil, 0, ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
		var cancel context.CancelFunc
		actx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	// No shared holder of this Repo is left; its lingering lock would
	// only stand in the way.
	r.dropIdleShared()
	lk, n, err := r.acquireStoreLock(actx, true, op)
	if err != nil {
		r.lock.Unlock()
		if wait >= 0 && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: %w", ErrBusy, err)
		}
		return nil, n, err
	}
	if r.testHookLocked != nil {
		r.testHookLocked(op, lk)
	}
	return lk, n, nil
}

// unlockExclusive undoes lockExclusive.
func (r *Repo) unlockExclusive(lk *storeLock) {
	lk.release()
	r.lock.Unlock()
}
