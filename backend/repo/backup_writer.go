package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// BackupWriter writes one backup. Its Add methods are safe for
// concurrent use: a caller on more than one core can read several files
// at once. Besides, chunks are hashed, compressed and uploaded by
// goroutines of the writer's own while the callers read on. Whatever the
// order they were added in, the manifest lists the entries depth first,
// each directory's entries sorted by name (package backend's walk order).
//
// Errors of the background work (a failed upload) are returned by the
// next Add call or by Commit. After an error the backup can only be
// aborted. Commit and Abort must not run concurrently with Add calls.
type BackupWriter struct {
	r       *Repo
	id      string
	created time.Time
	ctx     context.Context // the uploads'; cancelled by Abort
	cancel  context.CancelFunc

	entriesMu sync.Mutex // guards entries, seen, totals
	entries   []*pendingEntry
	seen      map[string]bool
	totals    Totals

	progress      func(done, total int64)
	progressTotal int64

	chunkers  *freeList[contentChunker] // each with its scan buffer
	jobs      chan *chunkJob
	workersWG sync.WaitGroup
	uploads   chan *packBuilder
	uploadWG  sync.WaitGroup
	bufs      *freeList[*[]byte] // chunk buffers, of MaxChunk capacity
	packBufs  *freeList[*[]byte] // the buffers of uploaded packs, for new ones

	mu       sync.Mutex // guards what follows, shared with the workers
	pending  map[ChunkID]bool
	uploaded []packRecord
	newStats Totals // NewChunks, NewBytes, NewStoredBytes, NewPacks
	err      error

	closed bool
	// labels go into the manifest; compress and enc are SetCompression's.
	labels     map[string]string
	noCompress bool
	enc        *zstd.Encoder
	locked     bool       // holds r.lock for reading, and slock
	slock      *storeLock // the shared repository lock
	stopLost   func() bool
}

// pendingEntry is an entry added, with its file's chunks on their way.
type pendingEntry struct {
	Entry
	jobs []*chunkJob // ids set by the workers
}

// chunkJob is a chunk on its way from AddFile to a pack.
type chunkJob struct {
	data   *[]byte // the plaintext; returned to bufs once stored
	id     ChunkID // set by the worker that hashes it, or by AddFile
	hashed bool    // id is set already (a one-chunk file: its SHA-256)
}

