package backend_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/manilite/manilite/backend"
	"github.com/manilite/manilite/backend/repo"
)

// newLocalOpts is newLocal with options.
func newLocalOpts(t *testing.T, opts ...backend.Option) (*backend.Local, string) {
	t.Helper()
	dir := t.TempDir()
	l, err := backend.NewLocal(dir, opts...)
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	return l, dir
}

// richShare creates share id holding makeRichTree's tree and returns its
// path and captured tree.
func richShare(t *testing.T, l *backend.Local, id string) (string, map[string]node) {
	t.Helper()
	p, err := l.CreateShare(id)
	must(t, err)
	makeRichTree(t, p)
	return p, captureTree(t, p)
}

// backupIDs is l.Backups.
func backupIDs(t *testing.T, l *backend.Local) []string {
	t.Helper()
	ids, err := l.Backups(t.Context())
	must(t, err)
	return ids
}

// backupFolders is what the backups folder holds besides the repository's
// own objects and its (empty) temporary folder: legacy backups, leftovers.
func backupFolders(t *testing.T, l *backend.Local) []string {
	t.Helper()
	bp, err := l.BackupPath("x")
	must(t, err)
	var out []string
	for _, name := range entries(t, filepath.Dir(bp)) {
		switch name {
		case "config", "index", "manifests", "packs", "locks":
		case ".tmp":
			if temps := entries(t, filepath.Join(filepath.Dir(bp), name)); len(temps) != 0 {
				out = append(out, ".tmp: "+strings.Join(temps, " "))
			}
		default:
			out = append(out, name)
		}
	}
	return out
}

// assertNoBackupData checks that l holds no backup and stores no backup
// data: no manifest, no pack, no index object, no leftover.
func assertNoBackupData(t *testing.T, l *backend.Local) {
	t.Helper()
	if ids := backupIDs(t, l); len(ids) != 0 {
		t.Errorf("backups %v, want none", ids)
	}
	if st := repoStats(t, l); st.Backups != 0 || st.Packs != 0 || st.IndexObjects != 0 {
		t.Errorf("the repository holds %+v, want nothing", st)
	}
	if got := backupFolders(t, l); len(got) != 0 {
		t.Errorf("the backups folder holds %v besides the repository", got)
	}
}

// repoStats is l.BackupStats.
func repoStats(t *testing.T, l *backend.Local) repo.Stats {
	t.Helper()
	s, err := l.BackupStats(t.Context())
	must(t, err)
	return s
}

func backupDirNames(t *testing.T, l *backend.Local, id string) []string {
	t.Helper()
	p, err := l.BackupPath(id)
	must(t, err)
	return entries(t, p)
}

