package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

const bv = "2.99" // the microversion most backup tests speak

// backupReq is a request to the experimental backup API.
func backupReq(method, path, token string, body any) req {
	return req{method: method, path: path, token: token, version: bv, experimental: true, body: body}
}

func createBackup(t *testing.T, ts *testServer, token, shareID string, extra map[string]any) map[string]any {
	t.Helper()
	body := map[string]any{"share_id": shareID, "name": "bk", "description": nil, "backup_options": nil}
	for k, v := range extra {
		body[k] = v
	}
	r := ts.do(t, backupReq("POST", "/v2/share-backups", token, map[string]any{"share_backup": body})).expectStatus(t, 202)
	return r.json(t)["share_backup"].(map[string]any)
}

func getBackup(t *testing.T, ts *testServer, token, id string) map[string]any {
	t.Helper()
	return ts.do(t, backupReq("GET", "/v2/share-backups/"+id, token, nil)).expectStatus(t, 200).json(t)["share_backup"].(map[string]any)
}

func waitBackupStatus(t *testing.T, ts *testServer, id, status string) map[string]any {
	t.Helper()
	var b map[string]any
	waitFor(t, 30*time.Second, "backup "+id+" to be "+status, func() bool {
		b = getBackup(t, ts, tokAdmin, id)
		return b["status"] == status
	})
	return b
}

func waitBackupGone(t *testing.T, ts *testServer, id string) {
	t.Helper()
	waitFor(t, 30*time.Second, "backup "+id+" to be deleted", func() bool {
		return ts.do(t, backupReq("GET", "/v2/share-backups/"+id, tokAdmin, nil)).status == 404
	})
}

func availableShare(t *testing.T, ts *testServer, token string, extra map[string]any) string {
	t.Helper()
	id := createShare(t, ts, token, extra)
	waitShareStatus(t, ts, id, "available")
	return id
}

func resetShare(t *testing.T, ts *testServer, id, status string) {
	t.Helper()
	ts.do(t, req{method: "POST", path: "/v2/shares/" + id + "/action", token: tokAdmin, version: "2.7",
		body: map[string]any{"reset_status": map[string]any{"status": status}}}).expectStatus(t, 202)
}

func resetBackup(t *testing.T, ts *testServer, id, status string) {
	t.Helper()
	ts.do(t, backupReq("POST", "/v2/share-backups/"+id+"/action", tokAdmin,
		map[string]any{"reset_status": map[string]any{"status": status}})).expectStatus(t, 202)
}

func sharePath(ts *testServer, id string) string { return filepath.Join(ts.opts.DataDir, "shares", id) }

// treeDigest describes a tree: each path with its type, mode, mtime and
// content hash (or link target), so two trees compare byte for byte.
func treeDigest(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", rel, info.Mode())
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case info.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			line += fmt.Sprintf(" %d %s mtime=%d", len(b), hex.EncodeToString(sum[:8]), info.ModTime().UnixNano())
		case info.IsDir() && rel != ".":
			line += fmt.Sprintf(" mtime=%d", info.ModTime().UnixNano())
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// writeTree fills a share with nested folders, small and larger files, a
// symlink and particular modes and mtimes.
func writeTree(t *testing.T, root string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "docs", "deep", "er"), 0o755))
	must(os.MkdirAll(filepath.Join(root, "empty"), 0o700))
	must(os.WriteFile(filepath.Join(root, "readme.txt"), []byte("hello, backup\n"), 0o644))
	must(os.WriteFile(filepath.Join(root, "docs", "secret"), []byte("s3cr3t"), 0o600))
	must(os.WriteFile(filepath.Join(root, "docs", "deep", "er", "empty-file"), nil, 0o644))
	big := bytes.Repeat([]byte("manilite backup data 0123456789\n"), 64*1024) // 2 MiB
	must(os.WriteFile(filepath.Join(root, "docs", "big.bin"), big, 0o640))
	must(os.Symlink("docs/secret", filepath.Join(root, "link-to-secret")))
	mt := time.Date(2024, 2, 29, 12, 34, 56, 123456789, time.UTC)
	must(os.Chtimes(filepath.Join(root, "readme.txt"), mt, mt))
	must(os.Chtimes(filepath.Join(root, "docs", "deep"), mt, mt))
}

