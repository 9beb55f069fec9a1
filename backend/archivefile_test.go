package backend

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestArchiveFile writes files of sizes around the buffer and the writeback
// window, in writes of odd sizes, with and without the rolling writeback,
// and reads them back.
func TestArchiveFile(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(3, 4))
	sizes := []int{0, 1, archiveBufSize - 1, archiveBufSize, archiveBufSize + 1, writeBehind + 1, 3*writeBehind + 12345, 5 * writeBehind}
	for _, rolling := range []bool{true, false} {
		for i, size := range sizes {
			data := make([]byte, size)
			for j := range data {
				data[j] = byte(r.Uint32())
			}
			name := filepath.Join(dir, "a")
			_ = os.Remove(name)
			a, err := createArchiveFile(name)
			if err != nil {
				t.Fatal(err)
			}
			a.wb.refused = !rolling
			for p := data; len(p) > 0; {
				n := min(len(p), 1+r.IntN(3*archiveBufSize/2))
				if i%2 == 0 {
					n = min(len(p), 1+r.IntN(600))
				}
				if _, err := a.Write(p[:n]); err != nil {
					t.Fatal(err)
				}
				p = p[n:]
			}
			if err := a.Sync(); err != nil {
				t.Fatalf("rolling=%v size %d: sync: %v", rolling, size, err)
			}
			if err := a.Close(); err != nil {
				t.Fatalf("rolling=%v size %d: close: %v", rolling, size, err)
			}
			got, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("rolling=%v size %d: read back %d bytes that differ", rolling, size, len(got))
			}
			if rolling && size >= 3*writeBehind && a.wb.dropped == 0 {
				t.Errorf("size %d: nothing dropped from the cache while writing", size)
			}
		}
	}
}

// TestArchiveFileCloseWithoutSync: Close alone writes what is buffered.
func TestArchiveFileCloseWithoutSync(t *testing.T) {
	name := filepath.Join(t.TempDir(), "a")
	a, err := createArchiveFile(name)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("manilite"), archiveBufSize/3)
	if _, err := a.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	got, err := os.ReadFile(name)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes (%v), want %d", len(got), err, len(data))
	}
}

// TestArchiveReadAhead reads files of sizes around the alignment and the
// block size back in reads of odd sizes, and stops reading one midway.
func TestArchiveReadAhead(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(7, 8))
	sizes := []int{0, 1, 4095, 4096, 4097, readAheadSize - 1, readAheadSize, readAheadSize + 1, (readAheadBufs+2)*readAheadSize + 777}
	for i, size := range sizes {
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		name := filepath.Join(dir, fmt.Sprintf("a%d", i))
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
		ra, err := openArchiveReadAhead(name)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		buf := make([]byte, 3*readAheadSize/2)
		for {
			n, err := ra.Read(buf[:1+r.IntN(len(buf))])
			got.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("size %d: %v", size, err)
			}
		}
		if err := ra.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), data) {
			t.Fatalf("size %d: read %d bytes that differ", size, got.Len())
		}
	}

	// Closing before the end stops the goroutine.
	ra, err := openArchiveReadAhead(filepath.Join(dir, fmt.Sprintf("a%d", len(sizes)-1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ra.Read(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if err := ra.Close(); err != nil {
		t.Fatal(err)
	}
}
