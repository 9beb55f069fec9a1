package repo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"testing"
	"time"
)

var benchWords = strings.Fields(`the share backup restore snapshot volume tenant project quota export
	access rule network server client mount path file directory data block metadata status
	available creating deleting error manila openstack cinder nova keystone token request
	response header body json yaml config option default value level size bytes total count
	user group owner mode time date host zone region pool driver backend job worker queue`)

// genBenchTree fills root with about total bytes, like package backend's
// throughput test: a third in small files (1–64 KiB, log-uniform, in
// 20×20 nested folders), the rest in 4 large files; half of all content
// text-like, half random. A 1 GiB tree has some 23,000 files.
func genBenchTree(tb testing.TB, root string, total int64) (files int, bytes int64) {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	rnd := rand.NewChaCha8([32]byte{42})
	var text []byte
	fillText := func(w io.Writer, n int64) {
		for n > 0 {
			text = text[:0]
			for len(text) < 64<<10 {
				for range 4 + r.IntN(12) {
					text = append(text, benchWords[r.IntN(len(benchWords))]...)
					text = append(text, ' ')
					if r.IntN(4) == 0 {
						text = strconv.AppendInt(text, int64(r.IntN(100000)), 10)
						text = append(text, ' ')
					}
				}
				text = append(text, '\n')
			}
			k := min(int64(len(text)), n)
			w.Write(text[:k])
			n -= k
		}
	}
	write := func(p string, size int64) {
		must(tb, os.MkdirAll(filepath.Dir(p), 0o755))
		f, err := os.Create(p)
		must(tb, err)
		w := bufio.NewWriterSize(f, 1<<20)
		seg := min(max(size/2, 1), 1<<20)
		for left := size; left > 0; {
			n := min(seg, left)
			fillText(w, n)
			left -= n
			n = min(seg, left)
			_, err := io.CopyN(w, rnd, n)
			must(tb, err)
			left -= n
		}
		must(tb, w.Flush())
		must(tb, f.Close())
		files++
		bytes += size
	}
	small := total / 3
	for i := 0; bytes < small; i++ {
		size := int64(math.Exp(math.Log(1<<10) + r.Float64()*(math.Log(64<<10)-math.Log(1<<10))))
		write(filepath.Join(root, fmt.Sprintf("d%02d", i%20), fmt.Sprintf("e%02d", (i/20)%20), fmt.Sprintf("f%05d.dat", i)), size)
	}
	large := (total - bytes) / 4
	for i := range 4 {
		write(filepath.Join(root, "large", fmt.Sprintf("big%d.bin", i)), large)
	}
	return files, bytes
}

