package backend_test

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/manilite/manilite/backend"
	"github.com/manilite/manilite/internal/benchreport"
)

// zstdCLILevel is the zstd command's level closest to each of
// klauspost/compress's (its README's equivalences).
var zstdCLILevel = map[string]int{"fastest": 1, "default": 3, "better": 7, "best": 11}

var words = strings.Fields(`the share backup restore snapshot volume tenant project quota export
	access rule network server client mount path file directory data block metadata status
	available creating deleting error manila openstack cinder nova keystone token request
	response header body json yaml config option default value level size bytes total count
	user group owner mode time date host zone region pool driver backend job worker queue`)

// textWriter writes text-like content: words and numbers, in lines.
type textWriter struct {
	r   *rand.Rand
	buf []byte
}

func (tw *textWriter) fill(w io.Writer, n int64) error {
	for n > 0 {
		tw.buf = tw.buf[:0]
		for len(tw.buf) < 64<<10 {
			for range 4 + tw.r.IntN(12) {
				tw.buf = append(tw.buf, words[tw.r.IntN(len(words))]...)
				tw.buf = append(tw.buf, ' ')
				if tw.r.IntN(4) == 0 {
					tw.buf = strconv.AppendInt(tw.buf, int64(tw.r.IntN(100000)), 10)
					tw.buf = append(tw.buf, ' ')
				}
			}
			tw.buf = append(tw.buf, '\n')
		}
		k := min(int64(len(tw.buf)), n)
		if _, err := w.Write(tw.buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// genTree fills root with about total bytes: a third in many small files
// (1–64 KiB, log-uniform, in 20×20 nested folders), the rest in 4 large
// files; half of all content text-like, half random.
func genTree(tb testing.TB, root string, total int64) (files int, bytes int64) {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	tw := &textWriter{r: r}
	rnd := rand.NewChaCha8([32]byte{42})
	write := func(p string, size int64) {
		must(tb, os.MkdirAll(filepath.Dir(p), 0o755))
		f, err := os.Create(p)
		must(tb, err)
		w := bufio.NewWriterSize(f, 1<<20)
		// Alternate text and random segments of up to 1 MiB, half each.
		seg := min(max(size/2, 1), 1<<20)
		for left := size; left > 0; {
			n := min(seg, left)
			must(tb, tw.fill(w, n))
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

func sh(tb testing.TB, script string) time.Duration {
	tb.Helper()
	d, _ := shCPU(tb, script)
	return d
}

// shCPU runs script and returns its wall time and the CPU time (user and
// system) it and its children used.
func shCPU(tb testing.TB, script string) (wall, cpu time.Duration) {
	tb.Helper()
	before := cpuTime(tb, syscall.RUSAGE_CHILDREN)
	start := time.Now()
	out, err := exec.Command("/bin/sh", "-c", script).CombinedOutput()
	wall = time.Since(start)
	if err != nil {
		tb.Fatalf("%s: %v\n%s", script, err, out)
	}
	return wall, cpuTime(tb, syscall.RUSAGE_CHILDREN) - before
}

// cpuTime is the user and system CPU time of this process (who
// RUSAGE_SELF) or of its waited-for children (RUSAGE_CHILDREN).
func cpuTime(tb testing.TB, who int) time.Duration {
	var ru syscall.Rusage
	must(tb, syscall.Getrusage(who, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fileSize(tb testing.TB, p string) int64 {
	tb.Helper()
	st, err := os.Stat(p)
	must(tb, err)
	return st.Size()
}

// TestThroughputBackupRestore compares CreateBackup and RestoreBackup with
// tar and the zstd command on a tree of about 1 GiB. Run it with
// MANILITE_BENCH=1 (MANILITE_BENCH_TREE_MIB sets the size, and
// MANILITE_BENCH_LEVEL the compression level; MANILITE_BENCH_PROFILE=dir
// profiles the first and the second backup, see profileBackup) and -v to see the table.
// On ext4, run it a few minutes after any mass deletion (such as the last
// run's clean-up): until the deleted inodes' table blocks are written back,
// ext4 skips them one by one when it allocates, and creating files (restore,
// tar -x) gets several times slower.
func TestThroughputBackupRestore(t *testing.T) {
	if os.Getenv("MANILITE_BENCH") != "1" {
		t.Skip("set MANILITE_BENCH=1 to run the throughput comparison")
	}
	mib := int64(1024)
	if v := os.Getenv("MANILITE_BENCH_TREE_MIB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("MANILITE_BENCH_TREE_MIB=%q", v)
		}
		mib = n
	}
	level := backend.DefaultCompressionLevel
	if v := os.Getenv("MANILITE_BENCH_LEVEL"); v != "" {
		level = v
	}
	cli, ok := zstdCLILevel[level]
	if !ok {
		t.Fatalf("MANILITE_BENCH_LEVEL=%q", level)
	}
	threads := backend.ZstdThreads()

	l, dataDir := newLocalOpts(t)
	share, err := l.CreateShare("bench")
	must(t, err)
	start := time.Now()
	files, bytes := genTree(t, share, mib<<20)
	t.Logf("generated %d files, %d bytes in %v", files, bytes, time.Since(start))
	mb := float64(bytes) / 1e6
	type row struct {
		what    string
		d       time.Duration
		archive int64
		cpu     time.Duration // user and system, where measured
	}
	var rows []row
	syncAll := func() { sh(t, "sync") } // no writeback left over from the previous step

	syncAll()
	stopProfile := profileBackup(t, "backup")
	cpu0 := cpuTime(t, syscall.RUSAGE_SELF)
	start = time.Now()
	info, err := l.CreateBackup(t.Context(), "bench", "b1", map[string]any{"compression_level": level}, nil)
	d := time.Since(start)
	cpu := cpuTime(t, syscall.RUSAGE_SELF) - cpu0
	stopProfile()
	must(t, err)
	rows = append(rows, row{"manilite CreateBackup (fsyncs archive)", d, info.ArchiveBytes, cpu})

	syncAll()
	start = time.Now()
	must(t, l.RestoreBackup(t.Context(), "b1", "restored", nil))
	rows = append(rows, row{"manilite RestoreBackup (verifies, syncfs)", time.Since(start), 0, 0})

	tarball := filepath.Join(dataDir, "cli.tar.zst")
	syncAll()
	d, cpu = shCPU(t, fmt.Sprintf("tar -C '%s' -cf - . | zstd -%d -T%d -q -o '%s'", share, cli, threads, tarball))
	rows = append(rows, row{fmt.Sprintf("tar -cf - . | zstd -%d -T%d", cli, threads), d, fileSize(t, tarball), cpu})
	// The pipe leaves its archive in the page cache; made durable, as a
	// backup is, it takes the sync as well (a row for reading, the
	// ratio stays against the command alone, as the target says).
	dSync := sh(t, fmt.Sprintf("sync -f '%s'", tarball))
	pipeSynced := row{fmt.Sprintf("tar | zstd -%d -T%d, then sync -f", cli, threads), d + dSync, fileSize(t, tarball), 0}

	rows = append(rows, pipeSynced)

	out := filepath.Join(dataDir, "cli-out")
	must(t, os.Mkdir(out, 0o755))
	syncAll()
	d = sh(t, fmt.Sprintf("zstd -d -c '%s' | tar -C '%s' -xf -", tarball, out))
	rows = append(rows, row{"zstd -d -c | tar -xf -", d, 0, 0})
	d2 := sh(t, fmt.Sprintf("sync -f '%s'", out))
	rows = append(rows, row{"zstd -d -c | tar -xf -, then sync -f", d + d2, 0, 0})

	// The compressor's own ceiling: klauspost/compress alone over the
	// same files next to the zstd command alone, neither writing its
	// output, so the figure leaves out chunking, hashing and writes.
	syncAll()
	goZstd, goZstdCPU := compressTree(t, share, level, threads)
	// And what reading the files, and hashing every byte once (as the
	// chunk ids do), cost alone, to add up what a backup cannot skip.
	syncAll()
	_, readCPU := readTree(t, share, threads, func() func([]byte) { return func([]byte) {} })
	syncAll()
	_, hashCPU := readTree(t, share, threads, func() func([]byte) { return func(p []byte) { sha256.Sum256(p) } })
	syncAll()
	cliZstd := sh(t, fmt.Sprintf("tar -C '%s' -cf - . | zstd -%d -T%d -q -c >/dev/null", share, cli, threads))

	var b strings.Builder
	fmt.Fprintf(&b, "\nThroughput, warm page cache, each run once (MB = 10^6 bytes of file content)\n")
	fmt.Fprintf(&b, "tree: %d files in %d dirs, %.0f MB (a third in 1-64 KiB files, 4 large; half text, half random)\n", info.Files, info.Dirs, mb)
	fmt.Fprintf(&b, "zstd level: %s in manilite (klauspost/compress), -%d for the zstd command; %d threads for both\n", level, cli, threads)
	fmt.Fprintf(&b, "%-44s %9s %9s %12s %9s\n", "", "seconds", "MB/s", "archive MB", "CPU s")
	for _, r := range rows {
		arch, cpu := "", ""
		if r.archive > 0 {
			arch = fmt.Sprintf("%.1f", float64(r.archive)/1e6)
		}
		if r.cpu > 0 {
			cpu = fmt.Sprintf("%.2f", r.cpu.Seconds())
		}
		fmt.Fprintf(&b, "%-44s %9.2f %9.1f %12s %9s\n", r.what, r.d.Seconds(), mb/r.d.Seconds(), arch, cpu)
	}
	// The ratios make bench shows: manilite's throughput over the
	// command line's, above 1 when manilite is faster.
	backupRatio := rows[2].d.Seconds() / rows[0].d.Seconds()
	restoreRatio := rows[5].d.Seconds() / rows[1].d.Seconds()
	fmt.Fprintf(&b, "ratio manilite/cli (throughput): backup %.2f (CreateBackup / tar|zstd), restore %.2f (RestoreBackup / zstd -d|tar -x, then sync -f)\n", backupRatio, restoreRatio)
	t.Log(b.String())
	benchreport.Add("backup of a %.0f MB, %d-file tree / tar -cf - . | zstd -%d -T%d: %.0f / %.0f MB/s = %.2f (target >= 1.0; manilite's figure includes its fsync; next to the pipe then sync -f: %.0f MB/s = %.2f)",
		mb, info.Files, cli, threads, mb/rows[0].d.Seconds(), mb/rows[2].d.Seconds(), backupRatio, mb/rows[3].d.Seconds(), rows[3].d.Seconds()/rows[0].d.Seconds())
	// What each spends, whatever else the machine runs: with this many
	// cores, a backup that needs more CPU than the pipe cannot beat it.
	benchreport.Add("CPU (user + system) of that backup / of tar | zstd -%d -T%d: %.2f / %.2f CPU-seconds = %.2f; GOMAXPROCS %d",
		cli, threads, rows[0].cpu.Seconds(), rows[2].cpu.Seconds(), rows[0].cpu.Seconds()/rows[2].cpu.Seconds(), runtime.GOMAXPROCS(0))
	benchreport.Add("floor of the backup figure: klauspost/compress zstd %s alone over the tree's files, %d goroutines, output discarded / tar | zstd -%d -T%d >/dev/null: %.0f / %.0f MB/s = %.2f",
		level, threads, cli, threads, mb/goZstd.Seconds(), mb/cliZstd.Seconds(), cliZstd.Seconds()/goZstd.Seconds())
	benchreport.Add("what a backup cannot skip, each over the tree's files on %d goroutines (CPU-seconds): reading %.2f; reading and zstd %s %.2f; SHA-256 of every byte once %.2f more; together %.2f, %.2f of tar | zstd -%d -T%d's %.2f",
		threads, readCPU.Seconds(), level, goZstdCPU.Seconds(), (hashCPU - readCPU).Seconds(),
		(goZstdCPU + hashCPU - readCPU).Seconds(), (goZstdCPU+hashCPU-readCPU).Seconds()/rows[2].cpu.Seconds(), cli, threads, rows[2].cpu.Seconds())
	benchreport.Add("restore / zstd -d | tar -x, then sync -f: %.0f / %.0f MB/s = %.2f (target >= 1.0)",
		mb/rows[1].d.Seconds(), mb/rows[5].d.Seconds(), restoreRatio)

	// The restore is exact.
	restored, _ := l.SharePath("restored")
	assertTree(t, captureTree(t, share), restored)

	incremental(t, l, share, mb, rows[0].d)
}

// compressTree reads every regular file below root and compresses it
// with klauspost/compress's zstd at level in pieces of 1 MiB (the
// repository's average chunk), on workers goroutines, discarding the
// output: what the Go compressor alone costs on the tree.
func compressTree(t *testing.T, root, level string, workers int) (wall, cpu time.Duration) {
	_, lvl := zstd.EncoderLevelFromString(level)
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(lvl), zstd.WithEncoderConcurrency(workers), zstd.WithEncoderCRC(false))
	must(t, err)
	defer enc.Close()
	return readTree(t, root, workers, func() func([]byte) {
		var dst []byte
		return func(piece []byte) { dst = enc.EncodeAll(piece, dst[:0]) }
	})
}

// readTree reads every regular file below root in pieces of 1 MiB on
// workers goroutines, each calling the function newWorker returned for
// it on every piece, and returns the wall and CPU time (this process's)
// it took.
func readTree(t *testing.T, root string, workers int, newWorker func() func(piece []byte)) (wall, cpu time.Duration) {
	paths := make(chan string, 64)
	var wg sync.WaitGroup
	cpu0 := cpuTime(t, syscall.RUSAGE_SELF)
	start := time.Now()
	for range workers {
		do := newWorker()
		wg.Go(func() {
			buf := make([]byte, 1<<20)
			for p := range paths {
				f, err := os.Open(p)
				if err != nil {
					t.Error(err)
					continue
				}
				for {
					n, err := io.ReadFull(f, buf)
					if n > 0 {
						do(buf[:n])
					}
					if err != nil {
						break
					}
				}
				f.Close()
			}
		})
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			paths <- p
		}
		return err
	})
	close(paths)
	wg.Wait()
	must(t, err)
	return time.Since(start), cpuTime(t, syscall.RUSAGE_SELF) - cpu0
}

// incremental measures what a deduplicating repository is for: a second
// backup of the unchanged tree (next to the first one's time), and one after
// 1% of the files changed (the stored bytes it adds, next to the tree's
// size); and restic, when installed, on the same tree in the same run.
func incremental(t *testing.T, l *backend.Local, share string, mb float64, full time.Duration) {
	syncAll := func() { sh(t, "sync") }
	syncAll()
	stopProfile := profileBackup(t, "second-backup")
	start := time.Now()
	_, err := l.CreateBackup(t.Context(), "bench", "b2", nil, nil)
	again := time.Since(start)
	stopProfile()
	must(t, err)

	// Change 1% of the files: 16 bytes at the start of every 100th.
	var changed int
	n := 0
	must(t, filepath.WalkDir(share, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		if n++; n%100 == 0 {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt([]byte("changed-by-bench"), 0)
			changed++
			return err
		}
		return nil
	}))
	before, err := l.BackupStats(t.Context())
	must(t, err)
	syncAll()
	start = time.Now()
	info, err := l.CreateBackup(t.Context(), "bench", "b3", nil, nil)
	must(t, err)
	oneInHundred := time.Since(start)
	after, err := l.BackupStats(t.Context())
	must(t, err)
	grew := float64(after.PackBytes+after.IndexBytes+after.ManifestBytes-before.PackBytes-before.IndexBytes-before.ManifestBytes) / 1e6
	benchreport.Add("second backup, nothing changed: %.2f s, %.1f%% of the first backup's %.2f s (target <= 5%%)",
		again.Seconds(), 100*again.Seconds()/full.Seconds(), full.Seconds())
	benchreport.Add("backup after %d files (1%%) changed: %.2f s, %d files unread; stored bytes grew %.1f MB, %.2f%% of the tree's %.0f MB (target <= 2%%)",
		changed, oneInHundred.Seconds(), info.Unchanged, grew, 100*grew/mb, mb)

	restic, err := exec.LookPath("restic")
	if err != nil {
		benchreport.Add("restic: not installed (Debian's restic), not compared")
		return
	}
	repoDir := filepath.Join(t.TempDir(), "restic")
	env := "RESTIC_PASSWORD=bench RESTIC_REPOSITORY='" + repoDir + "' "
	sh(t, env+restic+" init --repository-version 2 -q")
	syncAll()
	first, firstCPU := shCPU(t, fmt.Sprintf("cd '%s' && %s%s backup -q --compression auto .", share, env, restic))
	second := sh(t, fmt.Sprintf("cd '%s' && %s%s backup -q --compression auto .", share, env, restic))
	target := filepath.Join(t.TempDir(), "restic-restore")
	syncAll()
	restore := sh(t, fmt.Sprintf("%s%s restore -q latest --target '%s' && sync -f '%s'", env, restic, target, target))
	benchreport.Add("restic 0.14 on the same tree, same run: first backup %.0f MB/s and %.2f CPU-seconds (manilite %.0f MB/s = %.2fx restic's), second %.2f s (manilite %.2f s), restore + sync %.0f MB/s",
		mb/first.Seconds(), firstCPU.Seconds(), mb/full.Seconds(), first.Seconds()/full.Seconds(), second.Seconds(), again.Seconds(), mb/restore.Seconds())
}

func BenchmarkCreateBackupSmallTree(b *testing.B) {
	dir := b.TempDir()
	l, err := backend.NewLocal(dir)
	must(b, err)
	share, err := l.CreateShare("s1")
	must(b, err)
	_, bytes := genTree(b, share, 16<<20)
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("b%d", i)
		i++
		if _, err := l.CreateBackup(b.Context(), "s1", id, nil, nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		must(b, l.DeleteBackup(id))
		b.StartTimer()
	}
	b.ReportMetric(float64(bytes)*float64(b.N)/1e6/b.Elapsed().Seconds(), "MB/s")
}

// profileBackup writes a CPU profile (name.pprof) and an execution trace
// (name.trace) of a backup into the folder MANILITE_BENCH_PROFILE names,
// if any: where the time goes, and how busy both cores are.
func profileBackup(t *testing.T, name string) (stop func()) {
	dir := os.Getenv("MANILITE_BENCH_PROFILE")
	if dir == "" {
		return func() {}
	}
	cpu, err := os.Create(filepath.Join(dir, name+".pprof"))
	must(t, err)
	tr, err := os.Create(filepath.Join(dir, name+".trace"))
	must(t, err)
	must(t, pprof.StartCPUProfile(cpu))
	must(t, trace.Start(tr))
	return func() {
		trace.Stop()
		pprof.StopCPUProfile()
		must(t, cpu.Close())
		must(t, tr.Close())
	}
}
