package backend

// The archive file writer of the backups made before the backup
// repository, kept for the tests (see legacy_writer_test.go).

import (
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

const archiveBufSize = 1 << 20

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