// changeShare makes share p differ from what was backed up: a file
// changed, shrunk and rewritten, one removed, files and a directory added,
// modes and a link changed, an mtime moved.
func changeShare(t *testing.T, p string) {
	t.Helper()
	must(t, os.WriteFile(filepath.Join(p, "a/b/c/deep.txt"), []byte("CHANGED"), 0o644))
	f, err := os.OpenFile(filepath.Join(p, "big.bin"), os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteAt([]byte("scribble"), 1<<20)
	must(t, err)
	must(t, f.Close())
	must(t, os.Remove(filepath.Join(p, "secret.txt")))
	writeFile(t, filepath.Join(p, "added.txt"), "new since the backup")
	writeFile(t, filepath.Join(p, "new-dir/inner/file"), "new too")
	must(t, os.Chmod(filepath.Join(p, "run.sh"), 0o600))
	must(t, os.Chmod(filepath.Join(p, "private"), 0o755))
	must(t, os.Remove(filepath.Join(p, "link-to-dir")))
	must(t, os.Symlink("elsewhere", filepath.Join(p, "link-to-dir")))
	must(t, os.RemoveAll(filepath.Join(p, "empty-dir")))
	must(t, os.Chtimes(filepath.Join(p, "empty.txt"), time.Time{}, time.Now()))
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	l, _ := newLocalOpts(t)
	share, want := richShare(t, l, "s1")

	info, err := l.CreateBackup(t.Context(), "s1", "b1", nil, nil)
	if err != nil {
		t.Fatalf("CreateBackup: %v", err)
	}
	var files, dirs, links int
	var bytes int64
	for _, n := range want {
		switch n.typ {
		case "file":
			files++
			bytes += n.size
		case "dir":
			dirs++
		case "symlink":
			links++
		}
	}
	if info.Files != files || info.Dirs != dirs || info.Symlinks != links || info.Bytes != bytes || len(info.Skipped) != 0 {
		t.Errorf("BackupInfo = %+v, want %d files, %d dirs, %d symlinks, %d bytes, nothing skipped", info, files, dirs, links, bytes)
	}
	// The first backup stored every chunk it has.
	if st := repoStats(t, l); info.ArchiveBytes != st.BlobBytes || st.Backups != 1 || st.Packs == 0 {
		t.Errorf("ArchiveBytes = %d, the repository holds %+v", info.ArchiveBytes, st)
	}
	if got := backupIDs(t, l); !slices.Equal(got, []string{"b1"}) {
		t.Errorf("backups %v, want [b1]", got)
	}
	if !l.BackupExists("b1") {
		t.Error("BackupExists = false")
	}
	assertTree(t, want, share) // the backup left the share alone

	changeShare(t, share)
	if err := l.RestoreBackup(t.Context(), "b1", "s1", nil); err != nil {
		t.Fatalf("RestoreBackup: %v", err)
	}
	assertTree(t, want, share)

	// Into another share, one that does not exist yet.
	if err := l.RestoreBackup(t.Context(), "b1", "s2", nil); err != nil {
		t.Fatalf("RestoreBackup into s2: %v", err)
	}
	p2, _ := l.SharePath("s2")
	assertTree(t, want, p2)
	// And into an existing, different one.
	p3, err := l.CreateShare("s3")
	must(t, err)
	writeFile(t, filepath.Join(p3, "other"), "s3's own data")
	must(t, l.RestoreBackup(t.Context(), "b1", "s3", nil))
	assertTree(t, want, p3)

	if got := entries(t, l.Root()); !slices.Equal(got, []string{"s1", "s2", "s3"}) {
		t.Errorf("shares folder holds %v after restores, want [s1 s2 s3]", got)
	}
	// Restoring again is a no-op in effect.
	must(t, l.RestoreBackup(t.Context(), "b1", "s1", nil))
	assertTree(t, want, share)
}

func TestBackupManifest(t *testing.T) {
	l, _ := newLocalOpts(t)
	share, want := richShare(t, l, "s1")
	before := time.Now()
	if _, err := l.CreateLegacyBackup(t.Context(), "s1", "b1", nil, nil); err != nil {
		t.Fatal(err)
	}
	bp, _ := l.BackupPath("b1")
	raw, err := os.ReadFile(filepath.Join(bp, "manifest.json"))
	must(t, err)
	var m struct {
		Format           string    `json:"format"`
		Version          int       `json:"version"`
		BackupID         string    `json:"backup_id"`
		ShareID          string    `json:"share_id"`
		CreatedAt        time.Time `json:"created_at"`
		Compression      string    `json:"compression"`
		CompressionLevel string    `json:"compression_level"`
		Archive          string    `json:"archive"`
		ArchiveBytes     int64     `json:"archive_bytes"`
		ArchiveSHA256    string    `json:"archive_sha256"`
		TotalBytes       int64     `json:"total_bytes"`
		EntryCount       int       `json:"entry_count"`
		Skipped          []string  `json:"skipped"`
		Entries          []struct {
			Path, Type, Mode, MTime, SHA256, Target string
			Size                                    int64
			UID, GID                                uint32
		} `json:"entries"`
	}
	must(t, json.Unmarshal(raw, &m))
	archive, err := os.ReadFile(filepath.Join(bp, "data.tar.zst"))
	must(t, err)
	sum := sha256.Sum256(archive)
	if m.Format != "manilite-backup" || m.Version != 1 || m.BackupID != "b1" || m.ShareID != "s1" ||
		m.Compression != "zstd" || m.CompressionLevel != backend.DefaultCompressionLevel || m.Archive != "data.tar.zst" ||
		m.ArchiveBytes != int64(len(archive)) || m.ArchiveSHA256 != hex.EncodeToString(sum[:]) ||
		m.EntryCount != len(want) || len(m.Entries) != len(want) || m.Skipped == nil || len(m.Skipped) != 0 {
		t.Errorf("manifest header: %+v", m)
	}
	if m.CreatedAt.Before(before.Add(-time.Second)) || m.CreatedAt.After(time.Now()) {
		t.Errorf("created_at %v", m.CreatedAt)
	}
	var total int64
	var paths []string
	for _, e := range m.Entries {
		paths = append(paths, e.Path)
		n, ok := want[e.Path]
		if !ok {
			t.Errorf("manifest lists %q, not in the share", e.Path)
			continue
		}
		mt, err := time.Parse(time.RFC3339Nano, e.MTime)
		if err != nil || !mt.Equal(n.mtime) {
			t.Errorf("%s: mtime %q, want %v", e.Path, e.MTime, n.mtime)
		}
		perm := uint32(n.mode.Perm())
		if n.mode&fs.ModeSetuid != 0 {
			perm |= 0o4000
		}
		if n.mode&fs.ModeSetgid != 0 {
			perm |= 0o2000
		}
		if n.mode&fs.ModeSticky != 0 {
			perm |= 0o1000
		}
		if e.Type != n.typ || e.Mode != fmt.Sprintf("%#o", perm) || e.UID != n.uid || e.GID != n.gid {
			t.Errorf("%s: type %s mode %s owner %d:%d, want %s %#o %d:%d", e.Path, e.Type, e.Mode, e.UID, e.GID, n.typ, perm, n.uid, n.gid)
		}
		switch e.Type {
		case "file":
			total += e.Size
			if e.Size != n.size || e.SHA256 != hex.EncodeToString(n.sum[:]) || e.Target != "" {
				t.Errorf("%s: size %d sha256 %s, want %d %x", e.Path, e.Size, e.SHA256, n.size, n.sum)
			}
		case "symlink":
			if e.Target != n.target || e.SHA256 != "" {
				t.Errorf("%s: target %q, want %q", e.Path, e.Target, n.target)
			}
		}
	}
	if m.TotalBytes != total {
		t.Errorf("total_bytes %d, files add up to %d", m.TotalBytes, total)
	}
	if len(paths) == 0 || paths[0] != "." {
		t.Errorf("first entry %v, want \".\"", paths[:min(1, len(paths))])
	}
	// Depth first, each directory's children sorted.
	wantOrder := []string{".", "a", "a/b", "a/b/c", "a/b/c/deep.txt", "a/b/sibling.txt", "a/b/up-link", "a/empty-inner", "a-b.txt", "big.bin"}
	if len(paths) < len(wantOrder) || !slices.Equal(paths[:len(wantOrder)], wantOrder) {
		t.Errorf("entries start %v, want %v", paths[:min(len(paths), len(wantOrder))], wantOrder)
	}
	_ = share
}

func TestBackupCompression(t *testing.T) {
	tests := []struct {
		name    string
		opts    map[string]any
		archive string
		level   string
	}{
		{"no options", nil, "data.tar.zst", backend.DefaultCompressionLevel},
		{"unknown keys ignored", map[string]any{"frobnicate": "yes", "incremental": true, "dummy": map[string]any{"a": 1.0}}, "data.tar.zst", backend.DefaultCompressionLevel},
		{"zstd", map[string]any{"compression": "zstd"}, "data.tar.zst", backend.DefaultCompressionLevel},
		{"none", map[string]any{"compression": "none"}, "data.tar", ""},
		{"none ignores the level", map[string]any{"compression": "none", "compression_level": "best"}, "data.tar", ""},
		{"fastest", map[string]any{"compression_level": "fastest"}, "data.tar.zst", "fastest"},
		{"default", map[string]any{"compression_level": "default"}, "data.tar.zst", "default"},
		{"better", map[string]any{"compression_level": "better"}, "data.tar.zst", "better"},
		{"best", map[string]any{"compression": "zstd", "compression_level": "best"}, "data.tar.zst", "best"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := newLocalOpts(t)
			_, want := richShare(t, l, "s1")
			if _, err := l.CreateLegacyBackup(t.Context(), "s1", "b1", tc.opts, nil); err != nil {
				t.Fatal(err)
			}
			if got := backupDirNames(t, l, "b1"); !slices.Equal(got, []string{tc.archive, "manifest.json"}) {
				t.Fatalf("backup folder holds %v, want [%s manifest.json]", got, tc.archive)
			}
			bp, _ := l.BackupPath("b1")
			data, err := os.ReadFile(filepath.Join(bp, tc.archive))
			must(t, err)
			var m struct {
				CompressionLevel string `json:"compression_level"`
			}
			raw, err := os.ReadFile(filepath.Join(bp, "manifest.json"))
			must(t, err)
			must(t, json.Unmarshal(raw, &m))
			if m.CompressionLevel != tc.level {
				t.Errorf("compression_level %q, want %q", m.CompressionLevel, tc.level)
			}
			if tc.archive == "data.tar.zst" {
				if !bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
					t.Errorf("archive starts % x, not a zstd frame", data[:4])
				}
			} else {
				// A plain tar any tar reader takes.
				tr := tar.NewReader(bytes.NewReader(data))
				n := 0
				for {
					if _, err := tr.Next(); err == io.EOF {
						break
					} else if err != nil {
						t.Fatalf("reading data.tar: %v", err)
					}
					n++
				}
				if n != len(want) {
					t.Errorf("data.tar has %d entries, want %d", n, len(want))
				}
			}
			must(t, l.RestoreBackup(t.Context(), "b1", "restored", nil))
			p, _ := l.SharePath("restored")
			assertTree(t, want, p)
		})
	}
}

