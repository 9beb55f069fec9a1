package repo

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// RebuildStats says what RebuildIndex did.
type RebuildStats struct {
	// Packs counts the packs indexed, Blobs their blobs.
	Packs, Blobs int
	// Problems are the packs whose trailer could not be read (each error
	// wraps ErrCorrupt): they are left out of the index.
	Problems []error
	// DeletedIndexes counts the index objects the new one replaced.
	DeletedIndexes int
}

// RebuildIndex replaces the index with one read from the packs'
// trailers: the way back from lost or damaged index objects. It reads
// only each pack's trailer (Check with readData verifies the data). Like
// Prune it holds the Repo's write lock, and writes the new index object
// before it deletes the old ones, so a crash leaves a usable index.
// Packs no backup references become indexed too; the next Prune removes
// them.
func (r *Repo) RebuildIndex(ctx context.Context) (RebuildStats, error) {
	lk, _, err := r.lockExclusive(ctx, "rebuild-index")
	if err != nil {
		return RebuildStats{}, err
	}
	defer r.unlockExclusive(lk)
	ctx, cancel := withLock(ctx, lk)
	defer cancel()
	st, err := r.rebuildIndex(ctx, lk)
	return st, lockErr(lk, err)
}

func (r *Repo) rebuildIndex(ctx context.Context, lk *storeLock) (RebuildStats, error) {
	var st RebuildStats
	objs, err := r.store.List(ctx, packsPrefix)
	if err != nil {
		return st, fmt.Errorf("repo: rebuild index: %w", err)
	}
	slices.SortFunc(objs, func(a, b ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	var packs []packRecord
	for _, o := range objs {
		id, ok := parsePackKey(o.Key)
		if !ok {
			continue
		}
		blobs, err := r.readTrailer(ctx, id, o.Size)
		if errors.Is(err, ErrCorrupt) {
			st.Problems = append(st.Problems, err)
			continue
		}
		if err != nil {
			return st, fmt.Errorf("repo: rebuild index: %w", err)
		}
		packs = append(packs, packRecord{id: id, size: o.Size, blobs: blobs})
		st.Packs++
		st.Blobs += len(blobs)
	}
	oldKeys, err := r.store.List(ctx, indexPrefix)
	if err != nil {
		return st, fmt.Errorf("repo: rebuild index: %w", err)
	}
	newKey := ""
	if len(packs) > 0 {
		key, data, err := encodeIndexObject(packs)
		if err != nil {
			return st, err
		}
		if err := r.store.Put(ctx, key, data); err != nil {
			return st, fmt.Errorf("repo: rebuild index: %w", err)
		}
		newKey = key
	}
	x := newIndex()
	for _, p := range packs {
		x.add(p.id, p.size, p.blobs)
	}
	r.mu.Lock()
	r.idx = x
	r.mu.Unlock()
	for _, o := range oldKeys {
		if o.Key == newKey {
			continue
		}
		if err := lk.Err(); err != nil {
			return st, err
		}
		if err := r.store.Delete(ctx, o.Key); err != nil {
			return st, fmt.Errorf("repo: rebuild index: %w", err)
		}
		st.DeletedIndexes++
	}
	return st, nil
}

// readTrailer reads the trailer of pack id, of size bytes, with two
// range reads: the count at the end, then the entries.
func (r *Repo) readTrailer(ctx context.Context, id PackID, size int64) ([]blobEntry, error) {
	if size < int64(packTail) {
		return nil, corruptf("pack %s: %d bytes, too short for a trailer", id, size)
	}
	tail, err := r.store.GetRange(ctx, packKey(id), size-int64(packTail), int64(packTail))
	if err != nil {
		return nil, err
	}
	if m := string(tail[4:]); m != packMagic && m != packMagic1 {
		return nil, corruptf("pack %s: no trailer", id)
	}
	n := int64(binary.LittleEndian.Uint32(tail))
	tlen := n*packTrailerEntry + int64(packTail)
	if tlen > size {
		return nil, corruptf("pack %s: trailer of %d blobs does not fit", id, n)
	}
	t, err := r.store.GetRange(ctx, packKey(id), size-tlen, tlen)
	if err != nil {
		return nil, err
	}
	return parseTrailer(id, t, size)
}
