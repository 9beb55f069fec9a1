package repo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The lock tests open two Repo values on one repository, each with a
// Store of its own, as two nodes would: on a local folder and on S3.

// lockOptions are short lock times, so that the tests wait little for
// staleness, yet long enough for a busy machine to refresh in time.
var lockOptions = Options{PackSize: 64 << 10, Workers: 2, LockStale: 3 * time.Second, LockRefresh: 300 * time.Millisecond}

// lockSpy is a Store that counts lock writes (how often an acquirer
// tried) and other deletes, and can refuse lock writes.
type lockSpy struct {
	Store
	lockPuts    atomic.Int64
	dataDeletes atomic.Int64
	failLocks   atomic.Bool
}

func (s *lockSpy) Put(ctx context.Context, key string, data []byte) error {
	if strings.HasPrefix(key, locksPrefix) {
		s.lockPuts.Add(1)
		if s.failLocks.Load() {
			return errors.New("lock write refused (test)")
		}
	}
	return s.Store.Put(ctx, key, data)
}

func (s *lockSpy) Delete(ctx context.Context, key string) error {
	if !strings.HasPrefix(key, locksPrefix) {
		s.dataDeletes.Add(1)
	}
	return s.Store.Delete(ctx, key)
}

// lockSetup is one repository's two stores.
type lockSetup struct {
	a, b Store
	// age makes lock object key look old to the store, where it can
	// (nil on S3, whose modification times are the server's).
	age func(key string)
}

// open opens a Repo on s, through a lockSpy.
func (ls lockSetup) open(t *testing.T, s Store, opts Options) (*Repo, *lockSpy) {
	t.Helper()
	spy := &lockSpy{Store: s}
	r, err := Open(context.Background(), spy, opts)
	must(t, err)
	t.Cleanup(func() { r.Close() })
	return r, spy
}

// forStores runs f on a local folder and on an S3 bucket.
func forStores(t *testing.T, f func(t *testing.T, ls lockSetup)) {
	t.Run("local", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		a, err := NewLocalStore(dir)
		must(t, err)
		b, err := NewLocalStore(dir)
		must(t, err)
		f(t, lockSetup{a: a, b: b, age: func(key string) {
			old := time.Now().Add(-time.Hour)
			must(t, os.Chtimes(filepath.Join(dir, filepath.FromSlash(key)), old, old))
		}})
	})
	t.Run("s3", func(t *testing.T) {
		t.Parallel()
		srv := startS3(t)
		ctx := context.Background()
		a, err := NewS3Store(ctx, "s3://manilite-locks/repo", srv.options())
		must(t, err)
		b, err := NewS3Store(ctx, "s3://manilite-locks/repo", srv.options())
		must(t, err)
		f(t, lockSetup{a: a, b: b})
	})
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitRetries waits until the Prune on spy (pruned its result) has
// written its lock n more times than it had at from: it found a conflict
// and tries again. It fails if the Prune ends instead.
func waitRetries(t *testing.T, spy *lockSpy, pruned chan pruneResult, from int64, n int64) {
	t.Helper()
	waitFor(t, "the lock acquirer to retry", func() bool {
		select {
		case res := <-pruned:
			t.Fatalf("the prune did not wait: %+v, %v", res.st, res.err)
		default:
		}
		return spy.lockPuts.Load() >= from+n
	})
}

func notDone[T any](t *testing.T, ch chan T, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s did not wait", what)
	default:
	}
}

