package repo

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
)

// EntryType is the kind of an Entry.
type EntryType uint8

const (
	TypeDir EntryType = iota + 1
	TypeFile
	TypeSymlink
)

func (t EntryType) String() string {
	switch t {
	case TypeDir:
		return "dir"
	case TypeFile:
		return "file"
	case TypeSymlink:
		return "symlink"
	}
	return fmt.Sprintf("EntryType(%d)", uint8(t))
}

func parseEntryType(s string) (EntryType, bool) {
	switch s {
	case "dir":
		return TypeDir, true
	case "file":
		return TypeFile, true
	case "symlink":
		return TypeSymlink, true
	}
	return 0, false
}

// ModeBits are the mode bits an Entry keeps: permissions, setuid, setgid
// and sticky, as in package backend.
const ModeBits = 0o7777

// Entry is one directory, regular file or symbolic link of a backup: the
// fields of package backend's entry, plus a file's chunks.
type Entry struct {
	Path     string // slash-separated, relative to the tree's root; "." is the root
	Type     EntryType
	Mode     uint32 // ModeBits
	UID, GID uint32
	MTime    time.Time // kept to the nanosecond
	Size     int64     // files: content bytes
	Target   string    // symbolic links
	SHA256   string    // files: hex SHA-256 of the content
	Chunks   []ChunkID // files: the content's chunks, in order
	// Inode and CTime are the file's inode number and change time when
	// it was read (0 and zero when unknown): with Size and MTime they tell
	// the next backup of the tree that the file has not changed (see
	// BackupWriter.AddFileFrom). Restores ignore them.
	Inode uint64
	CTime time.Time
}

// Totals are a backup's counts.
type Totals struct {
	Files, Dirs, Symlinks int
	// Bytes is the size of the files' content.
	Bytes int64
	// Chunks counts the files' chunks (with repetitions), NewChunks
	// the ones the backup stored (not in the repository before).
	Chunks, NewChunks int
	// NewBytes is the plaintext size of the new chunks, NewStoredBytes
	// the size of their blobs, NewPacks the packs the backup wrote.
	NewBytes, NewStoredBytes int64
	NewPacks                 int
}

// manifestJSON is a manifest object, before zstd.
type manifestJSON struct {
	Format    string              `json:"format"`
	Version   int                 `json:"version"`
	BackupID  string              `json:"backup_id"`
	CreatedAt time.Time           `json:"created_at"`
	Totals    manifestTotalsJSON  `json:"totals"`
	Labels    map[string]string   `json:"labels,omitempty"`
	Entries   []manifestEntryJSON `json:"entries"`
}

type manifestTotalsJSON struct {
	Files          int   `json:"files"`
	Dirs           int   `json:"dirs"`
	Symlinks       int   `json:"symlinks"`
	Bytes          int64 `json:"bytes"`
	Chunks         int   `json:"chunks"`
	NewChunks      int   `json:"new_chunks"`
	NewBytes       int64 `json:"new_bytes"`
	NewStoredBytes int64 `json:"new_stored_bytes"`
	NewPacks       int   `json:"new_packs"`
}

type manifestEntryJSON struct {
	Path   string   `json:"path"`
	Type   string   `json:"type"`
	Mode   string   `json:"mode"` // octal with a leading 0, as backend's manifest
	UID    uint32   `json:"uid"`
	GID    uint32   `json:"gid"`
	MTime  string   `json:"mtime"` // RFC 3339 with nanoseconds, UTC
	Size   int64    `json:"size,omitempty"`
	Target string   `json:"target,omitempty"`
	SHA256 string   `json:"sha256,omitempty"`
	Chunks []string `json:"chunks,omitempty"`
	Inode  uint64   `json:"inode,omitempty"`
	CTime  string   `json:"ctime,omitempty"` // as MTime
}

const (
	manifestsPrefix = "manifests/"
	manifestFormat  = "manilite-repo-manifest"
	manifestVersion = 1
)

func manifestKey(id string) string { return manifestsPrefix + id }

// checkBackupID rejects ids that are not one path element a store can
// keep as a key.
func checkBackupID(id string) error {
	if err := checkKey(id); err != nil || strings.Contains(id, "/") {
		return fmt.Errorf("repo: invalid backup id %q", id)
	}
	return nil
}