func TestBackupInvalidOptions(t *testing.T) {
	for _, opts := range []map[string]any{
		{"compression": "gzip"},
		{"compression": ""},
		{"compression": "ZSTD"},
		{"compression_level": "ultra"},
		{"compression_level": "9"},
		{"compression": "none", "compression_level": "x"},
		{"compression": true},
		{"compression_level": 3.0},
	} {
		t.Run(fmt.Sprint(opts), func(t *testing.T) {
			l, _ := newLocalOpts(t)
			richShare(t, l, "s1")
			_, err := l.CreateBackup(t.Context(), "s1", "b1", opts, nil)
			if !errors.Is(err, backend.ErrInvalidOption) {
				t.Fatalf("err = %v, want ErrInvalidOption", err)
			}
			var key, value string
			for k, v := range opts {
				if k == "compression" && (v == "zstd" || v == "none") {
					continue
				}
				key = k
				if s, ok := v.(string); ok {
					value = fmt.Sprintf("%q", s)
				} else {
					value = fmt.Sprint(v)
				}
			}
			if !strings.Contains(err.Error(), key+"="+value) {
				t.Errorf("error %q does not name %s=%s", err, key, value)
			}
			if l.BackupExists("b1") {
				t.Error("a backup was made")
			}
			assertNoBackupData(t, l)
		})
	}
}

func TestBackupInvalidIDs(t *testing.T) {
	l, _ := newLocalOpts(t)
	richShare(t, l, "s1")
	ctx := t.Context()
	for _, id := range []string{"", ".", "..", ".tmp-x", "a/b", "../b", `a\b`} {
		if p, err := l.BackupPath(id); err == nil {
			t.Errorf("BackupPath(%q) = %q, want an error", id, p)
		}
		if _, err := l.CreateBackup(ctx, "s1", id, nil, nil); err == nil {
			t.Errorf("CreateBackup(backup %q) succeeded", id)
		}
		if _, err := l.CreateBackup(ctx, id, "b1", nil, nil); err == nil {
			t.Errorf("CreateBackup(share %q) succeeded", id)
		}
		if err := l.RestoreBackup(ctx, id, "s1", nil); err == nil {
			t.Errorf("RestoreBackup(backup %q) succeeded", id)
		}
		if err := l.DeleteBackup(id); err == nil {
			t.Errorf("DeleteBackup(%q) succeeded", id)
		}
		if l.BackupExists(id) {
			t.Errorf("BackupExists(%q) = true", id)
		}
		if p, err := l.SnapshotPath(id); err == nil {
			t.Errorf("SnapshotPath(%q) = %q, want an error", id, p)
		}
		if err := l.CreateSnapshot(ctx, "s1", id); err == nil {
			t.Errorf("CreateSnapshot(%q) succeeded", id)
		}
		if err := l.DeleteSnapshot(id); err == nil {
			t.Errorf("DeleteSnapshot(%q) succeeded", id)
		}
	}
	if _, err := backend.NewLocal(t.TempDir(), backend.WithMaxRate(-1)); err == nil {
		t.Error("NewLocal accepted a negative rate")
	}
}

func TestBackupMissing(t *testing.T) {
	l, _ := newLocalOpts(t)
	_, err := l.CreateBackup(t.Context(), "nope", "b1", nil, nil)
	if !errors.Is(err, backend.ErrShareNotFound) {
		t.Errorf("backup of a missing share: %v, want ErrShareNotFound", err)
	}
	if l.BackupExists("b1") {
		t.Error("a backup of a missing share exists")
	}
	if err := l.RestoreBackup(t.Context(), "b1", "s1", nil); !errors.Is(err, backend.ErrBackupNotFound) {
		t.Errorf("restore of a missing backup: %v, want ErrBackupNotFound", err)
	}
	if l.ShareExists("s1") {
		t.Error("restore of a missing backup created the share")
	}
}