// TestThroughput measures a full backup, a second backup of the
// unchanged tree and a restore of every file (verified, to io.Discard)
// into a LocalStore, and tar | zstd -1 -T2 for comparison. Run it with
// MANILITE_BENCH=1 and -v; MANILITE_BENCH_TREE_MIB sets the tree's size
// (1024 by default), MANILITE_BENCH_WORKERS Options.Workers and
// MANILITE_BENCH_READERS how many files are read at a time (GOMAXPROCS).
// MANILITE_BENCH_CPUPROFILE and MANILITE_BENCH_TRACE profile the first
// backup.
//
// One run on the 2-core test machine, otherwise idle, 256 MiB tree: first
// backup 193–213 MB/s, tar | zstd -1 -T2 378–445 MB/s; unchanged second
// backup ~500 MB/s (everything re-read and re-hashed), ~6 GB/s with
// AddFileFrom; restore ~400 MB/s. The first backup spends its CPU on
// SHA-256 (25%: chunk ids and whole-file hashes, two passes over
// multi-chunk files), zstd (40%) and the chunker's rolling hash (19%);
// the tar | zstd pipeline does only the compression.
func TestThroughput(t *testing.T) {
	if os.Getenv("MANILITE_BENCH") != "1" {
		t.Skip("set MANILITE_BENCH=1 to run the throughput measurement")
	}
	mib := int64(1024)
	if v := os.Getenv("MANILITE_BENCH_TREE_MIB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("MANILITE_BENCH_TREE_MIB=%q", v)
		}
		mib = n
	}
	ctx := context.Background()
	src, files, size := benchTree(t, mib)
	mb := float64(size) / 1e6
	sync := func() { must(t, exec.Command("sync").Run()) }
	repoDir := t.TempDir()
	r, _ := openLocal(t, repoDir, Options{Workers: benchWorkers()})
	var b strings.Builder
	fmt.Fprintf(&b, "\ntree: %d files, %.0f MB (MB = 10^6 bytes of content), warm page cache, each run once\n", files, mb)
	row := func(what string, d time.Duration, stored int64) {
		s := ""
		if stored > 0 {
			s = fmt.Sprintf("%.1f", float64(stored)/1e6)
		}
		fmt.Fprintf(&b, "%-40s %8.2f s %8.1f MB/s %10s\n", what, d.Seconds(), mb/d.Seconds(), s)
	}
	fmt.Fprintf(&b, "%-40s %10s %13s %10s\n", "", "time", "throughput", "stored MB")

	sync()
	if p := os.Getenv("MANILITE_BENCH_TRACE"); p != "" {
		f, err := os.Create(p)
		must(t, err)
		must(t, trace.Start(f))
		defer trace.Stop()
	}
	if p := os.Getenv("MANILITE_BENCH_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		must(t, err)
		must(t, pprof.StartCPUProfile(f))
	}
	start := time.Now()
	t1 := backupTree(t, r, "b1", src)
	d1 := time.Since(start)
	pprof.StopCPUProfile()
	trace.Stop()
	s1 := stats(t, r)
	row("repo: first backup (fsyncs every object)", d1, s1.StoredBytes)

	sync()
	start = time.Now()
	t2 := backupTree(t, r, "b2", src)
	d2 := time.Since(start)
	s2 := stats(t, r)
	row("repo: second backup, nothing changed", d2, s2.StoredBytes-s1.StoredBytes)
	if t2.NewChunks != 0 {
		t.Errorf("unchanged tree: %d new chunks", t2.NewChunks)
	}

	bk, err := r.OpenBackup(ctx, "b1")
	must(t, err)
	start = time.Now()
	t3 := backupTreeFrom(t, r, "b3", src, bk)
	row("repo: second backup, files from parent", time.Since(start), stats(t, r).StoredBytes-s2.StoredBytes)
	if t3.NewChunks != 0 {
		t.Errorf("unchanged tree from parent: %d new chunks", t3.NewChunks)
	}

	start = time.Now()
	for i := range bk.Entries {
		if e := &bk.Entries[i]; e.Type == TypeFile {
			must(t, bk.WriteFile(ctx, e, io.Discard, nil))
		}
	}
	row("repo: restore every file to io.Discard", time.Since(start), 0)

	if _, err := exec.LookPath("zstd"); err == nil {
		out := filepath.Join(repoDir, "cli.tar.zst")
		sync()
		start = time.Now()
		cmd := exec.Command("/bin/sh", "-c", fmt.Sprintf("tar -C '%s' -cf - . | zstd -1 -T2 -q -o '%s'", src, out))
		if o, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("tar | zstd: %v\n%s", err, o)
		}
		d := time.Since(start)
		st, err := os.Stat(out)
		must(t, err)
		row("tar -cf - . | zstd -1 -T2", d, st.Size())
		fmt.Fprintf(&b, "ratio repo/cli (throughput): first backup %.2f\n", d.Seconds()/d1.Seconds())
	}
	fmt.Fprintf(&b, "first backup: %d chunks, %d packs\n", t1.Chunks, t1.NewPacks)
	t.Log(b.String())
}

// benchTree generates the bench tree of mib MiB in a temporary folder,
// or, with MANILITE_BENCH_SRC=dir, in dir once and reuses it on later
// runs (the generation takes longer than the backup it measures).
func benchTree(t *testing.T, mib int64) (dir string, files int, size int64) {
	dir = os.Getenv("MANILITE_BENCH_SRC")
	if dir == "" {
		dir = t.TempDir()
	} else if files, size = countTree(t, dir); files > 0 {
		t.Logf("reusing %d files, %d bytes in %s", files, size, dir)
		return dir, files, size
	}
	start := time.Now()
	files, size = genBenchTree(t, dir, mib<<20)
	t.Logf("generated %d files, %d bytes in %v", files, size, time.Since(start).Round(time.Millisecond))
	return dir, files, size
}

// countTree counts the regular files below dir and their bytes; 0 when
// dir does not exist.
func countTree(t *testing.T, dir string) (files int, size int64) {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			files++
			size += info.Size()
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0
	}
	must(t, err)
	return files, size
}

func benchWorkers() int {
	n, _ := strconv.Atoi(os.Getenv("MANILITE_BENCH_WORKERS"))
	return n
}
