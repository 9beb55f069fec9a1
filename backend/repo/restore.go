package repo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Backup is a committed backup, as its manifest describes it.
type Backup struct {
	ID        string
	CreatedAt time.Time
	Totals    Totals
	// Labels are what the writer set with SetLabels.
	Labels map[string]string
	// Entries are the backup's entries in the order they were added.
	Entries []Entry

	r      *Repo
	byPath map[string]int
}

// OpenBackup reads the manifest of backup id. A backup that does not
// exist is an error wrapping ErrNotFound, an invalid manifest one wrapping
// ErrCorrupt.
func (r *Repo) OpenBackup(ctx context.Context, id string) (*Backup, error) {
	if err := checkBackupID(id); err != nil {
		return nil, err
	}
	data, err := r.store.Get(ctx, manifestKey(id))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("repo: backup %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("repo: backup %s: %w", id, err)
	}
	created, t, entries, labels, err := decodeManifest(id, data)
	if err != nil {
		return nil, err
	}
	if err := r.ensureIndexed(ctx, entries); err != nil {
		return nil, err
	}
	b := &Backup{ID: id, CreatedAt: created, Totals: t, Labels: labels, Entries: entries, r: r, byPath: make(map[string]int, len(entries))}
	for i := range entries {
		b.byPath[entries[i].Path] = i
	}
	return b, nil
}

// ensureIndexed reloads the index when entries reference a chunk this
// Repo does not know: the backup was committed by another Repo on the
// same store (another process, or an earlier one this Repo was opened
// before). What it loads is merged into the index, so that a commit of
// this Repo between the listing and the merge is not lost.
func (r *Repo) ensureIndexed(ctx context.Context, entries []Entry) error {
	r.mu.RLock()
	missing := false
	for i := range entries {
		for _, c := range entries[i].Chunks {
			if _, ok := r.idx.lookup(c); !ok {
				missing = true
				break
			}
		}
		if missing {
			break
		}
	}
	r.mu.RUnlock()
	if !missing {
		return nil
	}
	loaded, _, _, err := loadIndex(ctx, r.store)
	if err != nil {
		return err
	}
	r.mu.Lock()
	for id, p := range loaded.packs {
		if _, ok := r.idx.packs[id]; !ok {
			r.idx.add(id, p.size, p.blobs)
		}
	}
	r.mu.Unlock()
	return nil
}

