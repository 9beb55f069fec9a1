package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LocalStore is a Store over a folder of a local file system: an object is
// the file at its key below the folder. Put writes a temporary file in the
// folder's ".tmp" directory, fsyncs it, renames it into place and fsyncs
// the directory, so that an object is either absent or complete, even
// after a kill -9 or a power loss.
type LocalStore struct {
	root string
	tmp  string
}

// tempDirName is LocalStore's folder for objects being written. It starts
// with a dot so that no key can name it (keys are checked by checkKey).
const tempDirName = ".tmp"

// NewLocalStore returns the store over folder root, creating it (and its
// temporary directory) if needed.
func NewLocalStore(root string) (*LocalStore, error) {
	s := &LocalStore{root: root, tmp: filepath.Join(root, tempDirName)}
	if err := os.MkdirAll(s.tmp, 0o700); err != nil {
		return nil, fmt.Errorf("repo: local store %s: %w", root, err)
	}
	return s, nil
}

// checkKey rejects keys that could name a file outside the store's folder
// or its temporary directory.
func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") || strings.Contains(key, "\x00") {
		return fmt.Errorf("repo: invalid object key %q", key)
	}
	for _, el := range strings.Split(key, "/") {
		if el == "" || strings.HasPrefix(el, ".") {
			return fmt.Errorf("repo: invalid object key %q", key)
		}
	}
	return nil
}

func (s *LocalStore) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

func notFound(key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("repo: object %s: %w", key, ErrNotFound)
	}
	return fmt.Errorf("repo: object %s: %w", key, err)
}

func (s *LocalStore) Put(ctx context.Context, key string, data []byte) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("repo: put %s: %w", key, err)
	}
	pattern := "put-*"
	if strings.HasPrefix(key, locksPrefix) {
		pattern = lockTempPrefix + "*"
	}
	f, err := os.CreateTemp(s.tmp, pattern)
	if err != nil {
		return fmt.Errorf("repo: put %s: %w", key, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("repo: put %s: %w", key, err)
	}
	// The rename is durable only once the directory is.
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("repo: put %s: %w", key, err)
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func (s *LocalStore) Get(ctx context.Context, key string) ([]byte, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, notFound(key, err)
	}
	return b, nil
}

func (s *LocalStore) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if offset < 0 || length < 0 {
		return nil, fmt.Errorf("repo: object %s: invalid range %d+%d", key, offset, length)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, notFound(key, err)
	}
	defer f.Close()
	b := make([]byte, length)
	if _, err := f.ReadAt(b, offset); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("repo: object %s: range %d+%d beyond its end", key, offset, length)
		}
		return nil, fmt.Errorf("repo: object %s: %w", key, err)
	}
	return b, nil
}

func (s *LocalStore) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	var out []ObjectInfo
	// Walk only the part of the tree the prefix can be in.
	start := s.root
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		start = filepath.Join(s.root, filepath.FromSlash(prefix[:i]))
	}
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // a directory removed while we walk, or no such prefix
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != start {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		out = append(out, ObjectInfo{Key: key, Size: info.Size(), ModTime: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("repo: list %q: %w", prefix, err)
	}
	return out, nil
}

func (s *LocalStore) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("repo: delete %s: %w", key, err)
	}
	// Without the directory's fsync a deleted object could come back
	// after a crash; harmless (Prune deletes it again), so no error.
	syncDir(filepath.Dir(p))
	return nil
}

func (s *LocalStore) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return ObjectInfo{}, notFound(key, err)
	}
	return ObjectInfo{Key: key, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// lockTempPrefix names the temporary files of lock objects' Puts, which
// processes on other nodes write while a Prune runs (trying to take the
// lock, or refreshing theirs): removeTemps leaves them alone longer.
const lockTempPrefix = "lock-"

// removeTemps removes the temporary files of Puts that a dead process
// left behind, if they are older than olderThan (those of lock objects,
// older than locksOlderThan).
func (s *LocalStore) removeTemps(olderThan, locksOlderThan time.Time) (int, error) {
	des, err := os.ReadDir(s.tmp)
	if err != nil {
		return 0, fmt.Errorf("repo: list %s: %w", s.tmp, err)
	}
	n := 0
	for _, de := range des {
		info, err := de.Info()
		limit := olderThan
		if strings.HasPrefix(de.Name(), lockTempPrefix) {
			limit = locksOlderThan
		}
		if err != nil || !info.ModTime().Before(limit) {
			continue
		}
		if err := os.Remove(filepath.Join(s.tmp, de.Name())); err == nil {
			n++
		}
	}
	return n, nil
}

// TempFiles returns how many temporary files LocalStore's temporary
// directory holds (for tests and admins: leftovers of killed writers).
func (s *LocalStore) TempFiles() (int, error) {
	des, err := os.ReadDir(s.tmp)
	return len(des), err
}
