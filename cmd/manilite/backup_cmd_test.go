package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCheck runs `manilite backup check args...` and returns its exit code
// and output.
func runCheck(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"backup", "check"}, args...), func(string) string { return "" }, &out, &errOut)
	return code, out.String() + errOut.String()
}

// `manilite backup check` passes a sound repository, finds a damaged pack
// with --read-data and a missing one without, and refuses a folder with no
// repository rather than making one.
func TestBackupCheckCommand(t *testing.T) {
	ts := startServer(t)
	share := availableShare(t, ts, tokMember, nil)
	writeTree(t, sharePath(ts, share))
	id := createBackup(t, ts, tokMember, share, nil)["id"].(string)
	waitBackupStatus(t, ts, id, "available")
	ts.stop()
	dataDir := ts.opts.DataDir

	for _, args := range [][]string{{"--data-dir", dataDir}, {"--data-dir", dataDir, "--read-data"}, {"--backup-repository", filepath.Join(dataDir, "backups")}} {
		code, out := runCheck(t, args...)
		if code != 0 || !strings.Contains(out, "1 backups") || !strings.Contains(out, "no damage found") {
			t.Errorf("check %v: exit %d\n%s", args, code, out)
		}
	}

	packs, err := filepath.Glob(filepath.Join(dataDir, "backups", "packs", "*", "*"))
	if err != nil || len(packs) == 0 {
		t.Fatalf("no packs: %v", err)
	}
	raw, err := os.ReadFile(packs[0])
	if err != nil {
		t.Fatal(err)
	}
	raw[0] ^= 0xff
	if err := os.WriteFile(packs[0], raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := runCheck(t, "--data-dir", dataDir, "--read-data"); code != 1 || !strings.Contains(out, "damage:") || !strings.Contains(out, "the repository is damaged") {
		t.Errorf("check --read-data of a flipped byte: exit %d\n%s", code, out)
	}
	if err := os.Remove(packs[0]); err != nil {
		t.Fatal(err)
	}
	if code, out := runCheck(t, "--data-dir", dataDir); code != 1 || !strings.Contains(out, "damage:") {
		t.Errorf("check of a missing pack: exit %d\n%s", code, out)
	}

	empty := t.TempDir()
	if code, out := runCheck(t, "--backup-repository", empty); code != 1 || !strings.Contains(out, "no backup repository there") {
		t.Errorf("check of an empty folder: exit %d\n%s", code, out)
	}
	if fileExists(filepath.Join(empty, "config")) {
		t.Error("check made a repository")
	}
	if code, _ := runCheck(t, "--backup-repository", "ftp://x/y"); code != 1 {
		t.Errorf("check of an ftp:// repository: exit %d", code)
	}
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"backup", "frobnicate"}, func(string) string { return "" }, &errOut, &errOut); code != 2 {
		t.Errorf("backup frobnicate: exit %d", code)
	}
}
