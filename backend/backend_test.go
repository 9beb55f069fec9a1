package backend_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/manilite/manilite/backend"
)

func newLocal(t *testing.T) (*backend.Local, string) {
	t.Helper()
	dir := t.TempDir()
	l, err := backend.NewLocal(dir)
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	return l, dir
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestNewLocal(t *testing.T) {
	tests := []struct {
		name string
		dir  func(t *testing.T) (arg, wantRoot string)
	}{
		{"absolute, missing", func(t *testing.T) (string, string) {
			d := filepath.Join(t.TempDir(), "a", "b")
			return d, filepath.Join(d, "shares")
		}},
		{"absolute, existing shares folder", func(t *testing.T) (string, string) {
			d := t.TempDir()
			writeFile(t, filepath.Join(d, "shares", "keep", "f"), "x")
			return d, filepath.Join(d, "shares")
		}},
		{"relative", func(t *testing.T) (string, string) {
			d := t.TempDir()
			t.Chdir(d)
			real, err := os.Getwd()
			if err != nil {
				t.Fatal(err)
			}
			return "data", filepath.Join(real, "data", "shares")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			arg, want := tc.dir(t)
			l, err := backend.NewLocal(arg)
			if err != nil {
				t.Fatal(err)
			}
			if l.Root() != want {
				t.Errorf("Root() = %q, want %q", l.Root(), want)
			}
			if !filepath.IsAbs(l.Root()) {
				t.Errorf("Root() %q is not absolute", l.Root())
			}
			st, err := os.Stat(want)
			if err != nil || !st.IsDir() {
				t.Fatalf("shares folder: %v", err)
			}
			if exists(filepath.Join(want, "keep")) && !exists(filepath.Join(want, "keep", "f")) {
				t.Error("NewLocal touched existing shares")
			}
		})
	}
}

func TestNewLocalRootIsAFile(t *testing.T) {
	d := t.TempDir()
	writeFile(t, filepath.Join(d, "shares"), "not a folder")
	if _, err := backend.NewLocal(d); err == nil {
		t.Error("NewLocal accepted a file where the shares folder goes")
	}
}

func TestCreateShareIdempotent(t *testing.T) {
	l, _ := newLocal(t)
	const id = "0b7b5a56-8b0a-4f5c-9d3e-6f0a1b2c3d4e"
	p1, err := l.CreateShare(id)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(l.Root(), id); p1 != want {
		t.Errorf("path = %q, want %q", p1, want)
	}
	if !filepath.IsAbs(p1) {
		t.Errorf("path %q is not absolute", p1)
	}
	if st, err := os.Stat(p1); err != nil || !st.IsDir() {
		t.Fatalf("share directory: %v", err)
	}
	if !l.ShareExists(id) {
		t.Error("ShareExists = false after CreateShare")
	}
	if sp, err := l.SharePath(id); err != nil || sp != p1 {
		t.Errorf("SharePath = %q, %v; want %q", sp, err, p1)
	}

	// Data written to the share survives a second (replayed) create.
	writeFile(t, filepath.Join(p1, "data.txt"), "hello")
	for i := range 2 {
		p2, err := l.CreateShare(id)
		if err != nil {
			t.Fatalf("create #%d: %v", i+2, err)
		}
		if p2 != p1 {
			t.Errorf("create #%d path = %q, want %q", i+2, p2, p1)
		}
	}
	if b, err := os.ReadFile(filepath.Join(p1, "data.txt")); err != nil || string(b) != "hello" {
		t.Errorf("share data after re-create: %q, %v", b, err)
	}
	if got := entries(t, l.Root()); !slices.Equal(got, []string{id}) {
		t.Errorf("root holds %v, want only %s", got, id)
	}
}

func TestCreateShareOverFile(t *testing.T) {
	l, _ := newLocal(t)
	writeFile(t, filepath.Join(l.Root(), "s1"), "stray file")
	if p, err := l.CreateShare("s1"); err == nil {
		t.Errorf("CreateShare over a regular file returned %q, nil; want an error", p)
	}
}

func TestDeleteShare(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "outside.txt")
	writeFile(t, outside, "not share data")
	tests := []struct {
		name  string
		setup func(t *testing.T, l *backend.Local, id string)
	}{
		{"tree with files", func(t *testing.T, l *backend.Local, id string) {
			p, err := l.CreateShare(id)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(p, "top.txt"), "1")
			writeFile(t, filepath.Join(p, "a", "b", "c", "deep.txt"), "2")
			writeFile(t, filepath.Join(p, ".hidden"), "3")
			if err := os.Mkdir(filepath.Join(p, "empty"), 0o755); err != nil {
				t.Fatal(err)
			}
			// A link out of the share: the link goes, its target stays.
			if err := os.Symlink(outside, filepath.Join(p, "link")); err != nil {
				t.Fatal(err)
			}
		}},
		{"empty share", func(t *testing.T, l *backend.Local, id string) {
			if _, err := l.CreateShare(id); err != nil {
				t.Fatal(err)
			}
		}},
		{"missing share", func(t *testing.T, l *backend.Local, id string) {}},
		{"leftover of an interrupted delete", func(t *testing.T, l *backend.Local, id string) {
			writeFile(t, filepath.Join(l.Root(), ".deleting-"+id, "x", "y"), "half gone")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := newLocal(t)
			const id = "s1"
			// A neighbour that must survive.
			other, err := l.CreateShare("s2")
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(other, "keep"), "k")
			tc.setup(t, l, id)

			for i := range 2 { // the second call is a replay
				if err := l.DeleteShare(id); err != nil {
					t.Fatalf("delete #%d: %v", i+1, err)
				}
				if l.ShareExists(id) {
					t.Fatalf("delete #%d: share still exists", i+1)
				}
				if got := entries(t, l.Root()); !slices.Equal(got, []string{"s2"}) {
					t.Errorf("delete #%d: root holds %v, want [s2]", i+1, got)
				}
			}
			if !exists(filepath.Join(other, "keep")) {
				t.Error("neighbouring share lost its data")
			}
			if !exists(outside) {
				t.Error("a file outside the share was removed")
			}
		})
	}
}

