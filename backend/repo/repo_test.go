package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	variedTree(t, src)
	r, _ := openLocal(t, t.TempDir(), Options{PackSize: 4 << 20})

	tot := backupTree(t, r, "b1", src)
	want := scanTree(t, src)
	var files, dirs, links int
	var bytesTotal int64
	for _, e := range want {
		switch e.Type {
		case TypeFile:
			files++
			bytesTotal += e.Size
		case TypeDir:
			dirs++
		case TypeSymlink:
			links++
		}
	}
	if tot.Files != files || tot.Dirs != dirs || tot.Symlinks != links || tot.Bytes != bytesTotal {
		t.Fatalf("totals %+v, want %d files, %d dirs, %d symlinks, %d bytes", tot, files, dirs, links, bytesTotal)
	}
	// The identical copy/big and the zeros' repeated chunks are stored once.
	if tot.NewBytes >= bytesTotal-(3<<20) {
		t.Fatalf("new bytes %d: the identical files were not deduplicated (tree %d)", tot.NewBytes, bytesTotal)
	}
	assertRestores(t, r, "b1", src)

	b, err := r.OpenBackup(ctx, "b1")
	must(t, err)
	if b.Totals != tot {
		t.Fatalf("manifest totals %+v, Commit said %+v", b.Totals, tot)
	}
	multi, _ := b.Entry("multi")
	if len(multi.Chunks) < 2 {
		t.Fatalf("a 9 MiB file in %d chunks", len(multi.Chunks))
	}
	e, _ := b.Entry("exec.sh")
	if e.Mode != 0o4755 {
		t.Fatalf("exec.sh mode %#o", e.Mode)
	}
	if e.MTime.Nanosecond() == 0 {
		t.Fatal("mtime lost its nanoseconds")
	}

	// A second Repo on the same store sees the backup.
	r2, err := Open(ctx, r.store, Options{})
	must(t, err)
	defer r2.Close()
	if r2.ID() != r.ID() || r2.cfg.Polynomial != r.cfg.Polynomial {
		t.Fatal("reopened repository has another config")
	}
	assertRestores(t, r2, "b1", src)
	ids, err := r2.Backups(ctx)
	must(t, err)
	if !slices.Equal(ids, []string{"b1"}) {
		t.Fatalf("backups %v", ids)
	}
	checkClean(t, r2, true)
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	r, _ := openLocal(t, t.TempDir(), Options{})
	if _, err := r.OpenBackup(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("open missing backup: %v", err)
	}
	if err := r.Delete(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete missing backup: %v", err)
	}
	for _, id := range []string{"", "a/b", ".hidden", "../x"} {
		if _, err := r.NewBackup(ctx, id); err == nil {
			t.Fatalf("backup id %q accepted", id)
		}
	}
	w, err := r.NewBackup(ctx, "x")
	must(t, err)
	must(t, w.AddDir(Entry{Path: "."}))
	if err := w.AddDir(Entry{Path: "."}); err == nil {
		t.Fatal("an entry added twice")
	}
	if err := w.AddDir(Entry{Path: "../up"}); err == nil {
		t.Fatal("a path outside the tree accepted")
	}
	if _, err := w.AddFile(ctx, Entry{Path: "f"}, strings.NewReader("data")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("second commit: %v", err)
	}
	if _, err := r.NewBackup(ctx, "x"); !errors.Is(err, ErrExists) {
		t.Fatalf("backup id reused: %v", err)
	}
	w1, err := r.NewBackup(ctx, "twice")
	must(t, err)
	if _, err := r.NewBackup(ctx, "twice"); !errors.Is(err, ErrExists) {
		t.Fatalf("backup id of a backup in progress reused: %v", err)
	}
	w1.Abort()
	w1, err = r.NewBackup(ctx, "twice")
	must(t, err)
	w1.Abort()
	// An aborted backup leaves nothing behind.
	before := stats(t, r)
	w, err = r.NewBackup(ctx, "aborted")
	must(t, err)
	_, err = w.AddFile(ctx, Entry{Path: "big"}, bytes.NewReader(content(9, 3<<20)))
	must(t, err)
	w.Abort()
	w.Abort()
	if after := stats(t, r); after != before {
		t.Fatalf("abort left %+v, before %+v", after, before)
	}
	if _, err := r.OpenBackup(ctx, "aborted"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("aborted backup: %v", err)
	}
}

