package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/manilite/manilite/internal/pgtest"
	"github.com/manilite/manilite/worker"
)

// These tests run several real manilite processes (nodes) on one
// PostgreSQL database and one shared --data-dir, as a cloud runs its
// share API on several machines.

// cluster is a set of nodes serving one cloud.
type cluster struct {
	ts    *testServer // the options every node shares
	nodes []*process
	names []string
}

// startCluster starts n nodes on a fresh PostgreSQL database.
func startCluster(t *testing.T, n int, extraArgs ...string) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	pg := pgtest.Start(t)
	ts := &testServer{t: t, dir: t.TempDir()}
	ts.opts = testOptions(ts.dir)
	ts.opts.DB = pg.NewDatabase()
	c := &cluster{ts: ts}
	for i := range n {
		c.names = append(c.names, fmt.Sprintf("node-%d", i+1))
		c.nodes = append(c.nodes, c.start(t, i, extraArgs...))
	}
	return c
}

func (c *cluster) start(t *testing.T, i int, extraArgs ...string) *process {
	t.Helper()
	// The default --job-lease: the takeover measured is the default's.
	args := append([]string{"--node-id", c.names[i]}, extraArgs...)
	return startProcess(t, c.ts, args...)
}

// claims is how many times node i's log says it claimed a job of kind
// for resource (any kind or resource when empty).
func (c *cluster) claims(i int, kind, resource string) int {
	n := 0
	for line := range strings.SplitSeq(c.nodes[i].logs.String(), "\n") {
		if strings.Contains(line, `"msg":"job claimed"`) &&
			(kind == "" || strings.Contains(line, `"kind":"`+kind+`"`)) &&
			(resource == "" || strings.Contains(line, `"resource_id":"`+resource+`"`)) {
			n++
		}
	}
	return n
}

