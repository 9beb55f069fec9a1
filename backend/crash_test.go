package backend_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/manilite/manilite/backend"
	"github.com/manilite/manilite/backend/repo"
)

// TestCrashHelper is not a test: TestKilled* run the test binary again to
// run it, as a process they can kill mid-operation. It runs a slow
// (rate-limited) backup or restore and prints its progress.
func TestCrashHelper(t *testing.T) {
	op := os.Getenv("MANILITE_CRASH_HELPER")
	if op == "" {
		t.Skip("helper process for TestKilledMidBackup and TestKilledMidRestore")
	}
	// Packs of one chunk each, so that a kill finds some uploaded.
	l, err := backend.NewLocal(os.Getenv("MANILITE_CRASH_DATA"), backend.WithMaxRate(1<<20),
		backend.WithRepositoryOptions(repo.Options{PackSize: 1}))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	report := func(p int) { fmt.Printf("progress %d\n", p) }
	switch op {
	case "backup":
		_, err = l.CreateBackup(context.Background(), "s1", "b1", nil, report)
	case "restore":
		err = l.RestoreBackup(context.Background(), "b1", "s1", report)
	}
	fmt.Println("done", err)
	os.Exit(0)
}

// killMidway runs op in a helper process over dataDir and kills it (SIGKILL)
// once it reports 20% progress, and a backup only once it has uploaded a
// pack to the repository.
func killMidway(t *testing.T, op, dataDir string) {
	t.Helper()
	ready := func() bool { return true }
	if op == "backup" {
		ready = func() bool {
			packs, _ := filepath.Glob(filepath.Join(dataDir, "backups", "packs", "*", "*"))
			return len(packs) > 0
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MANILITE_CRASH_HELPER="+op, "MANILITE_CRASH_DATA="+dataDir)
	out, err := cmd.StdoutPipe()
	must(t, err)
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	sc := bufio.NewScanner(out)
	killed := false
	var lines []string
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		if p, ok := strings.CutPrefix(line, "progress "); ok {
			if n, _ := strconv.Atoi(p); n >= 20 && n < 100 && ready() {
				must(t, cmd.Process.Kill())
				killed = true
				break
			}
		}
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("the helper was not killed mid-%s; it printed %q", op, lines)
	}
}

func TestKilledMidBackup(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a helper process")
	}
	l, dataDir := newLocalOpts(t)
	// Four files of 1 MiB (4 s at the helper's 1 MiB/s): each is a chunk
	// of its own whatever the repository's chunker polynomial, so a pack
	// is uploaded once the first file is read.
	p, err := l.CreateShare("s1")
	must(t, err)
	for i := range 4 {
		mustWrite(t, filepath.Join(p, fmt.Sprintf("data-%d.bin", i)), randomBytes(uint64(7+i), 1<<20), 0o644)
	}
	want := captureTree(t, p)
	killMidway(t, "backup", dataDir)

	// Packs the killed backup uploaded are there, in no index, and no
	// manifest: the repository is sound, with leftovers.
	if l.BackupExists("b1") {
		t.Fatal("the killed backup exists")
	}
	killedRepo := func(l *backend.Local) {
		t.Helper()
		if st := repoStats(t, l); st.Backups != 0 || st.Packs == 0 {
			t.Errorf("after the kill the repository holds %+v, want packs and no backup", st)
		}
		rep, err := l.CheckBackups(t.Context(), true)
		must(t, err)
		if !rep.OK() || len(rep.Leftovers) == 0 {
			t.Errorf("check after the kill: %+v, want sound with leftovers", rep)
		}
	}
	killedRepo(l)
	// The job runs again, in a new process.
	l2, err := backend.NewLocal(dataDir)
	must(t, err)
	if _, err := l2.CreateBackup(t.Context(), "s1", "b1", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := backupIDs(t, l2); !slices.Equal(got, []string{"b1"}) {
		t.Errorf("backups %v, want [b1]", got)
	}
	must(t, l2.RestoreBackup(t.Context(), "b1", "s2", nil))
	p2, _ := l2.SharePath("s2")
	assertTree(t, want, p2)

	// DeleteBackup clears the leftovers too, and so does RemoveLeftovers
	// at start-up.
	must(t, l2.DeleteBackup("b1"))
	killMidway(t, "backup", dataDir)
	killedRepo(l2)
	must(t, l2.DeleteBackup("b1"))
	assertNoBackupData(t, l2)
	killMidway(t, "backup", dataDir)
	killedRepo(l2)
	must(t, l2.RemoveLeftovers())
	assertNoBackupData(t, l2)
}

func TestKilledMidRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a helper process")
	}
	l, dataDir := newLocalOpts(t)
	share, want := slowShare(t, l, "s1", 4<<20)
	_, err := l.CreateBackup(t.Context(), "s1", "b1", nil, nil)
	must(t, err)
	writeFile(t, filepath.Join(share, "new"), "written after the backup")
	must(t, os.WriteFile(filepath.Join(share, "data.bin"), []byte("overwritten"), 0o644))
	current := captureTree(t, share)

	killMidway(t, "restore", dataDir)
	assertTree(t, current, share) // untouched
	if got := entries(t, l.Root()); !slices.Equal(got, []string{".restore-s1", "s1"}) {
		t.Errorf("after the kill the shares folder holds %v", got)
	}
	must(t, l.RemoveLeftovers()) // leaves the .restore folder to the job
	if !exists(filepath.Join(l.Root(), ".restore-s1")) {
		t.Error("RemoveLeftovers removed the .restore folder")
	}
	// The job runs again.
	l2, err := backend.NewLocal(dataDir)
	must(t, err)
	must(t, l2.RestoreBackup(t.Context(), "b1", "s1", nil))
	assertTree(t, want, share)
	if got := entries(t, l.Root()); !slices.Equal(got, []string{"s1"}) {
		t.Errorf("shares folder holds %v", got)
	}
}
