package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests run the real binary as a separate process, so that it can be
// killed with SIGKILL or stopped with SIGTERM like an operator would.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func maniliteBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "manilite-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "manilite")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is one running `manilite serve`.
type process struct {
	cmd    *exec.Cmd
	server *testServer
	logs   *logBuffer
	exited chan error
}

func startProcess(t *testing.T, ts *testServer, extraArgs ...string) *process {
	t.Helper()
	args := []string{"serve", "--listen", "127.0.0.1:0", "--db", ts.opts.DB, "--data-dir", ts.opts.DataDir,
		"--log-level", "debug", "--sqlite-synchronous", "NORMAL"}
	cmd := exec.Command(maniliteBinary(t), append(args, extraArgs...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logs: &logBuffer{}, exited: make(chan error, 1)}
	addr := make(chan string, 1)
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.logs, line)
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "manilite serving" {
				addr <- m["address"].(string)
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	// Wait only after the last log line was read: the pipe is closed by Wait.
	go func() { <-logsDone; p.exited <- cmd.Wait() }()
	select {
	case a := <-addr:
		p.server = &testServer{t: t, dir: ts.dir, opts: ts.opts, URL: "http://" + a, logs: p.logs}
	case err := <-p.exited:
		t.Fatalf("manilite exited early: %v\n%s", err, p.logs.String())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("manilite did not start\n%s", p.logs.String())
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

func (p *process) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ts := &testServer{t: t, dir: t.TempDir()}
	ts.opts = testOptions(ts.dir)

	// With an hour-long transition nothing finishes on its own: what the
	// second process sees is exactly what the first acknowledged.
	p := startProcess(t, ts, "--min-transition", "1h")
	created := createShare(t, p.server, tokMember, map[string]any{"name": "survivor"})
	doomed := createShare(t, p.server, tokMember, nil)
	p.server.do(t, req{method: "POST", path: "/v2/shares/" + doomed + "/action", token: tokAdmin, version: "2.7",
		body: map[string]any{"reset_status": map[string]any{"status": "available"}}}).expectStatus(t, 202)
	p.server.do(t, req{method: "DELETE", path: "/v2/shares/" + doomed, token: tokMember}).expectStatus(t, 202)
	p.kill9(t)

	p2 := startProcess(t, ts, "--min-transition", "1h")
	if sh := getShare(t, p2.server, tokMember, "2.99", created); sh["status"] != "creating" || sh["name"] != "survivor" {
		t.Fatalf("created share after kill -9: %v %v", sh["status"], sh["name"])
	}
	if sh := getShare(t, p2.server, tokMember, "2.99", doomed); sh["status"] != "deleting" {
		t.Fatalf("deleted share after kill -9: %v", sh["status"])
	}
}

func TestKill9ResumesJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ts := &testServer{t: t, dir: t.TempDir()}
	ts.opts = testOptions(ts.dir)
	dir := func(id string) string { return filepath.Join(ts.opts.DataDir, "shares", id) }

	p := startProcess(t, ts, "--min-transition", "300ms")
	id := createShare(t, p.server, tokMember, nil)
	p.kill9(t) // before the create job is due

	p = startProcess(t, ts, "--min-transition", "300ms")
	waitShareStatus(t, p.server, id, "available")
	if !fileExists(dir(id)) {
		t.Fatal("the resumed create job did not make the share's directory")
	}
	p.server.do(t, req{method: "DELETE", path: "/v2/shares/" + id, token: tokMember}).expectStatus(t, 202)
	p.kill9(t) // before the delete job is due

	p = startProcess(t, ts, "--min-transition", "300ms")
	waitShareGone(t, p.server, id)
	if fileExists(dir(id)) {
		t.Fatal("the resumed delete job left the share's directory")
	}
}

// sigterm stops the process as an operator would and waits for a clean
// exit.
func (p *process) sigterm(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("manilite did not stop on SIGTERM")
	}
}

func TestSIGTERMStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ts := &testServer{t: t, dir: t.TempDir()}
	ts.opts = testOptions(ts.dir)
	p := startProcess(t, ts)
	createShare(t, p.server, tokMember, nil)
	p.sigterm(t)
	if !strings.Contains(p.logs.String(), `"msg":"stopped"`) {
		t.Fatalf("no 'stopped' line:\n%s", p.logs.String())
	}
	// A clean stop checkpoints the WAL into the database file (SQLite's:
	// PostgreSQL's WAL is the server's own business).
	if st, err := os.Stat(ts.opts.DB + "-wal"); !onPostgres() && err == nil && st.Size() > 0 {
		t.Fatalf("WAL still holds %d bytes after a clean stop", st.Size())
	}
}

// TestSIGTERMLetsRunningJobsFinish stops the server while a backup is
// copying data: within --shutdown-timeout the job runs to its end before
// the process exits, so the backup is available at the next start without
// being resumed (that start's rate limit would keep a resumed copy going
// far longer than the test).
func TestSIGTERMLetsRunningJobsFinish(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ts := &testServer{t: t, dir: t.TempDir()}
	ts.opts = testOptions(ts.dir)
	p := startProcess(t, ts, "--min-transition", "50ms", "--backup-max-rate", "4M")
	share := availableShare(t, p.server, tokMember, nil)
	// 4 MiB that does not compress: about a second at 4 MiB/s.
	payload := make([]byte, 4<<20)
	_, _ = rand.NewChaCha8([32]byte{3}).Read(payload)
	if err := os.WriteFile(filepath.Join(sharePath(ts, share), "payload"), payload, 0o644); err != nil {
		t.Fatal(err)
	}
	backup := createBackup(t, p.server, tokMember, share, nil)["id"].(string)
	waitFor(t, 30*time.Second, "the backup to be under way", func() bool {
		b := getBackup(t, p.server, tokMember, backup)
		return b["progress"] != "0" && b["status"] == "creating"
	})
	p.sigterm(t)
	if strings.Contains(p.logs.String(), "interrupted by shutdown") {
		t.Fatalf("the backup job was interrupted:\n%s", p.logs.String())
	}
	p = startProcess(t, ts, "--backup-max-rate", "1K")
	if b := getBackup(t, p.server, tokMember, backup); b["status"] != "available" || b["progress"] != "100" {
		t.Fatalf("after SIGTERM the backup is %v at %v%%", b["status"], b["progress"])
	}
}