// NewBackup starts backup id (a store key element: no slashes, not
// starting with a dot). ctx bounds the backup's uploads until Commit or
// Abort, and the wait for the repository's shared lock (while a Prune of
// another process runs). A backup that is neither committed nor aborted
// keeps Prune (of every process) waiting, so call Abort (it is a no-op
// after Commit) in a defer. If the lock is lost (not refreshed in time),
// the uploads stop and Commit fails with an error wrapping ErrLockLost.
func (r *Repo) NewBackup(ctx context.Context, id string) (*BackupWriter, error) {
	if err := checkBackupID(id); err != nil {
		return nil, err
	}
	switch _, err := r.store.Stat(ctx, manifestKey(id)); {
	case err == nil:
		return nil, fmt.Errorf("repo: backup %s: %w", id, ErrExists)
	case !errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("repo: backup %s: %w", id, err)
	}
	r.mu.Lock()
	if r.writing[id] {
		r.mu.Unlock()
		return nil, fmt.Errorf("repo: backup %s: %w (in progress)", id, ErrExists)
	}
	r.writing[id] = true
	r.mu.Unlock()
	lk, err := r.lockShared(ctx, "backup")
	if err != nil {
		r.mu.Lock()
		delete(r.writing, id)
		r.mu.Unlock()
		return nil, fmt.Errorf("repo: backup %s: %w", id, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	w := &BackupWriter{
		r: r, id: id, created: time.Now().UTC(), ctx: cctx, cancel: cancel,
		seen: map[string]bool{},
		jobs: make(chan *chunkJob, 2*r.opts.Workers),
		// With two uploaders one pack is written while the next
		// fills; more would only hold more packs in memory.
		uploads: make(chan *packBuilder, 1),
		pending: map[ChunkID]bool{},
		locked:  true,
		slock:   lk,
	}
	w.stopLost = context.AfterFunc(lk.ctx, func() {
		if err := lk.Err(); errors.Is(err, ErrLockLost) {
			w.fail(fmt.Errorf("repo: backup %s: %w", id, err))
		}
		cancel()
	})
	// The lists keep what a backup has in flight: a chunk being read and
	// one held by each reader, the queued jobs, one per worker; a pack
	// filling in each worker, one queued and one per uploader.
	w.bufs = newFreeList(4*r.opts.Workers+4, func() *[]byte { b := make([]byte, 0, r.cfg.MaxChunk); return &b })
	w.packBufs = newFreeList(r.opts.Workers+3, func() *[]byte { return nil })
	w.chunkers = newFreeList(4, func() contentChunker {
		c, _ := r.cfg.newChunker() // its config was checked by Open
		return c
	})
	for range r.opts.Workers {
		w.workersWG.Add(1)
		go w.worker()
	}
	for range 2 {
		w.uploadWG.Add(1)
		go w.uploader()
	}
	return w, nil
}

// SetProgress makes the writer call fn with the content bytes read so
// far and total (what the caller expects the backup to read) after each
// chunk. fn is called with the writer's lock held: it must be quick and
// not call the writer. Call SetProgress before the first Add.
func (w *BackupWriter) SetProgress(total int64, fn func(done, total int64)) {
	w.progressTotal, w.progress = total, fn
}

func (w *BackupWriter) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

func (w *BackupWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// addEntry checks e and appends it.
func (w *BackupWriter) addEntry(e Entry) (*pendingEntry, error) {
	if w.closed {
		return nil, fmt.Errorf("repo: backup %s: %w", w.id, ErrClosed)
	}
	if err := w.failed(); err != nil {
		return nil, err
	}
	if err := checkEntryPath(e.Path); err != nil {
		return nil, fmt.Errorf("repo: backup %s: %w", w.id, err)
	}
	if e.Mode&^ModeBits != 0 {
		return nil, fmt.Errorf("repo: backup %s: %q: mode %#o has bits beyond %#o", w.id, e.Path, e.Mode, ModeBits)
	}
	w.entriesMu.Lock()
	defer w.entriesMu.Unlock()
	if w.seen[e.Path] {
		return nil, fmt.Errorf("repo: backup %s: %q added twice", w.id, e.Path)
	}
	w.seen[e.Path] = true
	pe := &pendingEntry{Entry: e}
	w.entries = append(w.entries, pe)
	switch e.Type {
	case TypeDir:
		w.totals.Dirs++
	case TypeSymlink:
		w.totals.Symlinks++
	}
	return pe, nil
}

// AddDir adds directory e (its Path, Mode, UID, GID and MTime count).
func (w *BackupWriter) AddDir(e Entry) error {
	e.Type, e.Size, e.Target, e.SHA256, e.Chunks = TypeDir, 0, "", "", nil
	_, err := w.addEntry(e)
	return err
}

// AddSymlink adds symbolic link e to e.Target.
func (w *BackupWriter) AddSymlink(e Entry) error {
	if e.Target == "" {
		return fmt.Errorf("repo: backup %s: symlink %q without target", w.id, e.Path)
	}
	e.Type, e.Size, e.SHA256, e.Chunks = TypeSymlink, 0, "", nil
	_, err := w.addEntry(e)
	return err
}

// AddFile adds regular file e with the content content reads (to its
// end; e.Size is set from it) and returns the content's hex SHA-256.
// The content is chunked and hashed here; compression and upload go on in
// the background, so AddFile returns before the file is stored.
func (w *BackupWriter) AddFile(ctx context.Context, e Entry, content io.Reader) (string, error) {
	e.Type, e.Target, e.Chunks = TypeFile, "", nil
	pe, err := w.addEntry(e)
	if err != nil {
		return "", err
	}
	sum, err := w.addContent(ctx, pe, content)
	if err != nil {
		// The entry stays, without content: Commit refuses a backup
		// that had an error, and the caller aborts.
		w.fail(err)
		return "", err
	}
	return sum, nil
}

func (w *BackupWriter) addContent(ctx context.Context, pe *pendingEntry, content io.Reader) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("repo: backup %s: %w", w.id, err)
	}
	// A file shorter than the chunker's minimum is one chunk whatever
	// the chunker, so it is read straight into its chunk's buffer: most
	// files of a share are that small, and the chunker would copy each
	// of their bytes once more.
	buf := w.bufs.get()
	head := (*buf)[:w.r.cfg.MinChunk]
	n, err := io.ReadFull(content, head)
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return w.addSmall(pe, buf, head[:n])
	case nil:
		// Longer: the chunker reads the head again from buf.
		defer w.bufs.put(buf)
		return w.addChunked(ctx, pe, io.MultiReader(bytes.NewReader(head), content))
	default:
		w.bufs.put(buf)
		return "", fmt.Errorf("repo: backup %s: read %s: %w", w.id, pe.Path, err)
	}
}

