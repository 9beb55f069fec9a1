package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/manilite/manilite/backend/repo"
)

// Backups are kept in a deduplicating repository (package backend/repo):
// a share's files are cut into content-defined chunks, and a chunk already
// in the repository is never stored again, so the second backup of a
// mostly unchanged share costs little time and space. This file walks a
// share into the repository and restores a repository backup into a
// share; backup.go keeps the backups made before the repository (one
// archive folder each), which stay restorable.

// repoEntry is e as the repository keeps it.
func repoEntry(e *entry) repo.Entry {
	var t repo.EntryType
	switch e.typ {
	case typeDir:
		t = repo.TypeDir
	case typeFile:
		t = repo.TypeFile
	case typeSymlink:
		t = repo.TypeSymlink
	}
	return repo.Entry{Path: e.path, Type: t, Mode: e.mode, UID: e.uid, GID: e.gid, MTime: e.mtime, Size: e.size, Target: e.target,
		Inode: e.inode, CTime: e.ctime}
}

// treeEntry is the repository's entry e as the tree writer takes it.
func treeEntry(e *repo.Entry) entry {
	var t entryType
	switch e.Type {
	case repo.TypeDir:
		t = typeDir
	case repo.TypeFile:
		t = typeFile
	case repo.TypeSymlink:
		t = typeSymlink
	}
	return entry{path: e.Path, typ: t, mode: e.Mode, uid: e.UID, gid: e.GID, mtime: e.MTime, size: e.Size, target: e.Target, sha256: e.SHA256}
}

// repoInfo is what a repository backup holds, as BackupInfo says it.
func repoInfo(t repo.Totals, skipped []string) BackupInfo {
	if skipped == nil {
		skipped = []string{}
	}
	slices.Sort(skipped)
	return BackupInfo{Files: t.Files, Dirs: t.Dirs, Symlinks: t.Symlinks, Bytes: t.Bytes, ArchiveBytes: t.NewStoredBytes, Skipped: skipped}
}

// committedInfo is repoInfo of a committed backup.
func committedInfo(b *repo.Backup) BackupInfo {
	var skipped []string
	_ = json.Unmarshal([]byte(b.Labels[labelSkipped]), &skipped) // none, if the label is bad
	return repoInfo(b.Totals, skipped)
}

// repoError maps the repository's errors to the package's.
func repoError(id string, err error) error {
	switch {
	case errors.Is(err, repo.ErrNotFound):
		return fmt.Errorf("backend: backup %s: %w: %w", id, ErrBackupNotFound, err)
	case errors.Is(err, repo.ErrCorrupt):
		return fmt.Errorf("backend: backup %s: %w: %w", id, ErrCorruptBackup, err)
	}
	return err
}

// fileReaders is how many files a backup reads at once.
const fileReaders = 2

// parentSearch bounds how many of the newest manifests a backup reads to
// find the share's last backup.
const parentSearch = 16

// parentBackup is the newest backup of share shareID among the
// repository's parentSearch newest: the one a new backup takes unchanged
// files from. nil when there is none (or it cannot be read: the new
// backup then reads every file).
func (l *Local) parentBackup(ctx context.Context, shareID string) *repo.Backup {
	ids, err := l.repo.RecentBackups(ctx)
	if err != nil {
		return nil
	}
	for _, id := range ids[:min(len(ids), parentSearch)] {
		if b, err := l.repo.OpenBackup(ctx, id); err == nil && b.Labels[labelShare] == shareID {
			return b
		}
	}
	return nil
}

// unchanged reports whether file e is, by its metadata, the file prev of
// the parent backup: same size, mtime, ctime and inode (as restic judges
// it). A write changes mtime and ctime; setting mtime back still moves
// ctime.
func unchanged(e *entry, prev *repo.Entry) bool {
	return prev.Type == repo.TypeFile && prev.Size == e.size && prev.MTime.Equal(e.mtime) &&
		prev.Inode == e.inode && prev.Inode != 0 && prev.CTime.Equal(e.ctime) && !prev.CTime.IsZero()
}