func TestDeleteBackup(t *testing.T) {
	l, _ := newLocalOpts(t)
	share, _ := richShare(t, l, "s1")
	if _, err := l.CreateBackup(t.Context(), "s1", "b1", nil, nil); err != nil {
		t.Fatal(err)
	}
	// b2 shares most of b1's chunks; b1 alone has the old big.bin's.
	changeShare(t, share)
	want := captureTree(t, share)
	if _, err := l.CreateBackup(t.Context(), "s1", "b2", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.CreateLegacyBackup(t.Context(), "s1", "old", nil, nil); err != nil {
		t.Fatal(err)
	}
	both := repoStats(t, l)
	bp, _ := l.BackupPath("b1")
	backups := filepath.Dir(bp)
	// The leftovers of an interrupted delete and an interrupted create.
	writeFile(t, filepath.Join(backups, ".deleting-b1", "x"), "half gone")
	writeFile(t, filepath.Join(backups, ".tmp-b1", "data.tar.zst"), "half made")
	for i := range 2 {
		if err := l.DeleteBackup("b1"); err != nil {
			t.Fatalf("delete #%d: %v", i+1, err)
		}
		if l.BackupExists("b1") {
			t.Fatalf("delete #%d: backup still exists", i+1)
		}
		if got := backupIDs(t, l); !slices.Equal(got, []string{"b2", "old"}) {
			t.Errorf("delete #%d: backups %v, want [b2 old]", i+1, got)
		}
		if got := backupFolders(t, l); !slices.Equal(got, []string{"old"}) {
			t.Errorf("delete #%d: backups folder holds %v, want [old]", i+1, got)
		}
	}
	// What only b1 held is out of the index (its bytes are freed once its
	// pack is mostly dead: see repo.Options.RepackBelow), and b2 still
	// restores.
	one := repoStats(t, l)
	if one.Backups != 1 || one.ChunkBytes >= both.ChunkBytes {
		t.Errorf("after deleting b1 the repository holds %+v, before %+v", one, both)
	}
	if err := l.RestoreBackup(t.Context(), "b1", "s1", nil); !errors.Is(err, backend.ErrBackupNotFound) {
		t.Errorf("restore of a deleted backup: %v", err)
	}
	must(t, l.RestoreBackup(t.Context(), "b2", "s2", nil))
	p2, _ := l.SharePath("s2")
	assertTree(t, want, p2)
	ok, err := l.CheckBackups(t.Context(), true)
	must(t, err)
	if !ok.OK() || len(ok.Leftovers) != 0 {
		t.Errorf("check after the delete: %+v", ok)
	}
	// The last ones: nothing is left.
	must(t, l.DeleteBackup("b2"))
	must(t, l.DeleteBackup("old"))
	assertNoBackupData(t, l)
}

// backupFixture makes a backup b1 of a rich share s1 (with opts), then
// changes s1, and returns the tree the backup holds and the share's
// current one.
func backupFixture(t *testing.T, opts map[string]any) (l *backend.Local, dataDir, share string, backedUp, current map[string]node) {
	t.Helper()
	l, dataDir = newLocalOpts(t)
	share, backedUp = richShare(t, l, "s1")
	if _, err := l.CreateLegacyBackup(t.Context(), "s1", "b1", opts, nil); err != nil {
		t.Fatal(err)
	}
	changeShare(t, share)
	return l, dataDir, share, backedUp, captureTree(t, share)
}

// assertRestoreFails restores b1 into s1, expects an error wrapping
// ErrCorruptBackup and checks the share kept current and no work folder
// is left.
func assertRestoreFails(t *testing.T, l *backend.Local, share string, current map[string]node) {
	t.Helper()
	err := l.RestoreBackup(t.Context(), "b1", "s1", nil)
	if !errors.Is(err, backend.ErrCorruptBackup) {
		t.Fatalf("RestoreBackup = %v, want ErrCorruptBackup", err)
	}
	t.Logf("error: %v", err)
	assertTree(t, current, share)
	if got := entries(t, l.Root()); !slices.Equal(got, []string{"s1"}) {
		t.Errorf("shares folder holds %v, want [s1]", got)
	}
}

func editManifest(t *testing.T, l *backend.Local, edit func(m map[string]any)) {
	t.Helper()
	bp, _ := l.BackupPath("b1")
	p := filepath.Join(bp, "manifest.json")
	raw, err := os.ReadFile(p)
	must(t, err)
	var m map[string]any
	must(t, json.Unmarshal(raw, &m))
	edit(m)
	raw, err = json.Marshal(m)
	must(t, err)
	must(t, os.WriteFile(p, raw, 0o600))
}

func manifestEntry(t *testing.T, m map[string]any, path string) map[string]any {
	t.Helper()
	for _, e := range m["entries"].([]any) {
		if e := e.(map[string]any); e["path"] == path {
			return e
		}
	}
	t.Fatalf("manifest has no entry %q", path)
	return nil
}

func flipByte(t *testing.T, p string, off func(data []byte) int) {
	t.Helper()
	data, err := os.ReadFile(p)
	must(t, err)
	data[off(data)] ^= 0x55
	must(t, os.WriteFile(p, data, 0o600))
}

func TestRestoreCorruptArchive(t *testing.T) {
	tests := []struct {
		name    string
		opts    map[string]any
		archive string
		off     func(data []byte) int
	}{
		{"zstd, first byte", nil, "data.tar.zst", func([]byte) int { return 0 }},
		{"zstd, middle", nil, "data.tar.zst", func(d []byte) int { return len(d) / 2 }},
		{"zstd, early", nil, "data.tar.zst", func(d []byte) int { return 200 }},
		{"zstd, last byte (checksum)", nil, "data.tar.zst", func(d []byte) int { return len(d) - 1 }},
		{"tar, file content", map[string]any{"compression": "none"}, "data.tar", func(d []byte) int {
			return bytes.Index(d, []byte("DEEP-CONTENT-MARKER"))
		}},
		// Padding the tar reader skips: only the archive's checksum sees it.
		{"tar, padding after a file", map[string]any{"compression": "none"}, "data.tar", func(d []byte) int {
			return bytes.Index(d, []byte("DEEP-CONTENT-MARKER")) + 100
		}},
		{"tar, end-of-archive blocks", map[string]any{"compression": "none"}, "data.tar", func(d []byte) int { return len(d) - 1 }},
		{"tar, a header", map[string]any{"compression": "none"}, "data.tar", func(d []byte) int { return 1024 + 100 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, _, share, _, current := backupFixture(t, tc.opts)
			bp, _ := l.BackupPath("b1")
			flipByte(t, filepath.Join(bp, tc.archive), tc.off)
			assertRestoreFails(t, l, share, current)
		})
	}
}

func TestRestoreTruncatedArchive(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       map[string]any
		keep       func(n int64) int64
		fixupBytes bool // make the manifest's archive_bytes agree, so the stream is what fails
	}{
		{"zstd, half", nil, func(n int64) int64 { return n / 2 }, false},
		{"zstd, half, size fixed up", nil, func(n int64) int64 { return n / 2 }, true},
		{"zstd, all but the last byte, size fixed up", nil, func(n int64) int64 { return n - 1 }, true},
		{"zstd, empty, size fixed up", nil, func(n int64) int64 { return 0 }, true},
		{"tar, half, size fixed up", map[string]any{"compression": "none"}, func(n int64) int64 { return n / 2 }, true},
		{"tar, without the end blocks, size fixed up", map[string]any{"compression": "none"}, func(n int64) int64 { return n - 1024 }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, _, share, _, current := backupFixture(t, tc.opts)
			bp, _ := l.BackupPath("b1")
			name := "data.tar.zst"
			if tc.opts != nil {
				name = "data.tar"
			}
			p := filepath.Join(bp, name)
			st, err := os.Stat(p)
			must(t, err)
			n := tc.keep(st.Size())
			must(t, os.Truncate(p, n))
			if tc.fixupBytes {
				editManifest(t, l, func(m map[string]any) { m["archive_bytes"] = n })
			}
			assertRestoreFails(t, l, share, current)
		})
	}
}

func TestRestoreBadManifest(t *testing.T) {
	otherSum := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		corrupt func(t *testing.T, l *backend.Local, bp string)
	}{
		{"missing manifest", func(t *testing.T, l *backend.Local, bp string) {
			must(t, os.Remove(filepath.Join(bp, "manifest.json")))
		}},
		{"missing archive", func(t *testing.T, l *backend.Local, bp string) {
			must(t, os.Remove(filepath.Join(bp, "data.tar.zst")))
		}},
		{"not JSON", func(t *testing.T, l *backend.Local, bp string) {
			must(t, os.WriteFile(filepath.Join(bp, "manifest.json"), []byte("{\"format\": \"manilite-backup\", "), 0o600))
		}},
		{"empty", func(t *testing.T, l *backend.Local, bp string) {
			must(t, os.WriteFile(filepath.Join(bp, "manifest.json"), nil, 0o600))
		}},
		{"tampered file sha256", func(t *testing.T, l *backend.Local, bp string) {
			editManifest(t, l, func(m map[string]any) { manifestEntry(t, m, "a/b/c/deep.txt")["sha256"] = otherSum })
		}},
		{"tampered big file sha256", func(t *testing.T, l *backend.Local, bp string) {
			editManifest(t, l, func(m map[string]any) { manifestEntry(t, m, "big.bin")["sha256"] = otherSum })
		}},
		{"tampered archive sha256", func(t *testing.T, l *backend.Local, bp string) {
			editManifest(t, l, func(m map[string]any) { m["archive_sha256"] = otherSum })
		}},
		{"tampered mode", func(t *testing.T, l *backend.Local, bp string) {
			editManifest(t, l, func(m map[string]any) { manifestEntry(t, m, "run.sh")["mode"] = "0777" })
		}},
		{"invalid mode", func(t *testing.T, l *backend.Local, bp string) {
			editManifest(t, l, func(m map[string]any) { manifestEntry(t, m, "run.sh")["mode"] = "0o755" })
		}},
		{"tampered mtime", func(t *testing.T, l *backend.Local, bp string) {
			editManifest(t, l, func(m map[string]any) { manifestEntry(t, m, "run.sh")["mtime"] = "2000-01-01T00:00:00Z" })
		}},
		{"tampered link target", func(t *testing.T, l *backend.Local, bp string) {
			editManifest(t, l, func(m map[string]any) { manifestEntry(t, m, "dangling")["target"] = "/etc/passwd" })
		}},
		{"wrong backup id", func(t *testing.T, l *backend.Local, bp string) {
			editManifest(t, l, func(m map[string]any) { m["backup_id"] = "b2" })
		}},
		{"unknown version", func(t *testing.T, l *backend.Local, bp string) {
			editManifest(t, l, func(m map[string]any) { m["version"] = 2 })
		}},
		{"archive named elsewhere", func(t *testing.T, l *backend.Local, bp string) {
			editManifest(t, l, func(m map[string]any) { m["archive"] = "../b2/data.tar.zst" })
		}},
		{"entry count", func(t *testing.T, l *backend.Local, bp string) {
			editManifest(t, l, func(m map[string]any) { m["entry_count"] = 3 })
		}},
		{"entry dropped", func(t *testing.T, l *backend.Local, bp string) {
			editManifest(t, l, func(m map[string]any) {
				es := m["entries"].([]any)
				m["entries"] = append(es[:3:3], es[4:]...)
				m["entry_count"] = len(es) - 1
			})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, _, share, _, current := backupFixture(t, nil)
			bp, _ := l.BackupPath("b1")
			tc.corrupt(t, l, bp)
			if l.BackupExists("b1") && !strings.Contains(tc.name, "tampered") {
				t.Error("BackupExists = true for a broken backup")
			}
			assertRestoreFails(t, l, share, current)
		})
	}
}

