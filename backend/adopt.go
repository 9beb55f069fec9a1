package backend

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNotManageable is wrapped by AdoptShare's and AdoptSnapshot's error for
// a path they cannot take: not a directory straight under the folder, or
// gone.
var ErrNotManageable = errors.New("not a manageable directory")

// AdoptShare makes the directory at exportPath, straight under the shares
// folder (one an unmanage left, say), share shareID's: it is renamed to
// the share's own path, which it returns with the bytes it holds. The
// caller must know no share owns the directory. A replay after the rename
// finds the share's directory and returns it.
func (l *Local) AdoptShare(exportPath, shareID string) (string, int64, error) {
	dst, err := l.SharePath(shareID)
	if err != nil {
		return "", 0, err
	}
	if err := adopt(exportPath, l.root, dst); err != nil {
		return "", 0, err
	}
	used, err := l.ShareUsedBytes(shareID)
	if err != nil {
		return "", 0, err
	}
	return dst, used, nil
}

// AdoptSnapshot is AdoptShare for a snapshot's copy under the snapshots
// folder; it returns the snapshot's path.
func (l *Local) AdoptSnapshot(location, snapshotID string) (string, error) {
	dst, err := l.SnapshotPath(snapshotID)
	if err != nil {
		return "", err
	}
	return dst, adopt(location, l.snapshots, dst)
}

// adopt renames the directory src, which must be straight under parent and
// not a work folder, to dst (in the same folder); done already when src is
// gone and dst is there.
func adopt(src, parent, dst string) error {
	src = filepath.Clean(src)
	if src == dst {
		return nil
	}
	if filepath.Dir(src) != parent || checkID("directory", filepath.Base(src)) != nil {
		return fmt.Errorf("backend: manage %s: %w: not a folder of %s", src, ErrNotManageable, parent)
	}
	st, err := os.Lstat(src)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if dt, derr := os.Stat(dst); derr == nil && dt.IsDir() {
			return nil // renamed already: a replay
		}
		return fmt.Errorf("backend: manage %s: %w: %v", src, ErrNotManageable, err)
	case err != nil:
		return fmt.Errorf("backend: manage %s: %w: %v", src, ErrNotManageable, err)
	case !st.IsDir():
		return fmt.Errorf("backend: manage %s: %w: not a directory", src, ErrNotManageable)
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("backend: manage %s: %w", src, err)
	}
	return syncDir(parent)
}