func TestInvalidShareIDs(t *testing.T) {
	l, dir := newLocal(t)
	// Things a path-escaping id could hit.
	writeFile(t, filepath.Join(dir, "precious"), "p")
	for _, id := range []string{"", ".", "..", "a/b", `a\b`, "../precious", "/abs", "a/../..", "./x"} {
		t.Run(id, func(t *testing.T) {
			if p, err := l.SharePath(id); err == nil {
				t.Errorf("SharePath(%q) = %q, want an error", id, p)
			}
			if p, err := l.CreateShare(id); err == nil {
				t.Errorf("CreateShare(%q) = %q, want an error", id, p)
			}
			if err := l.DeleteShare(id); err == nil {
				t.Errorf("DeleteShare(%q) succeeded, want an error", id)
			}
			if l.ShareExists(id) {
				t.Errorf("ShareExists(%q) = true", id)
			}
		})
	}
	if !exists(filepath.Join(dir, "precious")) || !exists(l.Root()) {
		t.Error("an invalid id removed something outside its share")
	}
	if got := entries(t, l.Root()); len(got) != 0 {
		t.Errorf("invalid ids created %v", got)
	}
}

func TestShareExists(t *testing.T) {
	l, _ := newLocal(t)
	if _, err := l.CreateShare("dir"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(l.Root(), "file"), "x")
	tests := []struct {
		id   string
		want bool
	}{
		{"dir", true},
		{"file", false},
		{"missing", false},
		{"..", false},
	}
	for _, tc := range tests {
		if got := l.ShareExists(tc.id); got != tc.want {
			t.Errorf("ShareExists(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestRemoveLeftovers(t *testing.T) {
	l, _ := newLocal(t)
	root := l.Root()
	for _, id := range []string{"keep", "deleting-no-dot", ".hidden", "x.deleting-y"} {
		if err := os.Mkdir(filepath.Join(root, id), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(root, id, "data"), "d")
	}
	writeFile(t, filepath.Join(root, ".deleting-a", "deep", "tree", "f"), "gone")
	writeFile(t, filepath.Join(root, ".deleting-b"), "a stray file")
	if err := os.Mkdir(filepath.Join(root, ".deleting-"), 0o755); err != nil {
		t.Fatal(err)
	}

	for i := range 2 {
		if err := l.RemoveLeftovers(); err != nil {
			t.Fatalf("RemoveLeftovers #%d: %v", i+1, err)
		}
		want := []string{".hidden", "deleting-no-dot", "keep", "x.deleting-y"}
		if got := entries(t, root); !slices.Equal(got, want) {
			t.Errorf("#%d: root holds %v, want %v", i+1, got, want)
		}
	}
	for _, id := range []string{"keep", "deleting-no-dot", ".hidden", "x.deleting-y"} {
		if !exists(filepath.Join(root, id, "data")) {
			t.Errorf("%s lost its data", id)
		}
	}
}

func TestReservedPrefixID(t *testing.T) {
	l, _ := newLocal(t)
	const id = ".deleting-x"
	p, err := l.CreateShare(id)
	if err != nil {
		return // refusing the id is fine
	}
	writeFile(t, filepath.Join(p, "data"), "d")
	if err := l.RemoveLeftovers(); err != nil {
		t.Fatal(err)
	}
	if !l.ShareExists(id) {
		t.Errorf("RemoveLeftovers destroyed live share %q", id)
	}
}

// AdoptShare takes a directory of the shares folder as a share's, and
// nothing outside it.
func TestAdoptShare(t *testing.T) {
	l, _ := newLocalOpts(t)
	left := filepath.Join(l.Root(), "left-by-unmanage")
	must(t, os.MkdirAll(filepath.Join(left, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(left, "sub", "f"), make([]byte, 3000), 0o644))
	path, used, err := l.AdoptShare(left, "s1")
	if err != nil {
		t.Fatalf("AdoptShare: %v", err)
	}
	if p, _ := l.SharePath("s1"); path != p || used < 3000 {
		t.Errorf("path %q used %d", path, used)
	}
	if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the old name is still there: %v", err)
	}
	if again, _, err := l.AdoptShare(left, "s1"); err != nil || again != path {
		t.Errorf("replay: %q %v", again, err)
	}
	outside := t.TempDir()
	for _, bad := range []string{outside, filepath.Join(l.Root(), "missing"), filepath.Join(l.Root(), ".tmp-x"), l.Root()} {
		if _, _, err := l.AdoptShare(bad, "s2"); !errors.Is(err, backend.ErrNotManageable) {
			t.Errorf("AdoptShare(%s): %v, want ErrNotManageable", bad, err)
		}
	}
}