// findEvil fails t if a file named evil exists anywhere under dir.
func findEvil(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), "evil") {
			t.Errorf("%s was written", p)
		}
		return nil
	})
}

func TestRestoreEscapingManifestPaths(t *testing.T) {
	for _, evil := range []string{
		"../evil",
		"../../evil",
		"/tmp/evil",
		"a/../../evil",
		"a/./evil",
		"a//evil",
		"link-to-dir/evil", // through a symbolic link
		"dangling/evil",
		"a/b/up-link/evil",
		".",
		"",
	} {
		t.Run(evil, func(t *testing.T) {
			l, dataDir, share, _, current := backupFixture(t, nil)
			editManifest(t, l, func(m map[string]any) { manifestEntry(t, m, "a-b.txt")["path"] = evil })
			assertRestoreFails(t, l, share, current)
			findEvil(t, filepath.Dir(dataDir))
		})
	}
}

// TestRestoreEscapingArchive gives a backup an archive whose entries do not
// match its (valid) manifest.
func TestRestoreEscapingArchive(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []*tar.Header
	}{
		{"dot-dot", []*tar.Header{{Name: "../evil", Typeflag: tar.TypeReg, Size: 4}}},
		{"absolute", []*tar.Header{{Name: "/tmp/evil", Typeflag: tar.TypeReg, Size: 4}}},
		{"link then file through it", []*tar.Header{
			{Name: "./evil", Typeflag: tar.TypeSymlink, Linkname: ".."},
			{Name: "./evil/evil2", Typeflag: tar.TypeReg, Size: 4},
		}},
		{"hard link", []*tar.Header{{Name: "./evil", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"}}},
		{"extra entry", []*tar.Header{
			{Name: "./evil", Typeflag: tar.TypeReg, Size: 4, Mode: 0o644},
			{Name: "./evil-extra", Typeflag: tar.TypeReg, Size: 4, Mode: 0o644},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, dataDir, share, _, current := backupFixture(t, nil)
			// Replace b1 by a hand-made backup: manifest [".", "evil"]
			// (a 4-byte file), archive with tc's entries.
			bp, _ := l.BackupPath("b1")
			mtime := time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC)
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			must(t, tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: mtime, Format: tar.FormatPAX}))
			for _, h := range tc.entries {
				h.ModTime, h.Format = mtime, tar.FormatPAX
				if h.Mode == 0 {
					h.Mode = 0o644
				}
				must(t, tw.WriteHeader(h))
				if h.Size > 0 {
					_, err := tw.Write([]byte("EVIL"))
					must(t, err)
				}
			}
			must(t, tw.Close())
			content := sha256.Sum256([]byte("EVIL"))
			archive := sha256.Sum256(buf.Bytes())
			m := map[string]any{
				"format": "manilite-backup", "version": 1, "backup_id": "b1", "share_id": "s1",
				"created_at": time.Now(), "compression": "none", "archive": "data.tar",
				"archive_bytes": buf.Len(), "archive_sha256": hex.EncodeToString(archive[:]),
				"total_bytes": 4, "entry_count": 2, "skipped": []string{},
				"entries": []map[string]any{
					{"path": ".", "type": "dir", "mode": "0755", "mtime": mtime.Format(time.RFC3339Nano)},
					{"path": "evil", "type": "file", "mode": "0644", "mtime": mtime.Format(time.RFC3339Nano), "size": 4, "sha256": hex.EncodeToString(content[:])},
				},
			}
			must(t, os.RemoveAll(bp))
			must(t, os.Mkdir(bp, 0o700))
			must(t, os.WriteFile(filepath.Join(bp, "data.tar"), buf.Bytes(), 0o600))
			raw, err := json.Marshal(m)
			must(t, err)
			must(t, os.WriteFile(filepath.Join(bp, "manifest.json"), raw, 0o600))
			if !l.BackupExists("b1") {
				t.Fatal("the hand-made backup is not valid")
			}
			assertRestoreFails(t, l, share, current)
			findEvil(t, filepath.Dir(dataDir))
		})
	}
}

func TestCreateBackupAfterCrash(t *testing.T) {
	t.Run("leftover tmp folder of the archive format", func(t *testing.T) {
		l, _ := newLocalOpts(t)
		_, want := richShare(t, l, "s1")
		bp, _ := l.BackupPath("b1")
		tmp := filepath.Join(filepath.Dir(bp), ".tmp-b1")
		// A crash while writing an archive backup: a partial archive, no
		// manifest; with a read-only directory in the way.
		writeFile(t, filepath.Join(tmp, "data.tar.zst"), "partial")
		writeFile(t, filepath.Join(tmp, "ro", "x"), "x")
		must(t, os.Chmod(filepath.Join(tmp, "ro"), 0o500))
		info, err := l.CreateBackup(t.Context(), "s1", "b1", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if info.Files == 0 {
			t.Errorf("info = %+v", info)
		}
		if got := backupIDs(t, l); !slices.Equal(got, []string{"b1"}) {
			t.Errorf("backups %v, want [b1]", got)
		}
		must(t, l.RestoreBackup(t.Context(), "b1", "s2", nil))
		p2, _ := l.SharePath("s2")
		assertTree(t, want, p2)
	})
	t.Run("committed, crash before the caller knew", func(t *testing.T) {
		l, dataDir := newLocalOpts(t)
		share, want := richShare(t, l, "s1")
		calls := 0
		info1, err := l.CreateBackup(t.Context(), "s1", "b1", nil, func(int) { calls++ })
		must(t, err)
		manifest := filepath.Join(dataDir, "backups", "manifests", "b1")
		st1, err := os.Stat(manifest)
		must(t, err)
		stats1 := repoStats(t, l)
		changeShare(t, share)
		var got []int
		info2, err := l.CreateBackup(t.Context(), "s1", "b1", map[string]any{"compression": "none"}, func(p int) { got = append(got, p) })
		if err != nil {
			t.Fatalf("replay: %v", err)
		}
		if info1.Files != info2.Files || info1.Dirs != info2.Dirs || info1.Symlinks != info2.Symlinks || info1.Bytes != info2.Bytes {
			t.Errorf("replay info %+v, first %+v", info2, info1)
		}
		if !slices.Equal(got, []int{100}) {
			t.Errorf("replay progress %v, want [100]", got)
		}
		st2, err := os.Stat(manifest)
		must(t, err)
		if !os.SameFile(st1, st2) || !st1.ModTime().Equal(st2.ModTime()) || repoStats(t, l) != stats1 {
			t.Error("the replay wrote to the repository")
		}
		must(t, l.RestoreBackup(t.Context(), "b1", "s1", nil))
		assertTree(t, want, share)
	})
	t.Run("an archive backup, crash after its rename", func(t *testing.T) {
		l, _ := newLocalOpts(t)
		share, want := richShare(t, l, "s1")
		info1, err := l.CreateLegacyBackup(t.Context(), "s1", "b1", nil, nil)
		must(t, err)
		changeShare(t, share)
		info2, err := l.CreateBackup(t.Context(), "s1", "b1", nil, nil)
		if err != nil {
			t.Fatalf("replay: %v", err)
		}
		if fmt.Sprint(info1) != fmt.Sprint(info2) || repoStats(t, l).Backups != 0 {
			t.Errorf("replay info %+v, first %+v, or it wrote to the repository", info2, info1)
		}
		must(t, l.RestoreBackup(t.Context(), "b1", "s1", nil))
		assertTree(t, want, share)
	})
	t.Run("backup of another share", func(t *testing.T) {
		l, _ := newLocalOpts(t)
		richShare(t, l, "s1")
		richShare(t, l, "s2")
		_, err := l.CreateBackup(t.Context(), "s1", "b1", nil, nil)
		must(t, err)
		if _, err := l.CreateBackup(t.Context(), "s2", "b1", nil, nil); err == nil {
			t.Error("CreateBackup reused another share's backup")
		}
	})
	t.Run("manifest broken", func(t *testing.T) {
		l, dataDir := newLocalOpts(t)
		richShare(t, l, "s1")
		_, err := l.CreateBackup(t.Context(), "s1", "b1", nil, nil)
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dataDir, "backups", "manifests", "b1"), []byte("garbage"), 0o600))
		if _, err := l.CreateBackup(t.Context(), "s1", "b1", nil, nil); !errors.Is(err, backend.ErrCorruptBackup) {
			t.Errorf("CreateBackup over a broken backup: %v, want ErrCorruptBackup", err)
		}
	})
}

func TestRestoreAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		name     string
		leftover func(t *testing.T, work, oldTree string)
	}{
		{"partial extraction", func(t *testing.T, work, _ string) {
			writeFile(t, filepath.Join(work, "a", "b", "c", "deep.txt"), "DEEP")
			writeFile(t, filepath.Join(work, "ro", "x"), "x")
			must(t, os.Chmod(filepath.Join(work, "ro"), 0o500))
			must(t, os.Chmod(work, 0o500))
		}},
		{"crash after the swap: the old tree", func(t *testing.T, work, oldTree string) {
			must(t, os.Rename(oldTree, work))
		}},
		{"a file in the way", func(t *testing.T, work, _ string) {
			writeFile(t, work, "not a folder")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, dataDir, share, want, _ := backupFixture(t, nil)
			old := filepath.Join(dataDir, "old-tree")
			must(t, os.CopyFS(old, os.DirFS(share)))
			tc.leftover(t, filepath.Join(l.Root(), ".restore-s1"), old)
			if err := l.RestoreBackup(t.Context(), "b1", "s1", nil); err != nil {
				t.Fatal(err)
			}
			assertTree(t, want, share)
			if got := entries(t, l.Root()); !slices.Equal(got, []string{"s1"}) {
				t.Errorf("shares folder holds %v, want [s1]", got)
			}
		})
	}
}

func TestRemoveLeftoversBackupsAndSnapshots(t *testing.T) {
	l, dataDir := newLocalOpts(t)
	richShare(t, l, "s1")
	_, err := l.CreateBackup(t.Context(), "s1", "keep-b", nil, nil)
	must(t, err)
	must(t, l.CreateSnapshot(t.Context(), "s1", "keep-snap"))
	backups, snapshots := filepath.Join(dataDir, "backups"), filepath.Join(dataDir, "snapshots")
	for _, p := range []string{
		filepath.Join(backups, ".tmp-b2", "data.tar.zst"),
		filepath.Join(backups, ".deleting-b3", "deep", "manifest.json"),
		filepath.Join(snapshots, ".deleting-snap2", "x", "y"),
		filepath.Join(snapshots, ".tmp-snap3", "x"),
		filepath.Join(l.Root(), ".deleting-s9", "x"),
		filepath.Join(l.Root(), ".restore-s1", "x"), // a resumed restore removes its own
		filepath.Join(backups, "tmp-not-dotted", "x"),
	} {
		writeFile(t, p, "leftover")
	}
	must(t, os.Chmod(filepath.Join(backups, ".deleting-b3", "deep"), 0o500))
	for i := range 2 {
		if err := l.RemoveLeftovers(); err != nil {
			t.Fatalf("RemoveLeftovers #%d: %v", i+1, err)
		}
		if got := backupFolders(t, l); !slices.Equal(got, []string{"tmp-not-dotted"}) {
			t.Errorf("backups: %v", got)
		}
		if got := backupIDs(t, l); !slices.Equal(got, []string{"keep-b"}) {
			t.Errorf("backup ids: %v", got)
		}
		if got := entries(t, snapshots); !slices.Equal(got, []string{"keep-snap"}) {
			t.Errorf("snapshots: %v", got)
		}
		if got := entries(t, l.Root()); !slices.Equal(got, []string{".restore-s1", "s1"}) {
			t.Errorf("shares: %v", got)
		}
	}
	if !l.BackupExists("keep-b") || !l.SnapshotExists("keep-snap") {
		t.Error("RemoveLeftovers removed a complete backup or snapshot")
	}
}

// slowShare makes share id with one file of size random bytes, and
// returns its path and tree.
func slowShare(t *testing.T, l *backend.Local, id string, size int) (string, map[string]node) {
	t.Helper()
	p, err := l.CreateShare(id)
	must(t, err)
	mustWrite(t, filepath.Join(p, "data.bin"), randomBytes(7, size), 0o644)
	return p, captureTree(t, p)
}

func checkProgress(t *testing.T, got []int, minIntermediate int) {
	t.Helper()
	if len(got) == 0 || got[0] != 0 || got[len(got)-1] != 100 {
		t.Errorf("progress %v: want 0 first and 100 last", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] || got[i] > 100 {
			t.Errorf("progress %v is not strictly increasing within 0..100", got)
			break
		}
	}
	if n := len(got) - 2; n < minIntermediate {
		t.Errorf("progress %v: %d values between 0 and 100, want at least %d", got, n, minIntermediate)
	}
}

func TestBackupProgressAndRate(t *testing.T) {
	const size = 2 << 20
	const rate = 4 << 20
	l, _ := newLocalOpts(t, backend.WithMaxRate(rate))
	_, want := slowShare(t, l, "s1", size)
	var got []int
	start := time.Now()
	info, err := l.CreateBackup(t.Context(), "s1", "b1", nil, func(p int) { got = append(got, p) })
	elapsed := time.Since(start)
	must(t, err)
	t.Logf("backup of %d bytes at %d B/s: %v, progress %v", size, rate, elapsed, got)
	if elapsed < 400*time.Millisecond {
		t.Errorf("backup of 2 MiB at 4 MiB/s took %v, want ≥ 400ms", elapsed)
	}
	checkProgress(t, got, 4)

	got = nil
	start = time.Now()
	must(t, l.RestoreBackup(t.Context(), "b1", "s2", func(p int) { got = append(got, p) }))
	elapsed = time.Since(start)
	t.Logf("restore of a %d-byte archive at %d B/s: %v, progress %v", info.ArchiveBytes, rate, elapsed, got)
	if elapsed < 400*time.Millisecond {
		t.Errorf("restore of a 2 MiB archive at 4 MiB/s took %v, want ≥ 400ms", elapsed)
	}
	checkProgress(t, got, 3)
	p2, _ := l.SharePath("s2")
	assertTree(t, want, p2)

	// Snapshots are limited too.
	start = time.Now()
	must(t, l.CreateSnapshot(t.Context(), "s1", "snap"))
	if elapsed := time.Since(start); elapsed < 400*time.Millisecond {
		t.Errorf("snapshot of 2 MiB at 4 MiB/s took %v, want ≥ 400ms", elapsed)
	}
}

