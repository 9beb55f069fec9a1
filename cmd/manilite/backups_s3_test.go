package main

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/manilite/manilite/internal/s3test"
)

// onS3 keeps the server's backups in bucket "manilite-backups" under
// prefix "cloud-a" on s3.
func onS3(s3 *s3test.Server) func(*options) {
	return func(o *options) {
		o.Backups = repositoryOptions{Repository: "s3://manilite-backups/cloud-a", S3Endpoint: s3.Endpoint(), S3Region: "us-east-1",
			S3AccessKey: s3test.AccessKey, S3SecretKey: s3test.SecretKey}
	}
}

// Backups on a real S3 server (versitygw): made, restored and deleted
// through the API, and kept in the bucket, not under --data-dir.
func TestBackupsOnS3(t *testing.T) {
	s3 := s3test.Start(t)
	ts := startServer(t, onS3(s3))
	share := availableShare(t, ts, tokMember, nil)
	writeTree(t, sharePath(ts, share))
	want := treeDigest(t, sharePath(ts, share))
	id := createBackup(t, ts, tokMember, share, nil)["id"].(string)
	waitBackupStatus(t, ts, id, "available")
	waitShareStatus(t, ts, share, "available")
	manifest := filepath.Join(s3.Dir, "manilite-backups", "cloud-a", "manifests", id)
	if !fileExists(manifest) {
		t.Fatalf("no manifest in the bucket at %s", manifest)
	}
	if fileExists(filepath.Join(ts.opts.DataDir, "backups", "manifests", id)) {
		t.Fatal("the backup is under --data-dir too")
	}

	if err := os.WriteFile(filepath.Join(sharePath(ts, share), "readme.txt"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts.do(t, backupReq("POST", "/v2/share-backups/"+id+"/action", tokMember, map[string]any{"restore": nil})).expectStatus(t, 202)
	waitShareStatus(t, ts, share, "available")
	if got := treeDigest(t, sharePath(ts, share)); got != want {
		t.Fatalf("restored from S3:\n%s\nwant:\n%s", got, want)
	}

	ts.do(t, backupReq("DELETE", "/v2/share-backups/"+id, tokMember, nil)).expectStatus(t, 202)
	waitBackupGone(t, ts, id)
	if fileExists(manifest) {
		t.Error("the deleted backup's manifest is still in the bucket")
	}
	packs, _ := filepath.Glob(filepath.Join(s3.Dir, "manilite-backups", "cloud-a", "packs", "*", "*"))
	if len(packs) != 0 {
		t.Errorf("packs left in the bucket after the only backup's delete: %v", packs)
	}
}

// randomShare writes n files of size random bytes into a share (so that
// its backup is as large as its data), and returns the share's tree digest.
// Files over 1 MiB are restored one after the other, each fetched when the
// restore gets to it (smaller ones are fetched ahead).
func randomShare(t *testing.T, ts *testServer, share string, n, size int) string {
	t.Helper()
	data := make([]byte, size)
	for i := range n {
		rand.Read(data)
		if err := os.WriteFile(filepath.Join(sharePath(ts, share), "random-"+strconv.Itoa(i)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return treeDigest(t, sharePath(ts, share))
}

// waitProgress waits until the backup's field (progress or
// restore_progress) is at least pct.
func waitProgress(t *testing.T, ts *testServer, id, field string, pct int) {
	t.Helper()
	waitFor(t, 30*time.Second, "backup "+id+" "+field+" to reach "+strconv.Itoa(pct), func() bool {
		p, _ := strconv.Atoi(getBackup(t, ts, tokAdmin, id)[field].(string))
		return p >= pct
	})
}

// The S3 server killed mid-backup: the backup ends in error with the
// reason, nothing is marked available, and the bucket holds no manifest.
// Killed mid-restore: the share is left as it was, in
// backup_restoring_error.
func TestBackupS3ServerLost(t *testing.T) {
	s3 := s3test.Start(t)
	ts := startServer(t, onS3(s3), func(o *options) { o.BackupMaxRate = 8 << 20 })
	share := availableShare(t, ts, tokMember, nil)
	randomShare(t, ts, share, 12, 2<<20) // 3 s at the cap

	id := createBackup(t, ts, tokMember, share, nil)["id"].(string)
	waitProgress(t, ts, id, "progress", 25)
	s3.Kill()
	waitBackupStatusWithin(t, ts, id, "error", 90*time.Second)
	stored, err := ts.app.db.GetShareBackup(t.Context(), id)
	if err != nil || stored.FailReason == nil || !strings.Contains(*stored.FailReason, "s3") {
		t.Errorf("fail_reason %v (%v) does not say what failed", stored.FailReason, err)
	}
	waitShareStatus(t, ts, share, "available")
	if fileExists(filepath.Join(s3.Dir, "manilite-backups", "cloud-a", "manifests", id)) {
		t.Error("the failed backup has a manifest")
	}

	// With the server back, a backup is made, and a restore that loses
	// the server leaves the share alone.
	s3.Restart()
	id = createBackup(t, ts, tokMember, share, nil)["id"].(string)
	waitBackupStatus(t, ts, id, "available")
	waitShareStatus(t, ts, share, "available")
	if err := os.WriteFile(filepath.Join(sharePath(ts, share), "newer"), []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := treeDigest(t, sharePath(ts, share))
	ts.do(t, backupReq("POST", "/v2/share-backups/"+id+"/action", tokMember, map[string]any{"restore": nil})).expectStatus(t, 202)
	// At 10%, the restore is in the second file of twelve: ten are still
	// to be fetched.
	waitProgress(t, ts, id, "restore_progress", 10)
	s3.Kill()
	waitFor(t, 90*time.Second, "share "+share+" to be backup_restoring_error", func() bool {
		st := getShare(t, ts, tokMember, "2.99", share)["status"]
		if st != "backup_restoring" && st != "backup_restoring_error" {
			t.Fatalf("share status %v during the restore; logs:\n%s", st, ts.logs.String())
		}
		return st == "backup_restoring_error"
	})
	if after := treeDigest(t, sharePath(ts, share)); after != before {
		t.Fatalf("a failed restore changed the share\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// Wrong S3 credentials stop the server at start, saying why.
func TestBackupS3WrongCredentials(t *testing.T) {
	s3 := s3test.Start(t)
	o := testOptions(t.TempDir())
	onS3(s3)(&o)
	o.Backups.S3SecretKey = "not-the-secret"
	_, err := newApp(context.Background(), o, quietLogger())
	if err == nil || !strings.Contains(err.Error(), "--backup-repository s3://manilite-backups/cloud-a") || !strings.Contains(strings.ToLower(err.Error()), "access denied") {
		t.Fatalf("newApp with wrong credentials: %v", err)
	}
}

func waitBackupStatusWithin(t *testing.T, ts *testServer, id, status string, d time.Duration) map[string]any {
	t.Helper()
	var b map[string]any
	waitFor(t, d, "backup "+id+" to be "+status, func() bool {
		b = getBackup(t, ts, tokAdmin, id)
		return b["status"] == status
	})
	return b
}
