package repo

import (
	"context"
	"time"
)

// Store is where a repository keeps its objects: byte strings under
// slash-separated keys such as "config", "packs/ab/abcd…", "index/…" and
// "manifests/<backup id>". Implementations must be safe for concurrent use.
//
// A missing object is an error wrapping ErrNotFound. Put is atomic: a
// reader (or a crash) sees either no object, or all of it, never a part.
// That is what the repository's crash safety rests on.
type Store interface {
	// Put stores data under key, replacing any object there, durably:
	// once Put returns nil the object survives a crash. Put keeps no
	// reference to data once it returns.
	Put(ctx context.Context, key string, data []byte) error
	// Get returns the whole object.
	Get(ctx context.Context, key string) ([]byte, error)
	// GetRange returns length bytes of the object from offset. An object
	// shorter than offset+length is an error.
	GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error)
	// List returns the objects whose keys start with prefix, in no
	// particular order.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)
	// Delete removes the object; deleting a missing object is not an
	// error, so that a repeated prune after a crash goes through.
	Delete(ctx context.Context, key string) error
	// Stat returns the object's size and modification time.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
}

// ObjectInfo describes one object of a Store.
type ObjectInfo struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// tempCleaner is implemented by stores whose Put can leave temporary
// objects behind when the process dies (LocalStore's temp files); Prune
// removes those older than its grace period (those of lock objects, which
// other nodes may be writing, older than the lock's stale age).
type tempCleaner interface {
	removeTemps(olderThan, locksOlderThan time.Time) (int, error)
}
