package backend

import (
	"io/fs"
	"path/filepath"
)

// ShareUsedBytes is the data a share holds: the sizes of the regular files
// under its directory (apparent sizes, as the files report them).
func (l *Local) ShareUsedBytes(id string) (int64, error) {
	dir, err := l.SharePath(id)
	if err != nil {
		return 0, err
	}
	var total int64
	err = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	return total, err
}