// RecentBackups lists the committed backups' ids, the newest manifest
// first (by the store's modification time).
func (r *Repo) RecentBackups(ctx context.Context) ([]string, error) {
	objs, err := r.store.List(ctx, manifestsPrefix)
	if err != nil {
		return nil, fmt.Errorf("repo: list backups: %w", err)
	}
	slices.SortFunc(objs, func(a, b ObjectInfo) int { return b.ModTime.Compare(a.ModTime) })
	ids := make([]string, 0, len(objs))
	for _, o := range objs {
		if id := strings.TrimPrefix(o.Key, manifestsPrefix); checkBackupID(id) == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Backups lists the committed backups' ids, sorted.
func (r *Repo) Backups(ctx context.Context) ([]string, error) {
	objs, err := r.store.List(ctx, manifestsPrefix)
	if err != nil {
		return nil, fmt.Errorf("repo: list backups: %w", err)
	}
	ids := make([]string, 0, len(objs))
	for _, o := range objs {
		id := strings.TrimPrefix(o.Key, manifestsPrefix)
		if checkBackupID(id) == nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// Entry returns the entry of path p.
func (b *Backup) Entry(p string) (*Entry, bool) {
	i, ok := b.byPath[p]
	if !ok {
		return nil, false
	}
	return &b.Entries[i], true
}

// maxFetch bounds one range read of a restore: adjacent blobs of one pack
// are fetched together up to this many bytes.
const maxFetch = 16 << 20

// fetchRun is blobs adjacent in one pack, fetched with one range read.
type fetchRun struct {
	pack   PackID
	offset int64
	length int64
	blobs  []blobLoc // with repetitions, in the file's order
}

// WriteFile writes the content of file e (one of b.Entries) to out. It
// reads only the ranges of the packs that hold e's chunks (adjacent blobs
// together), and verifies every chunk's SHA-256, and the whole content's
// size and SHA-256, before returning: a mismatch, a chunk missing from
// the index or a missing pack is an error wrapping ErrCorrupt. out has
// then received (some of) the content: a caller writing to a file should
// remove it. progress, if not nil, is called with the bytes written so far.
// It holds the repository's shared lock (waiting for a Prune of another
// process); if that is lost midway the error wraps ErrLockLost.
func (b *Backup) WriteFile(ctx context.Context, e *Entry, out io.Writer, progress func(done int64)) (err error) {
	if e.Type != TypeFile {
		return fmt.Errorf("repo: backup %s: %s is a %s, not a file", b.ID, e.Path, e.Type)
	}
	r := b.r
	// Prune must not repack the packs away while we read them.
	lk, err := r.lockShared(ctx, "restore")
	if err != nil {
		return fmt.Errorf("repo: backup %s: %s: %w", b.ID, e.Path, err)
	}
	defer r.unlockShared(lk)
	ctx, cancel := withLock(ctx, lk)
	defer cancel()
	defer func() { err = lockErr(lk, err) }()
	runs, err := b.plan(e)
	if err != nil {
		return err
	}
	h := sha256.New()
	var done int64
	var zbuf []byte
	// The next run is fetched while this one is decompressed and
	// written: on a remote store the fetch's latency is the bottleneck.
	type fetched struct {
		data []byte
		err  error
	}
	fetch := func(run *fetchRun) chan fetched {
		ch := make(chan fetched, 1)
		go func() {
			d, err := r.store.GetRange(ctx, packKey(run.pack), run.offset, run.length)
			ch <- fetched{d, err}
		}()
		return ch
	}
	var next chan fetched
	if len(runs) > 0 {
		next = fetch(&runs[0])
	}
	for i := range runs {
		run := &runs[i]
		f := <-next
		if i+1 < len(runs) {
			next = fetch(&runs[i+1])
		}
		if f.err != nil {
			// Let the prefetch finish so no goroutine outlives us.
			if i+1 < len(runs) {
				<-next
			}
			if errors.Is(f.err, ErrNotFound) {
				return fmt.Errorf("repo: backup %s: %s: %w: pack %s: %w", b.ID, e.Path, ErrCorrupt, run.pack, f.err)
			}
			return fmt.Errorf("repo: backup %s: %s: %w", b.ID, e.Path, f.err)
		}
		for _, bl := range run.blobs {
			off := int64(bl.offset) - run.offset
			var plain []byte
			plain, err = r.decodeBlob(bl.id, f.data[off:off+int64(bl.length)], bl.flags, int(bl.rawLen), zbuf)
			if bl.flags&blobZstd != 0 {
				zbuf = plain // reused for the next blob; a raw blob is f.data's
			}
			if err == nil {
				h.Write(plain)
				_, err = out.Write(plain)
			}
			if err != nil {
				if i+1 < len(runs) {
					<-next
				}
				return fmt.Errorf("repo: backup %s: %s: %w", b.ID, e.Path, err)
			}
			done += int64(len(plain))
			if progress != nil {
				progress(done)
			}
		}
	}
	if done != e.Size {
		return corruptf("backup %s: %s: %d bytes, manifest says %d", b.ID, e.Path, done, e.Size)
	}
	if hex.EncodeToString(h.Sum(nil)) != e.SHA256 {
		return corruptf("backup %s: %s: content does not match its SHA-256", b.ID, e.Path)
	}
	return nil
}

// plan resolves e's chunks with the index and groups them into runs.
func (b *Backup) plan(e *Entry) ([]fetchRun, error) {
	r := b.r
	r.mu.RLock()
	defer r.mu.RUnlock()
	var runs []fetchRun
	for _, c := range e.Chunks {
		loc, ok := r.idx.lookup(c)
		if !ok {
			return nil, corruptf("backup %s: %s: chunk %s is in no index", b.ID, e.Path, c)
		}
		if n := len(runs); n > 0 {
			last := &runs[n-1]
			end := last.offset + last.length
			switch {
			case last.pack == loc.pack && int64(loc.offset) >= last.offset && int64(loc.offset)+int64(loc.length) <= end:
				// A repeated chunk already in the run.
				last.blobs = append(last.blobs, loc)
				continue
			case last.pack == loc.pack && int64(loc.offset) == end && last.length+int64(loc.length) <= maxFetch:
				last.length += int64(loc.length)
				last.blobs = append(last.blobs, loc)
				continue
			}
		}
		runs = append(runs, fetchRun{pack: loc.pack, offset: int64(loc.offset), length: int64(loc.length), blobs: []blobLoc{loc}})
	}
	return runs, nil
}

// ReadFile returns the content of file p, verified as WriteFile does
// (for small files and tests).
func (b *Backup) ReadFile(ctx context.Context, p string) ([]byte, error) {
	e, ok := b.Entry(p)
	if !ok {
		return nil, fmt.Errorf("repo: backup %s: %s: %w", b.ID, p, ErrNotFound)
	}
	var buf sliceWriter
	if err := b.WriteFile(ctx, e, &buf, nil); err != nil {
		return nil, err
	}
	return buf, nil
}

type sliceWriter []byte

func (s *sliceWriter) Write(p []byte) (int, error) { *s = append(*s, p...); return len(p), nil }

// Delete deletes backup id: its manifest. The data only it referenced
// stays until Prune.
func (r *Repo) Delete(ctx context.Context, id string) error {
	if err := checkBackupID(id); err != nil {
		return err
	}
	lk, err := r.lockShared(ctx, "delete")
	if err != nil {
		return fmt.Errorf("repo: delete backup %s: %w", id, err)
	}
	defer r.unlockShared(lk)
	switch _, err := r.store.Stat(ctx, manifestKey(id)); {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("repo: backup %s: %w", id, ErrNotFound)
	case err != nil:
		return fmt.Errorf("repo: delete backup %s: %w", id, err)
	}
	if err := r.store.Delete(ctx, manifestKey(id)); err != nil {
		return fmt.Errorf("repo: delete backup %s: %w", id, err)
	}
	return nil
}
