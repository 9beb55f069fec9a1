package repo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// version1Tree is the tree of testdata/repo-v1's backup "v1": small
// files, an empty one, a symbolic link, and a 3 MiB file of numbered
// lines, which the Rabin chunker cuts into several chunks.
func version1Tree(t testing.TB, root string) {
	t.Helper()
	var lines []byte
	for i := 0; len(lines) < 3<<20; i++ {
		lines = fmt.Appendf(lines, "%08d manilite version 1 repository line %d\n", i, i*i%9973)
	}
	writeTree(t, root, []fileSpec{
		{path: "a/small.txt", data: []byte("hello, version 1\n")},
		{path: "a/lines", data: lines},
		{path: "b/empty", data: nil},
	})
	must(t, os.Symlink("a/small.txt", filepath.Join(root, "link")))
	ts := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, p := range []string{"a/small.txt", "a/lines", "b/empty", "a", "b"} {
		must(t, os.Chtimes(filepath.Join(root, p), ts, ts))
	}
}

// TestVersion1Repository opens testdata/repo-v1, written by the release
// before FastCDC (Rabin chunks, MLPACK1 packs): its backup verifies and
// restores, a new backup of the same tree stores no chunk (the Rabin
// chunker is kept, so the cut points are the same), and new packs in it
// (MLPACK2) check and prune beside the old one.
func TestVersion1Repository(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	must(t, os.CopyFS(dir, os.DirFS("testdata/repo-v1")))
	r, _ := openLocal(t, dir, Options{})
	if r.cfg.Version != 1 || r.cfg.Chunker != chunkerRabin {
		t.Fatalf("config version %d, chunker %q", r.cfg.Version, r.cfg.Chunker)
	}
	checkClean(t, r, true)

	src := t.TempDir()
	version1Tree(t, src)
	b, err := r.OpenBackup(ctx, "v1")
	must(t, err)
	want := scanTree(t, src)
	if len(b.Entries) != len(want) {
		t.Fatalf("%d entries, want %d", len(b.Entries), len(want))
	}
	chunks := 0
	for i, w := range want {
		g := b.Entries[i]
		// Owners are the generating machine's, and the root's and the
		// link's mtimes its clock's: not compared.
		pinned := g.Path != "." && g.Type != TypeSymlink
		if g.Path != w.Path || g.Type != w.Type || g.Mode != w.Mode || (pinned && !g.MTime.Equal(w.MTime)) || g.Size != w.Size || g.Target != w.Target {
			t.Fatalf("entry %d is\n%+v, want\n%+v", i, g, w)
		}
		if g.Type != TypeFile {
			continue
		}
		chunks += len(g.Chunks)
		data, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(w.Path)))
		must(t, err)
		var buf bytes.Buffer
		must(t, b.WriteFile(ctx, &g, &buf, nil))
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatalf("%s restored differs", g.Path)
		}
	}
	if chunks < 4 {
		t.Fatalf("the fixture has %d chunks: the large file should have several", chunks)
	}

	if tot := backupTree(t, r, "v1-again", src); tot.NewChunks != 0 || tot.NewPacks != 0 {
		t.Fatalf("backup of the same tree into a version 1 repository stored %d chunks in %d packs", tot.NewChunks, tot.NewPacks)
	}
	must(t, os.WriteFile(filepath.Join(src, "a/new"), []byte("a file of the new release\n"), 0o644))
	if tot := backupTree(t, r, "v2-pack", src); tot.NewChunks != 1 || tot.NewPacks != 1 {
		t.Fatalf("one new file: %+v", tot)
	}
	checkClean(t, r, true)
	must(t, r.Delete(ctx, "v1"))
	must(t, r.Delete(ctx, "v1-again"))
	_, err = r.Prune(ctx)
	must(t, err)
	checkClean(t, r, true)
	assertRestores(t, r, "v2-pack", src)
}