// addSmall adds data, the whole content of pe (in buf), as its one chunk
// (none when it is empty), the file's SHA-256 its id.
func (w *BackupWriter) addSmall(pe *pendingEntry, buf *[]byte, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	var jobs []*chunkJob
	if len(data) > 0 {
		*buf = data
		jobs = []*chunkJob{{data: buf, id: sum, hashed: true}}
		select {
		case w.jobs <- jobs[0]:
		case <-w.ctx.Done():
			return "", fmt.Errorf("repo: backup %s: %w", w.id, w.ctx.Err())
		}
	} else {
		w.bufs.put(buf)
	}
	hexSum := hex.EncodeToString(sum[:])
	pe.Size, pe.SHA256, pe.jobs = int64(len(data)), hexSum, jobs
	w.entriesMu.Lock()
	w.totals.Bytes += int64(len(data))
	if w.progress != nil {
		w.progress(w.totals.Bytes, w.progressTotal)
	}
	w.totals.Files++
	w.totals.Chunks += len(jobs)
	w.entriesMu.Unlock()
	return hexSum, nil
}

// addChunked adds content, cut by the repository's chunker, to pe.
func (w *BackupWriter) addChunked(ctx context.Context, pe *pendingEntry, content io.Reader) (string, error) {
	h := sha256.New()
	ch := w.chunkers.get()
	if ch == nil {
		return "", fmt.Errorf("repo: backup %s: %w", w.id, corruptf("config: chunker"))
	}
	defer w.chunkers.put(ch)
	ch.reset(content)
	var jobs []*chunkJob
	var size int64
	// Each chunk is handed on once the next one is read: the last one
	// of a one-chunk file (most files) goes with the file's SHA-256 as
	// its id, which saves the workers hashing it again.
	var held *chunkJob
	send := func(j *chunkJob) error {
		select {
		case w.jobs <- j:
			return nil
		case <-w.ctx.Done():
			return fmt.Errorf("repo: backup %s: %w", w.id, w.ctx.Err())
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("repo: backup %s: %w", w.id, err)
		}
		buf := w.bufs.get()
		data, err := ch.next((*buf)[:0])
		if err == io.EOF {
			w.bufs.put(buf)
			break
		}
		if err != nil {
			w.bufs.put(buf)
			if held != nil {
				send(held)
			}
			return "", fmt.Errorf("repo: backup %s: read %s: %w", w.id, pe.Path, err)
		}
		*buf = data
		h.Write(data)
		size += int64(len(data))
		j := &chunkJob{data: buf}
		jobs = append(jobs, j)
		if held != nil {
			if err := send(held); err != nil {
				return "", err
			}
		}
		held = j
		if w.progress != nil {
			w.entriesMu.Lock()
			w.totals.Bytes += int64(len(data))
			w.progress(w.totals.Bytes, w.progressTotal)
			w.entriesMu.Unlock()
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	if held != nil {
		if len(jobs) == 1 {
			held.id, held.hashed = sum, true
		}
		if err := send(held); err != nil {
			return "", err
		}
	}
	hexSum := hex.EncodeToString(sum[:])
	pe.Size, pe.SHA256, pe.jobs = size, hexSum, jobs
	w.entriesMu.Lock()
	if w.progress == nil {
		w.totals.Bytes += size
	}
	w.totals.Files++
	w.totals.Chunks += len(jobs)
	w.entriesMu.Unlock()
	return hexSum, nil
}

// AddFileFrom adds file e with the content of prev, the entry of the
// same file in an earlier backup of this repository, without reading it:
// the caller has found the file unchanged (package backend compares size,
// mtime, ctime and inode, as restic does). e's Size and SHA256 are
// prev's. If one of prev's chunks is no longer in the repository (prev's
// backup was deleted and pruned) the error wraps ErrNotFound, nothing is
// added, and the caller should add the file with AddFile.
func (w *BackupWriter) AddFileFrom(e Entry, prev *Entry) (string, error) {
	if prev.Type != TypeFile {
		return "", fmt.Errorf("repo: backup %s: %s: previous entry is a %s", w.id, e.Path, prev.Type)
	}
	w.r.mu.RLock()
	for _, c := range prev.Chunks {
		if _, ok := w.r.idx.lookup(c); !ok {
			w.r.mu.RUnlock()
			return "", fmt.Errorf("repo: backup %s: %s: chunk %s of the previous backup: %w", w.id, e.Path, c, ErrNotFound)
		}
	}
	w.r.mu.RUnlock()
	e.Type, e.Target, e.Chunks = TypeFile, "", nil
	e.Size, e.SHA256 = prev.Size, prev.SHA256
	pe, err := w.addEntry(e)
	if err != nil {
		return "", err
	}
	// The chunks stay indexed until Commit: Prune, which alone removes
	// chunks, waits for this backup.
	pe.jobs = make([]*chunkJob, len(prev.Chunks))
	for i, c := range prev.Chunks {
		pe.jobs[i] = &chunkJob{id: c, hashed: true}
	}
	w.entriesMu.Lock()
	w.totals.Bytes += e.Size
	w.totals.Files++
	w.totals.Chunks += len(prev.Chunks)
	if w.progress != nil {
		w.progress(w.totals.Bytes, w.progressTotal)
	}
	w.entriesMu.Unlock()
	return e.SHA256, nil
}

// SetLabels sets string labels the backup's manifest keeps (such as the
// share it is of); Backup.Labels returns them. Call it before Commit.
func (w *BackupWriter) SetLabels(labels map[string]string) { w.labels = labels }

// SetCompression sets how the chunks this backup stores are compressed:
// with zstd at level, or (compress false) not at all. Chunks already in
// the repository stay as they are. Call it before the first AddFile.
func (w *BackupWriter) SetCompression(compress bool, level zstd.EncoderLevel) error {
	w.noCompress = !compress
	if !compress || level == w.r.opts.CompressionLevel {
		return nil
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(w.r.opts.Workers), zstd.WithEncoderCRC(false))
	if err != nil {
		return err
	}
	w.enc = enc
	return nil
}

// appendBlob is Repo.appendBlob with the backup's own compression.
func (w *BackupWriter) appendBlob(dst, data []byte) ([]byte, uint32) {
	switch {
	case w.noCompress:
		return append(dst, data...), 0
	case w.enc != nil:
		return appendBlobWith(w.enc, dst, data)
	}
	return w.r.appendBlob(dst, data)
}

// newPack returns an empty pack, on the buffer of an uploaded one when
// there is one: a new buffer would cost zeroing it, a fortieth of a
// backup's CPU.
func (w *BackupWriter) newPack() *packBuilder {
	if b := w.packBufs.get(); b != nil {
		return &packBuilder{buf: (*b)[:0]}
	}
	return newPackBuilder(w.r.opts.PackSize)
}

// blobBound is room enough in a pack for the blob of n plaintext bytes
// (zstd's worst case, with a margin).
func blobBound(n int) int { return n + n>>7 + 1<<10 }

// worker hashes chunks, and compresses and packs those the repository
// (and this backup) does not have yet. Each worker fills a pack of its
// own and compresses straight into it, so no blob is copied once more,
// and the workers share no lock while they compress.
func (w *BackupWriter) worker() {
	defer w.workersWG.Done()
	var pack *packBuilder
	for j := range w.jobs {
		data := *j.data
		if !j.hashed {
			j.id = sha256.Sum256(data)
		}
		w.mu.Lock()
		dup := w.pending[j.id] || w.err != nil
		if !dup {
			w.r.mu.RLock()
			_, dup = w.r.idx.lookup(j.id)
			w.r.mu.RUnlock()
		}
		if !dup {
			w.pending[j.id] = true
		}
		w.mu.Unlock()
		if dup {
			w.bufs.put(j.data)
			continue
		}
		if pack != nil && cap(pack.buf)-len(pack.buf) < blobBound(len(data)) {
			w.uploads <- pack
			pack = nil
		}
		if pack == nil {
			pack = w.newPack()
		}
		off := len(pack.buf)
		var flags uint32
		pack.buf, flags = w.appendBlob(pack.buf, data)
		pack.addAppended(j.id, off, len(data), flags)
		w.mu.Lock()
		w.newStats.NewChunks++
		w.newStats.NewBytes += int64(len(data))
		w.newStats.NewStoredBytes += int64(len(pack.buf) - off)
		w.mu.Unlock()
		w.bufs.put(j.data)
		j.data = nil
		if len(pack.buf) >= w.r.opts.PackSize {
			w.uploads <- pack
			pack = nil
		}
	}
	// The last, partly filled pack is uploaded too unless the backup
	// failed (the uploaders skip it then).
	if pack != nil && len(pack.blobs) > 0 {
		w.uploads <- pack
	}
}

// uploader writes full packs to the store.
func (w *BackupWriter) uploader() {
	defer w.uploadWG.Done()
	for p := range w.uploads {
		if w.failed() != nil {
			continue // drain: the backup is lost anyway
		}
		id, data := p.finish()
		if err := w.r.store.Put(w.ctx, packKey(id), data); err != nil {
			w.fail(fmt.Errorf("repo: backup %s: write pack: %w", w.id, err))
			continue
		}
		w.mu.Lock()
		w.uploaded = append(w.uploaded, packRecord{id: id, size: int64(len(data)), blobs: p.blobs})
		w.newStats.NewPacks++
		w.mu.Unlock()
		w.packBufs.put(&data) // the store keeps no reference to it
	}
}

// drain stops the background work once it has done what was queued:
// the workers' last, partly filled packs are uploaded too unless the
// backup failed.
func (w *BackupWriter) drain() {
	close(w.jobs)
	w.workersWG.Wait()
	close(w.uploads)
	w.uploadWG.Wait()
}

// unlock ends the writer's hold on the Repo, after drain.
func (w *BackupWriter) unlock() {
	if w.enc != nil {
		w.enc.Close()
		w.enc = nil
	}
	if w.locked {
		w.locked = false
		w.stopLost()
		w.r.unlockShared(w.slock)
		w.r.mu.Lock()
		delete(w.r.writing, w.id)
		w.r.mu.Unlock()
	}
}

// Commit makes the backup durable and visible: it waits for the packs'
// uploads, writes an index object for them, merges it into the Repo's
// index, and writes the manifest last. If Commit fails, no manifest is
// written (or, when the manifest's own Put failed, it is not there: Puts
// are atomic) and whatever was uploaded is a leftover for Prune. Commit
// returns the backup's totals.
func (w *BackupWriter) Commit(ctx context.Context) (Totals, error) {
	if w.closed {
		return Totals{}, fmt.Errorf("repo: backup %s: %w", w.id, ErrClosed)
	}
	w.closed = true
	defer w.unlock()
	defer w.cancel()
	w.drain()
	if err := w.failed(); err != nil {
		return Totals{}, err
	}
	t := w.totals
	t.NewChunks, t.NewBytes, t.NewStoredBytes, t.NewPacks = w.newStats.NewChunks, w.newStats.NewBytes, w.newStats.NewStoredBytes, w.newStats.NewPacks
	entries := make([]Entry, len(w.entries))
	for i, pe := range w.entries {
		entries[i] = pe.Entry
		if len(pe.jobs) > 0 {
			ids := make([]ChunkID, len(pe.jobs))
			for k, j := range pe.jobs {
				ids[k] = j.id
			}
			entries[i].Chunks = ids
		}
	}
	slices.SortFunc(entries, func(a, b Entry) int { return compareTreePaths(a.Path, b.Path) })
	// The index and the manifest are written only while the lock holds:
	// a lost lock may have let a Prune elsewhere delete the packs.
	ctx, cancel := withLock(ctx, w.slock)
	defer cancel()
	if err := w.slock.Err(); err != nil {
		return Totals{}, fmt.Errorf("repo: backup %s: %w", w.id, err)
	}
	if len(w.uploaded) > 0 {
		key, data, err := encodeIndexObject(w.uploaded)
		if err != nil {
			return Totals{}, err
		}
		if err := w.r.store.Put(ctx, key, data); err != nil {
			err = lockErr(w.slock, err)
			return Totals{}, fmt.Errorf("repo: backup %s: write index: %w", w.id, err)
		}
		w.r.mu.Lock()
		for _, p := range w.uploaded {
			w.r.idx.add(p.id, p.size, p.blobs)
		}
		w.r.mu.Unlock()
	}
	data, err := encodeManifest(w.id, w.created, t, w.labels, entries)
	if err != nil {
		return Totals{}, err
	}
	if err := w.slock.Err(); err != nil {
		return Totals{}, fmt.Errorf("repo: backup %s: %w", w.id, err)
	}
	if err := w.r.store.Put(ctx, manifestKey(w.id), data); err != nil {
		err = lockErr(w.slock, err)
		return Totals{}, fmt.Errorf("repo: backup %s: write manifest: %w", w.id, err)
	}
	return t, nil
}

// Abort drops the backup: it stops the background work and deletes the
// packs it wrote (nothing references them: they are in no index object,
// and other backups dedup only against indexed packs). A failed delete is
// left to Prune. Abort after Commit does nothing.
func (w *BackupWriter) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	w.fail(fmt.Errorf("repo: backup %s: aborted", w.id))
	w.cancel()
	w.drain()
	defer w.unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, p := range w.uploaded {
		w.r.store.Delete(ctx, packKey(p.id))
	}
}

// compareTreePaths orders paths depth first, each directory's entries by
// name: element by element, so "a/b" comes before "a-c" (as filepath.WalkDir
// and package backend's walk list them), and "." first.
func compareTreePaths(a, b string) int {
	if a == b {
		return 0
	}
	if a == "." {
		return -1
	}
	if b == "." {
		return 1
	}
	for {
		ae, arest, amore := strings.Cut(a, "/")
		be, brest, bmore := strings.Cut(b, "/")
		if c := strings.Compare(ae, be); c != 0 {
			return c
		}
		switch {
		case !amore && !bmore:
			return 0
		case !amore:
			return -1 // a is b's ancestor
		case !bmore:
			return 1
		}
		a, b = arest, brest
	}
}
