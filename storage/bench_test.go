package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkListShares is the list query of the hot path: a page of 100
// shares, each with a metadata item and an export location, with their
// aggregates, as GET /v2/shares/detail reads it.
func BenchmarkListShares(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"), Options{Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for i := range 100 {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		if _, err := db.CreateShare(ctx, Share{ID: id, ProjectID: "p", UserID: "u", Size: 1, Proto: "NFS", Status: "available",
			Metadata: map[string]string{"k": "v"}}, 0); err != nil {
			b.Fatal(err)
		}
		if err := db.Write(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO export_locations (id, share_id, path, created_at) VALUES (?, ?, '/srv/x', '2026-01-01T00:00:00.000000')`, "el-"+id, id)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		shares, _, err := db.ListShares(ctx, ShareFilter{ProjectID: "p"}, false)
		if err != nil || len(shares) != 100 || len(shares[99].ExportLocations) != 1 || shares[99].Metadata["k"] != "v" {
			b.Fatalf("%d shares, %v", len(shares), err)
		}
	}
}