// TestKill9DuringBackupAndRestore kills the server in the middle of moving
// a backup's data, in each direction, and checks that the next start
// finishes the work: the backup is complete when it says available, and the
// restored share holds exactly the backup.
func TestKill9DuringBackupAndRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ts := &testServer{t: t, dir: t.TempDir()}
	ts.opts = testOptions(ts.dir)
	slow := []string{"--min-transition", "50ms", "--backup-max-rate", "2M"}

	p := startProcess(t, ts, slow...)
	share := availableShare(t, p.server, tokMember, nil)
	root := sharePath(ts, share)
	writeTree(t, root)
	// 8 MiB that does not compress: about four seconds each way at 2 MiB/s.
	payload := make([]byte, 8<<20)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(payload)
	if err := os.WriteFile(filepath.Join(root, "payload"), payload, 0o644); err != nil {
		t.Fatal(err)
	}
	backedUp := treeDigest(t, root)

	backup := createBackup(t, p.server, tokMember, share, nil)["id"].(string)
	waitFor(t, 30*time.Second, "the backup to be under way", func() bool {
		b := getBackup(t, p.server, tokMember, backup)
		return b["progress"] != "0" && b["status"] == "creating"
	})
	p.kill9(t)

	p = startProcess(t, ts, "--min-transition", "50ms")
	if b := getBackup(t, p.server, tokMember, backup); b["status"] != "creating" {
		t.Fatalf("after kill -9 the unfinished backup is %v", b["status"])
	}
	b := waitBackupStatus(t, p.server, backup, "available")
	if b["progress"] != "100" {
		t.Fatalf("progress %v", b["progress"])
	}
	waitShareStatus(t, p.server, share, "available")

	// Now change the share and kill the server in the middle of a restore.
	if err := os.WriteFile(filepath.Join(root, "readme.txt"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.kill9(t)
	p = startProcess(t, ts, slow...)
	p.server.do(t, backupReq("POST", "/v2/share-backups/"+backup+"/action", tokMember, map[string]any{"restore": nil})).expectStatus(t, 202)
	waitFor(t, 30*time.Second, "the restore to be under way", func() bool {
		b := getBackup(t, p.server, tokMember, backup)
		return b["status"] == "restoring" && b["restore_progress"] != "0"
	})
	p.kill9(t)

	p = startProcess(t, ts, "--min-transition", "50ms")
	waitShareStatus(t, p.server, share, "available")
	waitBackupStatus(t, p.server, backup, "available")
	if got := treeDigest(t, root); got != backedUp {
		t.Fatalf("after a restore interrupted by kill -9 the share differs from the backup\nwant:\n%s\ngot:\n%s", backedUp, got)
	}
	// Nothing half-done is left beside the shares.
	entries, err := os.ReadDir(filepath.Join(ts.opts.DataDir, "shares"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("leftover %s in the shares folder", e.Name())
		}
	}
}

// TestKill9DuringCGSnapshot kills the server while a cgsnapshot's images
// are being copied; the next start finishes them.
func TestKill9DuringCGSnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	ts := &testServer{t: t, dir: t.TempDir()}
	ts.opts = testOptions(ts.dir)
	p := startProcess(t, ts, "--min-transition", "50ms", "--backup-max-rate", "2M")
	g := createCG(t, p.server, tokMember, nil)["id"].(string)
	waitCGStatus(t, p.server, g, "available")
	share := shareInCG(t, p.server, tokMember, g, 1)
	payload := make([]byte, 6<<20)
	_, _ = rand.NewChaCha8([32]byte{2}).Read(payload)
	if err := os.WriteFile(filepath.Join(sharePath(ts, share), "payload"), payload, 0o644); err != nil {
		t.Fatal(err)
	}
	want := treeDigest(t, sharePath(ts, share))
	cs := p.server.do(t, cgReq("POST", "/v2/cgsnapshots", tokMember, map[string]any{"cgsnapshot": map[string]any{"consistency_group_id": g}})).
		expectStatus(t, 202).json(t)["cgsnapshot"].(map[string]any)["id"].(string)
	waitFor(t, 30*time.Second, "the images to be under way", func() bool {
		return fileExists(filepath.Join(ts.opts.DataDir, "cgsnapshots", ".tmp-"+cs))
	})
	p.kill9(t)

	p = startProcess(t, ts, "--min-transition", "50ms")
	waitCGSnapshotStatus(t, p.server, cs, "available")
	members := p.server.do(t, cgReq("GET", "/v2/cgsnapshots/"+cs+"/members", tokMember, nil)).expectStatus(t, 200).json(t)["cgsnapshot_members"].([]any)
	if len(members) != 1 {
		t.Fatalf("%d members", len(members))
	}
	image := filepath.Join(ts.opts.DataDir, "cgsnapshots", cs, members[0].(map[string]any)["id"].(string))
	if got := treeDigest(t, image); got != want {
		t.Fatalf("image after kill -9 differs from the share\nwant:\n%s\ngot:\n%s", want, got)
	}
}
