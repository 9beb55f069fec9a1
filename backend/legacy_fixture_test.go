package backend_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// legacyFixtureID is the backup in testdata/legacy-backup: made by
// CreateBackup of the release before the backup repository, from a share
// holding hello.txt, empty, link -> hello.txt and sub/deeper/data.bin
// (70,000 zero bytes), sub with mode 0775, the files' and sub's mtimes at
// 2026-11-30T12:00:00.123456789Z.
const legacyFixtureID = "6d6f0c1e-0000-4000-8000-00000000abcd"

// An archive backup made by the release before the repository restores
// byte for byte, is listed, stats, and deletes.
func TestRestoreLegacyFixture(t *testing.T) {
	l, dataDir := newLocalOpts(t)
	dst := filepath.Join(dataDir, "backups", legacyFixtureID)
	if out, err := exec.Command("cp", "-a", filepath.Join("testdata", "legacy-backup", legacyFixtureID), dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	if got := backupIDs(t, l); !slices.Equal(got, []string{legacyFixtureID}) {
		t.Fatalf("backups %v", got)
	}
	info, err := l.StatBackup(legacyFixtureID)
	must(t, err)
	if info.Files != 3 || info.Dirs != 3 || info.Symlinks != 1 || info.Bytes != 70021 {
		t.Errorf("StatBackup = %+v", info)
	}
	must(t, l.RestoreBackup(t.Context(), legacyFixtureID, "s1", nil))
	share, _ := l.SharePath("s1")
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join(share, p))
		must(t, err)
		return b
	}
	if got := read("hello.txt"); string(got) != "hello, legacy backup\n" {
		t.Errorf("hello.txt = %q", got)
	}
	if got := read("sub/deeper/data.bin"); !bytes.Equal(got, make([]byte, 70000)) {
		t.Errorf("data.bin: %d bytes, not all zero", len(got))
	}
	if got := read("empty"); len(got) != 0 {
		t.Errorf("empty holds %q", got)
	}
	if target, err := os.Readlink(filepath.Join(share, "link")); err != nil || target != "hello.txt" {
		t.Errorf("link -> %q, %v", target, err)
	}
	mt := time.Date(2026, 11, 30, 12, 0, 0, 123456789, time.UTC)
	for p, mode := range map[string]os.FileMode{"hello.txt": 0o640, "sub/deeper/data.bin": 0o600, "empty": 0o644, "sub": 0o775 | os.ModeDir} {
		st, err := os.Lstat(filepath.Join(share, p))
		must(t, err)
		if st.Mode() != mode || !st.ModTime().Equal(mt) {
			t.Errorf("%s: mode %v mtime %v, want %v %v", p, st.Mode(), st.ModTime(), mode, mt)
		}
	}
	must(t, l.DeleteBackup(legacyFixtureID))
	if l.BackupExists(legacyFixtureID) {
		t.Error("the deleted archive backup exists")
	}
	assertNoBackupData(t, l)
}
