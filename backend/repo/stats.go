package repo

import (
	"context"
	"fmt"
	"strings"
)

// Stats counts what a repository stores, for admins and metrics.
type Stats struct {
	Backups      int
	Packs        int
	IndexObjects int
	// Chunks counts the index's distinct chunks, ChunkBytes their
	// plaintext size and BlobBytes their stored (compressed) size.
	Chunks                int
	ChunkBytes, BlobBytes int64
	// PackBytes, IndexBytes and ManifestBytes are the sizes of the
	// objects of each kind; StoredBytes is the size of all objects.
	PackBytes, IndexBytes, ManifestBytes, StoredBytes int64
}

// Stats lists the store and counts its objects.
func (r *Repo) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	objs, err := r.store.List(ctx, "")
	if err != nil {
		return s, fmt.Errorf("repo: stats: %w", err)
	}
	for _, o := range objs {
		s.StoredBytes += o.Size
		switch {
		case strings.HasPrefix(o.Key, packsPrefix):
			s.Packs++
			s.PackBytes += o.Size
		case strings.HasPrefix(o.Key, indexPrefix):
			s.IndexObjects++
			s.IndexBytes += o.Size
		case strings.HasPrefix(o.Key, manifestsPrefix):
			s.Backups++
			s.ManifestBytes += o.Size
		}
	}
	r.mu.RLock()
	s.Chunks = len(r.idx.blobs)
	for _, b := range r.idx.blobs {
		s.ChunkBytes += int64(b.rawLen)
		s.BlobBytes += int64(b.length)
	}
	r.mu.RUnlock()
	return s, nil
}