func recv[T any](t *testing.T, ch chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(2 * time.Minute):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

func listLocks(t *testing.T, s Store) []string {
	t.Helper()
	objs, err := s.List(context.Background(), locksPrefix)
	must(t, err)
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	return keys
}

// putForeignLock writes a lock object as another process would have.
func putForeignLock(t *testing.T, s Store, key string, lf lockFile) {
	t.Helper()
	b, err := json.Marshal(lf)
	must(t, err)
	must(t, s.Put(context.Background(), key, b))
}

type pruneResult struct {
	st  PruneStats
	err error
}

func goPrune(r *Repo) chan pruneResult {
	ch := make(chan pruneResult, 1)
	go func() {
		st, err := r.Prune(context.Background())
		ch <- pruneResult{st, err}
	}()
	return ch
}

// A Prune of node B waits for a backup in progress on node A, and then
// leaves its packs alone (without the lock, with PruneGrace 0, it would
// delete them: no index lists them yet).
func TestLockPruneWaitsForBackup(t *testing.T) {
	forStores(t, func(t *testing.T, ls lockSetup) {
		ctx := context.Background()
		ra, spyA := ls.open(t, ls.a, lockOptions)
		rb, spyB := ls.open(t, ls.b, lockOptions)
		data := content(7, 3<<20)
		w, err := ra.NewBackup(ctx, "b1")
		must(t, err)
		defer w.Abort()
		must(t, w.AddDir(Entry{Path: ".", Mode: 0o755}))
		_, err = w.AddFile(ctx, Entry{Path: "f", Mode: 0o644}, bytes.NewReader(data))
		must(t, err)
		waitFor(t, "a pack of the backup", func() bool {
			objs, err := spyA.List(ctx, packsPrefix)
			return err == nil && len(objs) > 0
		})
		from := spyB.lockPuts.Load()
		pruned := goPrune(rb)
		waitRetries(t, spyB, pruned, from, 3)
		notDone(t, pruned, "prune during a backup of another node")
		if spyB.dataDeletes.Load() != 0 {
			t.Fatal("the waiting prune deleted something")
		}
		_, err = w.Commit(ctx)
		must(t, err)
		res := recv(t, pruned, "the prune after the commit")
		must(t, res.err)
		if res.st.DeletedPacks != 0 || res.st.RepackedPacks != 0 {
			t.Fatalf("prune after the commit: %+v", res.st)
		}
		b, err := rb.OpenBackup(ctx, "b1")
		must(t, err)
		got, err := b.ReadFile(ctx, "f")
		must(t, err)
		if !bytes.Equal(got, data) {
			t.Fatal("the backup differs after the prune")
		}
		checkClean(t, rb, true)
		waitFor(t, "the locks' release", func() bool { return len(listLocks(t, ls.a)) == 0 })
	})
}

// blockingWriter blocks its first Write until release is closed.
type blockingWriter struct {
	started, release chan struct{}
	once             sync.Once
	buf              bytes.Buffer
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	b.once.Do(func() {
		close(b.started)
		<-b.release
	})
	return b.buf.Write(p)
}

// A restore on node A holds off a Prune on node B that would delete the
// packs it reads.
func TestLockRestoreHoldsOffPrune(t *testing.T) {
	forStores(t, func(t *testing.T, ls lockSetup) {
		ctx := context.Background()
		ra, _ := ls.open(t, ls.a, lockOptions)
		rb, spyB := ls.open(t, ls.b, lockOptions)
		src := t.TempDir()
		data := content(8, 3<<20)
		writeTree(t, src, []fileSpec{{path: "f", data: data}})
		backupTree(t, ra, "b1", src)
		b, err := ra.OpenBackup(ctx, "b1")
		must(t, err)
		e, ok := b.Entry("f")
		if !ok {
			t.Fatal("no f")
		}
		out := &blockingWriter{started: make(chan struct{}), release: make(chan struct{})}
		restored := make(chan error, 1)
		go func() { restored <- b.WriteFile(ctx, e, out, nil) }()
		recv(t, out.started, "the restore")
		must(t, rb.Delete(ctx, "b1")) // shared: it does not wait
		from := spyB.lockPuts.Load()
		pruned := goPrune(rb)
		waitRetries(t, spyB, pruned, from, 3)
		notDone(t, pruned, "prune during a restore of another node")
		close(out.release)
		must(t, recv(t, restored, "the restore's end"))
		if !bytes.Equal(out.buf.Bytes(), data) {
			t.Fatal("restored content differs")
		}
		res := recv(t, pruned, "the prune after the restore")
		must(t, res.err)
		if res.st.DeletedPacks == 0 {
			t.Fatalf("the prune freed nothing: %+v", res.st)
		}
		if s := stats(t, rb); s.Packs != 0 {
			t.Fatalf("after the prune: %+v", s)
		}
	})
}

// Two Prunes on two nodes are never both inside.
func TestLockPrunesSerialized(t *testing.T) {
	forStores(t, func(t *testing.T, ls lockSetup) {
		ra, _ := ls.open(t, ls.a, lockOptions)
		rb, spyB := ls.open(t, ls.b, lockOptions)
		backupTree(t, ra, "b1", func() string {
			src := t.TempDir()
			writeTree(t, src, []fileSpec{{path: "f", data: content(9, 1<<20)}})
			return src
		}())

		// A holds its lock until the test lets it go; B waits.
		entered, release := make(chan struct{}), make(chan struct{})
		ra.testHookLocked = func(string, *storeLock) {
			close(entered)
			<-release
		}
		var bInside atomic.Bool
		rb.testHookLocked = func(string, *storeLock) { bInside.Store(true) }
		pa := goPrune(ra)
		recv(t, entered, "A's prune")
		from := spyB.lockPuts.Load()
		pb := goPrune(rb)
		waitRetries(t, spyB, pb, from, 3)
		if bInside.Load() {
			t.Fatal("B's prune got in while A's was inside")
		}
		notDone(t, pb, "B's prune")
		close(release)
		must(t, recv(t, pa, "A's prune").err)
		must(t, recv(t, pb, "B's prune").err)
		if !bInside.Load() {
			t.Fatal("B's prune never got in")
		}

		// Racing: at most one inside, every time.
		var inside, most atomic.Int32
		hook := func(string, *storeLock) {
			n := inside.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			// Some store work while inside, for the other to overlap with.
			ls.a.List(context.Background(), packsPrefix)
			inside.Add(-1)
		}
		ra.testHookLocked, rb.testHookLocked = hook, hook
		for range 5 {
			pa, pb := goPrune(ra), goPrune(rb)
			must(t, recv(t, pa, "A's prune").err)
			must(t, recv(t, pb, "B's prune").err)
		}
		if m := most.Load(); m != 1 {
			t.Fatalf("%d prunes inside at once", m)
		}
		checkClean(t, ra, false)
	})
}

// A lock left by a process killed with kill -9 (never refreshed again)
// holds off a Prune only until it is stale; the Prune then deletes it.
// One of a process of this host that is gone is stale at once.
func TestLockStale(t *testing.T) {
	forStores(t, func(t *testing.T, ls lockSetup) {
		ctx := context.Background()
		ra, _ := ls.open(t, ls.a, lockOptions)
		rb, _ := ls.open(t, ls.b, lockOptions)
		old := time.Now().Add(-time.Hour).UTC()
		const dead = locksPrefix + "00000000000000000000000000000dead"
		putForeignLock(t, ls.b, dead, lockFile{Exclusive: true, Hostname: "killed-node", PID: 4242, Op: "prune", Created: old, Refreshed: old})
		if ls.age != nil {
			ls.age(dead)
		}
		st, err := ra.Prune(ctx)
		must(t, err)
		if st.StaleLocks != 1 {
			t.Fatalf("prune over a stale lock: %+v", st)
		}
		if l := listLocks(t, ls.a); len(l) != 0 {
			t.Fatalf("locks left: %v", l)
		}

		// A live exclusive lock of another node holds off a backup.
		const live = locksPrefix + "0000000000000000000000000000a11e"
		now := time.Now().UTC()
		putForeignLock(t, ls.b, live, lockFile{Exclusive: true, Hostname: "other-node", PID: 1, Op: "prune", Created: now, Refreshed: now})
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err = rb.NewBackup(wctx, "b1")
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "other-node") {
			t.Fatalf("backup under another node's exclusive lock: %v", err)
		}
		// Until it is stale: never refreshed, it is after LockStale.
		w, err := rb.NewBackup(ctx, "b1")
		must(t, err)
		if time.Since(now) < lockOptions.LockStale {
			t.Fatalf("the backup went on %v after the lock's last refresh", time.Since(now))
		}
		w.Abort()
		must(t, ls.a.Delete(ctx, live))

		// A lock of a process of this host that has exited.
		cmd := exec.Command("true")
		must(t, cmd.Run())
		if lockProcess == "" {
			return // not Linux: no pid check
		}
		const gone = locksPrefix + "000000000000000000000000000000ff"
		now = time.Now().UTC()
		putForeignLock(t, ls.b, gone, lockFile{Exclusive: true, Hostname: lockHostname, PID: cmd.Process.Pid, Process: lockProcess, Created: now, Refreshed: now})
		// With an hour's stale age: the prune must not wait for it.
		opts := lockOptions
		opts.LockStale = time.Hour
		rc, _ := ls.open(t, ls.a, opts)
		pctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		st, err = rc.Prune(pctx)
		must(t, err)
		if st.StaleLocks != 1 {
			t.Fatalf("prune over a dead process's lock: %+v", st)
		}
	})
}