func TestBackupProgressUnlimited(t *testing.T) {
	l, _ := newLocalOpts(t)
	richShare(t, l, "s1")
	var got []int
	_, err := l.CreateBackup(t.Context(), "s1", "b1", nil, func(p int) { got = append(got, p) })
	must(t, err)
	checkProgress(t, got, 1)

	// An empty share: no bytes to move.
	_, err = l.CreateShare("empty")
	must(t, err)
	got = nil
	_, err = l.CreateBackup(t.Context(), "empty", "b2", nil, func(p int) { got = append(got, p) })
	must(t, err)
	if !slices.Equal(got, []int{0, 100}) {
		t.Errorf("progress of an empty share: %v, want [0 100]", got)
	}
	got = nil
	must(t, l.RestoreBackup(t.Context(), "b2", "s3", func(p int) { got = append(got, p) }))
	if !slices.Equal(got, []int{0, 100}) {
		t.Errorf("progress of an empty restore: %v, want [0 100]", got)
	}
}

func TestBackupCancel(t *testing.T) {
	l, _ := newLocalOpts(t, backend.WithMaxRate(2<<20))
	_, want := slowShare(t, l, "s1", 4<<20) // two seconds at this rate
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var cancelledAt time.Time
	_, err := l.CreateBackup(ctx, "s1", "b1", nil, func(p int) {
		if p >= 10 && cancelledAt.IsZero() {
			cancelledAt = time.Now()
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(cancelledAt); d > 500*time.Millisecond {
		t.Errorf("CreateBackup returned %v after the cancel", d)
	}
	if l.BackupExists("b1") {
		t.Error("a cancelled backup exists")
	}
	assertNoBackupData(t, l)

	// Once done, the backup can be made, and restoring can be cancelled
	// too, leaving the share as it was.
	fast, err := backend.NewLocal(filepath.Dir(l.Root()))
	must(t, err)
	_, err = fast.CreateBackup(t.Context(), "s1", "b1", nil, nil)
	must(t, err)
	if got := backupIDs(t, l); !slices.Equal(got, []string{"b1"}) {
		t.Errorf("backups %v", got)
	}
	share, _ := l.SharePath("s1")
	writeFile(t, filepath.Join(share, "after"), "x")
	current := captureTree(t, share)
	ctx, cancel = context.WithCancel(t.Context())
	err = l.RestoreBackup(ctx, "b1", "s1", func(p int) {
		if p >= 10 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("restore err = %v, want context.Canceled", err)
	}
	assertTree(t, current, share)
	if got := entries(t, l.Root()); !slices.Equal(got, []string{"s1"}) {
		t.Errorf("shares folder holds %v", got)
	}
	must(t, fast.RestoreBackup(t.Context(), "b1", "s1", nil))
	assertTree(t, want, share)

	// A context that is already done.
	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	if _, err := fast.CreateBackup(ctx, "s1", "b9", nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("backup with a done context: %v", err)
	}
	if err := fast.CreateSnapshot(ctx, "s1", "snap"); !errors.Is(err, context.Canceled) {
		t.Errorf("snapshot with a done context: %v", err)
	}
	if fast.BackupExists("b9") || fast.SnapshotExists("snap") {
		t.Error("an operation with a done context left a result")
	}
}

func TestBackupSkipsSpecialFiles(t *testing.T) {
	l, _ := newLocalOpts(t)
	share, err := l.CreateShare("s1")
	must(t, err)
	writeFile(t, filepath.Join(share, "a.txt"), "a")
	writeFile(t, filepath.Join(share, "sub", "z.txt"), "z")
	must(t, syscall.Mkfifo(filepath.Join(share, "sub", "fifo"), 0o644))
	must(t, syscall.Mkfifo(filepath.Join(share, "fifo0"), 0o600))
	info, err := l.CreateBackup(t.Context(), "s1", "b1", nil, nil)
	if err != nil {
		t.Fatal(err) // and it did not hang opening a fifo
	}
	if want := []string{"fifo0", "sub/fifo"}; !slices.Equal(info.Skipped, want) {
		t.Errorf("Skipped = %v, want %v", info.Skipped, want)
	}
	if info.Files != 2 || info.Dirs != 2 {
		t.Errorf("info = %+v", info)
	}
	// The replay reports the same.
	info2, err := l.CreateBackup(t.Context(), "s1", "b1", nil, nil)
	must(t, err)
	if !slices.Equal(info2.Skipped, info.Skipped) {
		t.Errorf("replay Skipped = %v", info2.Skipped)
	}
	want := captureTree(t, share)
	delete(want, "fifo0")
	delete(want, "sub/fifo")
	must(t, l.RestoreBackup(t.Context(), "b1", "s2", nil))
	p2, _ := l.SharePath("s2")
	// The fifos' directories' times are as they were, though.
	assertTree(t, want, p2)

	must(t, l.CreateSnapshot(t.Context(), "s1", "snap"))
	sp, _ := l.SnapshotPath("snap")
	assertTree(t, want, sp)
}

func TestBackupFileChangesDuringBackup(t *testing.T) {
	setup := func(t *testing.T) (*backend.Local, string) {
		l, _ := newLocalOpts(t)
		share, err := l.CreateShare("s1")
		must(t, err)
		// a_big1 and a_big2 are read first, in several chunks, one by
		// each of the backup's file readers; b_victim is opened once one of
		// them is done, well after the first progress report.
		mustWrite(t, filepath.Join(share, "a_big1"), randomBytes(1, 3<<20), 0o644)
		mustWrite(t, filepath.Join(share, "a_big2"), randomBytes(3, 3<<20), 0o644)
		mustWrite(t, filepath.Join(share, "b_victim"), randomBytes(2, 256<<10), 0o644)
		return l, share
	}
	// onProgress runs f once, during the first progress report after 0.
	onProgress := func(f func()) func(int) {
		done := false
		return func(p int) {
			if p > 0 && !done {
				done = true
				f()
			}
		}
	}
	t.Run("shrinks", func(t *testing.T) {
		l, share := setup(t)
		_, err := l.CreateBackup(t.Context(), "s1", "b1", nil, onProgress(func() {
			must(t, os.Truncate(filepath.Join(share, "b_victim"), 100))
		}))
		if err == nil || !strings.Contains(err.Error(), "b_victim") || !strings.Contains(err.Error(), "changed during backup") {
			t.Fatalf("err = %v, want b_victim changed during backup", err)
		}
		if l.BackupExists("b1") {
			t.Error("the backup exists")
		}
		assertNoBackupData(t, l)
	})
	t.Run("vanishes", func(t *testing.T) {
		l, share := setup(t)
		_, err := l.CreateBackup(t.Context(), "s1", "b1", nil, onProgress(func() {
			must(t, os.Remove(filepath.Join(share, "b_victim")))
		}))
		if err == nil || !strings.Contains(err.Error(), "b_victim") {
			t.Fatalf("err = %v, want an error naming b_victim", err)
		}
	})
	t.Run("becomes a fifo", func(t *testing.T) {
		l, share := setup(t)
		_, err := l.CreateBackup(t.Context(), "s1", "b1", nil, onProgress(func() {
			must(t, os.Remove(filepath.Join(share, "b_victim")))
			must(t, syscall.Mkfifo(filepath.Join(share, "b_victim"), 0o644))
		}))
		if err == nil || !strings.Contains(err.Error(), "b_victim") {
			t.Fatalf("err = %v, want an error naming b_victim", err)
		}
	})
	t.Run("becomes a symlink", func(t *testing.T) {
		l, share := setup(t)
		_, err := l.CreateBackup(t.Context(), "s1", "b1", nil, onProgress(func() {
			must(t, os.Remove(filepath.Join(share, "b_victim")))
			must(t, os.Symlink("/etc/passwd", filepath.Join(share, "b_victim")))
		}))
		if err == nil || !strings.Contains(err.Error(), "b_victim") {
			t.Fatalf("err = %v, want an error naming b_victim", err)
		}
	})
	t.Run("grows", func(t *testing.T) {
		l, share := setup(t)
		want := captureTree(t, share)
		_, err := l.CreateBackup(t.Context(), "s1", "b1", nil, onProgress(func() {
			f, err := os.OpenFile(filepath.Join(share, "b_victim"), os.O_WRONLY|os.O_APPEND, 0)
			must(t, err)
			_, err = f.Write([]byte("appended during the backup"))
			must(t, err)
			must(t, f.Close())
			// Keep the time as the walk saw it: the backup holds that.
			must(t, os.Chtimes(filepath.Join(share, "b_victim"), time.Time{}, want["b_victim"].mtime))
		}))
		must(t, err)
		must(t, l.RestoreBackup(t.Context(), "b1", "s2", nil))
		p2, _ := l.SharePath("s2")
		assertTree(t, want, p2)
	})
}

// TestRestoreLargeFiles round-trips files around the size from which a
// restore writes with a rolling writeback, and larger than its window.
func TestRestoreLargeFiles(t *testing.T) {
	l, _ := newLocalOpts(t)
	share, err := l.CreateShare("s1")
	must(t, err)
	for i, size := range []int{1<<20 - 1, 1 << 20, 1<<20 + 1, 3<<20 + 12345, 17<<20 + 4096, 40 << 20} {
		must(t, os.WriteFile(filepath.Join(share, fmt.Sprintf("f%d", i)), randomBytes(uint64(i+10), size), 0o640))
	}
	want := captureTree(t, share)
	_, err = l.CreateBackup(t.Context(), "s1", "b1", nil, nil)
	must(t, err)
	must(t, l.RestoreBackup(t.Context(), "b1", "s2", nil))
	restored, _ := l.SharePath("s2")
	assertTree(t, want, restored)
}

// A second backup takes the files that did not change from the first
// without reading them, and reads those that did: a write, a touch that
// sets the mtime back (the ctime still moves), a file replaced by
// another one with the same size and mtime (a new inode).
func TestIncrementalBackup(t *testing.T) {
	l, _ := newLocalOpts(t)
	share, _ := richShare(t, l, "s1")
	first, err := l.CreateBackup(t.Context(), "s1", "b1", nil, nil)
	must(t, err)
	if first.Unchanged != 0 {
		t.Fatalf("first backup: %d files unchanged", first.Unchanged)
	}
	second, err := l.CreateBackup(t.Context(), "s1", "b2", nil, nil)
	must(t, err)
	if second.Unchanged != first.Files || second.Files != first.Files || second.Bytes != first.Bytes || second.ArchiveBytes != 0 {
		t.Errorf("unchanged share: second backup %+v, first %+v", second, first)
	}

	deep := filepath.Join(share, "a/b/c/deep.txt")
	st, err := os.Stat(deep)
	must(t, err)
	must(t, os.WriteFile(deep, []byte("DEEP-CONTENT-MARKER, rewritten"), 0o644))
	must(t, os.Chtimes(deep, st.ModTime(), st.ModTime())) // mtime back, ctime moved
	secret := filepath.Join(share, "secret.txt")
	st, err = os.Stat(secret)
	must(t, err)
	old, err := os.ReadFile(secret)
	must(t, err)
	repl := append([]byte{}, old...)
	repl[0] ^= 1
	must(t, os.WriteFile(secret+".new", repl, 0o600))
	must(t, os.Chtimes(secret+".new", st.ModTime(), st.ModTime()))
	must(t, os.Rename(secret+".new", secret)) // same size and mtime, another inode
	want := captureTree(t, share)
	third, err := l.CreateBackup(t.Context(), "s1", "b3", nil, nil)
	must(t, err)
	if third.Unchanged != first.Files-2 {
		t.Errorf("two changed files: %d unchanged of %d", third.Unchanged, first.Files)
	}
	must(t, l.RestoreBackup(t.Context(), "b3", "s2", nil))
	p2, _ := l.SharePath("s2")
	assertTree(t, want, p2)

	// Another share's backups are not its parent.
	richShare(t, l, "s3")
	other, err := l.CreateBackup(t.Context(), "s3", "b4", nil, nil)
	must(t, err)
	if other.Unchanged != 0 {
		t.Errorf("a new share's first backup took %d files from another share's", other.Unchanged)
	}
}

// backup_options keep their meaning in the repository: compression none
// stores the chunks as they are, a level compresses them at that level.
func TestRepoBackupCompression(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       map[string]any
		compressed bool
	}{
		{"default", nil, true},
		{"none", map[string]any{"compression": "none"}, false},
		{"none ignores the level", map[string]any{"compression": "none", "compression_level": "best"}, false},
		{"best", map[string]any{"compression_level": "best"}, true},
		{"better", map[string]any{"compression": "zstd", "compression_level": "better"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := newLocalOpts(t)
			p, err := l.CreateShare("s1")
			must(t, err)
			mustWrite(t, filepath.Join(p, "text"), bytes.Repeat([]byte("compressible text, line after line\n"), 60000), 0o644)
			want := captureTree(t, p)
			if _, err := l.CreateBackup(t.Context(), "s1", "b1", tc.opts, nil); err != nil {
				t.Fatal(err)
			}
			st := repoStats(t, l)
			if got := st.BlobBytes < st.ChunkBytes; got != tc.compressed || st.ChunkBytes != want["text"].size {
				t.Errorf("blobs %d bytes for chunks of %d: compressed %v, want %v", st.BlobBytes, st.ChunkBytes, got, tc.compressed)
			}
			must(t, l.RestoreBackup(t.Context(), "b1", "s2", nil))
			p2, _ := l.SharePath("s2")
			assertTree(t, want, p2)
		})
	}
}
