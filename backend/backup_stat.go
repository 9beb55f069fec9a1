package backend

import (
	"context"
	"errors"
)

// StatBackup describes the complete backup id from its manifest, as
// CreateBackup did when it made it: ErrBackupNotFound when there is none,
// ErrCorruptBackup when its manifest or archive is not right (the content
// is checked by RestoreBackup only).
func (l *Local) StatBackup(id string) (BackupInfo, error) {
	p, err := l.BackupPath(id)
	if err != nil {
		return BackupInfo{}, err
	}
	m, err := readManifest(p, id)
	if errors.Is(err, ErrBackupNotFound) {
		b, err := l.repo.OpenBackup(context.Background(), id)
		if err != nil {
			return BackupInfo{}, repoError(id, err)
		}
		return committedInfo(b), nil
	}
	if err != nil {
		return BackupInfo{}, err
	}
	return m.info(), nil
}
