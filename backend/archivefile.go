package backend

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// archiveFile writes a backup's archive through the page cache, with a
// rolling writeback: every writeBehind bytes it has the kernel start writing
// them to disk (sync_file_range), and once they are on disk it drops them
// from the cache (posix_fadvise DONTNEED).
//
// The archive must be on disk before the backup counts, and this process
// does not read it again. Written through the cache and left there, it cost
// a fresh page-cache page per 4 KiB (on a VM whose free memory goes back to
// the host, a fault to the host for each: 1 GB of writes measured 0.3 to
// 3.5 s of system time), pushed the share's own data out of the cache, and
// left all of it to write back at the final fsync, with the backup waiting
// (0.25 s for the bench tree's 730 MB). Here the cache holds a few windows
// of the archive at most, its pages are reused as they are dropped, and the
// fsync has little left to do.
//
// O_DIRECT does all that too, but its writes block until the disk has the
// data, and a goroutine blocked in a system call keeps its P until the
// runtime takes it back: on 2 CPUs, the backup of the bench tree used 1.80
// of them with O_DIRECT writes, 1.91-1.94 with these, and was 3-5% faster.
type archiveFile struct {
	f      *os.File
	buf    []byte
	wb     writeback
	closed bool
}

const (
	archiveBufSize = 1 << 20
	// writeBehind is the window of the rolling writeback.
	writeBehind = 8 << 20
)

// createArchiveFile creates name (O_EXCL) for writing.
func createArchiveFile(name string) (*archiveFile, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	return &archiveFile{f: f, buf: make([]byte, 0, archiveBufSize)}, nil
}

// Write buffers p, writing the buffer to the file when it is full.
func (a *archiveFile) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := copy(a.buf[len(a.buf):cap(a.buf)], p)
		a.buf = a.buf[:len(a.buf)+k]
		p = p[k:]
		n += k
		if len(a.buf) == cap(a.buf) {
			if err := a.flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// flush writes the buffer and moves the writeback window along.
func (a *archiveFile) flush() error {
	if err := writeAll(a.f, a.buf); err != nil {
		return err
	}
	n := len(a.buf)
	a.buf = a.buf[:0]
	return a.wb.wrote(a.f, n)
}

// writeback is the rolling writeback of a file written from start to end
// through the page cache (see archiveFile): every writeBehind bytes the
// kernel is told to start writing them, and a window later, when it is
// normally done, it is waited for and those pages are dropped.
type writeback struct {
	// off bytes are written; writeback is started up to started, and
	// done and dropped from the cache up to dropped.
	off, started, dropped int64
	refused               bool // sync_file_range is not supported
}

// wrote accounts for n more bytes written to f.
func (w *writeback) wrote(f *os.File, n int) error {
	w.off += int64(n)
	if w.refused || w.off-w.started < writeBehind {
		return nil
	}
	fd := int(f.Fd())
	err := unix.SyncFileRange(fd, w.started, w.off-w.started, unix.SYNC_FILE_RANGE_WRITE)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ESPIPE) {
		w.refused = true // the final fsync or syncfs does it all
		return nil
	}
	if err != nil {
		return &os.PathError{Op: "sync_file_range", Path: f.Name(), Err: err}
	}
	w.started = w.off
	// A window behind, the writeback is normally done: wait for it (an
	// error there is the write's: fsync would not see it again) and drop
	// those pages.
	if to := w.started - writeBehind; to-w.dropped >= writeBehind {
		const wait = unix.SYNC_FILE_RANGE_WAIT_BEFORE | unix.SYNC_FILE_RANGE_WRITE | unix.SYNC_FILE_RANGE_WAIT_AFTER
		if err := unix.SyncFileRange(fd, w.dropped, to-w.dropped, wait); err != nil {
			return &os.PathError{Op: "sync_file_range", Path: f.Name(), Err: err}
		}
		_ = unix.Fadvise(fd, w.dropped, to-w.dropped, unix.FADV_DONTNEED)
		w.dropped = to
	}
	return nil
}

