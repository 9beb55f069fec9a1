// Package repo is manilite's backup repository: an incremental,
// deduplicated store of backups of directory trees, in the manner of restic
// and borg, over a Store (a local folder, LocalStore, or an S3 bucket,
// S3Store).
//
// # What a repository holds
//
// A file's content is cut into chunks by content-defined chunking
// (github.com/restic/chunker, with a polynomial chosen at Open on an empty
// store and kept in the config object), so that an insertion shifts chunk
// boundaries only locally. A chunk is identified by the SHA-256 of its
// plaintext (ChunkID), compressed with zstd (stored raw if that is not
// smaller) and written, as a blob, into a pack file of about
// Options.PackSize bytes. A chunk already in the repository is never stored
// again: dedup works across the backups of one share and across shares.
//
// Objects of the store:
//
//	config                 JSON: format, version, repository id, chunker polynomial
//	packs/<xx>/<pack id>   blobs, then a trailer listing them (see pack.go);
//	                       the pack id is the SHA-256 of the whole pack
//	index/<sha256>         zstd JSON: pack id → its blobs (chunk id, offset, lengths)
//	manifests/<backup id>  zstd JSON: the backup's tree, every file's chunk ids
//	                       and SHA-256, the backup's totals
//	locks/<random id>      JSON: a process's repository lock (lock.go)
//
// Packs are self-describing, so the index could be rebuilt from them; the
// index exists so that a backup or a restore need not read every pack's
// trailer.
//
// # API
//
//   - Open opens (and on an empty store initialises) a repository.
//   - Repo.NewBackup starts a backup; BackupWriter.AddDir, AddSymlink and
//     AddFile (safe for concurrent use) add its entries, AddFileFrom takes
//     an unchanged file's chunks from an earlier backup without reading it,
//     BackupWriter.SetProgress reports the bytes read,
//     BackupWriter.Commit makes the backup durable and visible,
//     BackupWriter.Abort drops it.
//   - Repo.OpenBackup reads a backup's manifest; Backup.Entries are its
//     entries, Backup.WriteFile writes a file's content, fetching only the
//     packs ranges it needs and verifying every chunk's and the whole
//     file's SHA-256.
//   - Repo.Backups lists the backups, Repo.Delete deletes one, Repo.Prune
//     frees what no remaining backup references.
//   - Repo.Check verifies the repository (Check(ctx, true) re-reads and
//     re-hashes all data), Repo.RebuildIndex rebuilds the index from the
//     packs' trailers, Repo.Stats counts what it stores.
//   - NewLocalStore and NewS3Store (with ParseS3URL and S3Options) make
//     the two Stores.
//
// # Crash safety
//
// Every object is written atomically (Store.Put) and named by its
// content, except config and manifests. Commit writes a backup's packs
// first, then an index object for them, then the manifest: a backup is
// visible only once everything it references is durable, and a kill -9 at
// any point leaves only unreferenced packs and index entries, which the
// next Prune removes. Prune writes its new packs and its new index before
// it deletes the old index objects, and deletes packs last, so a kill -9
// during Prune leaves every committed backup restorable (see prune.go).
//
// # Concurrency
//
// A Repo is safe for concurrent use, and several processes (or nodes)
// may share one repository: a shared folder or one S3 bucket. Backups in
// progress, restores, Check and Delete hold a shared lock, Prune and
// RebuildIndex an exclusive one, so that Prune never removes a pack a
// backup in progress has written (but not indexed yet) or one a restore
// is reading, on whichever node they run. The lock is twofold: the Repo's
// sync.RWMutex within the process, taken first, then a lock object under
// locks/ in the store itself, which the holder refreshes every
// Options.LockRefresh and which others take for stale (a dead process's)
// once it was not refreshed for Options.LockStale (see lock.go). A holder
// that cannot refresh its lock in time takes it as lost: Prune,
// RebuildIndex and BackupWriter.Commit then fail with an error wrapping
// ErrLockLost rather than go on unprotected. Options.PruneGrace keeps
// unindexed packs younger than it besides, for writers of releases
// without the store lock.
//
// The read lock is a sync.RWMutex's: a goroutine that holds an
// uncommitted BackupWriter must not also call WriteFile, Delete or Check
// (which take the read lock again) while a Prune may be waiting, or the
// three deadlock. Different goroutines are fine.
package repo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/restic/chunker"
)

