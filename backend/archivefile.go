package backend

import (
	"errors"
	"fmt"
	"io"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// archiveFile writes a backup's archive. It opens the file with O_DIRECT
// where the file system allows it, and writes it from its own goroutine in
// aligned blocks, so that the caller (the zstd encoder's flusher) never
// waits for the disk.
//
// Direct I/O because the archive must be on disk before the backup counts
// (sync waits for that) and is not read again by this process: written
// through the page cache it would cost a page-cache page per 4 KiB (on a
// virtual machine whose free memory goes back to the host, a fault to the
// host for each of them), push the share's own data out of the cache, and
// leave all of the archive to write back at the fsync, with the backup
// waiting. Direct writes go to the disk as they come, so the fsync at the
// end has little left to do.
//
// Where O_DIRECT is refused (tmpfs, some FUSE and network file systems),
// at open or at the first write, it writes through the page cache instead.
// The tail of the archive, less than an aligned block, is always written
// that way.
type archiveFile struct {
	f      *os.File
	direct bool // touched only by the writer goroutine once it runs
	cur    []byte
	free   chan []byte
	full   chan []byte
	done   chan struct{} // closed when the writer goroutine returns
	failed chan struct{} // closed once err is set
	err    error         // the writer goroutine's first error
	closed bool
}

const (
	// directAlign is the alignment O_DIRECT needs of buffers, offsets and
	// lengths: the logical block size, 512 or 4096 on the disks Linux
	// knows; 4096 is a multiple of both.
	directAlign = 4096
	// archiveBufSize and archiveBufs: how much of the archive is buffered
	// (written, or waiting to be) at most.
	archiveBufSize = 1 << 20
	archiveBufs    = 4
)

// createArchiveFile creates name (O_EXCL) for writing.
func createArchiveFile(name string) (*archiveFile, error) {
	const flags = unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_CLOEXEC
	direct := true
	fd, err := unix.Open(name, flags|unix.O_DIRECT, 0o600)
	if errors.Is(err, unix.EINVAL) {
		direct = false
		fd, err = unix.Open(name, flags, 0o600)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	a := &archiveFile{
		f:      os.NewFile(uintptr(fd), name),
		direct: direct,
		free:   make(chan []byte, archiveBufs),
		full:   make(chan []byte, archiveBufs),
		done:   make(chan struct{}),
		failed: make(chan struct{}),
	}
	for range archiveBufs - 1 {
		a.free <- alignedBuf(archiveBufSize)
	}
	a.cur = alignedBuf(archiveBufSize)[:0]
	go a.run()
	return a, nil
}

// alignedBuf returns a buffer of n bytes whose start is directAlign-aligned.
func alignedBuf(n int) []byte {
	b := make([]byte, n+directAlign)
	off := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) & (directAlign - 1)); r != 0 {
		off = directAlign - r
	}
	return b[off : off+n : off+n]
}

// Write buffers p, handing full buffers to the writer goroutine.
func (a *archiveFile) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := copy(a.cur[len(a.cur):cap(a.cur)], p)
		a.cur = a.cur[:len(a.cur)+k]
		p = p[k:]
		n += k
		if len(a.cur) == cap(a.cur) {
			if err := a.send(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// send hands the current buffer to the writer goroutine and takes a free
// one.
func (a *archiveFile) send() error {
	select {
	case a.full <- a.cur:
	case <-a.failed:
		return a.err
	}
	select {
	case b := <-a.free:
		a.cur = b[:0]
		return nil
	case <-a.failed:
		return a.err
	}
}

func (a *archiveFile) run() {
	defer close(a.done)
	for b := range a.full {
		if a.err == nil {
			if err := a.write(b); err != nil {
				a.err = err
				close(a.failed)
			}
		}
		a.free <- b[:cap(b)]
	}
}

// write writes b at the end of the file. Only the last buffer can have a
// length that is not aligned: its tail goes through the page cache.
func (a *archiveFile) write(b []byte) error {
	if a.direct {
		head := len(b) &^ (directAlign - 1)
		if head > 0 {
			err := writeAll(a.f, b[:head])
			if !errors.Is(err, unix.EINVAL) {
				if err != nil {
					return err
				}
				b = b[head:]
			}
			// EINVAL: O_DIRECT refused after all (nothing was
			// written); the page cache it is, for all of b.
		}
		if len(b) == 0 {
			return nil
		}
		if err := a.setDirect(false); err != nil {
			return err
		}
	}
	return writeAll(a.f, b)
}

func (a *archiveFile) setDirect(on bool) error {
	if err := setDirect(a.f, on); err != nil {
		return err
	}
	a.direct = on
	return nil
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

// stop ends the writer goroutine, having it write what is buffered, and
// returns its error.
func (a *archiveFile) stop() error {
	if a.closed {
		return a.err
	}
	a.closed = true
	if len(a.cur) > 0 {
		select {
		case a.full <- a.cur:
		case <-a.failed:
		}
	}
	a.cur = nil
	close(a.full)
	<-a.done
	return a.err
}

// Sync writes what is buffered and makes the file durable.
func (a *archiveFile) Sync() error {
	if err := a.stop(); err != nil {
		return err
	}
	return a.f.Sync()
}

// Close stops the writer (writing what is buffered) and closes the file.
// It can be called more than once, and after Sync.
func (a *archiveFile) Close() error {
	err := a.stop()
	if a.f != nil {
		if cerr := a.f.Close(); err == nil {
			err = cerr
		}
		a.f = nil
	}
	return err
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
