package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// PruneStats says what a Prune did.
type PruneStats struct {
	// Backups counts the manifests that were kept alive.
	Backups int
	// DeletedPacks counts the packs deleted because nothing live was in
	// them (leftovers of aborted or killed backups and prunes included),
	// RepackedPacks those whose live blobs were copied to new packs
	// (NewPacks) before they were deleted.
	DeletedPacks, RepackedPacks, NewPacks int
	// FreedBytes is the size of the deleted packs less that of the new
	// ones.
	FreedBytes int64
	// DeletedIndexes counts the index objects replaced by the new one.
	DeletedIndexes int
	// RemovedTemps counts a LocalStore's temporary files of dead writers.
	RemovedTemps int
	// StaleLocks counts the lock objects of dead processes deleted.
	StaleLocks int
}

// Prune frees the data no backup references: mark and sweep. It holds the
// Repo's write lock and the repository's exclusive lock (lock.go), so it
// waits (until ctx ends) for the backups in progress and restores of
// every process sharing the repository, and they wait for it; it deletes
// the stale locks of dead processes. If its lock is lost midway it stops
// before its next deletion, with an error wrapping ErrLockLost.
//
// Mark: every manifest is read (one that cannot be read stops Prune:
// deleting on uncertainty could delete a live backup's data) and its chunks
// looked up in the index, read afresh from the store.
//
// Sweep, in an order that keeps every committed backup restorable if the
// process dies at any step:
//
//  1. Packs with some, but less than Options.RepackBelow, live data have
//     their live blobs copied (verified) into new packs, written to the
//     store.
//  2. A new index object listing every live blob is written.
//  3. The old index objects are deleted. Until then the union of the
//     index objects still lists the old locations, whose packs exist.
//  4. The dead and repacked packs, and the packs no index lists (those of
//     a backup killed before its Commit, or of a prune killed before step
//  2. older than Options.PruneGrace, are deleted. No index object lists
//     them any more.
//
// A prune killed at any step leaves unreferenced packs or index entries,
// which the next Prune removes.
func (r *Repo) Prune(ctx context.Context) (PruneStats, error) {
	lk, stale, err := r.lockExclusive(ctx, "prune")
	if err != nil {
		return PruneStats{StaleLocks: stale}, err
	}
	return r.pruneLocked(ctx, lk, stale)
}

// ErrBusy means the repository lock stayed with other holders (backups,
// restores or a prune, of this process or of another node) for longer
// than the caller would wait.
var ErrBusy = errors.New("repo: the repository is busy")

// PruneIfFree is Prune, waiting at most wait for the repository lock:
// when others hold it longer it prunes nothing and returns ErrBusy, and
// what it would have freed waits for a later prune. For callers that must
// not queue behind a long backup on another node (a node starting up, a
// backup delete).
func (r *Repo) PruneIfFree(ctx context.Context, wait time.Duration) (PruneStats, error) {
	lk, stale, err := r.lockExclusiveWithin(ctx, "prune", wait)
	if err != nil {
		return PruneStats{StaleLocks: stale}, err
	}
	return r.pruneLocked(ctx, lk, stale)
}

// pruneLocked prunes under lk, the exclusive lock lockExclusive took, and
// releases it.
func (r *Repo) pruneLocked(ctx context.Context, lk *storeLock, stale int) (PruneStats, error) {
	defer r.unlockExclusive(lk)
	ctx, cancel := withLock(ctx, lk)
	defer cancel()
	st, err := r.prune(ctx, lk)
	st.StaleLocks = stale
	return st, lockErr(lk, err)
}

