package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// RevertShare makes share shareID's directory a copy of snapshot
// snapshotID's tree again. The copy is built beside the shares as
// .revert-<shareID>, synced, and swapped in: the old tree is renamed to
// .deleting-<shareID> (which RemoveLeftovers finishes after a crash) and
// removed. Running it again after a crash copies afresh.
func (l *Local) RevertShare(ctx context.Context, snapshotID, shareID string) error {
	src, err := l.SnapshotPath(snapshotID)
	if err != nil {
		return err
	}
	dst, err := l.SharePath(shareID)
	if err != nil {
		return err
	}
	if !l.SnapshotExists(snapshotID) {
		return fmt.Errorf("backend: revert share %s to snapshot %s: %w", shareID, snapshotID, ErrSnapshotNotFound)
	}
	work := ".revert-" + shareID
	workPath := filepath.Join(l.root, work)
	if err := removeTree(workPath); err != nil {
		return err
	}
	if err := l.copyTree(ctx, src, l.root, work); err != nil {
		_ = removeTree(workPath)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("backend: revert share %s to snapshot %s: %w", shareID, snapshotID, err)
	}
	trash := filepath.Join(l.root, ".deleting-"+shareID)
	if err := removeTree(trash); err != nil {
		return err
	}
	if err := os.Rename(dst, trash); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backend: revert share %s: %w", shareID, err)
	}
	if err := os.Rename(workPath, dst); err != nil {
		return fmt.Errorf("backend: revert share %s: %w", shareID, err)
	}
	if err := syncDir(l.root); err != nil {
		return err
	}
	return removeTree(trash)
}
