package repo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// index maps chunk ids to their blobs, and packs to what they hold. It is
// the union of the store's index objects.
type index struct {
	blobs map[ChunkID]blobLoc
	packs map[PackID]*packInfo
}

// blobLoc is a blob and the pack it is in.
type blobLoc struct {
	pack PackID
	blobEntry
}

// packInfo is what the index knows of a pack.
type packInfo struct {
	size  int64
	blobs []blobEntry
}

func newIndex() *index {
	return &index{blobs: map[ChunkID]blobLoc{}, packs: map[PackID]*packInfo{}}
}

// add records pack id of size bytes holding blobs. When a chunk is in
// more than one pack (two backups in progress at once stored it both) the
// pack with the smaller id wins, so that every process picks the same
// copy whatever order it reads the index objects in; Prune drops the
// others.
func (x *index) add(id PackID, size int64, blobs []blobEntry) {
	x.packs[id] = &packInfo{size: size, blobs: blobs}
	for _, b := range blobs {
		if old, ok := x.blobs[b.id]; ok && bytes.Compare(old.pack[:], id[:]) <= 0 {
			continue
		}
		x.blobs[b.id] = blobLoc{pack: id, blobEntry: b}
	}
}

func (x *index) lookup(id ChunkID) (blobLoc, bool) {
	l, ok := x.blobs[id]
	return l, ok
}

// Index objects are zstd-compressed JSON.
type indexJSON struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	Packs   []indexPackJSON `json:"packs"`
}

type indexPackJSON struct {
	ID    string          `json:"id"`
	Size  int64           `json:"size"`
	Blobs []indexBlobJSON `json:"blobs"`
}

type indexBlobJSON struct {
	ID     string `json:"id"`
	Offset uint32 `json:"offset"`
	Length uint32 `json:"length"`
	RawLen uint32 `json:"raw_length"`
	Flags  uint32 `json:"flags,omitempty"`
}

const (
	indexPrefix  = "index/"
	indexFormat  = "manilite-repo-index"
	indexVersion = 1
)

// packRecord is one pack, as an index object lists it.
type packRecord struct {
	id    PackID
	size  int64
	blobs []blobEntry
}

// encodeIndexObject returns the index object listing packs and its key,
// named by the object's hash (so rewriting the same index is idempotent).
func encodeIndexObject(packs []packRecord) (key string, data []byte, err error) {
	j := indexJSON{Format: indexFormat, Version: indexVersion, Packs: make([]indexPackJSON, 0, len(packs))}
	for _, p := range packs {
		jp := indexPackJSON{ID: p.id.String(), Size: p.size, Blobs: make([]indexBlobJSON, len(p.blobs))}
		for i, b := range p.blobs {
			jp.Blobs[i] = indexBlobJSON{ID: b.id.String(), Offset: b.offset, Length: b.length, RawLen: b.rawLen, Flags: b.flags}
		}
		j.Packs = append(j.Packs, jp)
	}
	plain, err := json.Marshal(&j)
	if err != nil {
		return "", nil, err
	}
	data, err = zstdCompress(plain)
	if err != nil {
		return "", nil, err
	}
	sum := sha256.Sum256(data)
	return indexPrefix + hex.EncodeToString(sum[:]), data, nil
}

func decodeIndexObject(key string, data []byte) ([]packRecord, error) {
	if name := strings.TrimPrefix(key, indexPrefix); name != key {
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != name {
			return nil, corruptf("index %s: content does not match its hash", key)
		}
	}
	plain, err := zstdDecompress(data)
	if err != nil {
		return nil, corruptf("index %s: %v", key, err)
	}
	var j indexJSON
	if err := json.Unmarshal(plain, &j); err != nil {
		return nil, corruptf("index %s: %v", key, err)
	}
	if j.Format != indexFormat || j.Version != indexVersion {
		return nil, corruptf("index %s: format %q version %d", key, j.Format, j.Version)
	}
	out := make([]packRecord, 0, len(j.Packs))
	for _, jp := range j.Packs {
		pid, err := parseID(jp.ID)
		if err != nil {
			return nil, corruptf("index %s: pack: %v", key, err)
		}
		p := packRecord{id: pid, size: jp.Size, blobs: make([]blobEntry, len(jp.Blobs))}
		for i, jb := range jp.Blobs {
			cid, err := parseID(jb.ID)
			if err != nil {
				return nil, corruptf("index %s: blob: %v", key, err)
			}
			if int64(jb.Offset)+int64(jb.Length) > jp.Size {
				return nil, corruptf("index %s: blob %s beyond pack %s", key, jb.ID, jp.ID)
			}
			p.blobs[i] = blobEntry{id: cid, offset: jb.Offset, length: jb.Length, rawLen: jb.RawLen, flags: jb.Flags}
		}
		out = append(out, p)
	}
	return out, nil
}

// loadIndex reads all index objects of store. An object that cannot be
// decoded is a problem (wrapping ErrCorrupt) and left out; a store error
// is err.
func loadIndex(ctx context.Context, store Store) (x *index, keys []string, problems []error, err error) {
	objs, err := store.List(ctx, indexPrefix)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("repo: load index: %w", err)
	}
	x = newIndex()
	for _, o := range objs {
		b, err := store.Get(ctx, o.Key)
		if errors.Is(err, ErrNotFound) {
			continue // removed by a prune since the listing
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("repo: load index: %w", err)
		}
		packs, err := decodeIndexObject(o.Key, b)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		keys = append(keys, o.Key)
		for _, p := range packs {
			x.add(p.id, p.size, p.blobs)
		}
	}
	slices.Sort(keys)
	return x, keys, problems, nil
}

// The small objects (index, manifests) are compressed at zstd's fastest
// level too: a backup writes its manifest (23,000 entries for the bench
// tree) as it ends, and SpeedDefault made that 17% of an unchanged
// share's backup for a few percent smaller manifests.
var (
	smallEnc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	smallDec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
)

func zstdCompress(b []byte) ([]byte, error) { return smallEnc.EncodeAll(b, nil), nil }

func zstdDecompress(b []byte) ([]byte, error) { return smallDec.DecodeAll(b, nil) }