// The manifest labels of a backup: the share it is of, and the entries
// it skipped (a JSON array of paths).
const (
	labelShare   = "share_id"
	labelSkipped = "skipped"
)

// writeRepoBackup walks share src into the repository as backup backupID
// and commits it: the backup is in the repository whole, or not at all.
func (l *Local) writeRepoBackup(ctx context.Context, src, shareID, backupID string, o backupOptions, progressFn func(int)) (BackupInfo, error) {
	scan, err := startScan(ctx, src)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return BackupInfo{}, fmt.Errorf("backend: backup of share %s: %w", shareID, ErrShareNotFound)
		}
		return BackupInfo{}, err
	}
	defer scan.stop()
	// The percentages wait for the walk's total.
	prog := newProgress(progressFn, -1)
	w, err := l.repo.NewBackup(ctx, backupID)
	if err != nil {
		return BackupInfo{}, err
	}
	defer w.Abort() // after Commit it does nothing
	if err := w.SetCompression(o.compress, o.level); err != nil {
		return BackupInfo{}, err
	}

	r, err := openTreeReader(src, scan.root)
	if err != nil {
		return BackupInfo{}, err
	}
	defer r.close()
	// The previous backup's manifest is read while the walk starts.
	parentDone := make(chan struct{})
	var parent *repo.Backup
	go func() {
		defer close(parentDone)
		parent = l.parentBackup(ctx, shareID)
	}()
	defer func() { <-parentDone }()
	unchangedFiles := 0
	// Files are read by fileReaders goroutines at once: chunking, hashing
	// and compressing a file is CPU work that one goroutine cannot keep
	// two cores busy with. The walk opens them, in order (the tree
	// reader's directory descriptors are the walk's), and only once a
	// reader is free: a file is read right after it is opened, as a
	// sequential backup would.
	type fileJob struct {
		e repo.Entry
		f *srcFile
	}
	jobs := make(chan fileJob, fileReaders)
	free := make(chan struct{}, fileReaders) // a token per busy reader
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var errMu sync.Mutex
	var firstErr error
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
		cancel()
	}
	readErr := func() error {
		errMu.Lock()
		defer errMu.Unlock()
		return firstErr
	}
	var readers sync.WaitGroup
	for range fileReaders {
		readers.Go(func() {
			for j := range jobs {
				if rctx.Err() == nil {
					content := &copyReader{ctx: rctx, f: j.f, path: j.e.Path, left: j.e.Size, limit: l.limit, progress: prog}
					if _, err := w.AddFile(rctx, j.e, content); err != nil {
						fail(err)
					}
				}
				j.f.Close()
				<-free
			}
		})
	}
	stopReaders := sync.OnceFunc(func() { close(jobs); readers.Wait() })
	defer stopReaders()
	add := func(e *entry) error {
		if !utf8.ValidString(e.path) || !utf8.ValidString(e.target) {
			return fmt.Errorf("backend: backup of share %s: %q: names and link targets that are not UTF-8 are not supported", shareID, e.path)
		}
		switch e.typ {
		case typeDir:
			if e.path != "." {
				if err := r.enterDir(e); err != nil {
					return err
				}
			}
			return w.AddDir(repoEntry(e))
		case typeSymlink:
			return w.AddSymlink(repoEntry(e))
		}
		<-parentDone
		if parent != nil {
			if prev, ok := parent.Entry(e.path); ok && unchanged(e, prev) {
				_, err := w.AddFileFrom(repoEntry(e), prev)
				if err == nil {
					prog.add(e.size)
					unchangedFiles++
					return nil
				}
				if !errors.Is(err, repo.ErrNotFound) {
					return err
				}
				// A chunk of it was pruned since: read the file.
			}
		}
		select {
		case free <- struct{}{}:
		case <-rctx.Done():
			if err := readErr(); err != nil {
				return err
			}
			return rctx.Err()
		}
		f, err := r.openFile(e)
		if err != nil {
			<-free
			return err
		}
		jobs <- fileJob{e: repoEntry(e), f: f} // never blocks: a reader is free
		return nil
	}
	if err := add(&scan.root); err != nil {
		return BackupInfo{}, err
	}
	walked := false
	for batch := range scan.batches {
		for i := range batch {
			if !walked {
				select {
				case <-scan.done:
					walked = true
					prog.setTotal(scan.total)
				default:
				}
			}
			if err := add(&batch[i]); err != nil {
				return BackupInfo{}, err
			}
		}
	}
	stopReaders()
	if err := readErr(); err != nil {
		return BackupInfo{}, err
	}
	if scan.err != nil {
		return BackupInfo{}, scan.err
	}
	if !walked {
		prog.setTotal(scan.total)
	}
	skipped, err := json.Marshal(scan.skipped)
	if err != nil {
		return BackupInfo{}, err
	}
	w.SetLabels(map[string]string{labelShare: shareID, labelSkipped: string(skipped)})
	totals, err := w.Commit(ctx)
	if err != nil {
		return BackupInfo{}, err
	}
	info := repoInfo(totals, scan.skipped)
	info.Unchanged = unchangedFiles
	return info, nil
}

