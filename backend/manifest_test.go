package backend

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestEntriesJSON: the manifest written an entry at a time is the bytes
// json.MarshalIndent gives for the whole manifest.
func TestEntriesJSON(t *testing.T) {
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	entries := []entry{
		{path: ".", typ: typeDir, mode: 0o755, mtime: mtime},
		{path: "a <b> & \"c\"", typ: typeDir, mode: 0o2775, uid: 1000, gid: 1000, mtime: mtime},
		{path: "a <b> & \"c\"/f\u00e9", typ: typeFile, mode: 0o4644, size: 12, sha256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", mtime: mtime},
		{path: "l", typ: typeSymlink, mode: 0o777, target: "../x\ty", mtime: mtime},
	}
	for n := 1; n <= len(entries); n++ {
		m := &manifest{
			Format: manifestFormat, Version: manifestV1, BackupID: "b1", ShareID: "s1",
			CreatedAt: mtime, Compression: "zstd", CompressionLevel: "fastest", Archive: archiveZstd,
			ArchiveBytes: 42, ArchiveSHA256: entries[2].sha256, TotalBytes: 12, EntryCount: n, Skipped: []string{"fifo"},
		}
		var js entriesJSON
		for i := range entries[:n] {
			if err := js.add(&entries[i]); err != nil {
				t.Fatal(err)
			}
		}
		got, err := js.manifest(m)
		if err != nil {
			t.Fatal(err)
		}
		for i := range entries[:n] {
			m.Entries = append(m.Entries, toManifestEntry(&entries[i]))
		}
		want, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%d entries:\n%s\nwant\n%s", n, got, want)
		}
	}
}