// start has the kernel start writing what it has not been told to yet.
func (w *writeback) start(f *os.File) error {
	if w.refused || w.off == w.started {
		return nil
	}
	err := unix.SyncFileRange(int(f.Fd()), w.started, w.off-w.started, unix.SYNC_FILE_RANGE_WRITE)
	if err != nil && !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ESPIPE) {
		return &os.PathError{Op: "sync_file_range", Path: f.Name(), Err: err}
	}
	w.started = w.off
	return nil
}

// Sync writes what is buffered, makes the file durable and drops it from
// the cache.
func (a *archiveFile) Sync() error {
	if err := a.flush(); err != nil {
		return err
	}
	if err := a.f.Sync(); err != nil {
		return err
	}
	_ = unix.Fadvise(int(a.f.Fd()), 0, 0, unix.FADV_DONTNEED)
	return nil
}

// Close writes what is buffered and closes the file. It can be called more
// than once, and after Sync.
func (a *archiveFile) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	err := a.flush()
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeAll(f *os.File, b []byte) error {
	for len(b) > 0 {
		n, err := f.Write(b)
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// archiveReadAhead reads a backup's archive for a restore: a goroutine
// reads it in blocks of readAheadSize, up to readAheadBufs of them ahead of
// the consumer, and drops each block from the page cache once it has it.
//
// Ahead, because the archive is usually not in the page cache (CreateBackup
// drops it, and a backup restored is seldom a backup just made): read on
// demand, the disk's latency stalls the decompression, and with it the
// whole restore (the bench tree's, once each: 7.0 s with its archive not in
// the cache, 5.2 s with it in the cache, 4.1 s not in the cache but read
// ahead by an O_DIRECT version of this). Dropped, because it is read once: its pages are reused for the
// rest of it rather than new ones taken (each a fault to the host on a VM
// whose free memory goes back to the host), and the restored files keep
// the cache. Not O_DIRECT: its reads block until the disk has answered, and
// a goroutine blocked in a system call keeps its P for a while (see
// archiveFile); through the cache, the kernel's readahead
// (POSIX_FADV_SEQUENTIAL) has the data there before the read.
type archiveReadAhead struct {
	f    *os.File
	free chan []byte
	full chan readResult
	stop chan struct{} // closed by Close
	done chan struct{} // closed when the goroutine returns

	off    int64  // the goroutine's: bytes read
	cur    []byte // what Read has not returned yet of buf
	buf    []byte
	err    error // the error after the last buffer
	closed bool
}

type readResult struct {
	b   []byte
	err error
}

const (
	readAheadSize = 4 << 20
	readAheadBufs = 3
)

// openArchiveReadAhead opens name and starts reading it.
func openArchiveReadAhead(name string) (*archiveReadAhead, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_SEQUENTIAL)
	r := &archiveReadAhead{
		f:    f,
		free: make(chan []byte, readAheadBufs),
		full: make(chan readResult, readAheadBufs),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range readAheadBufs {
		r.free <- make([]byte, readAheadSize)
	}
	go r.run()
	return r, nil
}

func (r *archiveReadAhead) run() {
	defer close(r.done)
	for {
		var b []byte
		select {
		case b = <-r.free:
		case <-r.stop:
			return
		}
		n, err := r.fill(b)
		select {
		case r.full <- readResult{b[:n], err}:
		case <-r.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// fill reads into all of b, or to the end of the file (io.EOF, with what
// was read), and drops what it read from the page cache.
func (r *archiveReadAhead) fill(b []byte) (int, error) {
	n, err := io.ReadFull(r.f, b)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	if n > 0 {
		_ = unix.Fadvise(int(r.f.Fd()), r.off, int64(n), unix.FADV_DONTNEED)
		r.off += int64(n)
	}
	return n, err
}

// Read returns the archive's bytes in order, then the error that ended
// the reading (io.EOF at the end).
func (r *archiveReadAhead) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.buf != nil {
			r.free <- r.buf[:cap(r.buf)]
			r.buf = nil
		}
		res := <-r.full
		r.buf, r.cur, r.err = res.b, res.b, res.err
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// Close stops the goroutine and closes the file.
func (r *archiveReadAhead) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	close(r.stop)
	<-r.done
	return r.f.Close()
}
