package repo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The crash tests run a helper process (this test binary, running
// TestCrashHelper) that works on a repository and is killed with SIGKILL:
// by the test once it reports it is in the middle of a backup, or by
// itself just before (or in the middle of) its K-th write to the store.
// Then the test checks that every committed backup restores, that Check
// finds no damage, and that a Prune removes the leftovers.

const crashEnv = "MANILITE_REPO_CRASH_HELPER"

// killStore is a LocalStore whose process SIGKILLs itself at its at-th
// mutation: before a Put or Delete, or (midPut) in the middle of a Put,
// leaving a half-written temporary file as a real crash would.
type killStore struct {
	*LocalStore
	at     int64
	n      atomic.Int64 // mutations so far: the uploaders run in parallel
	midPut bool
}

func (k *killStore) mutation(data []byte) {
	if k.midPut && data == nil {
		return // midPut counts Puts only
	}
	n := k.n.Add(1)
	if n != k.at && k.at != 0 {
		return
	}
	if k.at == 0 {
		if n == 3 {
			// Three packs written, the backup goes on: time to be killed.
			fmt.Println("MID")
		}
		return
	}
	if k.midPut {
		f, err := os.CreateTemp(k.tmp, "put-*")
		if err == nil {
			f.Write(data[:len(data)/2])
			f.Sync()
		}
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// The lock objects' writes are not counted (nor killed at): a kill at the
// release of a committed backup's lock would look like a kill before the
// commit. The locks a killed helper leaves are stale at once (its process
// is gone), and the next user of the repository goes on.

func (k *killStore) Put(ctx context.Context, key string, data []byte) error {
	if !strings.HasPrefix(key, locksPrefix) {
		k.mutation(data)
	}
	return k.LocalStore.Put(ctx, key, data)
}

func (k *killStore) Delete(ctx context.Context, key string) error {
	if !strings.HasPrefix(key, locksPrefix) {
		k.mutation(nil)
	}
	return k.LocalStore.Delete(ctx, key)
}

// crashOptions are the repository options of the crash tests: small
// packs, so that a backup writes several.
var crashOptions = Options{PackSize: 256 << 10, Workers: 2}

// victimFiles is what the helper's backup "victim" holds.
func victimFiles() []fileSpec {
	return []fileSpec{
		{path: "v1", data: content(201, 400_000)},
		{path: "v2", data: content(202, 300_000)},
		{path: "v3", data: content(203, 350_000)},
	}
}

// endlessReader is content that never ends.
type endlessReader struct{ seed uint64 }

func (e *endlessReader) Read(p []byte) (int, error) {
	n := copy(p, content(e.seed, len(p)))
	e.seed++
	return n, nil
}

func TestCrashHelper(t *testing.T) {
	op := os.Getenv(crashEnv)
	if op == "" {
		t.Skip("helper process of the crash tests")
	}
	ctx := context.Background()
	ls, err := NewLocalStore(os.Getenv("REPO_DIR"))
	must(t, err)
	at, _ := strconv.ParseInt(os.Getenv("REPO_CRASH_AT"), 10, 64)
	store := &killStore{LocalStore: ls, at: at, midPut: os.Getenv("REPO_CRASH_MIDPUT") == "1"}
	opts := crashOptions
	opts.RepackBelow = 0.9
	r, err := Open(ctx, store, opts)
	must(t, err)
	switch op {
	case "backup":
		w, err := r.NewBackup(ctx, "victim")
		must(t, err)
		must(t, w.AddDir(Entry{Path: ".", Mode: 0o755}))
		if at == 0 {
			// Until the test kills us, several packs into the backup.
			_, err := w.AddFile(ctx, Entry{Path: "endless"}, &endlessReader{seed: 1})
			t.Fatalf("endless file ended: %v", err)
		}
		for _, f := range victimFiles() {
			_, err := w.AddFile(ctx, Entry{Path: f.path, Mode: 0o644}, bytes.NewReader(f.data))
			must(t, err)
		}
		_, err = w.Commit(ctx)
		must(t, err)
	case "prune":
		_, err := r.Prune(ctx)
		must(t, err)
	}
	fmt.Println("DONE")
}

// runHelper runs the helper process for op on the repository in dir. It
// returns whether the helper finished its work (rather than being killed).
func runHelper(t *testing.T, op, dir string, at int, midPut, killAtMid bool) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+op, "REPO_DIR="+dir, "REPO_CRASH_AT="+strconv.Itoa(at))
	if midPut {
		cmd.Env = append(cmd.Env, "REPO_CRASH_MIDPUT=1")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	done := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		switch strings.TrimSpace(sc.Text()) {
		case "MID":
			if killAtMid {
				must(t, cmd.Process.Signal(syscall.SIGKILL))
			}
		case "DONE":
			done = true
		}
	}
	io.Copy(io.Discard, out)
	err = cmd.Wait()
	var ee *exec.ExitError
	switch {
	case done && err == nil:
		return true
	case errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL:
		return false
	}
	t.Fatalf("helper %s at %d: %v\n%s", op, at, err, stderr.String())
	return false
}

// assertRecovers checks the repository in dir after a crash: the backups
// in want restore, Check finds no damage, and a Prune leaves no leftovers
// (packs no index lists, temporary files).
func assertRecovers(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	ctx := context.Background()
	r, s := openLocal(t, dir, crashOptions)
	for id, src := range want {
		assertRestores(t, r, id, src)
	}
	rep, err := r.Check(ctx, false)
	must(t, err)
	if !rep.OK() {
		t.Fatalf("check after crash: %v", rep.Problems)
	}
	if _, err := r.Prune(ctx); err != nil {
		t.Fatalf("prune after crash: %v", err)
	}
	checkClean(t, r, true)
	if n, err := s.TempFiles(); err != nil || n != 0 {
		t.Fatalf("%d temporary files after prune (%v)", n, err)
	}
	for id, src := range want {
		assertRestores(t, r, id, src)
	}
	// Exactly the live chunks remain.
	if live, st := liveChunks(t, r), stats(t, r); st.Chunks != len(live) {
		t.Fatalf("after prune %d chunks, %d live", st.Chunks, len(live))
	}
}

// crashBase is a repository with one committed backup, "base", of the
// tree it returns.
func crashBase(t *testing.T) (dir, src string) {
	src = t.TempDir()
	var files []fileSpec
	for i := range 12 {
		files = append(files, fileSpec{path: filepathf("f%02d", i), data: content(uint64(i), 30_000+i*20_000)})
	}
	writeTree(t, src, files)
	dir = t.TempDir()
	r, _ := openLocal(t, dir, crashOptions)
	backupTree(t, r, "base", src)
	return dir, src
}

func TestCrashDuringBackup(t *testing.T) {
	t.Parallel()
	dir, src := crashBase(t)
	want := map[string]string{"base": src}

	// Killed by the test while packs are being written.
	if runHelper(t, "backup", dir, 0, false, true) {
		t.Fatal("the endless backup finished")
	}
	// It left its lock behind, which is stale (its process is gone): the
	// Check and Prune below do not wait for it.
	ls, err := NewLocalStore(dir)
	must(t, err)
	left := 0
	for _, k := range listLocks(t, ls) {
		data, err := ls.Get(context.Background(), k)
		must(t, err)
		var lf lockFile
		must(t, json.Unmarshal(data, &lf))
		if lf.PID != os.Getpid() { // not crashBase's, still lingering
			left++
		}
	}
	if left != 1 {
		t.Fatalf("the killed backup left %d locks, want its own", left)
	}
	r, _ := openLocal(t, dir, crashOptions)
	if _, err := r.OpenBackup(context.Background(), "victim"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("killed backup: %v", err)
	}
	rep, err := r.Check(context.Background(), false)
	must(t, err)
	if len(rep.Leftovers) == 0 {
		t.Fatal("a backup killed after 4 packs left no packs behind")
	}
	assertRecovers(t, dir, want)

	// Killing itself before, or halfway through, each of its writes.
	victim := t.TempDir()
	must(t, os.Chmod(victim, 0o755))
	writeTree(t, victim, victimFiles())
	for _, midPut := range []bool{false, true} {
		for at := 1; ; at++ {
			if at > 50 {
				t.Fatal("the backup never finished")
			}
			finished := runHelper(t, "backup", dir, at, midPut, false)
			r, _ := openLocal(t, dir, crashOptions)
			_, err := r.OpenBackup(context.Background(), "victim")
			if finished != (err == nil) {
				t.Fatalf("killed at write %d (midPut %v): finished %v, victim %v", at, midPut, finished, err)
			}
			if !finished {
				assertRecovers(t, dir, want)
				continue
			}
			// The last run committed: the victim is a backup like any
			// other; delete it for the next round.
			assertVictim(t, r)
			assertRecovers(t, dir, want)
			r, _ = openLocal(t, dir, crashOptions)
			must(t, r.Delete(context.Background(), "victim"))
			assertRecovers(t, dir, want)
			t.Logf("midPut %v: killed at each of %d writes", midPut, at-1)
			break
		}
	}
}

func assertVictim(t *testing.T, r *Repo) {
	t.Helper()
	b, err := r.OpenBackup(context.Background(), "victim")
	must(t, err)
	for _, f := range victimFiles() {
		got, err := b.ReadFile(context.Background(), f.path)
		must(t, err)
		if !bytes.Equal(got, f.data) {
			t.Fatalf("victim %s differs", f.path)
		}
	}
}

func TestCrashDuringPrune(t *testing.T) {
	t.Parallel()
	// The template: "base", a deleted backup whose data Prune frees (some
	// of it in packs shared with base, to be repacked), and the leftovers
	// of a killed backup.
	tmpl, src := crashBase(t)
	extra := t.TempDir()
	var files []fileSpec
	for i := range 24 {
		files = append(files, fileSpec{path: filepathf("g%02d", i), data: content(uint64(300+i), 40_000)})
	}
	writeTree(t, extra, files)
	// And a file only "deleted" has: its packs are dead.
	must(t, os.WriteFile(extra+"/h", content(400, 4<<20), 0o644))
	r, _ := openLocal(t, tmpl, crashOptions)
	backupTree(t, r, "deleted", extra)
	must(t, os.Remove(extra+"/h"))
	// "kept" has every other file of "deleted": their packs are half
	// live, to be repacked.
	for i := 1; i < len(files); i += 2 {
		must(t, os.Remove(extra+"/"+files[i].path))
	}
	backupTree(t, r, "kept", extra)
	must(t, r.Delete(context.Background(), "deleted"))
	if runHelper(t, "backup", tmpl, 0, false, true) {
		t.Fatal("the endless backup finished")
	}
	want := map[string]string{"base": src, "kept": extra}
	// What the helper's prune has to do: repack, drop dead packs, drop
	// the killed backup's leftovers.
	{
		dir := t.TempDir()
		must(t, exec.Command("cp", "-a", tmpl+"/.", dir).Run())
		opts := crashOptions
		opts.RepackBelow = 0.9
		r, _ := openLocal(t, dir, opts)
		rep, err := r.Check(context.Background(), false)
		must(t, err)
		ps, err := r.Prune(context.Background())
		must(t, err)
		// Whether h's chunks got packs of their own (dead) or share packs
		// with live files (repacked) depends on the order the parallel
		// workers packed them in; either way the leftovers go.
		if ps.RepackedPacks == 0 || ps.DeletedPacks < len(rep.Leftovers) || len(rep.Leftovers) == 0 {
			t.Fatalf("the template's prune: %+v, leftovers %d", ps, len(rep.Leftovers))
		}
	}

	for _, midPut := range []bool{false, true} {
		for at := 1; ; at++ {
			if at > 200 {
				t.Fatal("the prune never finished")
			}
			dir := t.TempDir()
			must(t, exec.Command("cp", "-a", tmpl+"/.", dir).Run())
			finished := runHelper(t, "prune", dir, at, midPut, false)
			assertRecovers(t, dir, want)
			if finished {
				t.Logf("midPut %v: killed at each of %d writes", midPut, at-1)
				break
			}
		}
	}
	_ = time.Second
}
