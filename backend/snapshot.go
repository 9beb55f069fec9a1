package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// SnapshotPath is the folder that holds snapshot id's copy of its share.
func (l *Local) SnapshotPath(id string) (string, error) {
	if err := checkID("snapshot", id); err != nil {
		return "", err
	}
	return filepath.Join(l.snapshots, id), nil
}

// SnapshotExists reports whether snapshot id exists (complete: a snapshot
// gets its name only once it is whole).
func (l *Local) SnapshotExists(id string) bool {
	p, err := l.SnapshotPath(id)
	if err != nil {
		return false
	}
	st, err := os.Lstat(p)
	return err == nil && st.IsDir()
}

// CreateSnapshot copies share shareID's tree to
// <data-dir>/snapshots/<snapshotID>/, with the fidelity of RestoreBackup
// and the consistency of CreateBackup (fifos, sockets and devices are left
// out). The copy shares no data with the share: every file is copied, none
// is linked. It is built in snapshots/.tmp-<snapshotID>, synced, and
// renamed into place; when the snapshot exists already, CreateSnapshot does
// nothing. When ctx ends, it returns ctx.Err().
func (l *Local) CreateSnapshot(ctx context.Context, shareID, snapshotID string) error {
	src, err := l.SharePath(shareID)
	if err != nil {
		return err
	}
	final, err := l.SnapshotPath(snapshotID)
	if err != nil {
		return err
	}
	if l.SnapshotExists(snapshotID) {
		return nil
	}
	work := ".tmp-" + snapshotID
	workPath := filepath.Join(l.snapshots, work)
	if err := removeTree(workPath); err != nil {
		return fmt.Errorf("backend: snapshot %s: remove leftover: %w", snapshotID, err)
	}
	err = l.copyTree(ctx, src, l.snapshots, work)
	if err == nil {
		err = os.Rename(workPath, final)
	}
	if err == nil {
		err = syncDir(l.snapshots)
	}
	if err != nil {
		_ = removeTree(workPath)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("backend: snapshot %s of share %s: %w", snapshotID, shareID, err)
	}
	return nil
}

// copyTree copies the tree at src to a new tree named work in the folder
// parent and syncs it.
func (l *Local) copyTree(ctx context.Context, src, parent, work string) error {
	entries, _, _, err := scanTree(ctx, src)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return ErrShareNotFound
		}
		return err
	}
	r, err := openTreeReader(src, entries[0])
	if err != nil {
		return err
	}
	defer r.close()
	w, err := newTreeWriter(parent, work, entries[0])
	if err != nil {
		return err
	}
	defer w.close()
	buf := make([]byte, l.limit.chunk(1<<20))
	for i := range entries {
		e := &entries[i]
		switch e.typ {
		case typeDir:
			if i > 0 {
				if err = r.enterDir(e); err == nil {
					err = w.mkdir(e)
				}
			}
		case typeSymlink:
			err = w.symlink(e)
		case typeFile:
			var f *srcFile
			if f, err = r.openFile(e); err != nil {
				break
			}
			err = w.file(e, func(out *os.File) error {
				return copyExact(out, &copyReader{ctx: ctx, f: f, path: e.path, left: e.size, limit: l.limit}, buf)
			})
			f.Close()
		}
		if err != nil {
			return err
		}
	}
	return w.finish()
}

// CreateShareFromSnapshot makes share shareID's directory a copy of
// snapshot snapshotID's tree (every file copied, none linked) and returns
// its path (the export location). A share that exists already is left as
// it is.
func (l *Local) CreateShareFromSnapshot(ctx context.Context, snapshotID, shareID string) (string, error) {
	src, err := l.SnapshotPath(snapshotID)
	if err != nil {
		return "", err
	}
	if !l.SnapshotExists(snapshotID) {
		return "", fmt.Errorf("backend: share %s from snapshot %s: %w", shareID, snapshotID, ErrSnapshotNotFound)
	}
	return l.createShareFrom(ctx, src, shareID, "snapshot "+snapshotID)
}

// createShareFrom copies the tree at src to share shareID's directory: built
// beside the shares as .tmp-<shareID>, synced and renamed into place. what
// names the source in errors.
func (l *Local) createShareFrom(ctx context.Context, src, shareID, what string) (string, error) {
	dst, err := l.SharePath(shareID)
	if err != nil {
		return "", err
	}
	if st, err := os.Stat(dst); err == nil && st.IsDir() {
		return dst, nil
	}
	work := ".tmp-" + shareID
	if err := removeTree(filepath.Join(l.root, work)); err != nil {
		return "", err
	}
	err = l.copyTree(ctx, src, l.root, work)
	if err == nil {
		err = os.Rename(filepath.Join(l.root, work), dst)
	}
	if err == nil {
		err = syncDir(l.root)
	}
	if err != nil {
		_ = removeTree(filepath.Join(l.root, work))
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("backend: share %s from %s: %w", shareID, what, err)
	}
	return dst, nil
}

// DeleteSnapshot removes snapshot id, and the folder of an unfinished
// attempt to create it. Like DeleteShare it renames the snapshot aside
// first.
func (l *Local) DeleteSnapshot(id string) error {
	if _, err := l.SnapshotPath(id); err != nil {
		return err
	}
	if err := removeTree(filepath.Join(l.snapshots, ".tmp-"+id)); err != nil {
		return fmt.Errorf("backend: delete snapshot %s: %w", id, err)
	}
	if err := removeAside(l.snapshots, id); err != nil {
		return fmt.Errorf("backend: delete snapshot %s: %w", id, err)
	}
	return nil
}