// extractRepo writes repository backup b as a new tree named work in the
// shares folder, verifying every chunk and file as it goes, and syncs it.
func (l *Local) extractRepo(ctx context.Context, b *repo.Backup, work string, prog *progress) error {
	if len(b.Entries) == 0 || b.Entries[0].Path != "." || b.Entries[0].Type != repo.TypeDir {
		return corruptf("backup %s: the manifest does not start with the root directory", b.ID)
	}
	tw, err := newTreeWriter(l.root, work, treeEntry(&b.Entries[0]))
	if err != nil {
		return err
	}
	defer tw.close()
	ctx, cancel := context.WithCancel(ctx)
	ahead := prefetch(ctx, b)
	defer func() {
		cancel() // on an error, the fetchers stop early
		ahead.wait()
	}()
	for i := 1; i < len(b.Entries); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		re := &b.Entries[i]
		e := treeEntry(re)
		switch e.typ {
		case typeDir:
			err = tw.mkdir(&e)
		case typeSymlink:
			err = tw.symlink(&e)
		case typeFile:
			err = tw.file(&e, func(f *os.File) error {
				out := &limitedWriter{ctx: ctx, w: f, limit: l.limit, progress: prog}
				if re.Size <= prefetchMax {
					data, err := ahead.next(i)
					if err != nil {
						return repoError(b.ID, err)
					}
					_, err = out.Write(data)
					return err
				}
				return repoError(b.ID, b.WriteFile(ctx, re, out, nil))
			})
		}
		if err != nil {
			return err
		}
	}
	return tw.finish()
}

// A restore fetches, decompresses and verifies the content of the small
// files ahead of the writer, on restoreFetchers goroutines, so that both
// cores work on a tree of many small files; large ones are streamed by
// the writer itself. At most prefetchFiles files (of prefetchMax bytes at
// most) are held in memory.
const (
	restoreFetchers = 2
	prefetchFiles   = 32
	prefetchMax     = 1 << 20
)

// fetchedFile is one small file's content, once done is closed.
type fetchedFile struct {
	index int // in the backup's entries
	data  []byte
	err   error
	done  chan struct{}
}

// prefetcher fetches a backup's small files in entry order.
type prefetcher struct {
	queue chan *fetchedFile // in entry order, bounded
	wg    sync.WaitGroup
}

