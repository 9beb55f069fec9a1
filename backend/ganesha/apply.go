package ganesha

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Applier owns one ganesha configuration file: each Apply renders every
// export again, replaces the file and has ganesha reload it.
type Applier struct {
	// Path is the configuration file ganesha.nfsd is started with (-f).
	Path   string
	Server Server
	// Reload has the running ganesha load the file (SIGHUP.Reload); nil
	// only writes it.
	Reload func() error

	// mu makes each Apply one read of the state, one file and one reload:
	// two jobs applying at once cannot write an older state last.
	mu sync.Mutex
}

// Apply reads the exports of every share from current (under the
// applier's lock, so the newest state is the last one written), writes
// the configuration if it changed, and reloads ganesha even when it did
// not (an earlier reload may have failed).
func (a *Applier) Apply(ctx context.Context, current func(context.Context) ([]Export, error)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	exports, err := current(ctx)
	if err != nil {
		return err
	}
	conf, err := Render(a.Server, exports)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(a.Path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("ganesha: read %s: %w", a.Path, err)
	}
	if err != nil || !bytes.Equal(old, conf) {
		if err := writeFileAtomic(a.Path, conf); err != nil {
			return err
		}
	}
	if a.Reload == nil {
		return nil
	}
	return a.Reload()
}

// writeFileAtomic replaces path with data so that a reader (ganesha on a
// reload) and a crash see the old file or the new one, whole: a temporary
// file in the same directory, synced, renamed over path, and the directory
// synced.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("ganesha: write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("ganesha: write %s: %w", path, err)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	// CreateTemp makes it 0600; the configuration holds no secret.
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
