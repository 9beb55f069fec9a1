package backend_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/manilite/manilite/backend"
)

func TestSnapshotRoundTrip(t *testing.T) {
	l, _ := newLocalOpts(t)
	share, want := richShare(t, l, "s1")
	if err := l.CreateSnapshot(t.Context(), "s1", "snap1"); err != nil {
		t.Fatalf("CreateSnapshot: %v", err)
	}
	if !l.SnapshotExists("snap1") {
		t.Fatal("SnapshotExists = false")
	}
	sp, err := l.SnapshotPath("snap1")
	must(t, err)
	assertTree(t, want, sp)
	assertTree(t, want, share)
	if got := entries(t, filepath.Dir(sp)); !slices.Equal(got, []string{"snap1"}) {
		t.Errorf("snapshots folder holds %v", got)
	}

	// No file of the snapshot is a file of the share.
	for p, n := range want {
		if n.typ != "file" {
			continue
		}
		a, err := os.Stat(filepath.Join(share, p))
		must(t, err)
		b, err := os.Stat(filepath.Join(sp, p))
		must(t, err)
		if os.SameFile(a, b) {
			t.Errorf("%s: the snapshot's file is the share's", p)
		}
	}
	// Writing to the share in place, as a client would, leaves the
	// snapshot as it was.
	f, err := os.OpenFile(filepath.Join(share, "big.bin"), os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteAt([]byte("client write"), 12345)
	must(t, err)
	must(t, f.Close())
	changeShare(t, share)
	assertTree(t, want, sp)

	// A replay does nothing: the snapshot keeps the state it was taken of.
	must(t, l.CreateSnapshot(t.Context(), "s1", "snap1"))
	assertTree(t, want, sp)

	for i := range 2 {
		if err := l.DeleteSnapshot("snap1"); err != nil {
			t.Fatalf("delete #%d: %v", i+1, err)
		}
		if l.SnapshotExists("snap1") || exists(sp) {
			t.Fatalf("delete #%d: snapshot still exists", i+1)
		}
		if got := entries(t, filepath.Dir(sp)); len(got) != 0 {
			t.Errorf("delete #%d: snapshots folder holds %v", i+1, got)
		}
	}
}

func TestSnapshotAfterCrash(t *testing.T) {
	l, dataDir := newLocalOpts(t)
	_, want := richShare(t, l, "s1")
	snaps := filepath.Join(dataDir, "snapshots")
	writeFile(t, filepath.Join(snaps, ".tmp-snap1", "a", "partial"), "p")
	must(t, os.Chmod(filepath.Join(snaps, ".tmp-snap1", "a"), 0o500))
	writeFile(t, filepath.Join(snaps, ".deleting-snap1", "x"), "being deleted")
	must(t, l.CreateSnapshot(t.Context(), "s1", "snap1"))
	sp, _ := l.SnapshotPath("snap1")
	assertTree(t, want, sp)
	if got := entries(t, snaps); !slices.Equal(got, []string{".deleting-snap1", "snap1"}) {
		t.Errorf("snapshots folder holds %v", got)
	}
	must(t, l.DeleteSnapshot("snap1"))
	if got := entries(t, snaps); len(got) != 0 {
		t.Errorf("snapshots folder holds %v after delete", got)
	}
}

func TestSnapshotErrors(t *testing.T) {
	l, dataDir := newLocalOpts(t, backend.WithMaxRate(2<<20))
	if err := l.CreateSnapshot(t.Context(), "missing", "snap1"); !errors.Is(err, backend.ErrShareNotFound) {
		t.Errorf("snapshot of a missing share: %v, want ErrShareNotFound", err)
	}
	slowShare(t, l, "s1", 4<<20)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		// Cancel once the copy is under way.
		for ctx.Err() == nil && !exists(filepath.Join(dataDir, "snapshots", ".tmp-snap1", "data.bin")) {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if err := l.CreateSnapshot(ctx, "s1", "snap1"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled snapshot: %v, want context.Canceled", err)
	}
	if l.SnapshotExists("snap1") {
		t.Error("a cancelled snapshot exists")
	}
	if got := entries(t, filepath.Join(dataDir, "snapshots")); len(got) != 0 {
		t.Errorf("snapshots folder holds %v", got)
	}
}

// A share made from a snapshot is a full copy of the snapshot's tree, not
// of the share as it is now, and shares no file with it.
func TestCreateShareFromSnapshot(t *testing.T) {
	l, _ := newLocalOpts(t)
	share, want := richShare(t, l, "s1")
	must(t, l.CreateSnapshot(t.Context(), "s1", "snap1"))
	changeShare(t, share)
	path, err := l.CreateShareFromSnapshot(t.Context(), "snap1", "s2")
	if err != nil {
		t.Fatalf("CreateShareFromSnapshot: %v", err)
	}
	if p, _ := l.SharePath("s2"); p != path {
		t.Errorf("path %q, want the share's %q", path, p)
	}
	assertTree(t, want, path)
	sp, err := l.SnapshotPath("snap1")
	must(t, err)
	for p, n := range want {
		if n.typ != "file" {
			continue
		}
		a, err := os.Stat(filepath.Join(sp, p))
		must(t, err)
		b, err := os.Stat(filepath.Join(path, p))
		must(t, err)
		if os.SameFile(a, b) {
			t.Errorf("%s: the new share's file is the snapshot's", p)
		}
	}
	// A replay leaves the share as it is; nothing is left beside it.
	if again, err := l.CreateShareFromSnapshot(t.Context(), "snap1", "s2"); err != nil || again != path {
		t.Fatalf("replay: %q, %v", again, err)
	}
	for _, e := range entries(t, filepath.Dir(path)) {
		if e != "s1" && e != "s2" {
			t.Errorf("shares folder holds %s", e)
		}
	}
	if _, err := l.CreateShareFromSnapshot(t.Context(), "nope", "s3"); !errors.Is(err, backend.ErrSnapshotNotFound) {
		t.Errorf("from a missing snapshot: %v, want ErrSnapshotNotFound", err)
	}
}