// Check neither counts lock objects as damage nor as leftovers, and runs
// beside other shared locks.
func TestLockCheckIgnoresLocks(t *testing.T) {
	forStores(t, func(t *testing.T, ls lockSetup) {
		ctx := context.Background()
		ra, _ := ls.open(t, ls.a, lockOptions)
		rb, _ := ls.open(t, ls.b, lockOptions)
		src := t.TempDir()
		writeTree(t, src, []fileSpec{{path: "f", data: content(10, 1<<20)}})
		backupTree(t, ra, "b1", src)
		now := time.Now().UTC()
		putForeignLock(t, ls.b, locksPrefix+"0000000000000000000000000000beef", lockFile{Hostname: "other-node", PID: 1, Op: "restore", Created: now, Refreshed: now})
		w, err := ra.NewBackup(ctx, "b2") // holds A's shared lock
		must(t, err)
		defer w.Abort()
		if n := len(listLocks(t, ls.a)); n != 2 {
			t.Fatalf("%d lock objects, want 2", n)
		}
		rep := checkClean(t, rb, true)
		if rep.Backups != 1 {
			t.Fatalf("check: %+v", rep)
		}
	})
}

// A backup whose lock could not be refreshed fails its Commit; a Prune
// whose lock is lost stops before it deletes anything.
func TestLockLost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	ls := lockSetup{}
	s, err := NewLocalStore(dir)
	must(t, err)
	r, spy := ls.open(t, s, lockOptions)

	w, err := r.NewBackup(ctx, "b1")
	must(t, err)
	defer w.Abort()
	must(t, w.AddDir(Entry{Path: ".", Mode: 0o755}))
	_, err = w.AddFile(ctx, Entry{Path: "f", Mode: 0o644}, bytes.NewReader(content(11, 1<<20)))
	must(t, err)
	spy.failLocks.Store(true)
	waitFor(t, "the lock's loss", func() bool { return w.slock.Err() != nil })
	if _, err := w.Commit(ctx); !errors.Is(err, ErrLockLost) {
		t.Fatalf("commit after the lock was lost: %v", err)
	}
	if _, err := r.OpenBackup(ctx, "b1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the backup of a lost lock: %v", err)
	}
	spy.failLocks.Store(false)

	// Something for Prune to delete: a deleted backup, and the leftovers.
	src := t.TempDir()
	writeTree(t, src, []fileSpec{{path: "g", data: content(12, 1<<20)}})
	backupTree(t, r, "b2", src)
	must(t, r.Delete(ctx, "b2"))
	r.testHookLocked = func(_ string, lk *storeLock) {
		spy.failLocks.Store(true)
		waitFor(t, "the prune's lock's loss", func() bool { return lk.Err() != nil })
	}
	deletes := spy.dataDeletes.Load()
	if _, err := r.Prune(ctx); !errors.Is(err, ErrLockLost) {
		t.Fatalf("prune that lost its lock: %v", err)
	}
	if n := spy.dataDeletes.Load() - deletes; n != 0 {
		t.Fatalf("the prune that lost its lock deleted %d objects", n)
	}
	r.testHookLocked = nil
	spy.failLocks.Store(false)
	st, err := r.Prune(ctx)
	must(t, err)
	if st.DeletedPacks == 0 {
		t.Fatalf("prune: %+v", st)
	}
	checkClean(t, r, true)
	if l := listLocks(t, s); len(l) > 1 { // the shared one may linger a moment
		t.Fatalf("locks left: %v", l)
	}
}