// mutateTree rewrites a few bytes in the middle of n of the files of a
// tree of files named f000…
func mutateFile(t *testing.T, p string) {
	t.Helper()
	data, err := os.ReadFile(p)
	must(t, err)
	for i := len(data) / 2; i < len(data)/2+16 && i < len(data); i++ {
		data[i] ^= 0xff
	}
	must(t, os.WriteFile(p, data, 0o644))
}

func TestDedup(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	// 300 files of 10 to 100 KB and one of 8 MiB: 1% of the files is 3.
	var files []fileSpec
	var treeBytes int64
	for i := range 300 {
		f := fileSpec{path: filepathf("d%d/f%03d", i%7, i), data: content(uint64(i), 10_000+(i*6151)%90_000)}
		files = append(files, f)
		treeBytes += int64(len(f.data))
	}
	for i := range 1 {
		f := fileSpec{path: filepathf("large%d", i), data: content(uint64(1000+i), 8<<20)}
		files = append(files, f)
		treeBytes += int64(len(f.data))
	}
	writeTree(t, src, files)
	r, _ := openLocal(t, t.TempDir(), Options{PackSize: 2 << 20})

	t1 := backupTree(t, r, "b1", src)
	s1 := stats(t, r)
	if t1.NewBytes != treeBytes || t1.NewPacks != s1.Packs {
		t.Fatalf("first backup: %+v, tree %d bytes, %d packs", t1, treeBytes, s1.Packs)
	}

	// Unchanged: no new chunk, no pack, no index object; only the manifest.
	t2 := backupTree(t, r, "b2", src)
	s2 := stats(t, r)
	if t2.NewChunks != 0 || t2.NewPacks != 0 || s2.Packs != s1.Packs || s2.PackBytes != s1.PackBytes || s2.IndexObjects != s1.IndexObjects {
		t.Fatalf("unchanged backup stored something: %+v\nbefore %+v\nafter  %+v", t2, s1, s2)
	}
	if grow := s2.StoredBytes - s1.StoredBytes; grow != s2.ManifestBytes-s1.ManifestBytes {
		t.Fatalf("unchanged backup grew the store by %d bytes, its manifest is %d", grow, s2.ManifestBytes-s1.ManifestBytes)
	}

	// 1% of the files changed (and a 16-byte change in an 8 MiB file).
	for _, i := range []int{10, 150, 290} {
		mutateFile(t, filepath.Join(src, files[i].path))
	}
	t3 := backupTree(t, r, "b3", src)
	s3 := stats(t, r)
	grow := s3.StoredBytes - s2.StoredBytes
	if grow > treeBytes*2/100 {
		t.Fatalf("changing 1%% of the files grew the store by %d bytes, more than 2%% of %d", grow, treeBytes)
	}
	// Each small file is one chunk.
	if t3.NewChunks != 3 {
		t.Fatalf("changed tree stored %d new chunks, want 3", t3.NewChunks)
	}
	// A 16-byte change in an 8 MiB file touches one chunk, two if it
	// straddles a boundary: content-defined chunking.
	mutateFile(t, filepath.Join(src, "large0"))
	if t5 := backupTree(t, r, "b3b", src); t5.NewChunks < 1 || t5.NewChunks > 2 {
		t.Fatalf("16 bytes changed in a large file: %d new chunks of %d", t5.NewChunks, t5.Chunks)
	}
	t.Logf("tree %d bytes; first backup stored %d, unchanged %d, 1%% changed %d (%.2f%%)",
		treeBytes, s1.StoredBytes, s2.StoredBytes-s1.StoredBytes, grow, 100*float64(grow)/float64(treeBytes))

	// Another share with the same content, elsewhere: dedups too.
	share2 := t.TempDir()
	writeTree(t, share2, files[:100])
	t4 := backupTree(t, r, "share2-b1", share2)
	if t4.NewChunks != 0 {
		t.Fatalf("second share stored %d new chunks", t4.NewChunks)
	}
	assertRestores(t, r, "b3b", src)
	assertRestores(t, r, "share2-b1", share2)
	checkClean(t, r, false)
	_ = ctx
}

