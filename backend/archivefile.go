package backend

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// writeBehind is the window of the rolling writeback.
const writeBehind = 8 << 20

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
