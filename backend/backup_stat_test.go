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
	l, _ := newLocalOpts(t)
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
	p, _ := l.BackupPath("b1")
	must(t, os.Remove(filepath.Join(p, "manifest.json")))
	if _, err := l.StatBackup("b1"); !errors.Is(err, backend.ErrCorruptBackup) {
		t.Errorf("StatBackup without a manifest: %v", err)
	}
	if _, err := l.StatBackup("../x"); err == nil {
		t.Error("StatBackup of an invalid id: no error")
	}
}