// postJSON sends one request that may fail (its node may be killed
// meanwhile): it returns the status and body, or the transport error.
func postJSON(url, method, token, version string, body any) (int, map[string]any, error) {
	raw, _ := json.Marshal(body)
	r, err := http.NewRequest(method, url, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Auth-Token", token)
	r.Header.Set("X-OpenStack-Manila-API-Version", version)
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(r)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var m map[string]any
	err = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m, err
}

// TestNodesShareOneDatabase: creates sent to every node are all done,
// by more than one node; two nodes racing the same state change give
// exactly one winner; and a quota is one count across the nodes.
func TestNodesShareOneDatabase(t *testing.T) {
	c := startCluster(t, 3, "--min-transition", "50ms", "--quota-shares", "40")
	var ids []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			id := createShare(t, c.nodes[i%3].server, tokMember, nil)
			mu.Lock()
			ids = append(ids, id)
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, id := range ids {
		waitShareStatus(t, c.nodes[0].server, id, "available")
	}
	ran := 0
	for i := range c.nodes {
		if c.claims(i, "share.create", "") > 0 {
			ran++
		}
	}
	if ran < 2 {
		t.Errorf("the create jobs ran on %d node(s), want them spread over several", ran)
	}

	// Racing deletes of one share through three nodes: one is accepted,
	// the others find it deleting already.
	for round := range 5 {
		id := ids[round]
		statuses := make([]int, 3)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, p := range c.nodes {
			wg.Go(func() {
				<-start
				statuses[i] = p.server.do(t, req{method: "DELETE", path: "/v2/shares/" + id, token: tokMember}).status
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, s := range statuses {
			switch s {
			case http.StatusAccepted:
				won++
			case http.StatusForbidden: // Manila: "Share status must be one of ..."
			default:
				t.Errorf("round %d: DELETE answered %d", round, s)
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d deletes accepted (%v), want exactly 1", round, won, statuses)
		}
		waitShareGone(t, c.nodes[2].server, id)
	}

	// 25 shares are left of a quota of 40: of 30 creates sent at once to
	// the three nodes, exactly 15 are accepted.
	accepted := make(chan string, 30)
	var over sync.WaitGroup
	for i := range 30 {
		over.Go(func() {
			r := c.nodes[i%3].server.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, version: "2.99",
				body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1}}})
			switch r.status {
			case http.StatusOK:
				accepted <- r.json(t)["share"].(map[string]any)["id"].(string)
			case http.StatusRequestEntityTooLarge:
			default:
				t.Errorf("create over quota answered %d: %s", r.status, r.raw)
			}
		})
	}
	over.Wait()
	close(accepted)
	if n := len(accepted); n != 15 {
		t.Errorf("%d creates accepted against 15 left of the quota, want 15", n)
	}
}

// TestNodeKilledMidBackup kills the node running a backup: another node
// takes the job over within the lease bound and finishes it, the
// repository checks clean, the backup restores byte for byte, and no
// create a node acknowledged (the killed one included) is lost.
func TestNodeKilledMidBackup(t *testing.T) {
	c := startCluster(t, 3, "--min-transition", "50ms", "--backup-max-rate", "2M")
	share := availableShare(t, c.nodes[0].server, tokMember, nil)
	root := sharePath(c.ts, share)
	writeTree(t, root)
	// 8 MiB that does not compress: about four seconds at 2 MiB/s.
	payload := make([]byte, 8<<20)
	_, _ = rand.NewChaCha8([32]byte{7}).Read(payload)
	if err := os.WriteFile(filepath.Join(root, "payload"), payload, 0o644); err != nil {
		t.Fatal(err)
	}
	backedUp := treeDigest(t, root)

	// Creates keep arriving at every node while one of them dies.
	stopLoad := make(chan struct{})
	var acked sync.Map
	var load sync.WaitGroup
	for i := range c.nodes {
		load.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stopLoad:
					return
				default:
				}
				status, body, err := postJSON(c.nodes[i].server.URL+"/v2/shares", "POST", tokMember, "2.99",
					map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "name": fmt.Sprintf("load-%d-%d", i, n)}})
				if err == nil && status == http.StatusOK {
					acked.Store(body["share"].(map[string]any)["id"].(string), i)
				}
				time.Sleep(20 * time.Millisecond) // pacing, not a wait for a state
			}
		})
	}

	backup := createBackup(t, c.nodes[1].server, tokMember, share, nil)["id"].(string)
	running := -1
	waitFor(t, 30*time.Second, "the backup to be under way on some node", func() bool {
		b := getBackup(t, c.nodes[1].server, tokMember, backup)
		if b["status"] != "creating" || b["progress"] == "0" {
			return false
		}
		for i := range c.nodes {
			if c.claims(i, "backup.create", backup) > 0 {
				running = i
				return true
			}
		}
		return false
	})
	killed := time.Now()
	c.nodes[running].kill9(t)
	survivor := c.nodes[(running+1)%3]

	var takeover time.Duration
	waitFor(t, 30*time.Second, "another node to take the backup over", func() bool {
		for i := range c.nodes {
			if i != running && c.claims(i, "backup.create", backup) > 0 {
				takeover = time.Since(killed)
				return true
			}
		}
		return false
	})
	t.Logf("node-loss takeover: %v after kill -9 (--job-lease %v)", takeover.Round(10*time.Millisecond), worker.DefaultLeaseTTL)
	if takeover > 10*time.Second {
		t.Errorf("takeover took %v, want at most 10s", takeover)
	}
	b := waitBackupStatus(t, survivor.server, backup, "available")
	if b["progress"] != "100" {
		t.Errorf("progress %v", b["progress"])
	}
	close(stopLoad)
	load.Wait()

	// Every acknowledged create is there and finishes, the killed node's
	// too (its jobs are taken over like the backup).
	n := 0
	acked.Range(func(k, v any) bool {
		n++
		waitShareStatus(t, survivor.server, k.(string), "available")
		return true
	})
	t.Logf("%d creates acknowledged during the node loss, none lost", n)

	out, err := exec.Command(maniliteBinary(t), "backup", "check", "--read-data", "--data-dir", c.ts.opts.DataDir).CombinedOutput()
	if err != nil {
		t.Fatalf("backup check after the node loss: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(root, "payload"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	survivor.server.do(t, backupReq("POST", "/v2/share-backups/"+backup+"/action", tokMember, map[string]any{"restore": nil})).expectStatus(t, 202)
	waitBackupStatus(t, survivor.server, backup, "available")
	waitShareStatus(t, survivor.server, share, "available")
	if got := treeDigest(t, root); got != backedUp {
		t.Fatalf("the restored share differs from the backup taken across the node loss\nwant:\n%s\ngot:\n%s", backedUp, got)
	}
}

// TestNodeStoppedMidBackupHandsItOver: SIGTERM with a shutdown timeout
// shorter than the backup interrupts the job, and the stopping node hands
// it back at once: another node takes it over before its lease would
// have expired, and finishes it.
func TestNodeStoppedMidBackupHandsItOver(t *testing.T) {
	c := startCluster(t, 2, "--min-transition", "50ms", "--backup-max-rate", "2M", "--shutdown-timeout", "300ms")
	share := availableShare(t, c.nodes[0].server, tokMember, nil)
	payload := make([]byte, 8<<20) // about four seconds at 2 MiB/s
	_, _ = rand.NewChaCha8([32]byte{9}).Read(payload)
	if err := os.WriteFile(filepath.Join(sharePath(c.ts, share), "payload"), payload, 0o644); err != nil {
		t.Fatal(err)
	}
	backup := createBackup(t, c.nodes[0].server, tokMember, share, nil)["id"].(string)
	running := -1
	waitFor(t, 30*time.Second, "the backup to be under way on some node", func() bool {
		for i := range c.nodes {
			if c.claims(i, "backup.create", backup) > 0 {
				running = i
				return getBackup(t, c.nodes[0].server, tokMember, backup)["progress"] != "0"
			}
		}
		return false
	})
	other := 1 - running
	stopped := time.Now()
	// Past --shutdown-timeout the server exits 1 ("close: context deadline
	// exceeded"): the exit code tells the operator jobs were cut short.
	if err := c.nodes[running].cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.nodes[running].exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the node did not stop on SIGTERM")
	}
	if !strings.Contains(c.nodes[running].logs.String(), "interrupted by shutdown") {
		t.Fatalf("the backup was not interrupted by the shutdown:\n%s", c.nodes[running].logs.String())
	}
	waitFor(t, 30*time.Second, "the other node to take the backup over", func() bool {
		return c.claims(other, "backup.create", backup) > 0
	})
	handover := time.Since(stopped)
	t.Logf("handover after SIGTERM: %v", handover.Round(10*time.Millisecond))
	if handover >= worker.DefaultLeaseTTL {
		t.Errorf("the backup was taken over %v after SIGTERM: by lease expiry, not handed back", handover)
	}
	waitBackupStatus(t, c.nodes[other].server, backup, "available")
}

// TestJobLeaseFlag: a lease too short to be renewed in time is refused at
// start, with the flag's name.
func TestJobLeaseFlag(t *testing.T) {
	o := testOptions(t.TempDir())
	o.JobLease = 300 * time.Millisecond
	_, err := newApp(t.Context(), o, quietLogger())
	if err == nil || err.Error() != "--job-lease must be at least 1s (it is renewed every third of it), not 300ms" {
		t.Errorf("--job-lease 300ms: %v", err)
	}
}