var _ = io.EOF

// Prune removes the temporary files of dead writers, but not those of
// lock writes younger than LockStale: another node may be writing its
// lock on the shared folder.
func TestLockPruneKeepsLockTemps(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r, s := openLocal(t, dir, lockOptions)
	must(t, os.WriteFile(filepath.Join(dir, tempDirName, "put-123"), []byte("half a pack"), 0o600))
	lockTemp := filepath.Join(dir, tempDirName, lockTempPrefix+"456")
	must(t, os.WriteFile(lockTemp, []byte("{"), 0o600))
	st, err := r.Prune(context.Background())
	must(t, err)
	if n, err := s.TempFiles(); err != nil || n != 1 || st.RemovedTemps != 1 {
		t.Fatalf("after prune %d temporary files (%v), removed %d; want the lock's left", n, err, st.RemovedTemps)
	}
	old := time.Now().Add(-2 * lockOptions.LockStale)
	must(t, os.Chtimes(lockTemp, old, old))
	st, err = r.Prune(context.Background())
	must(t, err)
	if n, err := s.TempFiles(); err != nil || n != 0 || st.RemovedTemps != 1 {
		t.Fatalf("after prune %d temporary files (%v), removed %d; want none", n, err, st.RemovedTemps)
	}
}

// RebuildIndex waits for another node's backup and leaves another
// process's live lock alone.
func TestLockRebuildWaits(t *testing.T) {
	forStores(t, func(t *testing.T, ls lockSetup) {
		ctx := context.Background()
		// Long enough that the other process's lock stays live.
		opts := lockOptions
		opts.LockStale = 20 * time.Second
		ra, _ := ls.open(t, ls.a, opts)
		rb, spyB := ls.open(t, ls.b, opts)
		src := t.TempDir()
		writeTree(t, src, []fileSpec{{path: "f", data: content(13, 1<<20)}})
		backupTree(t, ra, "b1", src)
		w, err := ra.NewBackup(ctx, "b2")
		must(t, err)
		defer w.Abort()
		const foreign = locksPrefix + "00000000000000000000000000000f00"
		now := time.Now().UTC()
		putForeignLock(t, ls.b, foreign, lockFile{Hostname: "other-node", PID: 1, Op: "restore", Created: now, Refreshed: now})
		from := spyB.lockPuts.Load()
		rebuilt := make(chan pruneResult, 1)
		go func() {
			_, err := rb.RebuildIndex(ctx)
			rebuilt <- pruneResult{err: err}
		}()
		waitRetries(t, spyB, rebuilt, from, 3)
		w.Abort()
		// A's lock goes; the other node's (live) lock stays, and so the
		// rebuild waits.
		from = spyB.lockPuts.Load()
		waitRetries(t, spyB, rebuilt, from, 3)
		if _, err := ls.a.Stat(ctx, foreign); err != nil && time.Since(now) < opts.LockStale {
			t.Fatalf("another process's live lock: %v", err)
		}
		must(t, ls.a.Delete(ctx, foreign))
		must(t, recv(t, rebuilt, "the rebuild").err)
		assertRestores(t, rb, "b1", src)
		checkClean(t, rb, false)
	})
}