func filepathf(format string, args ...any) string {
	return filepath.ToSlash(sprintf(format, args...))
}

// liveChunks returns the distinct chunks the repository's backups
// reference, with their plaintext sizes.
func liveChunks(t *testing.T, r *Repo) map[ChunkID]bool {
	t.Helper()
	ctx := context.Background()
	ids, err := r.Backups(ctx)
	must(t, err)
	live := map[ChunkID]bool{}
	for _, id := range ids {
		b, err := r.OpenBackup(ctx, id)
		must(t, err)
		for _, e := range b.Entries {
			for _, c := range e.Chunks {
				live[c] = true
			}
		}
	}
	return live
}

func TestDeletePrune(t *testing.T) {
	ctx := context.Background()
	common, extra := t.TempDir(), t.TempDir()
	var base []fileSpec
	for i := range 40 {
		base = append(base, fileSpec{path: filepathf("f%02d", i), data: content(uint64(i), 50_000+i*10_000)})
	}
	writeTree(t, common, base)
	writeTree(t, extra, base)
	var more []fileSpec
	for i := range 40 {
		more = append(more, fileSpec{path: filepathf("x%02d", i), data: content(uint64(500+i), 60_000+i*5_000)})
	}
	writeTree(t, extra, more)
	// RepackBelow 1: every pack with dead data is repacked, so what
	// remains is exactly the live data.
	r, _ := openLocal(t, t.TempDir(), Options{PackSize: 512 << 10, RepackBelow: 1})
	backupTree(t, r, "keep", common)
	backupTree(t, r, "gone1", extra)
	backupTree(t, r, "gone2", extra)
	before := stats(t, r)

	must(t, r.Delete(ctx, "gone1"))
	ps, err := r.Prune(ctx)
	must(t, err)
	if ps.DeletedPacks != 0 || ps.RepackedPacks != 0 || ps.FreedBytes != 0 {
		t.Fatalf("prune with everything still referenced freed something: %+v", ps)
	}
	if s := stats(t, r); s.PackBytes != before.PackBytes || s.Chunks != before.Chunks {
		t.Fatalf("prune changed packs: %+v, before %+v", s, before)
	}

	must(t, r.Delete(ctx, "gone2"))
	ps, err = r.Prune(ctx)
	must(t, err)
	after := stats(t, r)
	if ps.FreedBytes != before.PackBytes-after.PackBytes || ps.FreedBytes <= 0 {
		t.Fatalf("prune says it freed %d, packs went from %d to %d", ps.FreedBytes, before.PackBytes, after.PackBytes)
	}
	// Exactly the live chunks remain, each once, and the packs hold
	// nothing but them (and their trailers).
	live := liveChunks(t, r)
	var liveRaw int64
	for c := range live {
		loc, ok := r.idx.lookup(c)
		if !ok {
			t.Fatalf("live chunk %s lost", c)
		}
		liveRaw += int64(loc.rawLen)
	}
	var wantRaw int64
	for _, f := range base {
		wantRaw += int64(len(f.data))
	}
	if after.Chunks != len(live) || after.ChunkBytes != liveRaw || liveRaw != wantRaw {
		t.Fatalf("after prune %d chunks of %d bytes, live %d of %d, the kept tree is %d", after.Chunks, after.ChunkBytes, len(live), liveRaw, wantRaw)
	}
	var trailers int64
	for _, p := range r.idx.packs {
		trailers += int64(packTrailerSize(len(p.blobs)))
	}
	if after.PackBytes != after.BlobBytes+trailers {
		t.Fatalf("packs hold %d bytes, live blobs and trailers %d", after.PackBytes, after.BlobBytes+trailers)
	}
	if after.IndexObjects != 1 {
		t.Fatalf("%d index objects after prune", after.IndexObjects)
	}
	assertRestores(t, r, "keep", common)
	checkClean(t, r, true)

	// A second prune has nothing to do.
	ps, err = r.Prune(ctx)
	must(t, err)
	if ps != (PruneStats{Backups: 1}) {
		t.Fatalf("idle prune: %+v", ps)
	}
	// Deleting the last backup and pruning empties the repository.
	must(t, r.Delete(ctx, "keep"))
	_, err = r.Prune(ctx)
	must(t, err)
	if s := stats(t, r); s.Packs != 0 || s.IndexObjects != 0 || s.Backups != 0 || s.Chunks != 0 {
		t.Fatalf("empty repository holds %+v", s)
	}
}

