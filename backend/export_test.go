package backend

import "context"

// ZstdThreads is how many goroutines compress a backup, for the benchmark's
// comparison with the zstd command.
var ZstdThreads = zstdThreads

// CreateLegacyBackup makes a backup in the format of before the backup
// repository (legacy_writer_test.go), for the tests of its restore.
func (l *Local) CreateLegacyBackup(ctx context.Context, shareID, backupID string, opts map[string]any, progress func(int)) (BackupInfo, error) {
	return l.createLegacyBackup(ctx, shareID, backupID, opts, progress)
}
