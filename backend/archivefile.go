package backend

import (
	"errors"
	"fmt"
	"io"
	"os"
	"unsafe"

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
// of them with O_DIRECT writes, 1.95 with these, and was 6% faster.
type archiveFile struct {
	f   *os.File
	buf []byte
	// off bytes are written; writeback is started up to started, and
	// done and dropped from the cache up to dropped.
	off, started, dropped int64
	rolling               bool // false once sync_file_range is refused
	closed                bool
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
	return &archiveFile{f: f, buf: make([]byte, 0, archiveBufSize), rolling: true}, nil
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
	a.off += int64(len(a.buf))
	a.buf = a.buf[:0]
	if !a.rolling || a.off-a.started < writeBehind {
		return nil
	}
	fd := int(a.f.Fd())
	err := unix.SyncFileRange(fd, a.started, a.off-a.started, unix.SYNC_FILE_RANGE_WRITE)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ESPIPE) {
		a.rolling = false // the final fsync does it all
		return nil
	}
	if err != nil {
		return a.pathErr("sync_file_range", err)
	}
	a.started = a.off
	// A window behind, the writeback is normally done: wait for it (an
	// error there is the write's: the fsync would not see it again) and
	// drop those pages.
	if to := a.started - writeBehind; to-a.dropped >= writeBehind {
		const wait = unix.SYNC_FILE_RANGE_WAIT_BEFORE | unix.SYNC_FILE_RANGE_WRITE | unix.SYNC_FILE_RANGE_WAIT_AFTER
		if err := unix.SyncFileRange(fd, a.dropped, to-a.dropped, wait); err != nil {
			return a.pathErr("sync_file_range", err)
		}
		_ = unix.Fadvise(fd, a.dropped, to-a.dropped, unix.FADV_DONTNEED)
		a.dropped = to
	}
	return nil
}

func (a *archiveFile) pathErr(op string, err error) error {
	return &os.PathError{Op: op, Path: a.f.Name(), Err: err}
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

// directAlign is the alignment O_DIRECT needs of buffers, offsets and
// lengths: the logical block size, 512 or 4096 on the disks Linux knows;
// 4096 is a multiple of both.
const directAlign = 4096

// alignedBuf returns a buffer of n bytes whose start is directAlign-aligned.
func alignedBuf(n int) []byte {
	b := make([]byte, n+directAlign)
	off := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) & (directAlign - 1)); r != 0 {
		off = directAlign - r
	}
	return b[off : off+n : off+n]
}

// setDirect turns O_DIRECT on or off for f.
func setDirect(f *os.File, on bool) error {
	fd := f.Fd()
	fl, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
	if err == nil {
		if on {
			fl |= unix.O_DIRECT
		} else {
			fl &^= unix.O_DIRECT
		}
		_, err = unix.FcntlInt(fd, unix.F_SETFL, fl)
	}
	if err != nil {
		return fmt.Errorf("backend: %s: fcntl: %w", f.Name(), err)
	}
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
// the consumer, with O_DIRECT where the file system allows it.
//
// Ahead, because the archive is usually not in the page cache (CreateBackup
// writes it with O_DIRECT, and a backup restored is seldom a backup just
// made): read on demand, the disk's latency stalls the decompression, and
// with it the whole restore (the bench tree's, once each: 7.0 s with its
// archive not in the cache, 5.2 s with it in the cache, 4.1 s not in the
// cache but read ahead). Direct, because
// reading it through the page cache costs a page-cache page per 4 KiB for
// data read once (0.65-0.9 s of system time for the bench tree's 730 MB,
// 0.06 s direct); where the archive is in the cache, a direct read has
// the disk read it again, in that goroutine.
type archiveReadAhead struct {
	f    *os.File
	free chan []byte
	full chan readResult
	stop chan struct{} // closed by Close
	done chan struct{} // closed when the goroutine returns

	direct bool   // the goroutine's
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
	const flags = unix.O_RDONLY | unix.O_CLOEXEC
	direct := true
	fd, err := unix.Open(name, flags|unix.O_DIRECT, 0)
	if errors.Is(err, unix.EINVAL) {
		direct = false
		fd, err = unix.Open(name, flags, 0)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	r := &archiveReadAhead{
		f:      os.NewFile(uintptr(fd), name),
		direct: direct,
		free:   make(chan []byte, readAheadBufs),
		full:   make(chan readResult, readAheadBufs),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	for range readAheadBufs {
		r.free <- alignedBuf(readAheadSize)
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
// was read).
func (r *archiveReadAhead) fill(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := r.f.Read(b[n:])
		n += k
		if err == io.EOF {
			return n, io.EOF
		}
		if errors.Is(err, unix.EINVAL) && r.direct && n%directAlign == 0 {
			// O_DIRECT refused after all: read through the cache.
			if err := r.noDirect(); err != nil {
				return n, err
			}
			continue
		}
		if err != nil {
			return n, err
		}
		if k == 0 {
			return n, io.ErrNoProgress
		}
	}
	return n, nil
}

// noDirect turns O_DIRECT off.
func (r *archiveReadAhead) noDirect() error {
	if err := setDirect(r.f, false); err != nil {
		return err
	}
	r.direct = false
	return nil
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