func (r *Repo) prune(ctx context.Context, lk *storeLock) (PruneStats, error) {
	var st PruneStats
	started := time.Now()

	live, n, err := r.markLive(ctx)
	if err != nil {
		return st, err
	}
	st.Backups = n
	idx, indexKeys, problems, err := loadIndex(ctx, r.store)
	if err != nil {
		return st, err
	}
	if len(problems) > 0 {
		return st, fmt.Errorf("repo: prune: %w", problems[0])
	}
	packObjs, err := r.store.List(ctx, packsPrefix)
	if err != nil {
		return st, fmt.Errorf("repo: prune: %w", err)
	}
	stored := map[PackID]ObjectInfo{}
	for _, o := range packObjs {
		if id, ok := parsePackKey(o.Key); ok {
			stored[id] = o
		}
	}
	// Every live chunk must be in an indexed pack that is there: if not,
	// the repository is damaged and only Check and a person should act.
	liveByPack := map[PackID][]blobEntry{}
	for c := range live {
		loc, ok := idx.lookup(c)
		if !ok {
			return st, corruptf("prune: chunk %s of a backup is in no index; run Check", c)
		}
		if _, ok := stored[loc.pack]; !ok {
			return st, corruptf("prune: pack %s of a live chunk is missing; run Check", loc.pack)
		}
		liveByPack[loc.pack] = append(liveByPack[loc.pack], loc.blobEntry)
	}

	var keep []packRecord // indexed as they are (live blobs only)
	var repack []PackID   // live blobs copied, then deleted
	var drop []PackID     // deleted
	for id, info := range idx.packs {
		if _, ok := stored[id]; !ok {
			continue // indexed but gone: dropped from the index, Check reports it if live (it is not: see above)
		}
		blobs := liveByPack[id]
		var liveBytes, blobBytes int64
		for _, b := range blobs {
			liveBytes += int64(b.length)
		}
		for _, b := range info.blobs {
			blobBytes += int64(b.length)
		}
		switch {
		case len(blobs) == 0:
			drop = append(drop, id)
		case liveBytes < blobBytes && float64(liveBytes) < r.opts.RepackBelow*float64(blobBytes):
			repack = append(repack, id)
		default:
			sortBlobs(blobs)
			keep = append(keep, packRecord{id: id, size: info.size, blobs: blobs})
		}
	}
	grace := started.Add(-r.opts.PruneGrace)
	for id, o := range stored {
		if _, ok := idx.packs[id]; !ok && o.ModTime.Before(grace) {
			drop = append(drop, id)
		}
	}

	// Sorted, so that a prune re-run after a crash repacks the same
	// blobs into the same packs (with the same ids) again.
	slices.SortFunc(repack, comparePackIDs)
	slices.SortFunc(drop, comparePackIDs)

	// 1. Repack.
	var newPacks []packRecord
	if len(repack) > 0 {
		newPacks, err = r.repack(ctx, repack, liveByPack)
		if err != nil {
			return st, err
		}
		st.RepackedPacks, st.NewPacks = len(repack), len(newPacks)
		for _, p := range newPacks {
			st.FreedBytes -= p.size
		}
	}

	// 2. The new index. It is written unless it would be the only index
	// object there already is, unchanged.
	all := append(keep, newPacks...)
	slices.SortFunc(all, func(a, b packRecord) int { return strings.Compare(a.id.String(), b.id.String()) })
	newKey := ""
	changed := len(drop) > 0 || len(repack) > 0 || len(indexKeys) != 1 || len(all) != len(idx.packs)
	if !changed {
		for _, p := range all {
			if len(p.blobs) != len(idx.packs[p.id].blobs) {
				changed = true
				break
			}
		}
	}
	if changed && len(all) > 0 {
		key, data, err := encodeIndexObject(all)
		if err != nil {
			return st, err
		}
		if err := r.store.Put(ctx, key, data); err != nil {
			return st, fmt.Errorf("repo: prune: write index: %w", err)
		}
		newKey = key
	}
	if changed {
		// 3. The old index objects.
		for _, k := range indexKeys {
			if k == newKey {
				continue
			}
			if err := lk.Err(); err != nil {
				return st, err
			}
			if err := r.store.Delete(ctx, k); err != nil {
				return st, fmt.Errorf("repo: prune: %w", err)
			}
			st.DeletedIndexes++
		}
	}
	// The Repo's index is now the new one (also if a delete below fails).
	newIdx := newIndex()
	for _, p := range all {
		newIdx.add(p.id, p.size, p.blobs)
	}
	r.mu.Lock()
	r.idx = newIdx
	r.mu.Unlock()

	// 4. The packs. A pack the new index lists is never deleted: a
	// repack can write a pack whose id (its content's hash) is that of an
	// unindexed leftover, the same repack's output left by a prune killed
	// before it wrote its index.
	indexed := make(map[PackID]bool, len(all))
	for _, p := range all {
		indexed[p.id] = true
	}
	for _, id := range append(drop, repack...) {
		if indexed[id] {
			continue
		}
		if err := lk.Err(); err != nil {
			return st, err
		}
		if err := r.store.Delete(ctx, packKey(id)); err != nil {
			return st, fmt.Errorf("repo: prune: %w", err)
		}
		st.FreedBytes += stored[id].Size
		if !slices.Contains(repack, id) {
			st.DeletedPacks++
		}
	}
	if err := lk.Err(); err != nil {
		return st, err
	}
	if tc, ok := r.store.(tempCleaner); ok {
		n, err := tc.removeTemps(grace, started.Add(-max(r.opts.PruneGrace, r.lockStale())))
		st.RemovedTemps = n
		if err != nil {
			return st, fmt.Errorf("repo: prune: %w", err)
		}
	}
	return st, nil
}