var (
	// ErrNotFound is wrapped by the errors for a missing object of the
	// store, and a backup that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrCorrupt is wrapped by the errors for data of the repository that
	// is missing or does not match its hash: a chunk whose plaintext does
	// not hash to its id, a file whose content does not hash to its
	// manifest's SHA-256, a pack missing or damaged, an invalid manifest
	// or index object.
	ErrCorrupt = errors.New("corrupt repository")
	// ErrExists is wrapped by the error for a backup id already taken.
	ErrExists = errors.New("already exists")
	// ErrAccessDenied is wrapped by the errors of a store that refused
	// the credentials.
	ErrAccessDenied = errors.New("access denied")
	// ErrClosed is wrapped by the errors of a BackupWriter used after
	// Commit or Abort.
	ErrClosed = errors.New("backup writer closed")
)

func corruptf(format string, args ...any) error {
	return fmt.Errorf("repo: %w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// Options configure a Repo. The zero value is the defaults.
type Options struct {
	// PackSize is the size at which a pack is closed and uploaded;
	// 0 means DefaultPackSize.
	PackSize int
	// CompressionLevel is the zstd level of new blobs; 0 means
	// zstd.SpeedFastest, which gives the best throughput (see
	// throughput_test.go).
	CompressionLevel zstd.EncoderLevel
	// Workers is how many goroutines hash and compress chunks of a
	// backup; 0 means GOMAXPROCS.
	Workers int
	// PruneGrace keeps, in Prune, unindexed packs (and LocalStore
	// temporary files) younger than it. The repository lock keeps Prune
	// from running while a backup, on any node, has packs not indexed
	// yet, so 0 (remove them all) is safe; a grace protects besides
	// writers that do not take the lock (older releases), and the
	// temporary files of other nodes' lock refreshes on a shared folder.
	PruneGrace time.Duration
	// RepackBelow is the share of a pack's bytes that must be live for
	// Prune to keep the pack as it is; a pack with less (but some) live
	// data is repacked. 0 means DefaultRepackBelow.
	RepackBelow float64
	// LockStale is how long a repository lock goes unrefreshed before
	// other processes take it for a dead process's; 0 means
	// DefaultLockStale. All users of a repository should agree on it.
	LockStale time.Duration
	// LockRefresh is how often a held lock is refreshed; 0 (or more
	// than half of LockStale) means LockStale/4.
	LockRefresh time.Duration
	// LockLabel names this process (a manilite node) in its lock
	// objects, for people reading them; it is optional.
	LockLabel string
}

const (
	// DefaultPackSize is Options.PackSize's default: large enough that a
	// 1 GiB tree is some 70 objects, small enough that a pack is
	// uploaded in a few seconds and repacking one is cheap.
	DefaultPackSize = 16 << 20
	// DefaultRepackBelow is Options.RepackBelow's default.
	DefaultRepackBelow = 0.5
)

// Repo is an open repository.
type Repo struct {
	store Store
	cfg   config
	opts  Options

	// lock is held for reading by backups in progress, restores, Check
	// and Delete, for writing by Prune and RebuildIndex; they take the
	// store lock (lock.go) next.
	lock sync.RWMutex
	// slMu guards shared, the shared store lock of this Repo's shared
	// holders (with its count of them), and sharedWait, closed when an
	// acquisition of it under way ends.
	slMu       sync.Mutex
	shared     *storeLock
	sharedWait chan struct{}
	// testHookLocked, if set, is called once an exclusive lock is held.
	testHookLocked func(op string, lk *storeLock)

	// mu guards idx, the index of the committed packs: what a backup
	// dedups against and a restore resolves chunks with.
	mu  sync.RWMutex
	idx *index
	// writing are the ids of the backups in progress (guarded by mu), so
	// that two writers of one id cannot both commit.
	writing map[string]bool

	enc *zstd.Encoder // EncodeAll is safe for concurrent use
	dec *zstd.Decoder // DecodeAll is safe for concurrent use
}

// config is the config object.
type config struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	ID      string `json:"id"`
	// Chunker is chunkerRabin or fastcdcV1 (chunker.go); version 1
	// configs leave it out and mean chunkerRabin.
	Chunker string `json:"chunker,omitempty"`
	// Polynomial is the Rabin chunker's; ChunkerKey (hex, 32 bytes)
	// keys FastCDC's gear table.
	Polynomial  chunker.Pol `json:"chunker_polynomial,omitempty"`
	ChunkerKey  string      `json:"chunker_key,omitempty"`
	MinChunk    uint        `json:"min_chunk"`
	NormalChunk uint        `json:"normal_chunk,omitempty"` // FastCDC's
	MaxChunk    uint        `json:"max_chunk"`
	CreatedAt   time.Time   `json:"created_at"`
}

// Config versions: a version 1 repository cuts chunks with the Rabin
// chunker; version 2 with FastCDC. Packs carry their own format
// (pack.go), so both read packs of either kind.
const (
	configKey     = "config"
	configFormat  = "manilite-repo"
	configVersion = 2
)

// Open opens the repository in store, initialising it if the store has no
// config object (a new, random chunker polynomial is chosen then). It
// loads the index.
//
// Two processes initialising one empty store at once could each write a
// config; the last one wins. That is harmless for the data (chunks are
// named by their content) but lowers dedup between them.
func Open(ctx context.Context, store Store, opts Options) (*Repo, error) {
	if opts.PackSize <= 0 {
		opts.PackSize = DefaultPackSize
	}
	if opts.CompressionLevel == 0 {
		opts.CompressionLevel = zstd.SpeedFastest
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.RepackBelow <= 0 {
		opts.RepackBelow = DefaultRepackBelow
	}
	r := &Repo{store: store, opts: opts}
	cfg, err := loadOrInitConfig(ctx, store)
	if err != nil {
		return nil, err
	}
	r.cfg = cfg
	r.enc, err = zstd.NewWriter(nil,
		zstd.WithEncoderLevel(opts.CompressionLevel),
		zstd.WithEncoderConcurrency(opts.Workers),
		// Blobs are verified by their SHA-256.
		zstd.WithEncoderCRC(false))
	if err != nil {
		return nil, fmt.Errorf("repo: zstd: %w", err)
	}
	r.dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(64<<20))
	if err != nil {
		return nil, fmt.Errorf("repo: zstd: %w", err)
	}
	// An index object that cannot be decoded is left out: backups then
	// store its chunks again and restores that need them fail with
	// ErrCorrupt, Check reports it, Prune refuses to run, and
	// RebuildIndex (which needs an open Repo) repairs it.
	idx, _, _, err := loadIndex(ctx, store)
	if err != nil {
		return nil, err
	}
	r.idx = idx
	r.writing = map[string]bool{}
	return r, nil
}

func loadOrInitConfig(ctx context.Context, store Store) (config, error) {
	var cfg config
	b, err := store.Get(ctx, configKey)
	switch {
	case errors.Is(err, ErrNotFound):
		id, key := make([]byte, 16), make([]byte, 32)
		rand.Read(id)
		rand.Read(key)
		cfg = config{
			Format: configFormat, Version: configVersion, ID: hex.EncodeToString(id),
			Chunker: fastcdcV1, ChunkerKey: hex.EncodeToString(key),
			MinChunk: minChunk, NormalChunk: normalChunk, MaxChunk: maxChunk,
			CreatedAt: time.Now().UTC(),
		}
		b, err := json.MarshalIndent(cfg, "", "\t")
		if err != nil {
			return cfg, err
		}
		if err := store.Put(ctx, configKey, append(b, '\n')); err != nil {
			return cfg, fmt.Errorf("repo: init: %w", err)
		}
		return cfg, nil
	case err != nil:
		return cfg, fmt.Errorf("repo: open: %w", err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return cfg, corruptf("config: %v", err)
	}
	if cfg.Format != configFormat || cfg.Version < 1 || cfg.Version > configVersion {
		return cfg, corruptf("config: format %q version %d, want %q version 1 to %d", cfg.Format, cfg.Version, configFormat, configVersion)
	}
	if cfg.Version == 1 {
		if cfg.Chunker != "" {
			return cfg, corruptf("config: version 1 with chunker %q", cfg.Chunker)
		}
		cfg.Chunker = chunkerRabin
	}
	if err := cfg.checkChunker(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// ID is the repository's id, random, set at initialisation.
func (r *Repo) ID() string { return r.cfg.ID }

// Close releases the Repo's compressors, and its shared store lock if
// no backup or restore holds it.
func (r *Repo) Close() error {
	r.dropIdleShared()
	r.enc.Close()
	r.dec.Close()
	return nil
}