func prefetch(ctx context.Context, b *repo.Backup) *prefetcher {
	p := &prefetcher{queue: make(chan *fetchedFile, prefetchFiles)}
	work := make(chan *fetchedFile)
	for range restoreFetchers {
		p.wg.Go(func() {
			for f := range work {
				var buf bytes.Buffer
				re := &b.Entries[f.index]
				buf.Grow(int(re.Size))
				f.err = b.WriteFile(ctx, re, &buf, nil)
				f.data = buf.Bytes()
				close(f.done)
			}
		})
	}
	p.wg.Go(func() {
		defer close(p.queue)
		defer close(work)
		for i := 1; i < len(b.Entries); i++ {
			if re := &b.Entries[i]; re.Type != repo.TypeFile || re.Size > prefetchMax {
				continue
			}
			f := &fetchedFile{index: i, done: make(chan struct{})}
			select {
			case p.queue <- f: // the window: the writer takes them in order
			case <-ctx.Done():
				return
			}
			select {
			case work <- f:
			case <-ctx.Done():
				f.err = ctx.Err()
				close(f.done)
				return
			}
		}
	})
	return p
}

// next returns the content of the small file at entry index i, the next
// one in order.
func (p *prefetcher) next(i int) ([]byte, error) {
	f, ok := <-p.queue
	if !ok {
		return nil, context.Canceled
	}
	<-f.done
	if f.index != i {
		return nil, fmt.Errorf("backend: restore prefetched entry %d, the writer is at %d", f.index, i)
	}
	return f.data, f.err
}

// wait waits for the fetchers to stop (the caller cancels their context
// first, or has taken every file).
func (p *prefetcher) wait() {
	for range p.queue { // unblock the producer
	}
	p.wg.Wait()
}

// limitedWriter passes writes through to w under the rate limit, counting
// them as progress.
type limitedWriter struct {
	ctx      context.Context
	w        io.Writer
	limit    *rateLimiter
	progress *progress
}

// Write takes p in pieces of the limit's chunk, so that sleeps and
// progress come in steps as small as a copy's (a restore writes a chunk,
// about 1 MiB, at a time).
func (lw *limitedWriter) Write(p []byte) (int, error) {
	done := 0
	for len(p) > 0 {
		if err := lw.ctx.Err(); err != nil {
			return done, err
		}
		piece := p[:min(len(p), lw.limit.chunk(1<<20))]
		n, err := lw.w.Write(piece)
		done += n
		if err != nil {
			return done, err
		}
		if err := lw.limit.take(lw.ctx, n); err != nil {
			return done, err
		}
		lw.progress.add(int64(n))
		p = p[n:]
	}
	return done, nil
}

// CheckBackups verifies the backup repository (see repo.Repo.Check): with
// readData it re-reads and re-hashes every stored byte.
func (l *Local) CheckBackups(ctx context.Context, readData bool) (*repo.CheckReport, error) {
	return l.repo.Check(ctx, readData)
}

// PruneBackups frees what no backup in the repository references any
// more: what DeleteBackup left when it could not prune, and the leftovers
// of backups and prunes a crash interrupted.
func (l *Local) PruneBackups(ctx context.Context) (repo.PruneStats, error) {
	return l.repo.Prune(ctx)
}

// BackupStats counts what the backup repository stores.
func (l *Local) BackupStats(ctx context.Context) (repo.Stats, error) {
	return l.repo.Stats(ctx)
}

// Close closes the backup repository.
func (l *Local) Close() error { return l.repo.Close() }

// Backups lists the ids of the backups there are, sorted: those in the
// repository and those made before it.
func (l *Local) Backups(ctx context.Context) ([]string, error) {
	ids, err := l.repo.Backups(ctx)
	if err != nil {
		return nil, err
	}
	des, err := os.ReadDir(l.backups)
	if err != nil {
		return nil, err
	}
	for _, de := range des {
		if checkID("backup", de.Name()) != nil || !de.IsDir() {
			continue
		}
		if _, err := readManifest(filepath.Join(l.backups, de.Name()), de.Name()); err == nil {
			ids = append(ids, de.Name())
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}