// TestLockPruneIfFree: while another node's backup holds the repository,
// PruneIfFree gives up after its wait with ErrBusy, deleting nothing, and
// prunes once the backup is committed; a backup of its own process makes
// it give up the same way.
func TestLockPruneIfFree(t *testing.T) {
	forStores(t, func(t *testing.T, ls lockSetup) {
		ctx := context.Background()
		ra, _ := ls.open(t, ls.a, lockOptions)
		rb, spyB := ls.open(t, ls.b, lockOptions)
		for _, writer := range []*Repo{ra, rb} {
			w, err := writer.NewBackup(ctx, "b-"+fmt.Sprint(writer == rb))
			must(t, err)
			must(t, w.AddDir(Entry{Path: ".", Mode: 0o755}))
			_, err = w.AddFile(ctx, Entry{Path: "f", Mode: 0o644}, bytes.NewReader(content(3, 1<<20)))
			must(t, err)
			if _, err := rb.PruneIfFree(ctx, 300*time.Millisecond); !errors.Is(err, ErrBusy) {
				t.Fatalf("PruneIfFree beside an uncommitted backup (same node: %v) = %v, want ErrBusy", writer == rb, err)
			}
			if n := spyB.dataDeletes.Load(); n != 0 {
				t.Fatalf("the busy prune deleted %d objects", n)
			}
			_, err = w.Commit(ctx)
			must(t, err)
		}
		if _, err := rb.PruneIfFree(ctx, 10*time.Second); err != nil {
			t.Fatalf("PruneIfFree with the repository free = %v", err)
		}
		checkClean(t, rb, true)
	})
}
