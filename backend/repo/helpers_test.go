package repo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fileSpec is a file of a generated test tree.
type fileSpec struct {
	path string
	data []byte
	mode uint32
}

// content returns n bytes made from seed: a mix of random bytes and
// repeated text, so that zstd has something to do but not everything.
func content(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i < n; {
		run := min(n-i, 256+rng.IntN(4096))
		if rng.IntN(2) == 0 {
			for k := range run {
				b[i+k] = byte(rng.Uint32())
			}
		} else {
			for k := range run {
				b[i+k] = "manilite backup repository "[k%27]
			}
		}
		i += run
	}
	return b
}

// writeTree creates files (and their parent directories) below root.
func writeTree(t testing.TB, root string, files []fileSpec) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		if err := os.Chmod(p, fs.FileMode(mode&0o777)|modeExtra(mode)); err != nil {
			t.Fatal(err)
		}
	}
}

func modeExtra(m uint32) fs.FileMode {
	var fm fs.FileMode
	if m&0o4000 != 0 {
		fm |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		fm |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		fm |= fs.ModeSticky
	}
	return fm
}

// variedTree is the round trip's tree: empty, small, several-MiB and
// identical files, nested directories, symbolic links, unusual modes, and
// mtimes with nanoseconds.
func variedTree(t testing.TB, root string) {
	t.Helper()
	big := content(7, 3<<20+123)
	files := []fileSpec{
		{path: "empty", data: nil},
		{path: "small.txt", data: []byte("hello, repository\n"), mode: 0o600},
		{path: "exec.sh", data: []byte("#!/bin/sh\necho hi\n"), mode: 0o4755},
		{path: "a/b/c/deep", data: content(1, 10_000)},
		{path: "a/medium", data: content(2, 700_000)},
		{path: "a/big", data: big},
		{path: "copy/big", data: big}, // identical to a/big
		{path: "copy/big2", data: slices.Concat(big, []byte("tail"))},
		{path: "multi", data: content(3, 9<<20)}, // several chunks
		{path: "zeros", data: make([]byte, 2<<20)},
	}
	writeTree(t, root, files)
	for i := range 30 {
		writeTree(t, root, []fileSpec{{path: filepath.Join("many", string(rune('a'+i%26))+string(rune('0'+i/26))), data: content(uint64(100+i), i*97)}})
	}
	must(t, os.Symlink("a/big", filepath.Join(root, "link-to-big")))
	must(t, os.Symlink("../nowhere", filepath.Join(root, "a/dangling")))
	must(t, os.Mkdir(filepath.Join(root, "sticky"), 0o755))
	must(t, os.Chmod(filepath.Join(root, "sticky"), 0o1777|fs.ModeSticky))
	must(t, os.Chmod(filepath.Join(root, "a/b"), 0o2750|fs.ModeSetgid))
	// mtimes with nanoseconds, children before their directories (a
	// child's creation changes its directory's mtime).
	var paths []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		paths = append(paths, p)
		return err
	})
	slices.Reverse(paths)
	for i, p := range paths {
		ts := time.Date(2024, 3, 1+i%27, 12, 0, i, 123456789+i, time.UTC)
		tv := []unix.Timespec{unix.NsecToTimespec(ts.UnixNano()), unix.NsecToTimespec(ts.UnixNano())}
		must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, tv, unix.AT_SYMLINK_NOFOLLOW))
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// scanEntry returns the Entry of the file at p (path rel in its tree),
// from lstat.
func scanEntry(t testing.TB, p, rel string) Entry {
	t.Helper()
	var st unix.Stat_t
	must(t, unix.Lstat(p, &st))
	e := Entry{
		Path: rel, Mode: st.Mode & ModeBits, UID: st.Uid, GID: st.Gid,
		MTime: time.Unix(st.Mtim.Sec, st.Mtim.Nsec).UTC(),
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		e.Type = TypeDir
	case syscall.S_IFREG:
		e.Type = TypeFile
		e.Size = st.Size
	case syscall.S_IFLNK:
		e.Type = TypeSymlink
		target, err := os.Readlink(p)
		must(t, err)
		e.Target = target
	}
	return e
}

// scanTree lists root's entries depth first, sorted by name, as package
// backend does.
func scanTree(t testing.TB, root string) []Entry {
	t.Helper()
	var out []Entry
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		out = append(out, scanEntry(t, p, filepath.ToSlash(rel)))
		return nil
	})
	must(t, err)
	return out
}

// backupTree backs up the tree at root as backup id.
func backupTree(t testing.TB, r *Repo, id, root string) Totals {
	t.Helper()
	tot, err := tryBackupTree(context.Background(), r, id, root)
	if err != nil {
		t.Fatal(err)
	}
	return tot
}