func encodeManifest(id string, created time.Time, t Totals, labels map[string]string, entries []Entry) ([]byte, error) {
	m := manifestJSON{
		Format: manifestFormat, Version: manifestVersion, BackupID: id, CreatedAt: created.UTC(),
		Totals: manifestTotalsJSON{
			Files: t.Files, Dirs: t.Dirs, Symlinks: t.Symlinks, Bytes: t.Bytes,
			Chunks: t.Chunks, NewChunks: t.NewChunks, NewBytes: t.NewBytes,
			NewStoredBytes: t.NewStoredBytes, NewPacks: t.NewPacks,
		},
		Labels:  labels,
		Entries: make([]manifestEntryJSON, len(entries)),
	}
	for i := range entries {
		e := &entries[i]
		je := manifestEntryJSON{
			Path: e.Path, Type: e.Type.String(), Mode: fmt.Sprintf("%#o", e.Mode),
			UID: e.UID, GID: e.GID, MTime: e.MTime.UTC().Format(time.RFC3339Nano),
			Size: e.Size, Target: e.Target, SHA256: e.SHA256, Inode: e.Inode,
		}
		if !e.CTime.IsZero() {
			je.CTime = e.CTime.UTC().Format(time.RFC3339Nano)
		}
		if len(e.Chunks) > 0 {
			je.Chunks = make([]string, len(e.Chunks))
			for j, c := range e.Chunks {
				je.Chunks[j] = c.String()
			}
		}
		m.Entries[i] = je
	}
	b, err := json.Marshal(&m)
	if err != nil {
		return nil, err
	}
	return zstdCompress(b)
}

// decodeManifest decodes and checks manifest object data of backup id;
// every error wraps ErrCorrupt.
func decodeManifest(id string, data []byte) (created time.Time, t Totals, entries []Entry, labels map[string]string, err error) {
	plain, err := zstdDecompress(data)
	if err != nil {
		return created, t, nil, nil, corruptf("manifest %s: %v", id, err)
	}
	var m manifestJSON
	if err := json.Unmarshal(plain, &m); err != nil {
		return created, t, nil, nil, corruptf("manifest %s: %v", id, err)
	}
	if m.Format != manifestFormat || m.Version != manifestVersion || m.BackupID != id {
		return created, t, nil, nil, corruptf("manifest %s: format %q version %d backup %q", id, m.Format, m.Version, m.BackupID)
	}
	mt := m.Totals
	t = Totals{Files: mt.Files, Dirs: mt.Dirs, Symlinks: mt.Symlinks, Bytes: mt.Bytes,
		Chunks: mt.Chunks, NewChunks: mt.NewChunks, NewBytes: mt.NewBytes,
		NewStoredBytes: mt.NewStoredBytes, NewPacks: mt.NewPacks}
	entries = make([]Entry, len(m.Entries))
	seen := make(map[string]bool, len(m.Entries))
	for i, je := range m.Entries {
		e, err := je.entry()
		if err != nil {
			return created, t, nil, nil, corruptf("manifest %s: entry %d (%q): %v", id, i, je.Path, err)
		}
		if seen[e.Path] {
			return created, t, nil, nil, corruptf("manifest %s: %q listed twice", id, e.Path)
		}
		seen[e.Path] = true
		entries[i] = e
	}
	return m.CreatedAt, t, entries, m.Labels, nil
}

func (je *manifestEntryJSON) entry() (Entry, error) {
	typ, ok := parseEntryType(je.Type)
	if !ok {
		return Entry{}, fmt.Errorf("type %q", je.Type)
	}
	if err := checkEntryPath(je.Path); err != nil {
		return Entry{}, err
	}
	mode, err := strconv.ParseUint(je.Mode, 0, 32)
	if err != nil || mode&^ModeBits != 0 {
		return Entry{}, fmt.Errorf("mode %q", je.Mode)
	}
	mt, err := time.Parse(time.RFC3339Nano, je.MTime)
	if err != nil {
		return Entry{}, fmt.Errorf("mtime %q", je.MTime)
	}
	e := Entry{Path: je.Path, Type: typ, Mode: uint32(mode), UID: je.UID, GID: je.GID, MTime: mt,
		Size: je.Size, Target: je.Target, SHA256: je.SHA256, Inode: je.Inode}
	if je.CTime != "" {
		if e.CTime, err = time.Parse(time.RFC3339Nano, je.CTime); err != nil {
			return Entry{}, fmt.Errorf("ctime %q", je.CTime)
		}
	}
	switch typ {
	case TypeFile:
		if e.Size < 0 || len(e.SHA256) != 64 {
			return Entry{}, fmt.Errorf("file without size or sha256")
		}
		if _, err := parseID(e.SHA256); err != nil {
			return Entry{}, err
		}
		e.Chunks = make([]ChunkID, len(je.Chunks))
		for i, c := range je.Chunks {
			id, err := parseID(c)
			if err != nil {
				return Entry{}, err
			}
			e.Chunks[i] = id
		}
		if (e.Size == 0) != (len(e.Chunks) == 0) {
			return Entry{}, fmt.Errorf("%d bytes in %d chunks", e.Size, len(e.Chunks))
		}
	case TypeSymlink:
		if e.Target == "" {
			return Entry{}, fmt.Errorf("symlink without target")
		}
	}
	return e, nil
}

// checkEntryPath rejects paths that are not clean, slash-separated and
// relative to the tree's root (so none can name a file outside it).
func checkEntryPath(p string) error {
	if p == "" || p != path.Clean(p) || strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "\x00") {
		return fmt.Errorf("invalid path %q", p)
	}
	return nil
}