func comparePackIDs(a, b PackID) int { return bytes.Compare(a[:], b[:]) }

func sortBlobs(b []blobEntry) {
	slices.SortFunc(b, func(x, y blobEntry) int { return int(x.offset) - int(y.offset) })
}

// markLive returns the chunks the manifests reference, and how many
// manifests there are.
func (r *Repo) markLive(ctx context.Context) (map[ChunkID]struct{}, int, error) {
	objs, err := r.store.List(ctx, manifestsPrefix)
	if err != nil {
		return nil, 0, fmt.Errorf("repo: prune: %w", err)
	}
	live := map[ChunkID]struct{}{}
	n := 0
	for _, o := range objs {
		id := strings.TrimPrefix(o.Key, manifestsPrefix)
		if checkBackupID(id) != nil {
			continue
		}
		data, err := r.store.Get(ctx, o.Key)
		if errors.Is(err, ErrNotFound) {
			continue // deleted since the listing
		}
		if err != nil {
			return nil, 0, fmt.Errorf("repo: prune: %w", err)
		}
		_, _, entries, _, err := decodeManifest(id, data)
		if err != nil {
			return nil, 0, fmt.Errorf("repo: prune: %w", err)
		}
		n++
		for i := range entries {
			for _, c := range entries[i].Chunks {
				live[c] = struct{}{}
			}
		}
	}
	return live, n, nil
}

// repack copies the live blobs of packs into new packs, verifying each
// blob's hash on the way (a damaged blob stops Prune: its pack is not
// deleted), and writes them.
func (r *Repo) repack(ctx context.Context, packs []PackID, live map[PackID][]blobEntry) ([]packRecord, error) {
	var out []packRecord
	var pb *packBuilder
	flush := func() error {
		id, data := pb.finish()
		if err := r.store.Put(ctx, packKey(id), data); err != nil {
			return fmt.Errorf("repo: prune: write pack: %w", err)
		}
		out = append(out, packRecord{id: id, size: int64(len(data)), blobs: pb.blobs})
		pb = nil
		return nil
	}
	var zbuf []byte
	for _, id := range packs {
		data, err := r.store.Get(ctx, packKey(id))
		if err != nil {
			return nil, fmt.Errorf("repo: prune: repack: %w", err)
		}
		blobs := live[id]
		sortBlobs(blobs)
		for _, b := range blobs {
			if int64(b.offset)+int64(b.length) > int64(len(data)) {
				return nil, corruptf("prune: pack %s: blob %s beyond its end", id, b)
			}
			blob := data[b.offset : b.offset+b.length]
			plain, err := r.decodeBlob(b.id, blob, b.flags, int(b.rawLen), zbuf)
			if err != nil {
				return nil, fmt.Errorf("repo: prune: repack: %w", err)
			}
			if b.flags&blobZstd != 0 {
				zbuf = plain
			}
			if pb == nil {
				pb = newPackBuilder(r.opts.PackSize)
			}
			pb.add(b.id, blob, int(b.rawLen), b.flags)
			if len(pb.buf) >= r.opts.PackSize {
				if err := flush(); err != nil {
					return nil, err
				}
			}
		}
	}
	if pb != nil && len(pb.blobs) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