func TestBackupsNeedExperimentalAndVersion(t *testing.T) {
	ts := startServer(t)
	for _, r := range []req{
		{method: "GET", path: "/v2/share-backups", token: tokMember, version: "2.99"},                          // no experimental header
		{method: "GET", path: "/v2/share-backups", token: tokMember, version: "2.79", experimental: true},      // too old
		{method: "GET", path: "/v2/share-backups/detail", token: tokMember},                                    // no headers at all
		{method: "POST", path: "/v2/share-backups", token: tokMember, version: "2.80", body: map[string]any{}}, // not experimental
		{method: "GET", path: "/v2/share-backups/x", token: tokMember, version: "2.99", header: map[string]string{"X-OpenStack-Manila-API-Experimental": "false"}},
	} {
		ts.do(t, r).expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	}
	// Any truthy spelling works, as oslo's bool_from_string reads it.
	for _, v := range []string{"true", "True", "1", "yes", "on", "t", "y"} {
		ts.do(t, req{method: "GET", path: "/v2/share-backups", token: tokMember, version: "2.80",
			header: map[string]string{"X-OpenStack-Manila-API-Experimental": v}}).expectStatus(t, 200)
	}
}

func TestBackupLifecycleAndRoundTrip(t *testing.T) {
	ts := startServer(t)
	share := availableShare(t, ts, tokMember, map[string]any{"name": "data"})
	root := sharePath(ts, share)
	writeTree(t, root)
	before := treeDigest(t, root)

	created := createBackup(t, ts, tokMember, share, map[string]any{"name": "nightly", "description": "first"})
	id := created["id"].(string)
	expectKeys(t, "create reply (member, 2.99)", created, "id", "name", "share_id", "status", "description", "size",
		"created_at", "updated_at", "availability_zone", "progress", "restore_progress", "backup_type")
	want := map[string]any{"name": "nightly", "share_id": share, "status": "creating", "description": "first", "size": float64(1),
		"updated_at": nil, "availability_zone": "nova", "progress": "0", "restore_progress": "0", "backup_type": nil}
	for k, v := range want {
		if !jsonEqual(created[k], v) {
			t.Errorf("create reply %s = %v, want %v", k, created[k], v)
		}
	}
	if sh := getShare(t, ts, tokMember, "2.99", share); sh["status"] != "backup_creating" {
		t.Fatalf("share status during backup: %v", sh["status"])
	}
	b := waitBackupStatus(t, ts, id, "available")
	if b["progress"] != "100" {
		t.Errorf("progress of an available backup: %v", b["progress"])
	}
	waitShareStatus(t, ts, share, "available")
	if b["topic"] != "manila-data" || b["host"] != "manilite@local" {
		t.Errorf("admin view host %v topic %v", b["host"], b["topic"])
	}
	if !fileExists(filepath.Join(ts.opts.DataDir, "backups", "manifests", id)) {
		t.Fatal("no manifest in the repository, <data-dir>/backups/manifests/<id>")
	}

	// Change a file, add one, remove one; restore must bring back exactly
	// the tree that was backed up.
	if err := os.WriteFile(filepath.Join(root, "readme.txt"), []byte("changed after the backup"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "docs", "new-file"), []byte("added after the backup"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, "docs", "secret")); err != nil {
		t.Fatal(err)
	}
	if treeDigest(t, root) == before {
		t.Fatal("the test did not change the tree")
	}
	r := ts.do(t, backupReq("POST", "/v2/share-backups/"+id+"/action", tokMember, map[string]any{"restore": nil})).expectStatus(t, 202).json(t)
	if !jsonEqual(r, map[string]any{"restore": map[string]any{"backup_id": id, "share_id": share}}) {
		t.Fatalf("restore reply %v", r)
	}
	if sh := getShare(t, ts, tokMember, "2.99", share); sh["status"] != "backup_restoring" || sh["source_backup_id"] != id {
		t.Fatalf("share during restore: %v %v", sh["status"], sh["source_backup_id"])
	}
	if b := getBackup(t, ts, tokMember, id); b["status"] != "restoring" {
		t.Fatalf("backup during restore: %v", b["status"])
	}
	waitShareStatus(t, ts, share, "available")
	b = waitBackupStatus(t, ts, id, "available")
	if b["restore_progress"] != "100" {
		t.Errorf("restore_progress %v", b["restore_progress"])
	}
	if after := treeDigest(t, root); after != before {
		t.Fatalf("restored tree differs\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// Rename, then delete: deleting, then 404 and the data gone.
	up := ts.do(t, backupReq("PUT", "/v2/share-backups/"+id, tokMember, map[string]any{"share_backup": map[string]any{"name": "renamed", "display_name": "ignored"}})).
		expectStatus(t, 200).json(t)["share_backup"].(map[string]any)
	if up["name"] != "renamed" || up["description"] != "first" || up["updated_at"] == nil {
		t.Fatalf("after update: %v", up)
	}
	up = ts.do(t, backupReq("PUT", "/v2/share-backups/"+id, tokMember, map[string]any{"share_backup": map[string]any{"description": nil}})).
		expectStatus(t, 200).json(t)["share_backup"].(map[string]any)
	if up["description"] != nil || up["name"] != "renamed" {
		t.Fatalf("after unset: %v", up)
	}
	ts.do(t, req{method: "DELETE", path: "/v2/shares/" + share, token: tokMember}).
		expectFault(t, 403, "forbidden", "Invalid share: Share still has 1 dependent backups.")
	ts.do(t, backupReq("DELETE", "/v2/share-backups/"+id, tokMember, nil)).expectStatus(t, 202)
	waitBackupGone(t, ts, id)
	if fileExists(filepath.Join(ts.opts.DataDir, "backups", id)) {
		t.Fatal("deleted backup's data is still there")
	}
	ts.do(t, backupReq("GET", "/v2/share-backups/"+id, tokMember, nil)).expectFault(t, 404, "itemNotFound", "No backup exists with ID "+id+".")
	ts.do(t, req{method: "DELETE", path: "/v2/shares/" + share, token: tokMember}).expectStatus(t, 202)
}

func TestBackupViewsPerVersionAndRole(t *testing.T) {
	ts := startServer(t)
	share := availableShare(t, ts, tokMember, nil)
	id := createBackup(t, ts, tokMember, share, nil)["id"].(string)
	waitBackupStatus(t, ts, id, "available")
	base := []string{"id", "name", "share_id", "status", "description", "size", "created_at", "updated_at",
		"availability_zone", "progress", "restore_progress"}
	for _, c := range []struct {
		version, token string
		extra          []string
	}{
		{"2.80", tokMember, nil},
		{"2.84", tokReader, nil},
		{"2.85", tokMember, []string{"backup_type"}},
		{"2.99", tokReader, []string{"backup_type"}},
		{"2.80", tokAdmin, []string{"host", "topic"}},
		{"2.85", tokAdmin, []string{"backup_type", "host", "topic"}},
	} {
		r := ts.do(t, req{method: "GET", path: "/v2/share-backups/" + id, token: c.token, version: c.version, experimental: true}).expectStatus(t, 200)
		expectKeys(t, c.version+" "+c.token, r.json(t)["share_backup"].(map[string]any), append(append([]string{}, base...), c.extra...)...)
	}
	// List bodies have exactly one top-level key (tempest checks it).
	for _, path := range []string{"/v2/share-backups", "/v2/share-backups/detail", "/v2/" + projA + "/share-backups/detail"} {
		body := ts.do(t, backupReq("GET", path, tokMember, nil)).expectStatus(t, 200).json(t)
		expectKeys(t, path, body, "share_backups")
	}
	sum := ts.do(t, backupReq("GET", "/v2/share-backups", tokMember, nil)).json(t)["share_backups"].([]any)[0].(map[string]any)
	expectKeys(t, "summary", sum, "id", "name", "share_id", "status")
}

func TestBackupPreconditions(t *testing.T) {
	ts := startServer(t, func(o *options) { o.BackupMaxRate = 1 << 20; o.Quotas["backups"] = 3; o.Quotas["backup_gigabytes"] = 4 })
	share := availableShare(t, ts, tokMember, nil)
	post := func(token string, body any) *resp {
		return ts.do(t, backupReq("POST", "/v2/share-backups", token, body))
	}

	t.Run("body errors", func(t *testing.T) {
		post(tokMember, map[string]any{"backup": map[string]any{}}).expectFault(t, 422, "computeFault", "Body does not contain 'share_backup' information.")
		post(tokMember, map[string]any{"share_backup": "x"}).expectFault(t, 422, "computeFault", "Body does not contain 'share_backup' information.")
		post(tokMember, map[string]any{"share_backup": map[string]any{"name": "x"}}).expectFault(t, 400, "badRequest", "'share_id' is missing from the request body.")
		post(tokMember, map[string]any{"share_backup": map[string]any{"share_id": ""}}).expectFault(t, 400, "badRequest", "'share_id' is missing from the request body.")
		post(tokMember, map[string]any{"share_backup": map[string]any{"share_id": "nope"}}).expectFault(t, 400, "badRequest", "No share exists with ID nope.")
		post(tokOtherMember, map[string]any{"share_backup": map[string]any{"share_id": share}}).expectFault(t, 400, "badRequest", "No share exists with ID "+share+".")
		post(tokMember, map[string]any{"share_backup": map[string]any{"share_id": share, "backup_options": "fast"}}).expectStatus(t, 400)
	})
	t.Run("share not available", func(t *testing.T) {
		resetShare(t, ts, share, "error")
		post(tokMember, map[string]any{"share_backup": map[string]any{"share_id": share}}).
			expectFault(t, 400, "badRequest", "Share "+share+" is in 'error' state, but it must be in 'available' state to create a backup.")
		resetShare(t, ts, share, "available")
	})
	t.Run("a second backup while the first runs", func(t *testing.T) {
		// The rate limit keeps the first backup running.
		if err := os.WriteFile(filepath.Join(sharePath(ts, share), "blob"), bytes.Repeat([]byte{7}, 3<<20), 0o644); err != nil {
			t.Fatal(err)
		}
		first := createBackup(t, ts, tokMember, share, nil)["id"].(string)
		post(tokMember, map[string]any{"share_backup": map[string]any{"share_id": share}}).
			expectFault(t, 400, "badRequest", "Share "+share+" is in 'backup_creating' state, but it must be in 'available' state to create a backup.")
		// Progress moves while the data moves.
		seen := map[string]bool{}
		waitFor(t, 30*time.Second, "backup to finish", func() bool {
			b := getBackup(t, ts, tokMember, first)
			seen[b["progress"].(string)] = true
			return b["status"] == "available"
		})
		intermediate := 0
		for p := range seen {
			if p != "0" && p != "100" {
				intermediate++
			}
		}
		if intermediate == 0 {
			t.Errorf("progress never showed an intermediate value: %v", seen)
		}
		ts.do(t, backupReq("DELETE", "/v2/share-backups/"+first, tokMember, nil)).expectStatus(t, 202)
		waitBackupGone(t, ts, first)
		_ = os.Remove(filepath.Join(sharePath(ts, share), "blob"))
	})
	t.Run("snapshots block backups", func(t *testing.T) {
		waitShareStatus(t, ts, share, "available")
		snap := createSnapshot(t, ts, tokMember, share)
		waitSnapshotStatus(t, ts, snap, "available")
		post(tokMember, map[string]any{"share_backup": map[string]any{"share_id": share}}).
			expectFault(t, 400, "badRequest", "Cannot backup share "+share+" while it has snapshots.")
		ts.do(t, req{method: "DELETE", path: "/v2/snapshots/" + snap, token: tokMember}).expectStatus(t, 202)
		waitFor(t, 10*time.Second, "snapshot gone", func() bool {
			return ts.do(t, req{method: "GET", path: "/v2/snapshots/" + snap, token: tokMember}).status == 404
		})
	})
	t.Run("the generic path takes NFS only", func(t *testing.T) {
		cifs := availableShare(t, ts, tokMember, map[string]any{"share_proto": "CIFS"})
		post(tokMember, map[string]any{"share_backup": map[string]any{"share_id": cifs, "backup_options": map[string]any{}}}).
			expectFault(t, 400, "badRequest", "Cannot backup share "+cifs+". The generic approach for share backups only supports the following protocols: ['NFS'].")
		// With options, the driver-assisted path takes it.
		b := createBackup(t, ts, tokMember, cifs, map[string]any{"backup_options": map[string]any{"backup_type": "daily"}})
		if b["backup_type"] != "daily" {
			t.Errorf("backup_type %v", b["backup_type"])
		}
		b = waitBackupStatus(t, ts, b["id"].(string), "available")
		if b["topic"] != "manila-share" || b["host"] != "manilite@local" {
			t.Errorf("driver path host %v topic %v", b["host"], b["topic"])
		}
		waitShareStatus(t, ts, cifs, "available")
		post(tokMember, map[string]any{"share_backup": map[string]any{"share_id": cifs, "backup_options": map[string]any{"backup_type": "weekly"}}}).
			expectFault(t, 400, "badRequest", "Share '' has existing backups with backup_type: 'daily'. You must delete these backups to schedule a backup with a different backup_type, or re-use the same backup_type.")
	})
	t.Run("quotas", func(t *testing.T) {
		// Quota 3 backups and 4 GiB; one 1 GiB backup exists (the CIFS one).
		big := availableShare(t, ts, tokMember, map[string]any{"size": 4})
		post(tokMember, map[string]any{"share_backup": map[string]any{"share_id": big}}).
			expectFault(t, 413, "overLimit", "ShareBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested 4G, quota is 4G and 1G has been consumed.")
		r := post(tokMember, map[string]any{"share_backup": map[string]any{"share_id": big}})
		if r.header.Get("Retry-After") != "0" {
			t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
		}
		if sh := getShare(t, ts, tokMember, "2.99", big); sh["status"] != "available" {
			t.Fatalf("a refused backup changed the share: %v", sh["status"])
		}
		s1 := availableShare(t, ts, tokMember, nil)
		s2 := availableShare(t, ts, tokMember, nil)
		b1 := createBackup(t, ts, tokMember, s1, nil)["id"].(string)
		b2 := createBackup(t, ts, tokMember, s2, nil)["id"].(string)
		waitBackupStatus(t, ts, b1, "available")
		waitBackupStatus(t, ts, b2, "available")
		waitShareStatus(t, ts, s1, "available")
		post(tokMember, map[string]any{"share_backup": map[string]any{"share_id": s1}}).
			expectFault(t, 413, "overLimit", "BackupLimitExceeded: Maximum number of backups allowed (3) exceeded.")
		// Another project has its own quota.
		other := availableShare(t, ts, tokOtherMember, nil)
		createBackup(t, ts, tokOtherMember, other, nil)
		// Usage is released on delete.
		ts.do(t, backupReq("DELETE", "/v2/share-backups/"+b1, tokMember, nil)).expectStatus(t, 202)
		waitBackupGone(t, ts, b1)
		createBackup(t, ts, tokMember, s1, nil)
	})
}

func TestBackupDeleteAndRestorePreconditions(t *testing.T) {
	ts := startServer(t)
	share := availableShare(t, ts, tokMember, map[string]any{"size": 2})
	id := createBackup(t, ts, tokMember, share, nil)["id"].(string)
	waitBackupStatus(t, ts, id, "available")
	waitShareStatus(t, ts, share, "available")
	act := func(token, version string, body any) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/share-backups/" + id + "/action", token: token, version: version, experimental: true, body: body})
	}

	t.Run("delete needs available or error", func(t *testing.T) {
		resetBackup(t, ts, id, "creating")
		ts.do(t, backupReq("DELETE", "/v2/share-backups/"+id, tokMember, nil)).
			expectFault(t, 400, "badRequest", "Invalid backup: Backup "+id+" status must be available or error.")
	})
	t.Run("restore needs an available backup", func(t *testing.T) {
		act(tokMember, bv, map[string]any{"restore": nil}).expectFault(t, 400, "badRequest", "Invalid backup: Backup "+id+" status must be available.")
		resetBackup(t, ts, id, "available")
	})
	t.Run("restore needs an available share", func(t *testing.T) {
		resetShare(t, ts, share, "error")
		act(tokMember, bv, map[string]any{"restore": nil}).expectFault(t, 400, "badRequest", "Invalid share: Share to be restored to must be available.")
		resetShare(t, ts, share, "available")
	})
	t.Run("targets at 2.91", func(t *testing.T) {
		small := availableShare(t, ts, tokMember, map[string]any{"size": 1})
		act(tokMember, "2.91", map[string]any{"restore": small}).
			expectFault(t, 400, "badRequest", "Invalid share: Share size 1 is too small to restore backup of size 2.")
		// Below 2.91 the value is ignored: the backup's own share.
		r := act(tokMember, "2.90", map[string]any{"restore": small}).expectStatus(t, 202).json(t)
		if r["restore"].(map[string]any)["share_id"] != share {
			t.Fatalf("2.90 restore went to %v", r)
		}
		waitBackupStatus(t, ts, id, "available")
		waitShareStatus(t, ts, share, "available")
		act(tokMember, "2.91", map[string]any{"restore": "nope"}).expectFault(t, 404, "itemNotFound", "NotFound: Resource could not be found.")
		cifs := availableShare(t, ts, tokMember, map[string]any{"size": 2, "share_proto": "CIFS"})
		act(tokMember, "2.91", map[string]any{"restore": cifs}).
			expectFault(t, 400, "badRequest", "Invalid share: Share to be restored to must use the backup's protocol (NFS).")
		theirs := availableShare(t, ts, tokOtherMember, map[string]any{"size": 2})
		act(tokMember, "2.91", map[string]any{"restore": theirs}).expectFault(t, 404, "itemNotFound", "NotFound: Resource could not be found.")
		act(tokAdmin, "2.91", map[string]any{"restore": theirs}).
			expectFault(t, 400, "badRequest", "Invalid share: Share to be restored to must belong to the backup's project.")
		act(tokMember, "2.91", map[string]any{"restore": 42}).expectStatus(t, 400)
	})
	t.Run("restore into another share at 2.91", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(sharePath(ts, share), "x"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		target := availableShare(t, ts, tokMember, map[string]any{"size": 3})
		if err := os.WriteFile(filepath.Join(sharePath(ts, target), "old"), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := act(tokMember, "2.91", map[string]any{"restore": target}).expectStatus(t, 202).json(t)
		if r["restore"].(map[string]any)["share_id"] != target {
			t.Fatalf("restore reply %v", r)
		}
		waitShareStatus(t, ts, target, "available")
		if fileExists(filepath.Join(sharePath(ts, target), "old")) || fileExists(filepath.Join(sharePath(ts, target), "x")) {
			t.Fatal("the target does not hold exactly the backup")
		}
		if sh := getShare(t, ts, tokMember, "2.99", target); sh["source_backup_id"] != id {
			t.Errorf("source_backup_id %v", sh["source_backup_id"])
		}
	})
	t.Run("reset_status", func(t *testing.T) {
		act(tokMember, bv, map[string]any{"reset_status": map[string]any{"status": "error"}}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
		act(tokAdmin, bv, map[string]any{"reset_status": map[string]any{"status": "restoring"}}).
			expectFault(t, 400, "badRequest", "Invalid state. Valid states: creating, available, deleting, error, error_deleting, migrating, migrating_to, server_migrating.")
		act(tokAdmin, bv, map[string]any{"reset_status": map[string]any{}}).expectFault(t, 400, "badRequest", "Must specify 'status'")
		ts.do(t, backupReq("POST", "/v2/share-backups/nope/action", tokAdmin, map[string]any{"reset_status": map[string]any{"status": "error"}})).
			expectFault(t, 404, "itemNotFound", "The resource could not be found.")
		r := act(tokAdmin, bv, map[string]any{"reset_status": map[string]any{"status": "error"}}).expectStatus(t, 202)
		if len(r.raw) != 0 {
			t.Errorf("reset_status body %q", r.raw)
		}
		if b := getBackup(t, ts, tokMember, id); b["status"] != "error" {
			t.Fatalf("status %v", b["status"])
		}
		act(tokAdmin, bv, map[string]any{"os-reset_status": map[string]any{"status": "error"}}).expectFault(t, 400, "badRequest", "There is no such action: os-reset_status")
	})
}

func TestBackupListFilters(t *testing.T) {
	ts := startServer(t)
	s1 := availableShare(t, ts, tokMember, nil)
	s2 := availableShare(t, ts, tokMember, nil)
	var ids []string
	for i, c := range []struct {
		share, name, desc string
	}{{s1, "alpha", "first one"}, {s1, "beta", "second"}, {s2, "gamma", "third one"}} {
		if i == 1 {
			waitShareStatus(t, ts, s1, "available")
		}
		ids = append(ids, createBackup(t, ts, tokMember, c.share, map[string]any{"name": c.name, "description": c.desc})["id"].(string))
		waitBackupStatus(t, ts, ids[i], "available")
		waitShareStatus(t, ts, c.share, "available")
		time.Sleep(2 * time.Millisecond)
	}
	os1 := availableShare(t, ts, tokOtherMember, nil)
	other := createBackup(t, ts, tokOtherMember, os1, map[string]any{"name": "alpha"})["id"].(string)
	waitBackupStatus(t, ts, other, "available")

	names := func(token, q string) []string {
		t.Helper()
		r := ts.do(t, backupReq("GET", "/v2/share-backups/detail"+q, token, nil)).expectStatus(t, 200).json(t)
		var out []string
		for _, b := range r["share_backups"].([]any) {
			out = append(out, fmt.Sprint(b.(map[string]any)["name"]))
		}
		return out
	}
	for _, c := range []struct {
		name, token, q string
		want           []string
	}{
		{"default created_at desc", tokMember, "", []string{"gamma", "beta", "alpha"}},
		{"sort by name asc", tokMember, "?sort_key=name&sort_dir=asc", []string{"alpha", "beta", "gamma"}},
		{"share_id", tokMember, "?share_id=" + s1 + "&sort_key=name&sort_dir=asc", []string{"alpha", "beta"}},
		{"name", tokMember, "?name=beta", []string{"beta"}},
		{"name~", tokMember, "?name~=mm", []string{"gamma"}},
		{"description", tokMember, "?description=second", []string{"beta"}},
		{"description~", tokMember, "?description~=one&sort_key=name&sort_dir=asc", []string{"alpha", "gamma"}},
		{"status", tokMember, "?status=error", nil},
		{"topic", tokMember, "?topic=manila-share", nil},
		{"host is admin-only: ignored for members", tokMember, "?host=nowhere", []string{"gamma", "beta", "alpha"}},
		{"host for admins", tokAdmin, "?host=manilite@local&all_tenants=1&name=alpha", []string{"alpha", "alpha"}},
		{"all_tenants ignored for members", tokMember, "?all_tenants=1&name=alpha", []string{"alpha"}},
		{"all_tenants=0 still means all for admins", tokAdmin, "?all_tenants=0&name=alpha", []string{"alpha", "alpha"}},
		{"all_projects alias", tokAdmin, "?all_projects=1&name=alpha", []string{"alpha", "alpha"}},
		{"project_id is overwritten with the caller's", tokAdmin, "?project_id=" + projB, []string{"gamma", "beta", "alpha"}},
		{"limit", tokMember, "?limit=2", []string{"gamma", "beta"}},
		{"limit offset", tokMember, "?limit=2&offset=2", []string{"alpha"}},
		{"limit 0", tokMember, "?limit=0", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := names(c.token, c.q); strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	t.Run("next link", func(t *testing.T) {
		r := ts.do(t, backupReq("GET", "/v2/share-backups/detail?limit=1&offset=1", tokMember, nil)).expectStatus(t, 200).json(t)
		expectKeys(t, "paged list", r, "share_backups", "share_backup_links")
		last := r["share_backups"].([]any)[0].(map[string]any)["id"].(string)
		want := []any{map[string]any{"rel": "next", "href": ts.URL + "/v2/share-backups?limit=1&offset=1&marker=" + last}}
		if !jsonEqual(r["share_backup_links"], want) {
			t.Fatalf("links %v", r["share_backup_links"])
		}
	})
	t.Run("errors", func(t *testing.T) {
		ts.do(t, backupReq("GET", "/v2/share-backups?share_id=nope", tokMember, nil)).expectFault(t, 400, "badRequest", "No share exists with ID nope.")
		ts.do(t, backupReq("GET", "/v2/share-backups?share_id="+os1, tokMember, nil)).expectFault(t, 400, "badRequest", "No share exists with ID "+os1+".")
		ts.do(t, backupReq("GET", "/v2/share-backups?sort_dir=sideways", tokMember, nil)).
			expectFault(t, 400, "badRequest", "Invalid input received: Wrong sorting data provided: sort key is 'created_at' and sort direction is 'sideways'.")
		ts.do(t, backupReq("GET", "/v2/share-backups?sort_key=availability_zone", tokMember, nil)).
			expectFault(t, 400, "badRequest", "Invalid input received: Wrong sorting key provided - 'availability_zone'.")
		// The zone is a column under its Manila name availability_zone_id.
		ts.do(t, backupReq("GET", "/v2/share-backups?sort_key=availability_zone_id", tokMember, nil)).expectStatus(t, 200)
		ts.do(t, backupReq("GET", "/v2/share-backups?limit=x", tokMember, nil)).expectFault(t, 400, "badRequest", "limit param must be an integer")
		ts.do(t, backupReq("GET", "/v2/share-backups?limit=-1", tokMember, nil)).expectFault(t, 400, "badRequest", "limit param must be positive")
		ts.do(t, backupReq("GET", "/v2/share-backups?offset=x", tokMember, nil)).expectFault(t, 400, "badRequest", "offset must be an integer")
		ts.do(t, backupReq("GET", "/v2/share-backups?offset=-1", tokMember, nil)).expectFault(t, 400, "badRequest", "offset must be >= 0")
		ts.do(t, backupReq("GET", "/v2/share-backups?offset=2147483648", tokMember, nil)).expectFault(t, 400, "badRequest", "offset must be <= 2147483647")
	})
}

func TestCorruptBackupIsDetectedOnRestore(t *testing.T) {
	ts := startServer(t)
	share := availableShare(t, ts, tokMember, nil)
	writeTree(t, sharePath(ts, share))
	id := createBackup(t, ts, tokMember, share, nil)["id"].(string)
	waitBackupStatus(t, ts, id, "available")
	waitShareStatus(t, ts, share, "available")

	// Flip the first byte of every pack: the first blob of each.
	packs, err := filepath.Glob(filepath.Join(ts.opts.DataDir, "backups", "packs", "*", "*"))
	if err != nil || len(packs) == 0 {
		t.Fatalf("no packs in the repository: %v", err)
	}
	for _, p := range packs {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		raw[0] ^= 0xff
		if err := os.WriteFile(p, raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The share has moved on since the backup; a failed restore keeps it so.
	if err := os.WriteFile(filepath.Join(sharePath(ts, share), "newer"), []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := treeDigest(t, sharePath(ts, share))
	ts.do(t, backupReq("POST", "/v2/share-backups/"+id+"/action", tokMember, map[string]any{"restore": nil})).expectStatus(t, 202)
	waitShareStatus(t, ts, share, "backup_restoring_error")
	b := waitBackupStatus(t, ts, id, "available")
	if b["restore_progress"] != "0" {
		t.Errorf("restore_progress after a failed restore: %v", b["restore_progress"])
	}
	if after := treeDigest(t, sharePath(ts, share)); after != before {
		t.Fatalf("a failed restore changed the share\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if !strings.Contains(ts.logs.String(), "job failed") {
		t.Error("the failure was not logged")
	}
}

func TestRacingRestoreAndDelete(t *testing.T) {
	ts := startServer(t, func(o *options) { o.MinTransition = time.Hour })
	for round := 0; round < 8; round++ {
		share := createShare(t, ts, tokMember, nil)
		resetShare(t, ts, share, "available")
		id := createBackup(t, ts, tokMember, share, nil)["id"].(string)
		resetBackup(t, ts, id, "available")
		resetShare(t, ts, share, "available")
		var wg sync.WaitGroup
		start := make(chan struct{})
		var restore, del *resp
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			restore = ts.do(t, backupReq("POST", "/v2/share-backups/"+id+"/action", tokMember, map[string]any{"restore": nil}))
		}()
		go func() {
			defer wg.Done()
			<-start
			del = ts.do(t, backupReq("DELETE", "/v2/share-backups/"+id, tokMember, nil))
		}()
		close(start)
		wg.Wait()
		switch {
		case restore.status == 202 && del.status == 400:
			del.expectFault(t, 400, "badRequest", "Invalid backup: Backup "+id+" status must be available or error.")
			if b := getBackup(t, ts, tokMember, id); b["status"] != "restoring" {
				t.Fatalf("round %d: restore won but backup is %v", round, b["status"])
			}
		case del.status == 202 && restore.status == 400:
			restore.expectFault(t, 400, "badRequest", "Invalid backup: Backup "+id+" status must be available.")
			if b := getBackup(t, ts, tokMember, id); b["status"] != "deleting" {
				t.Fatalf("round %d: delete won but backup is %v", round, b["status"])
			}
			if sh := getShare(t, ts, tokMember, "2.99", share); sh["status"] != "available" {
				t.Fatalf("round %d: delete won but the share is %v", round, sh["status"])
			}
		default:
			t.Fatalf("round %d: restore %d %s, delete %d %s", round, restore.status, restore.raw, del.status, del.raw)
		}
	}
}

// backup_options values may be any JSON value: Manila hands the dict to the
// driver unchecked, and its test suite sends {"dummy": true}.
func TestBackupOptionsTakeAnyJSONValue(t *testing.T) {
	ts := startServer(t)
	share := availableShare(t, ts, tokMember, nil)
	b := createBackup(t, ts, tokMember, share, map[string]any{"backup_options": map[string]any{
		"dummy": true, "retries": 3, "tags": []any{"a"}, "nested": map[string]any{"k": nil}}})
	waitBackupStatus(t, ts, b["id"].(string), "available")
	// A value the local backend reads must still be one it knows.
	other := availableShare(t, ts, tokMember, nil)
	b = createBackup(t, ts, tokMember, other, map[string]any{"backup_options": map[string]any{"compression": true}})
	waitBackupStatus(t, ts, b["id"].(string), "error")
}
