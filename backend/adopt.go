package backend

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNotManageable is wrapped by AdoptShare's error for a path it cannot
// take: not a directory straight under the shares folder, or gone.
var ErrNotManageable = errors.New("not a manageable share directory")

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
	src := filepath.Clean(exportPath)
	if src != dst {
		name := filepath.Base(src)
		if filepath.Dir(src) != l.root || checkID("share", name) != nil {
			return "", 0, fmt.Errorf("backend: manage %s: %w: not a folder of %s", exportPath, ErrNotManageable, l.root)
		}
		st, err := os.Lstat(src)
		switch {
		case errors.Is(err, os.ErrNotExist) && l.ShareExists(shareID):
			// Renamed already: a replay.
		case err != nil:
			return "", 0, fmt.Errorf("backend: manage %s: %w: %v", exportPath, ErrNotManageable, err)
		case !st.IsDir():
			return "", 0, fmt.Errorf("backend: manage %s: %w: not a directory", exportPath, ErrNotManageable)
		default:
			if err := os.Rename(src, dst); err != nil {
				return "", 0, fmt.Errorf("backend: manage %s: %w", exportPath, err)
			}
			if err := syncDir(l.root); err != nil {
				return "", 0, err
			}
		}
	}
	used, err := l.ShareUsedBytes(shareID)
	if err != nil {
		return "", 0, err
	}
	return dst, used, nil
}