// tryBackupTree backs up the tree at root, reading GOMAXPROCS files at
// a time, as package backend will.
func tryBackupTree(ctx context.Context, r *Repo, id, root string) (Totals, error) {
	return tryBackupTreeFrom(ctx, r, id, root, nil)
}

// backupTreeFrom backs up the tree at root as backup id, taking the
// files whose size and mtime are those of parent's entry from parent.
func backupTreeFrom(t testing.TB, r *Repo, id, root string, parent *Backup) Totals {
	t.Helper()
	tot, err := tryBackupTreeFrom(context.Background(), r, id, root, parent)
	if err != nil {
		t.Fatal(err)
	}
	return tot
}

func tryBackupTreeFrom(ctx context.Context, r *Repo, id, root string, parent *Backup) (Totals, error) {
	w, err := r.NewBackup(ctx, id)
	if err != nil {
		return Totals{}, err
	}
	defer w.Abort()
	type fileJob struct {
		e Entry
		p string
	}
	readers := runtime.GOMAXPROCS(0)
	if n, err := strconv.Atoi(os.Getenv("MANILITE_BENCH_READERS")); err == nil && n > 0 {
		readers = n
	}
	files := make(chan fileJob)
	errs := make(chan error, readers)
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first error
			for j := range files {
				if first != nil {
					continue
				}
				if parent != nil {
					if prev, ok := parent.Entry(j.e.Path); ok && prev.Type == TypeFile && prev.MTime.Equal(j.e.MTime) && prev.Size == j.e.Size {
						_, first = w.AddFileFrom(j.e, prev)
						continue
					}
				}
				f, err := os.Open(j.p)
				if err != nil {
					first = err
					continue
				}
				_, first = w.AddFile(ctx, j.e, f)
				f.Close()
			}
			errs <- first
		}()
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		e := Entry{Path: filepath.ToSlash(rel), Mode: st.Mode & ModeBits, UID: st.Uid, GID: st.Gid,
			MTime: time.Unix(st.Mtim.Sec, st.Mtim.Nsec)}
		switch st.Mode & syscall.S_IFMT {
		case syscall.S_IFDIR:
			return w.AddDir(e)
		case syscall.S_IFLNK:
			e.Target, err = os.Readlink(p)
			if err != nil {
				return err
			}
			return w.AddSymlink(e)
		case syscall.S_IFREG:
			e.Size = st.Size
			files <- fileJob{e, p}
		}
		return nil
	})
	close(files)
	wg.Wait()
	close(errs)
	for e := range errs {
		if err == nil {
			err = e
		}
	}
	if err != nil {
		return Totals{}, err
	}
	return w.Commit(ctx)
}

// assertRestores checks that backup id holds exactly the tree at root:
// the same entries with the same metadata, and every file's content
// byte-identical.
func assertRestores(t testing.TB, r *Repo, id, root string) {
	t.Helper()
	ctx := context.Background()
	b, err := r.OpenBackup(ctx, id)
	if err != nil {
		t.Fatalf("open backup %s: %v", id, err)
	}
	want := scanTree(t, root)
	if len(b.Entries) != len(want) {
		t.Fatalf("backup %s: %d entries, want %d", id, len(b.Entries), len(want))
	}
	for i, w := range want {
		g := b.Entries[i]
		if g.Path != w.Path || g.Type != w.Type || g.Mode != w.Mode || g.UID != w.UID || g.GID != w.GID ||
			!g.MTime.Equal(w.MTime) || g.Size != w.Size || g.Target != w.Target {
			t.Fatalf("backup %s: entry %d is\n%+v, want\n%+v", id, i, g, w)
		}
		if g.Type != TypeFile {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(w.Path)))
		must(t, err)
		var buf bytes.Buffer
		if err := b.WriteFile(ctx, &g, &buf, nil); err != nil {
			t.Fatalf("backup %s: restore %s: %v", id, g.Path, err)
		}
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatalf("backup %s: %s restored differs (%d bytes, want %d)", id, g.Path, buf.Len(), len(data))
		}
	}
}

// openLocal opens a repository in a new LocalStore below dir.
func openLocal(t testing.TB, dir string, opts Options) (*Repo, *LocalStore) {
	t.Helper()
	s, err := NewLocalStore(dir)
	must(t, err)
	r, err := Open(context.Background(), s, opts)
	must(t, err)
	t.Cleanup(func() { r.Close() })
	return r, s
}

func stats(t testing.TB, r *Repo) Stats {
	t.Helper()
	s, err := r.Stats(context.Background())
	must(t, err)
	return s
}

func checkClean(t testing.TB, r *Repo, readData bool) *CheckReport {
	t.Helper()
	rep, err := r.Check(context.Background(), readData)
	must(t, err)
	if !rep.OK() || len(rep.Leftovers) > 0 {
		t.Fatalf("check(readData=%v): problems %v, leftovers %v", readData, rep.Problems, rep.Leftovers)
	}
	return rep
}

var _ = io.EOF

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