func TestPruneKeepsMostlyLivePacks(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	var files []fileSpec
	for i := range 20 {
		files = append(files, fileSpec{path: filepathf("f%02d", i), data: content(uint64(i), 100_000)})
	}
	writeTree(t, src, files)
	// One pack for the lot.
	r, _ := openLocal(t, t.TempDir(), Options{PackSize: 64 << 20})
	backupTree(t, r, "all", src)
	must(t, os.Remove(filepath.Join(src, "f00")))
	backupTree(t, r, "most", src)
	must(t, r.Delete(ctx, "all"))
	before := stats(t, r)
	ps, err := r.Prune(ctx)
	must(t, err)
	// 95% live: kept as it is, only the index forgets the dead blob.
	if ps.RepackedPacks != 0 || ps.DeletedPacks != 0 || ps.FreedBytes != 0 {
		t.Fatalf("prune of a mostly live pack: %+v", ps)
	}
	after := stats(t, r)
	if after.PackBytes != before.PackBytes || after.Chunks != before.Chunks-1 {
		t.Fatalf("after prune %+v, before %+v", after, before)
	}
	assertRestores(t, r, "most", src)
	checkClean(t, r, true)
}

func TestCheckFindsDamage(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	var files []fileSpec
	for i := range 10 {
		files = append(files, fileSpec{path: filepathf("f%d", i), data: content(uint64(i), 300_000)})
	}
	writeTree(t, src, files)
	dir := t.TempDir()
	r, _ := openLocal(t, dir, Options{PackSize: 1 << 20})
	backupTree(t, r, "b", src)
	checkClean(t, r, true)

	var packs []string
	filepath.WalkDir(filepath.Join(dir, "packs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			packs = append(packs, p)
		}
		return nil
	})
	slices.Sort(packs)
	if len(packs) < 2 {
		t.Fatalf("%d packs, want 2 or more", len(packs))
	}

	// A flipped byte in the first blob of a pack.
	data, err := os.ReadFile(packs[0])
	must(t, err)
	data[10] ^= 0x01
	must(t, os.WriteFile(packs[0], data, 0o600))
	rep, err := r.Check(ctx, false)
	must(t, err)
	if !rep.OK() {
		t.Fatalf("check without reading data sees a flipped byte: %v", rep.Problems)
	}
	rep, err = r.Check(ctx, true)
	must(t, err)
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Error(), "chunk ") { // the first blob's
		t.Fatalf("flipped byte: problems %v", rep.Problems)
	}
	// A flipped byte in the pack's trailer (the last blob's plaintext
	// length): the pack's id is the trailer's hash.
	data[len(data)-packTail-8] ^= 0x01
	must(t, os.WriteFile(packs[0], data, 0o600))
	rep, err = r.Check(ctx, true)
	must(t, err)
	if len(rep.Problems) != 2 || !strings.Contains(rep.Problems[0].Error(), "trailer does not match its hash") {
		t.Fatalf("flipped trailer byte: problems %v", rep.Problems)
	}
	data[len(data)-packTail-8] ^= 0x01
	must(t, os.WriteFile(packs[0], data, 0o600))
	for _, p := range rep.Problems {
		if !errors.Is(p, ErrCorrupt) {
			t.Fatalf("problem %v does not wrap ErrCorrupt", p)
		}
	}
	pid, _ := parsePackKey("packs/" + filepath.Base(filepath.Dir(packs[0])) + "/" + filepath.Base(packs[0]))
	victim := fileWithBlobIn(t, r, "b", pid, 0)
	b, err := r.OpenBackup(ctx, "b")
	must(t, err)
	if _, err := b.ReadFile(ctx, victim); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("restore of %s with a flipped byte: %v", victim, err)
	}

	// A removed pack.
	must(t, os.Remove(packs[1]))
	rep, err = r.Check(ctx, false)
	must(t, err)
	if rep.OK() {
		t.Fatal("check misses a removed pack")
	}
	for _, p := range rep.Problems {
		if !errors.Is(p, ErrCorrupt) {
			t.Fatalf("problem %v does not wrap ErrCorrupt", p)
		}
	}
	pid, _ = parsePackKey("packs/" + filepath.Base(filepath.Dir(packs[1])) + "/" + filepath.Base(packs[1]))
	victim = fileWithBlobIn(t, r, "b", pid, -1)
	if _, err := b.ReadFile(ctx, victim); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("restore of %s from a removed pack: %v", victim, err)
	}
	// Prune refuses to work on a damaged repository.
	if _, err := r.Prune(ctx); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("prune of a damaged repository: %v", err)
	}
}

