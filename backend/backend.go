// Package backend is manilite's data plane on the local filesystem: every
// share is a directory, <data-dir>/shares/<share id>, and that directory's
// path is the share's export location.
//
// Besides shares it keeps, under the same data directory:
//
//   - backups/: the backup repository (package backend/repo), unless
//     WithBackupStore puts it elsewhere (another folder, an S3 bucket):
//     deduplicated, content-defined chunks in packs, and one manifest per
//     backup. RestoreBackup checks every chunk and file while it extracts
//     and swaps the result in atomically, so a share is never half
//     restored. Backups made before the repository, backups/<backup id>/
//     (a tar stream, data.tar.zst or data.tar, and manifest.json), still
//     restore (backup.go).
//   - snapshots/<snapshot id>/: a full, independent copy of a share's tree
//     (no hard links into the share).
//   - cgsnapshots/<cgsnapshot id>/<member id>/: a consistency group
//     snapshot's images, one copy per member share, named only once all of
//     them are whole; new shares can be made from them.
//
// It knows nothing of HTTP, policy or the database. Every operation is
// idempotent and crash-safe, because the durable jobs that call it may run
// again after a crash: results are built under a dot-prefixed temporary name
// and renamed into place, and the dot-prefixed leftovers of an interrupted
// run are removed by the next run or by RemoveLeftovers.
//
// Backup, restore and snapshot copies walk the share with directory file
// descriptors and never follow symbolic links, so a share's content cannot
// make them read or write outside the share. They preserve directories,
// regular files and symbolic links with their permission bits (including
// setuid, setgid and sticky), modification times (to the nanosecond) and,
// when running as root, owners; other file types are skipped, and extended
// attributes, ACLs, hard-link identity and sparseness are not kept. The
// package uses Linux system calls (renameat2, syncfs, *at).
package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/manilite/manilite/backend/repo"
)

// Local keeps shares as directories under one root, and backups and
// snapshots beside it.
type Local struct {
	root      string // <data-dir>/shares
	backups   string // <data-dir>/backups
	snapshots string // <data-dir>/snapshots
	limit     *rateLimiter
	repo      *repo.Repo // the backups, but those made before it (see backup_repo.go)
}

// NewLocal prepares <dataDir>/shares, <dataDir>/backups and
// <dataDir>/snapshots and returns a backend rooted there.
func NewLocal(dataDir string, opts ...Option) (*Local, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.maxRate < 0 {
		return nil, fmt.Errorf("backend: max rate %d bytes/s is negative", cfg.maxRate)
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	l := &Local{
		root:      filepath.Join(abs, "shares"),
		backups:   filepath.Join(abs, "backups"),
		snapshots: filepath.Join(abs, "snapshots"),
		limit:     newRateLimiter(cfg.maxRate),
	}
	for _, d := range []struct {
		path string
		perm os.FileMode
	}{
		{l.root, 0o750},
		// Backups hold every tenant's data and are never exported.
		{l.backups, 0o700},
		{l.snapshots, 0o750},
	} {
		if err := os.MkdirAll(d.path, d.perm); err != nil {
			return nil, fmt.Errorf("backend: create %s: %w", d.path, err)
		}
	}
	store := cfg.backupStore
	if store == nil {
		local, err := repo.NewLocalStore(l.backups)
		if err != nil {
			return nil, err
		}
		store = local
	}
	if l.repo, err = repo.Open(context.Background(), store, cfg.repoOptions); err != nil {
		return nil, fmt.Errorf("backend: backup repository: %w", err)
	}
	return l, nil
}

// Root is the folder that holds the share directories.
func (l *Local) Root() string { return l.root }

// SharePath is where share id's data lives.
func (l *Local) SharePath(id string) (string, error) {
	if err := checkID("share", id); err != nil {
		return "", err
	}
	return filepath.Join(l.root, id), nil
}

// checkID refuses ids that are not a single, plain path element. A leading
// dot is refused too: .deleting-*, .tmp-* and .restore-* names are work
// folders and crash leftovers.
func checkID(kind, id string) error {
	if id == "" || strings.ContainsAny(id, `/\`+"\x00") || strings.HasPrefix(id, ".") {
		return fmt.Errorf("backend: invalid %s id %q", kind, id)
	}
	return nil
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
	if _, err := l.SharePath(id); err != nil {
		return err
	}
	if err := removeAside(l.root, id); err != nil {
		return fmt.Errorf("backend: delete share %s: %w", id, err)
	}
	return nil
}

// removeAside removes dir/name: it renames it to dir/.deleting-<name> first,
// so that a crash half-way leaves a folder that the next call (or
// RemoveLeftovers) finishes, never a half-emptied one under its real name.
func removeAside(dir, name string) error {
	p := filepath.Join(dir, name)
	trash := filepath.Join(dir, ".deleting-"+name)
	// The leftover of an earlier, interrupted call would make the rename
	// fail (a directory cannot replace a non-empty one).
	if err := removeTree(trash); err != nil {
		return err
	}
	switch err := os.Rename(p, trash); {
	case err == nil:
		if err := syncDir(dir); err != nil {
			return err
		}
	case errors.Is(err, os.ErrNotExist):
	default:
		return err
	}
	if err := removeTree(trash); err != nil {
		return err
	}
	return syncDir(dir)
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

// RemoveLeftovers finishes deletions a crash interrupted (.deleting-* under
// shares/, backups/ and snapshots/) and removes unfinished backups and
// snapshots (.tmp-* under backups/ and snapshots/). It leaves .restore-*
// folders alone: a restore job that runs again removes its own. Call it
// before the jobs that could be creating those folders start.
func (l *Local) RemoveLeftovers() error {
	var errs []error
	for _, d := range []struct {
		dir      string
		prefixes []string
	}{
		{l.root, []string{".deleting-"}},
		{l.backups, []string{".deleting-", ".tmp-"}},
		{l.snapshots, []string{".deleting-", ".tmp-"}},
	} {
		entries, err := os.ReadDir(d.dir)
		if err != nil {
			if d.dir != l.root && errors.Is(err, os.ErrNotExist) {
				continue
			}
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			for _, pre := range d.prefixes {
				if strings.HasPrefix(e.Name(), pre) {
					errs = append(errs, removeTree(filepath.Join(d.dir, e.Name())))
					break
				}
			}
		}
	}
	// And what a crashed backup or prune left in the repository, unless
	// other nodes are using it: a start does not wait for their backups
	// (the next delete's prune frees the leftovers then).
	if _, err := l.repo.PruneIfFree(context.Background(), startupPruneWait); err != nil && !errors.Is(err, repo.ErrBusy) {
		errs = append(errs, fmt.Errorf("backend: prune the backup repository: %w", err))
	}
	return errors.Join(errs...)
}

// startupPruneWait bounds how long a start waits for the repository lock
// before it leaves pruning to later.
const startupPruneWait = 3 * time.Second

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
