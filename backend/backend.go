// Package backend is manilite's data plane on the local filesystem: every
// share is a directory, <data-dir>/shares/<share id>, and that directory's
// path is the share's export location.
//
// It knows nothing of HTTP, policy or the database. Every operation is
// idempotent, because the durable jobs that call it may run again after a
// crash.
package backend

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Local keeps shares as directories under one root.
type Local struct {
	root string
}

// NewLocal prepares <dataDir>/shares and returns a backend rooted there.
func NewLocal(dataDir string) (*Local, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	root := filepath.Join(abs, "shares")
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("backend: create %s: %w", root, err)
	}
	return &Local{root: root}, nil
}

// Root is the folder that holds the share directories.
func (l *Local) Root() string { return l.root }

// SharePath is where share id's data lives.
func (l *Local) SharePath(id string) (string, error) {
	// A leading dot is refused too: .deleting-* names are crash leftovers.
	if id == "" || strings.ContainsAny(id, `/\`) || strings.HasPrefix(id, ".") {
		return "", fmt.Errorf("backend: invalid share id %q", id)
	}
	return filepath.Join(l.root, id), nil
}

// CreateShare makes the share's directory (if it is not there yet) and
// returns its path, the export location.
func (l *Local) CreateShare(id string) (string, error) {
	p, err := l.SharePath(id)
	if err != nil {
		return "", err
	}
	if err := os.Mkdir(p, 0o770); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("backend: create share %s: %w", id, err)
	}
	if st, err := os.Stat(p); err != nil || !st.IsDir() {
		return "", fmt.Errorf("backend: create share %s: %s exists and is not a directory", id, p)
	}
	if err := syncDir(l.root); err != nil {
		return "", err
	}
	return p, nil
}

// DeleteShare removes the share's directory and everything in it. It first
// renames the directory out of the way, so a crash half-way leaves a
// .deleting-* folder that the next call (or RemoveLeftovers) finishes, never a
// half-emptied share.
func (l *Local) DeleteShare(id string) error {
	p, err := l.SharePath(id)
	if err != nil {
		return err
	}
	trash := filepath.Join(l.root, ".deleting-"+id)
	switch err := os.Rename(p, trash); {
	case err == nil, errors.Is(err, os.ErrNotExist):
	default:
		return fmt.Errorf("backend: delete share %s: %w", id, err)
	}
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("backend: delete share %s: %w", id, err)
	}
	return syncDir(l.root)
}

// ShareExists reports whether the share's directory exists.
func (l *Local) ShareExists(id string) bool {
	p, err := l.SharePath(id)
	if err != nil {
		return false
	}
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// RemoveLeftovers finishes deletions a crash interrupted.
func (l *Local) RemoveLeftovers() error {
	entries, err := os.ReadDir(l.root)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".deleting-") {
			errs = append(errs, os.RemoveAll(filepath.Join(l.root, e.Name())))
		}
	}
	return errors.Join(errs...)
}

// syncDir makes a directory's entries (a new or renamed child) durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backend: sync %s: %w", dir, err)
	}
	return nil
}