// fileWithBlobIn returns a file of backup id with a chunk in pack (at
// offset off, or anywhere if off < 0).
func fileWithBlobIn(t *testing.T, r *Repo, id string, pack PackID, off int) string {
	t.Helper()
	b, err := r.OpenBackup(context.Background(), id)
	must(t, err)
	for _, e := range b.Entries {
		for _, c := range e.Chunks {
			loc, _ := r.idx.lookup(c)
			if loc.pack == pack && (off < 0 || int(loc.offset) == off) {
				return e.Path
			}
		}
	}
	t.Fatalf("no file with a chunk in pack %s", pack)
	return ""
}

var _ = time.Second

// failIndexStore fails every Put of an index object while fail is set.
type failIndexStore struct {
	Store
	fail bool
}

func (f *failIndexStore) Put(ctx context.Context, key string, data []byte) error {
	if f.fail && strings.HasPrefix(key, indexPrefix) {
		return errors.New("injected failure")
	}
	return f.Store.Put(ctx, key, data)
}

// A prune that stopped after repacking (before its index) leaves the new
// packs as leftovers; the next prune repacks the same blobs into packs
// with the same ids, and must keep them rather than delete them as
// leftovers.
func TestPruneAfterInterruptedRepack(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	var files []fileSpec
	for i := range 24 {
		files = append(files, fileSpec{path: filepathf("g%02d", i), data: content(uint64(300+i), 40_000)})
	}
	writeTree(t, src, files)
	ls, err := NewLocalStore(t.TempDir())
	must(t, err)
	fs := &failIndexStore{Store: ls}
	r, err := Open(ctx, fs, Options{PackSize: 256 << 10, RepackBelow: 0.9})
	must(t, err)
	defer r.Close()
	backupTree(t, r, "all", src)
	for i := 1; i < len(files); i += 2 {
		must(t, os.Remove(filepath.Join(src, files[i].path)))
	}
	backupTree(t, r, "half", src)
	must(t, r.Delete(ctx, "all"))

	fs.fail = true
	if _, err := r.Prune(ctx); err == nil {
		t.Fatal("prune with its index write failing succeeded")
	}
	rep, err := r.Check(ctx, true)
	must(t, err)
	if !rep.OK() || len(rep.Leftovers) == 0 {
		t.Fatalf("after the failed prune: problems %v, leftovers %v", rep.Problems, rep.Leftovers)
	}
	fs.fail = false
	ps, err := r.Prune(ctx)
	must(t, err)
	if ps.RepackedPacks == 0 {
		t.Fatalf("second prune did not repack: %+v", ps)
	}
	checkClean(t, r, true)
	assertRestores(t, r, "half", src)
}

