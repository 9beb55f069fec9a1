package backend

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// TestArchiveStream writes a stream of many chunks, by Write and by
// space/commit, with and without compression, and checks that it decodes
// (as one zstd stream of many frames) to what was written.
func TestArchiveStream(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var want bytes.Buffer
	for want.Len() < 5*chunkSize[zstd.SpeedFastest]+12345 {
		if r.IntN(2) == 0 {
			b := make([]byte, r.IntN(200<<10))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			want.Write(b)
		} else {
			want.Write(bytes.Repeat([]byte("share backup "), r.IntN(20<<10)))
		}
	}
	for _, compress := range []bool{true, false} {
		var enc *zstd.Encoder
		if compress {
			var err error
			enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(2))
			if err != nil {
				t.Fatal(err)
			}
		}
		var out bytes.Buffer
		s := newArchiveStream(&out, enc, 2, chunkSize[zstd.SpeedFastest])
		for p := want.Bytes(); len(p) > 0; {
			n := min(len(p), 1+r.IntN(300<<10))
			if r.IntN(2) == 0 {
				if _, err := s.Write(p[:n]); err != nil {
					t.Fatal(err)
				}
			} else {
				b, err := s.space()
				if err != nil {
					t.Fatal(err)
				}
				n = copy(b, p[:n])
				s.commit(n)
			}
			p = p[n:]
		}
		if err := s.close(); err != nil {
			t.Fatal(err)
		}
		got := out.Bytes()
		if compress {
			dec, err := zstd.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			got, err = io.ReadAll(dec)
			dec.Close()
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("compress=%v: got %d bytes that differ from the %d written", compress, len(got), want.Len())
		}
	}
}

type failingWriter struct{ after int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errDiskFull
	}
	w.after--
	return len(p), nil
}

// TestArchiveStreamWriteError: the writer's error reaches the writing
// goroutine, which does not block, and close returns it.
func TestArchiveStreamWriteError(t *testing.T) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(2))
	if err != nil {
		t.Fatal(err)
	}
	s := newArchiveStream(&failingWriter{after: 2}, enc, 2, 64<<10)
	buf := bytes.Repeat([]byte{1, 2, 3}, 10<<10)
	for range 1000 {
		if _, err = s.Write(buf); err != nil {
			break
		}
	}
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("Write: %v, want %v", err, errDiskFull)
	}
	if err := s.close(); !errors.Is(err, errDiskFull) {
		t.Fatalf("close: %v, want %v", err, errDiskFull)
	}
}
