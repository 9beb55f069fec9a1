package backend_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/manilite/manilite/backend"
)

func TestStatBackup(t *testing.T) {
	l, dataDir := newLocalOpts(t)
	richShare(t, l, "s1")
	if _, err := l.StatBackup("b1"); !errors.Is(err, backend.ErrBackupNotFound) {
		t.Fatalf("StatBackup before the backup: %v", err)
	}
	made, err := l.CreateBackup(t.Context(), "s1", "b1", nil, nil)
	must(t, err)
	got, err := l.StatBackup("b1")
	must(t, err)
	if !reflect.DeepEqual(got, made) || got.Bytes == 0 || got.ArchiveBytes == 0 {
		t.Errorf("StatBackup = %+v, CreateBackup gave %+v", got, made)
	}
	must(t, os.WriteFile(filepath.Join(dataDir, "backups", "manifests", "b1"), []byte("garbage"), 0o600))
	if _, err := l.StatBackup("b1"); !errors.Is(err, backend.ErrCorruptBackup) {
		t.Errorf("StatBackup of a damaged manifest: %v", err)
	}
	// A backup of the archive format.
	made, err = l.CreateLegacyBackup(t.Context(), "s1", "old", nil, nil)
	must(t, err)
	got, err = l.StatBackup("old")
	must(t, err)
	if !reflect.DeepEqual(got, made) || got.ArchiveBytes == 0 {
		t.Errorf("StatBackup = %+v, CreateLegacyBackup gave %+v", got, made)
	}
	p, _ := l.BackupPath("old")
	must(t, os.Remove(filepath.Join(p, "manifest.json")))
	if _, err := l.StatBackup("old"); !errors.Is(err, backend.ErrCorruptBackup) {
		t.Errorf("StatBackup of an archive folder without a manifest: %v", err)
	}
	if _, err := l.StatBackup("../x"); err == nil {
		t.Error("StatBackup of an invalid id: no error")
	}
}