func TestRebuildIndex(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	variedTree(t, src)
	dir := t.TempDir()
	r, _ := openLocal(t, dir, Options{PackSize: 1 << 20})
	backupTree(t, r, "b1", src)
	before := stats(t, r)
	// Lose every index object.
	must(t, os.RemoveAll(filepath.Join(dir, "index")))
	r2, err := Open(ctx, r.store, Options{})
	must(t, err)
	defer r2.Close()
	b, err := r2.OpenBackup(ctx, "b1")
	must(t, err)
	if _, err := b.ReadFile(ctx, "a/big"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("restore without an index: %v", err)
	}
	rs, err := r2.RebuildIndex(ctx)
	must(t, err)
	if rs.Packs != before.Packs || rs.Blobs != before.Chunks || len(rs.Problems) != 0 {
		t.Fatalf("rebuilt %+v, the repository had %+v", rs, before)
	}
	assertRestores(t, r2, "b1", src)
	checkClean(t, r2, true)
	// A damaged index object: Open still works (so that RebuildIndex
	// can), Check reports it, Prune refuses, RebuildIndex repairs it.
	idxObjs, err := r2.store.List(ctx, indexPrefix)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, filepath.FromSlash(idxObjs[0].Key)), []byte("garbage"), 0o600))
	r3, err := Open(ctx, r.store, Options{})
	must(t, err)
	defer r3.Close()
	rep, err := r3.Check(ctx, false)
	must(t, err)
	if rep.OK() {
		t.Fatal("check misses a damaged index object")
	}
	if _, err := r3.Prune(ctx); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("prune with a damaged index: %v", err)
	}
	// (The rebuilt index has the damaged object's key: its content is
	// the same as before the damage, and the Put replaces it.)
	rs, err = r3.RebuildIndex(ctx)
	must(t, err)
	if rs.Packs != before.Packs {
		t.Fatalf("rebuild: %+v", rs)
	}
	checkClean(t, r3, true)
	assertRestores(t, r3, "b1", src)
	r2 = r3
	// A new backup dedups against the rebuilt index.
	if tot := backupTree(t, r2, "b2", src); tot.NewChunks != 0 {
		t.Fatalf("backup after rebuild stored %d chunks", tot.NewChunks)
	}
}

func TestAddFileFrom(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	variedTree(t, src)
	r, _ := openLocal(t, t.TempDir(), Options{PackSize: 1 << 20})
	t1 := backupTree(t, r, "b1", src)
	parent, err := r.OpenBackup(ctx, "b1")
	must(t, err)
	// One file changed (same size, new mtime): read; the rest reused.
	mutateFile(t, filepath.Join(src, "a/medium"))
	t2 := backupTreeFrom(t, r, "b2", src, parent)
	if t2.Files != t1.Files || t2.Bytes != t1.Bytes || t2.NewChunks != 1 {
		t.Fatalf("backup from a parent: %+v, first %+v", t2, t1)
	}
	assertRestores(t, r, "b2", src)

	// Once b1 and b2 are pruned away, their chunks are no longer there to
	// reuse.
	must(t, r.Delete(ctx, "b1"))
	must(t, r.Delete(ctx, "b2"))
	_, err = r.Prune(ctx)
	must(t, err)
	w, err := r.NewBackup(ctx, "b3")
	must(t, err)
	defer w.Abort()
	prev, _ := parent.Entry("multi")
	if _, err := w.AddFileFrom(Entry{Path: "multi"}, prev); !errors.Is(err, ErrNotFound) {
		t.Fatalf("reuse of pruned chunks: %v", err)
	}
}

// Prune keeps unindexed packs younger than Options.PruneGrace: they may
// be a writer's in another process, about to be indexed.
func TestPruneGrace(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r, s := openLocal(t, dir, Options{PruneGrace: time.Hour})
	var pb packBuilder
	data := content(5, 1000)
	pb.add(sha256.Sum256(data), data, len(data), 0)
	id, pack := pb.finish()
	must(t, s.Put(ctx, packKey(id), pack))
	ps, err := r.Prune(ctx)
	must(t, err)
	rep, err := r.Check(ctx, false)
	must(t, err)
	if ps.DeletedPacks != 0 || !slices.Equal(rep.Leftovers, []string{packKey(id)}) {
		t.Fatalf("prune within the grace period: %+v, leftovers %v", ps, rep.Leftovers)
	}
	r0, _ := openLocal(t, dir, Options{})
	ps, err = r0.Prune(ctx)
	must(t, err)
	if ps.DeletedPacks != 1 {
		t.Fatalf("prune without grace: %+v", ps)
	}
	checkClean(t, r0, true)
}

