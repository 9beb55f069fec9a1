package ganesha

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

func fixed(exports ...Export) func(context.Context) ([]Export, error) {
	return func(context.Context) ([]Export, error) { return exports, nil }
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

// expectOnly fails unless dir holds exactly the named files.
func expectOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if fmt.Sprint(got) != fmt.Sprint(names) {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

func TestApplyWritesAndReloads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ganesha.conf")
	reloads := 0
	a := &Applier{Path: path, Server: testServer, Reload: func() error { reloads++; return nil }}
	ctx := context.Background()

	if err := a.Apply(ctx, fixed(shareA(), shareC())); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != preamble+exportA+exportC {
		t.Errorf("file:\n%s", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	expectOnly(t, dir, "ganesha.conf")
	first := inode(t, path)

	// The same state: the file stays, ganesha is told again.
	if err := a.Apply(ctx, fixed(shareC(), shareA())); err != nil {
		t.Fatal(err)
	}
	if inode(t, path) != first || reloads != 2 {
		t.Errorf("unchanged state: inode %d (was %d), %d reloads; want the same file and 2 reloads", inode(t, path), first, reloads)
	}

	// A changed state replaces the file by rename.
	if err := a.Apply(ctx, fixed(shareC())); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != preamble+exportC {
		t.Errorf("file after change:\n%s", got)
	}
	if inode(t, path) == first || reloads != 3 {
		t.Errorf("changed state: same inode %d or %d reloads, want a new file and 3 reloads", first, reloads)
	}
	expectOnly(t, dir, "ganesha.conf")
}

func TestApplyFailuresKeepTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ganesha.conf")
	reloadErr := errors.New("ganesha is down")
	a := &Applier{Path: path, Server: testServer, Reload: func() error { return reloadErr }}
	ctx := context.Background()

	// The file is written even though the reload fails: ganesha reads it
	// when it starts.
	if err := a.Apply(ctx, fixed(shareA())); !errors.Is(err, reloadErr) {
		t.Fatalf("Apply = %v, want the reload's error", err)
	}
	want := preamble + exportA
	readBack := func(when string) {
		t.Helper()
		if got, _ := os.ReadFile(path); string(got) != want {
			t.Errorf("%s: file\n%s", when, got)
		}
		expectOnly(t, dir, "ganesha.conf")
	}
	readBack("after a failed reload")

	a.Reload = nil
	stateErr := errors.New("database closed")
	if err := a.Apply(ctx, func(context.Context) ([]Export, error) { return nil, stateErr }); !errors.Is(err, stateErr) {
		t.Fatalf("Apply = %v, want the state's error", err)
	}
	readBack("after a state error")
	bad := shareC()
	bad.Path = `/srv/"x"`
	if err := a.Apply(ctx, fixed(shareA(), bad)); err == nil {
		t.Fatal("Apply rendered a path with quotes")
	}
	readBack("after a render error")

	// A directory that cannot be written to: no file, no leftover.
	if err := (&Applier{Path: filepath.Join(dir, "missing", "ganesha.conf"), Server: testServer}).Apply(ctx, fixed()); err == nil {
		t.Fatal("Apply wrote into a missing directory")
	}
	readBack("after a failed write")
}

// Concurrent applies each read the state under the lock, so the last file
// written is the newest state, whatever the order the goroutines ran in.
func TestApplySerializes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ganesha.conf")
	a := &Applier{Path: path, Server: testServer}
	var mu sync.Mutex
	version := 0
	current := func(context.Context) ([]Export, error) {
		mu.Lock()
		version++
		v := version
		mu.Unlock()
		return []Export{{ID: 1, Name: "v" + strconv.Itoa(v), Path: "/x", Pseudo: "/x", Clients: []Client{{Addr: "127.0.0.1"}}}}, nil
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := a.Apply(context.Background(), current); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	want, err := Render(testServer, []Export{{ID: 1, Name: "v20", Path: "/x", Pseudo: "/x", Clients: []Client{{Addr: "127.0.0.1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(want) {
		t.Errorf("last file is not the newest state:\n%s", got)
	}
}

func TestSIGHUPRefuses(t *testing.T) {
	dir := t.TempDir()
	pidFile := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	missing := filepath.Join(dir, "none.pid")
	self := strconv.Itoa(os.Getpid())
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, c := range []struct {
		name, file, want string
	}{
		{"no pid file", missing, "ganesha: is ganesha.nfsd running? open " + missing + ": no such file or directory"},
		{"not a pid", pidFile("nope.pid", "nope\n"), "ganesha: pid file " + dir + `/nope.pid holds no pid: "nope"`},
		// This test's own process: not signalled (SIGHUP would end it).
		{"another process", pidFile("self.pid", self+"\n"), "ganesha: pid " + self + " (from " + dir + "/self.pid) is " + string(comm[:len(comm)-1]) + ", not ganesha.nfsd"},
	} {
		err := SIGHUP{PIDFile: c.file}.Reload()
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: Reload = %v, want %q", c.name, err, c.want)
		}
	}
	// A pid no process has (pid_max is at most 2^22).
	err = SIGHUP{PIDFile: pidFile("dead.pid", "5000000")}.Reload()
	if want := "ganesha: ganesha.nfsd (pid 5000000, from " + dir + "/dead.pid) is not running: open /proc/5000000/comm: no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("dead pid: Reload = %v, want %q", err, want)
	}
}
