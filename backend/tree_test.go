package backend_test

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// node is what the tree-compare helpers see of one entry.
type node struct {
	typ      string // dir, file, symlink or other
	mode     fs.FileMode
	uid, gid uint32
	mtime    time.Time
	size     int64
	sum      [32]byte // files
	target   string   // symlinks
}

func (n node) String() string {
	s := fmt.Sprintf("%s %v %d:%d mtime=%s", n.typ, n.mode, n.uid, n.gid, n.mtime.Format(time.RFC3339Nano))
	switch n.typ {
	case "file":
		s += fmt.Sprintf(" size=%d sha256=%x", n.size, n.sum[:6])
	case "symlink":
		s += " -> " + n.target
	}
	return s
}

// captureTree records every entry under root (root included, as "."),
// without following symbolic links.
func captureTree(t testing.TB, root string) map[string]node {
	t.Helper()
	tree := map[string]node{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		sys := st.Sys().(*syscall.Stat_t)
		n := node{
			mode:  st.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky),
			uid:   sys.Uid,
			gid:   sys.Gid,
			mtime: time.Unix(sys.Mtim.Unix()),
		}
		switch {
		case st.IsDir():
			n.typ = "dir"
		case st.Mode().IsRegular():
			n.typ = "file"
			n.size = st.Size()
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return err
			}
			copy(n.sum[:], h.Sum(nil))
		case st.Mode()&fs.ModeSymlink != 0:
			n.typ = "symlink"
			if n.target, err = os.Readlink(p); err != nil {
				return err
			}
		default:
			n.typ = "other"
		}
		tree[filepath.ToSlash(rel)] = n
		return nil
	})
	if err != nil {
		t.Fatalf("capture %s: %v", root, err)
	}
	return tree
}

// diffTrees lists how got differs from want.
func diffTrees(want, got map[string]node) []string {
	var diffs []string
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: missing (want %v)", p, w))
		case g != w:
			diffs = append(diffs, fmt.Sprintf("%s:\n\tgot  %v\n\twant %v", p, g, w))
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: unexpected %v", p, g))
		}
	}
	slices.Sort(diffs)
	return diffs
}

// assertTree fails t unless the tree at root is exactly want.
func assertTree(t testing.TB, want map[string]node, root string) {
	t.Helper()
	if diffs := diffTrees(want, captureTree(t, root)); len(diffs) > 0 {
		t.Fatalf("tree %s differs in %d entries:\n%s", root, len(diffs), strings.Join(diffs, "\n"))
	}
}

func randomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), 1})
	r.Read(b)
	return b
}

func mustWrite(t testing.TB, p string, data []byte, perm fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// makeRichTree fills root (an existing, empty directory) with the entries a
// copy must keep: nested and empty directories, empty, small and 5 MiB
// files, symbolic links to a file, to a directory and to nothing, unusual
// modes (0600, 0755, 04755 files; 0700 and setgid directories, a sticky
// one), names with spaces and non-ASCII letters, and modification times
// with nanoseconds. Running as root, some entries get other owners.
func makeRichTree(t testing.TB, root string) {
	t.Helper()
	files := []struct {
		path string
		data []byte
		perm fs.FileMode
	}{
		{"empty.txt", nil, 0o644},
		{"a/b/c/deep.txt", []byte("DEEP-CONTENT-MARKER\n"), 0o644},
		{"a/b/sibling.txt", []byte("sibling"), 0o640},
		{"a-b.txt", []byte("sorts between a and a/b"), 0o644},
		{"big.bin", randomBytes(1, 5<<20), 0o644},
		{"secret.txt", []byte("only me"), 0o600},
		{"run.sh", []byte("#!/bin/sh\necho hi\n"), 0o755},
		{"setuid-tool", []byte("pretend binary"), 0o755 | fs.ModeSetuid},
		{"private/key.pem", []byte("-----BEGIN NOTHING-----"), 0o600},
		{"team/shared.txt", []byte(strings.Repeat("shared words 123 ", 1000)), 0o664},
		{"spaces and ünïcödé/fïlé 1.txt", []byte("name test"), 0o644},
	}
	for _, f := range files {
		mustWrite(t, filepath.Join(root, f.path), f.data, f.perm)
	}
	for _, d := range []string{"empty-dir", "a/empty-inner", "tmpdir"} {
		must(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	must(t, os.Symlink("a/b/c/deep.txt", filepath.Join(root, "link-to-file")))
	must(t, os.Symlink("does/not/exist", filepath.Join(root, "dangling")))
	must(t, os.Symlink("a", filepath.Join(root, "link-to-dir")))
	must(t, os.Symlink("../../big.bin", filepath.Join(root, "a/b/up-link")))
	if os.Geteuid() == 0 {
		must(t, os.Lchown(filepath.Join(root, "secret.txt"), 1234, 5678))
		must(t, os.Lchown(filepath.Join(root, "private"), 1234, 5678))
		must(t, os.Lchown(filepath.Join(root, "dangling"), 4321, 8765))
	}
	// Modes after owners: chown clears setuid and setgid.
	must(t, os.Chmod(filepath.Join(root, "setuid-tool"), 0o755|fs.ModeSetuid))
	must(t, os.Chmod(filepath.Join(root, "private"), 0o700))
	must(t, os.Chmod(filepath.Join(root, "team"), 0o775|fs.ModeSetgid))
	must(t, os.Chmod(filepath.Join(root, "tmpdir"), 0o777|fs.ModeSticky))
	must(t, os.Chmod(root, 0o750))
	setMtimes(t, root)
}

// setMtimes gives every file and directory under root (root included) a
// distinct modification time with nanoseconds, directories after their
// children.
func setMtimes(t testing.TB, root string) {
	t.Helper()
	var paths []string
	must(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink == 0 {
			paths = append(paths, p)
		}
		return nil
	}))
	// Deepest first, so setting a directory's time comes after anything
	// that changes it.
	slices.SortStableFunc(paths, func(a, b string) int {
		return strings.Count(b, string(filepath.Separator)) - strings.Count(a, string(filepath.Separator))
	})
	base := time.Date(2021, 3, 4, 5, 6, 7, 123456789, time.UTC)
	for i, p := range paths {
		mt := base.Add(time.Duration(i) * (time.Hour + 987654321))
		must(t, os.Chtimes(p, time.Time{}, mt))
	}
}