// countingStore records the reads of packs.
type countingStore struct {
	Store
	mu        sync.Mutex
	gets      int
	rangeRead int64
	ranges    int
}

func (c *countingStore) Get(ctx context.Context, key string) ([]byte, error) {
	if strings.HasPrefix(key, packsPrefix) {
		c.mu.Lock()
		c.gets++
		c.mu.Unlock()
	}
	return c.Store.Get(ctx, key)
}

func (c *countingStore) GetRange(ctx context.Context, key string, off, n int64) ([]byte, error) {
	c.mu.Lock()
	c.ranges++
	c.rangeRead += n
	c.mu.Unlock()
	return c.Store.GetRange(ctx, key, off, n)
}

// A restore reads the ranges of its file's blobs, adjacent ones together,
// and nothing else.
func TestRestoreReadsOnlyItsRanges(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	variedTree(t, src)
	ls, err := NewLocalStore(t.TempDir())
	must(t, err)
	cs := &countingStore{Store: ls}
	r, err := Open(ctx, cs, Options{PackSize: 64 << 20})
	must(t, err)
	defer r.Close()
	backupTree(t, r, "b", src)
	b, err := r.OpenBackup(ctx, "b")
	must(t, err)
	for _, p := range []string{"small.txt", "multi", "zeros"} {
		e, _ := b.Entry(p)
		var want int64
		seen := map[ChunkID]bool{}
		for _, c := range e.Chunks {
			if loc, _ := r.idx.lookup(c); !seen[c] {
				seen[c] = true
				want += int64(loc.length)
			}
		}
		cs.gets, cs.ranges, cs.rangeRead = 0, 0, 0
		if _, err := b.ReadFile(ctx, p); err != nil {
			t.Fatal(err)
		}
		if cs.gets != 0 || cs.rangeRead > want || cs.ranges > len(e.Chunks) {
			t.Fatalf("%s (%d chunks, %d distinct blob bytes): %d whole-pack reads, %d range reads of %d bytes",
				p, len(e.Chunks), want, cs.gets, cs.ranges, cs.rangeRead)
		}
		t.Logf("%s: %d chunks, %d range reads, %d bytes", p, len(e.Chunks), cs.ranges, cs.rangeRead)
	}
}

// TestChunksAroundTheMinimum checks that files read straight into one
// chunk (shorter than the chunker's minimum) and files around that size
// are cut exactly where the chunker alone cuts them: otherwise a backup
// would stop deduplicating against repositories written before.
func TestChunksAroundTheMinimum(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	r, _ := openLocal(t, t.TempDir(), Options{})
	minSize := int(r.cfg.MinChunk)
	sizes := []int{0, 1, minSize - 1, minSize, minSize + 1, 3*minSize + 7, 8 * minSize}
	var files []fileSpec
	for i, n := range sizes {
		files = append(files, fileSpec{path: sprintf("f%d", i), data: content(uint64(i+1), n)})
	}
	writeTree(t, src, files)
	backupTree(t, r, "b1", src)
	b, err := r.OpenBackup(ctx, "b1")
	must(t, err)
	for _, f := range files {
		e, ok := b.Entry(f.path)
		if !ok {
			t.Fatalf("%s not in the backup", f.path)
		}
		ch, err := r.cfg.newChunker()
		must(t, err)
		ch.reset(bytes.NewReader(f.data))
		var want []ChunkID
		for {
			c, err := ch.next(nil)
			if err != nil {
				break
			}
			want = append(want, sha256.Sum256(c))
		}
		if !slices.Equal(e.Chunks, want) {
			t.Errorf("%s (%d bytes): chunks %v, the chunker cuts %v", f.path, len(f.data), e.Chunks, want)
		}
		if sum := sha256.Sum256(f.data); e.SHA256 != hex.EncodeToString(sum[:]) || e.Size != int64(len(f.data)) {
			t.Errorf("%s: sha256 %s size %d", f.path, e.SHA256, e.Size)
		}
	}
	assertRestores(t, r, "b1", src)
}
