package repo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// CheckReport is what Check found.
type CheckReport struct {
	// Problems are the damage found, each an error wrapping ErrCorrupt
	// (or the store's error for an object it could not read).
	Problems []error
	// Leftovers are the keys of packs no index lists (those of a backup
	// or prune killed midway): not damage, but what Prune removes.
	Leftovers []string
	// Backups, IndexObjects, Packs and Blobs count what was checked;
	// ReadBytes is how much pack data was read (Check with readData).
	Backups, IndexObjects, Packs, Blobs int
	ReadBytes                           int64
}

// OK reports whether Check found no damage.
func (c *CheckReport) OK() bool { return len(c.Problems) == 0 }

// Check verifies the repository: every index object decodes; every pack
// an index lists exists with the size it gives; every manifest decodes and
// each of its chunks is in the index, in a pack that exists. With readData
// every pack is read whole: its content must hash to its id, its trailer
// must list the blobs the index gives it, and every blob must decode to
// plaintext that hashes to its chunk id. Check returns an error only when
// it could not run (the store failed to list); damage goes in the
// report's Problems. It holds a shared repository lock; lock objects
// (locks/) are neither damage nor leftovers.
func (r *Repo) Check(ctx context.Context, readData bool) (*CheckReport, error) {
	lk, err := r.lockShared(ctx, "check")
	if err != nil {
		return nil, err
	}
	defer r.unlockShared(lk)
	rep := &CheckReport{}
	problem := func(err error) { rep.Problems = append(rep.Problems, err) }

	idx, keys, problems, err := loadIndex(ctx, r.store)
	if err != nil {
		return nil, err
	}
	rep.Problems = append(rep.Problems, problems...)
	rep.IndexObjects = len(keys)
	packObjs, err := r.store.List(ctx, packsPrefix)
	if err != nil {
		return nil, fmt.Errorf("repo: check: %w", err)
	}
	stored := map[PackID]ObjectInfo{}
	for _, o := range packObjs {
		id, ok := parsePackKey(o.Key)
		if !ok {
			continue
		}
		stored[id] = o
		if _, ok := idx.packs[id]; !ok {
			rep.Leftovers = append(rep.Leftovers, o.Key)
		}
	}
	slices.Sort(rep.Leftovers)
	ids := make([]PackID, 0, len(idx.packs))
	for id := range idx.packs {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b PackID) int { return strings.Compare(a.String(), b.String()) })
	for _, id := range ids {
		info := idx.packs[id]
		rep.Packs++
		rep.Blobs += len(info.blobs)
		o, ok := stored[id]
		switch {
		case !ok:
			problem(corruptf("pack %s: in the index but missing", id))
			continue
		case o.Size != info.size:
			problem(corruptf("pack %s: %d bytes, the index says %d", id, o.Size, info.size))
			continue
		}
		if readData {
			r.checkPackData(ctx, id, info, rep)
		}
	}

	mobjs, err := r.store.List(ctx, manifestsPrefix)
	if err != nil {
		return nil, fmt.Errorf("repo: check: %w", err)
	}
	slices.SortFunc(mobjs, func(a, b ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	for _, o := range mobjs {
		bid := strings.TrimPrefix(o.Key, manifestsPrefix)
		if checkBackupID(bid) != nil {
			continue
		}
		data, err := r.store.Get(ctx, o.Key)
		if errors.Is(err, ErrNotFound) {
			continue // deleted since the listing
		}
		if err != nil {
			problem(fmt.Errorf("repo: check: %w", err))
			continue
		}
		_, _, entries, _, err := decodeManifest(bid, data)
		if err != nil {
			problem(err)
			continue
		}
		rep.Backups++
		for i := range entries {
			e := &entries[i]
			for _, c := range e.Chunks {
				loc, ok := idx.lookup(c)
				if !ok {
					problem(corruptf("backup %s: %s: chunk %s is in no index", bid, e.Path, c))
					break
				}
				if _, ok := stored[loc.pack]; !ok {
					problem(corruptf("backup %s: %s: chunk %s is in pack %s, which is missing", bid, e.Path, c, loc.pack))
					break
				}
			}
		}
	}
	return rep, nil
}

// checkPackData reads pack id whole and checks it against its hash, its
// trailer and the index, and every blob against its chunk id.
func (r *Repo) checkPackData(ctx context.Context, id PackID, info *packInfo, rep *CheckReport) {
	problem := func(err error) { rep.Problems = append(rep.Problems, err) }
	data, err := r.store.Get(ctx, packKey(id))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			problem(corruptf("pack %s: missing: %v", id, err))
		} else {
			problem(fmt.Errorf("repo: check: %w", err))
		}
		return
	}
	rep.ReadBytes += int64(len(data))
	// The pack's hash first: a mismatch says the pack is damaged, the
	// blob checks below say which chunks that costs.
	blobs, err := parsePack(id, data)
	if err != nil {
		problem(err)
		if blobs, err = parseTrailer(id, data, int64(len(data))); err != nil {
			blobs = info.blobs // check what the index says is there
		}
	}
	inTrailer := make(map[blobEntry]bool, len(blobs))
	for _, b := range blobs {
		inTrailer[b] = true
	}
	for _, b := range info.blobs {
		if !inTrailer[b] {
			problem(corruptf("pack %s: blob %s of the index is not in the pack's trailer", id, b))
		}
	}
	var zbuf []byte
	for _, b := range blobs {
		if int64(b.offset)+int64(b.length) > int64(len(data)) {
			problem(corruptf("pack %s: blob %s beyond its end", id, b))
			continue
		}
		plain, err := r.decodeBlob(b.id, data[b.offset:b.offset+b.length], b.flags, int(b.rawLen), zbuf)
		if err != nil {
			problem(fmt.Errorf("pack %s: %w", id, err))
			continue
		}
		if b.flags&blobZstd != 0 {
			zbuf = plain
		}
	}
}
