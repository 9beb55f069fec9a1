package backend

import (
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// archiveStream is the tar stream of a backup on its way to the archive
// file. The writing goroutine (writeBackup's) fills chunks of chunkSize
// bytes in place, file content read straight into them; workers compress
// full chunks in parallel, each into a zstd frame of its own; one goroutine
// writes the frames in order to out. A zstd stream may be any number of
// frames one after the other, decoders (ours, the zstd command) give the
// concatenation of their content: the archive is the same tar stream,
// compressed.
//
// Compared with zstd.Encoder's own concurrent mode, reading into the
// chunks saves a copy of all the content, and the memory is a fixed set of
// buffers reused from chunk to chunk rather than 16 MiB jobs allocated and
// left to the garbage collector (200 to 400 MB of heap for one backup).
// What frames lose is the matches across their boundaries; chunkSize
// keeps that small.
//
// Without compression (enc nil) chunks go to out as they are.
type archiveStream struct {
	enc  *zstd.Encoder
	size int // of a chunk
	out  io.Writer
	cur  *streamJob
	free chan *streamJob // empty jobs
	work chan *streamJob // full, to compress
	// order has the full jobs in stream order, for the writer.
	order chan *streamJob

	workers sync.WaitGroup
	written chan struct{} // closed when the writer returns
	failed  chan struct{} // closed once err is set
	err     error         // the writer's
	closed  bool
}

// streamJob is one chunk of the stream: in, the tar bytes, and out, what
// goes to the file (in compressed, or in itself).
type streamJob struct {
	in, out []byte
	done    chan struct{} // a token once out is ready
}

// chunkSize is the size of a chunk (of a frame's content) at each level:
// large enough that the frames compress as well as one stream would, to
// 0.1% on the benchmark tree (TestThroughputBackupRestore), at levels whose
// window goes further back the chunks are larger. With compression none the
// size only sets the writes' granularity.
var chunkSize = map[zstd.EncoderLevel]int{
	zstd.SpeedFastest:           2 << 20,
	zstd.SpeedDefault:           8 << 20,
	zstd.SpeedBetterCompression: 16 << 20,
	zstd.SpeedBestCompression:   16 << 20,
}

// newArchiveStream starts the workers (workers of them, enc being safe
// for that many concurrent EncodeAll) and the writer. size is the size of
// a chunk.
func newArchiveStream(out io.Writer, enc *zstd.Encoder, workers, size int) *archiveStream {
	if enc == nil {
		workers = 0
	}
	jobs := workers + 3 // one filling, one being written, one in the queue
	s := &archiveStream{
		enc:     enc,
		size:    size,
		out:     out,
		free:    make(chan *streamJob, jobs),
		work:    make(chan *streamJob, jobs),
		order:   make(chan *streamJob, jobs),
		written: make(chan struct{}),
		failed:  make(chan struct{}),
	}
	for range jobs {
		j := &streamJob{in: make([]byte, 0, size), done: make(chan struct{}, 1)}
		if enc != nil {
			j.out = make([]byte, 0, enc.MaxEncodedSize(size))
		}
		s.free <- j
	}
	s.cur = <-s.free
	for range workers {
		s.workers.Add(1)
		go s.compress()
	}
	go s.write()
	return s
}

func (s *archiveStream) compress() {
	defer s.workers.Done()
	for j := range s.work {
		j.out = s.enc.EncodeAll(j.in, j.out[:0])
		j.done <- struct{}{}
	}
}

func (s *archiveStream) write() {
	defer close(s.written)
	for j := range s.order {
		<-j.done
		if s.err == nil {
			if _, err := s.out.Write(j.out); err != nil {
				s.err = err
				close(s.failed)
			}
		}
		j.in = j.in[:0]
		if s.enc == nil {
			j.out = nil
		}
		s.free <- j
	}
}

// space returns the free part of the current chunk, never empty, for the
// caller to fill and commit.
func (s *archiveStream) space() ([]byte, error) {
	if len(s.cur.in) == cap(s.cur.in) {
		if err := s.send(false); err != nil {
			return nil, err
		}
	}
	return s.cur.in[len(s.cur.in):cap(s.cur.in)], nil
}

// commit adds the first n bytes of what space returned to the stream.
func (s *archiveStream) commit(n int) { s.cur.in = s.cur.in[:len(s.cur.in)+n] }

// Write adds p to the stream.
func (s *archiveStream) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		b, err := s.space()
		if err != nil {
			return n, err
		}
		k := copy(b, p)
		s.commit(k)
		p, n = p[k:], n+k
	}
	return n, nil
}

// send queues the current chunk and, unless it is the last, takes an
// empty one.
func (s *archiveStream) send(last bool) error {
	j := s.cur
	s.cur = nil
	if s.enc == nil {
		j.out = j.in
		j.done <- struct{}{}
	}
	select {
	case s.order <- j:
	case <-s.failed:
		return s.err
	}
	if s.enc != nil {
		s.work <- j // never blocks: it has room for every job
	}
	if last {
		return nil
	}
	select {
	case s.cur = <-s.free:
		return nil
	case <-s.failed:
		return s.err
	}
}

// close writes what is left and stops the goroutines; it returns the
// writer's error. After a failure elsewhere, it is called to stop them.
func (s *archiveStream) close() error {
	if s.closed {
		return s.err
	}
	s.closed = true
	if s.cur != nil && len(s.cur.in) > 0 {
		_ = s.send(true)
	}
	close(s.work)
	s.workers.Wait()
	close(s.order)
	<-s.written
	return s.err
}
